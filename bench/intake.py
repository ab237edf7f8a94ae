"""A burst of reports over real HTTP (uvicorn on loopback), every one durable.

``run(n, contents)`` sends ``n`` reports on ``contents`` pieces of content:
through ``POST /api/v1/reports:batch`` (1,000 per request), and as single
``POST /api/v1/reports`` requests from 16 concurrent clients. The server is a
separate process (``python intake.py serve URL PORT``, one uvicorn worker), so the
client does not share its interpreter; the single-report client is a small
asyncio HTTP/1.1 keep-alive client with its requests encoded up front, so it
costs the machine little beside the server. It checks nothing was lost (exactly
``contents`` cases, ``n`` reports) and prints, as the baseline, a loop of
one-row transactions on the same kind of database.
Rows are ``(scenario, value, unit, target)``.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select

from alteram.domain.policy_file import load_default_policy
from alteram.services import accounts
from alteram.services.context import Context
from alteram.storage import migrate
from alteram.storage import tables as t
from alteram.storage.store import Store

Row = tuple[str, float, str, str]
CLIENTS = 16


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


def serve(url: str, port: int) -> None:
    """The server process: one uvicorn worker on loopback, as ``alteram serve`` runs it."""
    import uvicorn

    from alteram.web.app import create_app

    ctx = Context(store=Store(url), policy=load_default_policy())
    uvicorn.run(create_app(ctx), host="127.0.0.1", port=port, log_level="warning")


class _Server:
    """``python intake.py serve URL PORT`` in its own process."""

    def __init__(self, url: str) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.url = url

    def __enter__(self) -> _Server:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "serve", self.url, str(self.port)],
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the bench server did not start") from None
                time.sleep(0.05)
        if os.environ.get("BENCH_PIDFILE"):
            Path(os.environ["BENCH_PIDFILE"]).write_text(str(self.proc.pid))
        return self

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu(self) -> float:
        return _cpu(self.proc)

    def __exit__(self, *_: object) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def _cpu(proc: subprocess.Popen[bytes]) -> float:
    """CPU seconds (user + system, all threads) the server process has used so far: what
    a report costs the server, whatever else the machine is running (Linux /proc)."""
    try:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _fresh(tmp: Path, name: str, **store: Any) -> tuple[Context, str, str]:
    url = f"sqlite:///{tmp / name}.db"
    migrate.upgrade(url)
    ctx = Context(store=Store(url, **store), policy=load_default_policy())
    _, token = accounts.create_platform(ctx, "forum.example")
    return ctx, token, url


def _counts(ctx: Context) -> tuple[int, int]:
    with ctx.store.transaction() as tx:
        cases = tx.conn.execute(select(func.count()).select_from(t.cases)).scalar_one()
        reports = tx.conn.execute(select(func.count()).select_from(t.reports)).scalar_one()
    return int(cases), int(reports)


def _request(port: int, token: str, body: dict[str, Any]) -> bytes:
    data = json.dumps(body).encode()
    head = (
        f"POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    )
    return head.encode() + data


async def _client(port: int, requests: list[bytes], statuses: list[int]) -> None:
    """One keep-alive connection sending its requests one after another."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for raw in requests:
            writer.write(raw)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            statuses.append(int(status_line.split()[1]))
    finally:
        writer.close()


async def _singles(port: int, requests: list[bytes]) -> list[int]:
    statuses: list[int] = []
    await asyncio.gather(*(_client(port, requests[k::CLIENTS], statuses) for k in range(CLIENTS)))
    return statuses


def wal_pages(tmp: Path, contents: int = 1_000, batch: int = CLIENTS) -> float:
    """The pages one commit writes to SQLite's WAL when ``batch`` single reports join open
    cases (opened ``batch`` at a time, as single reports open them): what a commit syncs,
    counted, so it compares across machines and days. Checkpoints are off, so the WAL
    holds every commit's pages."""
    from sqlalchemy import event

    from alteram.services.intake import Item, file_batch
    from alteram.services.reports import ReportRequest

    ctx, _, url = _fresh(tmp, "wal")
    ctx.store.engine.dispose()

    @event.listens_for(ctx.store.engine, "connect")
    def _no_checkpoints(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")

    with ctx.store.transaction() as tx:
        platform = tx.conn.execute(select(t.platforms.c.id)).scalar_one()
    items = [
        Item(platform, ReportRequest.model_validate(_report(i, contents)))
        for i in range(2 * contents)
    ]
    wal = Path(url.removeprefix("sqlite:///") + "-wal")
    sizes = []
    for first in range(0, len(items), batch):
        file_batch(ctx, items[first : first + batch])
        sizes.append(wal.stat().st_size)
    with wal.open("rb") as f:  # a WAL frame: a 24-byte header and one page
        page = 24 + int.from_bytes(f.read(12)[8:12], "big")
    ctx.store.dispose()
    joins = [b - a for a, b in itertools.pairwise(sizes[contents // batch :])]
    return statistics.median(joins) / page


def python_floor(tmp: Path, contents: int = 1_000, batches: int = 20) -> tuple[float, float]:
    """Microseconds per report of in-process ``file_batch`` (batches of ``contents``
    reports joining open cases): as it is, and with its inserts made no-ops (the reports,
    events, notices, tokens and parties never reach SQLite; the case updates and the
    log's own pages still do; a counterfactual). The second bounds what fewer rows could
    save: the rest is the Python side."""
    from alteram.services.intake import Item, file_batch
    from alteram.services.reports import ReportRequest
    from alteram.storage import reporters, store

    out = []
    for write in (True, False):
        ctx, _, _ = _fresh(tmp, f"floor-{write}")
        with ctx.store.transaction() as tx:
            platform = tx.conn.execute(select(t.platforms.c.id)).scalar_one()
        items = [
            Item(platform, ReportRequest.model_validate(_report(i, contents)))
            for i in range(contents * (batches + 1))
        ]
        file_batch(ctx, items[:contents])  # opens the cases, rows written
        saved = store.insert_rows, reporters.insert_rows
        if not write:
            store.insert_rows = reporters.insert_rows = lambda *_a, **_k: None  # type: ignore[assignment]
        try:
            start = time.perf_counter()
            for first in range(contents, len(items), contents):
                file_batch(ctx, items[first : first + contents])
            out.append((time.perf_counter() - start) / (contents * batches) * 1e6)
        finally:
            store.insert_rows, reporters.insert_rows = saved
            ctx.store.dispose()
    return out[0], out[1]


def run(n: int = 100_000, contents: int = 1_000, singles: int = 4_000) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        # SQLite's own checkpoint size (1,000 pages) for the baseline: a small commit
        # syncs faster into a WAL file it overwrites than into one that still grows, so
        # the service's larger size would only slow the baseline down
        base, _, _ = _fresh(tmp, "baseline", checkpoint_pages=1_000)
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
        floor = 2000 / (time.perf_counter() - start)
        rows.append(("baseline: one-row transactions", floor, "rows/s", "-"))

        ctx, token, db = _fresh(tmp, "batch")
        auth = {"Authorization": f"Bearer {token}"}
        bodies = [
            json.dumps([_report(i, contents) for i in range(first, min(n, first + 1000))])
            for first in range(0, n, 1000)
        ]
        with (
            _Server(db) as server,
            httpx.Client(
                base_url=server.base,
                headers={**auth, "Content-Type": "application/json"},
                timeout=300,
            ) as c,
        ):
            start, cpu = time.perf_counter(), server.cpu()
            for body in bodies:
                answer = c.post("/api/v1/reports:batch", content=body).json()
                assert answer["rejected"] == 0, answer
            rate = n / (time.perf_counter() - start)
            cpu = server.cpu() - cpu
        assert _counts(ctx) == (contents, n), _counts(ctx)
        rows.append(
            (f"{n:,} reports on {contents:,} posts, :batch", rate, "reports/s", ">= 10,000")
        )
        rows.append(("  server CPU per report (:batch)", cpu / n * 1e6, "us", "-"))

        ctx, token, db = _fresh(tmp, "singles")
        with _Server(db) as server:
            requests = [_request(server.port, token, _report(i, contents)) for i in range(singles)]
            start, cpu = time.perf_counter(), server.cpu()
            statuses = asyncio.run(_singles(server.port, requests))
            rate = singles / (time.perf_counter() - start)
            cpu = server.cpu() - cpu
        assert set(statuses) == {202} and len(statuses) == singles, set(statuses)
        assert _counts(ctx) == (min(contents, singles), singles)
        name = f"{singles:,} single reports, {CLIENTS} concurrent clients"
        rows.append((name, rate, "reports/s", ">= 2,000"))
        rows.append(("  server CPU per report (singles)", cpu / singles * 1e6, "us", "-"))
        rows.append(("  WAL pages per commit of 16 joining reports", wal_pages(tmp), "pages", "-"))
        written, floor_us = python_floor(tmp)
        rows.append(("  in-process :batch, per joining report", written, "us", "-"))
        rows.append(("  the same, its inserts skipped (counterfactual)", floor_us, "us", "-"))
        for c_ in (base, ctx):
            c_.store.dispose()
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        for row in run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000, 1_000, 2_000):
            print(row)
