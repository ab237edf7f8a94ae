"""Juror passwords, one-time sign-in links and token listing/revocation (see
:mod:`alteram.services.accounts`). Functions on the open transaction's connection."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from alteram.storage import tables as t

TOKEN_ID = 16  # hex digits of a token's SHA-256 that name it on pages and in the log


def password_hash(conn: Connection, juror_id: str) -> str | None:
    q = select(t.juror_passwords.c.hash).where(t.juror_passwords.c.juror_id == juror_id)
    return conn.execute(q).scalar_one_or_none()


def set_password(conn: Connection, juror_id: str, phc: str, now: datetime) -> None:
    c = t.juror_passwords.c
    done = conn.execute(
        update(t.juror_passwords).where(c.juror_id == juror_id).values(hash=phc, set_at=now)
    )
    if not done.rowcount:
        conn.execute(insert(t.juror_passwords).values(juror_id=juror_id, hash=phc, set_at=now))


def add_link(
    conn: Connection, link_hash: str, juror_id: str, now: datetime, expires: datetime
) -> None:
    conn.execute(
        insert(t.signin_links).values(
            hash=link_hash, juror_id=juror_id, created_at=now, expires_at=expires
        )
    )


def take_link(conn: Connection, link_hash: str, now: datetime) -> str | None:
    """The juror of an unexpired link, deleting it (single use); ``None`` if unknown,
    used or expired. The delete decides a race: only one transaction removes the row."""
    c = t.signin_links.c
    row = conn.execute(select(c.juror_id, c.expires_at).where(c.hash == link_hash)).first()
    if row is None:
        return None
    gone = conn.execute(delete(t.signin_links).where(c.hash == link_hash))
    if not gone.rowcount or row.expires_at <= now:
        return None
    return str(row.juror_id)


def link_juror(conn: Connection, link_hash: str, now: datetime) -> str | None:
    """The juror of an unexpired link, without using it."""
    c = t.signin_links.c
    q = select(c.juror_id).where(c.hash == link_hash, c.expires_at > now)
    found = conn.execute(q).scalar_one_or_none()
    return None if found is None else str(found)


def tokens_of(conn: Connection, kind: str, subject: str) -> list[dict[str, Any]]:
    """The tokens of one holder: ``id`` (hash prefix) and ``created_at``, oldest first."""
    c = t.tokens.c
    q = (
        select(c.hash, c.created_at)
        .where(c.kind == kind, c.subject == subject)
        .order_by(c.created_at, c.hash)
    )
    return [{"id": r.hash[:TOKEN_ID], "created_at": r.created_at} for r in conn.execute(q)]


def token_by_id(conn: Connection, token_id: str) -> tuple[str, str, str] | None:
    """``(hash, kind, subject)`` of the one token whose hash starts with ``token_id``."""
    c = t.tokens.c
    if len(token_id) != TOKEN_ID or any(ch not in "0123456789abcdef" for ch in token_id):
        return None
    rows = conn.execute(
        select(c.hash, c.kind, c.subject).where(c.hash.like(f"{token_id}%")).limit(2)
    ).all()
    if len(rows) != 1:
        return None
    return str(rows[0].hash), str(rows[0].kind), str(rows[0].subject)


def delete_tokens(conn: Connection, hashes: list[str]) -> None:
    if hashes:
        conn.execute(delete(t.tokens).where(t.tokens.c.hash.in_(hashes)))


def delete_sessions_before(conn: Connection, juror_id: str, before: datetime) -> None:
    """The juror's session tokens minted before ``before``: their cookies have expired,
    and nobody holds the token itself (a session cookie carries only its hash)."""
    c = t.tokens.c
    conn.execute(
        delete(t.tokens).where(
            c.kind == "juror",
            c.subject == juror_id,
            c.party_id == "session",
            c.created_at < before,
        )
    )


def all_token_hashes(conn: Connection, kind: str, subject: str) -> list[str]:
    c = t.tokens.c
    q = select(c.hash).where(c.kind == kind, c.subject == subject).order_by(c.hash)
    return [str(h) for h in conn.execute(q).scalars()]


def forget_juror_sign_in(conn: Connection, juror_id: str) -> None:
    """End a juror's password and every unused sign-in link."""
    conn.execute(delete(t.juror_passwords).where(t.juror_passwords.c.juror_id == juror_id))
    conn.execute(delete(t.signin_links).where(t.signin_links.c.juror_id == juror_id))


def juror_exists(conn: Connection, juror_id: str) -> bool:
    return juror_active(conn, juror_id) is not None


def juror_active(conn: Connection, juror_id: str) -> bool | None:
    """Whether the juror is in the pool for draws; ``None`` if there is no such juror."""
    q = select(t.jurors.c.active).where(t.jurors.c.id == juror_id)
    row = conn.execute(q).first()
    return None if row is None else bool(row[0])


def platform_exists(conn: Connection, platform_id: str) -> bool:
    q = select(t.platforms.c.id).where(t.platforms.c.id == platform_id)
    return conn.execute(q).first() is not None
