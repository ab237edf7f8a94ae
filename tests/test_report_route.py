"""``POST /api/v1/reports`` as plain ASGI (``alteram.web.report_route``) answers exactly
as the framework's route does: the same statuses, error bodies and headers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from alteram.domain.policy import Policy
from alteram.services import accounts
from alteram.services.context import Context
from alteram.storage.migrate import upgrade
from alteram.storage.store import Store
from alteram.web import report_route
from alteram.web.app import create_app
from alteram.web.report_route import ReportRoute
from conftest import FakeClock, bearer
from test_intake import item

URL = "/api/v1/reports"


def _ctx(tmp: Path, name: str, policy: Policy) -> Context:
    url = f"sqlite:///{tmp / name}.db"
    upgrade(url)
    return Context(store=Store(url), policy=policy, clock=FakeClock(), base_url="https://x.test")


def _without_route(ctx: Context) -> Any:
    """The app with the lean route taken out: every report goes through FastAPI."""
    app = create_app(ctx)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not ReportRoute]
    return app


def _requests(platform: str, juror: str) -> list[tuple[str, dict[str, Any]]]:
    """(name, keyword arguments of TestClient.post) in the order they are sent."""
    json_ = {"Content-Type": "application/json"}
    ok = json.dumps(item("p1", "@a@forum.example"))
    return [
        ("no token", {"content": ok, "headers": json_}),
        ("unknown token", {"content": ok, "headers": {**json_, **bearer("nope")}}),
        ("not a bearer token", {"content": ok, "headers": {**json_, "Authorization": "Basic x"}}),
        ("a juror's token", {"content": ok, "headers": {**json_, **bearer(juror)}}),
        ("not JSON", {"content": b"{nope", "headers": {**json_, **bearer(platform)}}),
        ("not UTF-8", {"content": b'{"a": "\xff"}', "headers": {**json_, **bearer(platform)}}),
        ("an array", {"content": b"[]", "headers": {**json_, **bearer(platform)}}),
        (
            "missing field",
            {"json": {**item("p1", "@a@x"), "category": None}, "headers": bearer(platform)},
        ),
        (
            "no category",
            {
                "json": {k: v for k, v in item("p1", "@a@x").items() if k != "category"},
                "headers": bearer(platform),
            },
        ),
        ("extra field", {"json": {**item("p1", "@a@x"), "x": 1}, "headers": bearer(platform)}),
        ("bad url", {"json": item("p1", "@a@x") | {"content": {}}, "headers": bearer(platform)}),
        ("unknown category", {"json": item("p1", "@a@x", "nope"), "headers": bearer(platform)}),
        (
            "long key",
            {"content": ok, "headers": {**json_, **bearer(platform), "Idempotency-Key": "k" * 201}},
        ),
        (
            "filed",
            {"content": ok, "headers": {**json_, **bearer(platform), "Idempotency-Key": "k"}},
        ),
        (
            "replayed",
            {"content": ok, "headers": {**json_, **bearer(platform), "Idempotency-Key": "k"}},
        ),
        (
            "key reused",
            {
                "json": item("p2", "@b@forum.example"),
                "headers": {**bearer(platform), "Idempotency-Key": "k"},
            },
        ),
        ("no content type", {"content": ok, "headers": bearer(platform)}),
        (
            "multipart",
            {
                "data": {"report": ok},
                "files": {"media": ("x.txt", b"not an image", "text/plain")},
                "headers": bearer(platform),
            },
        ),
    ]


def _answer(client: TestClient, kwargs: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
    r = client.post(URL, **kwargs)
    body = r.json()
    if r.status_code == 202:  # ids are random: compare their shape
        body = {**body, "report_id": body["report_id"][:1], "case_id": body["case_id"][:1]}
    headers = {k: v for k, v in r.headers.items() if k != "content-length"}
    return r.status_code, body, headers


def test_the_lean_route_answers_as_the_framework_does(tmp_path: Path, policy: Policy) -> None:
    answers: list[list[tuple[int, Any, dict[str, str]]]] = []
    for name, make in (("lean", create_app), ("framework", _without_route)):
        ctx = _ctx(tmp_path, name, policy)
        _, platform = accounts.create_platform(ctx, "forum.example")
        _, juror = accounts.add_juror(ctx, "J", ["en"])
        with TestClient(make(ctx), base_url="https://x.test") as c:
            answers.append([_answer(c, kw) for _, kw in _requests(platform, juror)])
        ctx.store.dispose()
    lean, framework = answers
    names = [name for name, _ in _requests("", "")]
    for name, a, b in zip(names, lean, framework, strict=True):
        assert a == b, name
    statuses = dict(zip(names, [status for status, _, _ in lean], strict=True))
    assert statuses["no token"] == 401 and statuses["a juror's token"] == 403
    assert statuses["not JSON"] == statuses["missing field"] == statuses["long key"] == 422
    assert statuses["filed"] == statuses["replayed"] == 202 and statuses["key reused"] == 409
    assert statuses["multipart"] == 422  # the framework's route, for forms
    by_name = dict(zip(names, lean, strict=True))
    assert by_name["replayed"][2]["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in by_name["filed"][2]
    assert by_name["not JSON"][1]["error"] == {
        "code": "invalid",
        "message": "the body is not valid JSON",
    }
    assert by_name["no category"][1]["error"]["field"] == "category"
    assert "content-security-policy" in by_name["filed"][2]  # the app's middleware applies


def test_json_reports_take_the_lean_route_and_forms_the_framework(
    tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = _ctx(tmp_path, "only", policy)
    _, platform = accounts.create_platform(ctx, "forum.example")
    seen: list[str | None] = []
    real = report_route.file_report

    async def spy(*args: Any) -> Any:
        seen.append(args[2])
        return await real(*args)

    monkeypatch.setattr(report_route, "file_report", spy)
    report = json.dumps(item("p1", "@a@forum.example"))
    with TestClient(create_app(ctx), base_url="https://x.test") as c:
        r = c.post(URL, json=item("p1", "@a@forum.example"), headers=bearer(platform))
        assert r.status_code == 202 and seen == [f"Bearer {platform}"]
        form = c.post(URL, data={"report": report}, headers=bearer(platform))
        assert form.status_code == 202 and len(seen) == 1  # forms: the framework's route
        other = c.post(URL + ":batch", json=[item("p2", "@b@x")], headers=bearer(platform))
        assert other.status_code == 200 and len(seen) == 1
        assert c.get(URL).status_code == 405 and len(seen) == 1
    ctx.store.dispose()


def test_an_oversized_report_is_refused_before_it_is_read(tmp_path: Path, policy: Policy) -> None:
    ctx = _ctx(tmp_path, "big", policy)
    _, platform = accounts.create_platform(ctx, "forum.example")
    app = create_app(ctx, max_report_bytes=1_000)
    body = json.dumps(item("p1", "@a@forum.example", explanation="x" * 2_000))
    with TestClient(app, base_url="https://x.test") as c:
        r = c.post(
            URL, content=body, headers={**bearer(platform), "Content-Type": "application/json"}
        )
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    ctx.store.dispose()


def test_behind_a_root_path_json_reports_still_take_the_lean_route(
    tmp_path: Path, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = _ctx(tmp_path, "root", policy)
    _, platform = accounts.create_platform(ctx, "forum.example")
    seen: list[object] = []
    real = report_route.file_report

    async def spy(*args: Any) -> Any:
        seen.append(args[2])
        return await real(*args)

    monkeypatch.setattr(report_route, "file_report", spy)
    with TestClient(create_app(ctx), base_url="https://x.test", root_path="/alteram") as c:
        r = c.post("/alteram" + URL, json=item("p1", "@a@x"), headers=bearer(platform))
    assert r.status_code == 202 and len(seen) == 1
    ctx.store.dispose()
