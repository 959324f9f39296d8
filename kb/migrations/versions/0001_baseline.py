"""Baseline: the schema of the release before Alembic, exactly as `create_all` made it.

Revision ID: 0001
Revises:
Create Date: 2026-11-30

The tables are written out here rather than taken from `kb.models`, so this
revision keeps meaning the same schema when the models change later. The same
frozen definition is the bridge for databases made before Alembic
(`kb.migrations.bridge_release_database`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def baseline_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "kb_meta", metadata,
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("value", sa.String(), nullable=False),
    )
    sa.Table(
        "project", metadata,
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("portfolio", sa.String()),
        sa.Column("project_type", sa.String()),
        sa.Column("industry", sa.String()),
        sa.Column("methodology", sa.String()),
        sa.Column("sponsor", sa.String()),
        sa.Column("manager", sa.String()),
        sa.Column("description", sa.Text()),
        sa.Column("planned_start", sa.Date()),
        sa.Column("planned_end", sa.Date()),
        sa.Column("actual_start", sa.Date()),
        sa.Column("actual_end", sa.Date()),
        sa.Column("planned_budget", sa.Float()),
        sa.Column("actual_budget", sa.Float()),
        sa.Column("currency", sa.String()),
        sa.Column("outcome", sa.String()),
        sa.Column("planned_value", sa.Float()),
        sa.Column("earned_value", sa.Float()),
        sa.Column("actual_cost", sa.Float()),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_project_code", "code", unique=True),
        sa.Index("ix_project_project_type", "project_type"),
    )
    sa.Table(
        "searchlog", metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("query", sa.String(), nullable=False),
        sa.Column("filters", sa.JSON()),
        sa.Column("result_count", sa.Integer(), nullable=False),
        sa.Column("top_score", sa.Float()),
    )
    sa.Table(
        "themeoverride", metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("payload", sa.JSON()),
    )
    sa.Table(
        "document", metadata,
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("source_name", sa.String(), nullable=False),
        sa.Column("title", sa.String()),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String()),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("language", sa.String()),
        sa.Column("report_date", sa.Date()),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("rows", sa.JSON()),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id")),
        sa.Column("stored_path", sa.String(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_document_kind", "kind"),
        sa.Index("ix_document_project_id", "project_id"),
        sa.Index("ix_document_sha256", "sha256"),
        sa.Index("ix_document_source_name", "source_name", unique=True),
    )
    sa.Table(
        "kickoffpack", metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("project_name", sa.String()),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id")),
        sa.Column("project_type", sa.String()),
        sa.Column("industry", sa.String()),
        sa.Column("size", sa.String()),
        sa.Column("budget", sa.Float()),
        sa.Column("description", sa.Text()),
        sa.Column("content", sa.JSON()),
        sa.Column("lesson_ids", sa.JSON()),
        sa.Column("risk_ids", sa.JSON()),
    )
    sa.Table(
        "lesson", metadata,
        sa.Column("external_id", sa.String()),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("what_happened", sa.Text()),
        sa.Column("cause", sa.Text()),
        sa.Column("impact", sa.Text()),
        sa.Column("recommendation", sa.Text()),
        sa.Column("polarity", sa.String()),
        sa.Column("category", sa.String()),
        sa.Column("phase", sa.String()),
        sa.Column("tags", sa.JSON()),
        sa.Column("source_location", sa.String()),
        sa.Column("source_anchor", sa.String()),
        sa.Column("lesson_date", sa.Date()),
        sa.Column("organization", sa.String()),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("origin_key", sa.String()),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("document.id"), nullable=False),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_lesson_category", "category"),
        sa.Index("ix_lesson_document_id", "document_id"),
        sa.Index("ix_lesson_external_id", "external_id"),
        sa.Index("ix_lesson_origin_key", "origin_key"),
        sa.Index("ix_lesson_polarity", "polarity"),
        sa.Index("ix_lesson_project_id", "project_id"),
    )
    sa.Table(
        "risk", metadata,
        sa.Column("external_id", sa.String()),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("cause", sa.Text()),
        sa.Column("effect", sa.Text()),
        sa.Column("category", sa.String()),
        sa.Column("phase", sa.String()),
        sa.Column("probability", sa.Float()),
        sa.Column("impact", sa.Float()),
        sa.Column("score", sa.Float()),
        sa.Column("owner", sa.String()),
        sa.Column("response", sa.Text()),
        sa.Column("status", sa.String()),
        sa.Column("materialised", sa.Boolean(), nullable=False),
        sa.Column("tags", sa.JSON()),
        sa.Column("source_location", sa.String()),
        sa.Column("source_anchor", sa.String()),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("origin_key", sa.String()),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("document.id"), nullable=False),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_risk_category", "category"),
        sa.Index("ix_risk_document_id", "document_id"),
        sa.Index("ix_risk_external_id", "external_id"),
        sa.Index("ix_risk_origin_key", "origin_key"),
        sa.Index("ix_risk_project_id", "project_id"),
        sa.Index("ix_risk_status", "status"),
    )
    sa.Table(
        "lessonfeedback", metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("lesson_id", sa.Integer(), sa.ForeignKey("lesson.id"), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_lessonfeedback_lesson_id", "lesson_id"),
    )
    return metadata


def upgrade() -> None:
    baseline_metadata().create_all(op.get_bind())


def downgrade() -> None:
    baseline_metadata().drop_all(op.get_bind())
