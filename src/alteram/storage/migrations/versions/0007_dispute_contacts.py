"""dispute contacts (private)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import alteram.storage.tables

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dispute_contacts",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("party_id", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("ip_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", alteram.storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_index("ix_dispute_contacts_email", "dispute_contacts", ["email_hash", "created_at"])
    op.create_index("ix_dispute_contacts_ip", "dispute_contacts", ["ip_hash", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_dispute_contacts_ip", table_name="dispute_contacts")
    op.drop_index("ix_dispute_contacts_email", table_name="dispute_contacts")
    op.drop_table("dispute_contacts")
