"""The precedent index: which stored fingerprints does a new piece of content match?

Two in-memory indexes, rebuilt from the database at start and updated in the
same process on every final ruling (a ruling changed on appeal is a
:meth:`remove` then an :meth:`add`). A *payload* is whatever the caller
attaches to a fingerprint (a ruling id, a case id); one payload may carry
several fingerprints (several images) and is answered once, at its closest.

:class:`ImageIndex` holds 256-bit PDQ hashes. ``search(h, d)`` returns every
payload with a hash within Hamming distance ``d`` of ``h``, **exactly** the
answer of a brute-force scan (``brute_force``), at every ``d``:

* a bank smaller than ``mih_min_size`` (default 50,000 hashes) is scanned:
  XOR against the packed hashes (4 × uint64 each) and ``np.bitwise_count``;
* a larger one uses **multi-index hashing** (Norouzi, Punjani, Fleet 2012).
  The 256 bits are cut into 16 chunks of 16 bits (chunk ``j`` = hex digits
  ``4j .. 4j+3``). If two hashes differ in at most ``d`` bits, then by the
  pigeonhole principle some chunk differs in at most ``r = ⌊d / 16⌋`` bits:
  for ``d ≤ 31`` (the matching threshold) some chunk is within 1 bit. Each
  chunk has a table ``value → rows`` (the row ids sorted by chunk value, a
  counting sort, and 65,537 offsets), so a query probes, in each chunk, every
  value within ``r`` bits of its own (17 values for ``r = 1``), gathers those
  rows as candidates and verifies each candidate's full distance. Nothing
  within ``d`` can be missed, and verification admits nothing beyond ``d``.
  For ``r ≤ 3`` (``d ≤ 63``) the same generalized pigeonhole is used; beyond
  that, or when the probed buckets would hold more than an eighth of the
  bank, the scan is faster and is used instead. Same answer either way.
* hashes added after the tables were built sit in a *tail* that is scanned
  until it holds ``tail_max`` (65,536) hashes; then the tail is merged into
  the tables (each row to the end of its bucket, so the tables equal a
  rebuild's). Removed hashes are masked at once and dropped at the next
  rebuild, which many removals force.

Only hashes of quality ≥ ``QUALITY_MIN`` belong here: the caller filters (a
low-quality hash is kept with the content but never used to match).

:class:`TextIndex` holds :class:`~alteram.fingerprint.text.TextFingerprint`
values. Equal ``exact_sha256`` always matches (similarity 1.0); a text with a
MinHash also matches any stored MinHash whose estimated similarity is at
least the threshold. The MinHash side is exact with respect to the
signatures, by the same pigeonhole: ``similarity ≥ t`` means at most
``m = 128 − ⌈128 t⌉`` of the 128 values differ (25 at ``t = 0.8``), so
with the signature cut into ``m + 1`` bands, some band is equal in full.
Each band's values are folded into a 64-bit key (per-band seeds); the keys of
the rows added lately (up to ``tail_max``, 4,096) are in a dict, the others
in sorted runs (a full tail becomes a run; runs merge while the one before is
not twice the size of the last, so a text is merged about log2(n / 4,096)
times and no addition re-sorts the whole index), and the rows found under any
of a query's keys are verified on the whole signature. (An LSH with fewer,
wider bands would be probabilistic and miss matches; this one never does.)
A search with a threshold below the one the index was built for scans all
signatures instead. A text that normalised to nothing is never matched.

Both indexes are safe to share between threads: one lock per index, held by
searches (about 0.3 ms against 1,000,000 hashes, 2–3 ms against 10,000,000
on the 2-core reference machine, see ``bench/fingerprint.py``) and by
updates. Building the chunk tables is O(n) radix sorts: about 0.5 s for
1,000,000 hashes and 8 s for 10,000,000 (memory: 32 bytes per hash plus
64 bytes of tables, ~0.9 GiB at 10,000,000). Merging a full tail copies
the tables once instead: about 0.2 s at 1,000,000 and 1.2 s at 10,000,000,
inside :meth:`add`, once per ``tail_max`` additions, and searches wait that
long; a rebuild forced by many removals runs inside :meth:`remove`.
Pure: no database, network, clock or framework.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Hashable, Iterable, Sequence
from typing import Any, Final, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from alteram.fingerprint.pdq import MATCH_DISTANCE, parse_pdq_hex
from alteram.fingerprint.text import (
    EMPTY_TEXT_SHA256,
    JACCARD_THRESHOLD,
    NUM_PERM,
    SEED,
    TextFingerprint,
    decode_signature,
    mix64,
    required_agreement,
)

P = TypeVar("P", bound=Hashable)

U64 = npt.NDArray[np.uint64]
Rows = npt.NDArray[np.int64]

WORDS: Final = 4
"""uint64 words per packed PDQ hash."""
CHUNKS: Final = 16
CHUNK_BITS: Final = 16
MAX_PROBE_RADIUS: Final = 3
"""Largest per-chunk radius probed (d ≤ 63); beyond it the scan is used."""
MIH_MIN_SIZE: Final = 50_000
"""Below this many hashes the image index is a plain scan."""
TAIL_MAX: Final = 65_536
"""Hashes added since the last build that are scanned before a rebuild."""
SCAN_FRACTION: Final = 8
"""Scan instead when probed buckets hold more than 1/SCAN_FRACTION of the bank."""
_SCAN_BLOCK: Final = 1 << 16
_SHIFTS: Final = np.array([48, 32, 16, 0], dtype=np.uint64)

# All 16-bit masks with at most r bits set, for r = 0 .. MAX_PROBE_RADIUS.
_POP16: Final = np.bitwise_count(np.arange(1 << CHUNK_BITS, dtype=np.uint32))
_MASKS: Final = tuple(
    np.flatnonzero(np.less_equal(_POP16, r)).astype(np.int64) for r in range(MAX_PROBE_RADIUS + 1)
)


# -- packing -------------------------------------------------------------------------


def pack_hex(hash_hex: str, *, field: str | None = "pdq") -> U64:
    """A wire-format PDQ hash as 4 uint64 words, most significant first."""
    raw = bytes.fromhex(parse_pdq_hex(hash_hex, field=field))
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64)


def pack_many(hashes: Sequence[str]) -> U64:
    """``(len(hashes), 4)`` uint64 words; every hash is validated."""
    if not hashes:
        return np.empty((0, WORDS), dtype=np.uint64)
    raw = b"".join(bytes.fromhex(parse_pdq_hex(h)) for h in hashes)
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(-1, WORDS)


def unpack_hex(words: U64) -> str:
    """The wire-format hex of 4 packed words."""
    return np.asarray(words, dtype=np.uint64).astype(">u8").tobytes().hex()


def chunk_values(packed: U64) -> npt.NDArray[np.uint16]:
    """``(16, n)`` chunk values: chunk ``j`` is hex digits ``4j .. 4j+3`` of each hash."""
    packed = np.ascontiguousarray(packed, dtype=np.uint64).reshape(-1, WORDS)
    out = np.empty((CHUNKS, packed.shape[0]), dtype=np.uint16)
    if np.little_endian:  # a native uint64 is 4 little-endian uint16 lanes, low lane first
        lanes = packed.view(np.uint16)
        for j in range(CHUNKS):
            out[j] = lanes[:, 4 * (j // 4) + 3 - j % 4]
        return out
    for j in range(CHUNKS):  # pragma: no cover - big-endian hosts
        word = packed[:, j // 4]
        out[j] = (word >> _SHIFTS[j % 4]) & np.uint64(0xFFFF)
    return out


def distances(packed: U64, query: U64) -> npt.NDArray[np.uint16]:
    """Hamming distance from ``query`` (4 words) to each row of ``packed``."""
    counts = np.bitwise_count(np.bitwise_xor(packed, query))
    dist = counts[:, 0].astype(np.uint16)
    for w in range(1, WORDS):
        dist += counts[:, w]
    return dist


# -- shared row bookkeeping -------------------------------------------------------------


class _Bank(Generic[P]):
    """Rows with payloads, a live mask, growth and compaction; subclasses add arrays."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._payloads: list[P] = []
        self._alive = np.zeros(0, dtype=bool)
        self._n = 0
        self._live = 0
        self._dead = 0
        self._by_payload: dict[P, list[int]] | None = {}

    # subclasses: resize their row arrays to a new capacity, keep rows after compaction
    def _resize(self, capacity: int) -> None:
        raise NotImplementedError

    def _keep(self, keep: npt.NDArray[np.bool_]) -> None:
        raise NotImplementedError

    def _rebuild_tables(self) -> None:
        raise NotImplementedError

    def __len__(self) -> int:
        """Live fingerprints (not payloads)."""
        return self._live

    def __contains__(self, payload: object) -> bool:
        with self._lock:
            return payload in self._rows_map()

    @property
    def payload_count(self) -> int:
        with self._lock:
            return len(self._rows_map())

    def _rows_map(self) -> dict[P, list[int]]:
        if self._by_payload is None:
            rows: dict[P, list[int]] = {}
            alive = self._alive
            for row, payload in enumerate(self._payloads):
                if alive[row]:
                    rows.setdefault(payload, []).append(row)
            self._by_payload = rows
        return self._by_payload

    def _new_row(self, payload: P) -> int:
        row = self._n
        if row >= self._alive.shape[0]:
            capacity = max(1024, 2 * row)
            self._alive = _grown(self._alive, capacity)
            self._resize(capacity)
        self._alive[row] = True
        self._payloads.append(payload)
        if self._by_payload is not None:
            self._by_payload.setdefault(payload, []).append(row)
        self._n += 1
        self._live += 1
        return row

    def remove(self, payload: P) -> int:
        """Forget every fingerprint of ``payload``; returns how many there were."""
        with self._lock:
            rows = self._rows_map().pop(payload, [])
            for row in rows:
                self._alive[row] = False
            self._live -= len(rows)
            self._dead += len(rows)
            if self._dead > max(TAIL_MAX, self._n // 4):
                self._compact()
            return len(rows)

    def _compact(self) -> None:
        """Drop removed rows, renumber, and rebuild the tables."""
        n = self._n
        keep = self._alive[:n].copy()
        if self._dead:
            self._payloads = [p for p, k in zip(self._payloads, keep.tolist(), strict=True) if k]
            self._keep(keep)
            self._alive = np.ones(self._live, dtype=bool)
            self._n = self._live
            self._dead = 0
            self._by_payload = None
        self._rebuild_tables()

    def rebuild(self) -> None:
        """Compact and rebuild now (otherwise done when the tail or the dead grow)."""
        with self._lock:
            self._compact()

    def _best_per_payload(
        self, rows: Rows, scores: npt.NDArray[np.float64], *, descending: bool
    ) -> list[tuple[P, float]]:
        """One ``(payload, score)`` per payload at its best score, best first."""
        if rows.size == 0:
            return []
        key = -scores if descending else scores
        order = np.lexsort((rows, key))
        seen: set[P] = set()
        out: list[tuple[P, float]] = []
        payloads = self._payloads
        for i in order.tolist():
            payload = payloads[int(rows[i])]
            if payload not in seen:
                seen.add(payload)
                out.append((payload, float(scores[i])))
        return out


def _grown(array: npt.NDArray[Any], capacity: int) -> npt.NDArray[Any]:
    out = np.zeros((capacity, *array.shape[1:]), dtype=array.dtype)
    out[: array.shape[0]] = array
    return out


# -- images ------------------------------------------------------------------------


class ImageIndex(_Bank[P]):
    """Payloads by PDQ hash; exact Hamming-radius search (see the module doc)."""

    def __init__(
        self,
        *,
        mih_min_size: int = MIH_MIN_SIZE,
        tail_max: int = TAIL_MAX,
        scan_fraction: int = SCAN_FRACTION,
    ) -> None:
        """``scan_fraction=0`` never falls back to the scan for ``d ≤ 63`` (for tests)."""
        super().__init__()
        self.mih_min_size = mih_min_size
        self.tail_max = tail_max
        self.scan_fraction = scan_fraction
        self._packed: U64 = np.zeros((0, WORDS), dtype=np.uint64)
        self._indexed = 0  # rows [0, _indexed) are in the chunk tables
        self._order: npt.NDArray[np.uint32] | None = None  # (16 * _indexed,) rows by chunk value
        self._starts: npt.NDArray[np.int64] | None = None  # (16, 65537) bucket offsets

    # -- building --------------------------------------------------------------

    @classmethod
    def build(cls, items: Iterable[tuple[str, P]], **options: int) -> ImageIndex[P]:
        """An index of ``(hash_hex, payload)`` pairs (e.g. read from the database at start)."""
        hashes: list[str] = []
        payloads: list[P] = []
        for hash_hex, payload in items:
            hashes.append(hash_hex)
            payloads.append(payload)
        return cls.from_packed(pack_many(hashes), payloads, **options)

    @classmethod
    def from_packed(cls, packed: U64, payloads: Sequence[P], **options: int) -> ImageIndex[P]:
        """An index of ``(n, 4)`` packed hashes (:func:`pack_many`) and their payloads."""
        packed = np.ascontiguousarray(packed, dtype=np.uint64)
        if packed.ndim != 2 or packed.shape[1] != WORDS:
            raise ValueError(f"packed hashes are (n, {WORDS}) uint64, not {packed.shape}")
        if packed.shape[0] != len(payloads):
            raise ValueError(f"{packed.shape[0]} hashes but {len(payloads)} payloads")
        index: ImageIndex[P] = cls(**options)
        n = packed.shape[0]
        index._packed = packed.copy()
        index._alive = np.ones(n, dtype=bool)
        index._payloads = list(payloads)
        index._n = index._live = n
        index._by_payload = None  # built on first use: not needed to search
        index._rebuild_tables()
        return index

    def add(self, hash_hex: str, payload: P) -> None:
        """Index one hash for ``payload`` (a payload may have several)."""
        words = pack_hex(hash_hex)
        with self._lock:
            row = self._new_row(payload)
            self._packed[row] = words
            if self._live >= self.mih_min_size:
                if self._order is None:
                    self._compact()
                elif self._n - self._indexed > self.tail_max:
                    self._merge_tail()

    def _resize(self, capacity: int) -> None:
        self._packed = _grown(self._packed, capacity)

    def _keep(self, keep: npt.NDArray[np.bool_]) -> None:
        self._packed = np.ascontiguousarray(self._packed[: keep.shape[0]][keep])

    def _rebuild_tables(self) -> None:
        n = self._n
        if n < self.mih_min_size:
            self._order, self._starts, self._indexed = None, None, 0
            return
        values = chunk_values(self._packed[:n])
        order = np.empty((CHUNKS, n), dtype=np.uint32)
        starts = np.empty((CHUNKS, (1 << CHUNK_BITS) + 1), dtype=np.int64)
        for c in range(CHUNKS):
            # argsort of uint16 with kind="stable" is a radix sort: O(n)
            order[c] = np.argsort(values[c], kind="stable")
            starts[c, 0] = 0
            np.cumsum(np.bincount(values[c], minlength=1 << CHUNK_BITS), out=starts[c, 1:])
        self._order, self._starts, self._indexed = order.reshape(-1), starts, n

    def _merge_tail(self) -> None:
        """Fold the tail's rows into the chunk tables without sorting the rows already
        there: each goes to the end of its bucket, which is where a rebuild puts it (a
        bucket holds its rows in ascending order, and the tail's rows come last), so the
        tables equal a rebuild's. Copies the tables once (O(n)) instead of sorting them."""
        assert self._order is not None and self._starts is not None
        n, m = self._indexed, self._n
        tail = chunk_values(self._packed[n:m])  # (16, m - n)
        old = self._order.reshape(CHUNKS, n)
        order = np.empty((CHUNKS, m), dtype=np.uint32)
        starts = self._starts.copy()
        for c in range(CHUNKS):
            by_value = np.argsort(tail[c], kind="stable")  # the tail's rows, bucket by bucket
            ends = self._starts[c, tail[c][by_value].astype(np.int64) + 1]
            order[c] = np.insert(old[c], ends, (by_value + n).astype(np.uint32))
            starts[c, 1:] += np.cumsum(np.bincount(tail[c], minlength=1 << CHUNK_BITS))
        self._order, self._starts, self._indexed = order.reshape(-1), starts, m

    # -- searching -------------------------------------------------------------

    def search(self, hash_hex: str, max_distance: int = MATCH_DISTANCE) -> list[tuple[P, int]]:
        """``(payload, distance)`` for every payload within ``max_distance``, closest first.

        Each payload once, at its closest hash; ties in insertion order.
        Equal to :meth:`brute_force` at every distance.
        """
        return self.search_any([hash_hex], max_distance)

    def search_any(
        self, hashes: Iterable[str], max_distance: int = MATCH_DISTANCE
    ) -> list[tuple[P, int]]:
        """Like :meth:`search` for several query hashes (e.g. the 8 dihedral ones) at once."""
        return self._search(hashes, max_distance, use_tables=True)

    def brute_force(
        self, hash_hex: str | Iterable[str], max_distance: int = MATCH_DISTANCE
    ) -> list[tuple[P, int]]:
        """The reference answer: a scan of every live hash."""
        queries = [hash_hex] if isinstance(hash_hex, str) else hash_hex
        return self._search(queries, max_distance, use_tables=False)

    def _search(
        self, hashes: Iterable[str], max_distance: int, *, use_tables: bool
    ) -> list[tuple[P, int]]:
        d = int(max_distance)
        if d < 0:
            raise ValueError("max_distance is a number of bits, at least 0")
        queries = [pack_hex(h) for h in hashes]
        with self._lock:
            found_rows: list[Rows] = []
            found_dist: list[npt.NDArray[np.uint16]] = []
            for q in queries:
                for rows, dist in self._matches(q, d, use_tables):
                    found_rows.append(rows)
                    found_dist.append(dist)
            if not found_rows:
                return []
            rows = np.concatenate(found_rows)
            scores = np.concatenate(found_dist).astype(np.float64)
            best = self._best_per_payload(rows, scores, descending=False)
        return [(payload, int(score)) for payload, score in best]

    def _matches(
        self, q: U64, d: int, use_tables: bool
    ) -> Iterable[tuple[Rows, npt.NDArray[np.uint16]]]:
        start = 0
        if use_tables and self._order is not None and self._indexed:
            candidates = self._candidates(q, d)
            if candidates is not None:
                yield self._verify(candidates, q, d)
                start = self._indexed
        yield self._scan(start, self._n, q, d)

    def _candidates(self, q: U64, d: int) -> Rows | None:
        """Rows of the chunk tables that may lie within ``d``; ``None``: scan instead."""
        assert self._order is not None and self._starts is not None
        radius = d // CHUNKS
        if radius > MAX_PROBE_RADIUS:
            return None
        n = self._indexed
        qv = chunk_values(q)[:, 0].astype(np.int64)
        probes = qv[:, None] ^ _MASKS[radius][None, :]  # (16, L) chunk values to visit
        chunk = np.arange(CHUNKS)[:, None]
        lo = self._starts[chunk, probes].ravel()
        hi = self._starts[chunk, probes + 1].ravel()
        lengths = hi - lo
        total = int(lengths.sum())
        if total * self.scan_fraction > n:
            return None
        if total == 0:
            return np.empty(0, dtype=np.int64)
        base = (lo + (chunk * n).repeat(probes.shape[1], axis=1).ravel())[lengths > 0]
        lengths = lengths[lengths > 0]
        ends = np.cumsum(lengths)
        positions = np.arange(total, dtype=np.int64) + np.repeat(base - (ends - lengths), lengths)
        found: Rows = self._order[positions].astype(np.int64)
        return found

    def plan(self, hash_hex: str, max_distance: int = MATCH_DISTANCE) -> str:
        """How :meth:`search` would answer: ``"tables"`` (multi-index) or ``"scan"``."""
        q = pack_hex(hash_hex)
        with self._lock:
            if self._order is None or not self._indexed:
                return "scan"
            return "scan" if self._candidates(q, int(max_distance)) is None else "tables"

    def _verify(self, rows: Rows, q: U64, d: int) -> tuple[Rows, npt.NDArray[np.uint16]]:
        # np.take, not self._packed[rows]: NumPy's fancy indexing copies a 2-D
        # row-gather element by element, ~15x slower here (5 ms vs 0.3 ms for 41k rows).
        dist = distances(np.take(self._packed, rows, axis=0), q)
        near = np.flatnonzero(dist <= d)
        rows, dist = rows[near], dist[near]
        live = self._alive[rows]
        rows, dist = rows[live], dist[live]
        rows, first = np.unique(rows, return_index=True)  # a row found through several chunks
        return rows, dist[first]

    def _scan(self, lo: int, hi: int, q: U64, d: int) -> tuple[Rows, npt.NDArray[np.uint16]]:
        rows: list[Rows] = []
        dists: list[npt.NDArray[np.uint16]] = []
        for s in range(lo, hi, _SCAN_BLOCK):
            e = min(hi, s + _SCAN_BLOCK)
            dist = distances(self._packed[s:e], q)
            hit = np.flatnonzero((dist <= d) & self._alive[s:e])
            if hit.size:
                rows.append(hit + s)
                dists.append(dist[hit])
        if not rows:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.uint16)
        return np.concatenate(rows), np.concatenate(dists)

    def hashes_of(self, payload: P) -> list[str]:
        """The live hashes stored for ``payload``."""
        with self._lock:
            return [unpack_hex(self._packed[row]) for row in self._rows_map().get(payload, [])]


# -- texts ---------------------------------------------------------------------------


def _band_bounds(threshold: float) -> list[tuple[int, int]]:
    need = required_agreement(threshold)
    bands = min(NUM_PERM, NUM_PERM - need + 1)
    cuts = np.linspace(0, NUM_PERM, bands + 1).round().astype(int).tolist()
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


class _Bands:
    """The band keys of signatures: band ``b`` (values ``v_lo .. v_hi-1``) as one 64-bit
    number, ``seed_b + sum(v_j * c_bj) mod 2**64`` with fixed random odd ``c``; every band
    of many signatures in a few array operations, and a single query's in microseconds.
    The seeds differ per band, so one sorted array holds the keys of every band. Two
    different bands share a key with chance about 2**-64 (and anyone who made texts
    that do would only add candidates, which verification on the whole signature
    drops)."""

    def __init__(self, bounds: list[tuple[int, int]]) -> None:
        self.count = len(bounds)
        width = max((hi - lo for lo, hi in bounds), default=0)
        cells = [[(lo + j, lo + j < hi) for j in range(width)] for lo, hi in bounds]
        self._cols = np.array(
            [[col if used else 0 for col, used in row] for row in cells], dtype=np.int64
        ).reshape(self.count, width)
        odd = mix64(np.arange(self.count * width, dtype=np.uint64) + np.uint64(SEED)) | 1
        used = np.array([[used for _, used in row] for row in cells], dtype=bool)
        shape = (self.count, width)  # a shorter band multiplies its padding by 0
        self._mult = np.where(used.reshape(shape), odd.reshape(shape), np.uint64(0))
        self._seeds = mix64(np.arange(1, self.count + 1, dtype=np.uint64) ^ np.uint64(SEED))

    def keys(self, signatures: npt.NDArray[np.uint32]) -> U64:
        """The ``(len(signatures), count)`` band keys (wrapping uint64 arithmetic)."""
        values = signatures[:, self._cols].astype(np.uint64)
        keys: U64 = (values * self._mult).sum(axis=2, dtype=np.uint64) + self._seeds
        return keys


_BUILD_CHUNK: Final = 1 << 16
"""Signatures keyed at a time when the tables are built (bounds the temporary arrays)."""


class TextIndex(_Bank[P]):
    """Payloads by text fingerprint: exact by SHA-256, near by MinHash (see the module doc).

    The band keys of the rows added lately (up to ``tail_max``) are in a dict, the others
    in a few sorted runs (:meth:`_flush_tail`). A search looks its own band keys up in
    each, however many texts are stored, and verifies what it finds."""

    def __init__(self, threshold: float = JACCARD_THRESHOLD, *, tail_max: int = 4096) -> None:
        super().__init__()
        self.threshold = threshold
        self.tail_max = tail_max
        self._need = required_agreement(threshold)
        self._bands = _band_bounds(threshold) if self._need > 0 else []
        self._keyer = _Bands(self._bands)
        self._sigs = np.zeros((0, NUM_PERM), dtype=np.uint32)
        self._has_sig = np.zeros(0, dtype=bool)
        self._exact: dict[str, list[int]] = {}  # exact_sha256 -> rows
        self._keys: list[str] = []  # exact_sha256 per row
        self._indexed = 0
        # the band keys of the rows [0, _indexed) that have a signature, as sorted runs
        # (keys, their rows), each at least twice the size of the next
        self._runs: list[tuple[U64, Rows]] = []
        # band key -> the row, or rows, among [_indexed, _n) with it: ints and tuples of
        # ints, which the garbage collector does not track (26 entries per text)
        self._tail: dict[int, int | tuple[int, ...]] = {}

    @classmethod
    def build(
        cls, items: Iterable[tuple[TextFingerprint, P]], threshold: float = JACCARD_THRESHOLD
    ) -> TextIndex[P]:
        """An index of ``(fingerprint, payload)`` pairs (e.g. from the database at start)."""
        index: TextIndex[P] = cls(threshold)
        with index._lock:
            for fingerprint, payload in items:
                index._add(fingerprint, payload, tail=False)  # all in the tables, next
            index._compact()
        return index

    def add(self, fingerprint: TextFingerprint, payload: P) -> None:
        """Index one text fingerprint for ``payload``."""
        with self._lock:
            self._add(fingerprint, payload)
            if self._n - self._indexed > self.tail_max:
                self._flush_tail()

    def _add(self, fingerprint: TextFingerprint, payload: P, *, tail: bool = True) -> None:
        signature = None if fingerprint.minhash is None else decode_signature(fingerprint.minhash)
        row = self._new_row(payload)
        if not fingerprint.empty:
            self._exact.setdefault(fingerprint.exact_sha256, []).append(row)
        self._keys.append(fingerprint.exact_sha256)
        if signature is not None:
            self._sigs[row] = signature
            self._has_sig[row] = True
            if tail and self._bands:
                entries = self._tail
                for key in self._keyer.keys(signature[None, :])[0].tolist():
                    held = entries.get(key)
                    if held is None:
                        entries[key] = row
                    elif isinstance(held, tuple):
                        entries[key] = (*held, row)
                    else:
                        entries[key] = (held, row)

    def _resize(self, capacity: int) -> None:
        self._sigs = _grown(self._sigs, capacity)
        self._has_sig = _grown(self._has_sig, capacity)

    def _keep(self, keep: npt.NDArray[np.bool_]) -> None:
        n = keep.shape[0]
        self._sigs = np.ascontiguousarray(self._sigs[:n][keep])
        self._has_sig = self._has_sig[:n][keep]
        self._keys = [k for k, ok in zip(self._keys, keep.tolist(), strict=True) if ok]
        exact: dict[str, list[int]] = {}
        for row, key in enumerate(self._keys):
            if key != EMPTY_TEXT_SHA256:
                exact.setdefault(key, []).append(row)
        self._exact = exact

    def _rebuild_tables(self) -> None:
        self._runs = [self._run(0, self._n)]
        self._tail = {}
        self._indexed = self._n

    def _flush_tail(self) -> None:
        """Move the tail into a sorted run, then merge runs while the one before the last is
        not twice its size: each text is merged about log2(n / tail_max) times in all, not
        sorted again with every other at each flush (seconds for millions of texts)."""
        self._runs.append(self._run(self._indexed, self._n))
        while len(self._runs) > 1 and self._runs[-2][0].size < 2 * self._runs[-1][0].size:
            (ka, ra), (kb, rb) = self._runs[-2], self._runs.pop()
            keys = np.concatenate((ka, kb))
            order = np.argsort(keys, kind="stable")  # two sorted runs: a linear merge
            self._runs[-1] = (keys[order], np.concatenate((ra, rb))[order])
        self._tail = {}
        self._indexed = self._n

    def _run(self, lo: int, hi: int) -> tuple[U64, Rows]:
        """The band keys of the rows ``lo..hi`` with a signature, sorted, and their rows."""
        rows = np.flatnonzero(self._has_sig[lo:hi]).astype(np.int64) + lo
        keys = np.empty((rows.size, self._keyer.count), dtype=np.uint64)
        for s in range(0, rows.size, _BUILD_CHUNK):
            part = rows[s : s + _BUILD_CHUNK]
            keys[s : s + part.size] = self._keyer.keys(np.take(self._sigs, part, axis=0))
        flat = keys.reshape(-1)
        order = np.argsort(flat, kind="stable")
        return flat[order], np.repeat(rows, self._keyer.count)[order]

    def search(
        self, fingerprint: TextFingerprint, threshold: float | None = None
    ) -> list[tuple[P, float]]:
        """``(payload, similarity)`` for every payload that matches, most similar first.

        Exact (equal normalised text) matches have similarity 1.0. A
        ``threshold`` below the index's own falls back to scanning every signature.
        """
        return self._search(fingerprint, threshold, use_tables=True)

    def brute_force(
        self, fingerprint: TextFingerprint, threshold: float | None = None
    ) -> list[tuple[P, float]]:
        """The reference answer: every live fingerprint compared one by one."""
        return self._search(fingerprint, threshold, use_tables=False)

    def _search(
        self, fingerprint: TextFingerprint, threshold: float | None, *, use_tables: bool
    ) -> list[tuple[P, float]]:
        if fingerprint.empty:
            return []
        t = self.threshold if threshold is None else threshold
        need = required_agreement(t)
        with self._lock:
            n = self._n
            found: list[Rows] = []
            scores: list[npt.NDArray[np.float64]] = []
            same = self._exact.get(fingerprint.exact_sha256)
            if same:
                exact = np.array(same, dtype=np.int64)
                exact = exact[self._alive[exact]]
                found.append(exact)
                scores.append(np.ones(exact.size))
            if fingerprint.minhash is not None:
                q = decode_signature(fingerprint.minhash)
                if use_tables and need >= self._need > 0:  # the bands cover the threshold
                    candidates = self._candidates(q)
                    rows, agree = _NO_ROWS, _NO_ROWS
                    if candidates.size:
                        rows, agree = self._verify(candidates, q, need)
                else:
                    rows, agree = self._scan_range(0, n, q, need)
                if rows.size:
                    found.append(rows)
                    scores.append(agree / NUM_PERM)
            if not found:
                return []
            return self._best_per_payload(
                np.concatenate(found), np.concatenate(scores), descending=True
            )

    def _candidates(self, q: npt.NDArray[np.uint32]) -> Rows:
        """The rows that share at least one band key with ``q``: in the runs and the tail."""
        keys = np.sort(self._keyer.keys(q[None, :])[0])  # sorted: each search starts nearer
        wanted = keys.tolist()
        parts: list[Rows] = []
        for run_keys, run_rows in self._runs:
            if not run_keys.size:
                continue
            starts = np.searchsorted(run_keys, keys, side="left")
            size = run_keys.size
            hits = np.flatnonzero(run_keys[np.minimum(starts, size - 1)] == keys)
            for h in hits.tolist():  # usually none: a band equal to a stored text's
                a = b = int(starts[h])
                while b < size and int(run_keys[b]) == wanted[h]:
                    b += 1
                parts.append(run_rows[a:b])
        if self._tail:
            tail: list[int] = []
            for key in wanted:
                held = self._tail.get(key)
                if isinstance(held, tuple):
                    tail += held
                elif held is not None:
                    tail.append(held)
            if tail:
                parts.append(np.array(tail, dtype=np.int64))
        if not parts:
            return _NO_ROWS
        return np.unique(np.concatenate(parts))

    def _verify(
        self, rows: Rows, q: npt.NDArray[np.uint32], need: int
    ) -> tuple[Rows, npt.NDArray[np.int64]]:
        """The rows among ``rows`` whose signature shares ``need`` values with ``q``."""
        step = _SCAN_BLOCK // 8
        blocks = (rows[s : s + step] for s in range(0, rows.size, step))
        return self._matching(((np.take(self._sigs, b, axis=0), b) for b in blocks), q, need)

    def _scan_range(
        self, lo: int, hi: int, q: npt.NDArray[np.uint32], need: int
    ) -> tuple[Rows, npt.NDArray[np.int64]]:
        """:meth:`_verify` of the rows ``lo..hi``, read in place (a search below the
        index's threshold reads every row)."""
        step = _SCAN_BLOCK // 8
        spans = ((s, min(hi, s + step)) for s in range(lo, hi, step))
        return self._matching(((self._sigs[a:b], np.arange(a, b)) for a, b in spans), q, need)

    def _matching(
        self,
        blocks: Iterable[tuple[npt.NDArray[np.uint32], Rows]],
        q: npt.NDArray[np.uint32],
        need: int,
    ) -> tuple[Rows, npt.NDArray[np.int64]]:
        """Of each ``(signatures, their rows)`` block, the live rows sharing ``need``."""
        ok_rows: list[Rows] = [_NO_ROWS]
        agrees: list[npt.NDArray[np.int64]] = [_NO_ROWS]
        for sigs, rows in blocks:
            agree = _agreements(sigs, q, need)
            ok = (agree >= need) & self._has_sig[rows] & self._alive[rows]
            ok_rows.append(rows[ok])
            agrees.append(agree[ok])
        return np.concatenate(ok_rows), np.concatenate(agrees)


_NO_ROWS: Final = np.empty(0, dtype=np.int64)
_HEAD: Final = 32
"""Signature values compared first: a match differs from the query in at most
``NUM_PERM - need`` values, so it shares ``_HEAD - (NUM_PERM - need)`` of these at least."""


def _agreements(
    sigs: npt.NDArray[np.uint32], q: npt.NDArray[np.uint32], need: int
) -> npt.NDArray[np.int64]:
    """Per row of ``sigs``, how many values it shares with ``q``; exact for every row that
    could share ``need``, and below ``need`` for the others (their count is cut short)."""
    least = need - (NUM_PERM - _HEAD)
    agree: npt.NDArray[np.int64]
    if least <= 0:  # a low threshold: every value must be compared
        agree = np.count_nonzero(sigs == q, axis=1).astype(np.int64)
        return agree
    agree = np.count_nonzero(sigs[:, :_HEAD] == q[:_HEAD], axis=1).astype(np.int64)
    maybe = np.flatnonzero(agree >= least)
    if maybe.size:
        agree[maybe] += np.count_nonzero(sigs[maybe, _HEAD:] == q[_HEAD:], axis=1)
    return agree


__all__ = [
    "CHUNKS",
    "CHUNK_BITS",
    "MIH_MIN_SIZE",
    "TAIL_MAX",
    "ImageIndex",
    "TextIndex",
    "chunk_values",
    "distances",
    "pack_hex",
    "pack_many",
    "unpack_hex",
]
