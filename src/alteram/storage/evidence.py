"""Evidence files (content-addressed) and the fingerprints of each case's content."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, insert, select

from alteram.storage import tables as t
from alteram.storage.bulk import fetch, insert_rows, select_in

MEDIA_SHA256, PDQ, TEXT_SHA256, TEXT_MINHASH = "media_sha256", "pdq", "text_sha256", "text_minhash"


def known_media(conn: Connection, sha256: str) -> dict[str, Any] | None:
    """The stored fingerprint of a file already received (so it is hashed once)."""
    m = t.media.c
    row = conn.execute(
        select(m.pdq, m.quality, m.dihedral, m.format, m.width, m.height).where(m.sha256 == sha256)
    ).first()
    return None if row is None else dict(row._mapping)


def save_media(conn: Connection, **values: Any) -> None:
    conn.execute(insert(t.media).values(**values))


def sanitized_media(conn: Connection, sha256: str) -> tuple[bytes, str] | None:
    m = t.media.c
    row = conn.execute(select(m.sanitized, m.format).where(m.sha256 == sha256)).first()
    return None if row is None else (bytes(row[0]), str(row[1]))


def add_prints(
    conn: Connection,
    items: list[tuple[str, list[tuple[str, str, int | None]]]],
    new: Collection[str] = (),
) -> None:
    """Record ``(case_id, [(kind, value, quality)])`` fingerprints, each once per case.
    ``new``: cases created in this transaction, which have none stored yet."""
    if not items:
        return
    case_ids = sorted({case_id for case_id, _ in items if case_id not in new})
    sql = "SELECT case_id, kind, value FROM prints WHERE case_id IN ({})"
    have: set[tuple[str, str, str]] = {(a, b, c) for a, b, c in select_in(conn, sql, case_ids)}
    rows = []
    for case_id, prints in items:
        for kind, value, quality in prints:
            if (case_id, kind, value) not in have:
                have.add((case_id, kind, value))
                rows.append({"case_id": case_id, "kind": kind, "value": value, "quality": quality})
    insert_rows(conn, t.prints, rows)


def prints_after(conn: Connection, last_id: int) -> list[tuple[int, str, str, str, int | None]]:
    """``(id, case_id, kind, value, quality)`` of every print stored after ``last_id``."""
    sql = "SELECT id, case_id, kind, value, quality FROM prints WHERE id > ? ORDER BY id"
    return [(int(a), b, c, d, e) for a, b, c, d, e in fetch(conn, sql, (last_id,))]
