"""Dispute mode in the pure domain: the outcome of a ruling on a platform's restriction."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alteram.domain import events as ev
from alteram.domain.dispute import (
    Dispute,
    DisputeOutcome,
    PlatformAction,
    open_dispute,
    outcome_of,
    respond,
)
from alteram.domain.remedy import Remedy
from alteram.errors import InvalidInput, OutOfOrder
from factories import POLICY, T0, content, pool, violation, vote_panel

UPHELD = DisputeOutcome.RESTRICTION_UPHELD
NOT = DisputeOutcome.RESTRICTION_NOT_JUSTIFIED
LESSER = DisputeOutcome.LESSER_REMEDY_RECOMMENDED


@pytest.mark.parametrize(
    ("violation_", "remedy", "action", "expected"),
    [
        (False, Remedy.NO_ACTION, PlatformAction.REMOVED, NOT),
        (True, Remedy.NO_ACTION, PlatformAction.LABELLED, NOT),
        (True, Remedy.REMOVAL, PlatformAction.REMOVED, UPHELD),
        (True, Remedy.LABEL, PlatformAction.REMOVED, LESSER),
        (True, Remedy.AGE_GATE, PlatformAction.AGE_RESTRICTED, UPHELD),
        (True, Remedy.REMOVAL, PlatformAction.DEMOTED, UPHELD),
        (True, Remedy.REDUCED_DISTRIBUTION, PlatformAction.ACCOUNT_TERMINATED, LESSER),
    ],
)
def test_outcome_compares_the_backed_rung_with_the_action(
    violation_: bool, remedy: Remedy, action: PlatformAction, expected: DisputeOutcome
) -> None:
    assert outcome_of(violation_, remedy, action) is expected


def dispute(**kw: object) -> Dispute:
    fields: dict[str, object] = {
        "platform": "forum.example",
        "action": PlatformAction.REMOVED,
        "statement": "news photos",
    }
    fields.update(kw)
    return Dispute.model_validate(fields)


def test_the_platform_is_heard_then_the_panel_recommends() -> None:
    case, events = open_dispute("c-d", content(), dispute(), None, POLICY, T0)
    assert case.heard_categories == [c.id for c in POLICY.categories]
    assert not case.accepts_reports
    with pytest.raises(OutOfOrder):
        case.waive_reply(T0, POLICY, pool(5))
    with pytest.raises(InvalidInput):
        respond(case, "  ", T0, POLICY, pool(5))
    events = respond(case, "guidelines", T0, POLICY, pool(5))
    assert [type(e) for e in events[:2]] == [ev.PlatformResponded, ev.ReplyWindowClosed]
    events = vote_panel(case, [violation(("HAR-1",), Remedy.LABEL)] * 3)
    ruled = [e for e in events if isinstance(e, ev.DisputeRuled)]
    assert ruled and ruled[0].outcome == "lesser_remedy_recommended"
    assert not any(isinstance(e, ev.RemedyApplied) for e in events)
    assert case.remedy is Remedy.NO_ACTION and case.category == "harassment"
    assert case.rulings[-1].statement.decision.startswith("Lesser remedy recommended: label")


def test_a_dispute_needs_a_statement_and_a_known_category() -> None:
    with pytest.raises(InvalidInput) as err:
        open_dispute("c-d", content(), dispute(statement=" "), None, POLICY, T0)
    assert err.value.field == "statement"
    with pytest.raises(InvalidInput) as err:
        open_dispute("c-d", content(), dispute(), "nope", POLICY, T0)
    assert err.value.field == "category"


def test_a_ruling_final_by_the_closed_appeal_window_asks_the_platform_about_compliance() -> None:
    from alteram.domain.compliance import compliance_deadline

    case, _ = open_dispute("c-d", content(), dispute(), None, POLICY, T0)
    respond(case, "guidelines", T0, POLICY, pool(5))
    events = vote_panel(case, [violation(("HAR-1",), Remedy.LABEL)] * 3)
    asked = [e for e in events if isinstance(e, ev.NoticeIssued) and "implemented" in e.text]
    assert not asked  # the first ruling is not final: nothing to answer yet
    assert case.appeal_deadline is not None
    assert case.advance(case.appeal_deadline - timedelta(seconds=1), POLICY, pool(5)) == []
    events = case.advance(case.appeal_deadline, POLICY, pool(5))
    final = [e for e in events if isinstance(e, ev.CaseFinal)]
    assert final and final[0].reason == "appeal_window_closed"
    notices = [e for e in events if isinstance(e, ev.NoticeIssued)]
    assert [(n.party_id, n.role) for n in notices] == [("platform", "platform")]
    deadline = compliance_deadline(case)
    assert deadline == case.appeal_deadline + case.dispute.compliance_window  # type: ignore[union-attr]
    assert notices[0].reply_by == deadline
    assert "final" in notices[0].text and "implemented" in notices[0].text
    # idempotent: a later tick asks nothing again
    assert not any(
        isinstance(e, ev.NoticeIssued)
        for e in case.advance(case.appeal_deadline + timedelta(days=1), POLICY, pool(5))
    )
