"""The private side of disputes: the appellant's contact, and the abuse-limit counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, insert, select, text

from alteram.storage import tables as t


def add_contact(
    conn: Connection,
    *,
    case_id: str,
    party_id: str,
    email: str,
    email_hash: str,
    ip_hash: str,
    now: datetime,
) -> None:
    conn.execute(
        insert(t.dispute_contacts).values(
            case_id=case_id,
            party_id=party_id,
            email=email,
            email_hash=email_hash,
            ip_hash=ip_hash,
            created_at=now,
        )
    )


def contact_email(conn: Connection, case_id: str, party_id: str) -> str | None:
    c = t.dispute_contacts.c
    q = select(c.email).where(c.case_id == case_id, c.party_id == party_id)
    return conn.execute(q).scalar_one_or_none()


def hold_counts(conn: Connection, *keys: str) -> None:
    """On PostgreSQL, hold a lock per key (hex hashes) until this transaction ends, so
    that concurrent filings by one contact count one after the other: with counting
    under READ COMMITTED, two at once would both see room for one more. SQLite needs
    none: a write transaction (``BEGIN IMMEDIATE``) excludes the others."""
    if conn.dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):  # one order for everyone: no deadlock
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": int(key[:15], 16)})


def filed_since(
    conn: Connection, *, email_hash: str, ip_hash: str, since: datetime
) -> tuple[int, int]:
    """How many disputes this contact, and this IP address, filed since ``since``."""
    c = t.dispute_contacts.c
    by_contact = select(func.count()).where(c.email_hash == email_hash, c.created_at >= since)
    by_ip = select(func.count()).where(c.ip_hash == ip_hash, c.created_at >= since)
    return int(conn.execute(by_contact).scalar_one()), int(conn.execute(by_ip).scalar_one())
