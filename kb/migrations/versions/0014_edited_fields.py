"""Lessons and risks record which fields the PMO corrected.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

A correction used to mark the whole row as edited, and a re-upload then kept every editable field from the
old row: a risk whose category was corrected stayed open after the register said it occurred. `edited_fields`
lists the corrected fields; rows corrected before this revision have none and keep every editable field, as
they did.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("lesson", "risk"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("edited_fields", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in ("lesson", "risk"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("edited_fields")
