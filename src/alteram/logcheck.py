"""``alteram log verify``: audit a log from a running instance or straight from its database.

Both sources give the same three things to :class:`alteram.tlog.audit.Audit`:
the latest signed checkpoint, the entries in order, and the stored tiles.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx

from alteram.errors import InvalidInput, VerificationFailed
from alteram.storage.store import Store
from alteram.tlog import Checkpoint, Verifier, verify_checkpoint, verify_consistency
from alteram.tlog.audit import Audit

PAGE = 1000


@dataclass
class Source:
    note: str
    key: str
    entries: Callable[[int], Iterator[tuple[int, bytes]]]  # size -> (index, leaf) in order
    tile: Callable[[int, int], bytes | None]
    consistency: Callable[[int, int], list[bytes]]
    close: Callable[[], None]


def http_source(url: str, key: str | None, client: httpx.Client | None = None) -> Source:
    base = url.rstrip("/") + "/api/v1/log"
    client = client or httpx.Client(timeout=60)

    def get(path: str, **params: int | str) -> httpx.Response:
        try:
            resp = client.get(base + path, params=params)
        except httpx.HTTPError as exc:
            raise VerificationFailed(f"cannot reach {url}: {exc}") from None
        if resp.status_code != 200 and not (path.startswith("/tiles") and resp.status_code == 404):
            raise VerificationFailed(f"{base}{path} answered {resp.status_code}")
        return resp

    def entries(size: int) -> Iterator[tuple[int, bytes]]:
        start = 0
        while start < size:
            page = get("/entries", start=start, end=min(size, start + PAGE), format="base64").json()
            if not page["entries"]:
                raise VerificationFailed(f"the log serves no entry at index {start}")
            for item in page["entries"]:
                yield int(item["index"]), base64.b64decode(item["leaf"])
            start = int(page["entries"][-1]["index"]) + 1

    def tile(level: int, index: int) -> bytes | None:
        resp = get(f"/tiles/{level}/{index}")
        return resp.content if resp.status_code == 200 else None

    def consistency(first: int, second: int) -> list[bytes]:
        body = get("/proofs/consistency", first=first, second=second).json()
        return [base64.b64decode(h) for h in body["hashes"]]

    return Source(
        note=get("/checkpoint").text,
        key=key or get("/key").text.strip(),
        entries=entries,
        tile=tile,
        consistency=consistency,
        close=client.close,
    )


def db_source(url: str, key: str | None) -> Source:
    if not key:
        raise InvalidInput(
            "verifying a database needs the log's verifier key: give --key "
            "(the text of GET /api/v1/log/key)",
            field="key",
        )
    store = Store(url)
    with store.transaction() as tx:
        latest = tx.log.latest_checkpoint()
    if latest is None:
        raise VerificationFailed("the database holds no signed checkpoint")

    def entries(size: int) -> Iterator[tuple[int, bytes]]:
        start = 0
        while start < size:
            with store.transaction() as tx:
                rows = tx.log.entries(start, min(size, start + PAGE * 10))
            if not rows:
                raise VerificationFailed(f"the database has no entry at index {start}")
            yield from rows
            start = rows[-1][0] + 1

    def tile(level: int, index: int) -> bytes | None:
        with store.transaction() as tx:
            return tx.log.tile(level, index)

    def consistency(first: int, second: int) -> list[bytes]:
        with store.transaction() as tx:
            return tx.log.consistency_proof(first, second)

    return Source(latest[1], key, entries, tile, consistency, store.dispose)


def verify_log(
    source: Source,
    earlier_note: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Checkpoint:
    """Check the signature, every entry and stored node, the root, and consistency with an
    earlier checkpoint. Return the verified checkpoint or raise VerificationFailed."""
    verifier = Verifier.from_key_string(source.key)
    latest = verify_checkpoint(source.note, verifier)
    earlier: list[tuple[int, bytes]] = []
    if earlier_note is not None:
        old = verify_checkpoint(earlier_note, verifier)
        if old.origin != latest.origin:
            raise VerificationFailed(f"the saved checkpoint is for log {old.origin!r}")
        if old.size > latest.size:
            raise VerificationFailed(
                f"the log shrank: the saved checkpoint has {old.size} entries, "
                f"the latest only {latest.size}"
            )
        if 0 < old.size < latest.size:
            try:
                proof = source.consistency(old.size, latest.size)
                verify_consistency(old.size, latest.size, proof, old.root, latest.root)
            except VerificationFailed as exc:
                raise VerificationFailed(
                    f"the latest checkpoint is not consistent with the saved one of size "
                    f"{old.size}: {exc.message}"
                ) from None
        elif old.size == latest.size and old.root != latest.root:
            raise VerificationFailed(
                f"two checkpoints of size {old.size} with different roots: history was rewritten"
            )
        earlier.append((old.size, old.root))
    audit = Audit(latest.size, latest.root, source.tile, earlier)

    def counted() -> Iterator[tuple[int, bytes]]:
        for n, entry in enumerate(source.entries(latest.size), 1):
            yield entry
            if progress is not None and n % PAGE == 0:
                progress(n, latest.size)

    audit.feed(counted())
    audit.finish()
    if progress is not None:
        progress(latest.size, latest.size)
    return latest
