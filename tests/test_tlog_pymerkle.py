"""pymerkle (GPL-3.0, test-only dependency) as a differential oracle.

pymerkle's default hashing ("security" on) is RFC 9162's: leaf = H(0x00 ‖ data),
node = H(0x01 ‖ left ‖ right), empty tree = H(""). (``disable_security=True``
would *drop* the prefixes, so it is not used.) Its inclusion proof path is
``[leaf hash, sibling, …]`` bottom-up, i.e. the leaf hash followed by the
RFC 9162 audit path, so roots and inclusion paths compare byte for byte.
Its consistency proofs have a different shape from RFC 9162's, so for
consistency we compare the roots at both sizes and check that pymerkle's own
consistency proof verifies against our roots.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alteram.tlog import (
    EMPTY_ROOT,
    CompactRange,
    assemble_consistency,
    assemble_inclusion,
    consistency_nodes,
    inclusion_nodes,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)
from conftest import require_or_skip

try:
    import pymerkle  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - the test extra installs it
    pymerkle = None


@pytest.fixture(autouse=True)
def _need_pymerkle() -> None:
    if pymerkle is None:
        require_or_skip("pymerkle is not installed (pip install -e '.[test]')")


def _pm_tree(entries: list[bytes]) -> Any:
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    for entry in entries:
        tree.append_entry(entry)
    return tree


def _pm_root(tree: Any, size: int) -> bytes:
    get = getattr(tree, "get_root", None) or tree.get_state  # get_state before 7.0
    return bytes(get(size))


def _entries(rng: random.Random, n: int) -> list[bytes]:
    return [rng.randbytes(rng.randrange(0, 80)) for _ in range(n)]


def test_same_hashing() -> None:
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    assert tree.hash_empty() == EMPTY_ROOT
    for data in (b"", b"abc", bytes(range(200))):
        assert tree.hash_buff(data) == leaf_hash(data)
    assert _pm_root(tree, 0) == EMPTY_ROOT


def test_every_prefix_root_and_path_small() -> None:
    rng = random.Random(9162)
    entries = _entries(rng, 90)
    tree = _pm_tree(entries)
    hashes = [leaf_hash(e) for e in entries]
    cr = CompactRange()
    store = {(lv, ix): h for lv, ix, h in cr.extend(hashes)}
    for size in range(1, 91):
        r = root(hashes[:size])
        assert _pm_root(tree, size) == r, size
        for index in range(size):
            path = tree.prove_inclusion(index + 1, size).path
            ours = assemble_inclusion(index, size, store)
            assert path[0] == hashes[index]
            assert list(path[1:]) == ours, (index, size)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=3000), st.integers(min_value=0, max_value=2**32))
def test_random_trees(size: int, seed: int) -> None:
    rng = random.Random(seed)
    entries = _entries(rng, size)
    tree = _pm_tree(entries)
    hashes = [leaf_hash(e) for e in entries]
    cr = CompactRange()
    store = {(lv, ix): h for lv, ix, h in cr.extend(hashes)}
    assert _pm_root(tree, size) == cr.root() == root(hashes)
    for _ in range(10):
        index = rng.randrange(size)
        path = tree.prove_inclusion(index + 1, size).path
        ours = assemble_inclusion(index, size, {k: store[k] for k in inclusion_nodes(index, size)})
        assert list(path[1:]) == ours
        verify_inclusion(hashes[index], index, size, ours, cr.root())

        size1 = rng.randrange(1, size + 1)
        root1 = _pm_root(tree, size1)
        assert root1 == root(hashes[:size1])
        ours_c = assemble_consistency(
            size1, size, {k: store[k] for k in consistency_nodes(size1, size)}
        )
        verify_consistency(size1, size, ours_c, root1, cr.root())
        # pymerkle's own consistency proof accepts our roots
        theirs = tree.prove_consistency(size1, size)
        pymerkle.verify_consistency(root(hashes[:size1]), cr.root(), theirs)
