"""Legal orders under ``/api/v1/orders``: an authority (or the platform that received
an order) sends one; anyone reads the public record of every order."""

from __future__ import annotations

from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse, Response

from alteram.services import order_record, orders
from alteram.services.orders import OrderRequest
from alteram.web.api import Ctx, MaybeWho, Who

router = APIRouter(prefix="/api/v1/orders")


@router.post("", status_code=201, tags=["authority", "platform"])
async def post_order(
    body: OrderRequest,
    ctx: Ctx,
    who: Who,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    """Send a legal order (authority token, or the token of the platform that received
    it). The policy's jurisdictions table decides: under a provision it marks
    incompatible with international human-rights law the order is refused at once
    (``order_refused``) and published; otherwise a case in ``order`` mode opens, the
    author is heard and a panel may grant at most a geo-restriction in the issuing
    jurisdiction. Committed before the reply; a repeated ``Idempotency-Key`` with the
    same body returns the first answer (``Idempotent-Replayed: true``)."""
    done = await to_thread.run_sync(orders.submit, ctx, who, body, idempotency_key)
    return JSONResponse(
        {
            "order_id": done.order_id,
            "case_id": done.case_id,
            "state": done.state,
            "outcome": done.outcome.value,
            "compatible": done.compatible,
            "reasoning": done.reasoning,
            "link": f"/api/v1/orders/{done.order_id}",
        },
        status_code=201,
        headers={"Idempotent-Replayed": "true"} if done.replayed else None,
    )


@router.get("", tags=["public"])
def list_orders(
    ctx: Ctx,
    jurisdiction: Annotated[str | None, Query(max_length=8)] = None,
    outcome: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=order_record.MAX_LIMIT)] = order_record.DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Every order received, granted or refused, newest first: sender, recipient,
    jurisdiction, provision, measure requested and granted; private persons redacted."""
    page = order_record.list_orders(
        ctx, jurisdiction=jurisdiction, outcome_=outcome, limit=limit, offset=offset
    )
    return {"orders": page.rows, "total": page.total, "offset": offset, "limit": limit}


@router.get("/{order_id}", tags=["public"])
def get_order(order_id: str, ctx: Ctx, who: MaybeWho) -> dict[str, Any]:
    """One order's public record; its sender, recipient, author and panel also see
    ``as_sent`` (the unredacted reference and notes, the content's address)."""
    return order_record.get_order(ctx, order_id, who)


@router.get("/{order_id}/document", tags=["evidence"])
def get_order_document(order_id: str, ctx: Ctx, who: Who) -> Response:
    """The order document, for its sender, the recipient platform, the author and the
    case's jurors: a PDF exactly as received (as an attachment, never rendered here), or
    an image re-encoded without metadata."""
    data, kind = order_record.document(ctx, order_id, who)
    return document_response(order_id, data, kind)


def document_response(order_id: str, data: bytes, kind: str) -> Response:
    """A PDF as an attachment (never rendered by the browser here), an image inline."""
    pdf = kind == "application/pdf"
    return Response(
        data,
        media_type=kind,
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": f'attachment; filename="{order_id}.pdf"' if pdf else "inline",
        },
    )
