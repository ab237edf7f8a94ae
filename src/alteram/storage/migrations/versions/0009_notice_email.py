"""notice e-mail: the party's address and the delivery state on the notices outbox

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 21:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import alteram.storage.tables

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch.add_column(
            sa.Column(
                "emailed_at", alteram.storage.tables.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch.add_column(
            sa.Column("email_attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("email_error", sa.String(length=500), nullable=True))
        batch.add_column(
            sa.Column(
                "email_next_at", alteram.storage.tables.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch.create_index("ix_notices_email_next_at", ["email_next_at"], unique=False)
        batch.create_index("ix_notices_party", ["case_id", "party_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.drop_index("ix_notices_party")
        batch.drop_index("ix_notices_email_next_at")
        batch.drop_column("email_next_at")
        batch.drop_column("email_error")
        batch.drop_column("email_attempts")
        batch.drop_column("emailed_at")
        batch.drop_column("email")
