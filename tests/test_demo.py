"""The demo seed: realistic cases produced by the real lifecycle."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alteram.demo import DemoAccounts, seed_demo
from alteram.domain.case import Case, CaseState
from alteram.domain.policy_file import load_default_policy
from alteram.domain.remedy import Remedy
from alteram.services.accounts import authenticate
from alteram.services.context import Context
from alteram.storage.migrate import upgrade
from alteram.storage.store import Store


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Context, DemoAccounts]]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('demo')) / 'demo.db'}"
    upgrade(url)
    ctx = Context(Store(url), load_default_policy())
    demo = seed_demo(ctx)
    yield ctx, demo
    ctx.store.dispose()


def _cases(ctx: Context, demo: DemoAccounts) -> dict[str, Case]:
    out: dict[str, Case] = {}
    with ctx.store.transaction() as tx:
        for case_id, _state, _desc in demo.cases:
            case = tx.get_case(case_id)
            assert case is not None
            out[case_id] = case
    return out


def _one(cases: dict[str, Case], category: str) -> Case:
    found = [c for c in cases.values() if c.category == category]
    assert len(found) == 1, category
    return found[0]


def test_clock_is_restored(seeded: tuple[Context, DemoAccounts]) -> None:
    ctx, _ = seeded
    assert abs((ctx.now() - datetime.now(UTC)).total_seconds()) < 5


def test_states_match_the_listing(seeded: tuple[Context, DemoAccounts]) -> None:
    ctx, demo = seeded
    cases = _cases(ctx, demo)
    assert {cid: state for cid, state, _ in demo.cases} == {
        cid: c.state.value for cid, c in cases.items()
    }
    states = {c.state for c in cases.values()}
    assert {
        CaseState.FINAL,
        CaseState.AWAITING_REPLY,
        CaseState.RULED,
        CaseState.APPEAL_VOTING,
        CaseState.VOTING,
    } <= states


def test_mass_reported_protest_is_cleared_by_a_panel_of_three(
    seeded: tuple[Context, DemoAccounts],
) -> None:
    ctx, demo = seeded
    case = _one(_cases(ctx, demo), "incitement")
    assert case.content.language == "fa"
    assert case.report_count >= 20
    assert len(case.reporters) >= 20
    assert case.state is CaseState.FINAL
    assert len(case.panels) == 1
    assert case.panel is not None and len(case.panel.chosen) == 3
    ruling = case.rulings[-1]
    assert not ruling.violation and ruling.remedy is Remedy.NO_ACTION and ruling.final
    assert case.reply is not None and not case.reply.waived


def test_privacy_case_awaits_reply_under_an_active_interim_measure(
    seeded: tuple[Context, DemoAccounts],
) -> None:
    ctx, demo = seeded
    case = _one(_cases(ctx, demo), "privacy")
    now = ctx.now()
    assert case.state is CaseState.AWAITING_REPLY
    assert case.reply_deadline > now
    assert case.interim is not None and case.interim.active
    assert case.interim.expires_at > now
    assert case.id in {cid for cid, _ in demo.author_links}


def test_threat_is_removed_with_the_appeal_window_open(
    seeded: tuple[Context, DemoAccounts],
) -> None:
    ctx, demo = seeded
    case = _one(_cases(ctx, demo), "threat")
    assert case.content.language == "en"
    assert case.state is CaseState.RULED
    assert case.reply is not None and case.reply.waived
    ruling = case.rulings[-1]
    assert ruling.violation and ruling.remedy is Remedy.REMOVAL
    assert case.appeal_deadline is not None and case.appeal_deadline > ctx.now()
    assert case.id in {cid for cid, _ in demo.author_links}


def test_insult_law_report_is_refused(seeded: tuple[Context, DemoAccounts]) -> None:
    ctx, demo = seeded
    case = _one(_cases(ctx, demo), "defamation")
    assert case.state in (CaseState.FINAL, CaseState.RULED)
    assert case.cited_laws and all(
        law.jurisdiction == "IR" and not law.compatible for law in case.cited_laws
    )
    ruling = case.rulings[-1]
    assert not ruling.violation
    assert any("§38" in r for r in ruling.reasons)


def test_appeal_goes_to_a_fresh_larger_panel(seeded: tuple[Context, DemoAccounts]) -> None:
    ctx, demo = seeded
    case = _one(_cases(ctx, demo), "harassment")
    assert case.state is CaseState.APPEAL_VOTING
    assert case.appeal is not None
    first, second = case.panels
    assert len(first.chosen) == 3 and len(second.chosen) == 5
    assert not set(first.chosen) & set(second.chosen)
    assert case.rulings[0].violation
    cast = len(case.votes_in(2))
    assert 0 < cast < 5


def test_voting_case_has_one_vote_of_three(seeded: tuple[Context, DemoAccounts]) -> None:
    ctx, demo = seeded
    case = _one(_cases(ctx, demo), "spam")
    assert case.state is CaseState.VOTING
    assert len(case.votes_in(1)) == 1
    assert case.voting_deadline is not None and case.voting_deadline > ctx.now()


def test_every_token_authenticates(seeded: tuple[Context, DemoAccounts]) -> None:
    ctx, demo = seeded
    assert authenticate(ctx, demo.platform_token).subject == demo.platform_id
    assert authenticate(ctx, demo.admin_token).kind == "admin"
    assert len(demo.jurors) >= 10
    for juror_id, _name, token in demo.jurors:
        who = authenticate(ctx, token)
        assert (who.kind, who.subject) == ("juror", juror_id)
    assert demo.author_links and demo.reporter_links
    for case_id, token in demo.author_links:
        who = authenticate(ctx, token)
        assert (who.kind, who.subject, who.party_id) == ("party", case_id, "author")
    for case_id, token in demo.reporter_links:
        who = authenticate(ctx, token)
        assert who.kind == "party" and who.subject == case_id
        assert who.party_id is not None and who.party_id.startswith("r")


def test_events_hold_rulings(seeded: tuple[Context, DemoAccounts]) -> None:
    ctx, demo = seeded
    with ctx.store.transaction() as tx:
        types = [e["type"] for cid, _, _ in demo.cases for e in tx.events_for(cid)]
    assert types.count("ruling_issued") >= 4
    assert "interim_measure_applied" in types
    assert "appeal_filed" in types
    assert "case_final" in types


def test_a_dispute_about_removed_protest_photos_was_not_justified_and_restored(
    seeded: tuple[Context, DemoAccounts],
) -> None:
    ctx, demo = seeded
    [(case_id, state, _)] = demo.disputes
    with ctx.store.transaction() as tx:
        case = tx.get_case(case_id)
        types = [e["type"] for e in tx.events_for(case_id)]
    assert case is not None and case.dispute is not None
    d = case.dispute
    assert state == case.state.value == "final"
    assert case.content.language == "fa" and len(case.content.media) == 1
    assert d.platform == "Photogram" and d.registered and d.action.value == "removed"
    assert d.response is not None
    assert d.outcome is not None and d.outcome.value == "restriction_not_justified"
    assert d.compliance is not None and d.compliance.value == "implemented"
    assert "dispute_compliance_recorded" in types and "case_final" in types
    who = authenticate(ctx, dict(demo.appellant_links)[case_id])
    assert (who.subject, who.party_id) == (case_id, "author")
    who = authenticate(ctx, dict(demo.respondent_links)[case_id])
    assert (who.subject, who.party_id) == (case_id, "platform")


def test_an_incompatible_order_is_refused_and_a_compatible_one_is_heard(
    seeded: tuple[Context, DemoAccounts],
) -> None:
    from alteram.services import order_record

    ctx, demo = seeded
    (refused_id, refused, _), (heard_id, heard, _) = demo.orders
    assert (refused, heard) == ("refused_incompatible", "pending")
    shown = order_record.get_order(ctx, refused_id)
    assert shown["provision"]["id"] == "IR-PENAL-514" and not shown["provision"]["compatible"]
    assert shown["state"] == "order_refused" and "Rezaei" not in str(shown)
    pending = order_record.get_order(ctx, heard_id)
    assert pending["provision"]["id"] == "DE-STGB-130" and pending["provision"]["compatible"]
    with ctx.store.transaction() as tx:
        case = tx.get_case(pending["case_id"])
    assert case is not None and case.state is CaseState.AWAITING_REPLY
    assert case.reply_deadline > ctx.now()
    assert pending["case_id"] in {cid for cid, _ in demo.author_links}


def test_the_demo_command_prints_the_disputes_and_orders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from alteram.cli import app

    monkeypatch.setenv("ALTERAM_LOG_KEY", str(tmp_path / "log.key"))
    monkeypatch.delenv("ALTERAM_POLICY", raising=False)
    db = tmp_path / "demo.db"
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--database", str(db)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Disputes (a user against a platform's decision):" in out
    assert "restriction not justified" in out and "IR-PENAL-514" in out
    assert "refused_incompatible" in out and "pending" in out
    assert "appellant of c" in out and "platform in c" in out
