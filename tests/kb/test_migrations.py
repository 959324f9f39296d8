"""Schema migrations: a new database, one made by the release before Alembic,
a database already at head, two processes starting at once, and the schema
after `upgrade head` against the models (which fails when a model changes
without a migration). The same checks run on PostgreSQL when it is installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

import kb.migrations
from kb.db import Generation, bump_generation, create_db_engine, generation
from kb.migrations import SchemaTooNew, current_revisions, head_revisions
from kb.models import Document, KickoffPack, Lesson, LessonFeedback, Project, Risk, SearchLog, ThemeOverride
from kb.settings import Settings

RELEASE_DB = Path(__file__).parent / "fixtures" / "release-0.1.0.sqlite3"
ROOT = Path(__file__).parents[2]


def sqlite_settings(tmp_path: Path, name: str = "kb.sqlite3") -> Settings:
    return Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / name}", _env_file=None)


def schema_diffs(engine: Engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)


def assert_at_head(engine: Engine) -> None:
    with engine.connect() as conn:
        assert current_revisions(conn) == head_revisions()
        assert set(inspect(conn).get_table_names()) >= set(SQLModel.metadata.tables)
    assert schema_diffs(engine) == []


@pytest.fixture
def statements():
    """Every SQL statement any engine runs while the test runs."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement.strip())

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


# --- SQLite --------------------------------------------------------------------

def test_a_new_database_gets_every_table_at_head(tmp_path):
    engine = create_db_engine(sqlite_settings(tmp_path))
    assert_at_head(engine)
    with Session(engine) as session:
        assert generation(session) == 0


def test_upgrade_head_gives_exactly_the_schema_of_the_models(tmp_path):
    """Fails when a model changes without a revision: run `make migration m="..."`."""
    engine = create_db_engine(sqlite_settings(tmp_path))
    assert schema_diffs(engine) == []


def test_the_baseline_revision_is_the_schema_the_release_made():
    baseline = kb.migrations._scripts().get_revision("0001").module.baseline_metadata()
    with create_engine(f"sqlite:///{RELEASE_DB}").connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), baseline) == []


def test_a_database_made_by_the_release_before_alembic_upgrades_and_keeps_its_rows(tmp_path):
    shutil.copy(RELEASE_DB, tmp_path / "kb.sqlite3")
    engine = create_db_engine(sqlite_settings(tmp_path))
    assert_at_head(engine)
    with Session(engine) as session:
        project = session.exec(select(Project)).one()
        assert project.code == "FIN-ERP-2021"
        document = session.exec(select(Document)).one()
        assert document.source_name == "FIN-ERP-2021 closure.md" and document.project_id == project.id
        lesson = session.exec(select(Lesson)).one()
        assert lesson.edited and lesson.tags == ["migration", "cutover"]
        risk = session.exec(select(Risk)).one()
        assert (risk.external_id, risk.score, risk.tags) == ("R1", 12, ["vendor"])
        assert session.exec(select(LessonFeedback)).one().lesson_id == lesson.id
        assert session.exec(select(KickoffPack)).one().lesson_ids == [lesson.id]
        assert session.exec(select(ThemeOverride)).one().payload["to"] == "Data migration"
        assert session.exec(select(SearchLog)).one().query == "data migration"
        assert generation(session) == 3, "the generation carries over, so running readers never go back"


def test_an_older_database_gets_the_missing_baseline_columns_and_tables(tmp_path):
    shutil.copy(RELEASE_DB, tmp_path / "kb.sqlite3")
    with create_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}").begin() as conn:
        conn.execute(text("ALTER TABLE document DROP COLUMN report_date"))
        conn.execute(text("DROP TABLE themeoverride"))
    engine = create_db_engine(sqlite_settings(tmp_path))
    assert_at_head(engine)
    with Session(engine) as session:
        assert session.exec(select(Document)).one().report_date is None
        assert session.exec(select(Lesson)).one().title == "Start data migration rehearsals early"


def test_a_database_at_head_opens_without_ddl_or_lock(tmp_path, statements, monkeypatch):
    create_db_engine(sqlite_settings(tmp_path)).dispose()
    statements.clear()

    def no_lock(_engine):
        raise AssertionError("took the migration lock on a database already at head")

    monkeypatch.setattr(kb.migrations, "_migration_lock", no_lock)
    create_db_engine(sqlite_settings(tmp_path))
    writes = [s for s in statements if not s.upper().startswith(("SELECT", "PRAGMA"))]
    assert statements and writes == []


def test_a_database_from_a_newer_release_is_refused_unchanged(tmp_path):
    create_db_engine(sqlite_settings(tmp_path)).dispose()
    with create_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}").begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaTooNew, match="newer release"):
        create_db_engine(sqlite_settings(tmp_path))
    with create_engine(f"sqlite:///{tmp_path / 'kb.sqlite3'}").connect() as conn:
        assert current_revisions(conn) == {"9999"}


OPEN_IN_A_PROCESS = """
import json, os, sys, time
from pathlib import Path
import kb.db, kb.migrations
from kb.settings import Settings
entered, done = [], []
locked = kb.migrations._upgrade_locked
def slow_locked(conn, heads):
    entered.append(True)
    time.sleep(2)  # hold the lock long enough that the other process surely waits for it
    return locked(conn, heads)
kb.migrations._upgrade_locked = slow_locked
upgrade = kb.db.upgrade_database
kb.db.upgrade_database = lambda engine: done.extend(upgrade(engine))
barrier, processes = Path(sys.argv[3]), int(sys.argv[4])
(barrier / str(os.getpid())).touch()  # imports done: wait for the others, then open together
deadline = time.time() + 60
while len(list(barrier.iterdir())) < processes and time.time() < deadline:
    time.sleep(0.005)
kb.db.create_db_engine(Settings(data_dir=sys.argv[1], database_url=sys.argv[2], _env_file=None))
print(json.dumps({"entered": bool(entered), "done": done}))
"""


def open_at_once(data_dir: Path, url: str, processes: int = 2) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    barrier = data_dir / "barrier"
    barrier.mkdir()
    runs = [subprocess.Popen([sys.executable, "-c", OPEN_IN_A_PROCESS, str(data_dir), url, str(barrier), str(processes)],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(processes)]
    results = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def assert_migrated_once(results: list[dict]) -> None:
    assert all(r["entered"] for r in results), "both found the database behind and went for the lock"
    upgraded = [r for r in results if r["done"]]
    assert len(upgraded) == 1, results  # the other re-read the version under the lock


def test_two_processes_opening_a_new_database_at_once_migrate_it_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    assert_migrated_once(open_at_once(tmp_path, url))
    engine = create_engine(url)
    assert_at_head(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_concurrent_bumps_are_never_lost(tmp_path):
    engine = create_db_engine(sqlite_settings(tmp_path))
    with Session(engine) as session:
        bump_generation(session)
        session.commit()
        start = generation(session)
    threads, bumps_each = 8, 5
    barrier, errors = threading.Barrier(threads), []

    def writer():
        barrier.wait()
        try:
            for _ in range(bumps_each):
                with Session(engine) as session:
                    bump_generation(session)
                    session.commit()
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    workers = [threading.Thread(target=writer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    with Session(engine) as session:
        assert generation(session) == start + threads * bumps_each
        assert len(session.exec(select(Generation)).all()) == 1


def test_a_bump_rolls_back_with_its_transaction(tmp_path):
    engine = create_db_engine(sqlite_settings(tmp_path))
    with Session(engine) as session:
        bump_generation(session)
        assert generation(session) == 1
        session.rollback()
        assert generation(session) == 0


# --- PostgreSQL ----------------------------------------------------------------

@pytest.fixture
def pg_database(postgres_url):
    """A new, empty database on the throwaway server, one per test."""
    name = f"kb_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    admin.dispose()


@pytest.mark.scaleout
def test_postgres_new_database_at_head_with_the_schema_of_the_models(pg_database, tmp_path, statements):
    settings = Settings(data_dir=tmp_path, database_url=pg_database, _env_file=None)
    engine = create_db_engine(settings)
    assert_at_head(engine)
    with Session(engine) as session:
        bump_generation(session)
        session.commit()
        assert generation(session) == 1
    engine.dispose()
    statements.clear()
    create_db_engine(settings).dispose()
    assert [s for s in statements if not s.upper().startswith("SELECT")] == [], "opened again: no DDL, no lock"
    assert not any("pg_advisory_lock" in s for s in statements)


@pytest.mark.scaleout
def test_postgres_database_made_before_alembic_upgrades_and_keeps_its_rows(pg_database, tmp_path):
    old = create_engine(pg_database)
    release = kb.migrations._scripts().get_revision("0001").module.baseline_metadata()
    release.create_all(old)  # what the release's create_all made
    with old.begin() as conn:
        conn.execute(text("INSERT INTO project (code, name, created_at) VALUES ('P1', 'Payroll', now())"))
        conn.execute(text("INSERT INTO kb_meta (key, value) VALUES ('generation', '41')"))
    old.dispose()
    engine = create_db_engine(Settings(data_dir=tmp_path, database_url=pg_database, _env_file=None))
    assert_at_head(engine)
    with Session(engine) as session:
        assert session.exec(select(Project.code)).all() == ["P1"]
        assert generation(session) == 41
    engine.dispose()


@pytest.mark.scaleout
def test_postgres_two_processes_migrate_once_under_the_advisory_lock(pg_database, tmp_path):
    assert_migrated_once(open_at_once(tmp_path, pg_database))
    engine = create_engine(pg_database)
    assert_at_head(engine)
    engine.dispose()
