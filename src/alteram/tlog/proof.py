"""Inclusion and consistency proofs (RFC 9162 §2.1.3, §2.1.4): building and checking.

Building: a proof is a list of subtree hashes. Each is either a perfect
subtree node (see :mod:`alteram.tlog.tree` for addressing) or, at most once
per proof, a subtree on the ragged right edge of the tree, whose hash is
composed from the perfect nodes it decomposes into. So a proof needs only
stored perfect nodes, never a recomputation over leaves:

* :func:`inclusion_proof` / :func:`consistency_proof` take a
  ``node(level, index) -> bytes`` lookup and call it once per needed node;
* :func:`inclusion_nodes` / :func:`consistency_nodes` list the needed
  ``(level, index)`` up front so a store can fetch them in one query, and
  :func:`assemble_inclusion` / :func:`assemble_consistency` build the proof
  from the fetched ``{(level, index): hash}``.

Checking: :func:`verify_inclusion` and :func:`verify_consistency` accept and
reject exactly what transparency-dev/merkle's verifiers do (its test probes
run in this project's tests) and raise
:class:`~alteram.errors.VerificationFailed` with a message saying what failed.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping, Sequence

from alteram.errors import InvalidInput, VerificationFailed
from alteram.tlog.hashing import EMPTY_ROOT, HASH_SIZE, node_hash

NodeLookup = Callable[[int, int], bytes]
"""``node(level, index)``: the hash of a perfect-subtree node."""

NodeId = tuple[int, int]
"""``(level, index)`` of a perfect-subtree node."""

Range = tuple[int, int]
"""A leaf range ``[start, end)`` whose RFC 9162 subtree hash is a proof element."""


# ---------------------------------------------------------------- planning


def range_nodes(start: int, end: int) -> list[NodeId]:
    """The perfect nodes, left to right, that make up the RFC 9162 subtree ``[start, end)``.

    ``start`` must be a multiple of the smallest power of two >= ``end - start``
    (true of every subtree of an RFC 9162 tree, including its ragged right
    edge); the nodes then follow the set bits of ``end - start``, largest first.
    """
    width = end - start
    if start < 0 or width < 0:
        raise InvalidInput(f"invalid leaf range [{start}, {end})")
    if width and start % (1 << (width - 1).bit_length()):
        raise InvalidInput(f"leaf range [{start}, {end}) is not a subtree of a Merkle tree")
    nodes: list[NodeId] = []
    while width:
        level = width.bit_length() - 1
        nodes.append((level, start >> level))
        step = 1 << level
        start += step
        width -= step
    return nodes


def _fold(nodes: Sequence[NodeId], node: NodeLookup) -> bytes:
    """Hash of the perfect subtrees ``nodes`` (left to right): ``H(p0, H(p1, … pk))``."""
    if not nodes:
        return EMPTY_ROOT
    acc = node(*nodes[-1])
    for i in range(len(nodes) - 2, -1, -1):
        acc = node_hash(node(*nodes[i]), acc)
    return acc


def subtree_root(start: int, end: int, node: NodeLookup) -> bytes:
    """The RFC 9162 hash of the subtree ``[start, end)`` from its perfect nodes.

    A perfect range costs one lookup; a ragged one folds its perfect parts
    from the right: ``H(p0, H(p1, … pk))``. The empty range hashes to
    :data:`~alteram.tlog.hashing.EMPTY_ROOT`.
    """
    return _fold(range_nodes(start, end), node)


def tree_root(size: int, node: NodeLookup) -> bytes:
    """The root of the tree of ``size`` leaves from stored perfect nodes."""
    return subtree_root(0, size, node)


def _check_inclusion_args(index: int, size: int) -> None:
    if size <= 0 or not 0 <= index < size:
        raise InvalidInput(f"leaf index {index} is not in a tree of {size} leaves", field="index")


def _check_consistency_args(size1: int, size2: int) -> None:
    if size1 <= 0:
        raise InvalidInput(
            f"no consistency proof from a tree of {size1} leaves: it would prove nothing",
            field="size1",
        )
    if size1 > size2:
        raise InvalidInput(
            f"first tree size {size1} is larger than second tree size {size2}",
            field="size2",
        )


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The subtrees whose hashes form the inclusion proof of leaf ``index`` in ``size``.

    Bottom-up, as in RFC 9162: first the siblings below the level where the
    paths to ``index`` and to the last leaf part (the last of them may be
    ragged), then the left siblings along the right border.
    """
    _check_inclusion_args(index, size)
    inner = (index ^ (size - 1)).bit_length()
    ranges: list[Range] = []
    for level in range(inner):
        start = ((index >> level) ^ 1) << level
        ranges.append((start, min(start + (1 << level), size)))
    for level in range(inner, (size - 1).bit_length()):
        if (index >> level) & 1:
            start = ((index >> level) ^ 1) << level
            ranges.append((start, start + (1 << level)))
    return ranges


def consistency_ranges(size1: int, size2: int) -> list[Range]:
    """The subtrees whose hashes form the consistency proof from ``size1`` to ``size2``.

    The proof is the hash of the last perfect subtree of the old tree (left
    out when the old tree is itself perfect: the verifier knows its root),
    then that subtree's inclusion path in the new tree.
    """
    _check_consistency_args(size1, size2)
    if size1 == size2:
        return []
    shift = (size1 & -size1).bit_length() - 1
    ranges = inclusion_ranges(size1 - 1, size2)[shift:]
    if size1 != 1 << shift:
        ranges.insert(0, (size1 - (1 << shift), size1))
    return ranges


# A plan is a proof's perfect nodes in three parts: the siblings below the
# level where the paths to the leaf and to the last leaf part (each one node),
# the sibling at that level (on the ragged right edge: one or more nodes,
# folded into one proof hash; empty if the leaf is the last leaf), and the
# left siblings along the right border (each one node).
_Plan = tuple[list[NodeId], list[NodeId], list[NodeId]]


def _split(start: int, end: int) -> list[NodeId]:
    """:func:`range_nodes` without the argument checks, for internal callers."""
    nodes: list[NodeId] = []
    width = end - start
    while width:
        level = width.bit_length() - 1
        nodes.append((level, start >> level))
        step = 1 << level
        start += step
        width -= step
    return nodes


def _inclusion_plan(index: int, size: int) -> _Plan:
    _check_inclusion_args(index, size)
    inner = (index ^ (size - 1)).bit_length()
    if inner:
        top = inner - 1
        below = [(level, (index >> level) ^ 1) for level in range(top)]
        start = ((index >> top) ^ 1) << top
        edge = _split(start, min(start + (1 << top), size))
    else:
        below, edge = [], []
    border = [
        (level, (index >> level) ^ 1)
        for level in range(inner, (size - 1).bit_length())
        if (index >> level) & 1
    ]
    return below, edge, border


def _consistency_plan(size1: int, size2: int) -> tuple[list[NodeId], _Plan]:
    """``(seed, plan)``: the seed node (none if the old tree is perfect) and the rest."""
    _check_consistency_args(size1, size2)
    if size1 == size2:
        return [], ([], [], [])
    shift = (size1 & -size1).bit_length() - 1
    below, edge, border = _inclusion_plan(size1 - 1, size2)
    seed = [] if size1 == 1 << shift else [(shift, (size1 - 1) >> shift)]
    return seed, (below[shift:], edge, border)


def inclusion_nodes(index: int, size: int) -> list[NodeId]:
    """Every perfect node :func:`assemble_inclusion` needs, to fetch in one query."""
    below, edge, border = _inclusion_plan(index, size)
    return below + edge + border


def consistency_nodes(size1: int, size2: int) -> list[NodeId]:
    """Every perfect node :func:`assemble_consistency` needs, to fetch in one query."""
    seed, (below, edge, border) = _consistency_plan(size1, size2)
    return seed + below + edge + border


# ---------------------------------------------------------------- building


def _build(plan: _Plan, node: NodeLookup) -> list[bytes]:
    below, edge, border = plan
    proof = [node(level, index) for level, index in below]
    if edge:
        proof.append(_fold(edge, node))
    proof.extend([node(level, index) for level, index in border])
    return proof


def inclusion_proof(index: int, size: int, node: NodeLookup) -> list[bytes]:
    """The RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` leaves.

    ``node(level, index)`` is called once per node of :func:`inclusion_nodes`.
    """
    return _build(_inclusion_plan(index, size), node)


def consistency_proof(size1: int, size2: int, node: NodeLookup) -> list[bytes]:
    """The RFC 9162 consistency proof between the trees of ``size1`` and ``size2`` leaves.

    ``node(level, index)`` is called once per node of :func:`consistency_nodes`.
    """
    seed, plan = _consistency_plan(size1, size2)
    return [node(*n) for n in seed] + _build(plan, node)


def _assemble(seed: list[NodeId], plan: _Plan, hashes: Mapping[NodeId, bytes]) -> list[bytes]:
    below, edge, border = plan
    try:
        proof = [hashes[key] for key in seed]
        proof.extend([hashes[key] for key in below])
        if edge:
            proof.append(_fold(edge, lambda level, index: hashes[(level, index)]))
        proof.extend([hashes[key] for key in border])
    except KeyError as exc:
        key = exc.args[0] if exc.args else None
        if not (isinstance(key, tuple) and len(key) == 2):
            raise
        raise KeyError(f"node (level {key[0]}, index {key[1]}) was not fetched") from None
    return proof


def assemble_inclusion(index: int, size: int, hashes: Mapping[NodeId, bytes]) -> list[bytes]:
    """:func:`inclusion_proof` from the hashes of :func:`inclusion_nodes`.

    Raises :class:`KeyError` naming the node if one is missing from ``hashes``.
    """
    return _assemble([], _inclusion_plan(index, size), hashes)


def assemble_consistency(size1: int, size2: int, hashes: Mapping[NodeId, bytes]) -> list[bytes]:
    """:func:`consistency_proof` from the hashes of :func:`consistency_nodes`.

    Raises :class:`KeyError` naming the node if one is missing from ``hashes``.
    """
    seed, plan = _consistency_plan(size1, size2)
    return _assemble(seed, plan, hashes)


# ---------------------------------------------------------------- checking


def _check_hashes(what: str, proof: Sequence[bytes]) -> None:
    for i, h in enumerate(proof):
        if not isinstance(h, bytes) or len(h) != HASH_SIZE:
            n = len(h) if isinstance(h, bytes) else type(h).__name__
            raise VerificationFailed(
                f"{what} proof hash #{i} is not a {HASH_SIZE}-byte hash (got {n})"
            )


def _match(computed: bytes, expected: bytes, what: str) -> None:
    if not isinstance(expected, bytes) or not hmac.compare_digest(computed, expected):
        shown = expected.hex() if isinstance(expected, bytes) else repr(expected)
        raise VerificationFailed(
            f"{what} mismatch: the proof leads to {computed.hex()}, expected {shown}"
        )


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """The root that ``proof`` implies for ``leaf_hash`` at ``index`` in a tree of ``size``.

    Raises :class:`VerificationFailed` if the proof cannot be a valid one
    (index out of range, a hash not 32 bytes, wrong number of hashes).
    """
    if not 0 <= index < size:
        raise VerificationFailed(f"leaf index {index} is not below tree size {size}")
    if not isinstance(leaf_hash, bytes) or len(leaf_hash) != HASH_SIZE:
        raise VerificationFailed(f"the leaf hash must be {HASH_SIZE} bytes")
    _check_hashes("inclusion", proof)
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    if len(proof) != inner + border:
        raise VerificationFailed(
            f"an inclusion proof for leaf {index} in a tree of {size} has "
            f"{inner + border} hashes, got {len(proof)}"
        )
    h = leaf_hash
    for level in range(inner):
        sibling = proof[level]
        h = node_hash(sibling, h) if (index >> level) & 1 else node_hash(h, sibling)
    for sibling in proof[inner:]:
        h = node_hash(sibling, h)
    return h


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` with ``root``."""
    computed = root_from_inclusion_proof(leaf_hash, index, size, proof)
    _match(computed, root, f"root of the tree of {size} leaves")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree of ``size2`` leaves with ``root2`` extends the one of ``size1``.

    Edge rules, as transparency-dev/merkle: ``size1 > size2`` fails; a proof
    from ``size1 == 0`` always fails (even 0 → 0); ``size1 == size2`` needs an
    empty proof and ``root1 == root2`` (compared as given); otherwise every
    hash is 32 bytes and the proof has exactly the expected length.
    """
    if size1 < 0 or size2 < 0:
        raise VerificationFailed(f"tree sizes must be >= 0, got {size1} and {size2}")
    if size1 > size2:
        raise VerificationFailed(f"first tree size {size1} is larger than second tree size {size2}")
    if size1 == 0:
        raise VerificationFailed(
            "a consistency proof from the empty tree proves nothing and is always rejected"
        )
    if size1 == size2:
        if len(proof):
            raise VerificationFailed(
                f"the trees have the same size {size1}: the proof must be empty, "
                f"got {len(proof)} hashes"
            )
        if not isinstance(root1, bytes) or not isinstance(root2, bytes):
            raise VerificationFailed("roots must be bytes")
        if not hmac.compare_digest(root1, root2):
            raise VerificationFailed(
                f"the trees have the same size {size1} but different roots "
                f"{root1.hex()} and {root2.hex()}"
            )
        return
    for label, r in (("first", root1), ("second", root2)):
        if not isinstance(r, bytes) or len(r) != HASH_SIZE:
            raise VerificationFailed(f"the {label} root must be a {HASH_SIZE}-byte hash")
    _check_hashes("consistency", proof)
    if not proof:
        raise VerificationFailed(f"the consistency proof from {size1} to {size2} leaves is empty")
    last = size1 - 1
    inner = (last ^ (size2 - 1)).bit_length()
    border = (last >> inner).bit_count()
    shift = (size1 & -size1).bit_length() - 1
    inner -= shift
    if size1 == 1 << shift:
        # The old tree is perfect: its root is the first subtree, not sent.
        seed, rest = root1, proof
    else:
        seed, rest = proof[0], proof[1:]
    if len(rest) != inner + border:
        expected = inner + border + (len(proof) - len(rest))
        raise VerificationFailed(
            f"a consistency proof from {size1} to {size2} leaves has {expected} hashes, "
            f"got {len(proof)}"
        )
    mask = last >> shift
    old = new = seed
    for level in range(inner):
        sibling = rest[level]
        if (mask >> level) & 1:
            old = node_hash(sibling, old)
            new = node_hash(sibling, new)
        else:
            new = node_hash(new, sibling)
    for sibling in rest[inner:]:
        old = node_hash(sibling, old)
        new = node_hash(sibling, new)
    _match(old, root1, f"root of the first tree ({size1} leaves)")
    _match(new, root2, f"root of the second tree ({size2} leaves)")


__all__ = [
    "NodeId",
    "NodeLookup",
    "Range",
    "assemble_consistency",
    "assemble_inclusion",
    "consistency_nodes",
    "consistency_proof",
    "consistency_ranges",
    "inclusion_nodes",
    "inclusion_proof",
    "inclusion_ranges",
    "range_nodes",
    "root_from_inclusion_proof",
    "subtree_root",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]
