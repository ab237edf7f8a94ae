"""Dispute mode (EU DSA Art. 21): a user challenges a restriction a platform already
applied. The appellant is the user (the case's author), the respondent the platform.

The hearing is the platform's: it is notified with the user's statement and may
respond until the reply deadline; then a panel rules on **the platform's
restriction** with the same three-part test. A ballot's ``violation`` means "the
content breaches a rule, so some restriction is justified" and its ``remedy`` is
the most that is justified; :func:`outcome_of` compares that with what the platform
did. The ruling is a non-binding recommendation; the platform then says whether it
implemented it (``implemented`` | ``declined``), or the answer lapses as
``no_answer`` at the compliance deadline.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel

from alteram.domain import events as ev
from alteram.domain.content import Content, Party, Precedent, Role
from alteram.domain.notice import fmt_time
from alteram.domain.policy import Category, Policy, Rule
from alteram.domain.remedy import Remedy
from alteram.domain.ruling import Ruling, decide, tally
from alteram.domain.vote import Ballot, Vote
from alteram.errors import InvalidInput, OutOfOrder

if TYPE_CHECKING:
    from alteram.domain.case import Case
    from alteram.domain.panel import Juror, Panel

RESPONDENT = "platform"  # the platform's party id in a dispute
UNSTATED = "unstated"  # the case's category while no policy category is named


class PlatformAction(StrEnum):
    """What the platform did; each maps to the rung of the remedy ladder it equals."""

    REMOVED = "removed"
    DISABLED = "disabled"
    GEO_BLOCKED = "geo_blocked"
    DEMOTED = "demoted"
    AGE_RESTRICTED = "age_restricted"
    LABELLED = "labelled"
    ACCOUNT_SUSPENDED = "account_suspended"
    ACCOUNT_TERMINATED = "account_terminated"

    @property
    def rung(self) -> Remedy:
        return _RUNG[self]


_RUNG: dict[PlatformAction, Remedy] = {
    PlatformAction.REMOVED: Remedy.REMOVAL,
    PlatformAction.DISABLED: Remedy.REMOVAL,
    PlatformAction.GEO_BLOCKED: Remedy.GEO_RESTRICTION,
    PlatformAction.DEMOTED: Remedy.REDUCED_DISTRIBUTION,
    PlatformAction.AGE_RESTRICTED: Remedy.AGE_GATE,
    PlatformAction.LABELLED: Remedy.LABEL,
    # Account sanctions sit above the content ladder: any lesser rung is "lesser".
    PlatformAction.ACCOUNT_SUSPENDED: Remedy.REMOVAL,
    PlatformAction.ACCOUNT_TERMINATED: Remedy.REMOVAL,
}


class DisputeOutcome(StrEnum):
    RESTRICTION_UPHELD = "restriction_upheld"
    RESTRICTION_NOT_JUSTIFIED = "restriction_not_justified"
    LESSER_REMEDY_RECOMMENDED = "lesser_remedy_recommended"


class Compliance(StrEnum):
    IMPLEMENTED = "implemented"
    DECLINED = "declined"
    NO_ANSWER = "no_answer"


class DisputeRules(BaseModel):
    """Operator settings for disputes (``ALTERAM_DISPUTE_*``)."""

    compliance_window: timedelta = timedelta(days=30)
    per_contact: int = 5
    per_ip: int = 20
    limit_window: timedelta = timedelta(days=1)


class PlatformResponse(BaseModel):
    statement: str
    at: datetime


class Dispute(BaseModel):
    """What the user says the platform did, and what became of it."""

    platform: str  # the platform's name as given (or the registered platform's name)
    platform_id: str | None = None  # the registered platform, if any
    action: PlatformAction
    action_at: datetime | None = None
    platform_reason: str | None = None
    platform_reference: str | None = None
    statement: str
    jurisdiction: str | None = None
    response: PlatformResponse | None = None
    outcome: DisputeOutcome | None = None
    recommended: Remedy | None = None
    compliance_window: timedelta = timedelta(days=30)
    compliance: Compliance | None = None
    compliance_at: datetime | None = None
    compliance_note: str | None = None

    @property
    def registered(self) -> bool:
        return self.platform_id is not None


def outcome_of(violation: bool, remedy: Remedy, action: PlatformAction) -> DisputeOutcome:
    """No violation, or a violation no restricting rung is backed for: not justified.
    A backed rung at least as strict as the platform's action: upheld. Else lesser."""
    if not violation or remedy is Remedy.NO_ACTION:
        return DisputeOutcome.RESTRICTION_NOT_JUSTIFIED
    if remedy.rank >= action.rung.rank:
        return DisputeOutcome.RESTRICTION_UPHELD
    return DisputeOutcome.LESSER_REMEDY_RECOMMENDED


def decision_text(d: Dispute, outcome: DisputeOutcome, remedy: Remedy) -> str:
    did = d.action.value.replace("_", " ")
    if outcome is DisputeOutcome.RESTRICTION_UPHELD:
        text = f"Restriction upheld: the platform's action ({did}) was justified."
    elif outcome is DisputeOutcome.RESTRICTION_NOT_JUSTIFIED:
        text = f"Restriction not justified: the platform's action ({did}) should be reversed."
    else:
        text = (
            f"Lesser remedy recommended: {remedy.value} instead of the platform's action ({did})."
        )
    return text + f" A non-binding recommendation to {d.platform}."


# -- the case in dispute mode ------------------------------------------------------


def open_dispute(
    case_id: str,
    content: Content,
    dispute: Dispute,
    category: str | None,
    policy: Policy,
    now: datetime,
) -> tuple[Case, list[ev.Event]]:
    """Open the case; the platform is notified and heard until the reply deadline."""
    from alteram.domain.case import Case, CaseMode, CaseState

    if not dispute.statement.strip():
        raise InvalidInput("say why the platform's decision was wrong", field="statement")
    if category is not None:
        heard = [policy.category(category, field="category").id]
    else:
        heard = [c.id for c in policy.categories]
    if dispute.jurisdiction:
        policy.jurisdiction(dispute.jurisdiction)
    case = Case(
        id=case_id,
        mode=CaseMode.DISPUTE,
        content=content,
        category=category or UNSTATED,
        categories=list(heard),
        heard_categories=list(heard),
        state=CaseState.AWAITING_REPLY,
        policy_version=policy.version,
        opened_at=now,
        reply_deadline=now + policy.deadlines.reply,
        author=Party(id="author", role=Role.AUTHOR, handle=content.author),
        respondent=Party(id=RESPONDENT, role=Role.PLATFORM, handle=dispute.platform),
        dispute=dispute,
    )
    events: list[ev.Event] = [
        case.opened_event(),
        ev.DisputeFiled(
            case_id=case_id,
            at=now,
            platform=dispute.platform,
            registered=dispute.registered,
            action=dispute.action.value,
            action_at=dispute.action_at,
            jurisdiction=dispute.jurisdiction,
            statement=dispute.statement,
            platform_reason=dispute.platform_reason,
            platform_reference=dispute.platform_reference,
        ),
    ]
    return case, events


def cite_precedent(case: Case, precedent: Precedent, now: datetime) -> list[ev.Event]:
    """A final ruling on the same or a near-duplicate copy: cited for the panel (the
    platform is still heard; nothing is decided without this panel's ruling)."""
    case.precedent = precedent
    return [
        ev.PrecedentCited(
            case_id=case.id,
            at=now,
            precedent=precedent.case_id,
            match=precedent.match,
            distance=precedent.distance,
            violation=precedent.violation,
            remedy=precedent.remedy,
        )
    ]


def respondent(case: Case) -> Party:
    """The platform a dispute is brought against."""
    if case.respondent is None:
        raise AssertionError(f"case {case.id} is not a dispute")
    return case.respondent


def notices_at_filing(case: Case, now: datetime) -> list[ev.Event]:
    d = dispute_of(case)
    reason = d.platform_reason or "no reason stated"
    ref = f" (your reference {d.platform_reference})" if d.platform_reference else ""
    when = f" on {fmt_time(d.action_at)}" if d.action_at else ""
    text = (
        f"A user disputes your decision{ref}{when}: {d.action.value} of {case.content.url}, "
        f"stated reason: {reason}. Their statement: {d.statement} "
        f"You may respond with your statement until {fmt_time(case.reply_deadline)}; then "
        "a panel drawn at random reviews your restriction under the published policy "
        f"{case.policy_version} (legality, legitimate aim, necessity and proportionality). "
        "Its ruling is a non-binding recommendation."
    )
    if case.precedent is not None:
        p = case.precedent
        found = f"a violation ({p.remedy.value})" if p.violation else "no violation"
        text += f" This content matches an earlier final ruling (case {p.case_id}: {found})."
    own = (
        f"Your dispute with {d.platform} about its decision ({d.action.value}) was received "
        f"(case {case.id}). The platform may respond until {fmt_time(case.reply_deadline)}; "
        "then a panel drawn at random reviews the restriction. The ruling is a non-binding "
        "recommendation, published with its reasons."
    )
    return [
        _notice(case, respondent(case), text, case.reply_deadline, now),
        _notice(case, case.author, own, None, now),
    ]


def _notice(case: Case, party: Party, text: str, by: datetime | None, now: datetime) -> ev.Event:
    return ev.NoticeIssued(
        case_id=case.id,
        at=now,
        party_id=party.id,
        role=party.role.value,
        handle=party.handle,
        text=text,
        reply_by=by,
    )


def dispute_of(case: Case) -> Dispute:
    if case.dispute is None:
        raise OutOfOrder(f"case {case.id} is not a dispute")
    return case.dispute


def respond(
    case: Case, statement: str, now: datetime, policy: Policy, pool: Sequence[Juror]
) -> list[ev.Event]:
    """The platform's statement; closes the hearing and draws the panel."""
    d = dispute_of(case)
    if not statement.strip():
        raise InvalidInput("a response needs a statement", field="statement")
    case._require_hearing_open(now, respondent=True)
    d.response = PlatformResponse(statement=statement, at=now)
    first: ev.Event = ev.PlatformResponded(case_id=case.id, at=now, statement=statement)
    return [first, *case._close_hearing("responded", now, policy, pool)]


def ballot_categories(case: Case, ballot: Ballot, policy: Policy) -> list[Category]:
    """The categories a dispute ballot is checked against: every heard category's rules
    may be cited, and the Rabat factors are owed when a cited rule is incitement."""
    heard = [policy.category(c) for c in case.heard_categories]
    cited = set(ballot.rules)
    if any(c.incitement and any(r.id in cited for r in c.rules) for c in heard):
        return heard
    return [c.model_copy(update={"incitement": False}) for c in heard]


def ruling_category(case: Case, rules: list[str], policy: Policy) -> Category:
    """The category the ruling rests on: the named one, else that of the first cited rule."""
    for c in policy.categories:
        if c.id == case.category:
            return c
    for rule_id in rules:
        for c in policy.categories:
            if any(r.id == rule_id for r in c.rules):
                return c
    return Category(
        id=UNSTATED,
        title="No rule named by the platform",
        standard="ICCPR Art. 19(3)",
        rules=(Rule(id="-", text="no rule was named"),),
    )


def decide_dispute(
    case: Case,
    votes: list[Vote],
    panel: Panel,
    policy: Policy,
    now: datetime,
    appeal_until: datetime | None,
) -> Ruling:
    """The core count and statement of reasons, framed as a recommendation on the
    platform's restriction."""
    d = dispute_of(case)
    category = ruling_category(case, tally(votes, panel.size)[3], policy)
    if case.category == UNSTATED and category.id != UNSTATED:
        case.category = category.id
    ruling = decide(votes, panel, policy, category, now, appeal_until)
    outcome = outcome_of(ruling.violation, ruling.remedy, d.action)
    d.outcome, d.recommended = outcome, ruling.remedy
    ruling.statement.decision = decision_text(d, outcome, ruling.remedy)
    return ruling


def on_ruling(case: Case, ruling: Ruling, now: datetime) -> list[ev.Event]:
    """Log the dispute's outcome and send the ruling to both sides."""
    d = dispute_of(case)
    assert d.outcome is not None
    text = (
        f"Ruling in case {case.id} (round {ruling.round}): {ruling.statement.decision} "
        f"Reasons: {ruling.statement.facts_and_circumstances} {ruling.statement.redress}"
    )
    if ruling.final:
        text += (
            f" {d.platform} is asked to say whether it implemented the recommendation "
            f"by {fmt_time(now + d.compliance_window)}."
        )
    return [
        ev.DisputeRuled(
            case_id=case.id,
            at=now,
            round=ruling.round,
            outcome=d.outcome.value,
            action=d.action.value,
            recommended=ruling.remedy,
            final=ruling.final,
        ),
        _notice(case, case.author, text, None, now),
        _notice(case, respondent(case), text, None, now),
    ]
