"""Jurors' sign-in by password from a one-time link, and revocation of tokens."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from alteram.errors import NotFound, Unauthenticated
from alteram.services import accounts
from alteram.services.context import Context
from alteram.storage import tables as t
from alteram.web.pages import security
from conftest import FakeClock, People, bearer
from pages_kit import csrf_of, post_form, sign_in

PASSWORD = "correct horse battery staple"


def _secret(link: str) -> str:
    assert link.startswith("https://alteram.test/juror/link/")
    return link.rsplit("/", 1)[1]


def _use(client: TestClient, link: str, password: str = PASSWORD, again: str = PASSWORD):  # type: ignore[no-untyped-def]
    page = client.get("/juror")  # for a CSRF token (a used link's page has no form)
    return client.post(
        "/juror/link",
        data={
            "csrf": csrf_of(page.text),
            "secret": _secret(link),
            "password": password,
            "again": again,
        },
        follow_redirects=False,
    )


def test_a_link_sets_a_password_once_and_the_password_signs_in(
    client: TestClient, ctx: Context, people: People
) -> None:
    juror = people.jurors[0]
    link = accounts.issue_signin_link(ctx, juror.id)
    page = client.get("/juror/link/" + _secret(link))
    assert page.status_code == 200 and juror.id in page.text
    assert page.headers["cache-control"].startswith("no-store")
    r = _use(client, link, again="something else entirely")
    assert r.status_code == 422 and "the two passwords differ" in r.text
    r = _use(client, link)
    assert r.status_code == 303 and r.headers["location"] == "/juror"
    assert f"juror {juror.id}" in client.get("/juror").text  # signed in
    with ctx.store.read() as tx:
        stored = tx.conn.execute(select(t.juror_passwords.c.hash)).scalars().all()
        links = tx.conn.execute(select(t.signin_links)).all()
    assert len(stored) == 1 and stored[0].startswith("$argon2id$") and PASSWORD not in stored[0]
    assert links == []  # used up
    fresh = TestClient(client.app, base_url="https://alteram.test")
    shown = fresh.get("/juror/link/" + _secret(link))
    assert shown.status_code == 401 and 'action="/juror/link"' not in shown.text
    again = _use(fresh, link)
    assert again.status_code == 401 and "unknown, used or expired" in again.text
    r = post_form(
        fresh, "/juror", "/juror/signin/password", {"juror_id": juror.id, "password": PASSWORD}
    )
    assert r.status_code == 303
    assert f"juror {juror.id}" in fresh.get("/juror").text
    wrong = TestClient(client.app, base_url="https://alteram.test")
    r = post_form(
        wrong, "/juror", "/juror/signin/password", {"juror_id": juror.id, "password": "x" * 12}
    )
    assert r.status_code == 401 and "wrong password" in r.text


def test_only_the_hash_of_a_link_is_stored_and_it_expires(
    client: TestClient, ctx: Context, people: People, clock: FakeClock
) -> None:
    link = accounts.issue_signin_link(ctx, people.jurors[1].id, minutes=30)
    with ctx.store.read() as tx:
        (row,) = tx.conn.execute(select(t.signin_links)).all()
    assert row.hash == accounts.hash_token(_secret(link)) and _secret(link) not in row.hash
    clock.advance(timedelta(minutes=31))
    r = _use(client, link)
    assert r.status_code == 401 and "expired" in r.text
    try:
        accounts.issue_signin_link(ctx, "jnobody")
    except NotFound as exc:
        assert exc.field == "juror_id"
    else:
        raise AssertionError("a link for an unknown juror was issued")


def test_sign_out_ends_the_session_token(client: TestClient, ctx: Context, people: People) -> None:
    juror = people.jurors[2]
    _use(client, accounts.issue_signin_link(ctx, juror.id))
    cookie = client.cookies.get("alteram_session")
    assert cookie
    r = post_form(client, "/juror", "/juror/signout", {})
    assert r.status_code == 303
    other = TestClient(client.app, base_url="https://alteram.test")
    other.cookies.set("alteram_session", cookie, domain="alteram.test", path="/juror")
    assert 'action="/juror/signin/password"' in other.get("/juror").text  # the old cookie is dead


def test_expired_sessions_are_deleted_at_the_next_sign_in(
    client: TestClient, ctx: Context, people: People, clock: FakeClock
) -> None:
    juror = people.jurors[4]
    _use(client, accounts.issue_signin_link(ctx, juror.id))  # a session, never signed out

    def sessions() -> int:
        c = t.tokens.c
        with ctx.store.read() as tx:
            hashes = tx.conn.execute(
                select(c.hash).where(c.subject == juror.id, c.party_id == accounts.SESSION)
            ).all()
        return len(hashes)

    clock.advance(timedelta(hours=6))
    accounts.password_sign_in(ctx, juror.id, PASSWORD)
    assert sessions() == 2  # both may still be in use
    clock.advance(timedelta(seconds=security.SESSION_SECONDS - 1))
    accounts.password_sign_in(ctx, juror.id, PASSWORD)
    assert sessions() == 2  # the first (over 12 hours old) went; its cookie has expired
    api_token = people.juror_tokens[juror.id]
    assert accounts.authenticate(ctx, api_token).subject == juror.id  # not a session: kept


def test_password_sign_in_is_rate_limited(client: TestClient, ctx: Context, people: People) -> None:
    juror = people.jurors[3]
    _use(
        TestClient(client.app, base_url="https://alteram.test"),
        accounts.issue_signin_link(ctx, juror.id),
    )
    for _ in range(security.MAX_FAILURES):
        r = post_form(
            client, "/juror", "/juror/signin/password", {"juror_id": juror.id, "password": "no"}
        )
        assert r.status_code == 401
    r = post_form(
        client, "/juror", "/juror/signin/password", {"juror_id": juror.id, "password": PASSWORD}
    )
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


def _admin(client: TestClient, ctx: Context) -> TestClient:
    admin = TestClient(client.app, base_url="https://alteram.test")
    sign_in(admin, "/admin", "/admin/signin", accounts.create_admin_token(ctx))
    return admin


def _revocations(ctx: Context) -> list[dict[str, object]]:
    with ctx.store.read() as tx:
        rows = tx.conn.execute(
            select(t.events.c.case_id, t.events.c.payload).where(
                t.events.c.type == "tokens_revoked"
            )
        ).all()
    return [{"case_id": c, **json.loads(p)} for c, p in rows]


def test_an_admin_revokes_a_platform_token_at_once(
    client: TestClient, ctx: Context, people: People
) -> None:
    admin = _admin(client, ctx)
    api = TestClient(client.app, base_url="https://alteram.test")
    assert (
        api.get("/api/v1/jurors/me/cases", headers=bearer(people.platform_token)).status_code == 403
    )
    page = admin.get("/admin/platforms")
    token_id = accounts.hash_token(people.platform_token)[:16]
    assert token_id in page.text and people.platform_token not in page.text
    r = admin.post(f"/admin/tokens/{token_id}/revoke", data={"csrf": csrf_of(page.text)})
    assert r.status_code == 200 and "effective now" in r.text
    refused = api.get("/api/v1/jurors/me/cases", headers=bearer(people.platform_token))
    assert refused.status_code == 401
    (event,) = _revocations(ctx)
    assert event["case_id"] == f"account:platform:{people.platform_id}"
    assert event["token_ids"] == [token_id] and event["scope"] == "one"
    assert "forum.example" not in json.dumps(event)  # no names in the record
    with ctx.store.read() as tx:
        assert tx.log.size() >= 1


def test_an_admin_revokes_everything_of_a_juror(
    client: TestClient, ctx: Context, people: People
) -> None:
    juror = people.jurors[4]
    browser = TestClient(client.app, base_url="https://alteram.test")
    _use(browser, accounts.issue_signin_link(ctx, juror.id))
    assert f"juror {juror.id}" in browser.get("/juror").text
    pending = accounts.issue_signin_link(ctx, juror.id)
    admin = _admin(client, ctx)
    r = post_form(admin, "/admin/jurors", f"/admin/jurors/{juror.id}/revoke", {})
    assert r.status_code == 200 and "revoked, effective now" in r.text
    assert 'action="/juror/signin/password"' in browser.get("/juror").text  # signed out now
    try:
        accounts.authenticate(ctx, people.juror_tokens[juror.id])
    except Unauthenticated:
        pass
    else:
        raise AssertionError("the juror's API token still works")
    r = post_form(
        browser, "/juror", "/juror/signin/password", {"juror_id": juror.id, "password": PASSWORD}
    )
    assert r.status_code == 401  # the password is gone too
    assert _use(browser, pending).status_code == 401  # and the unused link
    (event,) = _revocations(ctx)
    assert event["case_id"] == f"account:juror:{juror.id}" and event["scope"] == "all"
    assert len(event["token_ids"]) == 2  # type: ignore[arg-type]
    assert juror.name not in json.dumps(event)
    link = post_form(admin, "/admin/jurors", f"/admin/jurors/{juror.id}/link", {})
    assert link.status_code == 200 and "/juror/link/" in link.text  # a way back in
