"""What the engine keeps between requests for speed is never older than its index
generation, and the faster near-duplicate folding folds exactly as before."""

from __future__ import annotations

import numpy as np
from sqlmodel import select, text

from kb.models import LessonUpdate, SearchLog
from search import SearchRequest, ranking
from tests.search.corpus import closure_document, lesson


def fold_one_row_at_a_time(snap, rows) -> list[list[int]]:
    """The folding as it was written first: one `duplicate_mask` per representative."""
    rows = np.asarray(rows)
    groups, taken = [], np.zeros(len(rows), dtype=bool)
    for i in range(len(rows)):
        if taken[i]:
            continue
        later = np.flatnonzero(~taken[i + 1:]) + i + 1
        dups = later[ranking.duplicate_mask(snap, int(rows[i]), rows[later])] if len(later) else later
        taken[dups] = True
        groups.append([int(rows[i])] + [int(rows[j]) for j in dups])
    return groups


def test_folding_the_pool_at_once_gives_the_groups_row_by_row_folding_gave(engine):
    snap = engine.snapshot()
    rng = np.random.default_rng(7)
    orders = [np.arange(snap.size), np.arange(snap.size)[::-1]] + [rng.permutation(snap.size) for _ in range(20)]
    folded = [ranking.group_duplicates(snap, rows) for rows in orders]
    assert folded == [fold_one_row_at_a_time(snap, rows) for rows in orders]
    assert any(len(g) > 1 for groups in folded for g in groups)  # the corpus has near-duplicates to fold
    assert ranking.group_duplicates(snap, np.array([], dtype=int)) == []


def test_a_corrected_title_shows_in_the_next_search(fresh_engine):
    query = SearchRequest(q="cutover rehearsal", limit=3, detect_facets=False)
    first = fresh_engine.search(query, log=False).hits[0]
    fresh_engine.search(query, log=False)  # its rows are now kept with the snapshot
    fresh_engine.kb.update_lesson(first.id, LessonUpdate(title=first.title + " (corrected by the PMO)"))
    again = next(h for h in fresh_engine.search(query, log=False).hits if h.id == first.id)
    assert again.title == first.title + " (corrected by the PMO)"


def test_a_new_document_is_found_by_the_next_search_after_the_rows_were_kept(fresh_engine):
    query = SearchRequest(q="badge readers on move day", limit=5, detect_facets=False)
    fresh_engine.search(query, log=False)
    parsed = closure_document("HR-MOVE-2020", [lesson("Badge readers were not configured for move day", "went wrong",
                                                      "technical", "Staff could not enter the new building.")])
    parsed.document.source_name = "HR-MOVE-2020_badges.md"
    fresh_engine.kb.save_document(parsed, b"badges")
    assert fresh_engine.search(query, log=False).hits[0].title == "Badge readers were not configured for move day"


def test_the_search_log_is_written_without_sending_the_next_search_to_the_database(fresh_engine):
    fresh_engine.snapshot()
    fresh_engine.search(SearchRequest(q="vendor delays"))
    assert fresh_engine.flush_log()
    assert not fresh_engine._dirty  # a log row changes nothing the index holds
    with fresh_engine.kb.session() as session:
        assert [r.query for r in session.exec(select(SearchLog))] == ["vendor delays"]
        session.exec(text("UPDATE kb_generation SET n = n"))
        session.commit()
    assert fresh_engine._dirty  # any other commit in this process is looked at


def test_similar_items_follow_an_unpublished_lesson_at_once(fresh_engine):
    query = SearchRequest(q="cutover rehearsal", limit=1, detect_facets=False)
    item = fresh_engine.search(query, log=False).hits[0].id
    similar = fresh_engine.more_like_this("lesson", item, limit=5)
    assert fresh_engine.more_like_this("lesson", item, limit=5) == similar  # kept with the snapshot
    hidden = next(h for h in similar if h.kind == "lesson")
    fresh_engine.kb.update_lesson(hidden.id, LessonUpdate(published=False))
    assert hidden.id not in {h.id for h in fresh_engine.more_like_this("lesson", item, limit=5) if h.kind == "lesson"}


def test_sources_found_among_close_rows_only_are_every_duplicate_in_the_snapshot(engine):
    snap = engine.snapshot()
    for row in range(snap.size):
        others = np.flatnonzero(np.arange(snap.size) != row)
        assert ranking.duplicates_of(snap, row) == [int(r) for r in others[ranking.duplicate_mask(snap, row, others)]]
