"""Merkle tree roots and the compact range used to append to a log.

Node addressing, used throughout ``tlog``: a node at ``level`` h and ``index``
i is the root of the *perfect* subtree over leaves ``[i·2^h, (i+1)·2^h)``;
level 0 holds the leaf hashes themselves. In a tree of ``size`` leaves the
perfect nodes are exactly the ``(h, i)`` with ``(i+1)·2^h <= size``. Every
other hash of an RFC 9162 tree (the "ragged" right edge) is a combination of
perfect nodes, so a store that keeps only perfect nodes never has to rewrite a
hash it has written: the log is append-only down to its storage.

All functions take leaf *hashes* (see :func:`alteram.tlog.hashing.leaf_hash`),
32 bytes each; a hash of another length is :class:`~alteram.errors.InvalidInput`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import repeat

from alteram.errors import InvalidInput
from alteram.tlog.hashing import _NODE_STATE, EMPTY_ROOT, HASH_SIZE, node_hash

NodeEntry = tuple[int, int, bytes]
"""``(level, index, hash)`` of a perfect-subtree node."""


def _hash_pairs(hashes: Sequence[bytes]) -> list[bytes]:
    """Hash adjacent pairs ``(h0, h1), (h2, h3), …``; an odd last hash is ignored.

    The explicit loop over a copied prefix state measured fastest among
    ``map(node_hash, …)``, a list comprehension over ``sha256(b"\\x01" + l + r)``
    and slicing one joined buffer.
    """
    out: list[bytes] = []
    append = out.append
    copy = _NODE_STATE.copy
    it = iter(hashes)
    for left, right in zip(it, it, strict=False):
        h = copy()
        h.update(left)
        h.update(right)
        append(h.digest())
    return out


def _check_hashes(hashes: Sequence[bytes]) -> None:
    """Every hash is a 32-byte ``bytes`` (two C-speed passes, ~2 % of an extend)."""
    if hashes and (set(map(type, hashes)) != {bytes} or set(map(len, hashes)) != {HASH_SIZE}):
        for i, h in enumerate(hashes):
            if not isinstance(h, bytes) or len(h) != HASH_SIZE:
                what = f"{len(h)} bytes" if isinstance(h, bytes) else type(h).__name__
                raise InvalidInput(f"leaf hash #{i} is {what}, not {HASH_SIZE} bytes")


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash MTH of RFC 9162 §2.1.1 over ``leaf_hashes``.

    Computed bottom-up level by level; an unpaired last node is promoted to
    the next level unchanged, which yields exactly the RFC's split at the
    largest power of two below ``n``.
    """
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    _check_hashes(leaf_hashes)
    level: Sequence[bytes] = leaf_hashes
    while n > 1:
        nxt = _hash_pairs(level)
        if n & 1:
            nxt.append(level[-1])
        level = nxt
        n = len(level)
    return level[0]


def frontier_nodes(size: int) -> list[tuple[int, int]]:
    """The ``(level, index)`` of the perfect subtrees that make up a tree of ``size``.

    One node per set bit of ``size``, left to right (largest first). These
    are the hashes :meth:`CompactRange.from_frontier` needs to resume.
    """
    if size < 0:
        raise InvalidInput(f"tree size must be >= 0, got {size}", field="size")
    return [
        (level, (size >> level) - 1)
        for level in range(size.bit_length() - 1, -1, -1)
        if (size >> level) & 1
    ]


class CompactRange:
    """The right edge of an append-only Merkle tree: one hash per set bit of ``size``.

    This is all the state needed to append leaves and to compute the current
    root. :meth:`append` and :meth:`extend` return every perfect-subtree node
    the new leaves complete (leaves included), so a store can persist them
    and later serve any proof by lookup alone.
    """

    __slots__ = ("_levels", "_size")

    def __init__(self) -> None:
        self._size = 0
        # _levels[h] is the hash of the pending perfect node at level h, i.e.
        # the one covering leaves below `size` not yet under a complete
        # parent; it is present exactly when bit h of `size` is set.
        self._levels: list[bytes | None] = []

    @classmethod
    def from_frontier(cls, size: int, hashes: Sequence[bytes]) -> CompactRange:
        """Resume a range of ``size`` leaves from its frontier hashes.

        ``hashes`` are the hashes of :func:`frontier_nodes(size)
        <frontier_nodes>`, in that order (largest subtree first).
        """
        nodes = frontier_nodes(size)
        if len(hashes) != len(nodes):
            raise InvalidInput(
                f"a tree of {size} leaves has {len(nodes)} frontier hashes, got {len(hashes)}",
                field="hashes",
            )
        cr = cls()
        cr._levels = [None] * size.bit_length()
        for (level, index), h in zip(nodes, hashes, strict=True):
            if not isinstance(h, bytes) or len(h) != HASH_SIZE:
                raise InvalidInput(
                    f"frontier hash for node (level {level}, index {index}) must be "
                    f"{HASH_SIZE} bytes",
                    field="hashes",
                )
            cr._levels[level] = h
        cr._size = size
        return cr

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def frontier(self) -> list[bytes]:
        """The frontier hashes, in the order of :func:`frontier_nodes`."""
        return [h for h in reversed(self._levels) if h is not None]

    def frontier_entries(self) -> list[NodeEntry]:
        """``(level, index, hash)`` of each frontier node, largest first."""
        return [
            (lv, ix, h)
            for (lv, ix), h in zip(frontier_nodes(self._size), self.frontier, strict=True)
        ]

    def copy(self) -> CompactRange:
        cr = CompactRange()
        cr._size = self._size
        cr._levels = list(self._levels)
        return cr

    def root(self) -> bytes:
        """The RFC 9162 root hash of the tree of the current size."""
        acc: bytes | None = None
        for h in self._levels:
            if h is not None:
                acc = h if acc is None else node_hash(h, acc)
        return EMPTY_ROOT if acc is None else acc

    def append(self, leaf_hash: bytes) -> list[NodeEntry]:
        """Append one leaf hash; return the nodes it completes, the leaf first."""
        if not isinstance(leaf_hash, bytes) or len(leaf_hash) != HASH_SIZE:
            raise InvalidInput(f"a leaf hash is {HASH_SIZE} bytes")
        levels = self._levels
        index = self._size
        created: list[NodeEntry] = [(0, index, leaf_hash)]
        h = leaf_hash
        level = 0
        while index & 1:
            left = levels[level]
            assert left is not None
            levels[level] = None
            h = node_hash(left, h)
            level += 1
            index >>= 1
            created.append((level, index, h))
        if level == len(levels):
            levels.append(h)
        else:
            levels[level] = h
        self._size += 1
        return created

    def extend(self, leaf_hashes: Iterable[bytes]) -> list[NodeEntry]:
        """Append a batch of leaf hashes; return every node the batch completes.

        The result is ordered by level, then index: first the new leaves
        ``(0, size, h)…``, then the new level-1 nodes, and so on. The batch is
        hashed a level at a time, which is several times faster than repeated
        :meth:`append`.
        """
        cur = list(leaf_hashes)
        if not cur:
            return []
        _check_hashes(cur)
        # Work on a copy of the (at most 64-entry) frontier and commit at the
        # end, so a bad input leaves the range unchanged.
        levels = list(self._levels)
        new_size = self._size + len(cur)
        if len(levels) < new_size.bit_length():
            levels.extend([None] * (new_size.bit_length() - len(levels)))
        created: list[NodeEntry] = []
        first = self._size  # index, at `level`, of cur[0]
        level = 0
        while cur:
            created.extend(zip(repeat(level), range(first, first + len(cur)), cur, strict=False))
            if first & 1:
                # cur[0] is a right child: its left sibling is pending.
                left = levels[level]
                assert left is not None
                cur.insert(0, left)
                first -= 1
            # An unpaired last node waits for its right sibling.
            levels[level] = cur[-1] if len(cur) & 1 else None
            cur = _hash_pairs(cur)
            first >>= 1
            level += 1
        self._levels = levels
        self._size = new_size
        return created

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompactRange):
            return NotImplemented
        return self._size == other._size and self.frontier == other.frontier

    __hash__ = None  # type: ignore[assignment]


__all__ = ["CompactRange", "NodeEntry", "frontier_nodes", "root"]
