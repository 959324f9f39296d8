"""Searches never wait for a rebuild of the index, nor for the search log's write.

While a writer builds the next snapshot, other threads answer from the previous one at
once; the writer itself sees its write as soon as its build is done, and so does every
search after it. A search does not wait for SQLite's write lock to log itself."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlmodel import select

import search.engine
from kb.models import SearchLog
from search import SearchRequest
from tests.search.corpus import closure_document, lesson

QUERY = SearchRequest(q="badge access to the new building failed on the first day")
BADGE = "Badge readers were not configured for move day"


def badge_document():
    parsed = closure_document("HR-MOVE-2020", [lesson(BADGE, "went wrong", "technical",
                                                      "Staff could not enter the new building.")])
    parsed.document.source_name = "HR-MOVE-2020_addendum.md"
    return parsed


def titles(response) -> list[str]:
    return [h.title for h in response.hits]


def in_thread(target, timeout: float):
    """target()'s result, run in a thread of its own; fails the test when it takes longer than `timeout`."""
    out: dict = {}
    thread = threading.Thread(target=lambda: out.setdefault("result", target()), daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        pytest.fail(f"still waiting after {timeout} s")
    return out["result"]


def test_a_search_during_a_rebuild_answers_from_the_previous_snapshot_without_waiting(fresh_engine, monkeypatch):
    assert BADGE not in titles(fresh_engine.search(QUERY, log=False))
    fresh_engine.sync_rebuild_seconds = 120  # its writer waits for this build, however long it is held
    fresh_engine.reload_interval = 0.0  # every search looks at the store's generation
    building, release = threading.Event(), threading.Event()
    real_build = search.engine.build_snapshot

    def slow_build(kb):
        building.set()
        assert release.wait(60), "the test never released the build"
        return real_build(kb)

    monkeypatch.setattr(search.engine, "build_snapshot", slow_build)
    written: dict = {}

    def writer():  # stores a document, then asks for the index: the thread that wrote waits for its write
        fresh_engine.kb.save_document(badge_document(), b"addendum")
        written["titles"] = titles(fresh_engine.search(QUERY, log=False))

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    assert building.wait(60), "the writer never started the rebuild"

    start = time.monotonic()
    during = in_thread(lambda: fresh_engine.search(QUERY, log=False), timeout=20)  # the build is held meanwhile
    assert time.monotonic() - start < 20 and BADGE not in titles(during)
    assert not written  # the writer is still waiting for its build

    release.set()
    thread.join(60)
    assert BADGE in written["titles"]
    assert BADGE in titles(fresh_engine.search(QUERY, log=False))  # swapped in for everyone


def test_the_thread_that_wrote_sees_its_write_even_while_others_read_the_previous_snapshot(fresh_engine):
    fresh_engine.search(QUERY, log=False)
    fresh_engine.kb.save_document(badge_document(), b"addendum")
    assert titles(fresh_engine.search(QUERY, log=False))[0] == BADGE


def test_a_search_does_not_wait_for_the_database_write_lock_to_log_itself(fresh_engine):
    fresh_engine.search(QUERY, log=False)  # the index is loaded: what follows times only the search
    path = fresh_engine.kb.engine.url.database
    if not path:
        pytest.skip("the write lock held here is SQLite's")
    holder = sqlite3.connect(path, isolation_level=None, timeout=1)
    holder.execute("BEGIN IMMEDIATE")  # a long write elsewhere (an ingest) holds SQLite's one write lock
    try:
        start = time.monotonic()
        in_thread(lambda: fresh_engine.search(SearchRequest(q="vendor delays")), timeout=20)
        assert time.monotonic() - start < 5  # the busy timeout is 30 s: it did not wait for the lock
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert fresh_engine.flush_log()
    with fresh_engine.kb.session() as session:
        assert [r.query for r in session.exec(select(SearchLog))] == ["vendor delays"]


def test_a_page_that_only_read_is_not_a_change_to_wait_for(fresh_engine):
    """Most pages end their read transaction early to return the connection to the pool
    (`web.deps.release`, a commit). That is no write: a reader must not rebuild the index, nor
    wait for a rebuild, because of it (during an ingest every page view used to). A write is."""
    from kb.models import Lesson

    engine = fresh_engine
    engine.snapshot()
    before = engine.changes
    with engine.kb.session() as session:
        assert session.exec(select(Lesson).limit(3)).all()
        session.commit()
    assert engine.changes == before
    assert not getattr(engine._wrote, "changed", False)  # this thread's next search takes the fast path

    with engine.kb.session() as session:
        session.add(SearchLog(query="written by hand", result_count=0))
        session.commit()
    assert engine.changes == before + 1
