"""Proof construction from perfect nodes and proof verification."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alteram.errors import InvalidInput, VerificationFailed
from alteram.tlog import (
    EMPTY_ROOT,
    CompactRange,
    assemble_consistency,
    assemble_inclusion,
    consistency_nodes,
    consistency_proof,
    inclusion_nodes,
    inclusion_proof,
    root,
    root_from_inclusion_proof,
    subtree_root,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from alteram.tlog.proof import consistency_ranges, inclusion_ranges, range_nodes
from test_tlog_reference import leaves, mth, path, perfect_nodes, proof

MAX_EXHAUSTIVE = 70

Store = dict[tuple[int, int], bytes]


def store_of(hashes: list[bytes]) -> Store:
    return {(lv, ix): h for lv, ix, h in perfect_nodes(hashes)}


def strict_lookup(
    store: Store, size: int, asked: list[tuple[int, int]]
) -> Callable[[int, int], bytes]:
    """A node lookup that fails the test if asked for anything but a perfect node of ``size``."""

    def node(level: int, index: int) -> bytes:
        assert level >= 0 and index >= 0
        assert (index + 1) << level <= size, f"asked for non-perfect node ({level}, {index})"
        asked.append((level, index))
        return store[(level, index)]

    return node


def by(store: Store) -> Callable[[int, int], bytes]:
    return lambda level, index: store[(level, index)]


@pytest.fixture(scope="module")
def tree() -> tuple[list[bytes], Store]:
    hashes = leaves(MAX_EXHAUSTIVE, b"exhaustive")
    return hashes, store_of(hashes)


def test_every_inclusion_proof_up_to_70(tree: tuple[list[bytes], Store]) -> None:
    hashes, store = tree
    checked = 0
    for size in range(1, MAX_EXHAUSTIVE + 1):
        prefix = hashes[:size]
        r = root(prefix)
        assert tree_root(size, strict_lookup(store, size, [])) == r
        for index in range(size):
            asked: list[tuple[int, int]] = []
            got = inclusion_proof(index, size, strict_lookup(store, size, asked))
            assert got == path(index, prefix), (index, size)
            assert sorted(asked) == sorted(inclusion_nodes(index, size))
            assert assemble_inclusion(index, size, store) == got
            verify_inclusion(prefix[index], index, size, got, r)
            checked += 1
    assert checked == MAX_EXHAUSTIVE * (MAX_EXHAUSTIVE + 1) // 2


def test_every_consistency_proof_up_to_70(tree: tuple[list[bytes], Store]) -> None:
    hashes, store = tree
    roots = [mth(hashes[:n]) for n in range(MAX_EXHAUSTIVE + 1)]
    checked = 0
    for size2 in range(1, MAX_EXHAUSTIVE + 1):
        for size1 in range(1, size2 + 1):
            asked: list[tuple[int, int]] = []
            got = consistency_proof(size1, size2, strict_lookup(store, size2, asked))
            assert got == proof(size1, hashes[:size2]), (size1, size2)
            assert sorted(asked) == sorted(consistency_nodes(size1, size2))
            assert assemble_consistency(size1, size2, store) == got
            verify_consistency(size1, size2, got, roots[size1], roots[size2])
            checked += 1
    assert checked == MAX_EXHAUSTIVE * (MAX_EXHAUSTIVE + 1) // 2


def _flat(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [node for start, end in ranges for node in range_nodes(start, end)]


def test_plans_ask_only_for_perfect_nodes() -> None:
    for size in range(1, 200):
        for index in range(0, size, 3):
            nodes = inclusion_nodes(index, size)
            assert nodes == _flat(inclusion_ranges(index, size))
            for level, ix in nodes:
                assert (ix + 1) << level <= size
        for size1 in range(1, size + 1, 2):
            nodes = consistency_nodes(size1, size)
            assert nodes == _flat(consistency_ranges(size1, size))
            for level, ix in nodes:
                assert (ix + 1) << level <= size


def test_ragged_edge_is_composed_from_perfect_subtrees() -> None:
    hashes = leaves(13)
    store = store_of(hashes)
    # [8, 13) = [8, 12) + [12, 13)
    assert range_nodes(8, 13) == [(2, 2), (0, 12)]
    assert subtree_root(8, 13, by(store)) == mth(hashes[8:13])
    assert subtree_root(0, 0, by(store)) == EMPTY_ROOT
    assert inclusion_ranges(0, 13) == [(1, 2), (2, 4), (4, 8), (8, 13)]
    with pytest.raises(InvalidInput, match="not a subtree"):
        range_nodes(4, 9)


def test_construction_rejects_bad_arguments() -> None:
    store = store_of(leaves(4))
    with pytest.raises(InvalidInput):
        inclusion_proof(4, 4, by(store))
    with pytest.raises(InvalidInput):
        inclusion_proof(-1, 4, by(store))
    with pytest.raises(InvalidInput):
        inclusion_nodes(0, 0)
    with pytest.raises(InvalidInput, match="prove nothing"):
        consistency_ranges(0, 4)
    with pytest.raises(InvalidInput, match="larger"):
        consistency_nodes(5, 4)
    assert consistency_proof(4, 4, by(store)) == []
    with pytest.raises(KeyError, match=r"node \(level 0, index 1\) was not fetched"):
        assemble_inclusion(0, 4, {})
    with pytest.raises(KeyError, match="not fetched"):
        assemble_consistency(3, 4, {})


def _flip(h: bytes, bit: int = 0) -> bytes:
    return bytes([h[0] ^ (1 << bit)]) + h[1:]


def test_tampered_inclusion_proofs_fail() -> None:
    hashes = leaves(45)
    store = store_of(hashes)
    r = root(hashes)
    for index in range(45):
        good = inclusion_proof(index, 45, by(store))
        for i in range(len(good)):
            bad = list(good)
            bad[i] = _flip(bad[i])
            with pytest.raises(VerificationFailed, match="mismatch"):
                verify_inclusion(hashes[index], index, 45, bad, r)
        with pytest.raises(VerificationFailed):
            verify_inclusion(hashes[index], index, 45, [*good, good[0]], r)
        with pytest.raises(VerificationFailed):
            verify_inclusion(hashes[index], index, 45, good[:-1], r)
        with pytest.raises(VerificationFailed):
            verify_inclusion(_flip(hashes[index]), index, 45, good, r)
        with pytest.raises(VerificationFailed):
            verify_inclusion(hashes[index], index, 45, good, _flip(r))
        other = (index + 1) % 45
        with pytest.raises(VerificationFailed):
            verify_inclusion(hashes[index], other, 45, good, r)


def test_tampered_consistency_proofs_fail() -> None:
    hashes = leaves(37)
    store = store_of(hashes)
    roots = [mth(hashes[:n]) for n in range(38)]
    for size1 in range(1, 37):
        good = consistency_proof(size1, 37, by(store))
        for i in range(len(good)):
            bad = list(good)
            bad[i] = _flip(bad[i], 3)
            with pytest.raises(VerificationFailed):
                verify_consistency(size1, 37, bad, roots[size1], roots[37])
        with pytest.raises(VerificationFailed):
            verify_consistency(size1, 37, good, _flip(roots[size1]), roots[37])
        with pytest.raises(VerificationFailed):
            verify_consistency(size1, 37, good, roots[size1], _flip(roots[37]))
        with pytest.raises(VerificationFailed):
            verify_consistency(size1, 37, [*good, good[0]], roots[size1], roots[37])
        with pytest.raises(VerificationFailed):
            verify_consistency(size1, 37, good[1:], roots[size1], roots[37])


def test_verifier_edge_rules() -> None:
    h = leaves(1)[0]
    with pytest.raises(VerificationFailed, match="empty tree"):
        verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)
    with pytest.raises(VerificationFailed, match="larger"):
        verify_consistency(2, 1, [], h, h)
    with pytest.raises(VerificationFailed, match="must be empty"):
        verify_consistency(1, 1, [h], h, h)
    with pytest.raises(VerificationFailed, match="different roots"):
        verify_consistency(1, 1, [], h, _flip(h))
    verify_consistency(1, 1, [], h, h)
    with pytest.raises(VerificationFailed, match="32-byte"):
        verify_consistency(1, 2, [h[:31]], h, h)
    with pytest.raises(VerificationFailed, match="not below"):
        verify_inclusion(h, 1, 1, [], h)
    with pytest.raises(VerificationFailed, match="not below"):
        verify_inclusion(h, 0, 0, [], EMPTY_ROOT)
    with pytest.raises(VerificationFailed, match="32 bytes"):
        verify_inclusion(h[:5], 0, 1, [], h)
    with pytest.raises(VerificationFailed, match="has 1 hashes, got 0"):
        root_from_inclusion_proof(h, 0, 2, [])
    verify_inclusion(h, 0, 1, [], h)


@st.composite
def tree_and_point(draw: st.DrawFn) -> tuple[int, int, int]:
    size = draw(st.integers(min_value=1, max_value=5000))
    index = draw(st.integers(min_value=0, max_value=size - 1))
    size1 = draw(st.integers(min_value=1, max_value=size))
    return size, index, size1


@settings(max_examples=60, deadline=None)
@given(tree_and_point())
def test_random_large_trees(case: tuple[int, int, int]) -> None:
    size, index, size1 = case
    hashes = leaves(size, b"hypothesis")
    cr = CompactRange()
    store = {(lv, ix): h for lv, ix, h in cr.extend(hashes)}
    r = cr.root()
    incl = assemble_inclusion(index, size, {k: store[k] for k in inclusion_nodes(index, size)})
    verify_inclusion(hashes[index], index, size, incl, r)
    cons = assemble_consistency(size1, size, {k: store[k] for k in consistency_nodes(size1, size)})
    verify_consistency(size1, size, cons, root(hashes[:size1]), r)
    # and against the definition, on the smaller cases where it is cheap
    if size <= 600:
        assert incl == path(index, hashes)
        assert cons == proof(size1, hashes)


def test_huge_tree_plans_are_logarithmic() -> None:
    size = (1 << 40) + 12345
    assert len(inclusion_nodes(size // 3, size)) <= 2 * 41
    assert len(consistency_nodes(size // 3, size)) <= 3 * 41
