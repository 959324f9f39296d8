"""An integer generation counter, bumped in SQL with `n = n + 1`.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

The generation used to be a string in `kb_meta`, bumped by read-increment-write
in Python: two commits at once on PostgreSQL could both read 7 and both write
8, and a worker waiting for 9 would never reload. One integer row updated in
SQL cannot lose a bump. The old value carries over so running readers do not
see the generation go backwards.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_generation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.execute(
        "INSERT INTO kb_generation (id, n) SELECT 1, COALESCE("
        "(SELECT CAST(value AS INTEGER) FROM kb_meta WHERE \"key\" = 'generation'), 0)"
    )
    op.execute("DELETE FROM kb_meta WHERE \"key\" = 'generation'")


def downgrade() -> None:
    op.execute(
        "INSERT INTO kb_meta (\"key\", value) SELECT 'generation', CAST(n AS VARCHAR) "
        "FROM kb_generation WHERE id = 1"
    )
    op.drop_table("kb_generation")
