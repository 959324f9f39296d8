"""Each item's vector is recorded in SQL with the model and text it came from.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

The search snapshot read vectors from the embedded Chroma store, which another
process (a `kb ingest` while `kb serve` runs) could leave stale, so the server
re-embedded thousands of items inside a search request; and nothing recorded
which model made a vector, so a model change mixed vector spaces. `item_vector`
is written in the item's own transaction; Chroma is rebuilt from it.

A data directory from before this revision has no rows here: the first
`KnowledgeBase.open` copies the vectors Chroma already holds (they were made by
the configured model), so nothing is embedded again (`kb.store.adopt_index_vectors`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item_vector",
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(400), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "item_id"),
    )
    op.create_index("ix_item_vector_model", "item_vector", ["model"])


def downgrade() -> None:
    op.drop_index("ix_item_vector_model", "item_vector")
    op.drop_table("item_vector")
