"""Schema migrations (Alembic), run from code when the store opens.

What happens at start (`upgrade_database`, called by `kb.db.create_db_engine`):

- the database is at head: one cheap read of `alembic_version`, nothing else;
- otherwise, under a lock (PostgreSQL `pg_advisory_lock`; SQLite an exclusive
  `flock` on `<database file>.migrate.lock`) and after reading the version
  again, because another process may have upgraded meanwhile:
  a new database is upgraded to head; a database made by the release before
  Alembic (tables, no `alembic_version`) first gets what it lacks of the
  baseline (the old add-missing-columns bridge), is stamped `0001`, then
  upgraded to head.

Adding a revision (the models in `kb/models.py` / `kb/db.py` changed):

1. `make migration m="document versions"` (or
   `python -m kb.migrations revision "document versions"`). It builds a
   scratch SQLite database at the current head, lets autogenerate compare it
   with the models and writes `versions/NNNN_document_versions.py` with the
   next number and `down_revision` set to the current head.
2. Read and fix the file: autogenerate cannot see renames, and a new NOT NULL
   column needs a `server_default` (or an `op.execute` that fills old rows),
   or old rows break. Write `downgrade()` too. On SQLite, ALTERs other than
   ADD COLUMN go through `with op.batch_alter_table(...)` (autogenerate writes
   that form already). Data steps use plain SQL that SQLite and PostgreSQL both
   accept.
3. Run `pytest tests/kb/test_migrations.py`: it fails while the schema after
   `upgrade head` differs from the models, and checks the upgrade from a
   database made by the release before Alembic.

Revision ids are four-digit numbers in order (`0001`, `0002`, ...); exactly
one head is allowed, so two branches that each add `0003` must renumber one
of them (and its `down_revision`) when merging.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from kb.errors import KBError

HERE = Path(__file__).parent
BASELINE = "0001"
VERSION_TABLE = "alembic_version"
# Any fixed 64-bit number, the same in every process of every release.
PG_LOCK_KEY = 0x4B42_4D49_4752  # "KBMIGR"
log = logging.getLogger(__name__)
# Alembic's `context` is process-global: two threads must not migrate at once.
_THREAD_LOCK = threading.Lock()


class SchemaTooNew(KBError):
    """The database was upgraded by a newer release of Lessons KB."""

    status = 503


def alembic_config(connection: Connection | None = None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def _scripts():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revisions() -> set[str]:
    return set(_scripts().get_heads())


def current_revisions(conn: Connection) -> set[str] | None:
    """The revisions the database is at; None when it has no version table
    (a new database, or one made before Alembic)."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return {row[0] for row in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))}


def upgrade_database(engine: Engine) -> list[str]:
    """Bring the database to head; returns what was done (empty when it was
    already there, which costs one version read and takes no lock)."""
    heads = head_revisions()
    with engine.connect() as conn:
        if current_revisions(conn) == heads:
            return []
    with _THREAD_LOCK, _migration_lock(engine) as conn:
        done = _upgrade_locked(conn, heads)
    if done:
        log.info("database schema: %s", "; ".join(done))
    return done


def _upgrade_locked(conn: Connection, heads: set[str]) -> list[str]:
    from alembic import command

    current = current_revisions(conn)
    conn.commit()
    if current == heads:
        return []  # another process upgraded while we waited for the lock
    _refuse_unknown(current)
    config = alembic_config(conn)
    done = []
    if current is None and inspect(conn).get_table_names():
        done += [f"bridged {name}" for name in bridge_release_database(conn)]
        command.stamp(config, BASELINE)
        conn.commit()
        done.append(f"stamped {BASELINE}")
    command.upgrade(config, "head")
    conn.commit()
    done.append(f"upgraded to {', '.join(sorted(heads))}")
    return done


def _refuse_unknown(current: set[str] | None) -> None:
    known = {script.revision for script in _scripts().walk_revisions()}
    unknown = (current or set()) - known
    if unknown:
        raise SchemaTooNew(
            f"The database schema is at revision {', '.join(sorted(unknown))}, made by a newer release "
            "of Lessons KB than this one. Install that release (or newer) to open it; this one "
            "changes nothing.")


def bridge_release_database(conn: Connection) -> list[str]:
    """For a database made before Alembic: add what it lacks of the baseline
    schema (tables, columns, indexes), as the old per-start routine did, so
    stamping it `0001` tells the truth. Columns missing from old rows are added
    nullable: those rows have no value for them. Returns what was added."""
    baseline = _scripts().get_revision(BASELINE).module.baseline_metadata()
    found = inspect(conn)
    added = []
    for table in baseline.sorted_tables:
        if not found.has_table(table.name):
            table.create(conn)
            added.append(table.name)
            continue
        have = {column["name"] for column in found.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:
                kind = column.type.compile(dialect=conn.dialect)
                conn.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'))
                added.append(f"{table.name}.{column.name}")
        for index in table.indexes:
            index.create(conn, checkfirst=True)
    conn.commit()
    return added


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """One migrating process at a time, across processes and hosts sharing the database."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PG_LOCK_KEY})
            conn.commit()
            try:
                yield conn
            finally:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PG_LOCK_KEY})
                conn.commit()
        else:
            with _file_lock(engine):
                yield conn


@contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield  # nothing another process could open at the same time
        return
    with open(f"{database}.migrate.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


__all__ = ["SchemaTooNew", "alembic_config", "bridge_release_database", "current_revisions",
           "head_revisions", "upgrade_database"]
