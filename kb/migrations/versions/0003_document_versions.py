"""A document belongs to its project, and replaced versions are kept.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

Documents were known by their file name across the whole knowledge base, so
project B's "Risk Register.xlsx" replaced project A's. A document's identity is
now `key` (project code + file name, `kb.models.document_key`), and
`source_name` is no longer unique. `version` counts replacements, and
`document_version` keeps each replaced version's original file so it can be
downloaded and restored. `sha256` becomes unique, so two writers storing the
same bytes at once end with one document.

Existing rows get their key from their project and file name. Two rows that
would share a key (file names differing only in case) or a sha256 (a race of
the earlier release) keep their data: the later row's key gets a `#<id>`
suffix, its hash a `#duplicate-<id>` one, so the unique indexes can be built
and nothing is deleted; `kb doctor` lists such documents for the PMO to delete.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("document.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(), nullable=False),
        sa.Column("title", sa.String()),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String()),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("stored_path", sa.String(), nullable=False),
        sa.Column("lessons", sa.Integer(), nullable=False),
        sa.Column("risks", sa.Integer(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_document_version_document_id", "document_version", ["document_id"])

    with op.batch_alter_table("document") as batch:
        batch.add_column(sa.Column("key", sa.String(400), nullable=False, server_default=""))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    _fill_keys_and_free_duplicates()
    with op.batch_alter_table("document") as batch:
        batch.drop_index("ix_document_sha256")
        batch.create_index("ix_document_sha256", ["sha256"], unique=True)
        batch.drop_index("ix_document_source_name")
        batch.create_index("ix_document_source_name", ["source_name"], unique=False)
        batch.create_index("ix_document_key", ["key"], unique=True)


def _fill_keys_and_free_duplicates() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT d.id, d.source_name, d.sha256, p.code FROM document d "
        "LEFT JOIN project p ON p.id = d.project_id ORDER BY d.id")).all()
    keys: set[str] = set()
    hashes: set[str] = set()
    for doc_id, name, digest, code in rows:
        key = f"{(code or '').strip().upper()}/{name.strip().lower()}"
        key = key if key not in keys else f"{key}#{doc_id}"
        digest = digest if digest not in hashes else f"{digest[:40]}#duplicate-{doc_id}"  # fits 64
        keys.add(key)
        hashes.add(digest)
        conn.execute(sa.text("UPDATE document SET \"key\" = :key, sha256 = :sha WHERE id = :id"),
                     {"key": key, "sha": digest, "id": doc_id})


def downgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.drop_index("ix_document_key")
        batch.drop_index("ix_document_source_name")
        batch.create_index("ix_document_source_name", ["source_name"], unique=True)
        batch.drop_index("ix_document_sha256")
        batch.create_index("ix_document_sha256", ["sha256"], unique=False)
        batch.drop_column("version")
        batch.drop_column("key")
    op.drop_index("ix_document_version_document_id", "document_version")
    op.drop_table("document_version")
