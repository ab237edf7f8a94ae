"""Case documents: a joining report writes only the counts; open cases stay parsed, safely."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from alteram.domain.case import Case, CaseState
from alteram.domain.content import Content, Precedent, Report
from alteram.domain.policy import Policy
from alteram.domain.remedy import Remedy
from alteram.errors import AlteramError
from alteram.services.accounts import Principal
from alteram.services.context import Context
from alteram.services.proceedings import reply
from alteram.services.reports import ReportRequest, file_report
from alteram.storage import tables as t
from alteram.storage.casedoc import dump
from alteram.storage.store import Store
from conftest import make_people


def _item(post: str, reporter: str, category: str = "harassment") -> ReportRequest:
    return ReportRequest.model_validate(
        {
            "content": {
                "platform_id": post,
                "url": f"https://forum.example/p/{post}",
                "author": {"handle": f"@author-{post}@forum.example"},
            },
            "category": category,
            "explanation": f"{reporter} reports {post}",
            "reporter": {"handle": reporter},
        }
    )


def _row(ctx: Context, case_id: str) -> dict[str, Any]:
    c = t.cases.c
    q = select(c.doc, c.report_count, c.reporter_parties, c.version).where(c.id == case_id)
    with ctx.store.transaction() as tx:
        return dict(tx.conn.execute(q).one()._mapping)


def test_a_joining_report_writes_the_counts_not_the_document(ctx: Context) -> None:
    people = make_people(ctx)
    case_id = file_report(ctx, people.platform_id, _item("p", "u0")).case_id
    first = _row(ctx, case_id)
    for i in range(1, 4):
        assert file_report(ctx, people.platform_id, _item("p", f"u{i}")).case_id == case_id
    after = _row(ctx, case_id)
    assert after["doc"] == first["doc"]  # untouched: nothing but the counts changed
    assert (after["report_count"], after["reporter_parties"]) == (4, 4)
    assert after["version"] == first["version"] + 3
    assert json.loads(after["doc"])["report_count"] == 1  # the stale copy loses to the column
    with ctx.store.transaction() as tx:
        case = tx.get_case(case_id)
    assert case is not None and (case.report_count, case.reporter_parties) == (4, 4)
    # another category is a change of the case itself: the document is written
    file_report(ctx, people.platform_id, _item("p", "u9", category="incitement"))
    doc = json.loads(_row(ctx, case_id)["doc"])
    assert "incitement" in doc["categories"] and doc["report_count"] == 5


def test_open_cases_are_reused_only_at_their_stored_version(
    store_url: str, policy: Policy, clock: Any
) -> None:
    """Two processes on one database: what the other wrote is never hidden by a copy."""
    a = Context(store=Store(store_url), policy=policy, clock=clock)
    b = Context(store=Store(store_url), policy=policy, clock=clock)
    try:
        people = make_people(a)
        case_id = file_report(a, people.platform_id, _item("p", "u0")).case_id
        file_report(a, people.platform_id, _item("p", "u1"))
        assert len(a.store.open_cases) == 1  # kept parsed after the commit
        author = Principal("party", case_id, "author")
        reply(b, case_id, author, "It is satire, and says so.")  # written elsewhere
        file_report(a, people.platform_id, _item("p", "u2"))
        with Store(store_url).transaction() as tx:
            case = tx.get_case(case_id)
        assert case is not None and case.reply is not None  # the copy was not used
        assert case.reply.statement == "It is satire, and says so."
        assert case.report_count == 3
        assert [p.handle for p in case.reporters] == ["u0", "u1", "u2"]
    finally:
        a.store.dispose()
        b.store.dispose()


def test_a_rolled_back_transaction_leaves_no_copy(ctx: Context) -> None:
    people = make_people(ctx)
    case_id = file_report(ctx, people.platform_id, _item("p", "u0")).case_id
    assert len(ctx.store.open_cases) == 1
    key = (people.platform_id, "p")
    with pytest.raises(RuntimeError), ctx.store.transaction() as tx:
        case = tx.find_open_cases([key])[key]
        case.report_count = 99  # changed, saved, then rolled back
        tx.save_cases([case], [], ctx.now())
        raise RuntimeError("boom")
    assert len(ctx.store.open_cases) == 0  # taken out, never put back
    with ctx.store.transaction() as tx:
        again = tx.find_open_cases([key])[key]
    assert again.id == case_id and again.report_count == 1


_NOW = datetime(2026, 12, 2, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(
    reports=st.lists(
        st.tuples(
            st.sampled_from(["u0", "u1", "u2"]),  # reporter
            st.integers(0, 20),  # category (index)
            st.integers(-1, 20),  # jurisdiction and its first law (index; -1: none)
            st.booleans(),  # new grounds
            st.booleans(),  # after the reply window
        ),
        min_size=1,
        max_size=8,
    ),
    closed_precedent=st.booleans(),
    heard=st.booleans(),
)
def test_report_mark_covers_every_document_change_of_add_report(
    policy: Policy,
    reports: list[tuple[str, int, int, bool, bool]],
    closed_precedent: bool,
    heard: bool,
) -> None:
    """Whenever ``report_mark`` is unchanged by a report, so is the stored document
    (apart from the count columns): a counts-only write loses nothing."""
    content = Content(platform="p", external_id="x", url="https://e/x", author="a", text="t")
    first = Report(id="r0", reporter="u0", category="harassment", explanation="e", received_at=_NOW)
    case, _ = Case.open("c1", content, first, policy, _NOW)
    if closed_precedent:
        case.state = CaseState.CLOSED_PRECEDENT
        case.precedent = Precedent(
            case_id="c0", match="exact_text", distance=0, violation=False, remedy=Remedy.NO_ACTION
        )
    if heard:  # the hearing is over: a new category is no longer put to the author
        case.reply_closed_at = _NOW
    counts = {"report_count", "reporter_parties"}
    places = [j for j in policy.jurisdictions if j.laws]
    for n, (who, category, place, grounds, late) in enumerate(reports):
        where = places[place % len(places)] if place >= 0 and places else None
        report = Report(
            id=f"r{n + 1}",
            reporter=who,
            category=policy.categories[category % len(policy.categories)].id,
            explanation="e",
            jurisdiction=where.code if where else None,
            legal_basis=where.laws[0].id if where else None,
            received_at=_NOW,
            new_grounds="new facts" if grounds else None,
        )
        at = _NOW + (policy.deadlines.reply * 2 if late else timedelta(hours=n))
        mark, doc = case.report_mark(), json.loads(dump(case))
        try:
            case.add_report(report, policy, at)
        except AlteramError:  # refused before any change (checked first)
            assert json.loads(dump(case)) == doc
            continue
        if case.report_mark() == mark:
            now = json.loads(dump(case))
            assert {k: v for k, v in now.items() if k not in counts} == {
                k: v for k, v in doc.items() if k not in counts
            }


def test_a_report_joining_a_ruled_case_counts_in_its_decision_row(ctx: Context) -> None:
    """A counts-only write still updates the public decisions read model."""
    from alteram.services.proceedings import cast_vote
    from factories import violation

    people = make_people(ctx)
    case_id = file_report(ctx, people.platform_id, _item("p", "u0")).case_id
    reply(ctx, case_id, Principal("party", case_id, "author"), None, waive=True)
    with ctx.store.transaction() as tx:
        case = tx.get_case(case_id)
    assert case is not None and case.panel is not None
    for juror_id in case.panel.chosen:
        cast_vote(ctx, case_id, juror_id, violation(["HAR-1"]))
    assert file_report(ctx, people.platform_id, _item("p", "u1")).case_state == "ruled"
    assert _row(ctx, case_id)["report_count"] == 2
    with ctx.store.transaction() as tx:
        q = select(t.decisions.c.report_count).where(t.decisions.c.case_id == case_id)
        assert tx.conn.execute(q).scalar_one() == 2
