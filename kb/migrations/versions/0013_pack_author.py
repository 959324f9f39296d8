"""Kickoff packs record who made them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

A pack made for no project is its author's own (and the PMO's): its name, description and budget may
describe a confidential initiative. `kickoffpack.author` holds the user name; packs made before this
revision have none and stay readable by everyone who may read packs, as they were.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kickoffpack") as batch:
        batch.add_column(sa.Column("author", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kickoffpack") as batch:
        batch.drop_column("author")
