"""The dispute form: a user challenges a platform's decision from a phone, without
JavaScript, in English or Persian. On success the page shows the case's personal token
once, with the link of the status page (the party page, ``/cases/{case_id}``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from alteram.errors import AlteramError, InvalidInput
from alteram.services import disputes
from alteram.services.disputes import DisputeRequest
from alteram.web.pages.forms import checked_form, text
from alteram.web.pages.render import get_ctx, language, page
from alteram.web.pages.security import client_address

router = APIRouter(include_in_schema=False)
MAX_FILES = 10
FIELDS = (
    "platform",
    "action",
    "action_at",
    "platform_reason",
    "platform_reference",
    "category",
    "url",
    "author",
    "text",
    "statement",
    "jurisdiction",
    "contact_email",
    "language",
)


def _form_page(
    request: Request,
    values: dict[str, str] | None = None,
    problem: AlteramError | None = None,
    status: int = 200,
) -> Response:
    ctx = get_ctx(request)
    return page(
        request,
        "dispute_new.html",
        status=status,
        private=True,
        path="/disputes/new",
        values=values or {"language": language(request)},
        problem=problem,
        categories=ctx.policy.categories,
        jurisdictions=ctx.policy.jurisdictions,
    )


@router.get("/disputes/new")
def new(request: Request) -> Response:
    return _form_page(request)


def _invalid(exc: ValidationError) -> InvalidInput:
    first = exc.errors()[0]
    loc = [str(p) for p in first.get("loc", ())]
    field = ".".join(loc) or None
    if first.get("type") == "missing":
        return InvalidInput(f"{field} is required", field=field)
    return InvalidInput(f"{field}: {first.get('msg', '')}", field=field)


def _request(values: dict[str, str], files: list[bytes]) -> DisputeRequest:
    def opt(name: str) -> str | None:
        return values[name].strip() or None

    when: datetime | None = None
    if values["action_at"].strip():
        try:
            when = datetime.fromisoformat(values["action_at"].strip())
        except ValueError:
            raise InvalidInput("give the date as YYYY-MM-DD", field="action_at") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    data: dict[str, Any] = {
        "platform": values["platform"],
        "action": values["action"],
        "action_at": when,
        "platform_reason": opt("platform_reason"),
        "platform_reference": opt("platform_reference"),
        "category": opt("category"),
        "content": {
            "url": values["url"].strip(),
            "author": opt("author"),
            "text": opt("text"),
            "media": [{"data": _b64(f)} for f in files] or None,
        },
        "statement": values["statement"],
        "jurisdiction": opt("jurisdiction"),
        "contact_email": values["contact_email"].strip(),
        "language": values["language"].strip(),
    }
    try:
        return DisputeRequest.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc) from None


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def _file(request: Request, form: FormData) -> Response:
    ctx = get_ctx(request)
    values = {k: text(form, k) for k in FIELDS}
    files = [
        f.file.read()
        for f in form.getlist("media")
        if isinstance(f, UploadFile) and (f.filename or f.size)
    ]
    try:
        body = _request(values, files)
        filed = disputes.file_dispute(ctx, body, client_address(request))
    except AlteramError as exc:
        return _form_page(request, values, exc, exc.status)
    return page(
        request,
        "dispute_filed.html",
        status=201,
        private=True,
        path="/disputes/new",
        filed=filed,
    )


@router.post("/disputes/new")
async def submit(request: Request) -> Response:
    return await checked_form(request, _file, max_files=MAX_FILES)
