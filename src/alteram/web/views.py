"""What each caller may see of a case and its ruling.

Public: the process (state, deadlines, counts, the draw inputs, the remedy in
force). The filing platform, the parties and the case's jurors also see the
content, the hearing and the appeal grounds. Reporter handles are shown only to
the filing platform. Votes stay sealed until revealed; a juror sees their own.
"""

from __future__ import annotations

from typing import Any

from alteram.domain.case import Case
from alteram.domain.ruling import Ruling
from alteram.services.accounts import Principal

MAX_REPORTS_SHOWN = 200


def viewer_role(case: Case, who: Principal | None) -> str:
    if who is None:
        return "public"
    if who.kind == "platform" and who.subject == case.content.platform:
        return "platform"
    if who.kind == "party" and who.subject == case.id:
        return "author" if who.party_id == "author" else "reporter"
    if who.kind == "juror" and any(who.subject in p.chosen for p in case.panels):
        return "juror"
    if who.kind == "admin":
        return "admin"
    return "public"


def case_view(case: Case, who: Principal | None, reports: list[dict[str, Any]]) -> dict[str, Any]:
    role = viewer_role(case, who)
    panel = case.panel
    view: dict[str, Any] = {
        "case_id": case.id,
        "viewer": role,
        "state": case.state.value,
        "mode": case.mode.value,
        "category": case.category,
        "categories": case.categories,
        "policy_version": case.policy_version,
        "report_count": case.report_count,
        "opened_at": case.opened_at,
        "deadlines": {
            "reply": case.reply_deadline,
            "voting": case.voting_deadline,
            "appeal": case.appeal_deadline,
        },
        "hearing": {
            "closed_at": case.reply_closed_at,
            "replied": bool(case.reply and not case.reply.waived),
            "waived": bool(case.reply and case.reply.waived),
        },
        "interim_measure": case.interim.model_dump(mode="json") if case.interim else None,
        "round": case.round,
        "panel": None,
        "panels": [p.model_dump(mode="json") for p in case.panels],
        "remedy": {"remedy": case.remedy.value, "jurisdictions": case.remedy_jurisdictions},
        "ruled": bool(case.rulings),
        "precedent": (
            case.precedent.model_dump(mode="json", exclude={"reasons"}) if case.precedent else None
        ),
        "appeal": (
            {"role": case.appeal.role.value, "filed_at": case.appeal.filed_at}
            if case.appeal
            else None
        ),
    }
    if panel is not None:
        view["panel"] = {
            "round": panel.round,
            "size": panel.size,
            "votes_cast": len(case.votes_in(panel.round)),
            "voting_deadline": panel.voting_deadline,
            "draw": {
                "seed": panel.seed,
                "opening_event_hash": panel.opening_event_hash,
                "eligible": panel.eligible,
                "chosen": panel.chosen,
            },
        }
    if role == "public" or role == "admin":
        return view
    view["content"] = {
        "url": case.content.url,
        "author": case.content.author,
        "text": case.content.text,
        "language": case.content.language,
        "media": [f"/api/v1/cases/{case.id}/media/{sha}" for sha in case.content.media],
    }
    view["reply"] = (
        {
            "statement": case.reply.statement,
            "waived": case.reply.waived,
            "at": case.reply.at,
            "evidence": [f"/api/v1/cases/{case.id}/media/{sha}" for sha in case.reply.evidence],
        }
        if case.reply
        else None
    )
    if case.appeal:
        view["appeal"]["grounds"] = case.appeal.grounds
    view["cited_laws"] = [c.model_dump() for c in case.cited_laws]
    view["new_grounds"] = list(case.new_grounds)
    view["reports"] = [
        {
            "category": r["category"],
            "explanation": r["explanation"],
            "jurisdiction": r["jurisdiction"],
            "legal_basis": r["legal_basis"],
            "received_at": r["received_at"],
            **({"reporter": r["reporter"]} if role == "platform" else {}),
        }
        for r in reports[:MAX_REPORTS_SHOWN]
    ]
    if role == "juror" and who is not None:
        own = [v for v in case.votes if v.juror_id == who.subject]
        view["my_votes"] = [v.model_dump(mode="json") for v in own]
    return view


def ruling_view(ruling: Ruling, case: Case) -> dict[str, Any]:
    votes = case.votes_in(ruling.round)
    return {
        "case_id": case.id,
        "round": ruling.round,
        "final": ruling.final,
        "outcome": "violation" if ruling.violation else "no_violation",
        "violation": ruling.violation,
        "remedy": ruling.remedy.value,
        "jurisdictions": ruling.jurisdictions,
        "rules": ruling.rules,
        "reasons": ruling.reasons,
        "votes_for_violation": ruling.votes_for_violation,
        "votes_cast": ruling.votes_cast,
        "panel_size": ruling.panel_size,
        "policy_version": ruling.policy_version,
        "issued_at": ruling.issued_at,
        "dissents": [d.model_dump(mode="json") for d in ruling.dissents],
        "votes": [
            {"juror_id": v.juror_id, "cast_at": v.cast_at, **v.ballot.model_dump(mode="json")}
            for v in votes
        ],
        "statement_of_reasons": ruling.statement.model_dump(),
    }
