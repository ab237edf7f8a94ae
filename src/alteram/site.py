"""``alteram export site DIR``: the public record as a static website.

Writes, in English (at the top) and in Persian (under ``fa/``): the home page,
the decisions (``decisions.html``, then ``decisions-2.html`` … in pages of
``PAGE_SIZE``), one page per decision (``decisions/{case_id}.html``), the
statistics, the log page with the latest signed checkpoint and the verifier
key, the policy, and the legal orders (``orders.html``, ``orders-2.html`` … and
one page per order, ``orders/{order_id}.html``, private persons redacted as on
the live pages); a dispute's public facts (platform, what it did, the
recommendation, the platform's compliance) are on its decision page; plus
``static/style.css``, ``checkpoint.txt`` and ``log-key.txt``. Every link is
relative and names its file, so the copy works
from ``file://`` (a USB stick), any static host, a mirror or an onion service.
No page has a script or a form. The pages are the live ones rendered with
:class:`~alteram.web.pages.render.Links` in static mode.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from alteram.errors import InvalidInput
from alteram.services import decisions, order_record, policies
from alteram.services.context import Context
from alteram.storage import decisions as store
from alteram.storage import orders as order_store
from alteram.web.pages import orders as orders_pages
from alteram.web.pages import public
from alteram.web.pages.i18n import LANGUAGES
from alteram.web.pages.render import Links, render

PAGE_SIZE = 100
Tick = Callable[[int], None]


def _no_tick(_: int) -> None:
    return None


def all_rows(ctx: Context) -> list[dict[str, Any]]:
    """Every decision row, newest ruling first."""
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    f = decisions.parse_filter(ctx)
    while True:
        found = decisions.list_decisions(ctx, f, decisions.MAX_LIMIT, cursor)
        rows += found.rows
        if found.next is None:
            return rows
        cursor = found.next


def all_orders(ctx: Context) -> list[dict[str, Any]]:
    """Every legal order as the public record shows it (as ``GET /orders``), newest
    first, in one read."""
    with ctx.store.read() as tx:
        platforms = order_store.platform_names(tx.conn)
        return [
            order_record.view(ctx, row, case, platforms) for row, case in order_store.every(tx.conn)
        ]


def chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, max(len(rows), 1), PAGE_SIZE):
        yield rows[start : start + PAGE_SIZE]


def count_files(ctx: Context) -> int:
    """How many pages :func:`export_site` writes (for the progress bar)."""
    with ctx.store.transaction() as tx:
        n = store.count(tx.conn)
        orders = order_store.count(tx.conn)
    list_pages = max((n + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    order_pages = max((orders + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return len(LANGUAGES) * (4 + list_pages + n + order_pages + orders)


def export_site(ctx: Context, out: Path, tick: Tick = _no_tick) -> int:
    """Write the static site into ``out`` (created if needed); return the files written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"cannot create {out}: {exc.strerror}", field="dir") from None
    written = 0

    def write(relative: str, text: str) -> None:
        nonlocal written
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written += 1

    style = importlib.resources.files("alteram.web").joinpath("static", "style.css")
    write("static/style.css", style.read_text(encoding="utf-8"))
    log = public.log_data(ctx)
    write("checkpoint.txt", log["checkpoint"])
    write("log-key.txt", log["key"] + "\n")
    rows = all_rows(ctx)
    orders = all_orders(ctx)
    decided = {row["case_id"] for row in rows}
    now = ctx.now()
    base = ctx.base_url.rstrip("/")
    titles = public.category_titles(ctx.policy)

    for lang in LANGUAGES:
        prefix = "" if lang == "en" else f"{lang}/"

        def page(
            template: str,
            current: str,
            path: str,
            params: dict[str, str] | None = None,
            *,
            lang: str = lang,
            prefix: str = prefix,
            **values: Any,
        ) -> None:
            links = Links(lang=lang, current=current, params=params or {}, static=True)
            html = render(
                template, lang, links=links, csrf="", now=now, base_url=base, static=True, **values
            )
            write(prefix + path, html)
            tick(1)

        page("home.html", "home", "index.html", **public.home_data(ctx))
        page("stats.html", "stats", "stats.html", **public.stats_data(ctx, lang))
        page("log.html", "log", "log.html", **log)
        versions = policies.versions(ctx)
        page("policy.html", "policy", "policy.html", policy=ctx.policy, versions=versions)
        pages = list(chunks(rows))
        for number, chunk in enumerate(pages, start=1):
            name = "decisions.html" if number == 1 else f"decisions-{number}.html"
            page(
                "decisions.html",
                "decisions",
                name,
                {"page": str(number)},
                rows=chunk,
                filters=public.Filters(),
                next_cursor=None,
                first_page=True,
                problem=None,
                titles=titles,
                policy=ctx.policy,
                pages={"count": len(pages), "current": number},
            )
        for row in rows:
            case_id = row["case_id"]
            page(
                "decision.html",
                "decision",
                f"decisions/{case_id}.html",
                {"case_id": case_id},
                **public.decision_data(ctx, case_id),
            )
        labels = orders_pages.labels()
        order_chunks = list(chunks(orders))
        for number, chunk in enumerate(order_chunks, start=1):
            page(
                "orders.html",
                "orders",
                "orders.html" if number == 1 else f"orders-{number}.html",
                {"page": str(number)},
                rows=chunk,
                total=len(orders),
                offset=0,
                page_size=PAGE_SIZE,
                filters={"outcome": "", "jurisdiction": ""},
                problem=None,
                policy=ctx.policy,
                pages={"count": len(order_chunks), "current": number},
                **labels,
            )
        for order in orders:
            page(
                "order.html",
                "order",
                f"orders/{order['order_id']}.html",
                {"order_id": order["order_id"]},
                order=order,
                sent=False,
                decided=decided,
                policy=ctx.policy,
                **labels,
            )
    return written
