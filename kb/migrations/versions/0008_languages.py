"""Each lesson and risk records its language, as documents already did.

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-30

`lesson.language` and `risk.language` hold 'zh' or 'en' (kb.language), so search can
offer language as a facet. Existing rows get theirs from their text, and documents,
which were all recorded as 'en', from their content. The rule is copied here (Han
characters against Latin words) so this revision reads the same whatever kb.language
becomes later.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TEXTS = {"lesson": "title, what_happened, recommendation", "risk": "title, description", "document": "title, content"}


def upgrade() -> None:
    for table in ("lesson", "risk"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("language", sa.String(), nullable=True))
    conn = op.get_bind()
    for table, columns in _TEXTS.items():
        for row in conn.execute(sa.text(f"SELECT id, {columns} FROM {table}")).all():
            language = _language(" ".join(str(v) for v in row[1:] if v))
            conn.execute(sa.text(f"UPDATE {table} SET language = :language WHERE id = :id"),
                         {"language": language, "id": row[0]})


def _language(text: str) -> str | None:
    han = len(_HAN.findall(text))
    latin = len(re.findall(r"[A-Za-z]+", text))
    if not han and not latin:
        return None
    return "zh" if han and han >= 0.2 * (han + latin) else "en"


def downgrade() -> None:
    for table in ("risk", "lesson"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("language")
