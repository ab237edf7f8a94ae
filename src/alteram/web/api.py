"""The JSON API under ``/api/v1``. Handlers are thin: parse, call one service, render."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from alteram.domain.case import Case, CaseState
from alteram.domain.policy_file import policy_to_public_dict
from alteram.domain.vote import Ballot
from alteram.errors import Forbidden, InvalidInput, OutOfOrder
from alteram.services import proceedings, seal
from alteram.services.accounts import (
    JUROR,
    PLATFORM,
    Principal,
    authenticate,
    cached_principal,
)
from alteram.services.campaign import campaign_of
from alteram.services.context import Context
from alteram.services.intake import GroupCommit, Item
from alteram.services.reports import Filed, ReportRequest
from alteram.web import bodies
from alteram.web.media import image_response
from alteram.web.views import case_view, ruling_view

router = APIRouter(prefix="/api/v1")


async def get_ctx(request: Request) -> Context:
    # async: FastAPI runs a plain ``def`` dependency in a worker thread, one hop per request
    ctx: Context = request.app.state.ctx
    return ctx


def intake(request: Request) -> GroupCommit:
    """Concurrent report requests share commits (see :class:`GroupCommit`)."""
    committer: GroupCommit = request.app.state.intake
    return committer


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


async def _authenticate(ctx: Context, token: str | None) -> Principal:
    """A token the cache knows is answered on the event loop; any other is looked up in a
    worker thread (the database read never blocks the loop)."""
    cached = cached_principal(ctx, token)
    return cached if cached is not None else await to_thread.run_sync(authenticate, ctx, token)


async def optional_principal(
    ctx: Annotated[Context, Depends(get_ctx)],
    authorization: Annotated[str | None, Header()] = None,
) -> Principal | None:
    token = _bearer(authorization)
    return await _authenticate(ctx, token) if token else None


async def principal(
    ctx: Annotated[Context, Depends(get_ctx)],
    authorization: Annotated[str | None, Header()] = None,
) -> Principal:
    return await _authenticate(ctx, _bearer(authorization))


Ctx = Annotated[Context, Depends(get_ctx)]
Who = Annotated[Principal, Depends(principal)]
MaybeWho = Annotated[Principal | None, Depends(optional_principal)]


class EvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data: str = Field(min_length=1, description="An image, base64 (JPEG, PNG, WebP or GIF).")


class ReplyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    statement: str | None = Field(default=None, max_length=50_000)
    waive: bool = False
    evidence: list[EvidenceIn] = Field(
        default=[], max_length=10, description="Up to 10 images kept as the author's evidence."
    )


class RecusalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=5_000)


class AppealRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grounds: str = Field(min_length=1, max_length=50_000)


@router.get("/policy", tags=["public"])
def get_policy(ctx: Ctx) -> dict[str, Any]:
    """The standard in force: categories, remedies, deadlines, panel sizes, jurisdictions."""
    return policy_to_public_dict(ctx.policy)


_REPORT_BODY = bodies.openapi_body(ReportRequest, "report")


async def _report_body(request: Request) -> ReportRequest:
    """The report from a JSON body, or from a multipart form with its files."""
    return await bodies.parse(request, ReportRequest, "report")


MAX_IDEMPOTENCY_KEY = 200
# The headers of POST /api/v1/reports, declared for the OpenAPI document: the handler
# reads them itself (FastAPI's dependency solving cost more than the rest of a request).
_REPORT_HEADERS = [
    {
        "name": "idempotency-key",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "maxLength": MAX_IDEMPOTENCY_KEY},
        "description": "A repeated key returns the first answer (a different report: 409).",
    },
    {"name": "authorization", "in": "header", "required": False, "schema": {"type": "string"}},
]


@router.post(
    "/reports",
    status_code=202,
    tags=["platform"],
    openapi_extra={"requestBody": _REPORT_BODY, "parameters": _REPORT_HEADERS},
)
async def post_report(request: Request) -> JSONResponse:
    """File a report (platform token), as JSON (media base64 in ``content.media``) or as a
    multipart form (the report as JSON in ``report``, files in ``media``). Joins the open
    case for the content, or opens one. Committed before the reply; a repeated
    ``Idempotency-Key`` returns the first answer."""
    filed = await file_report(
        await get_ctx(request),
        intake(request),
        request.headers.get("authorization"),
        request.headers.get("idempotency-key"),
        lambda: _report_body(request),
    )
    return report_response(filed)


async def file_report(
    ctx: Context,
    committer: GroupCommit,
    authorization: str | None,
    idempotency_key: str | None,
    read_body: Callable[[], Awaitable[ReportRequest]],
) -> Filed:
    """``POST /api/v1/reports``, whichever way the request came in (this route, or
    :class:`alteram.web.report_route.ReportRoute` for JSON bodies): the token is checked
    before the body is read, then the report is filed and committed."""
    who = await principal(ctx, authorization)
    who.require(PLATFORM)
    if idempotency_key is not None and len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
        raise InvalidInput(
            f"Idempotency-Key is at most {MAX_IDEMPOTENCY_KEY} characters",
            field="Idempotency-Key",
        )
    body = await read_body()
    return await committer.file(Item(who.subject, body, idempotency_key))


def report_response(filed: Filed) -> JSONResponse:
    """The 202 answer to a filed report (both routes answer with this)."""
    content = {
        "report_id": filed.report_id,
        "case_id": filed.case_id,
        "case_state": filed.case_state,
    }
    headers = {"Idempotent-Replayed": "true"} if filed.replayed else None
    return JSONResponse(content, status_code=202, headers=headers)


def _load(ctx: Context, case_id: str) -> tuple[Case, list[dict[str, Any]]]:
    """The case as of now (see ``proceedings.current_case``) and its reports."""
    case = proceedings.current_case(ctx, case_id)
    with ctx.store.read() as tx:
        return case, tx.reports_for(case_id)


@router.get("/cases/{case_id}", tags=["public"])
def get_case(case_id: str, ctx: Ctx, who: MaybeWho) -> dict[str, Any]:
    """The case, with what the caller may see (``viewer`` says which view)."""
    case, reports = _load(ctx, case_id)
    view = case_view(case, who, reports)
    view["campaign"] = campaign_of(ctx, case_id).model_dump()
    return view


@router.get("/cases/{case_id}/media/{sha256}", tags=["evidence"])
def get_media(case_id: str, sha256: str, ctx: Ctx, who: Who) -> Response:
    """A media file of the case (the content's, or evidence sent with the author's reply),
    re-encoded without metadata (no EXIF, no GPS), for the filing platform, the parties
    and the case's jurors only."""
    case, _ = _load(ctx, case_id)
    return image_response(ctx, case, who, sha256)


@router.get("/cases/{case_id}/notices", tags=["platform"])
def get_notices(case_id: str, ctx: Ctx, who: Who) -> dict[str, Any]:
    """The notices the filing platform must deliver, each with the party's capability link."""
    case, _ = _load(ctx, case_id)
    if who.kind != PLATFORM or who.subject != case.content.platform:
        raise Forbidden("only the platform that filed the case receives its notices")
    with ctx.store.read() as tx:
        rows = seal.opened(ctx, tx.notices_for(case_id))
    if case.dispute is not None:  # the platform is the respondent: only its own notices
        rows = [r for r in rows if r["party_id"] == "platform"]
    return {
        "case_id": case_id,
        "notices": [
            {
                "party": r["role"],
                "party_id": r["party_id"],
                "handle": r["handle"],
                "token": r["token"],
                "url": r["url"],
                "text": r["text"],
                "created_at": r["created_at"],
                "emailed_at": r["emailed_at"],
            }
            for r in rows
        ],
    }


@router.post("/cases/{case_id}/reply", tags=["author"])
def post_reply(case_id: str, body: ReplyRequest, ctx: Ctx, who: Who) -> dict[str, Any]:
    """The author's statement, or ``{"waive": true}``. Closes the hearing; a panel is drawn.
    Images sent in ``evidence`` (base64) are stored once, re-encoded, and shown to the
    panel; a bad file is refused (422 naming ``evidence.{i}.data``) and nothing is saved."""
    case = proceedings.reply(
        ctx, case_id, who, body.statement, body.waive, [e.data for e in body.evidence]
    )
    return {"case_id": case.id, "state": case.state.value, "round": case.round}


@router.post("/cases/{case_id}/recusal", tags=["juror"])
def post_recusal(case_id: str, body: RecusalRequest, ctx: Ctx, who: Who) -> dict[str, Any]:
    """A juror on the current panel who has not voted declares a conflict. One
    replacement is drawn, verifiably, from the eligible pool; with nobody eligible the
    recusal is refused (409 ``panel_unavailable``). The reason stays private."""
    who.require(JUROR)
    case = proceedings.recuse(ctx, case_id, who.subject, body.reason)
    panel = case.panel
    assert panel is not None
    replacement = panel.replacements[-1]
    return {
        "case_id": case.id,
        "round": panel.round,
        "recused": replacement.recused,
        "replacement": replacement.model_dump(mode="json"),
        "chosen": panel.chosen,
    }


@router.get("/jurors/me/cases", tags=["juror"])
def my_cases(ctx: Ctx, who: Who) -> dict[str, Any]:
    """Cases where the juror sits on the panel and has not voted, or votes are still sealed."""
    who.require(JUROR)
    with ctx.store.read() as tx:
        seats = tx.open_seats(who.subject)
    return {
        "juror_id": who.subject,
        "cases": [{"case_id": s.case_id, "state": s.state, "round": s.round} for s in seats],
    }


@router.post("/cases/{case_id}/votes", status_code=201, tags=["juror"])
def post_vote(case_id: str, ballot: Ballot, ctx: Ctx, who: Who) -> dict[str, Any]:
    """A sealed, structured vote from a juror on the current panel."""
    who.require(JUROR)
    case = proceedings.cast_vote(ctx, case_id, who.subject, ballot)
    panel = case.panel
    assert panel is not None
    return {
        "case_id": case.id,
        "round": panel.round,
        "votes_cast": len(case.votes_in(panel.round)),
        "panel_size": panel.size,
        "state": case.state.value,
        "sealed": not case.revealed(panel.round),
    }


@router.get("/cases/{case_id}/ruling", tags=["public"])
def get_ruling(case_id: str, ctx: Ctx) -> dict[str, Any]:
    """The latest ruling with its statement of reasons and revealed votes; earlier ones too."""
    case, _ = _load(ctx, case_id)
    if not case.rulings:
        raise OutOfOrder(
            f"case {case_id} has no ruling yet: it is {case.state.value}"
            + (
                f"; the hearing runs until {case.reply_deadline.isoformat()}"
                if case.state is CaseState.AWAITING_REPLY
                else ""
            )
        )
    latest = ruling_view(case.rulings[-1], case)
    latest["earlier"] = [ruling_view(r, case) for r in case.rulings[:-1]]
    latest["state"] = case.state.value
    return latest


@router.post("/cases/{case_id}/appeals", status_code=201, tags=["author", "reporter"])
def post_appeal(case_id: str, body: AppealRequest, ctx: Ctx, who: Who) -> dict[str, Any]:
    """Either party appeals once, within the window, to a larger panel of fresh jurors."""
    case = proceedings.appeal(ctx, case_id, who, body.grounds)
    return {"case_id": case.id, "state": case.state.value, "round": case.round}
