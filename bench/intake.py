"""A burst of reports over real HTTP (uvicorn on loopback), every one durable.

``run(n, contents)`` sends ``n`` reports on ``contents`` pieces of content:
through ``POST /api/v1/reports:batch`` (1,000 per request), and as single
``POST /api/v1/reports`` requests from 16 concurrent clients. It checks nothing
was lost (exactly ``contents`` cases, ``n`` reports) and prints, as the
baseline, a loop of one-row transactions on the same kind of database.
Rows are ``(scenario, value, unit, target)``.
"""

from __future__ import annotations

import hashlib
import socket
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import func, insert, select

from alteram.domain.policy_file import load_default_policy
from alteram.services import accounts
from alteram.services.context import Context
from alteram.storage import migrate
from alteram.storage import tables as t
from alteram.storage.store import Store
from alteram.web.app import create_app

Row = tuple[str, float, str, str]


def _report(i: int, contents: int) -> dict[str, Any]:
    post = i % contents
    return {
        "content": {
            "platform_id": f"post-{post}",
            "url": f"https://forum.example/p/{post}",
            "author": {"handle": f"@author{post}@forum.example"},
            # distinct texts: near-duplicate texts are one piece of content
            "text": hashlib.sha256(str(post).encode()).hexdigest(),
        },
        "category": "incitement",
        "explanation": "this incites",
        "reporter": {"handle": f"@fresh{i}@forum.example"},
    }


class _Server:
    def __init__(self, ctx: Context) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        config = uvicorn.Config(create_app(ctx), port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def _fresh(tmp: Path, name: str) -> tuple[Context, str]:
    url = f"sqlite:///{tmp / name}.db"
    migrate.upgrade(url)
    ctx = Context(store=Store(url), policy=load_default_policy())
    _, token = accounts.create_platform(ctx, "forum.example")
    return ctx, token


def _counts(ctx: Context) -> tuple[int, int]:
    with ctx.store.transaction() as tx:
        cases = tx.conn.execute(select(func.count()).select_from(t.cases)).scalar_one()
        reports = tx.conn.execute(select(func.count()).select_from(t.reports)).scalar_one()
    return int(cases), int(reports)


def run(n: int = 100_000, contents: int = 1_000, singles: int = 4_000) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        base, _ = _fresh(tmp, "baseline")
        start = time.perf_counter()
        for i in range(2000):
            with base.store.transaction() as tx:
                tx.conn.execute(
                    insert(t.reports).values(
                        id=f"b{i}",
                        case_id="c",
                        platform_id="p",
                        request_hash="h",
                        reporter="r",
                        category="incitement",
                        explanation="x",
                        received_at=base.now(),
                    )
                )
        rows.append(
            ("baseline: one-row transactions", 2000 / (time.perf_counter() - start), "rows/s", "-")
        )

        ctx, token = _fresh(tmp, "batch")
        auth = {"Authorization": f"Bearer {token}"}
        with _Server(ctx) as url, httpx.Client(base_url=url, headers=auth, timeout=300) as c:
            start = time.perf_counter()
            for first in range(0, n, 1000):
                body = [_report(i, contents) for i in range(first, min(n, first + 1000))]
                answer = c.post("/api/v1/reports:batch", json=body).json()
                assert answer["accepted"] == len(body), answer
            rate = n / (time.perf_counter() - start)
        assert _counts(ctx) == (contents, n), _counts(ctx)
        rows.append(
            (f"{n:,} reports on {contents:,} posts, :batch", rate, "reports/s", ">= 10,000")
        )

        ctx, token = _fresh(tmp, "singles")
        auth = {"Authorization": f"Bearer {token}"}
        with (
            _Server(ctx) as url,
            httpx.Client(
                base_url=url, headers=auth, timeout=300, limits=httpx.Limits(max_connections=16)
            ) as c,
        ):

            def send(i: int) -> int:
                return c.post("/api/v1/reports", json=_report(i, contents)).status_code

            start = time.perf_counter()
            with ThreadPoolExecutor(16) as pool:
                statuses = set(pool.map(send, range(singles)))
            rate = singles / (time.perf_counter() - start)
        assert statuses == {202}, statuses
        assert _counts(ctx) == (min(contents, singles), singles)
        rows.append(
            (f"{singles:,} single reports, 16 concurrent clients", rate, "reports/s", ">= 2,000")
        )
        for c_ in (base, ctx):
            c_.store.dispose()
    return rows


if __name__ == "__main__":
    for row in run(10_000, 1_000, 2_000):
        print(row)
