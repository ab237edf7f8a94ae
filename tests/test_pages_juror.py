"""The jurors' pages: sign-in, the cases assigned, the case file and the sealed vote."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from alteram.domain.policy import RABAT_FACTORS, THREE_PART_TEST
from alteram.services import proceedings
from alteram.services.accounts import Principal
from alteram.services.context import Context
from conftest import People
from pages_kit import Filed, csrf_of, file_case, post_form, sign_in


def to_voting(ctx: Context, people: People, **kw: Any) -> tuple[Filed, list[str]]:
    filed = file_case(ctx, people.platform_id, **kw)
    author = Principal(kind="party", subject=filed.case_id, party_id="author")
    proceedings.reply(ctx, filed.case_id, author, "It is satire.")
    with ctx.store.transaction() as tx:
        case = tx.get_case(filed.case_id)
    assert case is not None and case.panel is not None
    return filed, list(case.panel.chosen)


def juror_client(client: TestClient, people: People, juror_id: str) -> TestClient:
    sign_in(client, "/juror", "/juror/signin", people.juror_tokens[juror_id])
    return client


def full_violation(rule: str, *, rabat: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "violation": "yes",
        "rules": [rule],
        "remedy": "label",
        "lesser_context_note": "A note would not warn readers in time.",
        "lesser_no_action": "Doing nothing leaves the target exposed.",
        "reasons": "Repeated abuse of a private person.",
    }
    for part in THREE_PART_TEST:
        data[f"test_{part}"] = f"{part}: answered"
    if rabat:
        for factor in RABAT_FACTORS:
            data[f"rabat_{factor}"] = f"{factor}: answered"
    return data


def test_a_juror_sees_the_assigned_case_and_its_file(
    client: TestClient, people: People, ctx: Context
) -> None:
    filed, chosen = to_voting(ctx, people, text="Hostile words at a neighbour.")
    juror_client(client, people, chosen[0])
    home = client.get("/juror")
    assert home.status_code == 200 and filed.case_id in home.text and "to do" in home.text
    page = client.get(f"/juror/cases/{filed.case_id}")
    assert page.status_code == 200
    for expected in ("Hostile words at a neighbour.", "This is abuse.", "It is satire.", "HAR-1"):
        assert expected in page.text
    assert "ICCPR Art. 17" in page.text  # the standard of the rule
    for part in THREE_PART_TEST:
        assert f'name="test_{part}"' in page.text
    assert 'name="rabat_context"' not in page.text  # harassment is not incitement
    assert 'name="lesser_removal"' not in page.text and 'name="lesser_age_gate"' in page.text


def test_incitement_asks_for_the_six_rabat_factors(
    client: TestClient, people: People, ctx: Context
) -> None:
    filed, chosen = to_voting(ctx, people, category="incitement")
    juror_client(client, people, chosen[0])
    page = client.get(f"/juror/cases/{filed.case_id}")
    for factor in RABAT_FACTORS:
        assert f'name="rabat_{factor}"' in page.text
    data = full_violation("INC-1")
    r = client.post(f"/juror/cases/{filed.case_id}/vote", data={"csrf": csrf_of(page.text), **data})
    assert r.status_code == 422 and "six Rabat factors" in r.text
    assert "Repeated abuse of a private person." in r.text  # what was typed is kept


def test_the_vote_is_cast_sealed_and_confirmed(
    client: TestClient, people: People, ctx: Context
) -> None:
    filed, chosen = to_voting(ctx, people)
    juror_client(client, people, chosen[0])
    r = post_form(
        client,
        f"/juror/cases/{filed.case_id}",
        f"/juror/cases/{filed.case_id}/vote",
        full_violation("HAR-1"),
    )
    assert r.status_code == 303, r.text
    with ctx.store.transaction() as tx:
        case = tx.get_case(filed.case_id)
    assert case is not None
    (vote,) = case.votes
    assert vote.juror_id == chosen[0] and vote.ballot.violation
    assert vote.ballot.remedy.value == "label" and vote.ballot.rules == ("HAR-1",)
    assert set(vote.ballot.lesser_remedies_insufficient) == {"no_action", "context_note"}
    done = client.get(r.headers["location"])
    assert "Your vote is cast and sealed" in done.text and vote.commitment() in done.text
    assert 'action="/juror/cases/' + filed.case_id + '/vote"' not in done.text


def test_a_refused_ballot_names_the_field_and_keeps_the_answers(
    client: TestClient, people: People, ctx: Context
) -> None:
    filed, chosen = to_voting(ctx, people)
    juror_client(client, people, chosen[0])
    data = full_violation("HAR-1")
    del data["lesser_context_note"]
    r = post_form(
        client, f"/juror/cases/{filed.case_id}", f"/juror/cases/{filed.case_id}/vote", data
    )
    assert r.status_code == 422
    assert "say why context_note would not suffice" in r.text
    assert re.search(r'name="lesser_context_note"[^>]*aria-invalid="true"', r.text)
    assert "legality: answered" in r.text
    with ctx.store.transaction() as tx:
        case = tx.get_case(filed.case_id)
    assert case is not None and not case.votes


def test_a_juror_off_the_panel_sees_no_case_file(
    client: TestClient, people: People, ctx: Context
) -> None:
    filed, chosen = to_voting(ctx, people, text="only for the panel")
    outsider = next(j.id for j in people.jurors if j.id not in chosen)
    juror_client(client, people, outsider)
    r = client.get(f"/juror/cases/{filed.case_id}")
    assert r.status_code == 403 and "only for the panel" not in r.text
    r = post_form(client, "/juror", f"/juror/cases/{filed.case_id}/vote", full_violation("HAR-1"))
    assert r.status_code == 403


def test_juror_pages_need_a_juror_token(client: TestClient, people: People, ctx: Context) -> None:
    filed, _ = to_voting(ctx, people)
    r = client.get(f"/juror/cases/{filed.case_id}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/juror"
    r = post_form(client, "/juror", "/juror/signin", {"token": filed.author_token})
    assert r.status_code == 401  # a party token is not a juror token


def test_the_lesser_remedy_fields_follow_the_remedy_chosen(
    client: TestClient, ctx: Context, people: People
) -> None:
    filed, chosen = to_voting(ctx, people)
    outsider = next(j.id for j in people.jurors if j.id not in chosen)
    url = f"/juror/cases/{filed.case_id}/lesser"
    assert client.get(url, params={"remedy": "label"}).status_code == 403  # signed out
    juror_client(client, people, outsider)
    assert client.get(url, params={"remedy": "label"}).status_code == 403  # not on the panel
    client.cookies.clear()
    juror_client(client, people, chosen[0])
    page = client.get(f"/juror/cases/{filed.case_id}")
    assert len(re.findall(r'name="lesser_', page.text)) == 6  # without a script: every rung
    assert 'src="/static/htmx.min.js"' in page.text and 'hx-target="#lesser"' in page.text
    r = client.get(url, params={"remedy": "label", "lesser_no_action": "<b>kept</b>"})
    assert r.status_code == 200 and r.headers["cache-control"].startswith("no-store")
    assert re.findall(r'name="(lesser_[a-z_]+)"', r.text) == [
        "lesser_no_action",
        "lesser_context_note",
    ]
    assert "&lt;b&gt;kept&lt;/b&gt;" in r.text and "<html" not in r.text
    none = client.get(url, params={"remedy": "no_action"})
    assert 'name="lesser_' not in none.text and "nothing to answer" in none.text
    assert client.get(url, params={"remedy": "bogus"}).status_code == 200
    js = client.get("/static/htmx.min.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
