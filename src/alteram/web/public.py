"""The public record under ``/api/v1``: decisions and statistics. No token needed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from alteram.services import decisions, stats
from alteram.services.disputes import dispute_view
from alteram.web.api import Ctx
from alteram.web.views import ruling_view

router = APIRouter(prefix="/api/v1")


def decision_view(row: dict[str, Any]) -> dict[str, Any]:
    """One row of the ``decisions`` read model as the API shows it."""
    return {
        "case_id": row["case_id"],
        "state": row["state"],
        "round": row["round"],
        "final": row["final"],
        "category": row["category"],
        "outcome": row["outcome"],
        "remedy": row["remedy"],
        "jurisdictions": row["jurisdictions"],
        "language": row["language"],
        "opened_at": row["opened_at"],
        "ruled_at": row["ruled_at"],
        "report_count": row["report_count"],
        "appealed": row["appealed"],
        "reversed": row["reversed"],
        "interim_applied": row["interim_applied"],
        "interim_outcome": row["interim_outcome"],
        "policy_version": row["policy_version"],
        "reasons": row["reasons"],
        "link": f"/api/v1/decisions/{row['case_id']}",
        # a ruling on a legal order: the order's public record (docs/orders.md)
        "order": f"/api/v1/orders/{row['order_id']}" if row.get("order_id") else None,
    }


@router.get("/decisions", tags=["public"])
def list_decisions(
    ctx: Ctx,
    category: Annotated[str | None, Query(max_length=64)] = None,
    outcome: Annotated[str | None, Query(max_length=32)] = None,
    remedy: Annotated[str | None, Query(max_length=32)] = None,
    jurisdiction: Annotated[str | None, Query(max_length=8)] = None,
    language: Annotated[str | None, Query(max_length=16)] = None,
    from_: Annotated[str | None, Query(alias="from", max_length=32)] = None,
    to: Annotated[str | None, Query(max_length=32)] = None,
    q: Annotated[str | None, Query(max_length=1000)] = None,
    limit: Annotated[int, Query(ge=1, le=decisions.MAX_LIMIT)] = decisions.DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    """Published decisions, newest ruling first; filter, search the reasons (`q`), page
    with `cursor` = the previous page's `next`."""
    f = decisions.parse_filter(
        ctx,
        category=category,
        outcome=outcome,
        remedy=remedy,
        jurisdiction=jurisdiction,
        language=language,
        ruled_from=from_,
        ruled_to=to,
        q=q,
    )
    page = decisions.list_decisions(ctx, f, limit, cursor)
    return {"decisions": [decision_view(r) for r in page.rows], "next": page.next}


@router.get("/decisions/{case_id}", tags=["public"])
def get_decision(case_id: str, ctx: Ctx) -> dict[str, Any]:
    """One decision: its ruling, the case's entries in the public log, and an inclusion
    proof of the ruling's log entry against the current tree size."""
    d = decisions.get_decision(ctx, case_id)
    latest = d.case.rulings[-1]
    return {
        **decision_view(d.row),
        "ruling": ruling_view(latest, d.case),
        "earlier": [ruling_view(r, d.case) for r in d.case.rulings[:-1]],
        "timeline": d.timeline,
        "log_index": d.inclusion.log_index if d.inclusion else None,
        "inclusion": d.inclusion.to_dict() if d.inclusion else None,
        "dispute": dispute_view(d.case, private=False),
    }


@router.get("/stats", tags=["public"])
def get_stats(ctx: Ctx) -> dict[str, Any]:
    """Cases, reports, decisions, remedies, time to ruling, appeals, interim measures and
    reports per case, per month and in total (definitions in docs/api.md)."""
    return stats.compute(ctx)
