"""The precedent indexes answer exactly what a brute-force comparison answers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alteram.errors import InvalidInput
from alteram.fingerprint import ImageIndex, TextIndex, pack_hex, pack_many, unpack_hex
from alteram.fingerprint.index import chunk_values
from alteram.fingerprint.text import (
    TextFingerprint,
    encode_signature,
    matches,
    similarity,
    text_fingerprint,
)

DISTANCES = (0, 10, 31, 63)


# -- banks with realistic structure --------------------------------------------------


def flip(rng: np.random.Generator, words: np.ndarray, bits: int) -> np.ndarray:
    out = words.copy()
    for b in rng.choice(256, size=bits, replace=False):
        out[b // 64] ^= np.uint64(1) << np.uint64(63 - b % 64)
    return out


def clustered_bank(seed: int, n: int, clusters: int, spread: int) -> list[str]:
    """``n`` hashes: half near one of ``clusters`` centres (0..spread bits off), half random."""
    rng = np.random.default_rng(seed)
    centres = rng.integers(0, 2**64, size=(max(clusters, 1), 4), dtype=np.uint64)
    out = []
    for i in range(n):
        if clusters and i % 2 == 0:
            centre = centres[rng.integers(clusters)]
            out.append(unpack_hex(flip(rng, centre, int(rng.integers(0, spread + 1)))))
        else:
            out.append(unpack_hex(rng.integers(0, 2**64, size=4, dtype=np.uint64)))
    return out


def oracle(bank: list[tuple[str, int]], query: str, d: int) -> list[tuple[int, int]]:
    """Python integers, no NumPy: each payload once at its closest hash; closest first,
    ties by the earliest row that is that close."""
    q = int(query, 16)
    best: dict[int, tuple[int, int]] = {}
    for row, (h, payload) in enumerate(bank):
        dist = (int(h, 16) ^ q).bit_count()
        if dist <= d and (payload not in best or dist < best[payload][0]):
            best[payload] = (dist, row)
    return [(p, dist) for p, (dist, _) in sorted(best.items(), key=lambda kv: kv[1])]


def queries_for(seed: int, bank: list[str], count: int = 6) -> list[str]:
    rng = np.random.default_rng(seed + 1)
    out = [unpack_hex(rng.integers(0, 2**64, size=4, dtype=np.uint64))]
    for _ in range(count - 1):
        if not bank:
            break
        base = pack_hex(bank[int(rng.integers(len(bank)))])
        out.append(unpack_hex(flip(rng, base, int(rng.integers(0, 40)))))
    return out


# -- images ------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 400),
    clusters=st.integers(0, 8),
    spread=st.integers(0, 70),
    payloads=st.integers(1, 500),
    removals=st.integers(0, 30),
    tail=st.integers(0, 60),
)
def test_image_search_equals_brute_force(
    seed: int, n: int, clusters: int, spread: int, payloads: int, removals: int, tail: int
) -> None:
    hashes = clustered_bank(seed, n, clusters, spread)
    bank = [(h, i % payloads) for i, h in enumerate(hashes)]
    index: ImageIndex[int] = ImageIndex.build(
        bank, mih_min_size=1, tail_max=10_000, scan_fraction=0
    )
    rng = np.random.default_rng(seed + 2)
    extra = clustered_bank(seed + 3, tail, clusters, spread)
    for h in extra:  # the tail: added after the tables were built
        payload = int(rng.integers(payloads + 50))
        index.add(h, payload)
        bank.append((h, payload))
    gone = {int(rng.integers(payloads)) for _ in range(removals)}
    for p in gone:
        index.remove(p)
    live = [(h, p) for h, p in bank if p not in gone]
    for q in queries_for(seed, hashes + extra):
        for d in DISTANCES:
            if index._order is not None:
                assert index.plan(q, d) == "tables"
            got = index.search(q, d)
            assert got == index.brute_force(q, d)
            assert got == oracle(live, q, d)


@pytest.mark.parametrize("seed", [1, 2])
def test_image_search_equals_brute_force_on_a_larger_bank(seed: int) -> None:
    hashes = clustered_bank(seed, 30_000, clusters=300, spread=45)
    index: ImageIndex[int] = ImageIndex.build(
        [(h, i) for i, h in enumerate(hashes)], mih_min_size=10_000
    )
    for q in queries_for(seed, hashes, count=40):
        for d in DISTANCES:
            assert index.search(q, d) == index.brute_force(q, d)
        assert index.plan(q, 31) == "tables"
    assert index.plan(hashes[0], 64) == "scan"  # beyond the generalized pigeonhole
    assert index.search(hashes[0], 256) == index.brute_force(hashes[0], 256)
    assert len(index.search(hashes[0], 256)) == 30_000


def test_mih_prefers_the_scan_when_buckets_are_crowded() -> None:
    same = "ab" * 32
    index: ImageIndex[int] = ImageIndex.build([(same, i) for i in range(2_000)], mih_min_size=1)
    assert index.plan(same, 31) == "scan"
    assert len(index.search(same, 0)) == 2_000


def test_chunks_are_hex_digit_groups() -> None:
    h = "0123456789abcdef" + "fedcba9876543210" + "0" * 31 + "1"
    values = chunk_values(pack_hex(h))[:, 0].tolist()
    assert values[:8] == [0x0123, 0x4567, 0x89AB, 0xCDEF, 0xFEDC, 0xBA98, 0x7654, 0x3210]
    assert values[15] == 1
    assert unpack_hex(pack_hex(h)) == h
    assert pack_many([h, h]).shape == (2, 4)


def test_add_search_remove_and_readd() -> None:
    base = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    near = unpack_hex(flip(np.random.default_rng(0), pack_hex(base), 12))
    far = unpack_hex(flip(np.random.default_rng(1), pack_hex(base), 100))
    index: ImageIndex[str] = ImageIndex()
    assert index.search(base) == []
    index.add(base, "ruling-1")
    index.add(near, "ruling-2")
    index.add(far, "ruling-3")
    assert index.search(base) == [("ruling-1", 0), ("ruling-2", 12)]
    assert index.search(base, 0) == [("ruling-1", 0)]
    assert len(index) == 3 and "ruling-1" in index
    # the ruling changes on appeal: out, and back in under a new decision
    assert index.remove("ruling-1") == 1
    assert index.remove("ruling-1") == 0
    assert "ruling-1" not in index
    assert index.search(base) == [("ruling-2", 12)]
    index.add(base, "ruling-1-appeal")
    assert index.search(base) == [("ruling-1-appeal", 0), ("ruling-2", 12)]
    # several hashes for one payload: answered once, at the closest
    index.add(far, "ruling-2")
    index.add(base, "ruling-2")
    assert index.search(base) == [("ruling-1-appeal", 0), ("ruling-2", 0)]
    assert sorted(index.hashes_of("ruling-2")) == sorted([near, far, base])
    assert index.payload_count == 3
    assert index.search_any([far, near], 0) == [("ruling-2", 0), ("ruling-3", 0)]


def test_dihedral_queries_find_a_mirrored_copy() -> None:
    index: ImageIndex[str] = ImageIndex()
    stored = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    index.add(stored, "cleared")
    mirrored_copy_hashes = ["0" * 64, "1" * 64, stored[:-2] + "23"]
    assert index.search(mirrored_copy_hashes[0]) == []
    assert index.search_any(mirrored_copy_hashes) == [("cleared", 1)]


@pytest.mark.parametrize("tail_max", [1, 37, 500])
def test_a_full_tail_merges_into_the_tables_a_rebuild_would_make(tail_max: int) -> None:
    hashes = clustered_bank(11, 3_000, clusters=30, spread=30)
    index: ImageIndex[int] = ImageIndex(mih_min_size=200, tail_max=tail_max)
    builds, merges = [], []
    rebuild, merge = index._rebuild_tables, index._merge_tail
    index._rebuild_tables = lambda: (builds.append(1), rebuild())[1]  # type: ignore[method-assign]
    index._merge_tail = lambda: (merges.append(1), merge())[1]  # type: ignore[method-assign]
    for i, h in enumerate(hashes):
        index.add(h, i)
        if i % 89 == 0:
            index.remove(i // 3)  # dead rows stay in the tables, masked, until compaction
    assert len(builds) == 1 and len(merges) >= (3_000 - 200) // (tail_max + 1) - 2
    assert index._n - index._indexed <= tail_max
    assert index._order is not None and index._starts is not None
    merged = (index._order.copy(), index._starts.copy())
    n = index._n
    index._n = index._indexed  # the same rows, tables built from scratch
    rebuild()
    index._n = n
    assert np.array_equal(merged[0], index._order) and np.array_equal(merged[1], index._starts)
    for q in queries_for(12, hashes, count=10):
        for d in DISTANCES:
            assert index.search(q, d) == index.brute_force(q, d)


def test_growth_rebuilds_and_compaction_keep_answers_exact() -> None:
    hashes = clustered_bank(7, 6_000, clusters=40, spread=40)
    index: ImageIndex[int] = ImageIndex(mih_min_size=1_000, tail_max=500)
    for i, h in enumerate(hashes):
        index.add(h, i)
    assert index._order is not None and index._n - index._indexed <= 500
    for p in range(0, 6_000, 2):
        index.remove(p)
    assert len(index) == 3_000
    for q in queries_for(7, hashes, count=20):
        for d in DISTANCES:
            assert index.search(q, d) == index.brute_force(q, d)
    index.rebuild()
    assert index._n == 3_000 and index._indexed == 3_000
    assert all(p % 2 == 1 for p, _ in index.search(hashes[1], 63))
    for q in queries_for(8, hashes, count=20):
        for d in DISTANCES:
            assert index.search(q, d) == index.brute_force(q, d)
    index.remove(1)
    assert 1 not in index


def test_from_packed_and_validation() -> None:
    hashes = clustered_bank(3, 100, 3, 20)
    index: ImageIndex[int] = ImageIndex.from_packed(pack_many(hashes), range(100), mih_min_size=10)
    assert index.search(hashes[5], 0)[0] == (5, 0)
    assert index.remove(5) == 1 and 5 not in index
    with pytest.raises(ValueError):
        ImageIndex.from_packed(np.zeros((3, 3), np.uint64), [1, 2, 3])
    with pytest.raises(ValueError):
        ImageIndex.from_packed(np.zeros((3, 4), np.uint64), [1, 2])
    with pytest.raises(InvalidInput):
        index.add("not a hash", 1)
    with pytest.raises(InvalidInput):
        index.search("ab" * 31)
    with pytest.raises(ValueError):
        index.search(hashes[0], -1)


# -- texts ---------------------------------------------------------------------------

PERSIAN_WORDS = "زن زندگی آزادی حق بیان خیابان صدا پیام شهر مردم قانون دادگاه حکم رای داور"
ENGLISH_WORDS = "the court ruled that speech must be heard before any removal of posts"
WORDS = [*PERSIAN_WORDS.split(" "), *ENGLISH_WORDS.split(" ")]


def _texts(seed: int, n: int) -> list[str]:
    rng = np.random.default_rng(seed)
    bases = [" ".join(rng.choice(WORDS, size=int(rng.integers(3, 40)))) for _ in range(8)]
    out = []
    for _ in range(n):
        words = str(bases[int(rng.integers(len(bases)))]).split()
        for _ in range(int(rng.integers(0, 4))):  # a few edits
            words[int(rng.integers(len(words)))] = str(rng.choice(WORDS))
        text = " ".join(words)
        if rng.random() < 0.3:
            text = text.replace("ی", "ي").replace("ک", "ك") + "!"
        out.append(text)
    return out


def text_oracle(
    bank: list[tuple[TextFingerprint, int]], query: TextFingerprint, threshold: float
) -> dict[int, float]:
    best: dict[int, float] = {}
    for fp, payload in bank:
        if matches(query, fp, threshold):
            best[payload] = max(best.get(payload, 0.0), similarity(query, fp))
    return best


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 120),
    payloads=st.integers(1, 150),
    threshold=st.sampled_from([0.5, 0.8, 0.9, 1.0]),
    removals=st.integers(0, 10),
)
def test_text_search_equals_pairwise_matching(
    seed: int, n: int, payloads: int, threshold: float, removals: int
) -> None:
    fps = [text_fingerprint(t) for t in _texts(seed, n)]
    bank = [(fp, i % payloads) for i, fp in enumerate(fps)]
    index: TextIndex[int] = TextIndex.build(bank[: n // 2])
    for fp, p in bank[n // 2 :]:  # some in the tail
        index.add(fp, p)
    rng = np.random.default_rng(seed)
    gone = {int(rng.integers(payloads)) for _ in range(removals)}
    for p in gone:
        index.remove(p)
    live = [(fp, p) for fp, p in bank if p not in gone]
    for q in [text_fingerprint(t) for t in _texts(seed + 1, 5)] + fps[:3]:
        got = index.search(q, threshold)
        assert got == index.brute_force(q, threshold)
        assert dict(got) == pytest.approx(text_oracle(live, q, threshold))
        scores = [s for _, s in got]
        assert scores == sorted(scores, reverse=True)


def test_text_index_exact_near_short_and_removal() -> None:
    post = (
        "زن، زندگی، آزادی. ما برای حق انتخاب پوشش و آزادی بیان در خیابان‌ها هستیم و هیچ "
        "قدرتی نمی‌تواند صدای ما را خاموش کند."
    )
    index: TextIndex[str] = TextIndex()
    index.add(text_fingerprint(post), "ruling-1")
    index.add(text_fingerprint("زن، زندگی، آزادی"), "ruling-2")
    index.add(text_fingerprint("!!!"), "ruling-empty")
    assert index.search(text_fingerprint(post.replace("ی", "ي"))) == [("ruling-1", 1.0)]
    edited = index.search(text_fingerprint(post.replace("خاموش", "ساکت")))
    assert [p for p, _ in edited] == ["ruling-1"] and 0.8 <= edited[0][1] < 1.0
    assert index.search(text_fingerprint("زن زندگي آزادي")) == [("ruling-2", 1.0)]
    assert index.search(text_fingerprint("زن، زندگی، برابری")) == []
    assert index.search(text_fingerprint("?")) == []  # empty text matches nothing
    assert index.remove("ruling-1") == 1
    assert index.search(text_fingerprint(post)) == []
    index.add(text_fingerprint(post), "ruling-1-appeal")
    assert index.search(text_fingerprint(post)) == [("ruling-1-appeal", 1.0)]
    assert len(index) == 3 and index.payload_count == 3
    index.rebuild()
    assert index.search(text_fingerprint(post)) == [("ruling-1-appeal", 1.0)]
    assert index.search(text_fingerprint("زن زندگی آزادی")) == [("ruling-2", 1.0)]


@pytest.mark.parametrize("tail_max", [1, 7, 4096])
def test_text_index_equals_brute_force_across_tail_rebuilds(tail_max: int) -> None:
    """Rows move from the tail (a dict of band keys) into sorted runs as the tail fills,
    and runs merge: every search, before and after each move, equals the scan."""
    texts = _texts(7, 90)
    index: TextIndex[int] = TextIndex(0.8, tail_max=tail_max)
    for i, text in enumerate(texts):
        index.add(text_fingerprint(text), i % 40)
        if i % 9 == 0:
            index.remove((i + 3) % 40)
        q = text_fingerprint(texts[(i * 7) % (i + 1)])
        assert index.search(q) == index.brute_force(q)
        assert index.search(q, 0.9) == index.brute_force(q, 0.9)
    assert index._n - index._indexed <= tail_max
    if index._n == index._indexed:  # moving the tail into a run empties it
        assert index._tail == {}
    sizes = [keys.size for keys, _ in index._runs]  # each run at least twice the next
    assert all(a >= 2 * b for a, b in itertools.pairwise(sizes)), sizes
    assert sum(sizes) == 26 * int(np.count_nonzero(index._has_sig[: index._indexed]))
    hits = [index.search(text_fingerprint(t)) for t in texts]
    assert sum(1 for h in hits if h) > 45  # the near-duplicates are found, not only scanned
    assert hits == [index.brute_force(text_fingerprint(t)) for t in texts]


def test_text_index_bands_cover_the_threshold() -> None:
    index: TextIndex[int] = TextIndex(0.8)
    assert len(index._bands) == 26  # at most 25 of 128 values differ: 26 bands, one is equal
    assert sum(b - a for a, b in index._bands) == 128
    assert TextIndex(1.0)._bands == [(0, 128)]


@pytest.mark.parametrize("differ", [0, 24, 25, 26, 40])
@pytest.mark.parametrize("where", ["head", "tail", "spread"])
def test_text_matches_at_the_edge_of_the_threshold_are_exact(differ: int, where: str) -> None:
    """At 0.8 a match shares >= 103 of 128 values. The search compares the first 32 values
    first; signatures that differ exactly there (or elsewhere) are counted exactly."""
    rng = np.random.default_rng(differ)
    q = rng.integers(0, 2**32, size=128, dtype=np.uint64).astype(np.uint32)
    columns = {
        "head": list(range(differ)),
        "tail": list(range(128 - differ, 128)),
        "spread": sorted(rng.choice(128, size=differ, replace=False).tolist()),
    }[where]
    sig = q.copy()
    sig[columns] ^= np.uint32(1)
    fp = TextFingerprint("a" * 64, encode_signature(sig))
    query = TextFingerprint("b" * 64, encode_signature(q))
    for built in (False, True):  # in the tail, then in the band tables
        index: TextIndex[str] = TextIndex(0.8)
        index.add(fp, "case")
        if built:
            index.rebuild()
        expected = [("case", (128 - differ) / 128)] if differ <= 25 else []
        assert index.search(query) == expected
        assert index.brute_force(query) == expected
