"""The `kb` command end to end, as a user runs it: files in, answers out, with the
real model and a real SQLite + Chroma store under tmp_path."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

SAMPLES = Path(__file__).parents[1] / "samples"
GOOD = ["FIN-ERP-2021_closure_report.md", "FIN-ERP-2021_risk_register.csv", "CRM-2022_closure_report.docx",
        "NET-UPG-2020_closure_report.pdf", "prince2_lessons_log.xlsx", "retro_4ls.md"]


@pytest.fixture
def kb_cli(tmp_path, monkeypatch, embedder):
    """Runs `kb ...` in-process against a data directory under tmp_path, sharing the loaded model."""
    import kb.store
    from cli.main import app

    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(kb.store, "create_embedder", lambda settings: embedder)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)
    return run


@pytest.fixture
def reports(tmp_path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in GOOD:
        shutil.copy(SAMPLES / name, folder / name)
    return folder


def test_ingest_then_search_from_the_command_line(kb_cli, reports):
    first = kb_cli("ingest", str(reports))
    assert first.exit_code == 0, first.output
    assert f"{len(GOOD)} ingested" in first.output
    again = kb_cli("ingest", str(reports))
    assert again.exit_code == 0 and f"{len(GOOD)} unchanged" in again.output

    found = kb_cli("search", "what went wrong with data migration on ERP projects", "--json", "--limit", "5")
    assert found.exit_code == 0, found.output
    body = json.loads(found.output)
    assert body["hits"], body
    top = body["hits"][0]
    assert top["source"]["document"] == "FIN-ERP-2021_closure_report.md"
    assert top["project"]["project_type"] == "ERP migration"
    assert {"id", "external_id", "kind", "title", "snippet", "score", "tags", "source"} <= set(top)

    text = kb_cli("search", "supplier delivered late", "--kind", "risk", "--limit", "3")
    assert text.exit_code == 0 and "risk" in text.output and "FIN-ERP-2021_risk_register.csv" in text.output


def test_a_broken_file_exits_non_zero_and_stores_nothing(kb_cli, reports, tmp_path):
    assert kb_cli("ingest", str(reports)).exit_code == 0
    broken = tmp_path / "broken_closure_report.docx"
    broken.write_bytes(b"PK\x03\x04 this is not really a Word file")
    result = kb_cli("ingest", str(broken), str(reports / "retro_4ls.md"))
    assert result.exit_code == 1
    assert "rejected" in result.output and "broken_closure_report.docx" in result.output
    assert "1 unchanged" in result.output
    assert kb_cli("doctor").exit_code == 0


def test_doctor_finds_drift_and_reindex_repairs_it(kb_cli, reports, tmp_path):
    from kb.settings import Settings
    from kb.vectors import open_vector_store

    kb_cli("ingest", str(reports))
    store = open_vector_store(Settings(data_dir=tmp_path / "data", _env_file=None))
    store.delete(sorted(store.ids())[:2])
    drift = kb_cli("doctor")
    assert drift.exit_code == 1 and "missing from the index" in drift.output
    assert kb_cli("reindex").exit_code == 0
    assert kb_cli("doctor").exit_code == 0


def test_missing_path_is_a_clear_error(kb_cli, tmp_path):
    result = kb_cli("ingest", str(tmp_path / "nowhere"))
    assert result.exit_code == 1 and "no such file or folder" in result.output


def test_help_is_quick_because_nothing_heavy_is_imported():
    code = "import sys, cli.main; print(sorted(m for m in ('torch', 'chromadb', 'sentence_transformers') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[2])
    assert out.stdout.strip() == "[]"


def test_two_files_of_one_document_in_a_batch_do_not_overwrite_each_other(kb_cli, tmp_path):
    retro = (SAMPLES / "retro_4ls.md").read_text()
    for team in ("alpha", "beta"):  # the same project's retrospective, edited in two folders
        (tmp_path / team).mkdir()
        (tmp_path / team / "retrospective.md").write_text(retro if team == "alpha" else retro + "\n- One more.\n")
    result = kb_cli("ingest", str(tmp_path / "alpha"), str(tmp_path / "beta"))
    assert result.exit_code == 1
    assert "1 ingested, 1 rejected" in result.output and "is the same document" in result.output


def version_numbers(result) -> list[str]:
    return re.findall(r"^ (\d+) ", result.output, re.MULTILINE)


def flat(result) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def test_preview_replace_list_restore_and_delete_from_the_command_line(kb_cli, tmp_path):
    folder = tmp_path / "v"
    folder.mkdir()
    report = folder / "FIN-ERP-2021_closure_report.md"
    original = (SAMPLES / "FIN-ERP-2021_closure_report.md").read_text()
    report.write_text(original)
    assert kb_cli("ingest", str(report)).exit_code == 0
    report.write_text(original.replace("We planned two trial loads", "We had planned two trial loads"))

    preview = kb_cli("ingest", "--dry-run", str(report))
    assert preview.exit_code == 0 and "would be replaced" in flat(preview)
    assert "replaces version 1 of FIN-ERP-2021 closure report" in flat(preview)
    assert "Preview, nothing was stored" in flat(preview)
    listed = kb_cli("documents")
    assert " 1 " in listed.output and "FIN-ERP-2021" in listed.output

    replaced = kb_cli("ingest", str(report))
    assert "1 replaced" in flat(replaced) and "replaced version 1" in flat(replaced)
    doc_id = kb_cli("documents").output.split("\n")[1].split()[0]
    versions = kb_cli("versions", doc_id)
    assert "current" in versions.output and version_numbers(versions) == ["2", "1"]

    restored = kb_cli("restore", doc_id, "1")
    assert restored.exit_code == 0 and "version 1 restored as version 3" in flat(restored)
    assert version_numbers(kb_cli("versions", doc_id)) == ["3", "2", "1"]

    from kb.errors import ProjectNotFound

    with pytest.raises(ProjectNotFound, match="No project with code NO-SUCH"):  # main() prints it as an error
        kb_cli("delete", "project", "NO-SUCH", "--yes")
    deleted = kb_cli("delete", "project", "FIN-ERP-2021", "--yes")
    assert deleted.exit_code == 0 and "Deleted project FIN-ERP-2021: 1 documents" in flat(deleted)
    assert "No documents yet" in kb_cli("documents").output
