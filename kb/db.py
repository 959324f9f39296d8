"""The SQL engine: SQLite under the data directory by default, PostgreSQL
(or any SQLAlchemy URL) when `KB_DATABASE_URL` is set."""

from __future__ import annotations

from sqlalchemy import event, inspect, text
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
    add_missing_columns(engine)
    return engine


def add_missing_columns(engine: Engine) -> list[str]:
    """Bring a database made by an earlier version up to date by adding the columns
    (and their indexes) that new versions introduced. Columns are only ever added,
    as nullable, so this is safe to run at every start. Returns what was added."""
    found = inspect(engine)
    added = []
    with engine.begin() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if not found.has_table(table.name):
                continue
            have = {c["name"] for c in found.get_columns(table.name)}
            for column in table.columns:
                if column.name not in have:
                    kind = column.type.compile(dialect=engine.dialect)
                    conn.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'))
                    added.append(f"{table.name}.{column.name}")
            for index in table.indexes:
                index.create(conn, checkfirst=True)
    return added


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
