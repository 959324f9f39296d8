"""Status reports of running projects, one row per project and reporting period.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

`status_report` holds what a weekly or monthly status report says: its period, overall RAG
and RAG per dimension, percent complete, earned-value figures, forecasts, milestones, top
risks and issues, and escalations, linked to the document it was read from (one row per
document). A new table only: no data step.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("overall_rag", sa.String(length=5), nullable=True),
        sa.Column("rag", sa.JSON(), nullable=True),
        sa.Column("percent_complete", sa.Float(), nullable=True),
        sa.Column("planned_value", sa.Float(), nullable=True),
        sa.Column("earned_value", sa.Float(), nullable=True),
        sa.Column("actual_cost", sa.Float(), nullable=True),
        sa.Column("budget_at_completion", sa.Float(), nullable=True),
        sa.Column("estimate_at_completion", sa.Float(), nullable=True),
        sa.Column("forecast_end", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("milestones", sa.JSON(), nullable=True),
        sa.Column("items", sa.JSON(), nullable=True),
        sa.Column("escalations", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("status_report") as batch_op:
        batch_op.create_index("ix_status_report_document_id", ["document_id"], unique=True)
        batch_op.create_index("ix_status_report_project_id", ["project_id"], unique=False)
        batch_op.create_index("ix_status_report_period_end", ["period_end"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("status_report") as batch_op:
        batch_op.drop_index("ix_status_report_period_end")
        batch_op.drop_index("ix_status_report_project_id")
        batch_op.drop_index("ix_status_report_document_id")
    op.drop_table("status_report")
