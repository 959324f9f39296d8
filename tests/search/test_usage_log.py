"""The search log's writer thread ends when idle, and the next search starts another."""

from __future__ import annotations


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
