"""The jurors' page for a suspension appeal they sit on (EU DSA Art. 20(6)): the
grounds, the reporter's counted reports, and the vote (through
:func:`alteram.services.standing_review.cast_vote`). The list is on ``/juror``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from alteram.domain.standing_panel import StandingVote
from alteram.errors import AlteramError, InvalidInput
from alteram.services import standing_review
from alteram.services.accounts import Principal
from alteram.web.pages.errors import error_page
from alteram.web.pages.forms import checked_form, see_other
from alteram.web.pages.forms import text as field
from alteram.web.pages.render import get_ctx, page
from alteram.web.pages.security import JUROR_AREA, current_principal

router = APIRouter(include_in_schema=False)


def _who(request: Request) -> Principal | None:
    return current_principal(get_ctx(request), request, JUROR_AREA)


def appeal_page(
    request: Request,
    appeal_id: str,
    who: Principal,
    *,
    problem: AlteramError | None = None,
    status: int = 200,
    values: dict[str, Any] | None = None,
) -> Response:
    ctx = get_ctx(request)
    file = standing_review.appeal_file(ctx, appeal_id, who.subject)
    now = ctx.now()
    may_vote = file["outcome"] is None and not file["my_vote"] and now < file["voting_deadline"]
    return page(
        request,
        "juror_standing.html",
        status=status,
        private=True,
        path=f"/juror/standing/{appeal_id}",
        who=who,
        appeal=file,
        may_vote=may_vote,
        problem=problem,
        values=values or {},
        done=request.query_params.get("done", ""),
    )


@router.get("/juror/standing/{appeal_id}")
def show(request: Request, appeal_id: str) -> Response:
    who = _who(request)
    if who is None:
        return see_other("/juror")
    try:
        return appeal_page(request, appeal_id, who)
    except AlteramError as exc:
        return error_page(request, exc)


def _vote(request: Request, appeal_id: str, form: FormData) -> Response:
    who = _who(request)
    if who is None:
        return see_other("/juror")
    values = {"decision": field(form, "decision"), "reasons": field(form, "reasons", 10_000)}
    try:
        try:
            vote = StandingVote(decision=values["decision"], reasons=values["reasons"])
        except ValidationError as exc:
            where = ".".join(str(p) for p in exc.errors()[0].get("loc", ()))
            what = "choose lift or uphold" if where == "decision" else "write your reasons"
            raise InvalidInput(what, field=where) from None
        standing_review.cast_vote(get_ctx(request), appeal_id, who.subject, vote)
    except AlteramError as exc:
        try:
            return appeal_page(
                request, appeal_id, who, problem=exc, status=exc.status, values=values
            )
        except AlteramError as again:
            return error_page(request, again)
    return see_other(f"/juror/standing/{appeal_id}?done=vote")


@router.post("/juror/standing/{appeal_id}/vote")
async def vote(request: Request, appeal_id: str) -> Response:
    return await checked_form(request, lambda r, f: _vote(r, appeal_id, f))
