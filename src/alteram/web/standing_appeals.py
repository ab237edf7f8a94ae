"""The jurors' side of a suspension appeal (EU DSA Art. 20(6)): the appeal file and the
vote of a panelist; see :mod:`alteram.services.standing_review`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from alteram.domain.standing_panel import StandingVote
from alteram.services import standing_review
from alteram.services.accounts import JUROR
from alteram.web.api import Ctx, Who

router = APIRouter(prefix="/api/v1", tags=["juror"])


@router.get("/jurors/me/standing-appeals")
def my_standing_appeals(ctx: Ctx, who: Who) -> dict[str, Any]:
    """Suspension appeals whose panel this juror sits on and which are not decided yet."""
    who.require(JUROR)
    return {"juror_id": who.subject, "appeals": standing_review.seats(ctx, who.subject)}


@router.get("/standing-appeals/{appeal_id}")
def get_standing_appeal(appeal_id: str, ctx: Ctx, who: Who) -> dict[str, Any]:
    """The appeal file for a juror on its panel: the grounds, the counts, the counted
    reports (case id, category, outcome), the draw, the juror's own vote; every vote
    with its reasons once decided."""
    who.require(JUROR)
    return standing_review.appeal_file(ctx, appeal_id, who.subject)


@router.post("/standing-appeals/{appeal_id}/votes", status_code=201)
def post_standing_vote(appeal_id: str, vote: StandingVote, ctx: Ctx, who: Who) -> dict[str, Any]:
    """A panelist's vote, ``lift`` or ``uphold``, with written reasons. The suspension is
    upheld only by a majority of the whole panel; a tie or a missing vote lifts it."""
    who.require(JUROR)
    return standing_review.cast_vote(ctx, appeal_id, who.subject, vote)
