"""The dispute API: a user files against a platform's decision (public); the platform
responds and later says what it did about the ruling."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from alteram.errors import NotFound
from alteram.services import disputes, proceedings
from alteram.services.disputes import ComplianceRequest, DisputeRequest, ResponseRequest
from alteram.web import bodies
from alteram.web.api import Ctx, Who

router = APIRouter(prefix="/api/v1", tags=["disputes"])

_DISPUTE_BODY = bodies.openapi_body(DisputeRequest, "dispute")


async def _dispute_body(request: Request) -> DisputeRequest:
    """The dispute from a JSON body, or from a multipart form with its files."""
    return await bodies.parse(request, DisputeRequest, "dispute")


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/disputes", status_code=201, openapi_extra={"requestBody": _DISPUTE_BODY})
async def post_dispute(request: Request, ctx: Ctx) -> JSONResponse:
    """File a dispute against a platform's decision (no token needed), as JSON (media
    base64 in ``content.media``) or multipart (the dispute as JSON in ``dispute``, files in
    ``media``). Committed before the reply, which carries the appellant's capability token
    once: keep it, it is the only way to follow the case."""
    body = await _dispute_body(request)
    filed = await to_thread.run_sync(disputes.file_dispute, ctx, body, client_ip(request))
    return JSONResponse(
        {
            "case_id": filed.case_id,
            "state": filed.state,
            "url": filed.url,
            "token": filed.token,
            "respond_by": filed.respond_by.isoformat(),
            "platform_registered": filed.registered,
            "precedent": filed.precedent,
        },
        status_code=201,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/disputes/{case_id}")
def get_dispute(case_id: str, ctx: Ctx) -> dict[str, Any]:
    """The public record of a dispute: platform, action, outcome, compliance."""
    case = proceedings.current_case(ctx, case_id)
    view = disputes.dispute_view(case, private=False)
    if view is None:
        raise NotFound(f"case {case_id} is not a dispute", field="case_id")
    return {"case_id": case.id, "state": case.state.value, **view}


@router.post("/disputes/{case_id}/response")
def post_response(case_id: str, body: ResponseRequest, ctx: Ctx, who: Who) -> dict[str, Any]:
    """The platform's statement, within the response window (the party token of its
    notice, or its platform token). Closes the hearing; a panel is drawn."""
    case = disputes.respond(ctx, case_id, who, body.statement)
    return {"case_id": case.id, "state": case.state.value, "round": case.round}


@router.post("/disputes/{case_id}/compliance")
def post_compliance(case_id: str, body: ComplianceRequest, ctx: Ctx, who: Who) -> dict[str, Any]:
    """The platform says whether it implemented the final recommendation, once, before
    the compliance deadline (after it: recorded as ``no_answer``)."""
    case = disputes.answer(ctx, case_id, who, body.compliance, body.note)
    assert case.dispute is not None and case.dispute.compliance is not None
    return {"case_id": case.id, "compliance": case.dispute.compliance.value}
