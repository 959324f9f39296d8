"""A real `kb ingest` killed with SIGKILL in the middle of a bulk ingest, at exact points of a
write: every document is then fully in or fully out, `kb doctor` (after `kb reindex` when the
kill left the vector index ahead of SQL) is clean, and running the same ingest again finishes
with no duplicates.

The kill points come from the store's test hook `KB_TEST_CRASH_AT=<label>:<n>` (see
`kb.store._crash_point`): a kill after a measured delay lands somewhere different on every run of
a busy machine, and mostly in embedding, where there is nothing to lose. The processes run this
module as `kb` with the hashing embedder (the product CLI cannot be told to use it), so each
start takes seconds rather than loading the model.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SAMPLES = ROOT / "tests" / "samples"
FILES = ["FIN-ERP-2021_closure_report.md", "FIN-ERP-2021_risk_register.csv", "FIN-ERP-2021_retro_sprint_14.md",
         "CRM-2022_closure_report.docx", "CRM-2022_risk_register.xlsx", "CRM-2022_retro_start_stop_continue.md",
         "retro_4ls.md", "retro_mad_sad_glad.md", "pmo_lessons_register.csv", "llis_sample.jsonl"]
EDITABLE = (".md", ".csv", ".jsonl")


def run_kb(data: Path, *args: str, crash_at: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "KB_DATA_DIR": str(data), "PYTHONPATH": str(ROOT), "KB_DATABASE_URL": "",
           "KB_CHROMA_URL": ""}
    env.pop("KB_TEST_CRASH_AT", None)
    if crash_at:
        env["KB_TEST_CRASH_AT"] = crash_at
    return subprocess.run([sys.executable, "-m", "tests.kb.test_crash", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def folder(tmp: Path, name: str, edited: bool = False) -> Path:
    """The ten sample files; `edited`: the text files reworded, so each is a new version whose
    lessons and risks keep their ids but change their text."""
    out = tmp / name
    out.mkdir()
    for file in FILES:
        data = (SAMPLES / file).read_bytes()
        if edited and file.endswith(EDITABLE):
            data = data.replace(b" the ", b" the whole ")
        (out / file).write_bytes(data)
    return out


def documents(data: Path) -> dict[str, tuple]:
    """source name -> (sha256, version, lessons, risks, vectors), read straight from SQLite."""
    with sqlite3.connect(data / "kb.sqlite3") as db:
        rows = db.execute("SELECT id, source_name, sha256, version, stored_path FROM document").fetchall()
        out = {}
        for doc_id, name, sha, version, stored in rows:
            assert (data / stored).is_file(), f"{name}: its original file is missing"
            lessons = db.execute("SELECT count(*) FROM lesson WHERE document_id=?", (doc_id,)).fetchone()[0]
            risks = db.execute("SELECT count(*) FROM risk WHERE document_id=?", (doc_id,)).fetchone()[0]
            vectors = db.execute(
                "SELECT count(*) FROM item_vector v WHERE (v.kind='lesson' AND v.item_id IN "
                "(SELECT id FROM lesson WHERE document_id=?)) OR (v.kind='risk' AND v.item_id IN "
                "(SELECT id FROM risk WHERE document_id=?))", (doc_id, doc_id)).fetchone()[0]
            out[name] = (sha, version, lessons, risks, vectors)
        for table in ("lesson", "risk"):
            stray = db.execute(f"SELECT count(*) FROM {table} WHERE document_id NOT IN (SELECT id FROM document)")
            assert stray.fetchone()[0] == 0, f"{table}s without their document"
        assert db.execute("SELECT count(*) FROM item_vector").fetchone()[0] == \
            db.execute("SELECT (SELECT count(*) FROM lesson) + (SELECT count(*) FROM risk)").fetchone()[0]
    return out


def doctor_clean_after_repair(data: Path, finds: str | None) -> None:
    """The kill may leave the vector index ahead of SQL or an unreferenced original: both are
    what `kb reindex` repairs. SQL itself never needs repair (every item has its vector).
    `finds`: what `kb doctor` reports before the repair, or None when it is clean."""
    first = run_kb(data, "doctor")
    if finds is None:
        assert first.returncode == 0, first.stdout
        return
    assert first.returncode == 1 and finds in first.stdout, first.stdout
    assert "no vector in SQL" not in first.stdout and "older text" not in first.stdout, first.stdout
    assert run_kb(data, "reindex").returncode == 0
    again = run_kb(data, "doctor")
    assert again.returncode == 0, again.stdout + again.stderr


@pytest.fixture(scope="module")
def expected(tmp_path_factory) -> dict[str, dict[str, tuple]]:
    """What a clean ingest stores: the first versions, then the edited ones over them."""
    tmp = tmp_path_factory.mktemp("clean")
    data = tmp / "data"
    assert run_kb(data, "ingest", str(folder(tmp, "v1"))).returncode == 0
    v1 = documents(data)
    assert len(v1) == len(FILES) and all(d[2] + d[3] for d in v1.values())
    assert run_kb(data, "ingest", str(folder(tmp, "v2", edited=True))).returncode == 0
    v2 = documents(data)
    assert run_kb(data, "doctor").returncode == 0
    return {"v1": v1, "v2": v2}


def assert_whole(found: dict[str, tuple], *versions: dict[str, tuple]) -> None:
    """Each stored document is exactly one clean version of itself: its bytes, version number,
    every lesson and risk, and a vector for each."""
    for name, doc in found.items():
        assert doc[2] + doc[3] == doc[4], f"{name}: an item without its vector"
        assert any(v.get(name) == doc for v in versions), f"{name} is half stored: {doc}"


@pytest.mark.slow
@pytest.mark.parametrize("crash_at, finds", [
    ("original-partial:3", "Partly written"),  # the third original half written, nothing of it in SQL
    ("sql-written:1", "belong to no document"),  # the first document's rows flushed, not committed
    ("index-updated:5", "no lesson or risk in SQL"),  # the fifth in the vector index but not in SQL
    ("committed:7", None),  # the seventh committed, the process dies before tidying the index
    ("index-updated:10", "no lesson or risk in SQL"),  # the last one in the index, not in SQL
])
def test_a_killed_bulk_ingest_leaves_whole_documents(tmp_path, expected, crash_at, finds):
    data, files = tmp_path / "data", folder(tmp_path, "v1")
    killed = run_kb(data, "ingest", str(files), crash_at=crash_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    partial = documents(data)
    assert 0 <= len(partial) < len(FILES)
    assert_whole(partial, expected["v1"])
    doctor_clean_after_repair(data, finds)
    assert run_kb(data, "ingest", str(files)).returncode == 0
    assert documents(data) == expected["v1"], "every file once, nothing duplicated"
    assert run_kb(data, "doctor").returncode == 0


@pytest.mark.slow
@pytest.mark.parametrize("crash_at, finds", [
    ("index-updated:2", "another text than SQL"),  # the index has the new wording of kept lessons, SQL the old
    ("committed:4", None),  # the new version committed, the process dies before tidying the index
])
def test_a_killed_replacement_leaves_whole_versions(tmp_path, expected, crash_at, finds):
    data = tmp_path / "data"
    assert run_kb(data, "ingest", str(folder(tmp_path, "v1"))).returncode == 0
    edited = folder(tmp_path, "v2", edited=True)
    killed = run_kb(data, "ingest", str(edited), crash_at=crash_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    mixed = documents(data)
    assert len(mixed) == len(FILES)
    assert_whole(mixed, expected["v1"], expected["v2"])
    doctor_clean_after_repair(data, finds)
    assert run_kb(data, "ingest", str(edited)).returncode == 0
    assert documents(data) == expected["v2"]
    assert run_kb(data, "doctor").returncode == 0


@pytest.mark.slow
def test_a_killed_edit_is_repaired_by_reindex(tmp_path):
    """The edit's new wording reached the vector index, SQL never committed it."""
    data = tmp_path / "data"
    assert run_kb(data, "ingest", str(SAMPLES / "retro_4ls.md")).returncode == 0
    killed = run_kb(data, "edit-lesson", "1", "A title SQL never stored", crash_at="edit-indexed:1")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    drift = run_kb(data, "doctor")
    assert drift.returncode == 1 and "another text than SQL" in drift.stdout, drift.stdout
    assert run_kb(data, "reindex").returncode == 0
    assert run_kb(data, "doctor").returncode == 0


def _edit_lesson(lesson_id: int, title: str) -> None:
    """A retitling as the web page makes it, for the killed-edit test."""
    from kb.models import LessonUpdate
    from kb.settings import Settings
    from kb.store import KnowledgeBase

    from tests.conftest import HashingEmbedder

    KnowledgeBase.open(Settings(), embedder=HashingEmbedder()).update_lesson(lesson_id, LessonUpdate(title=title))


if __name__ == "__main__":  # `kb` with the hashing embedder, for the processes these tests kill
    import kb.store
    from cli.main import app, main
    from tests.conftest import HashingEmbedder

    kb.store.create_embedder = lambda settings: HashingEmbedder()
    app.command("edit-lesson")(_edit_lesson)
    sys.exit(main())
