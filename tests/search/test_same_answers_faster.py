"""Shortcuts taken for speed give the answers the long way gives: a dense product cut in parts,
citations read from the index instead of SQL, the API's response built without validating it twice,
confidence turned into probabilities only for the rows shown, facet filters by table lookup, snippets
weighed by each term's sentences, a small store read whole before the first question. On the demo
store (real model, SQLite, Chroma)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from kb.models import LessonUpdate
from kb.texts import lesson_text, risk_text
from search import SearchEngine, SearchRequest
from search import confidence
from search import engine as engine_module
from search import hits as hits_module
from search.facets import Detection
from search.hits import SNIPPET_CHARS, best_sentences, fetch_rows, source_of, source_of_row
from search.index import FACETS, KINDS, LESSON
from search.text import STOP_WORDS, sentences, stem, words
from web.schemas import SearchResults


@pytest.fixture(scope="module")
def demo_engine(demo_store):
    kb, _ = demo_store
    return SearchEngine(kb)


def test_a_dense_product_cut_in_parts_gives_the_whole_ones_cosines(demo_engine, monkeypatch):
    snap = demo_engine.snapshot()
    query = demo_engine.query_vector("vendor delays on the data migration")
    whole = snap.dense @ query
    monkeypatch.setattr(engine_module, "SPLIT_ROWS", 100)  # the demo's ~900 rows in up to SPLIT_PARTS parts
    monkeypatch.setattr(engine_module, "SPLIT_PARTS", 3)
    parts = demo_engine._cosines(snap.dense, query)
    assert parts.shape == whole.shape and np.allclose(parts, whole, atol=1e-6)  # BLAS blocks sums its own way
    held = [engine_module._SPLIT_FREE.acquire(blocking=False) for _ in range(4)]  # every helper busy elsewhere
    try:
        assert np.allclose(demo_engine._cosines(snap.dense, query), whole, atol=1e-6)
    finally:
        for got in held:
            if got:
                engine_module._SPLIT_FREE.release()


def test_every_rows_citation_from_the_index_is_the_one_sql_gives(demo_engine):
    snap = demo_engine.snapshot()
    rows = list(range(snap.size))
    items = fetch_rows(demo_engine.kb, snap, rows)
    assert len(items) == snap.size
    assert [source_of_row(snap, r) for r in rows] == [source_of(snap, items[r]) for r in rows]
    assert any(source_of_row(snap, r).location for r in rows)


@pytest.mark.parametrize("q", ["what went wrong with data migration", "vendor delays", "ERP迁移项目出过哪些问题",
                               "how do we handle lunar dust"])
def test_the_api_response_is_the_validated_one(demo_engine, q):
    response = demo_engine.search(SearchRequest(q=q), log=False)
    validated = SearchResults(**response.model_dump(), results=response.hits)
    assert SearchResults.of(response).model_dump_json() == validated.model_dump_json()


QUESTIONS = ["what went wrong with data migration", "vendor delays", "ERP迁移项目出过哪些问题", "how do we handle lunar dust",
             "training the users before go-live"]


@pytest.mark.parametrize("q", QUESTIONS)
def test_confidence_and_the_answering_rows_are_those_of_every_rows_probability(demo_engine, q):
    snap = demo_engine.snapshot()
    weights = engine_module.query_weights(q, Detection())
    dense = demo_engine.dense_scores(snap, q)
    allowed = np.ones(snap.size, dtype=bool)
    allowed[::3] = False
    verdict = confidence.judge(snap, dense, weights, allowed)
    every = confidence.probability(*confidence.signals(snap, dense, weights))  # every row's, the long way
    assert np.array_equal(verdict.strong, allowed & (every >= confidence.STRONG))
    assert [verdict.of(r) for r in range(snap.size)] == \
        [(round(float(every[r]), 4), bool(allowed[r] and every[r] >= confidence.STRONG)) for r in range(snap.size)]
    assert verdict.best(allowed) == float(every[allowed].max())


def test_a_facet_filter_by_table_lookup_chooses_the_rows_isin_chooses(demo_engine):
    snap = demo_engine.snapshot()
    for facet in FACETS:
        labels = snap.labels[facet]
        for values in ([labels[0]] if labels else [], labels[:3], [labels[-1].upper()] if labels else [], ["no such value"]):
            codes = [c for c in (snap.code_of(facet, v) for v in values) if c is not None]
            expected = np.isin(snap.codes[facet], codes) if codes else np.zeros(snap.size, dtype=bool)
            assert np.array_equal(engine_module.facet_mask(snap, facet, values), expected), (facet, values)


def _snippet_the_long_way(text: str, title: str, terms: dict[str, float]) -> str:
    parts = tuple(sentences(text))
    body = tuple(s for s in parts if s != title) or parts
    if not body:
        return ""
    scores = [sum(terms.get(stem(w), 0.0) for w in {w for w in words(s) if w not in STOP_WORDS}) for s in body]
    best = max(range(len(body)), key=lambda i: scores[i]) if terms and max(scores) > 0 else 0
    snippet = body[best]
    if len(snippet) < SNIPPET_CHARS // 2 and best + 1 < len(body):
        snippet += " " + body[best + 1]
    return hits_module._clip(snippet)


def test_every_snippet_is_the_sentence_that_weighing_every_word_picks(demo_engine):
    snap = demo_engine.snapshot()
    items = fetch_rows(demo_engine.kb, snap, list(range(snap.size)))
    for q in QUESTIONS + [""]:
        terms = engine_module.query_weights(q, Detection())
        for row, item in items.items():
            text = lesson_text(item) if KINDS[int(snap.kinds[row])] == "lesson" else risk_text(item)
            assert best_sentences(text, item.title, terms) == _snippet_the_long_way(text, item.title, terms), (q, row)


def test_a_small_store_read_whole_answers_a_new_question_without_sql_and_alike(demo_store, monkeypatch):
    kb, _ = demo_store
    cold, warm = SearchEngine(kb), SearchEngine(kb)
    assert warm.warm()
    read = []
    real = hits_module._read_rows
    monkeypatch.setattr(hits_module, "_read_rows",
                        lambda kb, snap, rows: (read.append(len(rows) if snap is warm.snapshot() else 0),
                                                real(kb, snap, rows))[1])
    for q in QUESTIONS:
        answer = warm.search(SearchRequest(q=q), log=False)
        assert sum(read) == 0, "a row of a store read whole was read again"
        expected = cold.search(SearchRequest(q=q), log=False)
        assert answer.model_dump(exclude={"took_ms"}) == expected.model_dump(exclude={"took_ms"})
    monkeypatch.setattr(hits_module, "WARM_ROWS", 10)  # a store too large to keep whole is left to its questions
    assert not SearchEngine(kb).warm()


def test_a_server_engine_keeps_the_store_read_whole_after_a_change(fresh_engine, monkeypatch):
    """Its warm-up reads the store; an edit brings a new index, read again in the background once it
    has stayed current a moment, and the edited lesson's citation shows the edit."""
    monkeypatch.setattr(engine_module, "WARM_AFTER", 0.2)
    assert fresh_engine.warm()
    first = fresh_engine.snapshot()
    lesson_id = int(first.ids[0])
    fresh_engine.kb.update_lesson(lesson_id, LessonUpdate(title="Cutover rehearsal found the gaps"))
    snap = fresh_engine.catch_up()
    assert snap is not first
    deadline = time.monotonic() + 30
    while len(snap.cache.get("rows", {})) < snap.size:
        assert time.monotonic() < deadline, "the new index was never read whole"
        time.sleep(0.05)
    assert snap.cache["rows"][snap.row_of[(LESSON, lesson_id)]].title == "Cutover rehearsal found the gaps"
