"""Benchmarks: `make bench`.

Each scenario is timed against a baseline measured in the same run: one durable
SQLite commit of one small row per operation (the floor under any acknowledged
report). The table prints operations per second and the ratio to that
baseline, so numbers compare across machines.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import fingerprint
import intake
import log_store
import tlog_core
from sqlalchemy import insert

from alteram.domain.panel import draw
from alteram.domain.policy_file import load_default_policy
from alteram.services import accounts
from alteram.services.context import Context
from alteram.services.reports import ReportRequest, file_report
from alteram.storage import migrate
from alteram.storage import tables as t
from alteram.storage.store import Store

N = 300


def _ctx(tmp: Path, name: str) -> Context:
    url = f"sqlite:///{tmp / name}.db"
    migrate.upgrade(url)
    return Context(store=Store(url), policy=load_default_policy())


def _report(external_id: str, reporter: str) -> ReportRequest:
    return ReportRequest.model_validate(
        {
            "content": {
                "platform_id": external_id,
                "url": f"https://forum.example/p/{external_id}",
                "author": {"handle": "@author@forum.example"},
                "text": "Woman, life, freedom",
                "language": "fa",
            },
            "category": "incitement",
            "explanation": "reported",
            "reporter": {"handle": reporter},
        }
    )


def timed(fn: Callable[[int], None], n: int) -> float:
    """Best of three runs, in operations per second."""
    rates = []
    for _ in range(3):
        start = time.perf_counter()
        fn(n)
        rates.append(n / (time.perf_counter() - start))
    return max(rates)


def main() -> int:
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        base = _ctx(tmp, "baseline")
        now = datetime.now(UTC)

        def baseline(n: int) -> None:
            for i in range(n):
                with base.store.transaction() as tx:
                    tx.conn.execute(
                        insert(t.events).values(
                            case_id=f"b{i}", type="x", at=now, hash="0" * 64, payload="{}"
                        )
                    )

        floor = timed(baseline, N)
        rows.append(("baseline: one durable commit", floor))

        ctx = _ctx(tmp, "reports")
        platform_id, _ = accounts.create_platform(ctx, "forum.example")
        counter = iter(range(10**9))

        def new_content(n: int) -> None:
            for _ in range(n):
                i = next(counter)
                file_report(ctx, platform_id, _report(f"post-{i}", f"u{i}"))

        def mass_report(n: int) -> None:
            for _ in range(n):
                i = next(counter)
                file_report(ctx, platform_id, _report("viral", f"fresh{i}"))

        rows.append(("file report: new content (opens case)", timed(new_content, N)))
        rows.append(("file report: joins a mass-reported case", timed(mass_report, N)))

        ids = [f"j{i:04x}" for i in range(5000)]

        def draws(n: int) -> None:
            for i in range(n):
                draw(f"c{i}", 1, "ab" * 32, ids, 3)

        rows.append(("panel draw from a pool of 5000", timed(draws, 50)))
        for ctx_ in (base, ctx):
            ctx_.store.dispose()

    print("== due process (SQLite), against one durable commit per operation")
    print(f"{'scenario':45} {'ops/s':>10} {'x baseline':>11}")
    for name, rate in rows:
        print(f"{name:45} {rate:10.1f} {rate / floor:11.2f}")
    print(f"(median ratio {statistics.median(r / floor for _, r in rows):.2f}; N={N})")

    n = int(os.environ.get("ALTERAM_BENCH_LOG_N", "1000000"))
    print(
        f"\n== transparency log core at {n:,} leaves (in memory; pymerkle measured in the same run)"
    )
    for scenario, value, unit in tlog_core.run(n):
        print(f"{scenario:<52} {value:>14,.1f} {unit}")
    print(f"\n== persisted log at {n:,} leaves (SQLite, WAL, synchronous=FULL)")
    print(f"{'scenario':52} {'value':>14} {'unit':10} {'target':>12}")
    for scenario, value, unit, target in log_store.run(n):
        print(f"{scenario:52} {value:>14,.1f} {unit:10} {target:>12}")

    print(
        "\n== a burst of reports over HTTP (uvicorn in its own process on loopback, SQLite, "
        "synchronous commits), against one-row transactions"
    )
    print(f"{'scenario':52} {'value':>14} {'unit':10} {'x baseline':>11} {'target':>12}")
    burst = int(os.environ.get("ALTERAM_BENCH_BURST_N", "100000"))
    burst_rows = intake.run(burst, 1_000, 4_000)
    one_row = burst_rows[0][1]
    for scenario, value, unit, target in burst_rows:
        ratio = f"{value / one_row:11.2f}" if unit.endswith("/s") else f"{'':11}"
        print(f"{scenario:52} {value:>14,.1f} {unit:10} {ratio} {target:>12}")

    print("\n== fingerprints: PDQ and the precedent index (single thread)")
    print(f"{'scenario':52} {'value':>14} {'unit':10} {'target':>12}")
    for scenario, value, unit, target in fingerprint.run():
        print(f"{scenario:52} {value:>14,.3f} {unit:10} {target:>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
