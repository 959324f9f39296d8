"""Accounts, their sessions and API tokens, and the audit log.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

`account` holds local users (role, groups, argon2 password hash, disabled),
`user_session` a browser's sign-in until it expires, `api_token` the hashes of
script tokens, and `audit_event` who changed what. New tables only, so no data
step: the first `kb serve` creates the PMO admin.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    for table in ("user_session", "api_token"):
        columns = [
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("token_hash", sa.String(length=64), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        ]
        if table == "user_session":
            columns.append(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False))
        op.create_table(table, *columns, sa.ForeignKeyConstraint(["user_id"], ["account.id"]),
                        sa.PrimaryKeyConstraint("id"), sa.UniqueConstraint("token_hash"))
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_index(f"ix_{table}_user_id", ["user_id"], unique=False)
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.create_index("ix_audit_event_at", ["at"], unique=False)
        batch_op.create_index("ix_audit_event_action", ["action"], unique=False)


def downgrade() -> None:
    op.drop_table("audit_event")
    op.drop_table("api_token")
    op.drop_table("user_session")
    op.drop_table("account")
