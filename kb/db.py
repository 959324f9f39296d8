"""The SQL engine: SQLite under the data directory by default, PostgreSQL
(or any SQLAlchemy URL) when `KB_DATABASE_URL` is set."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine, select

from kb import models  # noqa: F401  (registers the tables)
from kb.settings import Settings


class Meta(SQLModel, table=True):
    """Small key/value facts about the store, such as the index generation."""

    __tablename__ = "kb_meta"
    key: str = models.Field(primary_key=True)
    value: str = ""


def create_db_engine(settings: Settings) -> Engine:
    url = settings.sqlalchemy_url
    if url.startswith("sqlite"):
        settings.ensure_dirs()
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    SQLModel.metadata.create_all(engine)
    return engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


GENERATION = "generation"


def generation(session: Session) -> int:
    """A number that grows with every change to lessons or risks; readers of
    derived indexes compare it to know when to reload."""
    row = session.get(Meta, GENERATION)
    return int(row.value) if row else 0


def bump_generation(session: Session) -> None:
    row = session.get(Meta, GENERATION) or Meta(key=GENERATION, value="0")
    row.value = str(int(row.value) + 1)
    session.add(row)


__all__ = ["Meta", "Session", "create_db_engine", "generation", "bump_generation", "select"]
