"""The public decisions read model, and the queries behind the public record.

One row per ruled case, for its **latest** ruling, upserted by :func:`save`
whenever the store saves a case (``Tx.insert_case`` / ``Tx.update_case``). A
case with no ruling has no row.

The log index of the ruling is deliberately **not** stored: the services save
the case before they append its events (in the same transaction), so at save
time the ``ruling_issued`` event has no log index yet. :func:`ruling_log_index`
reads it from ``events`` when a decision is shown, so it is never stale.

Every function takes a SQLAlchemy :class:`Connection` (``tx.conn``) and runs
inside the caller's transaction. Nothing here is specific to one backend: the
upsert picks the dialect's ``INSERT … ON CONFLICT``, search and the
jurisdiction filter use ``LIKE`` on columns prepared in Python.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from alteram.domain.case import Case
from alteram.storage import casedoc
from alteram.storage import reporters as _reporters
from alteram.storage import tables as t

RULING_ISSUED = "ruling_issued"
REASONS_SEPARATOR = "\n"


def fold(text: str) -> str:
    """Case-folded text for search (Unicode-aware, unlike SQLite's ``lower``)."""
    return text.casefold()


def jurisdiction_codes(codes: Sequence[str]) -> str:
    """``["DE", "FR"]`` → ``",DE,FR,"``: one code matches with ``LIKE '%,DE,%'``."""
    return "," + ",".join(codes) + "," if codes else ""


def decision_row(case: Case) -> dict[str, Any] | None:
    """The ``decisions`` row of a case, or ``None`` while it has no ruling.

    ``appealed``: an appeal was filed. ``reversed``: a later ruling changed the
    violation finding of the first one. ``interim_outcome``: ``expired`` or
    ``ruling`` once an interim measure ended, ``None`` without one or while it
    is in force.
    """
    if not case.rulings:
        return None
    latest, first = case.rulings[-1], case.rulings[0]
    reasons = REASONS_SEPARATOR.join(r.strip() for r in latest.reasons if r.strip())
    interim = case.interim
    return {
        "case_id": case.id,
        "state": case.state.value,
        "round": latest.round,
        "final": latest.final,
        "category": case.category,
        "outcome": "violation" if latest.violation else "no_violation",
        "remedy": latest.remedy.value,
        "jurisdictions": list(latest.jurisdictions),
        "jurisdiction_codes": jurisdiction_codes(latest.jurisdictions),
        "language": case.content.language,
        "ruled_at": latest.issued_at,
        "opened_at": case.opened_at,
        "report_count": case.report_count,
        "appealed": case.appeal is not None,
        "reversed": len(case.rulings) > 1 and latest.violation != first.violation,
        "interim_applied": interim is not None,
        "interim_outcome": interim.end_reason if interim is not None else None,
        "reasons": reasons,
        "reasons_folded": fold(reasons),
        "policy_version": latest.policy_version,
    }


def save(conn: Connection, case: Case) -> None:
    """Upsert the case's decision row; a no-op while the case has no ruling."""
    row = decision_row(case)
    if row is None:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(t.decisions).values(**row)
    changed = {k: v for k, v in row.items() if k != "case_id"}
    conn.execute(stmt.on_conflict_do_update(index_elements=["case_id"], set_=changed))


# -- reading ------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionFilter:
    """Validated filters of ``GET /api/v1/decisions``; ``None`` means any."""

    category: str | None = None
    outcome: str | None = None
    remedy: str | None = None
    jurisdiction: str | None = None
    language: str | None = None
    ruled_from: datetime | None = None  # inclusive
    ruled_before: datetime | None = None  # exclusive
    words: tuple[str, ...] = ()  # case-folded; every one must occur in the reasons


def _where(f: DecisionFilter) -> list[ColumnElement[bool]]:
    d = t.decisions.c
    clauses: list[ColumnElement[bool]] = []
    if f.category is not None:
        clauses.append(d.category == f.category)
    if f.outcome is not None:
        clauses.append(d.outcome == f.outcome)
    if f.remedy is not None:
        clauses.append(d.remedy == f.remedy)
    if f.jurisdiction is not None:
        clauses.append(d.jurisdiction_codes.contains(f",{f.jurisdiction},", autoescape=True))
    if f.language is not None:
        clauses.append(d.language == f.language)
    if f.ruled_from is not None:
        clauses.append(d.ruled_at >= f.ruled_from)
    if f.ruled_before is not None:
        clauses.append(d.ruled_at < f.ruled_before)
    clauses += [d.reasons_folded.contains(w, autoescape=True) for w in f.words]
    return clauses


def find(
    conn: Connection,
    f: DecisionFilter,
    limit: int,
    after: tuple[datetime, str] | None = None,
) -> list[dict[str, Any]]:
    """Decision rows matching ``f``, newest ruling first (ties by case id, descending),
    starting after the ``(ruled_at, case_id)`` key of the last row of the previous page."""
    d = t.decisions.c
    clauses = _where(f)
    if after is not None:
        at, case_id = after
        clauses.append(or_(d.ruled_at < at, and_(d.ruled_at == at, d.case_id < case_id)))
    q = (
        select(t.decisions)
        .where(*clauses)
        .order_by(d.ruled_at.desc(), d.case_id.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def get(conn: Connection, case_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(t.decisions).where(t.decisions.c.case_id == case_id)).first()
    return None if row is None else dict(row._mapping)


def categories(conn: Connection) -> list[str]:
    """The categories that occur in decisions (a policy may have dropped some since)."""
    q = select(t.decisions.c.category).distinct()
    return sorted(str(c) for c in conn.execute(q).scalars())


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(t.decisions)).scalar_one())


def ruling_log_index(conn: Connection, case_id: str) -> int | None:
    """The log index of the case's last ``ruling_issued`` event (``None`` if unlogged)."""
    e = t.events.c
    q = (
        select(e.log_index)
        .where(e.case_id == case_id, e.type == RULING_ISSUED, e.log_index.is_not(None))
        .order_by(e.seq.desc())
        .limit(1)
    )
    value = conn.execute(q).scalar_one_or_none()
    return None if value is None else int(value)


def timeline(conn: Connection, case_id: str) -> list[dict[str, Any]]:
    """The case's entries in the public log, in log order: ``index``, ``type``, ``at``."""
    e = t.events.c
    q = (
        select(e.log_index, e.type, e.at)
        .where(e.case_id == case_id, e.log_index.is_not(None))
        .order_by(e.log_index)
    )
    return [{"index": int(i), "type": ty, "at": at} for i, ty, at in conn.execute(q)]


def with_cases(
    conn: Connection, after: tuple[datetime, str] | None, limit: int
) -> list[tuple[dict[str, Any], Case]]:
    """A page of decision rows with their cases, oldest ruling first (for exports),
    starting after the ``(ruled_at, case_id)`` key of the previous page's last row."""
    d = t.decisions.c
    q = select(t.decisions, *casedoc.COLUMNS).join(t.cases, t.cases.c.id == d.case_id)
    if after is not None:
        at, case_id = after
        q = q.where(or_(d.ruled_at > at, and_(d.ruled_at == at, d.case_id > case_id)))
    q = q.order_by(d.ruled_at, d.case_id).limit(limit)
    out = []
    for r in conn.execute(q):
        row = dict(r._mapping)
        out.append((row, casedoc.pop_case(row)))
    _reporters.load(conn, [case for _, case in out])
    return out


def all_rows(conn: Connection) -> Iterator[dict[str, Any]]:
    """Every decision row (the columns the statistics need), in no particular order."""
    d = t.decisions.c
    q = select(d.case_id, d.category, d.outcome, d.remedy, d.ruled_at)
    for r in conn.execute(q):
        yield dict(r._mapping)


def case_pages(conn: Connection, page: int = 500) -> Iterator[Case]:
    """Every case, read in pages of ``page`` documents (keyset on the case id)."""
    last: str | None = None
    while True:
        q = select(t.cases.c.id, *casedoc.COLUMNS).order_by(t.cases.c.id).limit(page)
        if last is not None:
            q = q.where(t.cases.c.id > last)
        rows = conn.execute(q).all()
        cases = [casedoc.parse(doc, n, parties) for _, doc, n, parties in rows]
        _reporters.load(conn, cases)
        yield from cases
        if len(rows) < page:
            return
        last = rows[-1][0]


def report_receipts(conn: Connection) -> Iterator[tuple[datetime, str]]:
    """``(received_at, category)`` of every report: no reporter, no text."""
    r = t.reports.c
    for row in conn.execute(select(r.received_at, r.category)):
        yield row[0], row[1]
