"""CSRF tokens, session cookies, sign-in rate limiting and headers of the web pages."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from alteram.services import accounts
from alteram.services.context import Context
from alteram.web.pages import security
from alteram.web.pages.security import JUROR_AREA, SignInLimiter, read_session, session_value
from conftest import People
from pages_kit import csrf_of, file_case, post_form, sign_in

POSTS = [
    "/cases/{case}/signin",
    "/cases/{case}/reply",
    "/cases/{case}/appeal",
    "/cases/{case}/signout",
    "/juror/signin",
    "/juror/signout",
    "/juror/cases/{case}/vote",
    "/admin/signin",
    "/admin/signout",
    "/admin/jurors",
    "/admin/jurors/{juror}/active",
    "/admin/platforms",
    "/admin/policy/check",
]


@pytest.mark.parametrize("path", POSTS)
def test_every_form_refuses_a_missing_or_wrong_csrf_token(
    client: TestClient, ctx: Context, people: People, path: str
) -> None:
    filed = file_case(ctx, people.platform_id)
    sign_in(client, "/admin", "/admin/signin", accounts.create_admin_token(ctx))
    url = path.format(case=filed.case_id, juror=people.jurors[0].id)
    before = client.get("/admin/jurors").text
    for data in (
        {"name": "x", "languages": "en"},
        {"csrf": "forged", "name": "x", "languages": "en"},
    ):
        r = client.post(url, data=data, follow_redirects=False)
        assert r.status_code == 403, url
        assert "This form has expired or did not come from this site" in r.text
        assert r.headers["content-type"].startswith("text/html")
    client.cookies.delete("alteram_csrf")
    r = client.post(url, data={"csrf": csrf_of(before), "name": "x"}, follow_redirects=False)
    assert r.status_code == 403  # a token without its cookie is worthless


def test_the_csrf_cookie_is_strict_and_httponly(client: TestClient) -> None:
    r = client.get("/juror")
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("alteram_csrf=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie


def test_security_headers_stay_on_pages(client: TestClient) -> None:
    for path in ("/", "/juror", "/static/style.css"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "default-src 'self'" in csp
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"


def test_sessions_are_signed_scoped_and_expire(ctx: Context) -> None:
    key = security.web_key(ctx)
    value = session_value(key, "alt_ju_token", JUROR_AREA, now=1000.0)
    assert read_session(key, value, JUROR_AREA, now=1001.0) == accounts.hash_token("alt_ju_token")
    assert read_session(key, value, security.ADMIN_AREA, now=1001.0) is None  # other area
    expired = 1000.0 + security.SESSION_SECONDS + 1
    assert read_session(key, value, JUROR_AREA, now=expired) is None
    payload, _, mac = value.partition(".")
    assert read_session(key, payload + "x." + mac, JUROR_AREA, now=1001.0) is None
    assert read_session(b"another key" * 3, value, JUROR_AREA, now=1001.0) is None
    assert "alt_ju_token" not in value  # the cookie never carries the token itself


def test_a_forged_session_cookie_is_ignored(client: TestClient, people: People) -> None:
    client.cookies.set("alteram_session", "e30.AAAA", domain="alteram.test", path="/juror")
    r = client.get("/juror")
    assert 'action="/juror/signin"' in r.text  # still asked to sign in


def test_sign_in_is_rate_limited_per_address(client: TestClient, people: People) -> None:
    for _ in range(security.MAX_FAILURES):
        r = post_form(client, "/juror", "/juror/signin", {"token": "alt_ju_wrong"})
        assert r.status_code == 401
    r = post_form(
        client, "/juror", "/juror/signin", {"token": people.juror_tokens[people.jurors[0].id]}
    )
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "Too many failed sign-ins" in r.text


def test_the_limiter_window_slides() -> None:
    limiter = SignInLimiter(max_failures=2, window=10)
    limiter.failed("a", now=0)
    limiter.failed("a", now=5)
    assert limiter.retry_after("a", now=6) == 5
    assert limiter.retry_after("b", now=6) == 0
    assert limiter.retry_after("a", now=10.5) == 0  # the first failure left the window
    limiter.succeeded("a")
    assert limiter.retry_after("a", now=6) == 0


def test_the_session_cookie_is_not_secure_over_plain_http(ctx: Context, people: People) -> None:
    from alteram.web.app import create_app

    ctx.base_url = "http://127.0.0.1:8000"
    with TestClient(create_app(ctx), base_url="http://127.0.0.1:8000") as plain:
        page = plain.get("/juror")
        r = plain.post(
            "/juror/signin",
            data={"csrf": csrf_of(page.text), "token": people.juror_tokens[people.jurors[0].id]},
            follow_redirects=False,
        )
    cookie = r.headers["set-cookie"]
    assert r.status_code == 303 and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie and re.search(r"Path=/juror\b", cookie)
