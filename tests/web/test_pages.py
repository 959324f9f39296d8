"""HTML pages without JavaScript: plain GET forms and POST/redirect/GET, plus
the htmx fragments that the same templates produce."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import first_id

HX = {"HX-Request": "true"}


def is_full_page(html: str) -> bool:
    return html.lstrip().lower().startswith("<!doctype html>")


# --- every page renders -------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/search", "/projects", "/documents", "/ingest", "/kickoff"])
def test_pages_render_on_an_empty_knowledge_base(client: TestClient, path: str):
    response = client.get(path)
    assert response.status_code == 200 and is_full_page(response.text)
    html = response.text
    assert 'href="#main"' in html and 'id="main"' in html  # skip link
    for href in ("/search", "/kickoff", "/projects", "/documents", "/ingest", "/themes", "/metrics"):
        assert f'href="{href}"' in html


def test_landing_page_has_one_labelled_autofocus_query_box(loaded: TestClient):
    html = loaded.get("/").text
    assert html.count("autofocus") == 1
    assert '<label for="q"' in html and 'id="q"' in html
    assert "Browsing all" in html


def test_every_form_control_has_a_label(loaded: TestClient):
    lesson_id = first_id(loaded, "/api/search", kind="lesson")
    for path in ("/search?q=vendor", "/kickoff", "/ingest", f"/lessons/{lesson_id}", "/projects"):
        html = loaded.get(path).text
        labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
            if 'type="hidden"' in tag or 'type="submit"' in tag:
                continue
            control_id = re.search(r'id="([^"]+)"', tag)
            assert control_id and control_id.group(1) in labelled, f"{path}: unlabelled {tag}"


def test_no_page_loads_anything_from_another_host(loaded: TestClient):
    lesson_id = first_id(loaded, "/api/search", kind="lesson")
    doc_id = first_id(loaded, "/api/documents")
    for path in ("/", "/search?q=vendor", "/projects", "/documents", "/ingest", "/kickoff",
                 f"/lessons/{lesson_id}", f"/documents/{doc_id}", "/projects/1", "/docs"):
        html = loaded.get(path).text
        html = re.sub(r'<article class="document-body[^"]*">.*?</article>', "", html, flags=re.S)  # content may link out
        assert not re.search(r'(?:src|href|action)="(?:https?:)?//', html), path


# --- search without JavaScript --------------------------------------------------------------

def test_search_with_a_facet_from_a_plain_get_form(loaded: TestClient):
    html = loaded.get("/search", params=[("q", "vendor"), ("kind", "risk")]).text
    assert re.search(r'name="kind" value="risk" checked', html)
    assert 'class="badge kind-risk"' in html and 'class="badge kind-lesson"' not in html
    assert "Remove filter Lesson or risk: risk" in html  # the filter is a removable chip


def test_search_highlights_matches_and_links_to_the_source_section(loaded: TestClient):
    html = loaded.get("/search", params={"q": "cutover rehearse"}).text
    assert "<mark>" in html.lower()
    assert re.search(r'href="/documents/\d+#lessons-learned-item-\d+"', html)  # the bullet of its section
    assert "More like this" in html


def test_a_facet_the_question_negates_is_shown_as_left_out_and_can_be_shown_again(loaded: TestClient):
    html = loaded.get("/search", params={"q": "what went well but not on ERP migrations"}).text
    assert "Left out:" in html
    chip = re.search(r'<a class="chip chip-detected chip-left-out" href="([^"]+)"', html)
    assert chip and "Project type: <strong>ERP migration" in html.split("Left out:")[1]
    again = loaded.get(unquote(chip[1].replace("&amp;", "&"))).text
    assert "Left out:" not in again


def test_detected_facets_are_removable_chips(loaded: TestClient):
    html = loaded.get("/search", params={"q": "what went wrong with vendors"}).text
    chips = re.findall(r'<a class="chip chip-detected" href="([^"]+)"', html)
    assert chips, "a plain-language facet should be detected"
    target = unquote(chips[0].replace("&amp;", "&"))
    ignored = parse_qs(urlparse(target).query)["ignored"][0]
    after = loaded.get(target.replace("&amp;", "&")).text
    assert f'name="ignored" value="{ignored}"' in after
    assert ignored.split(":", 1)[1] not in re.findall(r"chip-detected.*?<strong>([^<]+)</strong>", after, flags=re.S)


def test_empty_search_suggests_what_to_do(loaded: TestClient):
    html = loaded.get("/search", params={"q": "zebra giraffe", "category": "cost"}).text
    assert "Nothing matches" in html
    assert "Remove Category: cost" in html
    assert "Popular categories" in html


def test_pagination_links_keep_the_query(loaded: TestClient):
    html = loaded.get("/search", params={"q": "vendor", "limit": 1}).text
    assert 'rel="next"' in html
    next_href = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    assert "q=vendor" in next_href and "page=2" in next_href
    second = loaded.get(next_href).text
    assert 'aria-current="page"' in second and 'rel="prev"' in second


def test_year_boxes_left_empty_are_accepted(loaded: TestClient):
    assert loaded.get("/search?q=vendor&year_from=&year_to=").status_code == 200


# --- htmx fragments --------------------------------------------------------------------------

def test_htmx_search_returns_the_results_fragment(loaded: TestClient):
    response = loaded.get("/search", params={"q": "vendor"}, headers=HX)
    assert response.status_code == 200 and not is_full_page(response.text)
    assert 'class="search-layout"' in response.text and 'aria-label="Main"' not in response.text
    assert "HX-Request" in response.headers["vary"].split(", ")
    full = loaded.get("/search", params={"q": "vendor"})
    assert is_full_page(full.text) and response.text.strip() in full.text


def test_htmx_history_restore_gets_the_full_page(loaded: TestClient):
    response = loaded.get("/search", params={"q": "vendor"}, headers={**HX, "HX-History-Restore-Request": "true"})
    assert is_full_page(response.text)


# --- errors ------------------------------------------------------------------------------------

def test_html_error_pages(client: TestClient):
    missing = client.get("/lessons/424242")
    assert missing.status_code == 404 and is_full_page(missing.text)
    assert "No lesson with id 424242" in missing.text and "Back to search" in missing.text
    invalid = client.get("/search", params={"limit": 0})
    assert invalid.status_code == 422 and "limit" in invalid.text
    assert client.get("/no/such/page").status_code == 404


def test_htmx_errors_are_fragments(client: TestClient):
    response = client.get("/lessons/424242", headers=HX)
    assert response.status_code == 404 and not is_full_page(response.text) and 'role="alert"' in response.text


def test_server_error_page_hides_internals(client: TestClient):
    def boom():
        raise RuntimeError("secret internals")

    client.app.add_api_route("/boom", boom)
    response = client.get("/boom")
    assert response.status_code == 500 and is_full_page(response.text) and "secret" not in response.text


# --- lesson and risk pages ----------------------------------------------------------------------

def test_lesson_page_shows_fields_sources_and_actions(loaded: TestClient):
    lesson_id = first_id(loaded, "/api/search", q="adapters vendor penalty", kind="lesson")
    html = loaded.get(f"/lessons/{lesson_id}").text
    assert "Where it was recorded" in html and "More like this" in html
    assert "Recommendation" in html and "Cause" in html
    assert re.search(r'href="/documents/\d+#what-went-wrong-item-\d+"', html)  # the bullet of its section
    assert "Mark helpful" in html and "Applied to project" in html
    assert 'name="polarity"' in html and '<option value="went wrong" selected>went wrong</option>' in html


def test_tag_edit_without_javascript_persists(fresh: TestClient):
    lesson_id = first_id(fresh, "/api/search", q="cutover", kind="lesson")
    form = {"polarity": "improvement", "category": "testing", "phase": "deployment", "tags": "cutover, dress rehearsal"}
    response = fresh.post(f"/lessons/{lesson_id}/tags", data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/lessons/{lesson_id}"
    lesson = fresh.get(f"/api/lessons/{lesson_id}").json()
    assert lesson["tags"] == ["cutover", "dress rehearsal"] and lesson["category"] == "testing"
    assert "<li>dress rehearsal</li>" in fresh.get(f"/lessons/{lesson_id}").text


def test_a_lesson_whose_polarity_the_pmo_cleared_is_listed_under_other_on_its_project_page(fresh: TestClient):
    """Grouping a cleared polarity (None) beside the others' words made the project page a 500."""
    lesson_id = first_id(fresh, "/api/search", q="cutover", kind="lesson")
    fresh.post(f"/lessons/{lesson_id}/tags", data={"polarity": "", "tags": ""}, follow_redirects=False)
    lesson = fresh.get(f"/api/lessons/{lesson_id}").json()
    assert lesson["polarity"] is None
    page = fresh.get(f"/projects/{lesson['project_id']}")
    assert page.status_code == 200 and ">Other <span" in page.text and lesson["title"] in page.text


def test_tag_edit_with_htmx_returns_the_editor_fragment(fresh: TestClient):
    lesson_id = first_id(fresh, "/api/search", q="cutover", kind="lesson")
    response = fresh.post(f"/lessons/{lesson_id}/tags", data={"polarity": "went well", "tags": "x"}, headers=HX)
    assert response.status_code == 200 and not is_full_page(response.text)
    assert f'id="lesson-tags-{lesson_id}"' in response.text and "Saved" in response.text


def test_redirect_after_a_form_post_stays_on_this_site(fresh: TestClient):
    lesson_id = first_id(fresh, "/api/search", kind="lesson")
    response = fresh.post(f"/lessons/{lesson_id}/tags", data={"tags": "a", "next": "//evil.example/"},
                          follow_redirects=False)
    assert response.headers["location"] == f"/lessons/{lesson_id}"


def test_unpublished_lessons_leave_search_and_come_back(fresh: TestClient):
    lesson_id = first_id(fresh, "/api/search", q="rehearse cutover", kind="lesson")

    def found() -> bool:
        hits = fresh.get("/api/search", params={"q": "rehearse cutover", "limit": 50}).json()["results"]
        return any(h["id"] == lesson_id and h["kind"] == "lesson" for h in hits)

    fresh.post(f"/lessons/{lesson_id}/publish", data={"published": "false"})
    assert not found()
    assert "Unpublished — hidden from search" in fresh.get(f"/lessons/{lesson_id}").text
    fresh.post(f"/lessons/{lesson_id}/publish", data={"published": "true"})
    assert found()


def test_feedback_forms(fresh: TestClient):
    lesson_id = first_id(fresh, "/api/search", kind="lesson")
    project_id = first_id(fresh, "/api/projects")
    fresh.post(f"/lessons/{lesson_id}/feedback", data={"kind": "helpful"})
    response = fresh.post(f"/lessons/{lesson_id}/feedback", data={"kind": "applied", "project_id": str(project_id)},
                          headers=HX)
    assert "<strong>1</strong> marked helpful" in response.text and "<strong>1</strong> applied" in response.text
    missing = fresh.post(f"/lessons/{lesson_id}/feedback", data={"kind": "applied", "project_id": ""})
    assert missing.status_code == 422 and "Choose the project" in missing.text


def test_risk_page_and_risk_tag_edit(fresh: TestClient):
    risk_id = first_id(fresh, "/api/search", q="adapter delivery", kind="risk")
    html = fresh.get(f"/risks/{risk_id}").text
    assert "Probability" in html and re.search(r'href="/documents/\d+#row-\d+"', html)
    fresh.post(f"/risks/{risk_id}/tags", data={"status": "closed", "tags": "vendor"})
    risk = fresh.get(f"/api/risks/{risk_id}").json()
    assert risk["status"] == "closed" and risk["tags"] == ["vendor"]


# --- projects -----------------------------------------------------------------------------------

def test_projects_list_and_project_page(loaded: TestClient):
    listing = loaded.get("/projects").text
    assert "Ledger Replacement" in listing
    project_id = loaded.get("/api/projects", params={"q": "WEB-ERP-2022"}).json()["items"][0]["id"]
    html = loaded.get(f"/projects/{project_id}").text
    assert "+105 days" in html and "+30%" in html
    assert "Lessons" in html and "Risks" in html and "Documents" in html
    assert "challenged" in html


def test_projects_filter_fragment(loaded: TestClient):
    response = loaded.get("/projects", params={"q": "Ledger"}, headers=HX)
    assert not is_full_page(response.text) and "Ledger Replacement" in response.text
