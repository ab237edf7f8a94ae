"""The legal orders in the static mirror, opened from ``file://`` in a real browser:
the menu's "Legal orders", the list, an order's page, and its Persian twin; every
page passes :func:`browser_kit.audit` (axe-core, right to left) and loads nothing
from outside the mirror."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alteram.services import accounts, orders
from alteram.services.orders import OrderRequest
from alteram.site import export_site
from browser_kit import audit
from test_browser_pages import (  # noqa: F401  (fixtures)
    Server,
    Watch,
    browser,
    direction,
    page,
    server,
)
from test_orders import order_body


def test_the_mirror_has_the_refused_order_in_both_languages(
    server: Server, page: tuple[Any, Watch], tmp_path: Path
) -> None:
    p, watch = page
    ctx = server.ctx
    _, token = accounts.create_authority(ctx, "Tehran Prosecutor's Office", "IR")
    body = OrderRequest.model_validate(order_body("IR-PENAL-514", "IR"))
    sent = orders.submit(ctx, accounts.authenticate(ctx, token), body)
    out = tmp_path / "mirror"
    export_site(ctx, out)
    origin = out.resolve().as_uri()
    p.goto(origin + "/index.html")
    audit(p)
    p.get_by_role("link", name="Legal orders").first.click()
    p.wait_for_load_state()
    assert p.url.endswith("/orders.html")
    audit(p)
    assert p.locator("form").count() == 0
    p.get_by_role("link", name=sent.order_id).click()
    p.wait_for_load_state()
    assert p.url.endswith(f"/orders/{sent.order_id}.html")
    audit(p)
    assert p.get_by_text("IR-PENAL-514").count() >= 1
    p.get_by_role("link", name="فارسی").click()
    p.wait_for_load_state()
    assert p.url.endswith(f"/fa/orders/{sent.order_id}.html") and direction(p) == "rtl"
    audit(p)
    watch.check(origin)
