"""Recusal: a juror declares a conflict, one replacement is drawn verifiably."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from alteram.domain import events as ev
from alteram.domain.case import CaseState
from alteram.domain.panel import Juror, draw, verify_draw, verify_panel
from alteram.errors import Forbidden, InvalidInput, OutOfOrder, PanelUnavailable
from alteram.services import proceedings
from alteram.services.accounts import Principal
from alteram.services.context import Context
from conftest import People, make_people
from factories import DAY, POLICY, T0, open_case, pool, to_voting, violation
from pages_kit import file_case, post_form, sign_in

API = "/api/v1"


def voting_case(n: int = 12):
    case, _ = open_case()
    jurors = pool(n)
    to_voting(case, jurors)
    assert case.state is CaseState.VOTING and case.panel is not None
    return case, jurors


def panel_check(case) -> list[str]:
    p = case.panel
    return verify_panel(
        case.id,
        p.round,
        p.opening_event_hash,
        p.eligible,
        p.chosen,
        p.seed,
        [r.model_dump(mode="json") for r in p.replacements],
    )


# -- domain -------------------------------------------------------------------------------


def test_a_recusal_draws_one_replacement_from_public_inputs() -> None:
    case, jurors = voting_case()
    panel = case.panel
    first = list(panel.chosen)
    leaving = first[1]
    events = case.recuse(leaving, "I know the author.", T0 + DAY, POLICY, jurors)
    recused, replaced = events
    assert isinstance(recused, ev.JurorRecused) and isinstance(replaced, ev.JurorReplaced)
    # the reason is private; the juror and the round are public
    public = ev.public_record(recused)
    assert public["juror_id"] == leaving and public["round"] == 1 and "reason" not in public
    # the seed is the leaf hash of the recusal; the draw is the panel draw with k = 1
    assert replaced.opening_event_hash == ev.event_hash(recused)
    assert leaving not in replaced.eligible and not set(first) & set(replaced.eligible)
    seed, chosen = draw(case.id, 1, replaced.opening_event_hash, replaced.eligible, 1)
    assert (seed, chosen) == (replaced.seed, [replaced.chosen])
    # the replacement takes the seat; the original draw stays verifiable
    assert panel.chosen == [first[0], replaced.chosen, first[2]]
    assert panel.drawn() == first and panel.recused() == [leaving]
    assert not verify_draw(case.id, 1, panel.opening_event_hash, panel.eligible, first, panel.seed)
    assert panel_check(case) == []
    assert panel.size == 3 and case.state is CaseState.VOTING


def test_recusals_chain_and_tampering_is_caught() -> None:
    case, jurors = voting_case()
    case.recuse(case.panel.chosen[0], "conflict one", T0, POLICY, jurors)
    second_seat = case.panel.chosen[0]  # the replacement recuses too
    case.recuse(second_seat, "conflict two", T0, POLICY, jurors)
    panel = case.panel
    assert len(panel.replacements) == 2 and panel_check(case) == []
    assert second_seat not in panel.replacements[1].eligible
    assert panel.replacements[0].recused not in panel.replacements[1].eligible
    panel.replacements[1].chosen, panel.chosen[0] = "j999", "j999"
    assert any("replacement 2" in p for p in panel_check(case))


def test_the_panel_votes_and_rules_with_the_replacement() -> None:
    case, jurors = voting_case()
    leaving = case.panel.chosen[0]
    case.recuse(leaving, "conflict", T0, POLICY, jurors)
    with pytest.raises(Forbidden):
        case.cast_vote(leaving, violation(), POLICY, T0)
    for juror_id in list(case.panel.chosen):
        case.cast_vote(juror_id, violation(), POLICY, T0)
    assert case.state is CaseState.RULED and case.rulings[-1].votes_cast == 3


def test_recused_jurors_are_not_drawn_for_the_appeal() -> None:
    case, jurors = voting_case()
    leaving = case.panel.chosen[0]
    case.recuse(leaving, "conflict", T0, POLICY, jurors)
    for juror_id in list(case.panel.chosen):
        case.cast_vote(juror_id, violation(), POLICY, T0)
    case.file_appeal("author", "wrong", T0 + DAY, POLICY, jurors)
    assert leaving not in case.panels[1].eligible


def test_recusal_is_refused_without_a_replacement_and_changes_nothing() -> None:
    case, jurors = voting_case(n=3)
    before = case.model_dump()
    with pytest.raises(PanelUnavailable) as err:
        case.recuse(case.panel.chosen[0], "conflict", T0, POLICY, jurors)
    assert err.value.code == "panel_unavailable" and "no eligible juror" in err.value.message
    assert case.model_dump() == before


def test_recusal_steps_out_of_order() -> None:
    case, jurors = voting_case()
    voter, other = case.panel.chosen[0], case.panel.chosen[1]
    case.cast_vote(voter, violation(), POLICY, T0)
    with pytest.raises(OutOfOrder, match="already voted"):
        case.recuse(voter, "conflict", T0, POLICY, jurors)
    with pytest.raises(Forbidden):
        case.recuse("j011" if "j011" not in case.panel.chosen else "j010", "x", T0, POLICY, jurors)
    with pytest.raises(InvalidInput) as err:
        case.recuse(other, "  ", T0, POLICY, jurors)
    assert err.value.field == "reason"
    with pytest.raises(OutOfOrder, match="voting closed"):
        case.recuse(other, "conflict", T0 + 30 * DAY, POLICY, jurors)
    waiting, _ = open_case("c-2")
    with pytest.raises(OutOfOrder):
        waiting.recuse("j001", "conflict", T0, POLICY, [Juror(id="j001", name="x")])


# -- API (both backends) -------------------------------------------------------------------


def _voting(ctx: Context, people: People) -> tuple[str, list[str]]:
    filed = file_case(ctx, people.platform_id)
    author = Principal(kind="party", subject=filed.case_id, party_id="author")
    proceedings.reply(ctx, filed.case_id, author, "It is satire.")
    with ctx.store.transaction() as tx:
        case = tx.get_case(filed.case_id)
    assert case is not None and case.panel is not None
    return filed.case_id, list(case.panel.chosen)


def test_api_recusal_replaces_the_juror(client: TestClient, people: People, ctx: Context) -> None:
    case_id, chosen = _voting(ctx, people)
    leaving = chosen[0]
    r = client.post(
        f"{API}/cases/{case_id}/recusal",
        json={"reason": "My cousin wrote it."},
        headers=people.juror_auth(leaving),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    new = body["replacement"]["chosen"]
    assert body["recused"] == leaving and new not in chosen and leaving not in body["chosen"]
    # the public view carries everything needed to verify both draws
    (panel,) = client.get(f"{API}/cases/{case_id}").json()["panels"]
    assert panel["chosen"] == body["chosen"] and len(panel["replacements"]) == 1
    assert (
        verify_panel(
            case_id,
            panel["round"],
            panel["opening_event_hash"],
            panel["eligible"],
            panel["chosen"],
            panel["seed"],
            panel["replacements"],
        )
        == []
    )
    # the events are recorded, the reason is never in the public log, the seats moved
    with ctx.store.transaction() as tx:
        types = [e["type"] for e in tx.events_for(case_id)]
        assert not [s for s in tx.open_seats(leaving) if s.case_id == case_id]
        assert [s for s in tx.open_seats(new) if s.case_id == case_id]
    assert types.count("juror_recused") == 1 and types.count("juror_replaced") == 1
    log = client.get(f"{API}/log/entries", params={"start": 0})
    assert log.status_code == 200 and "juror_recused" in log.text
    assert "My cousin wrote it." not in log.text
    # the recused juror can no longer act on the case
    again = client.post(
        f"{API}/cases/{case_id}/recusal", json={"reason": "x"}, headers=people.juror_auth(leaving)
    )
    assert again.status_code == 403
    # the replacement can vote
    assert client.get(f"{API}/jurors/me/cases", headers=people.juror_auth(new)).json()["cases"]
    # the panel as it sits now rules; the public decision page shows the recusal
    ballot = violation().model_dump(mode="json")
    for juror_id in body["chosen"]:
        r = client.post(
            f"{API}/cases/{case_id}/votes", json=ballot, headers=people.juror_auth(juror_id)
        )
        assert r.status_code == 201, r.text
    decision = client.get(f"/decisions/{case_id}?lang=en")
    assert decision.status_code == 200
    assert f"{leaving} recused; {new} was drawn in their place" in decision.text
    assert "My cousin wrote it." not in decision.text


def test_api_recusal_refusals(client: TestClient, people: People, ctx: Context) -> None:
    case_id, chosen = _voting(ctx, people)
    ballot = violation().model_dump(mode="json")
    voted = client.post(
        f"{API}/cases/{case_id}/votes", json=ballot, headers=people.juror_auth(chosen[0])
    )
    assert voted.status_code == 201, voted.text
    r = client.post(
        f"{API}/cases/{case_id}/recusal",
        json={"reason": "late"},
        headers=people.juror_auth(chosen[0]),
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "out_of_order"
    r = client.post(
        f"{API}/cases/{case_id}/recusal", json={"reason": ""}, headers=people.juror_auth(chosen[1])
    )
    assert r.status_code == 422
    r = client.post(
        f"{API}/cases/{case_id}/recusal", json={"reason": "x"}, headers=people.platform_auth
    )
    assert r.status_code == 403
    r = client.post(f"{API}/cases/{case_id}/recusal", json={"reason": "x"})
    assert r.status_code == 401


def test_api_recusal_without_a_replacement_is_409(client: TestClient, ctx: Context) -> None:
    people = make_people(ctx, jurors=3)
    case_id, chosen = _voting(ctx, people)
    r = client.post(
        f"{API}/cases/{case_id}/recusal", json={"reason": "x"}, headers=people.juror_auth(chosen[0])
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "panel_unavailable"
    (panel,) = client.get(f"{API}/cases/{case_id}").json()["panels"]
    assert panel["chosen"] == chosen and panel["replacements"] == []


# -- the juror's page ---------------------------------------------------------------------


def test_the_recusal_button_on_the_case_page(
    client: TestClient, people: People, ctx: Context
) -> None:
    case_id, chosen = _voting(ctx, people)
    sign_in(client, "/juror", "/juror/signin", people.juror_tokens[chosen[0]])
    page = client.get(f"/juror/cases/{case_id}")
    assert 'action="/juror/cases/' + case_id + '/recuse"' in page.text
    blank = post_form(
        client, f"/juror/cases/{case_id}", f"/juror/cases/{case_id}/recuse", {"reason": ""}
    )
    assert blank.status_code == 422 and 'aria-invalid="true"' in blank.text
    no_csrf = client.post(f"/juror/cases/{case_id}/recuse", data={"reason": "x"})
    assert no_csrf.status_code == 403
    r = post_form(
        client,
        f"/juror/cases/{case_id}",
        f"/juror/cases/{case_id}/recuse",
        {"reason": "I know her."},
    )
    assert r.status_code == 303 and r.headers["location"] == "/juror?done=recused"
    home = client.get("/juror?done=recused")
    assert "another juror has been drawn" in home.text and case_id not in home.text
    assert client.get(f"/juror/cases/{case_id}").status_code == 403
    with ctx.store.transaction() as tx:
        case = tx.get_case(case_id)
    assert case is not None and case.panel is not None and chosen[0] not in case.panel.chosen
