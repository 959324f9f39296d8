"""Alembic's environment for Lessons KB: run on the connection the caller
passes in `config.attributes["connection"]` (see `kb.migrations`), never from
an alembic.ini, so an installed package migrates its own database."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from kb import db  # noqa: F401  (registers every table on SQLModel.metadata)

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("Run migrations through kb.migrations (or `make migration`), not the alembic command.")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    # SQLite cannot ALTER most things; batch mode copies the table instead,
    # and autogenerate writes new revisions in that form.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
