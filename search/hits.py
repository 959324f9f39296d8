"""Turning ranked rows into `Hit`s: one SQL read for the page, sources for
citations, and snippets made of the best-matching sentences."""

from __future__ import annotations

import re
import time
from functools import lru_cache
from typing import TYPE_CHECKING, Callable

from sqlmodel import select

from kb.language import has_han
from kb.models import Lesson, Risk
from kb.texts import lesson_text, risk_text
from search.index import KINDS, Snapshot
from search.models import Hit, ProjectRef, Source
from search.text import STOP_WORDS, chinese_words, sentences, stem, words

if TYPE_CHECKING:
    from kb.store import KnowledgeBase

SNIPPET_CHARS = 280
WARM_ROWS = 4_000
"""A store of at most this many lessons and risks is read whole once its index is built (`warm`)."""
SENTENCES_KEPT = 5_000
"""Texts kept cut into sentences and words for snippets (about 30 MB for 2,000 NASA lessons)."""


ROWS_KEPT = 20_000
"""SQL rows a snapshot keeps once read (a search's page and summary cite up to ~60)."""


def fetch_rows(kb: KnowledgeBase, snap: Snapshot, rows: list[int]) -> dict[int, Lesson | Risk]:
    """SQL rows for snapshot rows, keyed by snapshot row.

    Rows once read are kept with the snapshot: every write to a lesson or risk bumps
    the index generation, which brings a new snapshot, so a kept row is never older
    than the snapshot that ranked it. The rows are shared between requests: read them,
    never change them."""
    kept: dict[int, Lesson | Risk] = snap.cache.setdefault("rows", {})
    fresh = _read_rows(kb, snap, [r for r in rows if r not in kept])
    if fresh:
        if len(kept) + len(fresh) > ROWS_KEPT:
            kept.clear()
        kept.update(fresh)
    out = {}
    for r in rows:
        item = fresh.get(r) or kept.get(r)  # another request may have cleared `kept` meanwhile
        if item is not None:
            out[r] = item
    return out


def warm(kb: KnowledgeBase, snap: Snapshot, still_current: Callable[[], bool], chunk: int = 25) -> bool:
    """Read every row of a small store (at most WARM_ROWS) and cut its text for snippets, so that a
    new question finds its results read already: at 2,000 lessons those first reads were 3 ms of a
    new question's 13 in-process. Stops, returning False, once `still_current()` says a newer
    snapshot has replaced this one (its own warming follows). Done in small steps with a pause
    between them, so that searches running meanwhile wait for the interpreter no more than usual."""
    if not 0 < snap.size <= WARM_ROWS:
        return False
    for lo in range(0, snap.size, chunk):
        if lo:
            time.sleep(0.005)
        if not still_current():
            return False
        for row, item in fetch_rows(kb, snap, list(range(lo, min(lo + chunk, snap.size)))).items():
            _read(lesson_text(item) if KINDS[int(snap.kinds[row])] == "lesson" else risk_text(item), item.title)
    return True


def _read_rows(kb: KnowledgeBase, snap: Snapshot, rows: list[int]) -> dict[int, Lesson | Risk]:
    if not rows:
        return {}
    wanted: dict[int, list[int]] = {0: [], 1: []}
    for r in rows:
        wanted[int(snap.kinds[r])].append(int(snap.ids[r]))
    out: dict[int, Lesson | Risk] = {}
    with kb.session() as session:
        for kind, model in ((0, Lesson), (1, Risk)):
            if wanted[kind]:
                for item in session.exec(select(model).where(model.id.in_(wanted[kind]))):
                    row = snap.row_of.get((kind, item.id))
                    if row is not None:
                        out[row] = item
    return out


def project_ref(snap: Snapshot, project_id: int | None) -> ProjectRef | None:
    p = snap.projects.get(project_id) if project_id is not None else None
    if p is None:
        return None
    return ProjectRef(id=p.id, code=p.code, name=p.name, project_type=p.project_type, industry=p.industry,
                      outcome=p.outcome)


def source_of(snap: Snapshot, item: Lesson | Risk) -> Source:
    return _source(snap, item.id, item.document_id, item.project_id, item.source_location, item.source_anchor)


def source_of_row(snap: Snapshot, row: int) -> Source:
    """A snapshot row's citation, from the snapshot alone (no SQL)."""
    project = int(snap.project_ids[row])
    return _source(snap, int(snap.ids[row]), int(snap.document_ids[row]), project if project >= 0 else None,
                   *snap.places[row])


def _source(snap: Snapshot, item_id: int, document_id: int, project_id: int | None, location: str | None,
            anchor: str | None) -> Source:
    name, doc_kind = snap.documents.get(document_id, (f"document {document_id}", ""))
    p = snap.projects.get(project_id) if project_id else None
    return Source(document_id=document_id, document=name, kind=doc_kind, location=location, anchor=anchor,
                  project_code=p.code if p else None, project_name=p.name if p else None, item_id=item_id)


def make_hit(snap: Snapshot, group: list[int], items: dict, score: float, terms: dict[str, float],
             judged: tuple[float, bool] = (0.0, True)) -> Hit:
    """One result; `judged` is its (confidence, strong) from `search.confidence`."""
    rep = items[group[0]]
    kind = KINDS[int(snap.kinds[group[0]])]
    text = lesson_text(rep) if kind == "lesson" else risk_text(rep)
    snippet = best_sentences(text, rep.title, terms)
    sources = [source_of_row(snap, r) for r in group]  # the folded rows need not be read from SQL
    projects = {s.project_code or f"doc:{s.document_id}" for s in sources}
    return Hit(
        id=rep.id, external_id=rep.external_id, kind=kind, title=rep.title, snippet=snippet,
        highlights=highlights(rep.title + " " + snippet, terms), score=round(float(score), 4),
        confidence=judged[0], strong=judged[1],
        project=project_ref(snap, rep.project_id), tags=list(rep.tags or []),
        polarity=snap.polarity_of(group[0]), category=rep.category, phase=rep.phase,
        status=getattr(rep, "status", None), source=sources[0], seen_in=sources, project_count=len(projects),
    )


def best_sentences(text: str, title: str, terms: dict[str, float]) -> str:
    """The sentence that best covers the query words (plus its neighbour when short)."""
    body, sentences_of = _read(text, title)
    if not body:
        return ""
    scores = [0.0] * len(body)
    for term, weight in terms.items():
        for i in sentences_of.get(term, ()):
            scores[i] += weight
    best = max(range(len(body)), key=lambda i: scores[i]) if max(scores) > 0 else 0
    snippet = body[best]
    if len(snippet) < SNIPPET_CHARS // 2 and best + 1 < len(body):
        snippet += " " + body[best + 1]
    return _clip(snippet)


@lru_cache(maxsize=SENTENCES_KEPT)
def _read(text: str, title: str) -> tuple[tuple[str, ...], dict[str, tuple[int, ...]]]:
    """A text cut for snippets, kept for the next search that shows it: its sentences (the title's
    own left out unless it is all there is), and for each stem the sentences it is in, once per
    content word of that stem (a sentence's score is the weight of its words). Cutting and stemming
    a long lesson again for every question was most of the time a result took; weighing every word
    of it for every question was the next largest part."""
    parts = tuple(sentences(text))
    body = tuple(s for s in parts if s != title) or parts
    sentences_of: dict[str, list[int]] = {}
    for i, s in enumerate(body):
        for w in {w for w in words(s) if w not in STOP_WORDS}:
            sentences_of.setdefault(stem(w), []).append(i)
    return body, {st: tuple(rows) for st, rows in sentences_of.items()}


def _clip(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text[:SNIPPET_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def highlights(text: str, terms: dict[str, float]) -> list[str]:
    """Words of `text` (as written) whose stem is a query term."""
    found: dict[str, None] = {}
    for w in re.findall(r"[A-Za-z0-9]+(?:[&'][A-Za-z0-9]+)*", text):
        low = w.lower()
        if low not in STOP_WORDS and stem(low) in terms:
            found.setdefault(low, None)
    if has_han(text):
        for w in chinese_words(text):
            if w not in STOP_WORDS and w in terms:
                found.setdefault(w, None)
    return list(found)
