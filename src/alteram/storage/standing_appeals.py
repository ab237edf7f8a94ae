"""Suspension appeals reviewed by a panel (see :mod:`alteram.domain.standing_panel`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from alteram.domain.standing import Standing
from alteram.domain.standing_panel import StandingVote
from alteram.storage import tables as t
from alteram.storage.standing import PREFIX, load

COUNTED_LIMIT = 1000  # counted reports kept with an appeal for the panel to read


def add(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(t.standing_appeals).values(values))


def get(conn: Connection, appeal_id: str, *, lock: bool = False) -> dict[str, Any] | None:
    q = select(t.standing_appeals).where(t.standing_appeals.c.id == appeal_id)
    if lock and conn.dialect.name == "postgresql":
        q = q.with_for_update()
    found = conn.execute(q).first()
    return None if found is None else dict(found._mapping)


def next_round(conn: Connection, subject: str) -> int:
    a = t.standing_appeals.c
    q = select(func.count()).select_from(t.standing_appeals).where(a.subject == subject)
    return int(conn.execute(q).scalar_one()) + 1


def save(conn: Connection, appeal_id: str, values: dict[str, Any]) -> None:
    a = t.standing_appeals.c
    conn.execute(update(t.standing_appeals).where(a.id == appeal_id).values(values))


def votes_of(row: dict[str, Any]) -> dict[str, StandingVote]:
    return {
        j: StandingVote(decision=v["decision"], reasons=v["reasons"])
        for j, v in (row["votes"] or {}).items()
    }


def pending(conn: Connection) -> list[dict[str, Any]]:
    """Appeals whose panel still sits (few at any time), oldest first."""
    a = t.standing_appeals.c
    q = select(t.standing_appeals).where(a.outcome.is_(None)).order_by(a.filed_at, a.id)
    return [dict(r._mapping) for r in conn.execute(q)]


def due(conn: Connection, now: datetime) -> list[str]:
    a = t.standing_appeals.c
    q = (
        select(a.id)
        .where(a.outcome.is_(None), a.deadline <= now)
        .order_by(a.deadline, a.id)
        .limit(500)
    )
    return [r for (r,) in conn.execute(q)]


def counted(
    conn: Connection, platform_id: str, handle: str, since: datetime
) -> list[dict[str, Any]]:
    """The reporter's reports in the counting window, as the panel reads them: case id,
    category and outcome (``closed_precedent``, ``no_violation``, ``violation`` or the
    case's state while it is open), and whether it counted as manifestly unfounded."""
    r, c, d = t.reports.c, t.cases.c, t.decisions.c
    q = (
        select(r.case_id, r.category, r.received_at, c.state, d.final, d.outcome)
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
        .order_by(r.received_at, r.id)
        .limit(COUNTED_LIMIT)
    )
    out: list[dict[str, Any]] = []
    for case_id, category, received_at, state, final, decided in conn.execute(q):
        if state == "closed_precedent":
            outcome = "closed_precedent"
        elif final and decided:
            outcome = str(decided)
        else:
            outcome = str(state or "unknown")
        out.append(
            {
                "case_id": case_id,
                "category": category,
                "received_at": received_at.isoformat().replace("+00:00", "Z"),
                "outcome": outcome,
                "unfounded": outcome in ("closed_precedent", "no_violation"),
            }
        )
    return out


def platform_names(conn: Connection, platform_id: str) -> list[str]:
    p = t.platforms.c
    name = conn.execute(select(p.name).where(p.id == platform_id)).scalar_one_or_none()
    return [platform_id, *([name] if name else [])]


def for_juror(rows: Sequence[dict[str, Any]], juror_id: str) -> list[dict[str, Any]]:
    return [row for row in rows if juror_id in (row["panel"] or {}).get("chosen", [])]


def standing_of(conn: Connection, subject: str) -> Standing:
    """The standing row of a reporter, by their pseudo case id."""
    s = t.reporter_standing.c
    platform_id, handle = conn.execute(
        select(s.platform_id, s.reporter).where(s.subject == subject)
    ).one()
    return load(conn, [(platform_id, handle)])[(platform_id, handle)]
