"""Versioned policy: publish on the admin page or the CLI, every process sees it, open
cases keep the version they were opened under."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from importlib.resources import files

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from alteram.errors import Conflict, PolicyInvalid
from alteram.services import accounts, policies
from alteram.services.context import Context
from alteram.storage import tables as t
from alteram.storage.store import Store
from alteram.web.app import create_app
from conftest import FakeClock, People
from pages_kit import csrf_of, file_case, sign_in

DEFAULT = files("alteram.domain").joinpath("default_policy.yaml").read_text(encoding="utf-8")
OLD_RULE = "You may not repeatedly direct abusive"
NEW_RULE = "You may not send threatening or degrading messages again and again"


def v2(version: str = "2026.12-1") -> str:
    text = DEFAULT.replace('version: "2026.11-1"', f'version: "{version}"')
    text = text.replace("reply: P7D", "reply: P3D")
    text = text.replace(
        "You may not repeatedly direct abusive, degrading or intimidating\n"
        "          messages at an identifiable private person.",
        NEW_RULE + " at an identifiable private person.",
    )
    assert text != DEFAULT and NEW_RULE in text
    return text


@pytest.fixture
def admin(client: TestClient, ctx: Context) -> TestClient:
    sign_in(client, "/admin", "/admin/signin", accounts.create_admin_token(ctx))
    return client


def test_an_admin_publishes_a_new_version_that_is_served_and_logged(
    admin: TestClient, ctx: Context
) -> None:
    old = ctx.policy.version
    page = admin.get("/admin/policy")
    r = admin.post(
        "/admin/policy/publish",
        data={"csrf": csrf_of(page.text)},
        files={"file": ("next.yaml", v2().encode(), "text/yaml")},
    )
    assert r.status_code == 200 and "Version 2026.12-1 is published" in r.text
    assert admin.get("/api/v1/policy").json()["version"] == "2026.12-1"
    public = admin.get("/policy")
    assert "2026.12-1" in public.text and old in public.text and NEW_RULE in public.text
    sha = hashlib.sha256(v2().encode()).hexdigest()
    assert sha in public.text
    yaml = admin.get("/policy/versions/2026.12-1.yaml")
    assert yaml.status_code == 200 and hashlib.sha256(yaml.content).hexdigest() == sha
    assert admin.get("/policy/versions/nope.yaml").status_code == 404
    with ctx.store.read() as tx:
        rows = tx.conn.execute(
            select(t.events.c.case_id, t.events.c.payload, t.events.c.log_index).where(
                t.events.c.type == "policy_published"
            )
        ).all()
        (row,) = tx.conn.execute(select(t.policy_versions)).all()
    assert row.published_by.startswith("admin page, admin token ")
    (event,) = rows
    payload = json.loads(event.payload)
    assert event.case_id == "policy" and event.log_index is not None
    assert payload["version"] == "2026.12-1" and payload["sha256"] == sha
    assert payload["previous"] == old


def test_a_bad_or_reused_version_is_refused_and_nothing_is_stored(
    admin: TestClient, ctx: Context
) -> None:
    page = admin.get("/admin/policy")
    bad = v2().replace("  - id: harassment", "  - id: Harassment", 1)
    r = admin.post("/admin/policy/publish", data={"csrf": csrf_of(page.text), "text": bad})
    assert r.status_code == 422 and "must start with a lowercase letter" in r.text
    same = DEFAULT  # the version in force
    r = admin.post("/admin/policy/publish", data={"csrf": csrf_of(page.text), "text": same})
    assert r.status_code == 409 and "exists already" in r.text
    with ctx.store.read() as tx:
        assert tx.conn.execute(select(t.policy_versions)).all() == []
    policies.publish(ctx, v2(), source="x", by="test")
    with pytest.raises(Conflict):
        policies.publish(ctx, v2(), source="x", by="test")
    with pytest.raises(PolicyInvalid):
        policies.publish(ctx, "version: 3\n", source="x", by="test")


def test_another_process_sees_the_new_version(
    store_url: str, ctx: Context, clock: FakeClock
) -> None:
    other = Context(store=Store(store_url), policy=ctx.policy, clock=clock)
    other.policy_refresh_seconds = 0
    try:
        with TestClient(create_app(other)) as web:
            assert web.get("/api/v1/policy").json()["version"] == "2026.11-1"
            policies.publish(ctx, v2(), source="x", by="test")  # in "this" process
            assert web.get("/api/v1/policy").json()["version"] == "2026.12-1"
            assert "2026.12-1" in web.get("/policy").text
    finally:
        other.store.dispose()


def test_an_open_case_keeps_the_version_it_was_opened_under(
    client: TestClient, ctx: Context, people: People, clock: FakeClock
) -> None:
    before = file_case(ctx, people.platform_id, post="before")
    policies.publish(ctx, v2(), source="x", by="test")
    after = file_case(ctx, people.platform_id, post="after")
    with ctx.store.read() as tx:
        old, new = tx.get_case(before.case_id), tx.get_case(after.case_id)
    assert old is not None and new is not None
    assert old.policy_version == "2026.11-1" and new.policy_version == "2026.12-1"
    assert old.reply_deadline - old.opened_at == timedelta(days=7)
    assert new.reply_deadline - new.opened_at == timedelta(days=3)
    old_page = TestClient(client.app, base_url="https://alteram.test")
    sign_in(
        old_page, f"/cases/{before.case_id}", f"/cases/{before.case_id}/signin", before.author_token
    )
    text = old_page.get(f"/cases/{before.case_id}").text
    assert OLD_RULE in text and NEW_RULE not in text  # notified under the old rule
    new_page = TestClient(client.app, base_url="https://alteram.test")
    sign_in(
        new_page, f"/cases/{after.case_id}", f"/cases/{after.case_id}/signin", after.author_token
    )
    assert NEW_RULE in new_page.get(f"/cases/{after.case_id}").text
    assert policies.policy_for(ctx, "2026.11-1").deadlines.reply == timedelta(days=7)
    clock.advance(timedelta(days=4))  # past the new reply window, within the old one
    from alteram.services import proceedings

    assert proceedings.current_case(ctx, before.case_id).state.value == "awaiting_reply"
    assert proceedings.current_case(ctx, after.case_id).state.value != "awaiting_reply"


def test_a_report_joining_an_open_case_is_heard_under_the_case_version(
    client: TestClient, ctx: Context, people: People
) -> None:
    before = file_case(ctx, people.platform_id, post="p", category="defamation")
    policies.publish(ctx, v2(), source="x", by="test")
    # A new category on the same post joins the case opened under 2026.11-1: the author
    # is notified of that version's harassment rule, not the one published since.
    again = file_case(ctx, people.platform_id, post="p", category="harassment", reporter="r-2")
    assert again.case_id == before.case_id
    r = client.get(f"/api/v1/cases/{before.case_id}/notices", headers=people.platform_auth)
    texts = [n["text"] for n in r.json()["notices"] if n["party"] == "author"]
    assert len(texts) == 2 and OLD_RULE in texts[1] and NEW_RULE not in texts[1]
