"""Nothing lost, in the browser and the API: a replacement is previewed before it happens,
earlier versions are listed, downloaded and restored, and a document or a ghost project
is deleted only after a confirmation page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import FIXTURES

REPORT = "WEB-ERP-2022_closure-report.md"


def original() -> bytes:
    return (FIXTURES / REPORT).read_bytes()


def edited() -> bytes:
    return original().replace(b"## What went wrong", b"## What went wrong\n\n- Cutover checklists were not rehearsed.\n", 1)


def api_upload(client: TestClient, name: str, data: bytes, **form) -> dict:
    return client.post("/api/ingest", files=[("files", (name, data))], data=form).json()[0]


def documents(client: TestClient) -> list[dict]:
    return client.get("/api/documents").json()["items"]


def test_the_upload_page_previews_a_replacement_and_stores_nothing(client: TestClient):
    api_upload(client, REPORT, original())
    before = documents(client)
    html = client.post("/ingest", files=[("files", (REPORT, edited()))], data={"preview": "true"}).text
    assert "Preview: nothing was stored" in html
    assert "would be replaced" in html and "replaces version 1 of WEB-ERP-2022 closure report" in html
    assert documents(client) == before


def test_versions_are_listed_downloaded_and_restored(client: TestClient):
    first = api_upload(client, REPORT, original())
    second = api_upload(client, REPORT, edited())
    assert second["outcome"] == "replaced" and second["document_id"] == first["document_id"]
    doc_id = first["document_id"]

    versions = client.get(f"/api/documents/{doc_id}/versions").json()
    assert [(v["version"], v["replaced_at"] is None) for v in versions] == [(2, True), (1, False)]
    old = client.get(f"/documents/{doc_id}/versions/1/original")
    assert old.status_code == 200 and old.content == original()

    page = client.get(f"/documents/{doc_id}").text
    assert "version 2" in page and f'action="/documents/{doc_id}/versions/1/restore"' in page
    done = client.post(f"/documents/{doc_id}/versions/1/restore", follow_redirects=True)
    assert "Version 1 restored as version 3" in done.text
    assert client.get(f"/api/documents/{doc_id}").json()["version"] == 3
    assert "Cutover checklists were not rehearsed" not in client.get(f"/api/documents/{doc_id}").json()["content"]

    report = client.post(f"/api/documents/{doc_id}/versions/2/restore").json()
    assert report["outcome"] == "replaced" and "version 2 restored as version 4" in report["reason"]


def test_a_project_chosen_on_the_upload_form_files_a_register_that_names_none(client: TestClient):
    register = b"Risk ID,Risk Statement,Status\nR1,Vendor may deliver the adapters late,Open\n"
    job = client.post("/ingest", files=[("files", ("Risk Register.csv", register))], data={"project": "ALPHA-1"},
                      follow_redirects=True).text
    assert 'outcome-ingested">ingested' in job
    other = api_upload(client, "Risk Register.csv", register.replace(b"Vendor", b"Landlord"), project="BETA-2")
    assert other["outcome"] == "ingested"
    codes = sorted(d["project_code"] for d in documents(client))
    assert codes == ["ALPHA-1", "BETA-2"], "two projects' registers of one name are two documents"


def test_deleting_a_document_asks_first_then_removes_it(client: TestClient):
    doc_id = api_upload(client, REPORT, original())["document_id"]
    confirm = client.get(f"/documents/{doc_id}/delete").text
    assert "Delete the document WEB-ERP-2022_closure-report.md?" in confirm and "Delete for good" in confirm
    assert len(documents(client)) == 1, "asking deletes nothing"
    listing = client.post(f"/documents/{doc_id}/delete", follow_redirects=True).text
    assert f"Deleted {REPORT}" in listing
    assert documents(client) == [] and client.get(f"/documents/{doc_id}").status_code == 404
    assert client.get("/api/search", params={"q": "data migration"}).json()["total"] == 0


def test_a_link_cannot_put_its_own_words_in_the_pages_notices(client: TestClient):
    """'?restored=Your session expired. Sign in at evil.example' was shown in the app's green notice."""
    doc_id = api_upload(client, REPORT, original())["document_id"]
    lure = "Your session expired, sign in at evil.example"
    for forged in ({"restored": lure}, {"restored": "5", "restored_as": "9"}, {"restored": "1", "restored_as": "2"}):
        page = client.get(f"/documents/{doc_id}", params=forged)  # one version: nothing was restored
        assert page.status_code == 200 and not re.findall(r'class="notice"[^>]*>[^<]*', page.text), forged
    for page in ("/documents", "/projects"):
        html = client.get(page, params={"deleted": lure}).text
        assert not re.findall(r'class="notice"[^>]*>[^<]*', html), page
    assert "Version 1 is already the current version" in client.post(
        f"/documents/{doc_id}/versions/1/restore", follow_redirects=True).text


def test_deleting_a_ghost_project_takes_it_out_of_the_project_list(client: TestClient):
    ghost = api_upload(client, "typo.md", original().replace(b"WEB-ERP-2022", b"WEB-ERP-2202"))
    api_upload(client, REPORT, original())
    project_id = client.get(f"/api/documents/{ghost['document_id']}").json()["project_id"]
    assert "Delete this project" in client.get(f"/projects/{project_id}").text
    page = client.post(f"/projects/{project_id}/delete", follow_redirects=True).text
    assert "Deleted project WEB-ERP-2202" in page
    codes = [p["code"] for p in client.get("/api/projects").json()["items"]]
    assert codes == ["WEB-ERP-2022"]


def test_the_api_deletes_documents_and_projects(client: TestClient):
    doc_id = api_upload(client, REPORT, original())["document_id"]
    project_id = client.get(f"/api/documents/{doc_id}").json()["project_id"]
    gone = client.delete(f"/api/documents/{doc_id}").json()
    assert gone["documents"] == 1 and gone["lessons"] > 0 and gone["files"] == 1
    assert client.delete(f"/api/documents/{doc_id}").status_code == 404
    assert client.delete(f"/api/projects/{project_id}").json()["projects"] == 1
    assert client.get("/api/projects").json()["total"] == 0
    assert not re.search(r"WEB-ERP", client.get("/projects").text.split("<main", 1)[1])
