"""standing appeals: the panel that reviews a reporter's suspension appeal

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-01 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import alteram.storage.tables

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = alteram.storage.tables.UTCDateTime(timezone=True)
    op.create_table(
        "standing_appeals",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("filed_at", when, nullable=False),
        sa.Column("suspended_until", when, nullable=True),
        sa.Column("unfounded", sa.Integer(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("counted", sa.JSON(), nullable=False),
        sa.Column("panel", sa.JSON(), nullable=False),
        sa.Column("votes", sa.JSON(), nullable=False),
        sa.Column("deadline", when, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("decided_at", when, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject", "round", name="uq_standing_appeals_round"),
    )
    op.create_index("ix_standing_appeals_subject", "standing_appeals", ["subject"])
    op.create_index("ix_standing_appeals_pending", "standing_appeals", ["outcome", "deadline"])


def downgrade() -> None:
    op.drop_index("ix_standing_appeals_pending", table_name="standing_appeals")
    op.drop_index("ix_standing_appeals_subject", table_name="standing_appeals")
    op.drop_table("standing_appeals")
