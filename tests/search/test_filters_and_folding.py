"""Filters mean what they say, and one failure recorded twice is one hit.

Real model throughout: folding is about meaning, and so is which hint ranks what."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from tests.accounts import as_admin

from kb.drafts import ParsedDocument
from kb.models import DocumentCreate
from kb.store import KnowledgeBase
from search import ranking
from search.models import SearchRequest
from tests.backends import isolated_settings, on_servers
from tests.search.corpus import PROJECTS, lesson, load_corpus

# FIN-ERP-2021's retrospective tells the UAT failure of its closure report in its own words:
# close in meaning (cosine ~0.70), but below the bar for two projects learning the same lesson.
RETRO_UAT = lesson("We were told to test smarter", "went wrong", "testing",
                   "Six weeks of UAT became two after the build slipped, and month-end close was never tried.",
                   location="Didn't go well")
RETRO_WELL = lesson("Twelve super users answered most questions during hypercare", "went well", "training",
                    "Finance teams asked their super user first, which kept the service desk quiet.",
                    location="Went well")


def retrospective() -> ParsedDocument:
    project = next(p for p in PROJECTS if p.code == "FIN-ERP-2021")
    lessons = [RETRO_UAT, RETRO_WELL]
    doc = DocumentCreate(kind="retrospective", source_name="FIN-ERP-2021_retrospective.md", sha256="",
                         title="Finance ERP replacement: retrospective",
                         content="# Retrospective\n" + "\n".join(f"- {l.title}" for l in lessons))
    return ParsedDocument(document=doc, project_code="FIN-ERP-2021", projects=[project], lessons=lessons)


@pytest.fixture(scope="module")
def folding_kb(request, tmp_path_factory, embedder):
    data = tmp_path_factory.mktemp("folding") / "data"
    with isolated_settings(data, servers=on_servers(request.node)) as settings:
        kb = KnowledgeBase.open(settings, embedder=embedder)
        load_corpus(kb)
        parsed = retrospective()
        kb.save_document(parsed, parsed.document.content.encode())
        yield settings, kb


@pytest.fixture(scope="module")
def engine(folding_kb):
    from search import SearchEngine

    return SearchEngine(folding_kb[1])


@pytest.fixture(scope="module")
def web(folding_kb, engine):
    from web.app import create_app

    settings, kb = folding_kb
    with as_admin(TestClient(create_app(settings, kb=kb, engine=engine))) as client:
        yield client


def page(web: TestClient, **params) -> str:
    response = web.get("/search", params=params)
    assert response.status_code == 200
    return response.text


def checkbox(html: str, facet: str, value: str) -> str:
    fid = f"f-{facet}-" + re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    return re.search(rf'<input type="checkbox" id="{fid}"[^>]*>', html).group(0)


# --- filters and hints ----------------------------------------------------------------


def test_a_detected_category_is_a_ranking_hint_not_a_filter(engine, web):
    q = "what went wrong with vendors"
    resp = engine.search(SearchRequest(q=q), log=False)
    vendor = next(d for d in resp.detected if d.facet == "category")
    assert vendor.value == "vendor and procurement" and not vendor.applied
    assert "category" not in resp.applied_filters
    # a hint only ranks: a lesson of another category that names suppliers stays
    suppliers = engine.search(SearchRequest(q="what went wrong with suppliers"), log=False)
    assert "category" not in suppliers.applied_filters
    assert {h.category for h in suppliers.hits} - {"vendor and procurement"}

    html = page(web, q=q)
    filtered, hinted = html.split('id="chips-hints"', 1)
    assert "Ranked higher, not filtered" in hinted and "vendor and procurement" in hinted
    assert "vendor and procurement" not in filtered.split('id="chips-filters"', 1)[1]
    assert 'checked' not in checkbox(html, "category", "vendor and procurement")
    # The hint offers to become a filter, and then it is one.
    href = re.search(r'<a class="chip-action" href="([^"]+)"[^>]*>filter to it instead</a>', hinted).group(1)
    filtered_html = web.get(href.replace("&amp;", "&")).text
    assert "checked" in checkbox(filtered_html, "category", "vendor and procurement")
    assert "Remove filter Category: vendor and procurement" in filtered_html


def test_the_sidebar_ticks_a_detected_polarity_and_unticking_removes_it(web):
    html = page(web, q="what went wrong on ERP migrations")
    assert "checked" in checkbox(html, "polarity", "went wrong")
    assert "checked" in checkbox(html, "project_type", "ERP migration")
    assert "Filtered to:" in html and "Remove filter Polarity: went wrong (read from your question)" in html
    # The form sends the box unticked: the detected filter is dropped, the other stays.
    after = web.get("/search", params=[("q", "what went wrong on ERP migrations"),
                                       ("offered", "polarity:went wrong"), ("offered", "project_type:ERP migration"),
                                       ("detected", "project_type:ERP migration")]).text
    assert "checked" not in checkbox(after, "polarity", "went wrong")
    assert "checked" in checkbox(after, "project_type", "ERP migration")
    assert re.search(r"Polarity</legend>.*?went well", after, flags=re.S), "went-well lessons are back"


def test_since_2022_fills_the_year_from_box_and_no_placeholder_looks_like_a_value(web):
    html = page(web, q="risks that materialised since 2022")
    year_from = re.search(r'<input id="year_from"[^>]*>', html).group(0)
    year_to = re.search(r'<input id="year_to"[^>]*>', html).group(0)
    assert 'value="2022"' in year_from and 'value=""' in year_to
    assert "placeholder" not in year_from + year_to
    # Emptying the box drops the detected year; typing another replaces it.
    base = [("q", "risks that materialised since 2022"), ("offered", "year_from:2022")]
    cleared = web.get("/search", params=base + [("year_from", "")]).text
    assert 'value=""' in re.search(r'<input id="year_from"[^>]*>', cleared).group(0)
    assert 'name="ignored" value="year_from:2022"' in cleared
    typed = web.get("/search", params=base + [("year_from", "2023")]).text
    assert 'value="2023"' in re.search(r'<input id="year_from"[^>]*>', typed).group(0)


# --- near-duplicates ------------------------------------------------------------------


def test_one_projects_failure_in_closure_report_and_retrospective_is_one_hit_with_two_sources(engine):
    resp = engine.search(SearchRequest(q="UAT squeezed and month-end close never tested", limit=20), log=False)
    titles = {"User acceptance testing was squeezed into two weeks", RETRO_UAT.title}
    uat = [h for h in resp.hits if h.title in titles]
    assert len(uat) == 1, [h.title for h in resp.hits]
    hit = uat[0]
    assert hit.project_count == 1
    assert {s.kind for s in hit.seen_in} == {"closure report", "retrospective"}
    assert {s.project_code for s in hit.seen_in} == {"FIN-ERP-2021"}


def test_folding_within_a_project_is_what_joins_them(engine):
    """The pair is below the bar for two projects; only being one project's documents folds it."""
    snap = engine.snapshot()
    closure = next(h for h in engine.search(SearchRequest(q="User acceptance testing was squeezed"), log=False).hits
                   if h.source.kind == "closure report")
    retro = next(s for s in closure.seen_in if s.kind == "retrospective")
    a, b = snap.row("lesson", closure.id), snap.row("lesson", retro.item_id)
    cosine = float(snap.dense[a] @ snap.dense[b])
    assert ranking.SAME_PROJECT_COSINE <= cosine < ranking.SAME_LESSON_COSINE


def test_two_projects_recording_one_lesson_read_seen_in_2_projects(engine, web):
    q = "legacy data quality problems delayed the data migration"
    hit = next(h for h in engine.search(SearchRequest(q=q), log=False).hits
               if h.title.startswith("Data migration was underestimated"))
    assert hit.project_count == 2
    assert "Seen in 2 projects" in page(web, q=q)


def test_the_seen_in_partial_names_documents_of_one_project_or_the_projects(engine):
    from web.templating import env

    template = env.get_template("_seen_in.html")
    one = next(h for h in engine.search(SearchRequest(q="UAT squeezed and month-end close never tested"),
                                        log=False).hits if h.project_count == 1 and len(h.seen_in) == 2)
    assert "Recorded in 2 documents of FIN-ERP-2021" in template.render(hit=one)
    two = next(h for h in engine.search(SearchRequest(q="legacy data quality problems delayed the data migration"),
                                        log=False).hits if h.project_count == 2)
    html = template.render(hit=two)
    assert "Seen in 2 projects" in html and "FIN-ERP-2021" in html and "OPS-ERP-2023" in html


def test_the_item_page_says_where_one_project_recorded_it(engine, web):
    hit = next(h for h in engine.search(SearchRequest(q="UAT squeezed and month-end close never tested"),
                                        log=False).hits if h.project_count == 1 and len(h.seen_in) == 2)
    html = web.get(f"/lessons/{hit.id}").text
    assert "Recorded in 2 documents of FIN-ERP-2021" in html
    assert "FIN-ERP-2021_retrospective.md" in html


@pytest.mark.parametrize("question", ["materialised risks since 2022", "mistakes made on failed projects",
                                      "what worked well on office moves", "what problems did we have"])
def test_words_that_only_frame_a_facet_question_do_not_narrow_it(question):
    from search.engine import FACET_WORD_WEIGHT, query_weights
    from search.facets import detect

    # A word left at full weight must be in a result: "risks" outside the span "materialised" kept only
    # the risks that say "risk", and "well" outside "what worked" the lessons that say "well".
    weights = query_weights(question, detect(question, today=date(2026, 11, 30)))
    assert set(weights.values()) == {FACET_WORD_WEIGHT}, weights


def test_failed_names_a_projects_outcome_only_when_it_qualifies_projects():
    from search.facets import detect

    def facets(question):
        return {(f.facet, f.value) for f in detect(question, today=date(2026, 11, 30)).facets}

    assert ("outcome", "failed") in facets("failed ERP migrations")
    assert ("outcome", "failed") in facets("lessons from failed retail projects")
    assert ("outcome", "successful") in facets("successful cloud migrations")
    assert ("outcome", "failed") not in facets("failed data migrations")  # a lesson's subject, not projects
    assert ("outcome", "successful") not in facets("successful data migrations")
    assert {("outcome", "failed"), ("outcome", "challenged")} <= facets("failed and challenged projects")
    assert {("polarity", "went wrong")} == {f for f in facets("why didn't the network upgrade go well")
                                            if f[0] == "polarity"}  # was read as went well


def test_a_question_of_facets_only_gets_every_row_they_select(engine):
    asked = engine.search(SearchRequest(q="materialised risks since 2022"), log=False)
    chosen = engine.search(SearchRequest(filters={"kind": ["risk"], "status": ["materialised"]}, year_from=2022),
                           log=False)
    assert asked.answered and asked.total == chosen.total > 0
    assert {h.id for h in asked.hits} == {h.id for h in chosen.hits}


@pytest.mark.parametrize("question, facet, value", [
    ("went well but not on ERP projects", "project_type", "ERP migration"),
    ("non-ERP projects that went wrong", "project_type", "ERP migration"),
    ("lessons not about vendors", "category", "vendor and procurement"),
    ("non ERP projects", "project_type", "ERP migration"),
    ("risks other than on ERP projects", "project_type", "ERP migration"),
    ("non-materialised risks", "status", "materialised"),
    ("除了ERP项目以外的风险", "project_type", "ERP migration"),
])
def test_a_facet_the_question_negates_is_left_out_not_filtered_to(question, facet, value):
    from search.facets import detect

    found = {(f.facet, f.value): f.excluded for f in detect(question, today=date(2026, 11, 30)).facets}
    assert found[(facet, value)] is True, found


@pytest.mark.parametrize("question", ["risks we did not manage on ERP projects", "what didn't go well",
                                      "what went wrong on ERP migrations", "why didn't ERP projects finish on time",
                                      "why didn't the vendor deliver on time", "why wasn't the sponsor engaged",
                                      "projects with no sponsor", "delivered without testing",
                                      "why were users not in UAT early enough", "是不是CRM项目的供应商出了问题"])
def test_a_negated_verb_leaves_the_questions_facets_as_they_are(question):
    """'why didn't the vendor deliver on time' left out the vendor lessons it asks about (the regression probe)."""
    from search.facets import detect

    found = detect(question, today=date(2026, 11, 30)).facets
    assert found and not any(f.excluded for f in found)
    assert len({f.value for f in found if f.facet == "polarity"}) <= 1  # "go well" in "didn't go well" is no second


def test_non_is_no_word_to_search_for_and_kinds_are_never_left_out():
    from search.engine import query_weights
    from search.facets import detect

    question = "what went wrong on non-ERP projects"
    assert "non" not in query_weights(question, detect(question, today=date(2026, 11, 30)))
    found = {(f.facet, f.value): f.excluded for f in detect("non-materialised risks").facets}
    assert found == {("kind", "risk"): False, ("status", "materialised"): True}


def test_results_of_a_left_out_facet_are_not_shown_and_its_words_not_searched(engine):
    """'went well but not on ERP projects' filtered to ERP migration: the opposite of what was asked."""
    asked = engine.search(SearchRequest(q="what went well but not on ERP migrations", limit=50), log=False)
    assert asked.excluded_filters == {"project_type": ["ERP migration"]}
    assert "project_type" not in asked.applied_filters and asked.applied_filters == {"polarity": ["went well"]}
    assert asked.total > 0 and all(h.project.project_type != "ERP migration" for h in asked.hits)
    everyone = engine.search(SearchRequest(q="what went well", limit=50), log=False)
    erp = sum(1 for h in everyone.hits if h.project.project_type == "ERP migration")
    assert erp and asked.total == everyone.total - erp


@pytest.mark.parametrize("question, left_out", [
    ("what went wrong on projects other than ERP and CRM", {"ERP migration", "CRM rollout"}),
    ("除了ERP和CRM项目以外的风险", {"ERP migration", "CRM rollout"}),
])
def test_a_negation_covers_every_facet_listed_after_it(question, left_out):
    """'other than ERP and CRM' left out ERP and filtered *to* CRM: 38 CRM results, the opposite of what was asked."""
    from search.facets import detect

    found = detect(question, today=date(2026, 11, 30)).facets
    assert {f.value for f in found if f.facet == "project_type" and f.excluded} == left_out
    assert not any(f.facet == "project_type" and not f.excluded for f in found)


@pytest.mark.parametrize("question, facet", [
    ("which projects failed", ("outcome", "failed")),
    ("were any projects cancelled", ("outcome", "failed")),
    ("why did projects fail", ("outcome", "failed")),
    ("why did the data migration fail", ("polarity", "went wrong")),
])
def test_a_verb_of_failure_names_the_outcome_or_what_went_wrong(question, facet):
    """'which projects failed' listed challenged projects too; 'were any projects cancelled' was not answered."""
    from search.facets import detect

    assert facet in {(f.facet, f.value) for f in detect(question, today=date(2026, 11, 30)).facets}


@pytest.mark.parametrize("question, years", [
    ("what went wrong last year", (2025, 2025)), ("lessons from this year", (2026, 2026)),
    ("risks of the past two years", (2025, None)), ("in the last 3 years", (2024, None)), ("去年的风险", (2025, 2025)),
])
def test_years_said_in_words_filter_by_year(question, years):
    """'last year' was ignored without a note, and 'the last 3 years' in 2026 began in 2023: four years."""
    from search.facets import detect

    found = detect(question, today=date(2026, 11, 30))
    assert (found.year_from, found.year_to) == years



def test_an_industry_named_before_lessons_or_risks_filters_to_it():
    """'manufacturing lessons' read no industry ('in manufacturing' did) and answered from one BI lesson."""
    from search.facets import detect, value_rules

    rules = value_rules("industry", ["Manufacturing"])
    for question in ("manufacturing lessons", "manufacturing risks", "lessons in manufacturing"):
        assert ("industry", "Manufacturing") in {(f.facet, f.value) for f in detect(question, rules).facets}
    assert not [f for f in detect("manufacturing execution system", rules).facets if f.facet == "industry"]


@pytest.mark.parametrize("question, facet", [
    ("projects which failed testing", ("outcome", "failed")),  # failed a test: not failed projects
    ("projects that failed the audit", ("outcome", "failed")),
    ("root causes of the successful go-live", ("polarity", "went wrong")),
    ("did the benefits materialise", ("status", "materialised")),
    ("risks that could materialise on ERP", ("status", "materialised")),
    ("land acquisitions", ("project_type", "M&A integration")),
    ("last year of the programme", ("year_from", "2025")),
    ("root causes of goods receipt errors", ("outcome", "successful")),
    ("why did we not migrate to the cloud", ("project_type", "cloud migration", True)),
])
def test_words_near_a_facet_that_do_not_name_it(question, facet):
    """Found by the regression probe: each of these read a facet it does not name."""
    from search.facets import detect

    found = detect(question, today=date(2026, 11, 30)).facets
    assert facet not in {(f.facet, f.value) for f in found} | {(f.facet, f.value, f.excluded) for f in found}


def test_a_negation_stops_at_a_new_clause_and_why_did_x_fail_keeps_x_as_the_topic():
    """'lessons not from ERP projects, and CRM lessons' left out CRM too; 'why did the cutover fail' took 'the
    cutover' into the went-wrong phrase, so every lesson that went wrong matched."""
    from search.engine import FACET_WORD_WEIGHT, query_weights
    from search.facets import detect

    merged = detect("lessons from mergers and acquisitions").facets  # one phrase: no word left to match
    assert [(f.value, f.phrase) for f in merged] == [("M&A integration", "mergers and acquisitions")]
    found = detect("lessons not from ERP projects, and CRM lessons", today=date(2026, 11, 30)).facets
    assert {(f.value, f.excluded) for f in found if f.facet == "project_type"} == {("ERP migration", True),
                                                                                   ("CRM rollout", False)}
    question = "why did the cutover fail"
    weights = query_weights(question, detect(question, today=date(2026, 11, 30)))
    assert weights["cutover"] == 1.0 and weights["fail"] == FACET_WORD_WEIGHT


def test_a_chinese_negation_elsewhere_in_the_question_leaves_materialised_risks_as_asked():
    """Any 未 before 已发生 ('ERP项目未按计划上线时已发生的风险') left materialised risks out: the opposite."""
    from search.facets import detect

    found = {(f.facet, f.value): f.excluded for f in detect("ERP项目未按计划上线时已发生的风险").facets}
    assert found[("status", "materialised")] is False
    assert {(f.facet, f.value): f.excluded for f in detect("未发生的风险").facets}[("status", "materialised")] is True
