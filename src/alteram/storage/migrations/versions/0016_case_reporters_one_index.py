"""case_reporters: one index by handle that is also the uniqueness check

A party's handle was unique per case through ``UNIQUE (case_id, handle)`` and found
by handle through a second index on ``handle``. Both are now one unique index on
``(handle, case_id)``: the same rule, the same lookups, and one B-tree fewer keyed by
case. A batch of reports spread over many cases wrote a page of each such tree for
every case it touched: this drops about a sixth of the pages such a commit writes.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 14:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_case_reporters_handle", table_name="case_reporters")
    with op.batch_alter_table("case_reporters") as batch:  # SQLite: the table is rebuilt
        batch.drop_constraint("uq_case_reporters_handle", type_="unique")
    op.create_index(
        "uq_case_reporters_handle_case", "case_reporters", ["handle", "case_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_case_reporters_handle_case", table_name="case_reporters")
    with op.batch_alter_table("case_reporters") as batch:
        batch.create_unique_constraint("uq_case_reporters_handle", ["case_id", "handle"])
    op.create_index("ix_case_reporters_handle", "case_reporters", ["handle"], unique=False)
