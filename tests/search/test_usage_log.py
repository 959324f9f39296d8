"""The search log is written behind the searches, gathered into few transactions; its writer
thread ends when idle, and the next search starts another."""

from __future__ import annotations

import time

from sqlmodel import select

import search.usage
from kb.models import SearchLog
from search import SearchRequest


def test_an_idle_log_writer_ends_and_the_next_search_is_still_logged(fresh_engine, monkeypatch):
    monkeypatch.setattr(search.usage, "IDLE_SECONDS", 0.1)
    fresh_engine.search(SearchRequest(q="vendor delays"))
    assert fresh_engine.flush_log()
    first = fresh_engine._usage._thread
    first.join(10)
    assert not first.is_alive() and fresh_engine._usage._thread is None
    fresh_engine.search(SearchRequest(q="scope creep"))
    assert fresh_engine.flush_log()
    with fresh_engine.kb.session() as session:
        assert sorted(r.query for r in session.exec(select(SearchLog))) == ["scope creep", "vendor delays"]


def test_searches_in_quick_succession_are_logged_together_and_a_flush_does_not_wait_for_more(fresh_engine, monkeypatch):
    monkeypatch.setattr(search.usage, "GATHER_SECONDS", 60.0)  # the writer would wait a minute for more rows
    commits = []
    monkeypatch.setattr(search.usage.UsageLog, "_write", lambda self, rows, _real=search.usage.UsageLog._write:
                        (commits.append(len(rows)), _real(self, rows)))
    for q in ("vendor delays", "scope creep", "data migration"):
        fresh_engine.search(SearchRequest(q=q))
    start = time.monotonic()
    assert fresh_engine.flush_log(timeout=20)
    assert time.monotonic() - start < 10
    assert commits == [3]  # one transaction for the three, not one each
    with fresh_engine.kb.session() as session:
        assert sorted(r.query for r in session.exec(select(SearchLog))) == ["data migration", "scope creep",
                                                                            "vendor delays"]


def test_without_a_flush_the_rows_reach_the_database_a_moment_later(fresh_engine, monkeypatch):
    monkeypatch.setattr(search.usage, "GATHER_SECONDS", 0.2)
    fresh_engine.search(SearchRequest(q="vendor delays"))
    deadline = time.monotonic() + 10
    while True:
        with fresh_engine.kb.session() as session:
            if [r.query for r in session.exec(select(SearchLog))] == ["vendor delays"]:
                break
        assert time.monotonic() < deadline, "the search was never logged"
        time.sleep(0.05)
