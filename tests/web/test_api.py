"""The JSON API: shapes the foundation issue promises, pagination, edits, errors."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import first_id

ERROR_KEYS = {"ok", "error", "status"}


def assert_error(response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    return body


# --- the error shape is pinned --------------------------------------------------------

def test_error_shape_for_unknown_item(client: TestClient):
    body = assert_error(client.get("/api/lessons/424242"), 404)
    assert "424242" in body["error"]


def test_error_shape_for_unknown_route(client: TestClient):
    assert_error(client.get("/api/no-such-thing"), 404)


def test_error_shape_for_invalid_parameters(client: TestClient):
    body = assert_error(client.get("/api/search", params={"limit": 0}), 422)
    assert "limit" in body["error"]


def test_a_new_project_code_with_a_control_character_is_refused_in_words(client: TestClient):
    reply = client.post("/api/projects", json={"code": "NUL\u0000CODE", "name": "Broken"})
    assert reply.status_code == 400 and "plain text on one line" in reply.json()["error"]
    assert "NUL" not in str(client.get("/api/projects").json())


def test_error_shape_for_server_errors(client: TestClient):
    def boom():
        raise RuntimeError("secret internals")

    client.app.add_api_route("/api/boom", boom)
    body = assert_error(client.get("/api/boom"), 500)
    assert "secret" not in body["error"]


def test_openapi_schema_lists_the_api(client: TestClient):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/search", "/api/facets", "/api/lessons/{lesson_id}", "/api/lessons/{lesson_id}/similar",
                 "/api/lessons/{lesson_id}/feedback", "/api/risks/{risk_id}", "/api/projects",
                 "/api/projects/{project_id}", "/api/projects/similar", "/api/documents",
                 "/api/documents/{document_id}", "/api/ingest", "/api/kickoff", "/api/kickoff/{pack_id}"):
        assert path in paths, path
    assert not any(p.startswith("/lessons") for p in paths), "HTML pages stay out of the API schema"
    assert client.get("/docs").status_code == 200


# --- search ----------------------------------------------------------------------------

def test_search_returns_results_with_the_promised_fields(loaded: TestClient):
    body = loaded.get("/api/search", params={"q": "vendor delivered late"}).json()
    assert {"results", "total", "summary", "facets", "detected"} <= set(body)
    assert body["results"], body
    hit = body["results"][0]
    for key in ("id", "external_id", "kind", "title", "snippet", "score", "project", "tags", "source"):
        assert key in hit, key
    assert hit["kind"] in ("lesson", "risk")
    assert {"document", "location", "document_id"} <= set(hit["source"])
    assert body["results"] == body["hits"]


def test_repeated_facet_values_are_or_within_a_facet(loaded: TestClient):
    def kinds(*values):
        params = [("q", "vendor"), ("limit", 50)] + [("kind", v) for v in values]
        return {h["kind"] for h in loaded.get("/api/search", params=params).json()["results"]}

    assert kinds("risk") == {"risk"}
    assert kinds("lesson") == {"lesson"}
    assert kinds("lesson", "risk") == {"lesson", "risk"}


def test_facets_endpoint_counts_values(loaded: TestClient):
    facets = loaded.get("/api/facets").json()
    kinds = {f["value"]: f["count"] for f in facets["kind"]}
    assert kinds.get("lesson", 0) > 0 and kinds.get("risk", 0) > 0


# --- lessons, risks, feedback ---------------------------------------------------------------

def test_patch_lesson_tags_persists(fresh: TestClient):
    lesson_id = first_id(fresh, "/api/search", q="cutover", kind="lesson")
    patched = fresh.patch(f"/api/lessons/{lesson_id}", json={"tags": ["cutover", "rehearsal"], "phase": "deployment"})
    assert patched.status_code == 200, patched.text
    again = fresh.get(f"/api/lessons/{lesson_id}").json()
    assert again["tags"] == ["cutover", "rehearsal"] and again["phase"] == "deployment"


def test_patch_rejects_unknown_polarity(fresh: TestClient):
    lesson_id = first_id(fresh, "/api/search", q="cutover", kind="lesson")
    body = assert_error(fresh.patch(f"/api/lessons/{lesson_id}", json={"polarity": "meh"}), 422)
    assert "went wrong" in body["error"]


def test_patch_risk(fresh: TestClient):
    risk_id = first_id(fresh, "/api/search", kind="risk")
    assert fresh.patch(f"/api/risks/{risk_id}", json={"status": "closed"}).json()["status"] == "closed"
    assert_error(fresh.patch(f"/api/risks/{risk_id}", json={"status": "sleeping"}), 422)


def test_feedback_is_counted(fresh: TestClient):
    lesson_id = first_id(fresh, "/api/search", kind="lesson")
    project_id = first_id(fresh, "/api/projects")
    fresh.post(f"/api/lessons/{lesson_id}/feedback", json={"kind": "helpful"})
    body = fresh.post(f"/api/lessons/{lesson_id}/feedback", json={"kind": "applied", "project_id": project_id}).json()
    assert body == {"ok": True, "helpful": 1, "applied": 1}
    assert_error(fresh.post(f"/api/lessons/{lesson_id}/feedback", json={"kind": "loved"}), 400)


def test_similar_lessons(loaded: TestClient):
    lesson_id = first_id(loaded, "/api/search", q="vendor", kind="lesson")
    similar = loaded.get(f"/api/lessons/{lesson_id}/similar", params={"limit": 3}).json()
    assert isinstance(similar, list) and 1 <= len(similar) <= 3
    assert all(h["id"] != lesson_id or h["kind"] != "lesson" for h in similar)
    assert_error(loaded.get("/api/lessons/99999/similar"), 404)


# --- projects and documents ------------------------------------------------------------------

def test_projects_are_paginated(loaded: TestClient):
    first = loaded.get("/api/projects", params={"limit": 1}).json()
    assert first["total"] >= 2 and len(first["items"]) == 1 and first["limit"] == 1
    second = loaded.get("/api/projects", params={"limit": 1, "offset": 1}).json()
    assert second["items"][0]["id"] != first["items"][0]["id"]


def test_project_detail_has_variances(loaded: TestClient):
    page = loaded.get("/api/projects", params={"q": "WEB-ERP-2022"}).json()
    detail = loaded.get(f"/api/projects/{page['items'][0]['id']}").json()
    variance = detail["variance"]
    assert variance["schedule_days"] == 105          # 16 Dec 2022 -> 31 Mar 2023
    assert variance["cost_amount"] == 600_000 and variance["cost_pct"] == 30.0
    assert detail["lessons"] and detail["risks"] and len(detail["documents"]) == 2


def test_similar_projects(loaded: TestClient):
    matches = loaded.post("/api/projects/similar", json={"project_type": "ERP migration", "description": "ledger"})
    assert matches.status_code == 200
    assert matches.json()[0]["project"]["code"] == "WEB-ERP-2022"


def test_documents_list_and_detail(loaded: TestClient):
    listing = loaded.get("/api/documents").json()
    assert listing["total"] == 3 and "content" not in listing["items"][0]
    doc = loaded.get(f"/api/documents/{listing['items'][0]['id']}").json()
    assert "content" in doc and doc["source_name"]


# --- ingest and kickoff -----------------------------------------------------------------------

def test_ingest_reports_each_file(client: TestClient):
    files = [("files", ("notes.txt", b"just some words")),
             ("files", ("X-1_retrospective.md", b"---\nkind: retrospective\ncode: X-1\n---\n# Retro\n\n"
                                                b"## Went well\n\n- Daily triage cleared the defects quickly.\n"))]
    reports = client.post("/api/ingest", files=files).json()
    assert [r["outcome"] for r in reports] == ["rejected", "ingested"]
    assert reports[0]["reason"] and reports[1]["lessons"] == 1 and reports[1]["document_id"]
    again = client.post("/api/ingest", files=files[1:]).json()
    assert again[0]["outcome"] == "unchanged"


def test_ingest_without_files_is_an_error(client: TestClient):
    assert_error(client.post("/api/ingest", files=[("files", ("", b""))]), 400)
    assert_error(client.post("/api/ingest"), 400)


def test_kickoff_pack_is_recorded_and_can_be_read_back(loaded: TestClient):
    profile = {"name": "New ledger", "project_type": "ERP migration", "description": "vendor adapters and data migration"}
    pack = loaded.post("/api/kickoff", json=profile).json()
    assert pack["pack_id"] and pack["sections"] and pack["similar_projects"]
    again = loaded.get(f"/api/kickoff/{pack['pack_id']}").json()
    assert again["pack_id"] == pack["pack_id"] and again["profile"]["name"] == "New ledger"
    assert_error(loaded.get("/api/kickoff/99999"), 404)


def test_a_kickoff_pack_needs_a_project_described_and_reads_its_type_as_search_does(loaded: TestClient):
    """'{}' recorded a pack of 27 arbitrary lines (counted as reuse); 'data centre move' matched nothing."""
    empty = loaded.post("/api/kickoff", json={})
    assert empty.status_code == 400 and "Describe the new project first" in empty.json()["error"]
    pack = loaded.post("/api/kickoff", json={"name": "DC exit", "project_type": "data centre move"}).json()
    assert pack["profile"]["project_type"] == "cloud migration"


def test_a_budget_is_read_as_the_kickoff_form_reads_it(loaded: TestClient):
    for written, amount in (("3.5m", 3_500_000), ("850k", 850_000), ("1,200,000", 1_200_000), (2_000_000, 2_000_000)):
        pack = loaded.post("/api/kickoff", json={"name": "Ledger", "budget": written})
        assert pack.status_code == 200 and pack.json()["profile"]["budget"] == amount, written
    refused = loaded.post("/api/projects/similar", json={"project_type": "ERP migration", "budget": "about a million"})
    assert refused.status_code == 422 and "Cannot read the budget 'about a million'" in refused.text


def test_served_app_loads_the_search_index_at_start_up(tmp_path):
    import time

    from tests.conftest import HashingEmbedder
    from kb.settings import Settings
    from kb.store import KnowledgeBase
    from web.app import create_app

    class WatchedEmbedder(HashingEmbedder):
        """Notes every query it is asked to embed, so the test sees the model at work before any request."""

        def __init__(self) -> None:
            self.queries: list[str] = []

        def embed_query(self, text):
            self.queries.append(text)
            return super().embed_query(text)

    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    embedder = WatchedEmbedder()
    app = create_app(settings, kb=KnowledgeBase.open(settings, embedder=embedder), warm=True)
    with TestClient(app):
        deadline = time.time() + 20
        while not embedder.queries and time.time() < deadline:
            time.sleep(0.05)
        assert embedder.queries, "the first user would wait for the model and the index"


def test_another_site_cannot_change_anything(loaded: TestClient):
    lesson_id = first_id(loaded, "/api/search", q="vendor", kind="lesson")
    before = loaded.get(f"/api/lessons/{lesson_id}").json()["category"]
    forged = loaded.patch(f"/api/lessons/{lesson_id}", json={"category": "scope" if before == "cost" else "cost"},
                          headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403 and forged.json()["ok"] is False
    page = loaded.post(f"/lessons/{lesson_id}/feedback", data={"kind": "helpful"},
                       headers={"Origin": "http://evil.example"})
    assert page.status_code == 403
    assert loaded.get(f"/api/lessons/{lesson_id}").json()["category"] == before
    same = loaded.patch(f"/api/lessons/{lesson_id}", json={"tags": ["checked"]},
                        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 200
