"""`kb export` and `kb import` as a user runs them: back up one data folder, restore
it into another, and get the same answers."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import GOOD, kb_cli, reports  # noqa: F401  (fixtures)


def said(result) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def test_export_then_import_into_a_new_data_folder(kb_cli, reports, tmp_path, monkeypatch):  # noqa: F811
    assert kb_cli("ingest", str(reports)).exit_code == 0
    question = ("search", "what went wrong with data migration on ERP projects", "--json", "--limit", "5")
    before = json.loads(kb_cli(*question).output)["hits"]
    archive = tmp_path / "kb-backup.zip"

    exported = kb_cli("export", str(archive))
    assert exported.exit_code == 0, exported.output
    assert f"Wrote {archive}" in said(exported) and f"{len(GOOD)} original files" in said(exported)
    assert "lesson" in said(exported) and archive.is_file()
    again = kb_cli("export", str(archive))
    assert again.exit_code == 1 and "already exists" in said(again) and "--force" in said(again)
    assert kb_cli("export", "--force", str(archive)).exit_code == 0

    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "restored"))
    imported = kb_cli("import", str(archive))
    assert imported.exit_code == 0, imported.output
    assert "Restored" in said(imported) and f"{len(GOOD)} original files" in said(imported)
    assert kb_cli("doctor").exit_code == 0
    after = json.loads(kb_cli(*question).output)["hits"]
    assert [(h["kind"], h["id"], h["title"]) for h in after] == [(h["kind"], h["id"], h["title"]) for h in before]

    twice = kb_cli("import", str(archive))
    assert twice.exit_code == 1 and "already holds data" in said(twice) and "KB_DATA_DIR" in said(twice)


def test_import_of_a_damaged_archive_says_so_and_writes_nothing(kb_cli, tmp_path, monkeypatch):
    broken = tmp_path / "backup.zip"
    broken.write_bytes(b"PK\x03\x04 half an archive")
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "target"))
    result = kb_cli("import", str(broken))
    assert result.exit_code == 1 and "not a readable archive" in said(result) and "another copy" in said(result)
    assert not (tmp_path / "target").exists()
    missing = kb_cli("import", str(tmp_path / "nowhere.zip"))
    assert missing.exit_code == 1 and "No archive at" in said(missing)


def test_help_explains_both_commands(kb_cli):
    export_help = kb_cli("export", "--help").output
    assert "archive" in export_help and "Vectors are not included" in export_help and "--force" in export_help
    import_help = kb_cli("import", "--help").output
    assert "EMPTY" in import_help and "All or nothing" in import_help
    assert "export" in kb_cli("--help").output
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "`kb export PATH" in readme and "`kb import PATH`" in readme and "### Backups" in readme
