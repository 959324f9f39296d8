"""Document rendering and download, the ingest page and its review list, kickoff packs."""

from __future__ import annotations

import re
import time

from fastapi.testclient import TestClient

from tests.web.conftest import FIXTURES, build_client, first_id

HX = {"HX-Request": "true"}

HOSTILE = b"""---
kind: retrospective
code: SEC-1
---
# Retro with <b>markup</b>

<script>alert("owned")</script>

## Went well

- The <img src=x onerror=alert(1)> tag must stay text. [link](javascript:alert(1))
"""


def doc_id_by_name(client: TestClient, name: str) -> int:
    items = client.get("/api/documents", params={"limit": 100}).json()["items"]
    return next(d["id"] for d in items if d["source_name"] == name)


# --- documents --------------------------------------------------------------------------------

def test_document_headings_and_bullets_carry_the_anchors_lessons_cite(loaded: TestClient):
    doc_id = doc_id_by_name(loaded, "WEB-ERP-2022_closure-report.md")
    html = loaded.get(f"/documents/{doc_id}").text
    ids = set(re.findall(r'<h\d id="([^"]+)"', html))
    assert {"what-went-well", "what-went-wrong", "lessons-learned"} <= ids
    bullets = set(re.findall(r'<li id="([^"]+)"', html))
    assert {"what-went-well-item-1", "lessons-learned-item-1"} <= bullets
    ids |= bullets
    for lesson in loaded.get(f"/api/projects/{loaded.get('/api/documents/' + str(doc_id)).json()['project_id']}").json()["lessons"]:
        if lesson["document_id"] == doc_id:
            assert lesson["source_anchor"] in ids, lesson


def test_register_rows_have_row_ids_matching_risk_citations(loaded: TestClient):
    doc_id = doc_id_by_name(loaded, "WEB-ERP-2022_risk_register.csv")
    html = loaded.get(f"/documents/{doc_id}").text
    row_ids = set(re.findall(r'<tr id="(row-\d+)"', html))
    assert len(row_ids) == 3
    risk_id = first_id(loaded, "/api/search", q="adapter delivery", kind="risk")
    assert loaded.get(f"/api/risks/{risk_id}").json()["source_anchor"] in row_ids


def test_raw_html_in_an_upload_is_shown_as_text(client: TestClient):
    report = client.post("/api/ingest", files=[("files", ("SEC-1_retrospective.md", HOSTILE))]).json()[0]
    assert report["outcome"] == "ingested", report
    html = client.get(f"/documents/{report['document_id']}").text
    body = html.split('class="document-body">', 1)[1]
    assert "<script>alert" not in body and "&lt;script&gt;" in body
    assert "<img" not in body and "<b>markup" not in body
    assert 'href="javascript:' not in body
    lesson_id = first_id(client, "/api/search", q="tag must stay text")
    assert "<img" not in client.get(f"/lessons/{lesson_id}").text


def test_download_of_the_original_is_byte_identical(loaded: TestClient):
    for path in (FIXTURES / "WEB-ERP-2022_risk_register.csv", FIXTURES / "WEB-ERP-2022_closure-report.md"):
        doc_id = doc_id_by_name(loaded, path.name)
        response = loaded.get(f"/documents/{doc_id}/original")
        assert response.status_code == 200 and response.content == path.read_bytes()
        disposition = response.headers["content-disposition"]
        assert disposition.startswith("attachment") and path.name in disposition


def test_documents_list_filters_by_kind(loaded: TestClient):
    html = loaded.get("/documents", params={"kind": "risk register"}).text
    assert "WEB-ERP-2022_risk_register.csv" in html and "WEB-CRM-2023_retrospective.md" not in html


def test_document_review_page_lists_extracted_items(loaded: TestClient):
    doc_id = doc_id_by_name(loaded, "WEB-ERP-2022_closure-report.md")
    html = loaded.get(f"/documents/{doc_id}/review").text
    assert "Review what was extracted" in html and html.count('class="review-item"') == 4
    assert f'value="/documents/{doc_id}/review"' in html  # no-JS edits come back here


# --- the ingest page ---------------------------------------------------------------------------

def upload(client: TestClient, files: list[tuple[str, bytes]]):
    return client.post("/ingest", files=[("files", f) for f in files], follow_redirects=False)


def wait_for_job(client: TestClient, location: str) -> str:
    for _ in range(100):
        html = client.get(location).text
        if "Upload results" in html:
            return html
        time.sleep(0.1)
    raise AssertionError("the ingest job did not finish")


def test_upload_several_files_without_javascript(client: TestClient):
    files = [(p.name, p.read_bytes()) for p in sorted(FIXTURES.iterdir())] + [("notes.txt", b"hello")]
    response = upload(client, files)
    assert response.status_code == 303 and response.headers["location"].startswith("/ingest/jobs/")
    html = wait_for_job(client, response.headers["location"])
    assert html.count('class="badge outcome-ingested">ingested') == 3
    assert 'class="badge outcome-rejected">rejected' in html
    assert "Review what was extracted" in html and 'class="review-item"' in html
    assert '<meta http-equiv="refresh"' not in html  # finished: no more refreshing
    again = wait_for_job(client, upload(client, files[:1]).headers["location"])
    assert "unchanged" in again


def test_two_uploads_of_one_document_keep_the_first_and_reject_the_second(client: TestClient):
    first = (FIXTURES / "WEB-ERP-2022_closure-report.md").read_bytes()
    second = first.replace(b"## What went wrong", b"## What went wrong\n\n- Another report entirely.\n", 1)
    html = wait_for_job(client, upload(client, [("report.md", first), ("report.md", second)]).headers["location"])
    assert html.count('class="badge outcome-ingested">ingested') == 1
    assert html.count('class="badge outcome-rejected">rejected') == 1
    assert "report.md, earlier in this batch, is the same document" in html and "Rename one of them" in html
    stored = client.get("/api/documents").json()["items"]
    assert [d["source_name"] for d in stored] == ["report.md"]
    content = client.get(f"/api/documents/{stored[0]['id']}").json()["content"]
    assert "Another report entirely" not in content


def test_the_api_applies_the_same_batch_rules(client: TestClient):
    files = [("files", ("retro.md", b"# Retro\n\n## Went well\n\n- Pairing helped.\n")),
             ("files", ("retro.md", b"# Retro\n\n## Went well\n\n- Something else.\n"))]
    reports = client.post("/api/ingest", files=files).json()
    assert [r["outcome"] for r in reports][1] == "rejected" and "earlier in this batch, is the same document" in reports[1]["reason"]


def test_running_job_polls_and_refreshes(client: TestClient):
    from web.jobs import IngestJob

    job = IngestJob(id="abc123", names=["a.md", "b.md"], state="running", current="a.md")
    client.app.state.jobs._jobs[job.id] = job
    page = client.get("/ingest/jobs/abc123").text
    assert '<meta http-equiv="refresh"' in page and 'hx-trigger="every 1s"' in page and "<progress" in page
    fragment = client.get("/ingest/jobs/abc123", headers=HX).text
    assert fragment.lstrip().startswith('<div id="job-abc123"') and 'hx-trigger="every 1s"' in fragment


def test_unknown_job_is_a_friendly_404(client: TestClient):
    response = client.get("/ingest/jobs/nope")
    assert response.status_code == 404 and "Documents" in response.text


def test_uploading_nothing_explains_what_to_do(client: TestClient):
    response = upload(client, [("", b"")])
    assert response.status_code == 400 and "Choose at least one file" in response.text


def test_too_large_files_are_rejected_with_the_limit(client: TestClient, monkeypatch):
    monkeypatch.setattr(client.app.state.services.settings, "max_upload_mb", 0)
    reports = client.post("/api/ingest", files=[("files", ("a.md", b"# x\n"))]).json()
    assert reports[0]["outcome"] == "rejected" and "KB_MAX_UPLOAD_MB" in reports[0]["reason"]


def test_review_list_unpublish_and_edit_inline(fresh: TestClient):
    lesson_id = first_id(fresh, "/api/search", q="super users training", kind="lesson")
    response = fresh.post(f"/lessons/{lesson_id}/publish", data={"published": "false"}, headers=HX)
    assert "Publish</button>" in response.text and "hidden from search" in response.text
    assert fresh.get(f"/api/lessons/{lesson_id}").json()["published"] is False


# --- kickoff ------------------------------------------------------------------------------------

def test_kickoff_form_pack_export_and_print(loaded: TestClient):
    form = {"name": "Stores ERP", "project_type": "ERP migration", "industry": "Retail", "budget": "1.5m",
            "size": "", "description": "New ERP with a systems integrator; data migration from the old ledger."}
    response = loaded.post("/kickoff", data=form, follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    pack_id = int(location.rsplit("/", 1)[1])
    html = loaded.get(location).text
    assert "Similar past projects" in html and "Ledger Replacement" in html
    assert 'type="checkbox"' in html and "Risks that materialised" in html
    markdown = loaded.get(f"/kickoff/{pack_id}.md")
    assert markdown.status_code == 200 and markdown.headers["content-type"].startswith("text/markdown")
    assert "attachment" in markdown.headers["content-disposition"]
    assert markdown.text.startswith("# Kickoff pack: Stores ERP") and "- [ ] " in markdown.text
    printable = loaded.get(f"/kickoff/{pack_id}/print").text
    assert 'class="print-view"' in printable and "Stores ERP" in printable


def test_a_pack_no_past_project_resembles_says_where_its_lessons_come_from(loaded: TestClient):
    form = {"name": "Canteen chatbot", "project_type": "AI chatbot", "industry": "Hospitality", "budget": "",
            "size": "", "description": "A chatbot that takes canteen orders and answers questions about the menu."}
    location = loaded.post("/kickoff", data=form, follow_redirects=False).headers["location"]
    html = loaded.get(location).text
    assert "No past project is like this one" in html and 'class="project-card"' not in html
    assert "No past project is like this one" in loaded.get(location + ".md").text


def test_kickoff_pack_reads_back_exactly_after_a_restart(fresh: TestClient, tmp_path):
    made = fresh.post("/api/kickoff", json={"name": "Again", "project_type": "CRM rollout"}).json()
    assert made["sections"], "the fixtures hold CRM lessons"
    with build_client(tmp_path / "data") as restarted:  # a new process on the same data directory
        assert restarted.get(f"/api/kickoff/{made['pack_id']}").json() == made
        assert "Kickoff pack: Again" in restarted.get(f"/kickoff/{made['pack_id']}").text
        assert restarted.get("/api/kickoff/999999").json()["status"] == 404
