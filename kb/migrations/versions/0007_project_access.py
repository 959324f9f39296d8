"""Confidential projects and who they are shared with.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-30

`project.confidential` (false for every existing project, so nothing that was
visible is hidden by the upgrade) and `project_access`: one row per project and
principal ("user:NAME" or "group:NAME") with its level, read or manage.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch would copy the project table, which the foreign keys of other tables forbid.
    op.add_column("project", sa.Column("confidential", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "project_access",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("principal", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.PrimaryKeyConstraint("project_id", "principal"),
    )


def downgrade() -> None:
    op.drop_table("project_access")
    with op.batch_alter_table("project") as batch_op:
        batch_op.drop_column("confidential")
