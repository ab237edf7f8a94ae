"""The transparency log's store: leaves, tiles of node hashes, the tree size, checkpoints.

Appends run inside the caller's transaction, so an event and its leaf commit
together. The tree is never recomputed: every perfect-subtree hash is stored in
a tile of 256 consecutive nodes of one level, and a proof reads the few nodes it
needs in one query. Complete tiles never change, so they are cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import groupby

from sqlalchemy import Connection, insert, select, tuple_, update

from alteram.errors import InvalidInput
from alteram.storage import tables as t
from alteram.tlog import (
    EMPTY_ROOT,
    CompactRange,
    NodeId,
    assemble_consistency,
    assemble_inclusion,
    consistency_nodes,
    frontier_nodes,
    inclusion_nodes,
    leaf_hash,
    tree_root,
)
from alteram.tlog.proof import range_nodes

TILE = 256
HASH = 32


class TileCache:
    """Complete tiles (immutable once full), shared by every connection of a process."""

    def __init__(self, capacity: int = 4096) -> None:
        self._tiles: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def get(self, key: tuple[int, int]) -> bytes | None:
        with self._lock:
            blob = self._tiles.get(key)
            if blob is not None:
                self._tiles.move_to_end(key)
            return blob

    def put(self, key: tuple[int, int], blob: bytes) -> None:
        if len(blob) != TILE * HASH:
            return
        with self._lock:
            self._tiles[key] = blob
            if len(self._tiles) > self._capacity:
                self._tiles.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._tiles.clear()


class LogStore:
    def __init__(self, conn: Connection, cache: TileCache) -> None:
        self.conn = conn
        self.cache = cache
        self._pg = conn.dialect.name == "postgresql"

    # -- size and nodes -------------------------------------------------------

    def size(self, *, lock: bool = False) -> int:
        q = select(t.log_state.c.size).where(t.log_state.c.id == 1)
        if lock and self._pg:
            q = q.with_for_update()
        size = self.conn.execute(q).scalar_one_or_none()
        if size is None:
            self.conn.execute(insert(t.log_state).values(id=1, size=0))
            return 0
        return int(size)

    def _tiles(
        self, keys: Iterable[tuple[int, int]], cache: bool = True
    ) -> dict[tuple[int, int], bytes]:
        if not cache:  # inside an append: what we read may still be rolled back
            return self._stored(list(set(keys)))
        found: dict[tuple[int, int], bytes] = {}
        missing = []
        for key in set(keys):
            blob = self.cache.get(key)
            if blob is None:
                missing.append(key)
            else:
                found[key] = blob
        if missing:
            q = select(t.log_tiles.c.level, t.log_tiles.c.idx, t.log_tiles.c.hashes).where(
                tuple_(t.log_tiles.c.level, t.log_tiles.c.idx).in_(missing)
            )
            for level, idx, blob in self.conn.execute(q):
                found[(level, idx)] = _bytes(blob)
                self.cache.put((level, idx), _bytes(blob))
        return found

    def nodes(self, ids: Sequence[NodeId], cache: bool = True) -> dict[NodeId, bytes]:
        """The stored hashes of perfect-subtree nodes ``(level, index)``."""
        tiles = self._tiles(((level, index // TILE) for level, index in ids), cache)
        out: dict[NodeId, bytes] = {}
        for level, index in ids:
            blob = tiles.get((level, index // TILE))
            off = (index % TILE) * HASH
            if blob is None or len(blob) < off + HASH:
                raise KeyError(f"node ({level}, {index}) is missing from the log's tiles")
            out[(level, index)] = blob[off : off + HASH]
        return out

    def root(self, size: int) -> bytes:
        if size == 0:
            return EMPTY_ROOT
        hashes = self.nodes(range_nodes(0, size))
        return tree_root(size, lambda level, index: hashes[(level, index)])

    # -- appending ------------------------------------------------------------

    def append(self, leaves: Sequence[tuple[str, str, bytes]]) -> int:
        """Append ``(case_id, type, leaf)`` rows; return the index of the first."""
        start = self.size(lock=True)
        if not leaves:
            return start
        frontier_ids = frontier_nodes(start)
        known = self.nodes(frontier_ids, cache=False) if frontier_ids else {}
        cr = CompactRange.from_frontier(start, [known[n] for n in frontier_ids])
        new_nodes = cr.extend([leaf_hash(leaf) for _, _, leaf in leaves])
        self.conn.execute(
            insert(t.log_entries),
            [
                {"idx": start + i, "case_id": case_id, "type": type_, "leaf": leaf}
                for i, (case_id, type_, leaf) in enumerate(leaves)
            ],
        )
        self._write_nodes([(level, index, h) for level, index, h in new_nodes])
        self.conn.execute(
            update(t.log_state).where(t.log_state.c.id == 1).values(size=start + len(leaves))
        )
        return start

    def _write_nodes(self, nodes: list[tuple[int, int, bytes]]) -> None:
        nodes.sort(key=lambda n: (n[0], n[1]))
        chunks: dict[tuple[int, int], tuple[int, bytes]] = {}
        for key, group in groupby(nodes, key=lambda n: (n[0], n[1] // TILE)):
            run = list(group)
            chunks[key] = (run[0][1] % TILE, b"".join(h for _, _, h in run))
        stored = self._stored([k for k, (offset, _) in chunks.items() if offset])
        inserts = []
        for (level, idx), (offset, blob) in chunks.items():
            if not offset:
                inserts.append({"level": level, "idx": idx, "hashes": blob})
                continue
            before = stored.get((level, idx), b"")
            if len(before) != offset * HASH:
                raise RuntimeError(f"log tile ({level}, {idx}) is not the length its tree needs")
            self.conn.execute(
                update(t.log_tiles)
                .where(t.log_tiles.c.level == level, t.log_tiles.c.idx == idx)
                .values(hashes=before + blob)
            )
        if inserts:
            self.conn.execute(insert(t.log_tiles), inserts)

    def _stored(self, keys: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        if not keys:
            return {}
        q = select(t.log_tiles.c.level, t.log_tiles.c.idx, t.log_tiles.c.hashes).where(
            tuple_(t.log_tiles.c.level, t.log_tiles.c.idx).in_(keys)
        )
        return {(lv, ix): _bytes(blob) for lv, ix, blob in self.conn.execute(q)}

    # -- reading --------------------------------------------------------------

    def entries(self, start: int, end: int) -> list[tuple[int, str, str, bytes]]:
        q = (
            select(
                t.log_entries.c.idx,
                t.log_entries.c.case_id,
                t.log_entries.c.type,
                t.log_entries.c.leaf,
            )
            .where(t.log_entries.c.idx >= start, t.log_entries.c.idx < end)
            .order_by(t.log_entries.c.idx)
        )
        return [(int(i), c, ty, _bytes(leaf)) for i, c, ty, leaf in self.conn.execute(q)]

    def tile(self, level: int, index: int) -> bytes | None:
        return self._stored([(level, index)]).get((level, index))

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        self._check_size(size)
        if not 0 <= index < size:
            raise InvalidInput(f"index must be in [0, {size})", field="index")
        ids = inclusion_nodes(index, size)
        return assemble_inclusion(index, size, self.nodes(ids))

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        self._check_size(second)
        if not 0 < first <= second:
            raise InvalidInput(f"first must be in [1, {second}]", field="first")
        ids = consistency_nodes(first, second)
        return assemble_consistency(first, second, self.nodes(ids))

    def _check_size(self, size: int) -> None:
        current = self.size()
        if not 0 < size <= current:
            raise InvalidInput(f"tree_size must be in [1, {current}]", field="tree_size")

    # -- checkpoints ----------------------------------------------------------

    def latest_checkpoint(self) -> tuple[int, str] | None:
        q = select(t.log_checkpoints.c.size, t.log_checkpoints.c.note).order_by(
            t.log_checkpoints.c.size.desc()
        )
        row = self.conn.execute(q.limit(1)).first()
        return None if row is None else (int(row[0]), str(row[1]))

    def save_checkpoint(self, size: int, note: str, now: datetime) -> None:
        self.conn.execute(insert(t.log_checkpoints).values(size=size, note=note, signed_at=now))


def _bytes(value: object) -> bytes:
    """Stored bytes as bytes, even if someone rewrote a BLOB as text."""
    if isinstance(value, str):
        return value.encode()
    assert isinstance(value, bytes | bytearray | memoryview)
    return bytes(value)
