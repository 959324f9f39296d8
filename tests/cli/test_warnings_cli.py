"""`kb warnings PROJECT_CODE`: an active project's early warnings as text or JSON, and clear errors for an
unknown or closed project (real model: the warnings are about meaning)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.factories import warning_documents


@pytest.fixture
def kb_cli(tmp_path, monkeypatch, embedder):
    import kb.store
    from cli.main import app
    from kb.settings import Settings

    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(kb.store, "create_embedder", lambda settings: embedder)
    store = kb.store.KnowledgeBase.open(Settings())
    for n, doc in enumerate(warning_documents()):
        store.save_document(doc, f"document {n}".encode())
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


def test_warnings_of_an_active_project_as_text_and_json(kb_cli):
    text = kb_cli("warnings", "live-erp")
    assert text.exit_code == 0, text.output
    out = " ".join(text.output.split())
    assert "2 of 3 open risks have precedent" in out
    assert "This risk materialised on 2 past ERP migration projects" in out
    assert "PAST-ERP-1_risk_register.csv, row 2" in out and "what happened:" in out
    body = json.loads(kb_cli("warnings", "LIVE-ERP", "--json").output)
    assert body["active"] is True and [p["project"]["code"] for p in body["warnings"][0]["precedents"]]


def test_an_unknown_or_closed_project_gets_a_clear_message(kb_cli):
    unknown = kb_cli("warnings", "NOPE-1")
    assert unknown.exit_code == 1 and "No project with code NOPE-1" in unknown.output
    closed = kb_cli("warnings", "PAST-ERP-1")
    assert closed.exit_code == 1 and "is closed" in " ".join(closed.output.split())
    assert "active projects" in " ".join(closed.output.split())
    assert "PROJECT_CODE" in kb_cli("warnings", "--help").output
