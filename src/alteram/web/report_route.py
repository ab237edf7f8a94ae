"""``POST /api/v1/reports`` with a JSON body, answered as plain ASGI.

The busiest request alteram takes: platforms send one per user report, many at once.
The framework's routing, dependency solving, request and response objects cost more
server time than filing the report (which shares a commit with its neighbours, see
:class:`alteram.services.intake.GroupCommit`), so a JSON report is answered here, by
the same code as the FastAPI route (:func:`alteram.web.api.file_report`) with the
same answers and errors. It sits inside the app's own middleware (security headers,
policy refresh, body limit) and Starlette's server-error handler, so those apply as
to every route. Multipart forms, every other method and every other path go on to
the framework; the route there stays the documented one (OpenAPI).
"""

from __future__ import annotations

from pydantic import ValidationError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from alteram.errors import AlteramError
from alteram.services.context import Context
from alteram.services.intake import GroupCommit
from alteram.services.reports import ReportRequest
from alteram.web.api import file_report, report_response
from alteram.web.errors import invalid_input

PATH = "/api/v1/reports"
_FORMS = (b"multipart/form-data", b"application/x-www-form-urlencoded")


class _Gone(Exception):
    """The client went away (or the body limit answered) before the body was read."""


class ReportRoute:
    def __init__(self, app: ASGIApp, ctx: Context, committer: GroupCommit) -> None:
        self.app = app
        self.ctx = ctx
        self.committer = committer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or _route(scope) != PATH:
            await self.app(scope, receive, send)
            return
        found: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            if name in (b"authorization", b"idempotency-key", b"content-type"):
                found.setdefault(name, value)  # the first, as Starlette's headers.get
        if found.get(b"content-type", b"").startswith(_FORMS):
            await self.app(scope, receive, send)
            return
        auth, key = found.get(b"authorization"), found.get(b"idempotency-key")

        async def read_body() -> ReportRequest:
            try:
                return ReportRequest.model_validate_json(await _body(receive))
            except ValidationError as exc:
                raise invalid_input(exc.errors()) from None

        try:
            filed = await file_report(
                self.ctx,
                self.committer,
                auth.decode("latin-1") if auth is not None else None,
                key.decode("latin-1") if key is not None else None,
                read_body,
            )
            response = report_response(filed)
        except AlteramError as exc:  # as the app's handler renders it
            response = JSONResponse(exc.to_dict(), status_code=exc.status)
        except _Gone:
            return
        await response(scope, receive, send)


def _route(scope: Scope) -> str:
    """The path within the app, as the router matches it: behind ``--root-path`` the
    ASGI ``path`` starts with the root path."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


async def _body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Gone
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)
