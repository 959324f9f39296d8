"""What the screens say, without a browser: bullet anchors, citation labels, tag corrections and the
metrics page's wording (issue 10, "screens fixed"). The browser half is test_browser_screens.py."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from lxml import html as lxml_html

from search.models import Source
from search.summary import citation_label
from tests.web.conftest import first_id
from web.rendering import render_document_html


# --- a citation lands on its bullet --------------------------------------------------------

def test_top_level_bullets_get_ids_numbered_under_their_heading():
    text = ("# Report\n\n- before any section\n\n## What went wrong\n\n- First.\n  - a nested line\n- Second.\n\n"
            "**Mad**\n\n- Third, under a bold pseudo-heading.\n\n## Lessons learned\n\n1. Numbered one.\n")
    page = lxml_html.fromstring(f"<div>{render_document_html(text)[0]}</div>")
    ids = [li.get("id") for li in page.iter("li")]
    assert ids == ["report-item-1", "what-went-wrong-item-1", None, "what-went-wrong-item-2",
                   "what-went-wrong-item-3", "lessons-learned-item-1"]


def test_a_lesson_links_to_the_bullet_it_was_read_from(loaded: TestClient):
    lesson_id = first_id(loaded, "/api/search", q="rehearse the cutover twice", kind="lesson")
    lesson = loaded.get(f"/api/lessons/{lesson_id}").json()
    assert re.fullmatch(r"lessons-learned-item-\d+", lesson["source_anchor"])
    page = lxml_html.fromstring(loaded.get(f"/documents/{lesson['document_id']}").text)
    bullet = page.get_element_by_id(lesson["source_anchor"])
    assert bullet.tag == "li" and "Rehearse the cutover twice" in bullet.text_content()


# --- citation labels ------------------------------------------------------------------------

def test_citation_label_names_document_and_section_once():
    report = Source(document_id=1, document="FIN-ERP-2021_closure-report.md", kind="closure report",
                    location="What went wrong", anchor="what-went-wrong-item-2", project_code="FIN-ERP-2021")
    assert citation_label(report) == "FIN-ERP-2021 closure report · What went wrong, point 2"
    log = Source(document_id=2, document="pmo-lessons-log.csv", kind="lessons register", location="row 12",
                 anchor="row-12", project_code="GRP-ERP-2018")
    assert citation_label(log) == "pmo-lessons-log · row 12"  # a register is named by its file, not a project
    old = report.model_copy(update={"anchor": "what-went-wrong"})  # stored before bullets had anchors
    assert citation_label(old) == "FIN-ERP-2021 closure report · What went wrong"


def test_summary_citations_read_document_and_section(loaded: TestClient):
    # A question the fixtures answer: an unanswered one has no summary citations to read.
    summary = loaded.get("/api/search", params={"q": "vendor adapter delivery late"}).json()["summary"]
    citations = [c for p in summary["top_causes"] + summary["representative"] for c in p["citations"]]
    assert citations
    for c in citations:
        code = c["source"]["project_code"]
        assert c["label"] and (code is None or c["label"].count(code) <= 1), c["label"]
        assert c["source"]["location"] in c["label"]
    html = loaded.get("/search", params={"q": "vendor adapter delivery late"}).text
    cites = [a.text_content().strip() for a in lxml_html.fromstring(html).find_class("cite")]
    assert cites and all(" · " in text for text in cites), cites


# --- a corrected tag replaces the old one ---------------------------------------------------

def tag_list(html: str, lesson_id: int) -> list[str]:
    editor = lxml_html.fromstring(html).get_element_by_id(f"lesson-tags-{lesson_id}")
    return [li.text_content() for li in editor.find_class("tags")[0].iter("li")]


def test_correcting_a_phase_leaves_no_trace_of_the_old_one(fresh: TestClient):
    lesson_id = first_id(fresh, "/api/search", q="rehearse the cutover twice", kind="lesson")
    before = fresh.get(f"/api/lessons/{lesson_id}").json()
    old = before["phase"]
    assert old and old in before["tags"], before  # ingestion puts the phase in the tags too
    new = "initiation" if old != "initiation" else "closure"
    # What the editor posts when only the Phase select changes: the free-tags box as it was shown.
    form = {"polarity": before["polarity"], "category": before["category"] or "", "phase": new,
            "tags": ", ".join(before["tags"])}
    assert fresh.post(f"/lessons/{lesson_id}/tags", data=form).status_code == 200
    after = fresh.get(f"/api/lessons/{lesson_id}").json()
    assert after["phase"] == new and old not in after["tags"] and new in after["tags"]
    page = fresh.get(f"/lessons/{lesson_id}").text
    assert old not in tag_list(page, lesson_id)
    free_tags = lxml_html.fromstring(page).get_element_by_id(f"tags-{lesson_id}").get("value")
    assert old not in [t.strip() for t in free_tags.split(",")]
    hit = next(h for h in fresh.get("/api/search", params={"q": "rehearse the cutover twice"}).json()["results"]
               if h["id"] == lesson_id and h["kind"] == "lesson")
    assert old not in hit["tags"]


def test_clearing_a_category_through_the_api_drops_it_from_the_tags(fresh: TestClient):
    lesson_id = first_id(fresh, "/api/search", q="rehearse the cutover twice", kind="lesson")
    before = fresh.get(f"/api/lessons/{lesson_id}").json()
    assert before["category"] in before["tags"]
    after = fresh.patch(f"/api/lessons/{lesson_id}", json={"category": None}).json()
    assert after["category"] is None and before["category"] not in after["tags"]
    assert [t for t in before["tags"] if t != before["category"]] == after["tags"]  # the rest kept, in order


# --- plain words for leadership ---------------------------------------------------------------

def test_metrics_speak_plainly_with_the_formula_one_click_away(loaded: TestClient):
    page = lxml_html.fromstring(loaded.get("/metrics").text)
    card = page.get_element_by_id("metric-on_time_rate")
    plain = card.find_class("plain")[0].text_content()
    assert "planned end date" in plain and "actual_end" not in plain
    how = card.find(".//details")
    assert how is not None and how.get("open") is None
    assert how.find("summary").text_content().strip() == "How this is computed"
    assert "actual_end ≤ planned_end" in how.text_content()
    # No formula shows outside a closed "How this is computed", on any card or in the foreseeable note.
    for details in page.iter("details"):
        details.drop_tree()
    visible = page.get_element_by_id("metrics-body").text_content()
    for jargon in ("actual_end", "planned_budget", "embedding", "cosine", "÷"):
        assert jargon not in visible, jargon


def test_the_document_page_title_is_only_the_title(loaded: TestClient):
    doc_id = first_id(loaded, "/api/documents")
    title = lxml_html.fromstring(loaded.get(f"/documents/{doc_id}").text).find(".//title").text_content()
    assert "<" not in title and "Versions" not in title and title.endswith("· Lessons KB")
