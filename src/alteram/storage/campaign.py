"""The queries behind the campaign signals (see :mod:`alteram.domain.campaign`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import Connection, func, select

from alteram.domain.campaign import CO_REPORTERS_AT, ReportFact
from alteram.storage import tables as t

CHUNK = 900  # stay under every backend's limit on bound parameters


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for i in range(0, len(values), CHUNK):
        yield list(values[i : i + CHUNK])


def inputs(
    conn: Connection, case_id: str
) -> tuple[list[ReportFact], dict[str, datetime], dict[str, int], int]:
    r, d = t.reports.c, t.decisions.c
    rows = conn.execute(
        select(r.reporter, r.received_at, r.explanation).where(r.case_id == case_id)
    ).all()
    facts = [ReportFact(reporter=a, received_at=b, explanation=c) for a, b, c in rows]
    reporters = sorted({f.reporter for f in facts})
    first_seen: dict[str, datetime] = {}
    unfounded: dict[str, int] = {}
    shared: dict[str, set[str]] = {}
    for chunk in _chunks(reporters):
        q = select(r.reporter, func.min(r.received_at)).where(r.reporter.in_(chunk))
        first_seen.update({a: b for a, b in conn.execute(q.group_by(r.reporter))})
        q = (
            select(r.reporter, func.count())
            .join(t.decisions, t.decisions.c.case_id == r.case_id)
            .where(
                r.reporter.in_(chunk),
                r.case_id != case_id,
                d.final.is_(True),
                d.outcome == "no_violation",
            )
            .group_by(r.reporter)
        )
        unfounded.update({a: int(b) for a, b in conn.execute(q)})
        q = (
            select(r.case_id, r.reporter)
            .where(r.reporter.in_(chunk), r.case_id != case_id)
            .distinct()
        )
        for other, reporter in conn.execute(q):
            shared.setdefault(other, set()).add(reporter)
    co_cases = sum(1 for who in shared.values() if len(who) >= CO_REPORTERS_AT)
    return facts, first_seen, unfounded, co_cases
