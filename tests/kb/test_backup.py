"""Backups: `export_archive` writes the whole knowledge base to one archive and
`import_archive` restores it into an empty one, all or nothing."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import SQLModel, select

from kb.backup import ArchiveInvalid, BackupError, ImportRefused, export_archive, import_archive, read_manifest
from kb.models import Document, Lesson, LessonUpdate, Project, Risk, RiskUpdate, SearchLog
from kb.settings import Settings

SAMPLES = Path(__file__).parents[1] / "samples"
SAMPLE_FILES = ["FIN-ERP-2021_closure_report.md", "FIN-ERP-2021_risk_register.csv", "CRM-2022_closure_report.docx",
                "NET-UPG-2020_closure_report.pdf", "prince2_lessons_log.xlsx", "retro_4ls.md"]
QUESTIONS = ["what went wrong with data migration on ERP projects", "supplier delivered late",
             "training for users before go-live"]


def ingest(kb, names=SAMPLE_FILES) -> None:
    from ingest import ingest_file

    for name in names:
        report = ingest_file(kb, SAMPLES / name)
        assert report.outcome == "ingested", (name, report.reason)


def fresh_settings(tmp_path: Path, name: str) -> Settings:
    return Settings(data_dir=tmp_path / name, database_url="", chroma_url="", _env_file=None)


def all_rows(kb) -> dict[str, list[dict]]:
    """Every row of every table the application knows, all columns, in primary key order."""
    with kb.engine.connect() as conn:
        return {t.name: [dict(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns)).mappings()]
                for t in SQLModel.metadata.sorted_tables}


def without_generation(rows: dict[str, list[dict]]) -> dict[str, list[dict]]:
    # The index generation counts changes to *this* store; rebuilding the index on import is one.
    return {**rows, "kb_meta": [r for r in rows.get("kb_meta", []) if r["key"] != "generation"],
            "kb_generation": []}


def stored_files(settings: Settings) -> dict[str, bytes]:
    root = settings.files_dir
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()} \
        if root.exists() else {}


def vectors_by_id(kb, ids: list[str]) -> np.ndarray:
    got = kb.vectors.get(ids)  # Chroma answers in its own order
    rows = dict(zip(got.ids, got.embeddings))
    return np.stack([rows[i] for i in ids])


def top_hits(kb, question: str) -> list[tuple[str, int]]:
    from search import SearchEngine, SearchRequest

    response = SearchEngine(kb).search(SearchRequest(q=question, limit=10), log=False)
    return [(h.kind, h.id) for h in response.hits]


def pmo_work(kb) -> None:
    """What exists only in SQL: tag corrections, unpublishing, feedback, a kickoff pack, a theme edit, a search log."""
    from kb.queries import add_feedback
    from search import SearchEngine, SearchRequest
    from search.models import ProjectProfile
    from search.themes import compute_themes, rename_theme

    with kb.session() as s:
        lessons = s.exec(select(Lesson).order_by(Lesson.id)).all()
        risk = s.exec(select(Risk).order_by(Risk.id)).first()
        project = s.exec(select(Project).order_by(Project.id)).first()
    kb.update_lesson(lessons[0].id, LessonUpdate(category="vendor and procurement", tags=["cutover", "vendor"],
                                                 phase="execution"))
    kb.update_lesson(lessons[1].id, LessonUpdate(published=False))
    kb.update_risk(risk.id, RiskUpdate(status="materialised", materialised=True))
    with kb.session() as s:
        add_feedback(session=s, lesson_id=lessons[0].id, kind="helpful")
        add_feedback(session=s, lesson_id=lessons[2].id, kind="applied", project_id=project.id)
    engine = SearchEngine(kb)
    engine.search(SearchRequest(q="what went wrong on past ERP migrations"))
    assert engine.flush_log()  # the search log is written behind the searches
    engine.kickoff_pack(ProjectProfile(name="Payroll ERP", project_type="ERP migration", industry="retail",
                                       budget=1_250_000.5, description="Move payroll to the new ERP"))
    themes = compute_themes(kb)
    rename_theme(kb, themes.themes[0].id, "Cutover surprises")
    with kb.session() as s:  # a float that only round-trips if written exactly, a None, nested JSON
        s.add(SearchLog(query="vendor löst nichts", filters={"polarity": ["went wrong"], "year": [2021]},
                        result_count=0, top_score=0.1 + 0.2))
        s.add(SearchLog(query="nothing", filters={}, result_count=0, top_score=None))
        s.commit()


@pytest.fixture
def filled_kb(kb):
    ingest(kb)
    pmo_work(kb)
    return kb


def test_round_trip_restores_everything(filled_kb, embedder, tmp_path):
    source = filled_kb
    archive = tmp_path / "kb-backup.zip"
    summary = export_archive(source, archive)
    assert archive.is_file() and summary.files == len(SAMPLE_FILES)
    assert summary.tables["lesson"] > 20 and summary.tables["kickoffpack"] == 1 and summary.tables["themeoverride"] == 1

    target_settings = fresh_settings(tmp_path, "restored")
    result = import_archive(target_settings, archive, embedder)
    from kb.store import KnowledgeBase

    target = KnowledgeBase.open(target_settings, embedder=embedder)

    before, after = all_rows(source), all_rows(target)
    assert without_generation(after) == without_generation(before)
    assert before["lessonfeedback"] and before["searchlog"] and before["themeoverride"] and before["kickoffpack"]
    assert any(not r["published"] for r in after["lesson"])
    assert any(r["edited"] and r["tags"] == ["cutover", "vendor"] for r in after["lesson"])
    assert 0.30000000000000004 in [r["top_score"] for r in after["searchlog"]]
    from kb.backup import HOUSEKEEPING_TABLES  # rows a new store makes itself; the target's win

    assert {n: c for n, c in result.tables.items() if n not in HOUSEKEEPING_TABLES} == \
        {name: len(rows) for name, rows in before.items() if name in result.tables and name not in HOUSEKEEPING_TABLES}

    assert stored_files(target_settings) == stored_files(source.settings)
    assert len(stored_files(target_settings)) == len(SAMPLE_FILES)

    assert target.vectors.ids() == source.vectors.ids() and result.items_indexed == len(source.vectors.ids())
    ids = sorted(source.vectors.ids())
    assert np.allclose(vectors_by_id(source, ids), vectors_by_id(target, ids), atol=1e-4)
    assert target.doctor().ok
    for question in QUESTIONS:
        assert top_hits(target, question) == top_hits(source, question)


def test_manifest_describes_the_archive(fast_kb, tmp_path):
    ingest(fast_kb, SAMPLE_FILES[:2])
    archive = tmp_path / "backup.zip"
    export_archive(fast_kb, archive)
    manifest = read_manifest(archive)
    assert manifest["format_version"] == 1 and manifest["app_version"] and manifest["created_at"]
    assert manifest["embedding"] == {"model": "hashing-test", "dimension": 64}
    tables = manifest["tables"]
    assert list(tables) == [t.name for t in SQLModel.metadata.sorted_tables if t.name != "alembic_version"]
    assert tables["document"]["rows"] == 2 and tables["lessonfeedback"]["rows"] == 0
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        assert all(f"tables/{name}.jsonl" in names for name in tables)
        assert not any("chroma" in n for n in names), "vectors are rebuilt, never exported"
        with fast_kb.session() as s:
            docs = s.exec(select(Document)).all()
        assert {f["path"] for f in manifest["files"]} == {d.stored_path for d in docs}
        for entry in manifest["files"]:
            assert hashlib.sha256(zf.read(entry["path"])).hexdigest() == entry["sha256"]


def test_import_into_a_knowledge_base_with_data_is_refused_and_changes_nothing(fast_kb, fake_embedder, tmp_path):
    from kb.store import KnowledgeBase

    ingest(fast_kb, SAMPLE_FILES[:2])
    archive = tmp_path / "backup.zip"
    export_archive(fast_kb, archive)
    other_settings = fresh_settings(tmp_path, "other")
    other = KnowledgeBase.open(other_settings, embedder=fake_embedder)
    ingest(other, ["retro_4ls.md"])
    rows, files, vids = all_rows(other), stored_files(other_settings), other.vectors.ids()

    with pytest.raises(ImportRefused, match="already holds data.*empty"):
        import_archive(other_settings, archive, fake_embedder)
    assert all_rows(other) == rows and stored_files(other_settings) == files and other.vectors.ids() == vids


def rewrite_archive(archive: Path, out: Path, change) -> None:
    """A copy of `archive` with `change(name, data) -> data` applied to every member, the manifest kept."""
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info.filename)))


def flip_first_original(name: str, data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1]) if name.startswith("files/") else data


def retitle_a_lesson(name: str, data: bytes) -> bytes:
    return data.replace(b'"title":"', b'"title":"EDITED ', 1) if name == "tables/lesson.jsonl" else data


@pytest.mark.parametrize("damage", ["original file changed", "table changed", "truncated", "file missing",
                                    "not an archive", "path outside files/"])
def test_a_damaged_or_tampered_archive_is_refused_and_leaves_the_target_empty(damage, fast_kb, fake_embedder, tmp_path):
    ingest(fast_kb, SAMPLE_FILES[:2])
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    export_archive(fast_kb, good)
    if damage == "original file changed":
        rewrite_archive(good, bad, flip_first_original)
    elif damage == "table changed":
        rewrite_archive(good, bad, retitle_a_lesson)
    elif damage == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif damage == "not an archive":
        bad.write_text("hello")
    else:
        manifest = read_manifest(good)
        if damage == "file missing":
            manifest["files"].append({"path": "files/0000.md", "size": 1, "sha256": "0" * 64})
        else:
            manifest["files"][0]["path"] = "files/../../escaped.md"
        rewrite_archive(good, bad, lambda name, data: json.dumps(manifest).encode() if name == "manifest.json" else data)
    target = fresh_settings(tmp_path, "target")

    with pytest.raises(ArchiveInvalid) as refused:
        import_archive(target, bad, fake_embedder)
    assert "archive" in str(refused.value) and str(bad) in str(refused.value)
    assert not target.data_dir.exists(), "nothing of a refused archive may be written"
    assert not (tmp_path / "escaped.md").exists()


def test_a_failure_while_restoring_rolls_back_rows_and_files(fast_kb, fake_embedder, tmp_path, monkeypatch):
    import kb.backup as backup

    ingest(fast_kb, SAMPLE_FILES[:3])
    archive = tmp_path / "backup.zip"
    export_archive(fast_kb, archive)
    target = fresh_settings(tmp_path, "target")
    real = backup._restore_file
    calls = []

    def fail_on_third(zf, entry, path):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real(zf, entry, path)
    monkeypatch.setattr(backup, "_restore_file", fail_on_third)
    with pytest.raises(OSError, match="No space"):
        import_archive(target, archive, fake_embedder)
    assert stored_files(target) == {}
    assert_empty(target, fake_embedder)

    monkeypatch.setattr(backup, "_restore_file", real)
    import_archive(target, archive, fake_embedder)  # nothing was left in the way
    assert len(stored_files(target)) == 3


def test_a_failure_while_rebuilding_the_index_takes_the_import_back(fast_kb, fake_embedder, tmp_path, monkeypatch):
    from kb.errors import IndexUnavailable
    from kb.store import KnowledgeBase

    ingest(fast_kb, SAMPLE_FILES[:2])
    pmo_work_light(fast_kb)
    archive = tmp_path / "backup.zip"
    export_archive(fast_kb, archive)
    target = fresh_settings(tmp_path, "target")
    real = KnowledgeBase.reindex

    def index_down(self, progress=None, batch=512):
        self.vectors.upsert(["lesson:1"], np.ones((1, 64), dtype=np.float32), [{"kind": "lesson"}])
        raise IndexUnavailable("the vector index is down")
    monkeypatch.setattr(KnowledgeBase, "reindex", index_down)
    with pytest.raises(IndexUnavailable):
        import_archive(target, archive, fake_embedder)
    assert stored_files(target) == {}
    assert_empty(target, fake_embedder)

    monkeypatch.setattr(KnowledgeBase, "reindex", real)
    import_archive(target, archive, fake_embedder)
    assert without_generation(all_rows(KnowledgeBase.open(target, embedder=fake_embedder))) == \
        without_generation(all_rows(fast_kb))


def pmo_work_light(kb) -> None:
    from kb.queries import add_feedback

    with kb.session() as s:
        first = s.exec(select(Lesson).order_by(Lesson.id)).first()
        add_feedback(session=s, lesson_id=first.id, kind="helpful")


def assert_empty(settings: Settings, embedder) -> None:
    from kb.store import KnowledgeBase

    kb = KnowledgeBase.open(settings, embedder=embedder)
    rows = all_rows(kb)
    assert {name: r for name, r in rows.items() if r and name not in ("kb_meta", "kb_generation")} == {}
    assert kb.vectors.ids() == set()


def test_export_succeeds_while_another_connection_holds_a_write_transaction(fast_kb, fake_embedder, tmp_path):
    ingest(fast_kb, SAMPLE_FILES[:2])
    db = fast_kb.settings.data_dir / "kb.sqlite3"
    writer = sqlite3.connect(db, isolation_level=None, timeout=1)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO searchlog (created_at, query, filters, result_count) "
                   "VALUES ('2025-01-01 00:00:00', 'uncommitted', '{}', 0)")
    try:
        archive = tmp_path / "live.zip"
        summary = export_archive(fast_kb, archive)
        assert summary.tables["document"] == 2
        assert summary.tables["searchlog"] == 0, "a write not yet committed is not in the snapshot"
        writer.execute("COMMIT")  # the writer was never blocked
    finally:
        writer.close()
    target = fresh_settings(tmp_path, "target")
    import_archive(target, archive, fake_embedder)
    from kb.store import KnowledgeBase

    assert all_rows(KnowledgeBase.open(target, embedder=fake_embedder))["document"] == all_rows(fast_kb)["document"]


def test_export_never_overwrites_or_leaves_a_half_archive(fast_kb, tmp_path, monkeypatch):
    import kb.backup as backup

    ingest(fast_kb, SAMPLE_FILES[:1])
    archive = tmp_path / "backup.zip"
    archive.write_text("an older backup")
    with pytest.raises(BackupError, match="already exists"):
        export_archive(fast_kb, archive)
    assert archive.read_text() == "an older backup"
    with pytest.raises(BackupError, match="does not exist"):
        export_archive(fast_kb, tmp_path / "no-such-folder" / "backup.zip")

    monkeypatch.setattr(backup, "_write_files", lambda *a: (_ for _ in ()).throw(OSError(28, "No space left")))
    with pytest.raises(OSError):
        export_archive(fast_kb, archive, overwrite=True)
    assert archive.read_text() == "an older backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.zip", "data"], "no temporary files are left"


def new_postgres_database(url: str, name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.mark.scaleout
def test_an_archive_moves_between_sqlite_and_postgresql(postgres_url, fake_embedder, tmp_path):
    """SQLite → PostgreSQL (ids kept, sequences moved past them) → SQLite, read in one REPEATABLE READ transaction."""
    from kb.queries import add_feedback
    from kb.store import KnowledgeBase

    fast_kb = KnowledgeBase.open(fresh_settings(tmp_path, "sqlite"), embedder=fake_embedder)

    ingest(fast_kb, SAMPLE_FILES[:3])
    pmo_work_light(fast_kb)
    export_archive(fast_kb, tmp_path / "from-sqlite.zip")
    pg_settings = Settings(data_dir=tmp_path / "pg", database_url=new_postgres_database(postgres_url, "kb_restore"),
                           chroma_url="", _env_file=None)
    import_archive(pg_settings, tmp_path / "from-sqlite.zip", fake_embedder)
    pg = KnowledgeBase.open(pg_settings, embedder=fake_embedder)
    assert pg.engine.dialect.name == "postgresql"
    assert without_generation(all_rows(pg)) == without_generation(all_rows(fast_kb))
    assert stored_files(pg_settings) == stored_files(fast_kb.settings) and pg.doctor().ok

    with pg.session() as s:  # new rows get fresh ids after the explicit-id inserts
        first = s.exec(select(Lesson).order_by(Lesson.id)).first()
        row = add_feedback(session=s, lesson_id=first.id, kind="applied")
    assert row.id == len(all_rows(fast_kb)["lessonfeedback"]) + 1
    ingest(pg, ["retro_4ls.md"])

    export_archive(pg, tmp_path / "from-postgres.zip")
    back = fresh_settings(tmp_path, "back")
    import_archive(back, tmp_path / "from-postgres.zip", fake_embedder)
    assert without_generation(all_rows(KnowledgeBase.open(back, embedder=fake_embedder))) == \
        without_generation(all_rows(pg))
    pg.engine.dispose()


@pytest.fixture
def table_added_later(monkeypatch):
    """A table another developer adds after this module was written (say, document versions),
    with the schema revision that creates it (here: created right after the real upgrade)."""
    import kb.db
    from sqlalchemy import JSON, Column
    from sqlmodel import Field

    class DocumentVersionProbe(SQLModel, table=True):
        __tablename__ = "test_added_document_version"
        id: int | None = Field(default=None, primary_key=True)
        document_id: int = Field(foreign_key="document.id")
        saved_at: datetime
        size: float | None = None
        extra: dict = Field(default_factory=dict, sa_column=Column(JSON))

    def upgrade_with_probe(engine):
        real_upgrade(engine)
        DocumentVersionProbe.__table__.create(engine, checkfirst=True)

    real_upgrade = kb.db.upgrade_database
    monkeypatch.setattr(kb.db, "upgrade_database", upgrade_with_probe)
    yield DocumentVersionProbe
    SQLModel.metadata.remove(DocumentVersionProbe.__table__)


def test_a_table_added_later_is_exported_and_restored_without_a_code_change(table_added_later, settings,
                                                                            fake_embedder, tmp_path):
    from kb.store import KnowledgeBase

    source = KnowledgeBase.open(settings, embedder=fake_embedder)
    ingest(source, SAMPLE_FILES[:1])
    with source.session() as s:
        doc = s.exec(select(Document)).one()
        s.add(table_added_later(document_id=doc.id, saved_at=datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=timezone.utc),
                                size=1.5, extra={"replaced_by": None, "why": ["typo"]}))
        s.commit()
    export_archive(source, tmp_path / "backup.zip")
    assert read_manifest(tmp_path / "backup.zip")["tables"]["test_added_document_version"]["rows"] == 1
    target = fresh_settings(tmp_path, "target")
    result = import_archive(target, tmp_path / "backup.zip", fake_embedder)
    assert result.tables["test_added_document_version"] == 1
    restored = all_rows(KnowledgeBase.open(target, embedder=fake_embedder))
    assert restored["test_added_document_version"] == all_rows(source)["test_added_document_version"]
    assert restored["test_added_document_version"][0]["extra"] == {"replaced_by": None, "why": ["typo"]}


def test_tables_the_application_does_not_know_are_named_in_a_warning(fast_kb, tmp_path):
    ingest(fast_kb, SAMPLE_FILES[:1])
    with sqlite3.connect(fast_kb.settings.data_dir / "kb.sqlite3") as conn:
        conn.execute("CREATE TABLE scratch_notes (id INTEGER PRIMARY KEY, body TEXT)")
    summary = export_archive(fast_kb, tmp_path / "backup.zip")
    assert any("scratch_notes" in w for w in summary.warnings)
    assert "scratch_notes" in " ".join(read_manifest(tmp_path / "backup.zip")["warnings"])


def test_export_while_the_server_keeps_writing(fast_kb, fake_embedder, tmp_path):
    """Commits landing during the export: the archive is one consistent moment and imports cleanly."""
    import threading

    from kb.store import KnowledgeBase

    ingest(fast_kb, SAMPLE_FILES[:3])
    stop, written = threading.Event(), []

    def keep_logging_searches():
        while not stop.is_set():
            with fast_kb.session() as s:
                s.add(SearchLog(query=f"question {len(written)}", filters={"n": len(written)}))
                s.commit()
            written.append(1)
    writer = threading.Thread(target=keep_logging_searches)
    writer.start()
    try:
        while len(written) < 20:
            threading.Event().wait(0.01)
        summary = export_archive(fast_kb, tmp_path / "live.zip")
    finally:
        stop.set()
        writer.join()
    assert 20 <= summary.tables["searchlog"] <= len(written)
    target = fresh_settings(tmp_path, "target")
    import_archive(target, tmp_path / "live.zip", fake_embedder)
    logs = all_rows(KnowledgeBase.open(target, embedder=fake_embedder))["searchlog"]
    assert [r["query"] for r in logs] == [f"question {i}" for i in range(summary.tables["searchlog"])]


@pytest.mark.parametrize("newer", ["table", "column", "format"])
def test_an_archive_from_a_newer_version_is_refused_rather_than_imported_in_part(newer, fast_kb, fake_embedder,
                                                                                 tmp_path):
    ingest(fast_kb, SAMPLE_FILES[:1])
    good, bad = tmp_path / "good.zip", tmp_path / "newer.zip"
    export_archive(fast_kb, good)
    manifest = read_manifest(good)
    if newer == "table":
        manifest["tables"]["lesson_vote"] = {"rows": 0, "sha256": hashlib.sha256(b"").hexdigest(), "columns": ["id"]}
    elif newer == "column":
        manifest["tables"]["lesson"]["columns"].append("confidence")
    else:
        manifest["format_version"] = 2

    def change(name, data):
        return json.dumps(manifest).encode() if name == "manifest.json" else data
    rewrite_archive(good, bad, change)
    if newer == "table":
        with zipfile.ZipFile(bad, "a") as zf:
            zf.writestr("tables/lesson_vote.jsonl", b"")
    target = fresh_settings(tmp_path, "target")
    with pytest.raises(ArchiveInvalid, match={"table": "lesson_vote", "column": "confidence",
                                              "format": "upgrade Lessons KB"}[newer]):
        import_archive(target, bad, fake_embedder)
    assert not target.data_dir.exists()
