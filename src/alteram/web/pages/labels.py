"""Names shown for the process's values, marked for translation (translated where shown)."""

from __future__ import annotations

from alteram.web.pages.i18n import N_

STATES = {
    "awaiting_reply": N_("Awaiting the author's reply"),
    "voting": N_("Panel voting"),
    "ruled": N_("Ruled; appeal window open"),
    "appeal_voting": N_("Appeal panel voting"),
    "final": N_("Final"),
    "closed_precedent": N_("Closed by precedent"),
    "order_refused": N_("Legal order refused: incompatible with human rights"),
}

OUTCOMES = {
    "violation": N_("Violation found"),
    "no_violation": N_("No violation"),
}

REMEDIES = {
    "no_action": N_("No action"),
    "context_note": N_("Context note"),
    "label": N_("Label or interstitial"),
    "reduced_distribution": N_("Reduced distribution"),
    "age_gate": N_("Age gate"),
    "geo_restriction": N_("Restricted in named jurisdictions"),
    "removal": N_("Removal"),
}

EVENTS = {
    "case_opened": N_("Case opened"),
    "report_filed": N_("Report received"),
    "notice_issued": N_("Notice sent"),
    "interim_measure_applied": N_("Interim measure applied"),
    "interim_measure_ended": N_("Interim measure ended"),
    "author_replied": N_("The author replied"),
    "author_waived": N_("The author waived the reply"),
    "reply_window_closed": N_("Hearing closed"),
    "panel_shortfall": N_("Not enough eligible jurors yet"),
    "panel_drawn": N_("Panel drawn"),
    "juror_recused": N_("A juror recused"),
    "juror_replaced": N_("Replacement juror drawn"),
    "vote_cast": N_("Sealed vote cast"),
    "votes_revealed": N_("Votes revealed"),
    "ruling_issued": N_("Ruling issued"),
    "remedy_applied": N_("Remedy applied"),
    "remedy_lifted": N_("Remedy lifted"),
    "appeal_filed": N_("Appeal filed"),
    "case_final": N_("Case final"),
    "order_received": N_("Legal order received"),
    "order_refused": N_("Legal order refused"),
    "dispute_filed": N_("Dispute filed"),
    "platform_responded": N_("The platform responded"),
    "dispute_ruled": N_("Recommendation on the platform's decision"),
    "dispute_compliance_recorded": N_("The platform's answer to the ruling"),
}

# Disputes (docs/disputes.md): what the platform did, the outcome, its answer.
ACTIONS = {
    "removed": N_("Removed the content"),
    "disabled": N_("Disabled access to the content"),
    "geo_blocked": N_("Blocked the content in some countries"),
    "demoted": N_("Showed the content to fewer people"),
    "age_restricted": N_("Restricted the content by age"),
    "labelled": N_("Put a label or warning on the content"),
    "account_suspended": N_("Suspended the account"),
    "account_terminated": N_("Closed the account"),
}

DISPUTE_OUTCOMES = {
    "restriction_upheld": N_("Restriction upheld"),
    "restriction_not_justified": N_("Restriction not justified: restore recommended"),
    "lesser_remedy_recommended": N_("A lesser remedy is recommended"),
}

COMPLIANCE = {
    "implemented": N_("Implemented"),
    "declined": N_("Declined"),
    "no_answer": N_("No answer by the deadline"),
}

TEST = {
    "legality": (
        N_("Provided by law"),
        N_(
            "Is the rule clear and accessible enough that the author could know the post "
            "breaks it? Quote the rule."
        ),
    ),
    "legitimate_aim": (
        N_("Legitimate aim"),
        N_(
            "Which aim of ICCPR Art. 19(3) does restricting this post serve: the rights or "
            "reputations of others, national security, public order, public health or morals?"
        ),
    ),
    "necessity": (
        N_("Necessity"),
        N_(
            "Is restricting this post needed to achieve that aim, with a direct link between "
            "the post and the harm?"
        ),
    ),
    "proportionality": (
        N_("Proportionality"),
        N_("Is the restriction the least intrusive one that would achieve the aim?"),
    ),
}

RABAT = {
    "context": (
        N_("Context"),
        N_("The social and political context when the post was made and spread."),
    ),
    "speaker": (
        N_("Speaker"),
        N_("The speaker's position or status and their standing with the audience."),
    ),
    "intent": (
        N_("Intent"),
        N_("Did the speaker intend to incite? Negligence or recklessness is not enough."),
    ),
    "content_and_form": (
        N_("Content and form"),
        N_("How direct and provocative the post is; its style and form; any art or satire."),
    ),
    "extent": (
        N_("Extent"),
        N_("How public and how far-reaching the post is; the size of its audience."),
    ),
    "likelihood_and_imminence": (
        N_("Likelihood and imminence"),
        N_("How likely and how soon the post would lead to actual harm."),
    ),
}

ROLES = {
    "author": N_("author"),
    "reporter": N_("reporter"),
    "platform": N_("platform"),
}
