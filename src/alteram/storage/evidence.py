"""Evidence files (content-addressed) and the fingerprints of each case's content."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from alteram.storage import tables as t

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
    conn: Connection, items: list[tuple[str, list[tuple[str, str, int | None]]]]
) -> None:
    """Record ``(case_id, [(kind, value, quality)])`` fingerprints, each once per case."""
    if not items:
        return
    p = t.prints.c
    case_ids = sorted({case_id for case_id, _ in items})
    have: set[tuple[str, str, str]] = set()
    for i in range(0, len(case_ids), 900):
        q = select(p.case_id, p.kind, p.value).where(p.case_id.in_(case_ids[i : i + 900]))
        have.update((a, b, c) for a, b, c in conn.execute(q))
    rows = []
    for case_id, prints in items:
        for kind, value, quality in prints:
            if (case_id, kind, value) not in have:
                have.add((case_id, kind, value))
                rows.append({"case_id": case_id, "kind": kind, "value": value, "quality": quality})
    if rows:
        conn.execute(insert(t.prints), rows)


def prints_after(conn: Connection, last_id: int) -> list[tuple[int, str, str, str, int | None]]:
    """``(id, case_id, kind, value, quality)`` of every print stored after ``last_id``."""
    p = t.prints.c
    q = select(p.id, p.case_id, p.kind, p.value, p.quality).where(p.id > last_id).order_by(p.id)
    return [(int(a), b, c, d, e) for a, b, c, d, e in conn.execute(q)]
