"""The public pages: home, decisions, a decision, statistics, the log, the policy.

Each handler gathers the page's data with :func:`*_data` (shared with the static
mirror, :mod:`alteram.site`) and renders it. Nothing here needs a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from alteram.domain.policy import Policy
from alteram.errors import AlteramError, InvalidInput, NotFound
from alteram.services import decisions, policies, stats
from alteram.services import log as log_service
from alteram.services.context import Context
from alteram.services.disputes import dispute_view
from alteram.web.pages import charts
from alteram.web.pages import orders as order_pages
from alteram.web.pages.errors import error_page
from alteram.web.pages.render import get_ctx, page
from alteram.web.views import ruling_view

router = APIRouter(include_in_schema=False)
LATEST_ON_HOME = 5
PAGE_SIZE = 50


# -- the data of each page (also used by the static mirror) ----------------------------------


def home_data(ctx: Context) -> dict[str, Any]:
    figures = stats.compute(ctx)
    latest = decisions.list_decisions(ctx, decisions.parse_filter(ctx), LATEST_ON_HOME)
    return {"total": figures["total"], "latest": latest.rows, "titles": category_titles(ctx.policy)}


def category_titles(policy: Policy) -> dict[str, str]:
    return {c.id: c.title for c in policy.categories}


def rule_texts(policy: Policy) -> dict[str, str]:
    return {r.id: r.text for c in policy.categories for r in c.rules}


def pseudonyms(case_rulings: list[dict[str, Any]]) -> dict[str, str]:
    """Juror A, B, C … in order of first appearance across the case's rulings."""
    names: dict[str, str] = {}
    for ruling in case_rulings:
        for vote in ruling["votes"]:
            if vote["juror_id"] not in names:
                n = len(names)
                names[vote["juror_id"]] = chr(ord("A") + n) if n < 26 else str(n + 1)
    return names


def decision_data(ctx: Context, case_id: str) -> dict[str, Any]:
    d = decisions.get_decision(ctx, case_id)
    rulings = [ruling_view(r, d.case) for r in d.case.rulings]
    policy = policies.policy_for(ctx, d.case.policy_version)  # the rules it was judged by
    return {
        "row": d.row,
        "case": d.case,
        "rulings": rulings,
        "latest": rulings[-1],
        "earlier": rulings[:-1],
        "names": pseudonyms(rulings),
        "timeline": d.timeline,
        "inclusion": d.inclusion.to_dict() if d.inclusion else None,
        "titles": category_titles(policy),
        "rules": rule_texts(policy),
        "policy": policy,
        "dispute": dispute_view(d.case, private=False),
    }


def stats_data(ctx: Context, lang: str) -> dict[str, Any]:
    figures = stats.compute(ctx)
    return {
        "figures": figures,
        "charts": charts.all_charts(figures, lang),
        "titles": category_titles(ctx.policy),
        "order_outcomes": order_pages.OUTCOMES,
    }


def log_data(ctx: Context) -> dict[str, Any]:
    note = log_service.checkpoint(ctx)
    lines = note.split("\n")
    return {
        "checkpoint": note,
        "origin": lines[0] if lines else "",
        "size": int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else 0,
        "root": lines[2] if len(lines) > 2 else "",
        "key": log_service.verifier_key(ctx),
    }


@dataclass(frozen=True)
class Filters:
    category: str = ""
    outcome: str = ""
    remedy: str = ""
    jurisdiction: str = ""
    language: str = ""
    from_: str = ""
    to: str = ""
    q: str = ""

    def params(self) -> dict[str, str]:
        out = {k: v for k, v in self.__dict__.items() if v and k != "from_"}
        if self.from_:
            out["from"] = self.from_
        return out

    @property
    def active(self) -> bool:
        return bool(self.params())


# -- the routes ---------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return page(request, "home.html", current="home", **home_data(get_ctx(request)))


@router.get("/decisions", response_class=HTMLResponse)
def decisions_page(
    request: Request,
    category: Annotated[str, Query(max_length=64)] = "",
    outcome: Annotated[str, Query(max_length=32)] = "",
    remedy: Annotated[str, Query(max_length=32)] = "",
    jurisdiction: Annotated[str, Query(max_length=8)] = "",
    language: Annotated[str, Query(max_length=16)] = "",
    from_: Annotated[str, Query(alias="from", max_length=32)] = "",
    to: Annotated[str, Query(max_length=32)] = "",
    q: Annotated[str, Query(max_length=1000)] = "",
    cursor: Annotated[str, Query(max_length=500)] = "",
) -> HTMLResponse:
    ctx = get_ctx(request)
    f = Filters(category, outcome, remedy, jurisdiction, language, from_, to, q)
    rows: list[dict[str, Any]] = []
    next_cursor: str | None = None
    problem: AlteramError | None = None
    try:
        parsed = decisions.parse_filter(
            ctx,
            category=category or None,
            outcome=outcome or None,
            remedy=remedy or None,
            jurisdiction=jurisdiction or None,
            language=language or None,
            ruled_from=from_ or None,
            ruled_to=to or None,
            q=q or None,
        )
        found = decisions.list_decisions(ctx, parsed, PAGE_SIZE, cursor or None)
        rows, next_cursor = found.rows, found.next
    except InvalidInput as exc:
        problem = exc
    return page(
        request,
        "decisions.html",
        current="decisions",
        status=problem.status if problem else 200,
        rows=rows,
        filters=f,
        next_cursor=next_cursor,
        first_page=not cursor,
        problem=problem,
        titles=category_titles(ctx.policy),
        policy=ctx.policy,
        pages=None,
    )


@router.get("/decisions/{case_id}", response_class=HTMLResponse)
def decision_page(request: Request, case_id: str) -> HTMLResponse:
    ctx = get_ctx(request)
    try:
        data = decision_data(ctx, case_id)
    except NotFound as exc:
        return error_page(request, exc)
    return page(request, "decision.html", current="decision", params={"case_id": case_id}, **data)


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request) -> HTMLResponse:
    from alteram.web.pages.render import language

    return page(
        request, "stats.html", current="stats", **stats_data(get_ctx(request), language(request))
    )


@router.get("/log", response_class=HTMLResponse)
def log_page(request: Request) -> HTMLResponse:
    return page(request, "log.html", current="log", **log_data(get_ctx(request)))


@router.get("/policy", response_class=HTMLResponse)
def policy_page(request: Request) -> HTMLResponse:
    ctx = get_ctx(request)
    return page(
        request,
        "policy.html",
        current="policy",
        policy=ctx.policy,
        versions=policies.versions(ctx),
    )


@router.get("/policy/versions/{version}.yaml")
def policy_version_text(request: Request, version: str) -> Response:
    """A published version's YAML text, byte for byte (its SHA-256 is on the log)."""
    try:
        text = policies.version_text(get_ctx(request), version)
    except AlteramError as exc:
        return error_page(request, exc)
    return PlainTextResponse(
        text,
        media_type="text/yaml; charset=utf-8",
        headers={"cache-control": "public, max-age=3600"},
    )
