"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

Say here why the schema changes. Review what autogenerate wrote: it does not
see renames (it writes drop + add) and a new NOT NULL column needs a
server_default or a data step so existing rows get a value.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may write sqlmodel.sql.sqltypes.AutoString)
from alembic import op
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
