"""cases: report counts as columns, and a version

A report that only joins an open case changes two numbers, ``report_count`` and
``reporter_parties``; as columns (which win over the document's copies) they are
updated without rewriting the case's document. ``version`` grows by one on every
write of a case: a process that keeps a parsed copy of an open case knows from it
whether the copy is still the stored case. Existing rows keep NULL counts (their
document holds them) and version 0.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 04:10:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("report_count", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reporter_parties", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    # Documents may hold stale counts: copy the columns back in before dropping them.
    conn = op.get_bind()
    cases = sa.table(
        "cases",
        sa.column("id"),
        sa.column("doc"),
        sa.column("report_count"),
        sa.column("reporter_parties"),
    )
    q = sa.select(cases.c.id, cases.c.doc, cases.c.report_count, cases.c.reporter_parties)
    for case_id, doc, reports, parties in list(
        conn.execute(q.where(cases.c.report_count.isnot(None)))
    ):
        data = json.loads(doc)
        data["report_count"] = reports
        data["reporter_parties"] = parties
        conn.execute(sa.update(cases).where(cases.c.id == case_id).values(doc=json.dumps(data)))
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("version")
        batch.drop_column("reporter_parties")
        batch.drop_column("report_count")
