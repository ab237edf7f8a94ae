"""The ASGI application."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI

from alteram import __version__
from alteram.services.context import Context
from alteram.services.intake import GroupCommit
from alteram.services.outbox import send_pending
from alteram.services.proceedings import advance_due
from alteram.web import (
    api,
    apidocs,
    disputes,
    errors,
    intake,
    log,
    orders,
    pages,
    public,
    standing,
    standing_appeals,
)
from alteram.web.freshness import PolicyRefresh
from alteram.web.headers import SecurityHeaders
from alteram.web.limits import BodyLimit
from alteram.web.report_route import ReportRoute

logger = logging.getLogger("alteram")


async def _timer(ctx: Context, every: float) -> None:
    """Apply due deadlines and send due e-mail every ``every`` seconds (idempotent; safe
    beside workers). Both run in a worker thread, never on the request path."""
    while True:
        try:
            await anyio.to_thread.run_sync(advance_due, ctx)
        except Exception:
            logger.exception("deadline tick failed; retrying next tick")
        try:
            await anyio.to_thread.run_sync(send_pending, ctx)
        except Exception:
            logger.exception("e-mail tick failed; retrying next tick")
        await asyncio.sleep(every)


def tune_gc() -> None:
    """For a serving process: what was loaded at start (modules, policy, app) is never
    scanned by the cyclic garbage collector again, and young objects are collected
    less often. A batch of 1,000 reports allocates millions of short-lived objects;
    with the default thresholds the collector's full passes cost about a third of it."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


def create_app(
    ctx: Context,
    *,
    max_body_bytes: int = 1_000_000,
    max_report_bytes: int = 32_000_000,
    tick_seconds: float = 0,
) -> FastAPI:
    """Build the app around a :class:`Context`. ``tick_seconds > 0`` runs the timer loop."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        tune_gc()
        task = asyncio.create_task(_timer(ctx, tick_seconds)) if tick_seconds > 0 else None
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(
        title="alteram",
        version=__version__,
        description=(
            "Due-process content moderation: notice, hearing, a verifiable random panel, "
            "a published human-rights standard, the least restrictive remedy, appeal."
        ),
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        # alteram exports no telemetry (request spans would carry case and party URLs);
        # FastAPI's own would also look up the OpenTelemetry providers on every request
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.ctx = ctx
    app.state.intake = GroupCommit(ctx)
    errors.install(app)
    app.include_router(api.router)
    app.include_router(intake.router)
    app.include_router(standing.router)
    app.include_router(standing_appeals.router)
    app.include_router(disputes.router)
    app.include_router(orders.router)
    app.include_router(public.router)
    app.include_router(log.router)
    app.include_router(pages.router)  # the web pages, including GET /
    apidocs.install(app)

    # innermost of the app's middleware: JSON reports skip the framework's routing
    app.add_middleware(ReportRoute, ctx=ctx, committer=app.state.intake)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes, batch_bytes=max_report_bytes)
    app.add_middleware(PolicyRefresh, ctx=ctx)
    app.add_middleware(SecurityHeaders)
    return app
