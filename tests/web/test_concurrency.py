"""Many more concurrent requests than the database pool holds, on every kind of
page, right after a commit made the search index stale: none may fail or hang.

Issue 9 measured a lock-order deadlock under load: routes held a pooled
connection while waiting for the search engine's lock, and the thread holding
the lock waited for a connection from the drained pool. A pool of 2 + 1 and 60
threads make that certain, so this test failed on that code (pool timeouts,
500s) and passes only when no request waits for a lock while holding a
connection, nor holds two connections at once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi.testclient import TestClient
from tests.accounts import as_admin
from sqlalchemy import event
from sqlmodel import create_engine

from kb.db import _sqlite_pragmas
from kb.models import LessonUpdate
from kb.settings import Settings
from tests.conftest import HashingEmbedder
from tests.web.conftest import as_browser, load_fixtures

THREADS = 60
POOL_TIMEOUT = 5  # seconds: a request that waits longer for a connection fails, so a deadlock shows as errors
DEADLINE = 120    # seconds for the whole burst on a busy 2-core machine


def small_pool_client(data_dir: Path) -> tuple[TestClient, object]:
    from kb.store import KnowledgeBase
    from web.app import create_app

    settings = Settings(data_dir=data_dir, database_url="", chroma_url="", _env_file=None)
    kb = KnowledgeBase.open(settings, embedder=HashingEmbedder())
    kb.engine.dispose()
    kb.engine = create_engine(settings.sqlalchemy_url, pool_size=2, max_overflow=1, pool_timeout=POOL_TIMEOUT,
                              connect_args={"check_same_thread": False, "timeout": 30})
    event.listen(kb.engine, "connect", _sqlite_pragmas)
    return as_browser(as_admin(TestClient(create_app(settings, kb=kb), raise_server_exceptions=False))), kb


def first_id(client: TestClient, path: str) -> int:
    return client.get(path, params={"limit": 1}).json()["items"][0]["id"]


def test_a_burst_larger_than_the_pool_on_every_page_succeeds(tmp_path: Path) -> None:
    client, kb = small_pool_client(tmp_path / "data")
    with client:
        load_fixtures(client)
        hit = client.get("/api/search", params={"limit": 50}).json()["hits"]  # every item, lessons and risks
        lesson = next(h["id"] for h in hit if h["kind"] == "lesson")
        risk = next(h["id"] for h in hit if h["kind"] == "risk")
        project, document = first_id(client, "/api/projects"), first_id(client, "/api/documents")
        pages = [
            "/search?q=testing", "/search?q=vendor+delays", "/", f"/projects/{project}", f"/lessons/{lesson}",
            f"/risks/{risk}", f"/documents/{document}", "/metrics", "/themes", "/projects", "/documents",
            f"/api/lessons/{lesson}/similar", "/api/facets",
        ]
        urls = [pages[i % len(pages)] if i % 3 else f"/api/search?q=new+question+{i}+about+scope"
                for i in range(THREADS * 3)]
        kb.update_lesson(lesson, LessonUpdate(tags=["burst"]))  # the index is now stale: every request may rebuild

        start = time.monotonic()
        with ThreadPoolExecutor(THREADS) as pool:
            statuses = list(pool.map(lambda url: (url, client.get(url).status_code), urls))
        took = time.monotonic() - start

    failed = [(url, status) for url, status in statuses if status != 200]
    assert not failed, failed[:10]
    assert took < DEADLINE, f"{len(urls)} requests took {took:.0f} s"
