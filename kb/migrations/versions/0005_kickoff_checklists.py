"""A kickoff pack's lines become the checklist of the project it was made for.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

`checklist_item` holds one row per lesson or risk line of a pack linked to a
project: its state (open, done, dismissed, action), the reason for a dismissal,
and the action with its owner and due date. A new table only: existing packs
get their rows when they are first linked to a project, so no data step.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checklist_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pack_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("action", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["pack_id"], ["kickoffpack.id"]),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("checklist_item") as batch_op:
        batch_op.create_index("ix_checklist_item_pack_id", ["pack_id"], unique=False)
        batch_op.create_index("ix_checklist_item_project_id", ["project_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("checklist_item") as batch_op:
        batch_op.drop_index("ix_checklist_item_project_id")
        batch_op.drop_index("ix_checklist_item_pack_id")
    op.drop_table("checklist_item")
