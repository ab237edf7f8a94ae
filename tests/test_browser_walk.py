"""One case walked through the browser, every role by its own pages: the author replies
in Persian with an image as evidence; three jurors sign in (one-time link, password)
and vote; the ruling appears on the public page; the reporter appeals; the appeal
panel signs in and rules. Every page visited passes :func:`browser_kit.audit` (axe-core,
weight, right to left) and the request/console watch; screenshots of the main pages are
saved (``ALTERAM_SCREENSHOTS=docs/screenshots`` to refresh the README's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from alteram.services import accounts
from alteram.services.context import Context
from browser_kit import audit, screenshot
from pages_kit import file_case
from test_browser_pages import (  # noqa: F401  (fixtures)
    PASSWORD,
    Server,
    Watch,
    _png,
    browser,
    juror_sign_in,
    page,
    server,
)


def _case(ctx: Context, case_id: str) -> Any:
    with ctx.store.read() as tx:
        case = tx.get_case(case_id)
    assert case is not None
    return case


def _open(p: Any, url: str) -> None:
    p.goto(url)
    audit(p)


def _vote_no_violation(p: Any, server: Server, case_id: str, reasons: str) -> None:
    p.get_by_role("link", name=case_id).click()
    audit(p)
    p.locator("#violation-no").check()
    p.locator("#reasons").fill(reasons)
    p.locator(f"form[action='/juror/cases/{case_id}/vote'] button[type=submit]").click()
    audit(p)
    assert "done=vote" in p.url


def _sign_out(p: Any) -> None:
    p.locator("form[action='/juror/signout'] button").click()
    p.wait_for_load_state()


def test_the_audit_catches_a_serious_violation(server: Server, page: tuple[Any, Watch]) -> None:
    p, _ = page
    p.goto(server.origin + "/")
    audit(p)
    p.evaluate(
        "document.querySelector('main').append(Object.assign(document.createElement"
        "('img'), {src: '/static/none.png'}))"
    )
    with pytest.raises(AssertionError, match="image-alt"):
        audit(p)


def test_one_case_through_every_role(
    server: Server, page: tuple[Any, Watch], tmp_path: Path
) -> None:
    p, watch = page
    o, ctx = server.origin, server.ctx
    for lang in ("en", "fa"):
        _open(p, f"{o}/?lang={lang}")
        screenshot(p, f"home-{lang}", tmp_path)
    filed = file_case(
        ctx,
        server.people.platform_id,
        language="fa",
        text="زن، زندگی، آزادی. این شعار را دوباره روی دیوار دانشگاه نوشتیم.",
    )

    # the author, in Persian, replies with an image as evidence
    _open(p, f"{o}/cases/{filed.case_id}?lang=fa")
    p.get_by_label("توکن شما").fill(filed.author_token)
    p.get_by_role("button", name="ورود").click()
    audit(p)
    screenshot(p, "author-fa", tmp_path)
    p.get_by_label("اظهارات شما").fill("این یک شعار اعتراضی است، نه آزار.")
    p.locator("#evidence").set_input_files(
        [{"name": "evidence.png", "mimeType": "image/png", "buffer": _png()}]
    )
    p.get_by_role("button", name="پاسخم را بفرست").click()
    audit(p)
    case = _case(ctx, filed.case_id)
    assert case.state.value == "voting" and len(case.reply.evidence) == 1
    first = list(case.panel.chosen)
    assert len(first) == 3

    # three jurors sign in and vote: a one-time link, then (second juror) the password
    for i, juror_id in enumerate(first):
        juror_sign_in(p, server, juror_id, lang="fa" if i == 0 else "en")
        if i == 1:
            _sign_out(p)
            _open(p, f"{o}/juror?lang=en")
            p.locator("#juror_id").fill(juror_id)
            p.locator("#password").fill(PASSWORD)
            p.locator("form[action='/juror/signin/password'] button").click()
            audit(p)
            assert p.get_by_role("link", name=filed.case_id).count() == 1
        if i == 0:
            p.get_by_role("link", name=filed.case_id).click()
            audit(p)
            screenshot(p, "juror-case-fa", tmp_path)
            p.goto(f"{o}/juror?lang=fa")
        _vote_no_violation(p, server, filed.case_id, f"Juror {i + 1}: a protest slogan.")
        _sign_out(p)
    assert _case(ctx, filed.case_id).state.value == "ruled"

    # the ruling on the public page
    for lang in ("en", "fa"):
        _open(p, f"{o}/decisions/{filed.case_id}?lang={lang}")
        assert p.locator("strong.outcome.no_violation").count() >= 1
        screenshot(p, f"decision-{lang}", tmp_path)
    _open(p, f"{o}/decisions?lang=en")
    assert p.get_by_role("link", name=filed.case_id).count() == 1

    # the reporter appeals
    reporter = p.context.browser.new_context(viewport={"width": 1000, "height": 800})
    from browser_kit import install_axe

    install_axe(reporter)
    r = reporter.new_page()
    r.on("request", lambda req: watch.requests.append(req.url))
    r.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    _open(r, f"{o}/cases/{filed.case_id}?lang=en")
    r.get_by_label("Your token").fill(filed.reporter_token)
    r.get_by_role("button", name="Sign in").click()
    audit(r)
    r.get_by_label("Your grounds of appeal").fill("The panel missed the repeated messages.")
    r.get_by_role("button", name="Appeal the ruling").click()
    audit(r)
    reporter.close()
    case = _case(ctx, filed.case_id)
    assert case.state.value == "appeal_voting"
    appeal_panel = list(case.panel.chosen)
    assert len(appeal_panel) == 5 and not set(appeal_panel) & set(first)

    # the appeal panel signs in and rules
    for i, juror_id in enumerate(appeal_panel):
        juror_sign_in(p, server, juror_id)
        _vote_no_violation(p, server, filed.case_id, f"Appeal juror {i + 1}: still protest.")
        _sign_out(p)
    case = _case(ctx, filed.case_id)
    assert case.state.value == "final" and len(case.rulings) == 2
    _open(p, f"{o}/decisions/{filed.case_id}?lang=en")
    assert p.get_by_text("final").count() >= 1

    # the administrator's pages, and the 404 page, in both languages
    admin = accounts.create_admin_token(ctx)
    _open(p, f"{o}/admin?lang=en")
    p.get_by_label("Your token").fill(admin)
    p.get_by_role("button", name="Sign in").click()
    audit(p)
    for path in ("jurors", "platforms", "policy", "jurisdictions"):
        for lang in ("en", "fa"):
            _open(p, f"{o}/admin/{path}?lang={lang}")
    _open(p, f"{o}/admin/jurisdictions?lang=en")
    screenshot(p, "admin-jurisdictions-en", tmp_path)
    for lang in ("en", "fa"):
        p.goto(f"{o}/no/such/page?lang={lang}")
        audit(p)
    watch.errors = [e for e in watch.errors if "404" not in e]  # the 404 page's own status
    watch.check(o)
