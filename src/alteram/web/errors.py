"""The error tree rendered as HTTP: ``{"error": {"code", "message", "field"}}``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from alteram.errors import AlteramError, InvalidInput

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated"}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return {"error": body}


def _field(loc: tuple[Any, ...]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


def invalid_input(errors: Sequence[Any]) -> InvalidInput:
    """The first of pydantic's validation errors as the one error tree's 422, with the
    field it names (``content.url``) and a message that says what to fix."""
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    field = _field(tuple(first.get("loc", ())))
    msg = str(first.get("msg", "invalid"))
    if first.get("type") == "missing":
        msg = f"{field} is required" if field else "a required field is missing"
    elif first.get("type") == "json_invalid":
        # Its loc is the character position of the syntax error, not a field.
        field = None
        msg = "the body is not valid JSON"
    elif field:
        msg = f"{field}: {msg}"
    return InvalidInput(msg, field=field)


def install(app: FastAPI) -> None:
    @app.exception_handler(AlteramError)
    async def _alteram(_: Request, exc: AlteramError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        error = invalid_input(exc.errors())
        return JSONResponse(error.to_dict(), status_code=error.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and not request.url.path.startswith("/api/"):
            from alteram.web.pages.errors import not_found_page

            return not_found_page(request)  # a page, translated; the API keeps JSON
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = str(exc.detail) if exc.detail else code
        if exc.status_code == 404 and message == "Not Found":
            message = "no such resource; see /api/v1/docs for the API"
        return JSONResponse(error_body(code, message), status_code=exc.status_code)
