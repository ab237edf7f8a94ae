"""A literal, slow transcription of RFC 9162 §2.1 used as the oracle of the tlog tests.

MTH, PATH and PROOF/SUBPROOF follow the RFC's recursive definitions word for
word (split at the largest power of two smaller than n), with no attempt at
speed, so that the fast iterative code in ``alteram.tlog`` is checked against
the definition rather than against itself. The tests in this file pin the
oracle to the external 8-leaf reference roots.
"""

from __future__ import annotations

import hashlib

from alteram.tlog import EMPTY_ROOT
from test_tlog_vectors import REFERENCE_LEAVES, REFERENCE_ROOTS


def h_leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def h_node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaf_hashes: list[bytes]) -> bytes:
    """MTH(D[n]) over already-hashed leaves."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = split_point(n)
    return h_node(mth(leaf_hashes[:k]), mth(leaf_hashes[k:]))


def path(m: int, leaf_hashes: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf m."""
    n = len(leaf_hashes)
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return [*path(m, leaf_hashes[:k]), mth(leaf_hashes[k:])]
    return [*path(m - k, leaf_hashes[k:]), mth(leaf_hashes[:k])]


def subproof(m: int, leaf_hashes: list[bytes], b: bool) -> list[bytes]:
    n = len(leaf_hashes)
    if m == n:
        return [] if b else [mth(leaf_hashes)]
    k = split_point(n)
    if m <= k:
        return [*subproof(m, leaf_hashes[:k], b), mth(leaf_hashes[k:])]
    return [*subproof(m - k, leaf_hashes[k:], False), mth(leaf_hashes[:k])]


def proof(m: int, leaf_hashes: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]): the consistency proof from the first m leaves (0 < m <= n)."""
    return subproof(m, leaf_hashes, True)


def perfect_nodes(leaf_hashes: list[bytes]) -> set[tuple[int, int, bytes]]:
    """Every perfect-subtree node ``(level, index, MTH)`` of the tree, by brute force."""
    out = set()
    n = len(leaf_hashes)
    level = 0
    while (1 << level) <= n:
        width = 1 << level
        for index in range(n // width):
            out.add((level, index, mth(leaf_hashes[index * width : (index + 1) * width])))
        level += 1
    return out


def leaves(n: int, salt: bytes = b"") -> list[bytes]:
    return [h_leaf(salt + i.to_bytes(8, "big")) for i in range(n)]


def test_oracle_matches_reference_roots() -> None:
    hashes = [h_leaf(bytes.fromhex(x)) for x in REFERENCE_LEAVES]
    for size in range(9):
        assert mth(hashes[:size]).hex() == REFERENCE_ROOTS[size]


def test_oracle_perfect_node_count() -> None:
    # A tree of n leaves has n leaves, n//2 level-1 nodes, n//4 level-2 nodes...
    for n in range(1, 40):
        assert len(perfect_nodes(leaves(n))) == sum(n >> lv for lv in range(n.bit_length()))
