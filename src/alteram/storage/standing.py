"""Reporter standing rows and the counts behind them (see :mod:`alteram.domain.standing`)."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, insert, or_, select, update

from alteram.domain.standing import Counts, Standing
from alteram.storage import tables as t
from alteram.storage.bulk import select_in

PREFIX = "reporter:"
CHUNK = 400  # pairs of bound parameters per query


def subject_for(key: bytes, platform_id: str, handle: str) -> str:
    """The reporter's pseudo case id: a commitment to platform and handle."""
    mac = hmac.new(key, f"{platform_id}\n{handle}".encode(), "sha256").hexdigest()
    return PREFIX + mac[:40]


def _standing(row: Any) -> Standing:
    return Standing(
        subject=row.subject,
        handle=row.reporter,
        status=row.status,
        warned_at=row.warned_at,
        suspended_until=row.suspended_until,
        counted_from=row.counted_from,
    )


def load(conn: Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Standing]:
    """The standing rows of these (platform, handle) pairs that have one."""
    s = t.reporter_standing.c
    # Most reporters have no standing row: find the handles that do, cheaply, first.
    sql = "SELECT platform_id, reporter FROM reporter_standing WHERE reporter IN ({})"
    stored = {(p, h) for p, h in select_in(conn, sql, sorted({h for _, h in keys}), CHUNK)}
    wanted = sorted(set(keys) & stored)
    keyset = set(wanted)
    out: dict[tuple[str, str], Standing] = {}
    for i in range(0, len(wanted), CHUNK):
        chunk = wanted[i : i + CHUNK]
        handles = sorted({h for _, h in chunk})
        platforms = sorted({p for p, _ in chunk})
        q = select(t.reporter_standing).where(s.reporter.in_(handles), s.platform_id.in_(platforms))
        for row in conn.execute(q):
            if (row.platform_id, row.reporter) in keyset:
                out[(row.platform_id, row.reporter)] = _standing(row)
    return out


def get_or_make(conn: Connection, platform_id: str, handle: str, now: datetime) -> Standing:
    found = load(conn, [(platform_id, handle)]).get((platform_id, handle))
    if found is not None:
        return found
    key = secrets.token_bytes(32)
    standing = Standing(subject=subject_for(key, platform_id, handle), handle=handle)
    conn.execute(
        insert(t.reporter_standing).values(
            subject=standing.subject,
            platform_id=platform_id,
            reporter=handle,
            status=standing.status,
            commit_key=key.hex(),
            updated_at=now,
        )
    )
    return standing


def save(
    conn: Connection,
    standing: Standing,
    now: datetime,
    *,
    reasons: dict[str, Any] | None = None,
    appeal: dict[str, Any] | None = None,
) -> None:
    values: dict[str, Any] = {
        "status": standing.status,
        "warned_at": standing.warned_at,
        "suspended_until": standing.suspended_until,
        "counted_from": standing.counted_from,
        "updated_at": now,
    }
    if reasons is not None:
        values["reasons"] = reasons
    if appeal is not None:
        values["appeal"] = appeal
    s = t.reporter_standing.c
    conn.execute(update(t.reporter_standing).where(s.subject == standing.subject).values(values))


def row(conn: Connection, platform_id: str, handle: str) -> dict[str, Any] | None:
    s = t.reporter_standing.c
    q = select(t.reporter_standing).where(s.platform_id == platform_id, s.reporter == handle)
    found = conn.execute(q).first()
    return None if found is None else dict(found._mapping)


def commit_keys(conn: Connection, subjects: Sequence[str]) -> dict[str, bytes]:
    s = t.reporter_standing.c
    out: dict[str, bytes] = {}
    for i in range(0, len(subjects), 900):
        q = select(s.subject, s.commit_key).where(s.subject.in_(list(subjects[i : i + 900])))
        out.update({a: bytes.fromhex(b) for a, b in conn.execute(q)})
    return out


def counts(conn: Connection, platform_id: str, handle: str, since: datetime) -> Counts:
    """Reports of this reporter received since ``since``, and how many were manifestly
    unfounded: on a case closed as ``closed_precedent``, or cleared by a final ruling."""
    r, c, d = t.reports.c, t.cases.c, t.decisions.c
    unfounded = or_(
        c.state == "closed_precedent",
        and_(d.final.is_(True), d.outcome == "no_violation"),
    )
    q = (
        select(func.count(), func.coalesce(func.sum(case((unfounded, 1), else_=0)), 0))
        .select_from(
            t.reports.outerjoin(t.cases, c.id == r.case_id).outerjoin(
                t.decisions, d.case_id == r.case_id
            )
        )
        .where(
            r.platform_id == platform_id,
            r.reporter == handle,
            r.received_at >= since,
            ~r.case_id.startswith(PREFIX),
        )
    )
    total, bad = conn.execute(q).one()
    return Counts(unfounded=int(bad), reports=int(total))


def reporters_of(conn: Connection, case_ids: Sequence[str]) -> list[tuple[str, str]]:
    r = t.reports.c
    q = select(r.platform_id, r.reporter).where(r.case_id.in_(list(case_ids))).distinct()
    return [(a, b) for a, b in conn.execute(q)]


def notices(
    conn: Connection, platform_id: str, after: int = 0, reporter: str | None = None
) -> list[dict[str, Any]]:
    """Reporter-level notices (warnings, suspensions, reinstatements) for one platform."""
    n, s = t.notices.c, t.reporter_standing.c
    q = (
        select(n.id, s.reporter, n.text, n.created_at, n.role)
        .join(t.reporter_standing, s.subject == n.case_id)
        .where(s.platform_id == platform_id, n.id > after)
        .order_by(n.id)
        .limit(1000)
    )
    if reporter is not None:
        q = q.where(s.reporter == reporter)
    return [dict(r._mapping) for r in conn.execute(q)]
