"""A full audit of a log: replay every leaf and compare with what the operator stored.

Pure: the caller hands in the entries (from an API or a database), the stored
tiles if it can read them, and the checkpoints it trusts. The audit names the
first thing that does not match: a missing or reordered entry, a leaf whose
hash differs from the stored one, a stored node that differs from the
recomputed one, a root that differs from a signed checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from alteram.errors import VerificationFailed
from alteram.tlog.hashing import leaf_hash
from alteram.tlog.tree import CompactRange

TILE = 256
HASH = 32

TileLookup = Callable[[int, int], bytes | None]


@dataclass
class Audit:
    """Replays a log; call :meth:`feed` with entries in order, then :meth:`finish`."""

    size: int
    expected_root: bytes
    stored_tile: TileLookup | None = None
    # earlier (size, root) pairs, e.g. from saved checkpoints, that must be prefixes
    earlier: list[tuple[int, bytes]] = field(default_factory=list)
    _range: CompactRange = field(default_factory=CompactRange)
    _pending: dict[tuple[int, int], list[bytes]] = field(default_factory=dict)

    def feed(self, entries: Iterable[tuple[int, bytes]]) -> int:
        """Replay ``(index, leaf)`` pairs; return how many were taken."""
        taken = 0
        checkpoints = sorted(self.earlier)
        for index, leaf in entries:
            expected = self._range.size
            if index != expected:
                self._flush()  # an earlier entry that no longer matches names the culprit
                if index > expected:
                    raise VerificationFailed(f"entry {expected} is missing (next is {index})")
                raise VerificationFailed(f"entry {index} appears twice or out of order")
            if index >= self.size:
                break
            nodes = self._range.append(leaf_hash(leaf))
            if self.stored_tile is not None:
                for level, node_index, digest in nodes:
                    self._check_node(level, node_index, digest)
            for size, root in checkpoints:
                if size == self._range.size and self._range.root() != root:
                    raise VerificationFailed(
                        f"the first {size} entries do not hash to the root of the earlier "
                        f"checkpoint of size {size}: history was rewritten"
                    )
            taken += 1
        return taken

    def _check_node(self, level: int, index: int, digest: bytes) -> None:
        key = (level, index // TILE)
        run = self._pending.setdefault(key, [])
        run.append(digest)
        if len(run) == TILE:
            self._compare(key, run)
            del self._pending[key]

    def _compare(self, key: tuple[int, int], run: list[bytes]) -> None:
        assert self.stored_tile is not None
        stored = self.stored_tile(*key) or b""
        got = b"".join(run)
        if stored[: len(got)] == got:
            return
        level, tile = key
        for i, digest in enumerate(run):
            if stored[i * HASH : (i + 1) * HASH] != digest:
                index = tile * TILE + i
                if level == 0:
                    raise VerificationFailed(
                        f"entry {index}: its leaf does not hash to the stored leaf hash "
                        "(the entry or the stored hash was altered)"
                    )
                raise VerificationFailed(
                    f"stored node (level {level}, index {index}) differs from the hash "
                    "recomputed from the entries"
                )

    def _flush(self) -> None:
        if self.stored_tile is not None:
            for key, run in sorted(self._pending.items()):
                self._compare(key, run)
        self._pending.clear()

    def finish(self) -> bytes:
        if self._range.size != self.size:
            raise VerificationFailed(
                f"the log has {self._range.size} entries; the checkpoint says {self.size}: "
                f"entry {self._range.size} is missing"
            )
        self._flush()
        root = self._range.root()
        if root != self.expected_root:
            raise VerificationFailed(
                f"the {self.size} entries do not hash to the checkpoint's root"
            )
        return root
