"""Refuse request bodies over the limit with a 413, before they are read whole."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alteram.web.errors import error_body


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, batch_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # reports and replies (which may carry media as evidence), and batches of reports
        self.batch_bytes = batch_bytes or max_bytes

    async def _reject(self, send: Send, limit: int) -> None:
        body = json.dumps(
            error_body("too_large", f"the request body is over {limit} bytes")
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        # reports, disputes and the author's reply (with its evidence) may carry images;
        # orders carry a document
        large = path.startswith(("/api/v1/reports", "/api/v1/disputes", "/disputes"))
        large = large or path.endswith("/reply")
        large = large or path in ("/api/v1/orders", "/orders/new")
        limit = self.batch_bytes if large else self.max_bytes
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await self._reject(send, limit)
                return
        seen = 0
        rejected = False

        async def limited() -> Message:
            nonlocal seen, rejected
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit and not rejected:
                    rejected = True
                    await self._reject(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not rejected:
                await send(message)

        try:
            await self.app(scope, limited, guarded_send)
        except Exception:
            if not rejected:
                raise
