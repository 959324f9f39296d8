"""Search knows when it does not know: calibrated confidence per hit, `answered`
per search, a plain "nothing answers this" summary and the knowledge-gap metric
that follows it (real model over the fixture corpus)."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient
from tests.accounts import as_admin

from kb.metrics import GAP_SCORE_THRESHOLD, compute_metrics
from search import SearchRequest
from search.confidence import STRONG, probability
from search.summary import NOT_ANSWERED

LUNAR = "how do we handle lunar dust"
ERP = "what went wrong on past ERP migrations"


def search(engine, q: str, **kw):
    return engine.search(SearchRequest(q=q, **kw), log=False)


def test_a_question_nothing_answers_says_so(engine):
    resp = search(engine, LUNAR)
    assert resp.answered is False and resp.summary.answered is False
    assert resp.summary.headline == NOT_ANSWERED
    assert resp.summary.suggestions and any("fewer words" in s or "other words" in s for s in resp.summary.suggestions)
    assert resp.strong == 0 and (resp.best_confidence or 0.0) < STRONG
    assert all(not h.strong and h.confidence < STRONG for h in resp.hits)


def test_a_question_the_corpus_answers_is_answered(engine):
    resp = search(engine, ERP)
    assert resp.answered is True and resp.summary.answered is True
    assert resp.hits[0].strong and resp.hits[0].confidence >= STRONG
    assert "match closely" in resp.summary.headline


def test_confidence_is_a_probability_and_follows_relevance(engine):
    resp = search(engine, "users were trained too late", limit=20)
    assert all(0.0 <= h.confidence <= 1.0 for h in resp.hits)
    by_title = {h.title: h.confidence for h in resp.hits}
    relevant = by_title["Sales users were trained too late to adopt the CRM"]
    unrelated = by_title.get("Furniture supplier delivered the wrong desks", 0.0)
    assert relevant > unrelated
    other = search(engine, "the telecom carrier delivered circuits late").hits[0]
    assert other.title == "The telecom carrier delivered circuits months late"
    lunar_best = search(engine, LUNAR).best_confidence or 0.0
    assert other.confidence > lunar_best and relevant > lunar_best


def test_the_model_rises_with_each_signal():
    cos, cover = np.array([0.1, 0.4, 0.7]), np.array([0.0, 0.5, 1.0])
    assert np.all(np.diff(probability(cos, np.full(3, 0.5))) > 0)
    assert np.all(np.diff(probability(np.full(3, 0.5), cover)) > 0)


def test_a_single_word_counts_only_the_close_matches(engine):
    resp = search(engine, "testing")
    s = resp.summary
    everything = search(engine, "").total
    # the word's category only ranks, but it is the question's topic: what has the word or the tag matches, not
    # every item of the corpus as before
    assert 0 < resp.total < everything
    assert resp.strong <= s.lessons + s.risks <= resp.strong + 1  # the corpus has one near-duplicate pair
    assert 0 < resp.strong <= resp.total
    if resp.answered:
        assert "match closely" in s.headline


def test_the_words_of_a_topic_read_from_the_question_count_where_a_result_has_them(engine):
    """"super users" reads as the training category, which ranks rather than filters: a lesson about
    super users answers the question as much as its words say, and is not a weak match because
    it lacks the question's other word."""
    resp = search(engine, "super users and champions")
    assert any(d.facet == "category" and d.value == "training" and not d.applied for d in resp.detected)
    hit = next(h for h in resp.hits if h.title.startswith("A network of super users"))
    assert hit.strong and hit.confidence >= STRONG
    assert resp.hits[0].title == hit.title
    other = search(engine, "super users and champions", detect_facets=False).hits
    assert other[0].title == hit.title  # the same lesson first with facets off: only the confidence changed


def test_browsing_without_words_is_answered(engine):
    resp = search(engine, "")
    assert resp.answered and resp.best_confidence is None
    assert resp.summary.headline.startswith("The knowledge base holds")


def test_the_gap_metric_follows_answered(fresh_engine):
    assert GAP_SCORE_THRESHOLD == STRONG  # one bar for "answered" and for "knowledge gap"
    fresh_engine.search(SearchRequest(q=LUNAR))
    fresh_engine.search(SearchRequest(q=ERP))
    assert fresh_engine.flush_log()  # the log is written behind the searches
    with fresh_engine.kb.session() as session:
        report = compute_metrics(session)
    gaps = [g["query"] for g in report.gaps]
    assert LUNAR in gaps and ERP not in gaps
    assert report.value("knowledge_gap_rate") == 50.0


def test_api_search_says_whether_it_answered(corpus_kb):
    from web.app import create_app

    with as_admin(TestClient(create_app(corpus_kb.settings, kb=corpus_kb))) as client:
        lunar = client.get("/api/search", params={"q": LUNAR}).json()
        erp = client.get("/api/search", params={"q": ERP}).json()
    assert lunar["answered"] is False and erp["answered"] is True
    assert all(0 <= h["confidence"] <= 1 for h in lunar["hits"] + erp["hits"])
    assert erp["hits"][0]["confidence"] >= STRONG > max([h["confidence"] for h in lunar["hits"]], default=0.0)


def test_a_question_with_no_word_to_search_is_not_answered(engine):
    for question in ("the", "?", "what is it"):
        resp = search(engine, question)
        assert not resp.answered and resp.strong == 0 and resp.total == 0 and not resp.hits, question
        assert resp.summary.headline == "This question has no words to search for."
        assert not resp.summary.searchable and "cutover rehearsal" in resp.summary.suggestions[0]
    # With a filter it is browsing what the filter holds.
    assert search(engine, "the", filters={"kind": ["risk"]}).answered


def test_a_question_with_no_word_to_search_is_not_logged_as_a_knowledge_gap(fresh_engine):
    from sqlmodel import func, select

    from kb.models import SearchLog

    fresh_engine.search(SearchRequest(q="the"))
    fresh_engine.search(SearchRequest(q=LUNAR))
    assert fresh_engine.flush_log()
    with fresh_engine.kb.session() as session:
        assert session.exec(select(SearchLog.query)).all() == [LUNAR]
        assert session.exec(select(func.count()).select_from(SearchLog)).one() == 1
