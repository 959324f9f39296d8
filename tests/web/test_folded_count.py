"""The results line adds up with the facet counts: near-duplicates folded into a result are counted
beside the results, not silently dropped from the total."""

from __future__ import annotations

from fastapi.testclient import TestClient

from search import SearchEngine, SearchRequest
from tests.accounts import as_admin
from web.app import create_app

QUESTION = "what went wrong on past ERP migrations"


def test_the_results_line_counts_the_near_duplicates_it_folds(demo_store):
    kb, _ = demo_store
    engine = SearchEngine(kb)
    response = engine.search(SearchRequest(q=QUESTION), log=False)
    assert response.folded > 0  # the demo's registers repeat lessons of the closure reports
    assert response.total + response.folded == sum(v.count for v in response.facets["kind"])
    assert response.folded == sum(len(h.seen_in) - 1 for h in engine.search(
        SearchRequest(q=QUESTION, limit=response.total), log=False).hits)

    client = as_admin(TestClient(create_app(kb.settings, kb=kb, engine=engine)))
    html = client.get("/search", params={"q": QUESTION}).text
    assert f"{response.total} results for" in html
    assert f"(and {response.folded} near-duplicates, each cited under the result it repeats)" in html
    chinese = client.get("/search", params={"q": QUESTION}, headers={"Accept-Language": "zh-CN"}).text
    assert f"另有 {response.folded} 条近似重复项" in chinese
