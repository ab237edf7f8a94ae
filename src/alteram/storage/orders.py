"""Legal orders, their authorities and their PDF documents (see alteram.services.orders).

Every function takes a SQLAlchemy :class:`Connection` (``tx.conn``) and runs inside
the caller's transaction, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from alteram.domain.case import Case
from alteram.domain.order import AuthorityKind, DocumentKind, Order, Via
from alteram.domain.remedy import Remedy
from alteram.storage import casedoc
from alteram.storage import tables as t


def add_authority(conn: Connection, authority_id: str, name: str, code: str, now: datetime) -> None:
    conn.execute(
        insert(t.authorities).values(id=authority_id, name=name, jurisdiction=code, created_at=now)
    )


def authority_by_name(conn: Connection, name: str) -> dict[str, Any] | None:
    row = conn.execute(select(t.authorities).where(t.authorities.c.name == name)).first()
    return None if row is None else dict(row._mapping)


def authority(conn: Connection, authority_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(t.authorities).where(t.authorities.c.id == authority_id)).first()
    return None if row is None else dict(row._mapping)


def platform(conn: Connection, id_or_name: str) -> dict[str, Any] | None:
    """A registered platform by its id or its name."""
    p = t.platforms.c
    q = select(t.platforms).where((p.id == id_or_name) | (p.name == id_or_name))
    row = conn.execute(q).first()
    return None if row is None else dict(row._mapping)


def platform_names(conn: Connection) -> dict[str, str]:
    return {str(i): str(n) for i, n in conn.execute(select(t.platforms.c.id, t.platforms.c.name))}


def save_pdf(conn: Connection, sha256: str, data: bytes, now: datetime) -> None:
    """Store a PDF once by its SHA-256 (a second copy of the same file is a no-op)."""
    d = t.order_documents.c
    if conn.execute(select(d.sha256).where(d.sha256 == sha256)).first() is None:
        conn.execute(
            insert(t.order_documents).values(
                sha256=sha256, data=data, size=len(data), created_at=now
            )
        )


def pdf(conn: Connection, sha256: str) -> bytes | None:
    d = t.order_documents.c
    value = conn.execute(select(d.data).where(d.sha256 == sha256)).scalar_one_or_none()
    return None if value is None else bytes(value)


def add_order(conn: Connection, **values: Any) -> None:
    conn.execute(insert(t.orders).values(**values))


def get(conn: Connection, order_id: str) -> tuple[dict[str, Any], Case] | None:
    o = t.orders.c
    q = (
        select(t.orders, *casedoc.COLUMNS)
        .join(t.cases, t.cases.c.id == o.case_id)
        .where(o.id == order_id)
    )
    row = conn.execute(q).first()
    if row is None:
        return None
    values = dict(row._mapping)
    return values, casedoc.pop_case(values)


def by_idempotency_key(conn: Connection, submitter: str, key: str) -> dict[str, Any] | None:
    o = t.orders.c
    q = select(o.id, o.case_id, o.request_hash, o.compatible, o.jurisdiction, o.provision).where(
        o.submitter == submitter, o.idempotency_key == key
    )
    row = conn.execute(q).first()
    return None if row is None else dict(row._mapping)


def by_case(conn: Connection, case_ids: list[str]) -> dict[str, str]:
    """``case_id → order_id`` for the order cases among ``case_ids``."""
    o = t.orders.c
    out: dict[str, str] = {}
    for i in range(0, len(case_ids), 900):
        q = select(o.case_id, o.id).where(o.case_id.in_(case_ids[i : i + 900]))
        out.update({str(c): str(n) for c, n in conn.execute(q)})
    return out


def every(
    conn: Connection,
    jurisdiction: str | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> Iterator[tuple[dict[str, Any], Case]]:
    """Every order with its case, newest first (optionally of one jurisdiction; a page of
    ``limit`` from ``offset``)."""
    o = t.orders.c
    q = select(t.orders, *casedoc.COLUMNS).join(t.cases, t.cases.c.id == o.case_id)
    if jurisdiction is not None:
        q = q.where(o.jurisdiction == jurisdiction)
    q = q.order_by(o.received_at.desc(), o.id.desc()).offset(offset)
    for row in conn.execute(q if limit is None else q.limit(limit)):
        values = dict(row._mapping)
        yield values, casedoc.pop_case(values)


def count(conn: Connection, jurisdiction: str | None = None) -> int:
    o = t.orders.c
    q = select(func.count()).select_from(t.orders)
    if jurisdiction is not None:
        q = q.where(o.jurisdiction == jurisdiction)
    return int(conn.execute(q).scalar_one())


def order_of(row: dict[str, Any]) -> Order:
    return Order(
        id=row["id"],
        authority=row["authority"],
        authority_kind=AuthorityKind(row["authority_kind"]),
        jurisdiction=row["jurisdiction"],
        provision=row["provision"],
        issued_on=date.fromisoformat(row["issued_on"]),
        reference=row["reference"],
        notes=row["notes"],
        private_persons=tuple(row["private_persons"] or ()),
        measure=Remedy(row["measure"]),
        document_sha256=row["document_sha256"],
        document_kind=DocumentKind(row["document_kind"]),
        via=Via(row["via"]),
        received_at=row["received_at"],
    )
