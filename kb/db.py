"""The SQL engine: SQLite under the data directory by default, PostgreSQL
(or any SQLAlchemy URL) when `KB_DATABASE_URL` is set."""

from __future__ import annotations

from sqlalchemy import event, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine, select

from kb import accounts, models  # noqa: F401  (registers the tables)
from kb.migrations import upgrade_database
from kb.settings import Settings


class Meta(SQLModel, table=True):
    """Small key/value facts about the store."""

    __tablename__ = "kb_meta"
    key: str = models.Field(primary_key=True)
    value: str = ""


class Generation(SQLModel, table=True):
    """The index generation: one row, bumped in SQL (`n = n + 1`) inside the
    writer's transaction, so two commits at once are two bumps, never one."""

    __tablename__ = "kb_generation"
    id: int = models.Field(default=1, primary_key=True)
    n: int = 0


SQLITE_POOL = {"pool_size": 8, "max_overflow": 40, "pool_timeout": 10}
"""A SQLite connection is an open file: enough for every web worker thread (40) to
hold one at once, so requests never queue for the pool."""
SERVER_POOL = {"pool_size": 5, "max_overflow": 15, "pool_timeout": 10}
"""A server connection costs the database a process: keep SQLAlchemy's 5 and let bursts
overflow. A request holds at most one connection at a time (web/deps.py), so a short
timeout surfaces real exhaustion as an error in 10 s instead of a 30 s stall per thread."""


def create_db_engine(settings: Settings) -> Engine:
    """An engine on a database at the current schema; a database at an older
    revision (or made before Alembic) is upgraded first, once, under a lock."""
    url = settings.sqlalchemy_url
    if url.startswith("sqlite"):
        settings.ensure_dirs()
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **SQLITE_POOL)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, **SERVER_POOL)
    upgrade_database(engine)
    return engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def generation(session: Session) -> int:
    """A number that grows with every change to lessons or risks; readers of
    derived indexes compare it to know when to reload."""
    return session.exec(select(Generation.n).where(Generation.id == 1)).first() or 0


def bump_generation(session: Session) -> None:
    bumped = session.exec(update(Generation).where(Generation.id == 1).values(n=Generation.n + 1))
    if bumped.rowcount == 0:  # the row the migration seeds was deleted by hand
        session.add(Generation(id=1, n=1))


__all__ = ["Generation", "Meta", "Session", "create_db_engine", "generation", "bump_generation", "select"]
