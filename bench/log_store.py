"""Benchmark of the persisted transparency log (SQLite, WAL, synchronous=FULL).

``run(n)`` fills a fresh database with ``n`` leaves in batches, then measures
inclusion and consistency proofs served from the stored tiles (median µs), and
a full ``alteram log verify`` of the database (every leaf, every stored hash,
the signed root). Rows are ``(scenario, value, unit, target)``.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from alteram.domain.policy_file import load_default_policy
from alteram.logcheck import db_source, verify_log
from alteram.services import log as log_service
from alteram.services.context import Context
from alteram.storage import migrate
from alteram.storage.store import Store

BATCH = 20_000
SAMPLES = 5000

Row = tuple[str, float, str, str]


def _leaf(i: int) -> bytes:
    return (
        b'{"at":"2026-11-24T12:00:00Z","case_id":"c%012x","category":"incitement",'
        b'"reporter":"%064x","type":"report_filed"}' % (i // 7, i)
    )


def run(n: int) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as d:
        url = f"sqlite:///{Path(d) / 'log.db'}"
        migrate.upgrade(url)
        store = Store(url)
        ctx = Context(store=store, policy=load_default_policy())
        start = time.perf_counter()
        for first in range(0, n, BATCH):
            batch = [_leaf(i) for i in range(first, min(n, first + BATCH))]
            with store.transaction() as tx:
                tx.log.append(batch)
        rate = n / (time.perf_counter() - start)
        rows.append((f"append {n:,} leaves, batches of {BATCH:,}", rate, "leaves/s", ">= 200,000"))

        rng = random.Random(1)
        for label in ("cold cache", "warm cache"):
            incl, cons = [], []
            with store.transaction() as tx:
                tx.log.inclusion_proof(0, n)  # learn the size
                for _ in range(SAMPLES):
                    i = rng.randrange(n)
                    t0 = time.perf_counter()
                    tx.log.inclusion_proof(i, n)
                    incl.append(time.perf_counter() - t0)
                    m = rng.randrange(1, n)
                    t0 = time.perf_counter()
                    tx.log.consistency_proof(m, n)
                    cons.append(time.perf_counter() - t0)
            for kind, times in (("inclusion", incl), ("consistency", cons)):
                median = statistics.median(times) * 1e6
                rows.append((f"{kind} proof from stored tiles, {label}", median, "µs", "<= 100"))

        key = log_service.verifier_key(ctx)
        log_service.checkpoint(ctx)
        start = time.perf_counter()
        verify_log(db_source(url, key))
        rows.append(
            (
                f"log verify {n:,} entries from the database",
                time.perf_counter() - start,
                "s",
                "<= 10",
            )
        )
        store.dispose()
    return rows
