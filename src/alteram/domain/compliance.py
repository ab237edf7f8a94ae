"""What a platform did about a final dispute ruling (docs/disputes.md): it answers
``implemented`` or ``declined`` within the compliance window, which opens when the
ruling becomes final; without an answer by then it is recorded as ``no_answer``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from alteram.domain import events as ev
from alteram.domain.dispute import Compliance, Dispute, dispute_of
from alteram.domain.notice import fmt_time
from alteram.errors import Conflict, InvalidInput, OutOfOrder

if TYPE_CHECKING:
    from alteram.domain.case import Case


def final_at(case: Case) -> datetime | None:
    """When the recommendation became final (the compliance window opens then)."""
    from alteram.domain.case import CaseState

    if case.state is not CaseState.FINAL or not case.rulings:
        return None
    last = case.rulings[-1]
    if last.round > 1 or case.appeal_deadline is None:
        return last.issued_at
    return case.appeal_deadline


def compliance_deadline(case: Case) -> datetime | None:
    at = final_at(case)
    return None if at is None or case.dispute is None else at + case.dispute.compliance_window


def answer_compliance(
    case: Case, answer: Compliance, note: str | None, now: datetime
) -> list[ev.Event]:
    """The platform says what it did about the final recommendation."""
    d = dispute_of(case)
    if answer is Compliance.NO_ANSWER:
        raise InvalidInput("answer implemented or declined", field="compliance")
    deadline = compliance_deadline(case)
    if deadline is None:
        raise OutOfOrder(
            f"case {case.id} is {case.state.value}; the platform answers once the ruling is final"
        )
    if d.compliance is not None:
        raise Conflict(f"the platform already answered {d.compliance.value} for case {case.id}")
    if now >= deadline:
        raise OutOfOrder(f"the compliance window closed on {fmt_time(deadline)} (no answer)")
    d.compliance, d.compliance_at, d.compliance_note = answer, now, note
    return [_compliance_event(case, d, answer, now, note)]


def _compliance_event(
    case: Case, d: Dispute, answer: Compliance, now: datetime, note: str | None
) -> ev.Event:
    return ev.DisputeComplianceRecorded(
        case_id=case.id,
        at=now,
        platform=d.platform,
        outcome=d.outcome.value if d.outcome else "",
        compliance=answer.value,
        note=note or "",
    )


def request_notice(case: Case, now: datetime) -> list[ev.Event]:
    """When a dispute ruling became final because the appeal window closed: ask the
    platform what it did about it (a final appeal ruling asks in its own notice)."""
    d = case.dispute
    deadline = compliance_deadline(case)
    party = case.respondent
    if d is None or party is None or deadline is None or not case.rulings:
        return []
    ruling = case.rulings[-1]
    text = (
        f"The ruling in case {case.id} is final: no appeal was filed in time. "
        f"{ruling.statement.decision} {d.platform} is asked to say whether it implemented "
        f"the recommendation by {fmt_time(deadline)}."
    )
    return [
        ev.NoticeIssued(
            case_id=case.id,
            at=now,
            party_id=party.id,
            role=party.role.value,
            handle=party.handle,
            text=text,
            reply_by=deadline,
        )
    ]


def due_at(case: Case) -> datetime | None:
    d = case.dispute
    if d is None or d.compliance is not None:
        return None
    return compliance_deadline(case)


def advance(case: Case, now: datetime) -> list[ev.Event]:
    """At the compliance deadline without an answer: recorded as ``no_answer``."""
    d = case.dispute
    deadline = due_at(case)
    if d is None or deadline is None or now < deadline:
        return []
    d.compliance, d.compliance_at = Compliance.NO_ANSWER, deadline
    return [_compliance_event(case, d, Compliance.NO_ANSWER, now, None)]
