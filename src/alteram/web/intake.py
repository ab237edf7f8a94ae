"""``POST /api/v1/reports:batch``: up to 1,000 reports in one request, one transaction.

The body is a JSON array of report objects (the body of ``POST /api/v1/reports``,
each with an optional ``idempotency_key``), or NDJSON (one object per line, with
``Content-Type: application/x-ndjson``). Every item gets its own answer, in
order: ``{"index", "status": 202, "report_id", "case_id", "case_state"}`` or
``{"index", "status": 4xx, "error": {"code", "message", "field"}}``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import pydantic_core
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from alteram.errors import AlteramError, InvalidInput
from alteram.services.accounts import PLATFORM, Principal
from alteram.services.context import Context
from alteram.services.intake import MAX_BATCH, Item, file_batch
from alteram.services.reports import Filed, ReportRequest
from alteram.web.api import get_ctx, principal
from alteram.web.errors import invalid_input

router = APIRouter(prefix="/api/v1", tags=["platform"])
_ALL_VALID = TypeAdapter(list[ReportRequest])


def _valid_array(raw: bytes, content_type: str) -> list[ReportRequest] | None:
    """A JSON array of valid reports without idempotency keys (the common batch), read and
    validated in one pass by pydantic-core; ``None`` for anything else (NDJSON, a key, an
    invalid item), which the item-by-item path answers, each error on its own item."""
    if "ndjson" in content_type or "jsonlines" in content_type:
        return None
    try:
        return _ALL_VALID.validate_json(raw)
    except ValidationError:
        return None


def _parse(raw: bytes, content_type: str) -> list[Any]:
    try:
        if "ndjson" in content_type or "jsonlines" in content_type:
            return [json.loads(line) for line in raw.splitlines() if line.strip()]
        items = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidInput("the body is not valid JSON (or NDJSON)") from None
    if not isinstance(items, list):
        raise InvalidInput("the body must be a JSON array of reports (or NDJSON)")
    return items


def _error(index: int, exc: AlteramError) -> dict[str, Any]:
    return {"index": index, "status": exc.status, **exc.to_dict()}


def _validation_error(index: int, exc: ValidationError) -> dict[str, Any]:
    return _error(index, invalid_input(exc.errors()))


def _check_items(
    items: list[Any], platform_id: str, answers: list[dict[str, Any] | None]
) -> list[tuple[int, Item]]:
    """The valid items, by index; each invalid one gets its error in ``answers``."""
    valid: list[tuple[int, Item]] = []
    for index, raw_item in enumerate(items):
        if not isinstance(raw_item, dict):
            answers[index] = _error(index, InvalidInput("each item must be a JSON object"))
            continue
        fields = dict(raw_item)
        key = fields.pop("idempotency_key", None)
        try:
            body = ReportRequest.model_validate(fields)
        except ValidationError as exc:
            answers[index] = _validation_error(index, exc)
            continue
        if key is not None and (not isinstance(key, str) or not 0 < len(key) <= 200):
            answers[index] = _error(
                index,
                InvalidInput("idempotency_key is 1 to 200 characters", field="idempotency_key"),
            )
            continue
        valid.append((index, Item(platform_id, body, key)))
    return valid


@router.post(
    "/reports:batch",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "array", "items": ReportRequest.model_json_schema()}
                },
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
)
async def post_batch(
    request: Request,
    ctx: Annotated[Context, Depends(get_ctx)],
    who: Annotated[Principal, Depends(principal)],
) -> Response:
    """File up to 1,000 reports at once (platform token); each item answered on its own."""
    who.require(PLATFORM)
    raw = await request.body()
    content_type = request.headers.get("content-type", "")
    fast = _valid_array(raw, content_type)
    items: list[Any] = _parse(raw, content_type) if fast is None else fast
    if not items:
        raise InvalidInput("the batch is empty")
    if len(items) > MAX_BATCH:
        raise InvalidInput(f"a batch holds at most {MAX_BATCH} reports; this one has {len(items)}")
    answers: list[dict[str, Any] | None] = [None] * len(items)
    if fast is not None:
        valid = [(index, Item(who.subject, body)) for index, body in enumerate(fast)]
    else:
        valid = _check_items(items, who.subject, answers)
    if valid:
        from anyio import to_thread

        results = await to_thread.run_sync(file_batch, ctx, [item for _, item in valid])
        for (index, _), result in zip(valid, results, strict=True):
            if isinstance(result, Filed):
                answers[index] = {
                    "index": index,
                    "status": 202,
                    "report_id": result.report_id,
                    "case_id": result.case_id,
                    "case_state": result.case_state,
                    "replayed": result.replayed,
                }
            else:
                answers[index] = _error(index, result)
    accepted = sum(1 for a in answers if a is not None and a["status"] == 202)
    # plain JSON values already: no jsonable_encoder pass, and pydantic-core's serializer
    # writes the same bytes as JSONResponse's json.dumps, about three times as fast
    answer = {"accepted": accepted, "rejected": len(answers) - accepted, "results": answers}
    return Response(pydantic_core.to_json(answer), media_type="application/json")
