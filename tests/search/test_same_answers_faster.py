"""Shortcuts taken for speed at 100k items give the answers the long way gives: a dense product cut
in parts, citations read from the index instead of SQL, the API's response built without validating
it twice. On the demo store (real model, SQLite, Chroma)."""

from __future__ import annotations

import numpy as np
import pytest

from search import SearchEngine, SearchRequest
from search import engine as engine_module
from search.hits import fetch_rows, source_of, source_of_row
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
