"""Published policy versions (table ``policy_versions``), oldest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from alteram.storage import tables as t

c = t.policy_versions.c


def latest_version(conn: Connection) -> str | None:
    q = select(c.version).order_by(c.seq.desc()).limit(1)
    found = conn.execute(q).scalar_one_or_none()
    return None if found is None else str(found)


def text_of(conn: Connection, version: str) -> str | None:
    found = conn.execute(select(c.text).where(c.version == version)).scalar_one_or_none()
    return None if found is None else str(found)


def add(conn: Connection, version: str, sha256: str, text: str, now: datetime, by: str) -> None:
    conn.execute(
        insert(t.policy_versions).values(
            version=version, sha256=sha256, text=text, published_at=now, published_by=by
        )
    )


def versions(conn: Connection) -> list[dict[str, Any]]:
    """Every version, newest first, without its text."""
    q = select(c.seq, c.version, c.sha256, c.published_at, c.published_by).order_by(c.seq.desc())
    return [dict(r._mapping) for r in conn.execute(q)]
