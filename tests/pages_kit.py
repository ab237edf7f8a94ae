"""Helpers for the web page tests: filing a case, reading forms, signing in."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from alteram.services import seal
from alteram.services.context import Context
from alteram.services.reports import ReportRequest, file_report

HOSTILE = "<script>alert(1)</script>\u202eevil\u202c \"quoted\" 'single' &amp;"


@dataclass
class Filed:
    case_id: str
    author_token: str
    reporter_token: str


def file_case(
    ctx: Context,
    platform_id: str,
    *,
    post: str = "post-1",
    text: str | None = None,
    category: str = "harassment",
    language: str = "en",
    reporter: str = "reporter-1",
    explanation: str = "This is abuse.",
) -> Filed:
    if text is None:  # distinct texts: near-duplicate copies would join one case
        text = f"Post {post}: {secrets.token_hex(8)} {secrets.token_hex(8)}."
    body = {
        "content": {
            "platform_id": post,
            "url": f"https://forum.example/p/{post}",
            "author": {"handle": f"@author-{post}@forum.example"},
            "text": text,
            "language": language,
        },
        "category": category,
        "explanation": explanation,
        "reporter": {"handle": reporter},
    }
    filed = file_report(ctx, platform_id, ReportRequest.model_validate(body))
    with ctx.store.transaction() as tx:
        notices = seal.opened(ctx, tx.notices_for(filed.case_id))
    author = next(n["token"] for n in notices if n["party_id"] == "author")
    reporter_token = next(n["token"] for n in notices if n["party_id"] != "author")
    return Filed(filed.case_id, str(author), str(reporter_token))


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def post_form(
    client: TestClient, page: str, action: str, data: dict[str, Any], **kw: Any
) -> Response:
    """GET ``page`` for its CSRF token, then POST ``data`` to ``action`` (no redirects)."""
    got = client.get(page)
    assert got.status_code in (200, 401, 422), got.text
    return client.post(
        action, data={"csrf": csrf_of(got.text), **data}, follow_redirects=False, **kw
    )


def sign_in(client: TestClient, page: str, action: str, token: str) -> None:
    r = post_form(client, page, action, {"token": token})
    assert r.status_code == 303, r.text
    assert "alteram_session=" in r.headers.get("set-cookie", "")


class Tree(HTMLParser):
    """Every text node with its ancestors' tags and attributes."""

    VOID = frozenset(
        "area base br col embed hr img input link meta source track wbr".split()  # noqa: SIM905
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[tuple[str, list[tuple[str, dict[str, str | None]]]]] = []
        self.scripts = 0  # <script> elements other than the packaged htmx
        self.inline_handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and dict(attrs).get("src") != "/static/htmx.min.js":
            self.scripts += 1
        self.inline_handlers += [name for name, _ in attrs if name.startswith("on")]
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append((data, list(self.stack)))


def parse(html: str) -> Tree:
    tree = Tree()
    tree.feed(html)
    tree.close()
    return tree


def assert_hostile_is_inert(html: str) -> int:
    """The hostile text appears only as text (never markup), and every occurrence of its
    right-to-left override sits inside an element with ``dir="auto"`` (which isolates its
    direction from the page around it). Returns how many text nodes carried it."""
    assert "<script>alert(1)</script>" not in html
    tree = parse(html)
    assert tree.scripts == 0, "a page has a <script> element (other than /static/htmx.min.js)"
    assert not any(
        tag == "script" and text.strip() for text, stack in tree.texts for tag, _ in stack[-1:]
    ), "an inline script"
    assert not tree.inline_handlers, f"inline event handlers: {tree.inline_handlers}"
    carriers = [(t, stack) for t, stack in tree.texts if "\u202e" in t]
    for text, stack in carriers:
        assert any(attrs.get("dir") == "auto" for _, attrs in stack), (
            f"an RTL override outside a direction-isolating element: {text!r}"
        )
    return len(carriers)
