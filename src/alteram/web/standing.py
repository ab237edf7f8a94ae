"""Reporter standing (EU DSA Art. 23): the filing platform's notices and appeals."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from alteram.services import standing
from alteram.services.accounts import PLATFORM
from alteram.web.api import Ctx, Who

router = APIRouter(prefix="/api/v1/reporters", tags=["platform"])


class StandingAppeal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reporter: str = Field(min_length=1, max_length=500, description="The reporter's handle.")
    grounds: str = Field(min_length=1, max_length=50_000)


@router.get("/notices")
def get_reporter_notices(
    ctx: Ctx,
    who: Who,
    after: int = Query(0, ge=0, description="Only notices with a larger id (for paging)."),
    reporter: str | None = Query(None, max_length=500),
) -> dict[str, Any]:
    """Warnings, suspensions, appeal outcomes and reinstatements of this platform's
    reporters, oldest first (at most 1,000; page with ``after``)."""
    who.require(PLATFORM)
    rows = standing.reporter_notices(ctx, who.subject, after, reporter)
    return {
        "notices": [
            {
                "id": r["id"],
                "reporter": r["reporter"],
                "text": r["text"],
                "created_at": r["created_at"].isoformat(),
            }
            for r in rows
        ]
    }


@router.get("/standing")
def get_standing(
    ctx: Ctx,
    who: Who,
    reporter: str = Query(min_length=1, max_length=500, description="The reporter's handle."),
) -> dict[str, Any]:
    """One of this platform's reporters' standing now, with the counts it rests on."""
    who.require(PLATFORM)
    return standing.current(ctx, who.subject, reporter)


@router.post("/standing/appeal")
def post_standing_appeal(body: StandingAppeal, ctx: Ctx, who: Who) -> dict[str, Any]:
    """Appeal a reporter's suspension or warning (platform token): a recount, then a
    panel of jurors."""
    who.require(PLATFORM)
    return standing.appeal(ctx, who.subject, body.reporter, body.grounds)
