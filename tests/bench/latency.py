"""Warm search latency at one scale, in its own process so its peak RSS is
the serving process's alone. Prints one JSON object.

    python -m tests.bench.latency --n 100000 --vectors nasa.npz
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

QUERY_FILTER = {"polarity": "went wrong"}


def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(np.array(values), p)) if values else float("nan")


def api_client(settings, kb):
    """The web app's JSON API if it is importable, else a minimal FastAPI app over the same engine."""
    from fastapi.testclient import TestClient
    from tests.accounts import as_admin

    try:
        from web.app import create_app

        client = as_admin(TestClient(create_app(settings)))
        got = client.get("/api/search", params={"q": "test", **QUERY_FILTER})
        if got.status_code == 200:
            return client, "web.app.create_app GET /api/search"
    except Exception:  # the web package is built in parallel; fall back honestly
        pass
    return TestClient(minimal_app(kb)), "bench's minimal FastAPI app GET /api/search"


def minimal_app(kb):
    from fastapi import FastAPI

    from search import SearchEngine, SearchRequest

    app = FastAPI()
    engine = SearchEngine(kb)

    @app.get("/api/search")
    def api_search(q: str = "", polarity: str | None = None, limit: int = 10):
        filters = {"polarity": [polarity]} if polarity else {}
        return engine.search(SearchRequest(q=q, filters=filters, limit=limit)).model_dump()

    return app


def run(n: int, vectors_path: Path, queries: list[str]) -> dict:
    from kb.settings import Settings
    from kb.store import KnowledgeBase
    from tests.bench.corpora import build_synthetic

    data = np.load(vectors_path, allow_pickle=True)
    texts, titles, vectors = list(data["texts"]), list(data["titles"]), data["vectors"]
    tmp = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    settings = Settings(data_dir=tmp / "data", _env_file=None)
    kb = KnowledgeBase.open(settings)
    t0 = time.perf_counter()
    build_synthetic(kb, texts, titles, vectors, n)
    build_s = time.perf_counter() - t0
    client, via = api_client(settings, kb)
    t0 = time.perf_counter()
    client.get("/api/search", params={"q": "warm up", **QUERY_FILTER})
    load_s = time.perf_counter() - t0
    cold, warm = [], []
    for sample in (cold, warm, warm):  # first pass encodes each query, later ones hit the cache
        for q in queries:
            t = time.perf_counter()
            resp = client.get("/api/search", params={"q": q, **QUERY_FILTER})
            sample.append((time.perf_counter() - t) * 1000)
            assert resp.status_code == 200, resp.text[:200]
    encode = []
    for q in queries:
        t = time.perf_counter()
        kb.embedder.embed_query(q + " encode")
        encode.append((time.perf_counter() - t) * 1000)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"n": n, "via": via, "build_s": build_s, "index_load_s": load_s,
            "warm_p50": percentile(warm, 50), "warm_p95": percentile(warm, 95),
            "cold_p50": percentile(cold, 50), "cold_p95": percentile(cold, 95),
            "encode_p50": percentile(encode, 50), "peak_rss_mb": rss_mb}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--vectors", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    args = parser.parse_args()
    queries = json.loads(args.queries.read_text())
    print("RESULT " + json.dumps(run(args.n, args.vectors, queries)))


if __name__ == "__main__":
    main()
