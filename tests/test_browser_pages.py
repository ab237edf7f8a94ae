"""The web pages in a real browser: Debian's Chromium driven by Playwright for Python.

A uvicorn server runs the app in a background thread on a free localhost port. On
every page visited the tests record every request (each must stay on the server's
origin) and every console error (a CSP violation is one). Without /usr/bin/chromium
or the playwright package they skip, or fail under ALTERAM_REQUIRE_ALL=1.
Install Chromium with `apt-get install chromium`; never `playwright install`.
"""

from __future__ import annotations

import io
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from alteram.domain.policy_file import load_default_policy
from alteram.services import accounts, proceedings
from alteram.services.accounts import Principal
from alteram.services.context import Context
from alteram.site import export_site
from alteram.storage.migrate import upgrade
from alteram.storage.store import Store
from alteram.web.app import create_app
from browser_kit import audit, install_axe
from conftest import FakeClock, People, make_people, require_or_skip
from pages_kit import file_case
from record_scenario import Record, build

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        require_or_skip(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_or_skip("the playwright package is missing: pip install -e '.[test]'")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@dataclass
class Server:
    ctx: Context
    clock: FakeClock
    origin: str
    people: People


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    import uvicorn

    url = f"sqlite:///{tmp_path / 'browser.db'}"
    upgrade(url)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    clock = FakeClock()
    store = Store(url)
    ctx = Context(store=store, policy=load_default_policy(), clock=clock, base_url=origin)
    people = make_people(ctx)
    uv = uvicorn.Server(
        uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield Server(ctx=ctx, clock=clock, origin=origin, people=people)
    uv.should_exit = True
    thread.join(timeout=10)
    store.dispose()


@dataclass
class Watch:
    """Everything a page asked for, and every console error."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def check(self, origin: str) -> None:
        assert self.requests, "no request was recorded"
        outside = [
            u for u in self.requests if not u.startswith(origin) and not u.startswith("data:")
        ]
        assert not outside, f"requests left {origin}: {outside}"
        assert not self.errors, f"console errors: {self.errors}"


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, Watch]]:
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    install_axe(context)
    p = context.new_page()
    watch = Watch()
    p.on("request", lambda r: watch.requests.append(r.url))
    p.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    p.on("pageerror", lambda e: watch.errors.append(str(e)))
    yield p, watch
    context.close()


def direction(p: Any) -> str:
    return str(p.evaluate("getComputedStyle(document.body).direction"))


def test_public_pages_in_english_and_persian(server: Server, page: tuple[Any, Watch]) -> None:
    p, watch = page
    record: Record = build(server.ctx, server.clock)
    case_id = record.ids["C"]
    for path in ("/", "/decisions", f"/decisions/{case_id}", "/stats", "/log", "/policy"):
        p.goto(server.origin + path + "?lang=en")
        assert p.locator("html").get_attribute("lang") == "en" and direction(p) == "ltr"
        audit(p)
        p.goto(server.origin + path + "?lang=fa")
        assert p.locator("html").get_attribute("dir") == "rtl"
        assert direction(p) == "rtl"
        audit(p)
    assert p.locator("svg.chart").count() == 0  # the last page was the policy
    p.goto(server.origin + "/stats")
    assert p.locator("svg.chart").count() == 5
    watch.check(server.origin)


def test_the_language_switcher_and_keyboard_focus(server: Server, page: tuple[Any, Watch]) -> None:
    p, watch = page
    p.goto(server.origin + "/?lang=en")
    audit(p)
    p.keyboard.press("Tab")
    assert p.evaluate("document.activeElement.className") == "skip"
    p.get_by_role("link", name="فارسی").click()
    p.wait_for_load_state()
    assert direction(p) == "rtl" and "lang=fa" in p.url
    p.get_by_role("link", name="تصمیم‌ها").first.click()
    p.wait_for_load_state()
    assert direction(p) == "rtl"  # the choice is remembered without the query
    watch.check(server.origin)


def test_the_author_replies_through_the_form(server: Server, page: tuple[Any, Watch]) -> None:
    p, watch = page
    filed = file_case(server.ctx, server.people.platform_id, language="fa")
    p.goto(f"{server.origin}/cases/{filed.case_id}?lang=fa")
    assert direction(p) == "rtl"
    audit(p)
    p.get_by_label("توکن شما").fill(filed.author_token)
    p.get_by_role("button", name="ورود").click()
    p.wait_for_load_state()
    assert p.get_by_text("HAR-1").count() >= 1
    statement = "این یک شعار اعتراضی است، نه آزار."
    p.get_by_label("اظهارات شما").fill(statement)
    p.locator("#evidence").set_input_files(
        [{"name": "evidence.png", "mimeType": "image/png", "buffer": _png()}]
    )
    p.get_by_role("button", name="پاسخم را بفرست").click()
    p.wait_for_load_state()
    audit(p)
    assert p.get_by_text("پاسخ شما ثبت شد").count() == 1
    with server.ctx.store.transaction() as tx:
        case = tx.get_case(filed.case_id)
    assert case is not None and case.reply is not None and case.reply.statement == statement
    assert case.state.value == "voting" and len(case.reply.evidence) == 1
    # the evidence is shown blurred until opened, without a script
    image = p.locator("details.reveal img").first
    image.wait_for()
    assert p.evaluate("document.querySelector('details.reveal img').complete")
    assert "blur" in image.evaluate("e => getComputedStyle(e).filter")
    p.locator("details.reveal summary").first.click()
    assert image.evaluate("e => getComputedStyle(e).filter") == "none"
    watch.check(server.origin)


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buf, "PNG")
    return buf.getvalue()


PASSWORD = "a long juror passphrase"


def juror_sign_in(p: Any, server: Server, juror_id: str, *, lang: str = "en") -> None:
    """The first sign-in: the one-time link an administrator issued, then a password."""
    link = accounts.issue_signin_link(server.ctx, juror_id)
    p.goto(f"{link}?lang={lang}")
    audit(p)
    p.locator("#password").fill(PASSWORD)
    p.locator("#again").fill(PASSWORD)
    p.locator("form[action='/juror/link'] button[type=submit]").click()
    p.wait_for_load_state()
    assert p.url.split("?")[0].endswith("/juror"), p.url
    audit(p)


def test_a_juror_recuses_through_the_form(server: Server, page: tuple[Any, Watch]) -> None:
    p, watch = page
    filed = file_case(server.ctx, server.people.platform_id)
    author = Principal(kind="party", subject=filed.case_id, party_id="author")
    proceedings.reply(server.ctx, filed.case_id, author, "Context.", evidence=[_png()])
    with server.ctx.store.transaction() as tx:
        case = tx.get_case(filed.case_id)
    assert case is not None and case.panel is not None
    juror_id = case.panel.chosen[0]
    juror_sign_in(p, server, juror_id)
    p.get_by_role("link", name=filed.case_id).click()
    p.wait_for_load_state()
    audit(p)
    assert p.locator("details.reveal img").count() == 1  # the author's evidence
    p.get_by_label("The conflict").fill("I know the author.")
    p.get_by_role("button", name="Recuse myself").click()
    p.wait_for_load_state()
    assert p.get_by_text("another juror has been drawn in your place").count() == 1
    with server.ctx.store.transaction() as tx:
        after = tx.get_case(filed.case_id)
    assert after is not None and after.panel is not None
    assert juror_id not in after.panel.chosen and after.panel.recused() == [juror_id]
    watch.check(server.origin)


def test_a_juror_signs_in_and_votes_through_the_form(
    server: Server, page: tuple[Any, Watch]
) -> None:
    p, watch = page
    filed = file_case(server.ctx, server.people.platform_id)
    author = Principal(kind="party", subject=filed.case_id, party_id="author")
    proceedings.reply(server.ctx, filed.case_id, author, None, waive=True)
    with server.ctx.store.transaction() as tx:
        case = tx.get_case(filed.case_id)
    assert case is not None and case.panel is not None
    juror_id = case.panel.chosen[0]
    juror_sign_in(p, server, juror_id)
    p.get_by_role("link", name=filed.case_id).click()
    p.wait_for_load_state()
    audit(p)
    p.get_by_label("Yes: the post breaks a rule").check()
    p.locator("#rule-HAR-1").check()
    for part in ("legality", "legitimate_aim", "necessity", "proportionality"):
        p.locator(f"#test_{part}").fill(f"{part}: yes")
    assert p.locator("#lesser textarea").count() == 6  # every rung until a remedy is chosen
    p.get_by_role("radio", name="Label or interstitial").check()
    # htmx (served from the package) swaps in only the rungs below the remedy chosen
    # (a locator assertion polls without eval, which the page's CSP rightly forbids)
    from playwright.sync_api import expect

    expect(p.locator("#lesser textarea")).to_have_count(2)
    assert p.locator("#lesser_reduced_distribution").count() == 0
    p.locator("#lesser_no_action").fill("Readers would be misled.")
    p.locator("#lesser_context_note").fill("A note is too easy to miss.")
    p.get_by_label("Your reasons").fill("Targeted abuse of a private person.")
    p.get_by_role("button", name="Cast my sealed vote").click()
    p.wait_for_load_state()
    audit(p)
    assert p.get_by_text("Your vote is cast and sealed").count() == 1
    with server.ctx.store.transaction() as tx:
        after = tx.get_case(filed.case_id)
    assert after is not None
    (vote,) = after.votes
    assert vote.juror_id == juror_id and vote.ballot.remedy.value == "label"
    assert p.locator("code.hash").first.inner_text() == vote.commitment()
    watch.check(server.origin)


def test_the_vote_form_works_without_javascript(browser: Any, server: Server) -> None:
    filed = file_case(server.ctx, server.people.platform_id)
    author = Principal(kind="party", subject=filed.case_id, party_id="author")
    proceedings.reply(server.ctx, filed.case_id, author, None, waive=True)
    with server.ctx.store.transaction() as tx:
        case = tx.get_case(filed.case_id)
    assert case is not None and case.panel is not None
    juror_id = case.panel.chosen[0]
    context = browser.new_context(java_script_enabled=False)
    p = context.new_page()
    requests: list[str] = []
    p.on("request", lambda r: requests.append(r.url))
    juror_sign_in_plain(p, server, juror_id)
    p.goto(f"{server.origin}/juror/cases/{filed.case_id}")
    p.locator("#violation-yes").check()
    p.locator("#rule-HAR-1").check()
    for part in ("legality", "legitimate_aim", "necessity", "proportionality"):
        p.locator(f"#test_{part}").fill(f"{part}: yes")
    p.locator("#remedy-label").check()
    assert p.locator("#lesser textarea").count() == 6  # nothing swapped without a script
    p.locator("#lesser_no_action").fill("Readers would be misled.")
    p.locator("#lesser_context_note").fill("A note is too easy to miss.")
    p.locator("#reasons").fill("Targeted abuse of a private person.")
    p.locator(f"form[action='/juror/cases/{filed.case_id}/vote'] button[type=submit]").click()
    p.wait_for_load_state()
    assert p.get_by_text("Your vote is cast and sealed").count() == 1
    assert not any("htmx" in u or "/lesser" in u for u in requests)
    context.close()


def juror_sign_in_plain(p: Any, server: Server, juror_id: str) -> None:
    """:func:`juror_sign_in` without the audit (for a page without JavaScript)."""
    p.goto(accounts.issue_signin_link(server.ctx, juror_id))
    p.locator("#password").fill(PASSWORD)
    p.locator("#again").fill(PASSWORD)
    p.locator("form[action='/juror/link'] button[type=submit]").click()
    p.wait_for_load_state()


def test_the_static_mirror_opens_from_file_and_its_links_work(
    server: Server, page: tuple[Any, Watch], tmp_path: Path
) -> None:
    p, watch = page
    record = build(server.ctx, server.clock)
    out = tmp_path / "mirror"
    export_site(server.ctx, out)
    origin = out.resolve().as_uri()
    p.goto(origin + "/index.html")
    audit(p)
    p.get_by_role("link", name="Decisions").first.click()
    p.wait_for_load_state()
    assert p.url.endswith("/decisions.html")
    p.get_by_role("link", name=record.ids["C"]).click()
    p.wait_for_load_state()
    assert p.url.endswith(f"/decisions/{record.ids['C']}.html")
    assert p.get_by_role("heading", level=1).inner_text().endswith(record.ids["C"])
    p.get_by_role("link", name="فارسی").click()
    p.wait_for_load_state()
    assert p.url.endswith(f"/fa/decisions/{record.ids['C']}.html") and direction(p) == "rtl"
    audit(p)
    p.get_by_role("link", name="آمار").click()
    p.wait_for_load_state()
    assert p.locator("svg.chart").count() == 5
    stylesheet = p.evaluate("getComputedStyle(document.querySelector('.brand')).fontWeight")
    assert stylesheet == "700"  # the stylesheet loaded through its relative link
    watch.check(origin)
