"""Each lesson and risk gets a second vector, from the multilingual model.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

`multilingual_vector` has the shape of `item_vector` (one row per item, with the model and text
hash it was made from) for the model search uses wherever Chinese is involved. Existing stores
get theirs from `kb reindex`; until then `kb doctor` lists the items without one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "multilingual_vector",
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(400), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "item_id"),
    )
    op.create_index("ix_multilingual_vector_model", "multilingual_vector", ["model"])


def downgrade() -> None:
    op.drop_index("ix_multilingual_vector_model", "multilingual_vector")
    op.drop_table("multilingual_vector")
