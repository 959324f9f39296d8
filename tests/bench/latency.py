"""Search latency at one scale, over HTTP and in-process, in its own process so its
peak RSS is the serving process's alone. Prints one JSON object.

    python -m tests.bench.latency --n 100000 --vectors nasa.npz
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

QUERY_FILTER = {"kind": "lesson"}


def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(np.array(values), p)) if values else float("nan")


class HttpServer:
    """`create_app` served by uvicorn on a loopback port in this process (so the peak RSS
    below is the server's), asked over real HTTP: sockets, headers, JSON encoding and all."""

    def __init__(self, settings, kb) -> None:
        import threading

        import requests
        import uvicorn

        from tests.accounts import user_token
        from tests.processes import free_port
        from web.app import SERVER_OPTIONS, create_app

        self.url = f"http://127.0.0.1:{free_port()}"
        port = int(self.url.rsplit(":", 1)[1])
        self.app = create_app(settings)
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning",
                                                    **SERVER_OPTIONS))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {user_token(kb)}"  # a script's API token

    def warm_up(self) -> None:
        """What `kb serve` does at start, before anyone asks: load the models and the index."""
        self.app.state.services.warm_up()

    def search(self, q: str) -> None:
        # Generous: the first request builds the index (minutes at 100k on a busy machine).
        resp = self.http.get(f"{self.url}/api/search", params={"q": q, **QUERY_FILTER}, timeout=600)
        assert resp.status_code == 200, resp.text[:200]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def timed_passes(search, queries: list[str], warm_up) -> tuple[float, list[float], list[float]]:
    """(start-up seconds, new-question ms, repeated-question ms): `warm_up` is what a server does
    at start (loads the index); the first pass then encodes each query, the two after it find the
    vector in the engine's cache."""
    t0 = time.perf_counter()
    warm_up()
    search("warm up")
    load_s = time.perf_counter() - t0
    new, repeated = [], []
    for sample in (new, repeated, repeated):
        for q in queries:
            t = time.perf_counter()
            search(q)
            sample.append((time.perf_counter() - t) * 1000)
    return load_s, new, repeated


def run(n: int, vectors_path: Path, queries: list[str]) -> dict:
    from kb.settings import Settings
    from kb.store import KnowledgeBase
    from search import SearchEngine, SearchRequest
    from tests.bench.corpora import build_synthetic

    data = np.load(vectors_path, allow_pickle=True)
    texts, titles, vectors = list(data["texts"]), list(data["titles"]), data["vectors"]
    tmp = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    settings = Settings(data_dir=tmp / "data", _env_file=None)
    kb = KnowledgeBase.open(settings)
    t0 = time.perf_counter()
    build_synthetic(kb, texts, titles, vectors, n)
    build_s = time.perf_counter() - t0
    server = HttpServer(settings, kb)
    try:
        load_s, http_new, http_repeated = timed_passes(server.search, queries, server.warm_up)
    finally:
        server.stop()
    engine = SearchEngine(kb)  # a cache of its own: every question is new to it again
    filters = {k: [v] for k, v in QUERY_FILTER.items()}
    _, inproc_new, inproc_repeated = timed_passes(lambda q: engine.search(SearchRequest(q=q, filters=filters)), queries,
                                                  engine.warm)
    encode = []
    one = getattr(kb.embedder, "embed_questions", None) or (lambda texts: [kb.embedder.embed_query(texts[0])])
    for q in queries:
        t = time.perf_counter()
        one([q + " encode"])  # as a search encodes its question (on an idle machine, with a second thread)
        encode.append((time.perf_counter() - t) * 1000)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"n": n, "via": "kb's app over HTTP (uvicorn, loopback) GET /api/search", "build_s": build_s,
            "index_load_s": load_s,
            "warm_p50": percentile(http_repeated, 50), "warm_p95": percentile(http_repeated, 95),
            "cold_p50": percentile(http_new, 50), "cold_p95": percentile(http_new, 95),
            "inproc_warm_p50": percentile(inproc_repeated, 50), "inproc_warm_p95": percentile(inproc_repeated, 95),
            "inproc_cold_p50": percentile(inproc_new, 50), "inproc_cold_p95": percentile(inproc_new, 95),
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
