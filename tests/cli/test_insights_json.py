"""`kb metrics --json` and `kb themes --json` print what GET /api/metrics and
GET /api/themes answer, for the same store (their help promises "the shape of GET /api/...")."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.accounts import as_admin
from typer.testing import CliRunner

SAMPLES = Path(__file__).parents[1] / "samples"
REPORTS = ["FIN-ERP-2021_closure_report.md", "FIN-ERP-2021_risk_register.csv", "FIN-ERP-2021_retro_sprint_14.md",
           "CRM-2022_closure_report.docx", "CRM-2022_risk_register.xlsx", "NET-UPG-2020_closure_report.pdf",
           "pmo_lessons_register.csv", "retro_4ls.md"]


@pytest.fixture
def cli_and_api(tmp_path, monkeypatch, embedder):
    """(run `kb ...`, an API client) over one store under tmp_path, filled through `kb ingest`."""
    import kb.store
    from cli.main import app
    from kb.settings import Settings
    from web.app import create_app

    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(kb.store, "create_embedder", lambda settings: embedder)
    runner = CliRunner()

    def run(*args: str):
        result = runner.invoke(app, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    folder = tmp_path / "reports"
    folder.mkdir()
    for name in REPORTS:
        shutil.copy(SAMPLES / name, folder / name)
    run("ingest", str(folder))
    store = kb.store.KnowledgeBase.open(Settings(), embedder=embedder)
    with as_admin(TestClient(create_app(kb=store))) as client:
        yield run, client


def test_kb_metrics_json_is_the_api_metrics(cli_and_api):
    run, client = cli_and_api
    printed = json.loads(run("metrics", "--json"))
    answered = client.get("/api/metrics").json()
    assert printed == answered
    assert {m["key"] for m in answered["metrics"]} >= {"foreseeable_rate", "closed_without_review"}
    assert set(answered["metrics"][0]["breakdowns"]) == {"year", "quarter", "portfolio", "type"}
    assert any(m["value"] is not None for m in answered["metrics"])


def test_kb_metrics_json_with_filters_is_the_api_with_the_same_filters(cli_and_api):
    run, client = cli_and_api
    printed = json.loads(run("metrics", "--json", "--period", "2021", "--type", "ERP migration", "--by", "year"))
    answered = client.get("/api/metrics", params={"period": "2021", "type": "ERP migration"}).json()
    assert printed == answered
    assert answered["filters"] and answered["period"] != client.get("/api/metrics").json()["period"]


def test_kb_themes_json_is_the_api_themes(cli_and_api):
    run, client = cli_and_api
    printed = json.loads(run("themes", "--json", "--limit", "3"))
    answered = client.get("/api/themes", params={"limit": 3}).json()
    assert printed == answered
    assert answered["themes"], "no themes: the comparison would prove nothing"
    assert {"project_ids", "repeats", "projects_by_year", "items_by_type", "renamed"} <= set(answered["themes"][0])
