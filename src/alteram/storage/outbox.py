"""The notices table as an e-mail outbox: claim what is due, record what became of it.

A claim moves ``email_next_at`` past the time the sending may take (a lease) and
counts the attempt, in a short transaction of its own; the SMTP conversation runs
outside any transaction. PostgreSQL claims with ``FOR UPDATE SKIP LOCKED``, so
workers never take the same notice; SQLite has one writer at a time. The result is
recorded only while the claim still holds (same attempt number, not yet sent), so a
claim that outlived its lease cannot overwrite a later one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, bindparam, select, update

from alteram.storage import tables as t

n = t.notices.c


@dataclass(frozen=True)
class Pending:
    """A notice claimed for e-mail; ``attempt`` counts this try (1 for the first)."""

    id: int
    case_id: str
    party_id: str
    role: str
    email: str
    token: str
    url: str
    text: str
    attempt: int


def claim(conn: Connection, now: datetime, limit: int, lease_until: datetime) -> list[Pending]:
    """Up to ``limit`` notices due for e-mail at ``now``, oldest due first, claimed
    until ``lease_until``."""
    q = (
        select(n.id, n.case_id, n.party_id, n.role, n.email, n.token, n.url, n.text)
        .add_columns(n.email_attempts)
        .where(n.email_next_at.is_not(None), n.email_next_at <= now, n.emailed_at.is_(None))
        .order_by(n.email_next_at, n.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    rows = list(conn.execute(q))
    if not rows:
        return []
    conn.execute(
        update(t.notices)
        .where(n.id == bindparam("b_id"))
        .values(email_next_at=lease_until, email_attempts=bindparam("b_attempts")),
        [{"b_id": r.id, "b_attempts": r.email_attempts + 1} for r in rows],
    )
    return [
        Pending(
            id=r.id,
            case_id=r.case_id,
            party_id=r.party_id,
            role=r.role,
            email=r.email,
            token=r.token,
            url=r.url,
            text=r.text,
            attempt=r.email_attempts + 1,
        )
        for r in rows
    ]


def _held(notice: Pending) -> ColumnElement[bool]:
    return and_(n.id == notice.id, n.email_attempts == notice.attempt, n.emailed_at.is_(None))


def mark_sent(conn: Connection, notice: Pending, now: datetime) -> bool:
    res = conn.execute(
        update(t.notices)
        .where(_held(notice))
        .values(emailed_at=now, email_next_at=None, email_error=None)
    )
    return bool(res.rowcount)


def mark_failed(conn: Connection, notice: Pending, error: str, retry_at: datetime | None) -> bool:
    """Record a failed attempt; ``retry_at`` None gives up (the link still works)."""
    res = conn.execute(
        update(t.notices)
        .where(_held(notice))
        .values(email_error=error[:500], email_next_at=retry_at)
    )
    return bool(res.rowcount)


def known_addresses(
    conn: Connection, parties: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """The latest address each ``(case_id, party_id)`` gave with an earlier notice
    (index ``ix_notices_party``; one query per case and up to 500 parties)."""
    by_case: dict[str, set[str]] = {}
    for case_id, party_id in parties:
        by_case.setdefault(case_id, set()).add(party_id)
    out: dict[tuple[str, str], str] = {}
    for case_id, party_ids in sorted(by_case.items()):
        wanted = sorted(party_ids)
        for i in range(0, len(wanted), 500):
            q = (
                select(n.party_id, n.email)
                .where(
                    n.case_id == case_id,
                    n.party_id.in_(wanted[i : i + 500]),
                    n.email.is_not(None),
                )
                .order_by(n.id)
            )
            for party_id, email in conn.execute(q):
                out[(case_id, party_id)] = email
    return out


def unsealed_tokens(
    conn: Connection, after: int, limit: int, prefix: str
) -> list[tuple[int, str, str, str]]:
    """``(id, case_id, party_id, token)`` of notices after ``after`` whose token is set
    but does not start with ``prefix`` (stored in the clear by an earlier version)."""
    q = (
        select(n.id, n.case_id, n.party_id, n.token)
        .where(n.id > after, n.token != "", ~n.token.startswith(prefix))
        .order_by(n.id)
        .limit(limit)
    )
    return [(int(a), str(b), str(c), str(d)) for a, b, c, d in conn.execute(q)]


def set_tokens(conn: Connection, tokens: dict[int, str]) -> None:
    """Replace the stored token of each notice id."""
    if tokens:
        conn.execute(
            update(t.notices).where(n.id == bindparam("b_id")).values(token=bindparam("b_token")),
            [{"b_id": i, "b_token": token} for i, token in tokens.items()],
        )
