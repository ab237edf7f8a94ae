"""The transparency log's store: leaves, tiles of node hashes, the tree size, checkpoints.

Appends run inside the caller's transaction, so an event and its leaf commit
together. The tree is never recomputed: every perfect-subtree hash is stored in
a tile of 256 consecutive nodes of one level, and a proof reads the few nodes it
needs in one query. Complete tiles never change, so they are cached.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, insert, select

from alteram.errors import InvalidInput
from alteram.storage import tables as t
from alteram.storage.bulk import fetch, write
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
_LEN = struct.Struct(">I")
_SIZE = "SELECT size FROM log_state WHERE id = 1"
_SIZE_FOR_UPDATE = "SELECT size FROM log_state WHERE id = 1 FOR UPDATE"


class TileCache:
    """Tiles read from committed data, shared by every connection of one store.

    Tiles only ever grow (append-only), so a cached tile stays right for every
    node it holds; a right-edge tile is re-read when a node past its end is asked
    for. Appends never fill the cache, so a rolled-back append leaves no trace.
    A plain dict (atomic operations under the GIL); when full, the oldest go.
    """

    def __init__(self, capacity: int = 8192) -> None:
        self._tiles: dict[tuple[int, int], bytes] = {}
        self._capacity = capacity
        self.size = 0  # the largest committed log size seen: a lower bound of the real one

    def get(self, key: tuple[int, int], need: int) -> bytes | None:
        blob = self._tiles.get(key)
        return blob if blob is not None and len(blob) >= need else None

    def put(self, key: tuple[int, int], blob: bytes) -> None:
        if len(blob) >= len(self._tiles.get(key, b"")):
            self._tiles[key] = blob
        while len(self._tiles) > self._capacity:
            try:
                del self._tiles[next(iter(self._tiles))]
            except (StopIteration, KeyError, RuntimeError):
                break

    def clear(self) -> None:
        self._tiles.clear()
        self.size = 0


class LogStore:
    def __init__(self, conn: Connection, cache: TileCache) -> None:
        self.conn = conn
        self.cache = cache
        self._pg = conn.dialect.name == "postgresql"

    def _sql(self, sql: str, params: Any = ()) -> None:
        """Driver-level writes for the hot paths (``?`` placeholders; a list: many rows)."""
        write(self.conn, sql, params)

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """A read on the transaction's own DBAPI cursor: no SQLAlchemy overhead per proof."""
        return fetch(self.conn, sql, params)

    # -- size and nodes -------------------------------------------------------

    def size(self, *, lock: bool = False) -> int:
        rows = self._rows(_SIZE_FOR_UPDATE if lock and self._pg else _SIZE)
        row = rows[0] if rows else None
        if row is None:  # the first append ever; a concurrent one may be making the row
            self._sql("INSERT INTO log_state (id, size) VALUES (1, 0) ON CONFLICT (id) DO NOTHING")
            if lock and self._pg:  # waits for that one to commit, then reads its size
                return int(self._rows(_SIZE_FOR_UPDATE)[0][0])
            return 0
        if not lock:
            self.cache.size = max(self.cache.size, int(row[0]))
        return int(row[0])

    def _tiles(
        self, needs: dict[tuple[int, int], int], cache: bool = True
    ) -> dict[tuple[int, int], bytes]:
        """Tiles holding at least ``needs[key]`` bytes."""
        if not cache:  # inside an append: what we read may still be rolled back
            return self._stored(list(needs))
        found: dict[tuple[int, int], bytes] = {}
        missing = []
        for key, need in needs.items():
            blob = self.cache.get(key, need)
            if blob is None:
                missing.append(key)
            else:
                found[key] = blob
        for key, blob in self._stored(missing).items():
            found[key] = blob
            self.cache.put(key, blob)
        return found

    def _last_pieces(self, wanted: Sequence[tuple[int, int, int]]) -> list[Any]:
        """For each ``(level, idx, pos)``: the last piece of that tile starting at or before
        ``pos``, as ``(level, idx, pos, hashes)``; all in one statement (inside an append
        only a few tiles are read, and a tile may hold many pieces)."""
        one = (
            "SELECT * FROM (SELECT level, idx, pos, hashes FROM log_tiles "
            "WHERE level = ? AND idx = ? AND pos <= ? ORDER BY pos DESC LIMIT 1) AS p{}"
        )
        sql = " UNION ALL ".join(one.format(n) for n in range(len(wanted)))
        return self._rows(sql, tuple(v for key in wanted for v in key))

    def _latest(self, ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
        """Nodes read from the pieces holding them (see :meth:`_last_pieces`)."""
        found: dict[NodeId, bytes] = {}
        for lv, ix, pos, blob in self._last_pieces([(lv, ix // TILE, ix % TILE) for lv, ix in ids]):
            for level, index in ids:  # which asked node this piece answers
                if level == lv and index // TILE == ix:
                    off = (index % TILE - int(pos)) * HASH
                    node = _bytes(blob)[off : off + HASH]
                    if len(node) == HASH:
                        found[(level, index)] = node
        return found

    def nodes(self, ids: Sequence[NodeId], cache: bool = True) -> dict[NodeId, bytes]:
        """The stored hashes of perfect-subtree nodes ``(level, index)``."""
        if not cache:  # inside an append
            found = self._latest(ids)
            missing = [i for i in ids if i not in found]
            if missing:
                raise KeyError(f"node {missing[0]} is missing from the log's tiles")
            return found
        needs: dict[tuple[int, int], int] = {}
        for level, index in ids:
            key = (level, index // TILE)
            needs[key] = max(needs.get(key, 0), (index % TILE + 1) * HASH)
        tiles = self._tiles(needs, cache)
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

    def append(self, leaves: Sequence[bytes], hashes: Sequence[bytes] | None = None) -> int:
        """Append leaves; return the index of the first. ``hashes``: their leaf hashes, if
        the caller has them already (they are not computed twice)."""
        start = self.size(lock=True)
        if not leaves:
            return start
        frontier_ids = frontier_nodes(start)
        known = self.nodes(frontier_ids, cache=False) if frontier_ids else {}
        cr = CompactRange.from_frontier(start, [known[n] for n in frontier_ids])
        if hashes is None:
            hashes = [leaf_hash(leaf) for leaf in leaves]
        new_nodes = cr.extend(hashes)
        self._write_bundles(start, leaves)
        self._write_nodes(new_nodes)
        self._sql("UPDATE log_state SET size = ? WHERE id = 1", (start + len(leaves),))
        return start

    def _write_nodes(self, nodes: list[tuple[int, int, bytes]]) -> None:
        """Store new nodes (sorted by level, then index) into their tiles."""
        chunks: dict[tuple[int, int], tuple[int, bytes]] = {}
        for key, group in groupby(nodes, key=lambda n: (n[0], n[1] // TILE)):
            run = list(group)
            chunks[key] = (run[0][1] % TILE, b"".join(h for _, _, h in run))
        stored = self._ends([k for k, (offset, _) in chunks.items() if offset])
        inserts: list[tuple[int, int, int, bytes]] = []
        for (level, idx), (offset, blob) in chunks.items():
            if not offset:
                inserts.append((level, idx, 0, blob))
                continue
            if stored.get((level, idx), 0) != offset:
                raise RuntimeError(f"log tile ({level}, {idx}) is not the length its tree needs")
            inserts.append((level, idx, offset, blob))  # a piece: the tile is not rewritten
        if inserts:
            self._sql(
                "INSERT INTO log_tiles (level, idx, pos, hashes) VALUES (?, ?, ?, ?)", inserts
            )
        # A tile completed from several pieces becomes one row (once per 256 nodes), so
        # reading a complete tile stays one row however it was appended.
        for (level, idx), (offset, blob) in chunks.items():
            if offset and offset * HASH + len(blob) == TILE * HASH:
                whole = self._stored([(level, idx)])[(level, idx)]
                self._sql("DELETE FROM log_tiles WHERE level = ? AND idx = ?", (level, idx))
                self._sql(
                    "INSERT INTO log_tiles (level, idx, pos, hashes) VALUES (?, ?, 0, ?)",
                    (level, idx, whole),
                )

    def _write_bundles(self, start: int, leaves: Sequence[bytes]) -> None:
        """Append the leaves as pieces of their bundles (a partial bundle is not rewritten)."""
        rows: list[tuple[int, int, bytes]] = []
        pos = 0
        bundle, offset = divmod(start, TILE)
        while pos < len(leaves):
            chunk = leaves[pos : pos + TILE - offset]
            rows.append((bundle, offset, b"".join(_LEN.pack(len(x)) + x for x in chunk)))
            pos += len(chunk)
            bundle, offset = bundle + 1, 0
        if rows:
            self._sql("INSERT INTO log_bundles (idx, pos, leaves) VALUES (?, ?, ?)", rows)

    def _ends(self, keys: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
        """How many nodes each of these tiles holds (by its last piece)."""
        if not keys:
            return {}
        rows = self._last_pieces([(level, idx, TILE) for level, idx in keys])
        return {(int(lv), int(ix)): int(pos) + len(blob) // HASH for lv, ix, pos, blob in rows}

    def _stored(self, keys: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        if not keys:
            return {}
        where = " OR ".join(["(level = ? AND idx = ?)"] * len(keys))
        params = tuple(v for key in keys for v in key)
        sql = f"SELECT level, idx, pos, hashes FROM log_tiles WHERE {where} ORDER BY pos"  # noqa: S608
        out: dict[tuple[int, int], bytes] = {}
        for lv, ix, pos, blob in self._rows(sql, params):
            key = (int(lv), int(ix))
            before = out.get(key, b"")
            if int(pos) * HASH == len(before):  # pieces in order; a gap ends the tile
                out[key] = before + _bytes(blob)
        return out

    # -- reading --------------------------------------------------------------

    def entries(self, start: int, end: int) -> list[tuple[int, bytes]]:
        """``(index, leaf)`` for the stored entries in ``[start, end)``."""
        if end <= start:
            return []
        rows = self._rows(
            "SELECT idx, pos, leaves FROM log_bundles WHERE idx >= ? AND idx <= ? "
            "ORDER BY idx, pos",
            (start // TILE, (end - 1) // TILE),
        )
        out: list[tuple[int, bytes]] = []
        for bundle, pos, blob in rows:
            for i, leaf in enumerate(split_bundle(_bytes(blob)), int(pos)):
                index = int(bundle) * TILE + i
                if start <= index < end:
                    out.append((index, leaf))
        return out

    def leaf(self, index: int) -> bytes:
        found = self.entries(index, index + 1)
        if not found:
            raise KeyError(f"entry {index} is not in the log")
        return found[0][1]

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
        if 0 < size <= self.cache.size:  # sizes only grow: a size seen before is valid
            return
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


def split_bundle(blob: bytes) -> list[bytes]:
    """The leaves of a bundle: each is 4 bytes of big-endian length, then the leaf."""
    out: list[bytes] = []
    pos = 0
    while pos + 4 <= len(blob):
        (n,) = _LEN.unpack_from(blob, pos)
        out.append(blob[pos + 4 : pos + 4 + n])
        pos += 4 + n
    if pos != len(blob):
        out.append(blob[pos:])  # a damaged tail: hand it on, the audit will name it
    return out
