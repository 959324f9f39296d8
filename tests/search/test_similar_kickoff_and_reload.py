"""More like this, similar projects, kickoff packs and index reloads."""

from __future__ import annotations

import pytest
from sqlmodel import select

from kb.errors import NotFound
from kb.models import KickoffPack
from search import ProjectProfile, SearchRequest
from tests.search.corpus import closure_document, lesson

pytestmark = pytest.mark.scaleout  # `make test` runs this module again on PostgreSQL + a Chroma server


def lesson_id(engine, title: str) -> int:
    resp = engine.search(SearchRequest(q=title, limit=3, detect_facets=False), log=False)
    return next(h.id for h in resp.hits if h.title == title)


def test_more_like_this_excludes_the_item_itself(engine):
    item = lesson_id(engine, "Cutover was never rehearsed end to end")
    hits = engine.more_like_this("lesson", item, limit=5)
    assert hits and all(not (h.kind == "lesson" and h.id == item) for h in hits)
    assert any("data" in h.title.lower() or "cutover" in h.snippet.lower() for h in hits[:3])


def test_more_like_this_unknown_item(engine):
    with pytest.raises(NotFound):
        engine.more_like_this("lesson", 999_999)


def test_similar_projects_prefers_same_type(engine):
    matches = engine.similar_projects(ProjectProfile(project_type="ERP", industry="retail",
                                                     description="Replace the finance system with SAP"))
    assert matches[0].project.code == "FIN-ERP-2021"
    assert {m.project.code for m in matches[:2]} == {"FIN-ERP-2021", "OPS-ERP-2023"}
    assert any("same project type" in r for r in matches[0].reasons)


def test_kickoff_pack_groups_by_category_and_is_recorded(engine, corpus_kb):
    profile = ProjectProfile(name="HR ERP", project_type="ERP migration", description="Move payroll to a new ERP")
    pack = engine.kickoff_pack(profile, limit=10)
    categories = [s.category for s in pack.sections]
    assert len(categories) == len(set(categories)) > 1
    for section in pack.sections:
        assert all((i.hit.category or "general") == section.category and i.checklist for i in section.items)
    assert {h.title for h in pack.materialised_risks} >= {"Licence costs rise after the vendor's price change"}
    with corpus_kb.session() as session:
        row = session.get(KickoffPack, pack.pack_id)
    assert row.project_type == "ERP migration"
    assert set(row.lesson_ids) == {i.hit.id for s in pack.sections for i in s.items}
    assert set(row.risk_ids) == {h.id for h in pack.materialised_risks}


def test_index_reloads_after_a_new_document_is_saved(fresh_engine):
    query = SearchRequest(q="badge access to the new building failed on the first day")
    before = fresh_engine.search(query, log=False)
    assert all("badge" not in h.title.lower() for h in before.hits)
    parsed = closure_document("HR-MOVE-2020", [lesson("Badge readers were not configured for move day", "went wrong",
                                                      "technical", "Staff could not enter the new building.")])
    parsed.document.source_name = "HR-MOVE-2020_addendum.md"
    fresh_engine.kb.save_document(parsed, b"addendum")
    after = fresh_engine.search(query, log=False)
    assert after.hits[0].title == "Badge readers were not configured for move day"


def test_a_large_index_is_rebuilt_in_the_background_while_searches_go_on(fresh_engine):
    import time

    query = SearchRequest(q="badge access to the new building failed on the first day")
    fresh_engine.search(query, log=False)
    fresh_engine.sync_rebuild_seconds = 0.0  # as if the index took long to build
    parsed = closure_document("HR-MOVE-2020", [lesson("Badge readers were not configured for move day", "went wrong",
                                                      "technical", "Staff could not enter the new building.")])
    parsed.document.source_name = "HR-MOVE-2020_addendum.md"
    fresh_engine.kb.save_document(parsed, b"addendum")
    stale = fresh_engine.search(query, log=False)  # answered at once from the previous index
    assert all("badge" not in h.title.lower() for h in stale.hits)
    deadline = time.time() + 30
    while time.time() < deadline:
        hits = fresh_engine.search(query, log=False).hits
        if hits and hits[0].title == "Badge readers were not configured for move day":
            break
        time.sleep(0.2)
    else:
        pytest.fail("the rebuilt index never replaced the previous one")
