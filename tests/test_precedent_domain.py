"""Res judicata in the domain: cleared content is not tried again without new grounds."""

from __future__ import annotations

import pytest

from alteram.domain import events as ev
from alteram.domain.case import Case, CaseState
from alteram.domain.content import Precedent, Report
from alteram.domain.remedy import Remedy
from alteram.errors import InvalidInput
from factories import POLICY, T0, content, pool, report, to_voting

CLEARED = Precedent(
    case_id="c-old",
    match="pdq",
    distance=12,
    violation=False,
    remedy=Remedy.NO_ACTION,
    reasons=("A protest slogan is protected speech.",),
)
REMOVED = CLEARED.model_copy(update={"violation": True, "remedy": Remedy.REMOVAL})


def with_grounds(r: Report, grounds: str) -> Report:
    return r.model_copy(update={"new_grounds": grounds})


def types(events: list[ev.Event]) -> list[str]:
    return [e.type for e in events]


def test_a_report_on_cleared_content_closes_at_once_with_the_precedent() -> None:
    case, events = Case.open("c-new", content(), report("r1", "incitement"), POLICY, T0, CLEARED)
    assert case.state is CaseState.CLOSED_PRECEDENT and not case.is_open and case.accepts_reports
    assert types(events) == ["case_opened", "precedent_applied", "report_filed", "notice_issued"]
    notice = events[-1]
    assert isinstance(notice, ev.NoticeIssued) and notice.role == "reporter"
    assert (
        "c-old" in notice.text
        and "protected speech" in notice.text
        and "new_grounds" in notice.text
    )
    assert case.due_at() is None and case.advance(T0, POLICY, pool(9)) == []
    # More reports join it; each new reporter is answered with the precedent; nothing is tried.
    more = case.add_report(report("r2", "incitement"), POLICY, T0)
    assert types(more) == ["report_filed", "notice_issued"] and case.report_count == 2
    assert case.state is CaseState.CLOSED_PRECEDENT and not case.panels


def test_new_grounds_reopen_the_case_and_the_author_is_heard() -> None:
    case, _ = Case.open("c-new", content(), report("r1", "incitement"), POLICY, T0, CLEARED)
    later = T0.replace(day=T0.day + 1)
    events = case.add_report(
        with_grounds(
            report("r2", "incitement", at=later), "A new video shows the post led to an attack."
        ),
        POLICY,
        later,
    )
    assert types(events)[:2] == ["case_reopened", "report_filed"]
    assert "author" in {e.party_id for e in events if isinstance(e, ev.NoticeIssued)}
    assert (
        case.state is CaseState.AWAITING_REPLY
        and case.reply_deadline == later + POLICY.deadlines.reply
    )
    assert case.new_grounds == ["A new video shows the post led to an attack."]
    assert case.precedent == CLEARED
    to_voting(case, pool(9), later)
    assert case.state is CaseState.VOTING  # tried on this copy, with the precedent cited
    reopened = next(e for e in events if isinstance(e, ev.CaseReopened))
    assert "new_grounds" not in ev.public_record(reopened)


def test_new_grounds_at_filing_open_a_case_that_cites_the_precedent() -> None:
    first = with_grounds(report("r1", "incitement"), "It was posted again during a riot.")
    case, events = Case.open("c-new", content(), first, POLICY, T0, CLEARED)
    assert case.state is CaseState.AWAITING_REPLY
    assert "precedent_cited" in types(events) and "precedent_applied" not in types(events)


def test_a_precedent_with_a_violation_opens_a_case_and_restricts_nothing() -> None:
    case, events = Case.open("c-new", content(), report("r1", "threat"), POLICY, T0, REMOVED)
    assert case.state is CaseState.AWAITING_REPLY and case.remedy is Remedy.NO_ACTION
    cited = next(e for e in events if isinstance(e, ev.PrecedentCited))
    assert (cited.precedent, cited.violation, cited.remedy) == ("c-old", True, Remedy.REMOVAL)
    author = next(e for e in events if isinstance(e, ev.NoticeIssued) and e.role == "author")
    assert "c-old" in author.text and "nothing is restricted without a ruling" in author.text


def test_an_unknown_category_is_refused_even_on_a_closed_case() -> None:
    case, _ = Case.open("c-new", content(), report("r1", "incitement"), POLICY, T0, CLEARED)
    with pytest.raises(InvalidInput):
        case.add_report(report("r2", "nope"), POLICY, T0)
    assert case.report_count == 1


def test_a_refused_report_with_new_grounds_leaves_the_closed_case_as_it_was() -> None:
    case, _ = Case.open("c-new", content(), report("r1", "incitement"), POLICY, T0, CLEARED)
    before = case.model_copy(deep=True)
    bad = with_grounds(report("r2", "incitement", jurisdiction="XX"), "new facts")
    with pytest.raises(InvalidInput):
        case.add_report(bad, POLICY, T0)
    assert case == before and case.state is CaseState.CLOSED_PRECEDENT
