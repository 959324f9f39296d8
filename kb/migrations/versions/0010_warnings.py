"""Early warnings shown for open risks of active projects are recorded.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

`warning` holds one row per open item of a project that was shown an early warning
(`search.warnings`): the risk, how many past projects the warning cited, and when it was
first shown, so the metrics can later say whether warned-of risks materialised. A new
table only, so no data step.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "warning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=200), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("precedents", sa.Integer(), nullable=False),
        sa.Column("first_shown", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "item_key", name="uq_warning_project_item"),
    )
    with op.batch_alter_table("warning") as batch_op:
        batch_op.create_index("ix_warning_project_id", ["project_id"], unique=False)
        batch_op.create_index("ix_warning_risk_id", ["risk_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("warning") as batch_op:
        batch_op.drop_index("ix_warning_risk_id")
        batch_op.drop_index("ix_warning_project_id")
    op.drop_table("warning")
