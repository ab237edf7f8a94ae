"""The administrators' pages, and proof that none of them can touch a case."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from alteram.services import accounts, proceedings
from alteram.services.accounts import Principal
from alteram.services.context import Context
from alteram.storage import tables as t
from alteram.web.app import create_app
from conftest import People
from pages_kit import csrf_of, file_case, post_form, sign_in


@pytest.fixture
def admin(client: TestClient, ctx: Context) -> TestClient:
    sign_in(client, "/admin", "/admin/signin", accounts.create_admin_token(ctx))
    return client


def test_admin_pages_need_an_admin_token(client: TestClient, people: People) -> None:
    for path in ("/admin", "/admin/jurors", "/admin/platforms", "/admin/policy"):
        r = client.get(path)
        assert r.status_code == 200 and 'action="/admin/signin"' in r.text
        assert "Juror pool" not in r.text.split("<main", 1)[1]
    r = post_form(client, "/admin", "/admin/signin", {"token": people.platform_token})
    assert r.status_code == 401


def test_the_juror_pool_add_shows_the_token_once_and_it_works(
    admin: TestClient, ctx: Context, people: People
) -> None:
    page = admin.get("/admin/jurors")
    assert all(j.id in page.text for j in people.jurors)
    r = admin.post(
        "/admin/jurors",
        data={
            "csrf": csrf_of(page.text),
            "name": "Shirin Example",
            "languages": "fa, en",
            "conflicts": "shahrnews.example",
            "handles": "@shirin@forum.example",
        },
    )
    assert r.status_code == 200 and "shown once" in r.text
    token = r.text.split('<code dir="ltr">', 1)[1].split("</code>", 1)[0]
    who = accounts.authenticate(ctx, token)
    assert who.kind == "juror"
    with ctx.store.transaction() as tx:
        added = next(j for j in tx.jurors() if j.id == who.subject)
    assert added.languages == ("fa", "en") and added.conflicts == ("shahrnews.example",)
    assert token not in admin.get("/admin/jurors").text  # shown once only


def test_a_juror_without_languages_is_refused(admin: TestClient) -> None:
    r = post_form(admin, "/admin/jurors", "/admin/jurors", {"name": "X", "languages": ""})
    assert r.status_code == 422 and "reads at least one language" in r.text


def _pool_events(ctx: Context, juror_id: str) -> list[dict[str, Any]]:
    with ctx.store.read() as tx:
        rows = tx.conn.execute(
            select(t.events.c.type, t.events.c.payload, t.events.c.log_index)
            .where(t.events.c.case_id == f"account:juror:{juror_id}")
            .order_by(t.events.c.seq)
        ).all()
        leaves = {i: leaf for i, leaf in tx.log.entries(0, tx.log.size())}
    out = []
    for kind, payload, index in rows:
        assert json.loads(leaves[index]) == json.loads(payload)  # all of it public
        out.append({"type": kind, **json.loads(payload)})
    return out


def test_deactivate_and_reactivate(admin: TestClient, ctx: Context, people: People) -> None:
    voting = file_case(ctx, people.platform_id, post="voting")
    author = Principal(kind="party", subject=voting.case_id, party_id="author")
    seated = proceedings.reply(ctx, voting.case_id, author, None, waive=True).panels[0].chosen
    juror = next(j for j in people.jurors if j.id == seated[0])
    assert [e["type"] for e in _pool_events(ctx, juror.id)] == ["juror_added"]
    action = f"/admin/jurors/{juror.id}/active"
    assert post_form(admin, "/admin/jurors", action, {"active": "0"}).status_code == 303
    assert post_form(admin, "/admin/jurors", action, {"active": "0"}).status_code == 303
    with ctx.store.transaction() as tx:
        assert juror.id not in {j.id for j in tx.jurors(active_only=True)}
        assert [s.case_id for s in tx.open_seats(juror.id)] == [voting.case_id]  # kept
    later = file_case(ctx, people.platform_id, post="later")
    proceedings.reply(
        ctx, later.case_id, Principal("party", later.case_id, "author"), None, waive=True
    )
    with ctx.store.read() as tx:
        drawn = tx.get_case(later.case_id)
    assert drawn is not None and juror.id not in drawn.panels[0].eligible
    assert post_form(admin, "/admin/jurors", action, {"active": "1"}).status_code == 303
    with ctx.store.transaction() as tx:
        assert juror.id in {j.id for j in tx.jurors(active_only=True)}
    events = _pool_events(ctx, juror.id)
    assert [(e["type"], e.get("open_seats")) for e in events] == [
        ("juror_added", None),
        ("juror_deactivated", 1),  # once: the second post changed nothing
        ("juror_reactivated", None),
    ]
    assert events[0]["languages"] == list(juror.languages)
    assert all(e["juror_id"] == juror.id and juror.name not in json.dumps(e) for e in events)
    assert (
        post_form(admin, "/admin/jurors", "/admin/jurors/jnope/active", {"active": "0"}).status_code
        == 404
    )


def test_platforms_and_a_new_token(admin: TestClient, ctx: Context, people: People) -> None:
    page = admin.get("/admin/platforms")
    assert "forum.example" in page.text and people.platform_id in page.text
    r = admin.post("/admin/platforms", data={"csrf": csrf_of(page.text), "name": "forum.example"})
    token = r.text.split('<code dir="ltr">', 1)[1].split("</code>", 1)[0]
    who = accounts.authenticate(ctx, token)
    assert who.kind == "platform" and who.subject == people.platform_id
    assert ">2<" in admin.get("/admin/platforms").text  # two tokens issued now


def test_the_policy_page_checks_an_upload_line_by_line(admin: TestClient, ctx: Context) -> None:
    page = admin.get("/admin/policy")
    assert ctx.policy.version in page.text and "INC-1" in page.text
    bad = (
        "version: x\ntitle: t\ncategories:\n"
        "  - id: Bad\n    title: t\n    standard: s\n    rules: []\n"
    )
    r = admin.post(
        "/admin/policy/check",
        data={"csrf": csrf_of(page.text)},
        files={"file": ("mine.yaml", bad.encode(), "text/yaml")},
    )
    assert r.status_code == 422
    assert "mine.yaml:4: categories.0.id: must start with a lowercase letter" in r.text
    assert "mine.yaml:7: categories.0.rules: must list at least 1 entry" in r.text
    good = files("alteram.domain").joinpath("default_policy.yaml").read_text(encoding="utf-8")
    r = admin.post("/admin/policy/check", data={"csrf": csrf_of(page.text), "text": good})
    assert r.status_code == 200 and "The policy is valid" in r.text


def flatten(routes: list[Any]) -> Iterator[Any]:
    """Routes with a path; included routers (however FastAPI nests them) opened up."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from flatten(list(inner.routes))
        elif getattr(route, "path", None) is not None:
            yield route


INSTITUTION = ("account:", "policy")  # account and policy events: not about any case


def _snapshot(ctx: Context) -> dict[str, Any]:
    with ctx.store.transaction() as tx:
        types = [r for r in tx.conn.execute(select(t.events.c.case_id, t.events.c.type))]
        institution = sum(1 for c, _ in types if c.startswith(INSTITUTION))
        return {
            "cases": sorted(tuple(r) for r in tx.conn.execute(select(t.cases.c.id, t.cases.c.doc))),
            "events": sorted(tuple(r) for r in types if not r[0].startswith(INSTITUTION)),
            # every new log entry is an account or policy event
            "log": tx.log.size() - institution,
            "decisions": sorted(
                tuple(r)
                for r in tx.conn.execute(select(t.decisions.c.case_id, t.decisions.c.remedy))
            ),
        }


def test_no_admin_route_changes_a_case(admin: TestClient, ctx: Context, people: People) -> None:
    """Walk every /admin route with every method it accepts; no case, event, log entry or
    decision changes, whatever the form says."""
    voting = file_case(ctx, people.platform_id, post="voting")
    author = Principal(kind="party", subject=voting.case_id, party_id="author")
    proceedings.reply(ctx, voting.case_id, author, None, waive=True)
    file_case(ctx, people.platform_id, post="waiting")
    before = _snapshot(ctx)
    app = create_app(ctx)
    routes = [
        (m, r.path)
        for r in flatten(list(app.routes))
        if getattr(r, "path", "").startswith("/admin")
        for m in sorted(getattr(r, "methods", set()) - {"HEAD"})
    ]
    assert len(routes) >= 16
    walked = {p for _, p in routes}
    assert {  # the sign-in link, revocation, publication and jurisdiction pages too
        "/admin/jurors/{juror_id}/link",
        "/admin/jurors/{juror_id}/revoke",
        "/admin/platforms/{platform_id}/revoke",
        "/admin/tokens/{token_id}/revoke",
        "/admin/policy/publish",
        "/admin/jurisdictions",
    } <= walked
    hostile: dict[str, Any] = {
        "name": "x",
        "languages": "en",
        "active": "0",
        "text": "version: 1",
        "case_id": voting.case_id,
        "remedy": "removal",
        "violation": "yes",
        "action": "waive",
    }
    for method, path in routes:
        if path == "/admin/signout":
            continue
        url = (
            path.replace("{juror_id}", people.jurors[0].id)
            .replace("{platform_id}", people.platform_id)
            .replace("{token_id}", "0" * 16)
            .replace("{version}", ctx.policy.version)
        )
        if method == "GET":
            assert admin.get(url).status_code == 200, url
        else:
            r = post_form(admin, "/admin", url, hostile)
            assert r.status_code < 500, (url, r.text)
    assert _snapshot(ctx) == before
    assert not any("case" in p for _, p in routes)
