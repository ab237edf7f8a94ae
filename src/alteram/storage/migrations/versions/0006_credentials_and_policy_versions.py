"""jurors' passwords, one-time sign-in links, policy versions

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import alteram.storage.tables

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC = alteram.storage.tables.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "juror_passwords",
        sa.Column("juror_id", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=200), nullable=False),
        sa.Column("set_at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("juror_id"),
    )
    op.create_table(
        "signin_links",
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("juror_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("expires_at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("hash"),
    )
    op.create_index(op.f("ix_signin_links_juror_id"), "signin_links", ["juror_id"], unique=False)
    op.create_table(
        "policy_versions",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("published_at", UTC(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("version"),
    )


def downgrade() -> None:
    op.drop_table("policy_versions")
    op.drop_index(op.f("ix_signin_links_juror_id"), table_name="signin_links")
    op.drop_table("signin_links")
    op.drop_table("juror_passwords")
