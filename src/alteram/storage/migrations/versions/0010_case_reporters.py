"""case reporters as rows

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 21:40:00.000000

The reporting parties of a case move out of its document into ``case_reporters``
(the document of a mass-reported case grew with every reporter and was rewritten
on every report). The document keeps their number, ``reporter_parties``.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_cases = sa.table("cases", sa.column("id"), sa.column("doc"))
_rows = sa.table("case_reporters", sa.column("case_id"), sa.column("seq"), sa.column("handle"))


def upgrade() -> None:
    op.create_table(
        "case_reporters",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "seq"),
        sa.UniqueConstraint("case_id", "handle", name="uq_case_reporters_handle"),
    )
    op.create_index("ix_case_reporters_handle", "case_reporters", ["handle"], unique=False)
    for case_id, doc in _pages():
        parties = doc.pop("reporters", [])
        doc["reporter_parties"] = max(doc.get("reporter_parties", 0), len(parties))
        rows = [
            {"case_id": case_id, "seq": int(p["id"][1:]), "handle": p["handle"]} for p in parties
        ]
        if rows:
            op.get_bind().execute(sa.insert(_rows), rows)
        _write(case_id, doc)


def downgrade() -> None:
    conn = op.get_bind()
    for case_id, doc in _pages():
        q = sa.select(_rows.c.seq, _rows.c.handle).where(_rows.c.case_id == case_id)
        doc["reporters"] = [
            {"id": f"r{seq}", "role": "reporter", "handle": handle}
            for seq, handle in sorted(conn.execute(q))
        ]
        doc.pop("reporter_parties", None)
        _write(case_id, doc)
    op.drop_index("ix_case_reporters_handle", table_name="case_reporters")
    op.drop_table("case_reporters")


def _pages() -> list[tuple[str, dict[str, Any]]]:
    conn = op.get_bind()
    out: list[tuple[str, dict[str, Any]]] = []
    last = None
    while True:
        q = sa.select(_cases.c.id, _cases.c.doc).order_by(_cases.c.id).limit(500)
        if last is not None:
            q = q.where(_cases.c.id > last)
        page = conn.execute(q).all()
        out += [(case_id, json.loads(doc)) for case_id, doc in page]
        if len(page) < 500:
            return out
        last = page[-1][0]


def _write(case_id: str, doc: dict[str, Any]) -> None:
    op.get_bind().execute(
        sa.update(_cases).where(_cases.c.id == case_id).values(doc=json.dumps(doc))
    )
