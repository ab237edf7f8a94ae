"""Benchmark of the fingerprint layer (``alteram.fingerprint``), single thread.

``run()`` returns ``(scenario, value, unit, target)`` rows:

* **PDQ**: our ``pdq()`` against the bare ``pdqhash.compute`` call on the same
  decoded 1024 px photo (ThreatExchange's ``aaa-orig.jpg`` shrunk), as a
  ratio (target ≤ 1.1×); decoding and the 8 dihedral hashes for information.
* **Precedent lookup** at Hamming distance ≤ 31, median and p99 over queries,
  against banks of 1,000,000 and 10,000,000 hashes with realistic structure:
  30 % of the bank are near-duplicate copies (0–48 bits off) of cluster
  centres, a tenth of those of 100 "viral" images with thousands of copies,
  the rest random; half the queries are re-uploads (a bank hash 0–24 bits
  off), half new content. Targets ≤ 1 ms and ≤ 5 ms. Beside it, on the same
  bank and queries: faiss ``IndexBinaryFlat`` (``range_search``, one thread)
  and our NumPy brute-force scan, whose answers are checked to be equal.
* **Text precedent lookup** (MinHash, similarity >= 0.8): median over queries
  against 100,000 stored texts (a fifth of them edited copies of others; 2,000
  added after the last build, in the tail), half the queries edited copies;
  beside it the scan of every signature, whose answers are checked to be equal.

Sizes: ``ALTERAM_BENCH_PDQ_SIZES`` (default ``1000000,10000000``).
Standalone: ``python bench/fingerprint.py``.
"""

from __future__ import annotations

import gc
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pdqhash
from PIL import Image

from alteram.fingerprint import (
    ImageIndex,
    TextIndex,
    decode_image,
    image_fingerprint,
    pdq,
    text_fingerprints,
    unpack_hex,
)

Row = tuple[str, float, str, str]

PHOTO = Path(__file__).resolve().parents[1] / "tests/fixtures/pdq/verbatim/bridge-mods/aaa-orig.jpg"
PDQ_RUNS = 41
QUERIES = 1000
FAISS_QUERIES = {1_000_000: 200, 10_000_000: 40}
SCAN_QUERIES = {1_000_000: 100, 10_000_000: 20}


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _p99_ms(samples: list[float]) -> float:
    return float(np.percentile(samples, 99)) * 1000


# -- PDQ ------------------------------------------------------------------------------


def pdq_rows() -> list[Row]:
    with Image.open(PHOTO) as im:
        photo = im.convert("RGB")
        photo = photo.resize((1024, round(photo.height * 1024 / photo.width)), Image.LANCZOS)
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    rgb = decode_image(data).rgb

    bare: list[float] = []
    ours: list[float] = []
    for i in range(PDQ_RUNS):  # interleaved, alternating order, so drift hits both alike
        pair: list[tuple[list[float], Callable[[], Any]]] = [
            (bare, lambda: pdqhash.compute(rgb)),
            (ours, lambda: pdq(rgb)),
        ]
        for samples, fn in pair if i % 2 else reversed(pair):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
    decode: list[float] = []
    fingerprint: list[float] = []
    for _ in range(15):
        start = time.perf_counter()
        decoded = decode_image(data)
        decode.append(time.perf_counter() - start)
        start = time.perf_counter()
        image_fingerprint(decoded)
        fingerprint.append(time.perf_counter() - start)
    size = f"{rgb.shape[1]}x{rgb.shape[0]}"
    return [
        (f"PDQ: bare pdqhash.compute, {size} (baseline)", _median_ms(bare), "ms", "-"),
        ("PDQ: alteram pdq(), same array", _median_ms(ours), "ms", "-"),
        ("PDQ: pdq() / pdqhash.compute", _median_ms(ours) / _median_ms(bare), "x", "<= 1.1"),
        ("PDQ: image_fingerprint (sha + 8 dihedral)", _median_ms(fingerprint), "ms", "-"),
        (f"decode_image: {len(data) // 1024} KiB JPEG -> RGB", _median_ms(decode), "ms", "-"),
    ]


# -- banks --------------------------------------------------------------------------------


def flip_bits(rng: np.random.Generator, rows: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``rows`` with ``counts[i]`` random bits flipped in row ``i`` (a repeat may undo one)."""
    out = rows.copy()
    one = np.uint64(1)
    for j in range(int(counts.max(initial=0))):
        active = counts > j
        pos = rng.integers(0, 256, size=rows.shape[0])
        bit = one << (63 - (pos % 64)).astype(np.uint64)
        for w in range(4):
            sel = active & (pos // 64 == w)
            out[sel, w] ^= bit[sel]
    return out


def realistic_bank(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    bank = rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)
    clustered = int(n * 0.3)
    centres = rng.integers(0, 2**64, size=(max(1, clustered // 10), 4), dtype=np.uint64)
    owner = rng.integers(0, centres.shape[0], size=clustered)
    viral = rng.random(clustered) < 0.1
    owner[viral] = rng.integers(0, 100, size=int(viral.sum()))
    members = flip_bits(rng, centres[owner], rng.integers(0, 49, size=clustered))
    bank[:clustered] = members
    return bank[rng.permutation(n)]


def queries(bank: np.ndarray, count: int, seed: int = 1) -> list[str]:
    rng = np.random.default_rng(seed)
    half = count // 2
    hits = flip_bits(
        rng, bank[rng.integers(0, bank.shape[0], size=half)], rng.integers(0, 25, size=half)
    )
    fresh = rng.integers(0, 2**64, size=(count - half, 4), dtype=np.uint64)
    mixed = np.concatenate([hits, fresh])[rng.permutation(count)]
    return [unpack_hex(row) for row in mixed]


def _timed(fn: Callable[[str], Any], qs: list[str]) -> tuple[list[float], list[Any]]:
    samples, answers = [], []
    for q in qs:
        start = time.perf_counter()
        answers.append(fn(q))
        samples.append(time.perf_counter() - start)
    return samples, answers


def index_rows(n: int) -> list[Row]:
    rows: list[Row] = []
    label = f"{n:,}"
    start = time.perf_counter()
    bank = realistic_bank(n)
    qs = queries(bank, QUERIES)
    gen_s = time.perf_counter() - start

    gc.collect()
    start = time.perf_counter()
    index: ImageIndex[int] = ImageIndex.from_packed(bank, range(n))
    build_s = time.perf_counter() - start
    assert index._order is not None and index._starts is not None
    mem = (index._packed.nbytes + index._order.nbytes + index._starts.nbytes) / 2**20

    index.search(qs[0], 31)  # warm
    samples, answers = _timed(lambda q: index.search(q, 31), qs)
    plans = {index.plan(q, 31) for q in qs[:50]}
    found = sum(1 for a in answers if a)
    rows.append(
        (
            f"lookup d<=31, {label} hashes: median",
            _median_ms(samples),
            "ms",
            "<= 1" if n <= 1_000_000 else "<= 5",
        )
    )
    rows.append((f"lookup d<=31, {label} hashes: p99", _p99_ms(samples), "ms", "-"))

    scan_n = SCAN_QUERIES.get(n, 20)
    scan_samples, scan_answers = _timed(lambda q: index.brute_force(q, 31), qs[:scan_n])
    assert scan_answers == answers[:scan_n], "index and brute force disagree"
    rows.append(
        (f"  baseline NumPy scan (bitwise_count), {label}", _median_ms(scan_samples), "ms", "-")
    )

    try:
        import faiss  # optional: the test extra
    except ImportError:  # pragma: no cover
        rows.append(
            (f"  baseline faiss IndexBinaryFlat, {label}: not installed", float("nan"), "ms", "-")
        )
    else:
        faiss.omp_set_num_threads(1)
        codes = np.ascontiguousarray(bank.astype(">u8")).view(np.uint8).reshape(n, 32)
        flat = faiss.IndexBinaryFlat(256)
        flat.add(codes)
        faiss_n = FAISS_QUERIES.get(n, 40)
        qcodes = [np.frombuffer(bytes.fromhex(q), dtype=np.uint8).reshape(1, 32) for q in qs]

        def faiss_search(i: int) -> set[int]:
            lims, _dist, ids = flat.range_search(qcodes[i], 32)  # strictly below 32
            return set(ids[lims[0] : lims[1]].tolist())

        fs: list[float] = []
        for i in range(faiss_n):
            start = time.perf_counter()
            got = faiss_search(i)
            fs.append(time.perf_counter() - start)
            assert got == {p for p, _ in answers[i]}, "faiss and the index disagree"
        rows.append((f"  baseline faiss IndexBinaryFlat, {label}", _median_ms(fs), "ms", "-"))

    rows.append((f"  index build (from packed), {label}", build_s, "s", "-"))
    extra = [unpack_hex(w) for w in realistic_bank(index.tail_max + 1, seed=2)]
    for i, h in enumerate(extra[:-1]):  # a full tail, scanned beside the tables
        index.add(h, n + i)
    start = time.perf_counter()
    index.add(extra[-1], n + len(extra))  # the one that merges the tail into the tables
    merge_s = time.perf_counter() - start
    assert index._indexed == index._n == n + len(extra)
    rows.append((f"  merging a full tail ({len(extra) - 1:,} added), {label}", merge_s, "s", "-"))
    rows.append((f"  index memory (hashes + tables), {label}", mem, "MiB", "-"))
    rows.append((f"  queries that found a precedent, {label}", 100 * found / len(qs), "%", "-"))
    print(f"   [{label}: bank generated in {gen_s:.1f} s; plans {sorted(plans)}]", file=sys.stderr)
    return rows


def _edited(rng: np.random.Generator, text: str) -> str:
    words = text.split()
    words[int(rng.integers(len(words)))] = f"w{int(rng.integers(10**6))}"
    return " ".join(words)


def text_rows(n: int = 100_000, tail: int = 2_000, count: int = 400) -> list[Row]:
    """Text precedent lookups against ``n`` stored texts, beside the full scan."""
    rng = np.random.default_rng(3)

    def post() -> str:
        return " ".join(f"w{v}" for v in rng.integers(0, 50_000, size=int(rng.integers(20, 60))))

    texts: list[str] = []
    for i in range(n + tail):
        texts.append(
            _edited(rng, texts[int(rng.integers(i))]) if i and rng.random() < 0.2 else post()
        )
    prints = text_fingerprints(texts)
    index: TextIndex[int] = TextIndex.build(list(zip(prints[:n], range(n), strict=True)))
    for i in range(n, n + tail):
        index.add(prints[i], i)
    asked = [
        _edited(rng, texts[int(rng.integers(n + tail))]) if k % 2 else post() for k in range(count)
    ]
    qs = text_fingerprints(asked)
    index.search(qs[0])  # warm
    samples, answers = [], []
    for q in qs:
        start = time.perf_counter()
        answers.append(index.search(q))
        samples.append(time.perf_counter() - start)
    scans, scanned = [], []
    for q in qs[:50]:
        start = time.perf_counter()
        scanned.append(index.brute_force(q))
        scans.append(time.perf_counter() - start)
    assert scanned == answers[:50], "text index and scan disagree"
    label = f"{n + tail:,}"
    return [
        (f"text lookup (MinHash >= 0.8), {label} texts: median", _median_ms(samples), "ms", "-"),
        (f"  baseline scan of every signature, {label}", _median_ms(scans), "ms", "-"),
        (
            f"  text queries that found a precedent, {label}",
            100 * sum(1 for a in answers if a) / len(answers),
            "%",
            "-",
        ),
    ]


def run() -> list[Row]:
    sizes = [
        int(s)
        for s in os.environ.get("ALTERAM_BENCH_PDQ_SIZES", "1000000,10000000").split(",")
        if s.strip()
    ]
    rows = pdq_rows()
    for n in sizes:
        rows.extend(index_rows(n))
    rows.extend(text_rows())
    return rows


def main() -> int:
    print("== fingerprints: PDQ and the precedent index (single thread)")
    print(f"{'scenario':52} {'value':>12} {'unit':5} {'target':>8}")
    for scenario, value, unit, target in run():
        print(f"{scenario:52} {value:12,.3f} {unit:5} {target:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
