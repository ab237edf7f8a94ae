"""Benchmark of the pure transparency-log core (``alteram.tlog``), in memory.

``run(n)`` returns ``(scenario, value, unit)`` rows measured at ``n`` leaves:

* the floor: plain ``hashlib.sha256(entry).digest()`` per second, and our
  ``leaf_hash`` (the same plus the 0x00 prefix);
* ``CompactRange.extend`` in batches (leaf hashing excluded, node creation
  included: it returns every new perfect node for the store to persist);
* ``root()`` over ``n`` leaf hashes;
* inclusion and consistency proof construction, median µs, from an in-memory
  ``{(level, index): hash}`` node store, planned and assembled the way a
  database store does it (``*_nodes`` → one fetch → ``assemble_*``);
* pymerkle (GPL-3.0, test extra) on the same entries in the same run: appends
  per second into its in-memory tree and inclusion proof median µs, with the
  ratios.

Standalone: ``python bench/tlog_core.py [n ...]``.
"""

from __future__ import annotations

import gc
import hashlib
import random
import statistics
import sys
import time
from collections.abc import Callable

from alteram.tlog import (
    CompactRange,
    assemble_consistency,
    assemble_inclusion,
    consistency_nodes,
    inclusion_nodes,
    leaf_hash,
    root,
    verify_inclusion,
)

BATCH = 1000
PROOF_SAMPLES = 2000
PYMERKLE_PROOF_SAMPLES = 300

Row = tuple[str, float, str]


def _entries(n: int) -> list[bytes]:
    """Log-entry-sized leaves (~80 bytes of canonical JSON)."""
    return [
        b'{"case":"c%07d","seq":%d,"type":"report_received","v":1}' % (i % 9_999_991, i)
        for i in range(n)
    ]


def _rate(n: int, fn: Callable[[], object], repeat: int = 3) -> float:
    """Best of ``repeat`` runs of ``fn`` (which handles ``n`` items), items per second."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return n / best


def _median_us(samples: list[Callable[[], object]]) -> float:
    times = []
    for fn in samples:
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def _extend_batches(hashes: list[bytes]) -> CompactRange:
    cr = CompactRange()
    for i in range(0, len(hashes), BATCH):
        cr.extend(hashes[i : i + BATCH])
    return cr


def run(n: int) -> list[Row]:
    rows: list[Row] = []
    entries = _entries(n)
    sha256 = hashlib.sha256

    floor = _rate(n, lambda: [sha256(e).digest() for e in entries])
    rows.append(("sha256 of each entry (floor)", floor, "leaves/s"))
    rows.append(("leaf_hash", _rate(n, lambda: [leaf_hash(e) for e in entries]), "leaves/s"))

    hashes = [leaf_hash(e) for e in entries]
    extend_rate = _rate(n, lambda: _extend_batches(hashes))
    rows.append((f"CompactRange.extend, batches of {BATCH}", extend_rate, "leaves/s"))
    rows.append(
        (
            "CompactRange.extend, one batch",
            _rate(n, lambda: CompactRange().extend(hashes)),
            "leaves/s",
        )
    )
    single = min(n, 200_000)

    def one_by_one() -> None:
        cr = CompactRange()
        for h in hashes[:single]:
            cr.append(h)

    rows.append(("CompactRange.append, one at a time", _rate(single, one_by_one), "leaves/s"))

    start = time.perf_counter()
    r = root(hashes)
    rows.append((f"root() over {n:,} leaf hashes", (time.perf_counter() - start) * 1e3, "ms"))

    cr = CompactRange()
    store = {(lv, ix): h for lv, ix, h in cr.extend(hashes)}
    assert cr.root() == r
    rng = random.Random(9162)

    def inclusion(index: int) -> Callable[[], object]:
        def go() -> object:
            needed = inclusion_nodes(index, n)
            fetched = {k: store[k] for k in needed}
            return assemble_inclusion(index, n, fetched)

        return go

    def consistency(size1: int) -> Callable[[], object]:
        def go() -> object:
            needed = consistency_nodes(size1, n)
            fetched = {k: store[k] for k in needed}
            return assemble_consistency(size1, n, fetched)

        return go

    indices = [rng.randrange(n) for _ in range(PROOF_SAMPLES)]
    incl_us = _median_us([inclusion(i) for i in indices])
    rows.append(("inclusion proof (plan + fetch + assemble)", incl_us, "µs median"))
    rows.append(
        (
            "consistency proof (plan + fetch + assemble)",
            _median_us([consistency(rng.randrange(1, n + 1)) for _ in range(PROOF_SAMPLES)]),
            "µs median",
        )
    )
    proofs = [(i, inclusion(i)()) for i in indices[:500]]
    rows.append(
        (
            "verify_inclusion",
            _median_us(
                [
                    (lambda i=i, p=p: verify_inclusion(hashes[i], i, n, p, r))  # type: ignore[misc]
                    for i, p in proofs
                ]
            ),
            "µs median",
        )
    )
    store.clear()  # free memory before pymerkle builds its tree
    del cr, proofs

    try:
        import pymerkle  # type: ignore[import-untyped]
    except ImportError:
        rows.append(("pymerkle (not installed: pip install -e '.[test]')", 0.0, "-"))
        return rows

    gc.collect()
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    start = time.perf_counter()
    for e in entries:
        tree.append_entry(e)
    pm_append = n / (time.perf_counter() - start)
    get_root = getattr(tree, "get_root", None) or tree.get_state
    assert bytes(get_root()) == r, "pymerkle disagrees on the root"
    rows.append(
        (f"pymerkle {pymerkle.__version__} InmemoryTree.append_entry", pm_append, "leaves/s")
    )
    pm_incl = _median_us(
        [
            (lambda i=i: tree.prove_inclusion(i + 1, n))  # type: ignore[misc]
            for i in indices[:PYMERKLE_PROOF_SAMPLES]
        ]
    )
    rows.append(("pymerkle prove_inclusion", pm_incl, "µs median"))
    rows.append(("ratio: extend / pymerkle append", extend_rate / pm_append, "x"))
    rows.append(("ratio: pymerkle / our inclusion proof time", pm_incl / incl_us, "x"))
    rows.append(("ratio: extend / sha256 floor", extend_rate / floor, "x"))
    return rows


def main(argv: list[str]) -> int:
    for n in [int(a.replace("_", "")) for a in argv] or [100_000]:
        print(f"-- tlog core at n = {n:,}")
        for scenario, value, unit in run(n):
            print(f"{scenario:<52} {value:>14,.1f} {unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
