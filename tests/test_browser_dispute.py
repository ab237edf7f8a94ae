"""A dispute filed in a real browser: the form at /disputes/new in Persian with an image,
the token shown once, the status page signed in with it, and the platform's response
on its own page. Every page visited passes :func:`browser_kit.audit` (axe-core, weight,
right to left) and the request/console watch (nothing leaves the server's origin)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from alteram.services import seal
from browser_kit import audit, screenshot
from test_browser_pages import (  # noqa: F401  (fixtures)
    Server,
    Watch,
    _png,
    browser,
    page,
    server,
)

STATEMENT = "این عکس‌ها گزارش یک تجمع آرام است؛ هیچ خشونتی در آن‌ها نیست."


def _case(server: Server, case_id: str) -> Any:
    with server.ctx.store.read() as tx:
        case = tx.get_case(case_id)
    assert case is not None
    return case


def test_a_dispute_is_filed_in_persian_with_an_image_and_followed(
    server: Server, page: tuple[Any, Watch], tmp_path: Path
) -> None:
    p, watch = page
    o = server.origin
    p.goto(f"{o}/disputes/new?lang=fa")
    audit(p)
    assert p.locator("html").get_attribute("dir") == "rtl"
    p.locator("#platform").fill("forum.example")
    p.locator("#action").select_option("removed")
    p.locator("#action_at").fill("2026-10-30")
    p.locator("#platform_reason").fill("Community guidelines: violence.")
    p.locator("#url").fill("https://forum.example/p/img-42")
    p.locator("#text").fill("عکس‌های تجمع دیشب جلوی دانشگاه")
    p.locator("#media").set_input_files(
        [{"name": "protest.png", "mimeType": "image/png", "buffer": _png()}]
    )
    p.locator("#statement").fill(STATEMENT)
    p.locator("#jurisdiction").select_option("IR")
    p.locator("#contact_email").fill("sahar@mail.example")
    assert p.locator("#language").input_value() == "fa"  # filled from the page's language
    p.locator("form[action='/disputes/new'] button[type=submit]").click()
    p.wait_for_load_state()
    audit(p)
    screenshot(p, "dispute-filed-fa", tmp_path)
    token = p.locator("#token-once code").inner_text().strip()
    assert token.startswith("alt_pa_")
    link = p.locator("main a[href^='/cases/']")
    case_id = re.sub(r"^/cases/", "", link.get_attribute("href") or "")
    case = _case(server, case_id)
    assert case.dispute is not None and case.dispute.statement == STATEMENT
    assert case.content.language == "fa" and len(case.content.media) == 1

    # the status page, from the link, signed in with the token
    link.click()
    p.wait_for_load_state()
    audit(p)
    p.get_by_label("توکن شما").fill(token)
    p.get_by_role("button", name="ورود").click()
    p.wait_for_load_state()
    audit(p)
    screenshot(p, "dispute-status-fa", tmp_path)
    assert p.locator("html").get_attribute("dir") == "rtl"
    assert p.locator("#dispute").count() == 1  # the platform's decision under dispute
    assert p.get_by_text(STATEMENT).count() == 1
    assert p.locator(f"img[src^='/cases/{case_id}/media/']").count() == 1
    assert p.locator(f"form[action='/cases/{case_id}/response']").count() == 0
    p.locator(f"form[action='/cases/{case_id}/signout'] button").click()
    p.wait_for_load_state()

    # the platform signs in with the token of its notice and responds on its page
    with server.ctx.store.read() as tx:
        rows = seal.opened(server.ctx, tx.notices_for(case_id))
    notices = [n for n in rows if n["party_id"] == "platform"]
    p.goto(f"{o}/cases/{case_id}?lang=fa")
    p.get_by_label("توکن شما").fill(str(notices[0]["token"]))
    p.get_by_role("button", name="ورود").click()
    p.wait_for_load_state()
    audit(p)
    p.locator("#response").fill("Our systems flagged the images during unrest.")
    p.locator(f"form[action='/cases/{case_id}/response'] button[type=submit]").click()
    p.wait_for_load_state()
    audit(p)
    assert "done=response" in p.url
    assert _case(server, case_id).state.value == "voting"
    watch.check(o)
