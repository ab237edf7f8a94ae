"""notices: drop ix_notices_case_id, the prefix of ix_notices_party

Every query on notices by case id is served by ``ix_notices_party`` (case_id,
party_id); the single-column index only cost one more index entry per notice.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 22:15:00
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_notices_case_id", table_name="notices")


def downgrade() -> None:
    op.create_index("ix_notices_case_id", "notices", ["case_id"], unique=False)
