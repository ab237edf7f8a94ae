"""The parties' pages: sign-in with the case token, the reply, the ruling and the appeal,
on every storage backend."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from alteram.services import proceedings
from alteram.services.context import Context
from conftest import FakeClock, People
from factories import violation
from pages_kit import Filed, csrf_of, file_case, post_form, sign_in


def test_the_case_page_asks_for_the_token_and_shows_nothing_without_it(
    client: TestClient, people: People, ctx: Context
) -> None:
    filed = file_case(ctx, people.platform_id, text="A post about the mayor.")
    r = client.get(f"/cases/{filed.case_id}")
    assert r.status_code == 200
    assert 'type="password"' in r.text and f'action="/cases/{filed.case_id}/signin"' in r.text
    assert "A post about the mayor." not in r.text
    assert r.headers["cache-control"] == "no-store"
    assert client.get("/cases/cnope").status_code == 404


def test_a_wrong_token_is_refused_and_a_token_of_another_case_too(
    client: TestClient, people: People, ctx: Context
) -> None:
    one = file_case(ctx, people.platform_id, post="p1")
    two = file_case(ctx, people.platform_id, post="p2")
    page, action = f"/cases/{one.case_id}", f"/cases/{one.case_id}/signin"
    r = post_form(client, page, action, {"token": "alt_pa_wrong"})
    assert r.status_code == 401 and "Sign-in failed" in r.text
    r = post_form(client, page, action, {"token": two.author_token})
    assert r.status_code == 401
    r = post_form(client, page, action, {"token": people.platform_token})
    assert r.status_code == 401
    assert "alteram_session" not in client.cookies


def test_the_author_signs_in_sees_the_rule_and_the_deadline_and_replies(
    client: TestClient, people: People, ctx: Context
) -> None:
    filed = file_case(ctx, people.platform_id, text="Woman, life, freedom.", post="wlf")
    sign_in(client, f"/cases/{filed.case_id}", f"/cases/{filed.case_id}/signin", filed.author_token)
    cookie = next(c for c in client.cookies.jar if c.name == "alteram_session")
    assert cookie.path == f"/cases/{filed.case_id}" and cookie.secure
    assert cookie.has_nonstandard_attr("HttpOnly")
    page = client.get(f"/cases/{filed.case_id}")
    assert page.status_code == 200
    assert "HAR-1" in page.text and "ICCPR Art. 17" in page.text  # the rule and its standard
    assert "7 days left" in page.text or "6 days" in page.text
    assert "Woman, life, freedom." in page.text
    r = client.post(
        f"/cases/{filed.case_id}/reply",
        data={
            "csrf": csrf_of(page.text),
            "statement": "It is a protest slogan.",
            "action": "reply",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("?done=reply")
    with ctx.store.transaction() as tx:
        case = tx.get_case(filed.case_id)
    assert case is not None and case.reply is not None
    assert case.reply.statement == "It is a protest slogan." and case.state.value == "voting"
    after = client.get(r.headers["location"])
    assert "Your reply is recorded" in after.text and "It is a protest slogan." in after.text
    assert 'action="/cases/' + filed.case_id + '/reply"' not in after.text


def test_the_author_may_waive(client: TestClient, people: People, ctx: Context) -> None:
    filed = file_case(ctx, people.platform_id)
    sign_in(client, f"/cases/{filed.case_id}", f"/cases/{filed.case_id}/signin", filed.author_token)
    r = post_form(
        client,
        f"/cases/{filed.case_id}",
        f"/cases/{filed.case_id}/reply",
        {"statement": "", "action": "waive"},
    )
    assert r.status_code == 303
    with ctx.store.transaction() as tx:
        case = tx.get_case(filed.case_id)
    assert case is not None and case.reply is not None and case.reply.waived


def test_an_empty_reply_is_refused_with_the_domain_message(
    client: TestClient, people: People, ctx: Context
) -> None:
    filed = file_case(ctx, people.platform_id)
    sign_in(client, f"/cases/{filed.case_id}", f"/cases/{filed.case_id}/signin", filed.author_token)
    r = post_form(
        client,
        f"/cases/{filed.case_id}",
        f"/cases/{filed.case_id}/reply",
        {"statement": "   ", "action": "reply"},
    )
    assert r.status_code == 422
    assert "a reply needs a statement" in r.text and 'aria-invalid="true"' in r.text


def test_a_reporter_sees_the_status_but_gets_no_reply_form(
    client: TestClient, people: People, ctx: Context
) -> None:
    filed = file_case(ctx, people.platform_id)
    sign_in(
        client, f"/cases/{filed.case_id}", f"/cases/{filed.case_id}/signin", filed.reporter_token
    )
    page = client.get(f"/cases/{filed.case_id}")
    assert "reporter of case" in page.text
    assert f'action="/cases/{filed.case_id}/reply"' not in page.text
    r = client.post(
        f"/cases/{filed.case_id}/reply",
        data={"csrf": csrf_of(page.text), "statement": "I am not the author", "action": "reply"},
    )
    assert r.status_code == 403  # the service refuses: only the author replies


def _ruled(ctx: Context, people: People, filed: Filed) -> None:
    author = proceedings.Principal(kind="party", subject=filed.case_id, party_id="author")
    proceedings.reply(ctx, filed.case_id, author, None, waive=True)
    with ctx.store.transaction() as tx:
        case = tx.get_case(filed.case_id)
    assert case is not None and case.panel is not None
    for juror_id in case.panel.chosen:
        proceedings.cast_vote(ctx, filed.case_id, juror_id, violation(["HAR-1"]))


def test_the_ruling_and_the_appeal_form_then_the_appeal(
    client: TestClient, people: People, ctx: Context, clock: FakeClock
) -> None:
    filed = file_case(ctx, people.platform_id)
    _ruled(ctx, people, filed)
    sign_in(client, f"/cases/{filed.case_id}", f"/cases/{filed.case_id}/signin", filed.author_token)
    page = client.get(f"/cases/{filed.case_id}")
    assert "Violation found" in page.text and "Removal" in page.text
    assert "Statement of reasons" in page.text
    assert f'action="/cases/{filed.case_id}/appeal"' in page.text
    r = client.post(
        f"/cases/{filed.case_id}/appeal",
        data={"csrf": csrf_of(page.text), "grounds": "The panel misread the post."},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with ctx.store.transaction() as tx:
        case = tx.get_case(filed.case_id)
    assert case is not None and case.appeal is not None and case.state.value == "appeal_voting"
    again = client.get(f"/cases/{filed.case_id}")
    assert "The panel misread the post." in again.text
    assert f'action="/cases/{filed.case_id}/appeal"' not in again.text


def test_no_appeal_form_after_the_window(
    client: TestClient, people: People, ctx: Context, clock: FakeClock
) -> None:
    filed = file_case(ctx, people.platform_id)
    _ruled(ctx, people, filed)
    clock.advance(timedelta(days=15))
    sign_in(client, f"/cases/{filed.case_id}", f"/cases/{filed.case_id}/signin", filed.author_token)
    page = client.get(f"/cases/{filed.case_id}")
    assert "Final" in page.text  # the deadline was applied before the page was shown
    assert f'action="/cases/{filed.case_id}/appeal"' not in page.text


def test_signing_out_ends_the_session(client: TestClient, people: People, ctx: Context) -> None:
    filed = file_case(ctx, people.platform_id, text="secret text")
    sign_in(client, f"/cases/{filed.case_id}", f"/cases/{filed.case_id}/signin", filed.author_token)
    r = post_form(client, f"/cases/{filed.case_id}", f"/cases/{filed.case_id}/signout", {})
    assert r.status_code == 303
    assert "secret text" not in client.get(f"/cases/{filed.case_id}").text
