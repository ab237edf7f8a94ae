"""notices.token: room for a sealed token

The party token kept with each notice is now sealed (AES-256-GCM under a key derived
from the log's signing key, ``alteram.services.seal``): ``s1.`` and the base64 of the
nonce, the ciphertext and the tag, about 110 characters. The column grows from 100 to
200 characters. Tokens stored before are read as they are until ``alteram db
upgrade`` seals them (the key is not in the database, so this migration cannot).

Downgrading keeps the wider column: the code before this revision reads it unchanged,
and narrowing it would fail on the sealed values.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notices") as batch:  # SQLite: the table is rebuilt
        batch.alter_column(
            "token", existing_type=sa.String(100), type_=sa.String(200), existing_nullable=False
        )


def downgrade() -> None:
    pass  # see above: the wider column stays
