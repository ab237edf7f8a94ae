"""log_bundles and log_tiles: appended in pieces, never rewritten

A commit appended its leaves to the last, partial bundle of 256 and its node hashes
to the partial tiles of every level by rewriting each whole row (up to 80 KB for a
bundle): for a commit of a few reports, most of what was written. Each row is now a
piece starting at ``pos`` (the leaf or node number within its bundle or tile), and a
bundle or tile is its pieces in order. Existing rows become pieces at ``pos`` 0.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

from itertools import groupby

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _pieces(old: str, new: str, keys: list[str], data: str) -> None:
    op.rename_table(old, old + "_0014")
    op.create_table(
        new,
        *[sa.Column(k, sa.BigInteger(), autoincrement=False, nullable=False) for k in keys],
        sa.Column("pos", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(data, sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint(*keys, "pos", name=f"{new}_pieces_pkey"),
    )
    cols = ", ".join(keys)
    op.execute(
        f"INSERT INTO {new} ({cols}, pos, {data}) SELECT {cols}, 0, {data} FROM {old}_0014"  # noqa: S608
    )
    op.drop_table(old + "_0014")


def upgrade() -> None:
    _pieces("log_bundles", "log_bundles", ["idx"], "leaves")
    _pieces("log_tiles", "log_tiles", ["level", "idx"], "hashes")


def _whole(name: str, keys: list[str], data: str, pk: str) -> None:
    conn = op.get_bind()
    cols = ", ".join(keys)
    rows = conn.execute(
        sa.text(f"SELECT {cols}, {data} FROM {name} ORDER BY {cols}, pos")  # noqa: S608
    ).all()
    op.drop_table(name)
    table = op.create_table(
        name,
        *[sa.Column(k, sa.BigInteger(), autoincrement=False, nullable=False) for k in keys],
        sa.Column(data, sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint(*keys, name=pk),
    )
    merged = [
        {**dict(zip(keys, key, strict=True)), data: b"".join(bytes(r[-1]) for r in group)}
        for key, group in groupby(rows, key=lambda r: tuple(r[: len(keys)]))
    ]
    if merged:
        op.bulk_insert(table, merged)


def downgrade() -> None:
    _whole("log_bundles", ["idx"], "leaves", "log_bundles_pkey")
    _whole("log_tiles", ["level", "idx"], "hashes", "log_tiles_pkey")
