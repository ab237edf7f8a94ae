"""legal orders: authorities, orders and their PDF documents

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import alteram.storage.tables

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "authorities",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("jurisdiction", sa.String(length=8), nullable=False),
        sa.Column("created_at", alteram.storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("submitter", sa.String(length=64), nullable=False),
        sa.Column("platform_id", sa.String(length=64), nullable=False),
        sa.Column("authority", sa.String(length=300), nullable=False),
        sa.Column("authority_kind", sa.String(length=16), nullable=False),
        sa.Column("jurisdiction", sa.String(length=8), nullable=False),
        sa.Column("provision", sa.String(length=200), nullable=False),
        sa.Column("compatible", sa.Boolean(), nullable=False),
        sa.Column("issued_on", sa.String(length=10), nullable=False),
        sa.Column("reference", sa.String(length=300), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("private_persons", sa.JSON(), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("document_kind", sa.String(length=8), nullable=False),
        sa.Column("received_at", alteram.storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id"),
        sa.UniqueConstraint("submitter", "idempotency_key", name="uq_orders_idempotency"),
    )
    op.create_index("ix_orders_received_at", "orders", ["received_at", "id"], unique=False)
    op.create_table(
        "order_documents",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", alteram.storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )


def downgrade() -> None:
    op.drop_table("order_documents")
    op.drop_index("ix_orders_received_at", table_name="orders")
    op.drop_table("orders")
    op.drop_table("authorities")
