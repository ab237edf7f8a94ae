"""Merkle roots and the compact range, against the RFC 9162 oracle."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alteram.errors import InvalidInput
from alteram.tlog import EMPTY_ROOT, CompactRange, frontier_nodes, leaf_hash, node_hash, root
from alteram.tlog.hashing import HASH_SIZE
from test_tlog_reference import h_leaf, h_node, leaves, mth, perfect_nodes


def test_hashing_matches_definition() -> None:
    for data in (b"", b"x", bytes(range(256)) * 9):
        assert leaf_hash(data) == h_leaf(data)
        assert node_hash(data[:32], data[32:]) == h_node(data[:32], data[32:])
    assert len(EMPTY_ROOT) == HASH_SIZE


def test_root_matches_oracle_for_every_size() -> None:
    hashes = leaves(300)
    for n in range(301):
        assert root(hashes[:n]) == mth(hashes[:n]), n


def test_compact_range_root_for_every_prefix() -> None:
    hashes = leaves(260)
    cr = CompactRange()
    assert cr.root() == EMPTY_ROOT and cr.size == 0
    for n, h in enumerate(hashes, 1):
        cr.append(h)
        assert cr.size == n
        assert cr.root() == root(hashes[:n]), n


def test_extend_nodes_are_exactly_the_perfect_nodes() -> None:
    """For every split of 0..40 leaves into two batches, the union of what
    append()/extend() return is exactly the brute-force set of perfect nodes,
    with nothing returned twice."""
    hashes = leaves(40)
    for n in range(41):
        want = perfect_nodes(hashes[:n])
        for cut in range(n + 1):
            cr = CompactRange()
            got = cr.extend(hashes[:cut]) + cr.extend(hashes[cut:n])
            assert len(got) == len(set(got))
            assert set(got) == want, (n, cut)
            assert cr.root() == mth(hashes[:n])
        cr = CompactRange()
        one_by_one = [node for h in hashes[:n] for node in cr.append(h)]
        assert len(one_by_one) == len(want) and set(one_by_one) == want


def test_extend_order_is_level_then_index() -> None:
    cr = CompactRange()
    cr.extend(leaves(5))
    got = cr.extend(leaves(11, b"more"))
    keys = [(level, index) for level, index, _ in got]
    assert keys == sorted(keys)
    assert keys[:11] == [(0, i) for i in range(5, 16)]


def test_append_returns_leaf_then_parents() -> None:
    cr = CompactRange()
    hashes = leaves(8)
    for h in hashes[:7]:
        cr.append(h)
    got = cr.append(hashes[7])
    assert [(lv, ix) for lv, ix, _ in got] == [(0, 7), (1, 3), (2, 1), (3, 0)]
    assert got[-1][2] == mth(hashes)


def test_frontier_nodes() -> None:
    assert frontier_nodes(0) == []
    assert frontier_nodes(1) == [(0, 0)]
    assert frontier_nodes(8) == [(3, 0)]
    # 13 = 8 + 4 + 1: leaves [0,8), [8,12), [12,13)
    assert frontier_nodes(13) == [(3, 0), (2, 2), (0, 12)]
    with pytest.raises(InvalidInput):
        frontier_nodes(-1)


def test_resume_from_frontier_gives_same_results() -> None:
    hashes = leaves(100)
    for size in range(0, 64):
        full = CompactRange()
        full.extend(hashes[:size])
        lookup = {(lv, ix): h for lv, ix, h in perfect_nodes(hashes[:size])}
        stored = [lookup[node] for node in frontier_nodes(size)]
        assert stored == full.frontier
        assert full.frontier_entries() == [
            (lv, ix, lookup[(lv, ix)]) for lv, ix in frontier_nodes(size)
        ]
        resumed = CompactRange.from_frontier(size, stored)
        assert resumed == full and resumed.root() == full.root()
        new_a = full.extend(hashes[size:])
        new_b = resumed.extend(hashes[size:])
        assert new_a == new_b
        assert resumed.root() == mth(hashes)


def test_from_frontier_rejects_bad_input() -> None:
    h = leaf_hash(b"x")
    with pytest.raises(InvalidInput, match="frontier hashes"):
        CompactRange.from_frontier(3, [h])
    with pytest.raises(InvalidInput, match="32 bytes"):
        CompactRange.from_frontier(3, [h, b"short"])
    with pytest.raises(InvalidInput):
        CompactRange.from_frontier(-1, [])


def test_extend_empty_and_copy() -> None:
    cr = CompactRange()
    assert cr.extend([]) == []
    cr.extend(leaves(5))
    clone = cr.copy()
    clone.append(leaf_hash(b"extra"))
    assert cr.size == 5 and clone.size == 6 and cr != clone
    assert "size=5" in repr(cr)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=700), min_size=1, max_size=6))
def test_random_batches_match_root(batches: list[int]) -> None:
    total = sum(batches)
    hashes = leaves(total, b"batch")
    cr = CompactRange()
    count = 0
    start = 0
    for size in batches:
        created = cr.extend(hashes[start : start + size])
        start += size
        count += len(created)
        assert cr.root() == root(hashes[:start])
    # Every perfect node exactly once: sum over levels of total >> level.
    assert count == sum(total >> lv for lv in range(total.bit_length()))


def test_bad_leaf_hashes_are_rejected_and_change_nothing() -> None:
    cr = CompactRange()
    cr.extend(leaves(5))
    before = (cr.size, cr.root(), cr.frontier)
    good = leaves(4, b"good")
    for bad in ([*good, b"short"], [*good[:3], "x" * 32], [b"x" * 33, b"y" * 31]):
        with pytest.raises(InvalidInput):
            cr.extend(bad)  # type: ignore[arg-type]
        assert (cr.size, cr.root(), cr.frontier) == before
    with pytest.raises(InvalidInput):
        cr.append(b"short")
    assert (cr.size, cr.root(), cr.frontier) == before
    with pytest.raises(InvalidInput, match="leaf hash #1 is 5 bytes"):
        root([good[0], b"short"])
