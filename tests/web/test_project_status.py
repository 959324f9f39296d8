"""The Status section of a project page and GET /api/projects/{id}/status."""

from __future__ import annotations

from datetime import date

import pytest

from kb.access import Audience, Role
from tests.status_samples import status_docx, status_md, status_xlsx
from tests.accounts import acting_as
from tests.web.test_confidential import project_id

VIEWER = Audience(user="vic", role=Role.VIEWER)
ALICE = Audience(user="alice", role=Role.VIEWER)


@pytest.fixture
def tracked(client):
    """POS-1 with three weekly reports, one in each format."""
    files = [("files", ("POS-1_w09.md", status_md(end=date(2026, 3, 1), overall="Green", pv=100_000, ev=100_000,
                                                  ac=80_000))),
             ("files", ("POS-1 - weekly status.docx", status_docx(end=date(2026, 3, 8)))),
             ("files", ("POS-1_w11_status.xlsx", status_xlsx(end=date(2026, 3, 15))))]
    reports = client.post("/api/ingest", files=files).json()
    assert [r["outcome"] for r in reports] == ["ingested"] * 3, reports
    return client, project_id(client, "POS-1")


def test_the_api_gives_the_history_with_hand_computed_indices(tracked):
    client, pid = tracked
    body = client.get(f"/api/projects/{pid}/status").json()
    assert [p["period_end"] for p in body["periods"]] == ["2026-03-01", "2026-03-08", "2026-03-15"]
    assert [p["overall_rag"] for p in body["periods"]] == ["green", "red", "green"]
    assert [p["trend"] for p in body["periods"]] == [None, "worsening", "improving"]
    # 100k/100k, 150k/200k, 330k/300k; CPI 100k/80k, 150k/180k, 330k/300k
    assert [p["spi"] for p in body["periods"]] == [1.0, 0.75, 1.1]
    assert [p["cpi"] for p in body["periods"]] == [1.25, 0.83, 1.1]
    assert body["latest"]["period_end"] == "2026-03-15" and body["trend"] == "improving"
    assert body["active"] is True
    assert body["overdue"] is True  # the last period ended long before the test runs
    slips = {m["name"]: m["slippage_days"] for m in body["milestones"]}
    assert slips["Data migration dress rehearsal"] == 21 and slips["Go-live"] == 14
    assert body["escalations"][0]["text"].startswith("Approve change request CR-12")  # newest first
    assert [i["text"] for i in body["open_items"]] == ["Key vendor architect may leave", "Interface spec late"]


def test_the_project_page_shows_the_status_section(tracked):
    client, pid = tracked
    page = client.get(f"/projects/{pid}")
    assert page.status_code == 200
    html = page.text
    assert 'id="status-heading"' in html and "3 reports" in html
    assert "rag-red" in html and "rag-green" in html and "improving" in html
    assert 'id="status-s-curve"' in html and "Earned value (EV)" in html  # chart with its data table
    assert "Data migration dress rehearsal" in html and "+21" in html
    assert "Approve change request CR-12" in html and "Key vendor architect may leave" in html
    assert "/static/insights.js" in html and "<script>" not in html  # no inline script (CSP)


def test_an_active_project_without_reports_invites_them(client):
    client.post("/api/projects", json={"code": "NEW-1", "name": "New thing"})
    pid = project_id(client, "NEW-1")
    assert "No status reports yet" in client.get(f"/projects/{pid}").text
    body = client.get(f"/api/projects/{pid}/status").json()
    assert body["periods"] == [] and body["latest"] is None and body["active"] is True


def test_a_closed_project_without_reports_has_no_status_section(loaded):
    pid = next(p["id"] for p in loaded.get("/api/projects").json()["items"] if p["outcome"])
    assert 'id="status-heading"' not in loaded.get(f"/projects/{pid}").text


def test_an_unknown_project_is_404(client):
    assert client.get("/api/projects/999/status").status_code == 404


def test_a_confidential_projects_status_is_hidden_from_a_viewer(tracked):
    client, pid = tracked
    done = client.patch(f"/api/projects/{pid}", json={"confidential": True, "shared_with": ["user:alice"]})
    assert done.status_code == 200, done.text
    with acting_as(client, VIEWER):
        assert client.get(f"/api/projects/{pid}/status").status_code == 404
        assert client.get(f"/projects/{pid}").status_code == 404
    with acting_as(client, ALICE):
        assert client.get(f"/api/projects/{pid}/status").json()["code"] == "POS-1"
