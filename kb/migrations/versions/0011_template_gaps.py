"""Documents record what they leave out of their PMO template.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

`document.template_gaps` holds the compliance warnings read at ingest (ingest.compliance), so the
document page need not read the original again and the metrics can count compliant documents.
Existing rows stay NULL (not checked) until they are ingested again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.add_column(sa.Column("template_gaps", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.drop_column("template_gaps")
