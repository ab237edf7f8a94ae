"""Every request sees the policy version in force, also one another process published
(:func:`alteram.services.policies.refresh`, at most one look per second)."""

from __future__ import annotations

import time

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from alteram.services.context import Context
from alteram.services.policies import refresh


class PolicyRefresh:
    def __init__(self, app: ASGIApp, ctx: Context) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ctx = self.ctx
        if (
            scope["type"] == "http"
            and time.monotonic() - ctx.policy_checked_at >= ctx.policy_refresh_seconds
        ):
            await run_in_threadpool(refresh, ctx)
        await self.app(scope, receive, send)
