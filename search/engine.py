"""The search engine: hybrid retrieval (BM25 + dense, fused), facets read
from the question, facet counts, near-duplicate folding and a summary."""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

import numpy as np
from sqlalchemy import event
from threadpoolctl import ThreadpoolController

from kb.access import EVERYTHING, Visibility
from kb.db import generation
from kb.embedding import QueryBatcher
from kb.errors import LessonNotFound, RiskNotFound
from kb import vocab
from kb.i18n import _
from kb.language import has_han
from kb.models import SearchLog
from kb.priority import lower_this_thread
from search import confidence, hits, ranking, spelling
from search.facets import TOPICS, Detection, detect, project_rules, remaining_text, value_rules
from search.hits import fetch_rows, make_hit, source_of_row
from search.index import Snapshot, build_snapshot
from search.models import (
    FACETS, DetectedFacet, FacetValue, Respelt, Hit, KickoffPackResult, ProjectMatch, ProjectProfile, SearchRequest,
    SearchResponse, Source,
)
from search.multilingual import QUESTION_MAP, on_main_scale
from search.summary import build_summary, no_words_summary, summary_rows
from search.text import FRAMING_PHRASES, QUESTION_WORDS, stem, term_counts
from search.usage import USAGE_LOG_ONLY, UsageLog

if TYPE_CHECKING:
    from kb.store import KnowledgeBase

log = logging.getLogger(__name__)

FACET_WORD_WEIGHT = 0.3
"""Query words that implied a facet still count, at this weight (the filter already did their work)."""
BOOST = 1.5
"""Score factor for a detected facet that could not filter (it would have left nothing)."""
VECTORS_KEPT = 4096
"""Query and passage vectors kept in memory (about 6 MB at 384 dimensions, with the multilingual model's 512)."""
POOL = 200


@dataclass
class Plan:
    """What one request means once facets are resolved against a snapshot."""

    masks: dict[str, np.ndarray] = field(default_factory=dict)   # facet -> accepted rows
    base: np.ndarray | None = None                                 # published, year range, nothing left out
    applied: dict[str, list[str]] = field(default_factory=dict)
    excluded: dict[str, list[str]] = field(default_factory=dict)  # facet -> values left out
    detected: list[DetectedFacet] = field(default_factory=list)
    boosts: list[np.ndarray] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def allowed(self, match: np.ndarray, skip: str | None = None) -> np.ndarray:
        out = match & self.base
        for facet, mask in self.masks.items():
            if facet != skip:
                out &= mask
        return out


PROJECT_VALUES = 30
"""The project facet lists the projects with the most results, this many: a store of thousands of projects would
list them all with every search (and its reply carry them)."""

RANK_ONLY_FACETS = TOPICS
"""Facets read from the question that rank rather than filter. Categories and phases
are tagged automatically from the text, so a lesson about data migration may be
filed under testing; the question's words already find it, and the tag lifts it.
Chosen from the sidebar, they filter like any other facet."""


def quiet_blas(method):
    """Run a search step with single-threaded BLAS.

    OpenBLAS threads keep spinning for a while after a matrix product; on a
    2-core machine they then starve torch while it encodes the next query
    (measured: 104 ms instead of 25 ms for a new query at 2k lessons). One
    BLAS thread costs the matrix products almost nothing at our sizes."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with _blas_controller().limit(limits=1, user_api="blas"):
            return method(*args, **kwargs)
    return wrapper


WARM_AFTER = 5.0
"""Seconds a new snapshot of a small store stays current before a server's engine reads it whole."""


SPLIT_ROWS = 20_000
"""A dense product over at least twice this many rows is cut in parts, one per core (up to SPLIT_PARTS)."""
SPLIT_PARTS = min(os.cpu_count() or 1, 4)


_SPLIT_FREE = threading.Semaphore(max(SPLIT_PARTS - 1, 0))
"""Idle helper threads of `_splitter`: a search takes one only when it is free."""


@functools.lru_cache(maxsize=1)
def _splitter() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=max(SPLIT_PARTS - 1, 1), thread_name_prefix="kb-dense-part")


@functools.lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    # Finding the loaded BLAS libraries scans the process's memory map: 2.7 ms a search if repeated.
    return ThreadpoolController()


WROTE = "kb.wrote"
"""Set in a connection's `info` by a statement that writes, until its next transaction begins."""
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


def _note_writes(conn, cursor, statement, parameters, context, executemany) -> None:
    if statement.lstrip()[:7].upper().startswith(_WRITES):
        conn.info[WROTE] = True


def _forget_writes(conn) -> None:
    conn.info.pop(WROTE, None)


class SearchEngine:
    """Search over one KnowledgeBase. Thread-safe; reloads its in-memory index
    when the store's generation changes (checked at most once per `reload_interval`
    seconds, at once after a commit made in this process).

    Concurrency rules (a request thread holds at most one pooled connection,
    and never waits for a lock while holding one):

    - The index is an immutable `Snapshot` swapped in whole; `snapshot()` reads it
      without any lock while it is fresh.
    - The generation is read with its own short session, released before any lock
      is taken; no session is ever opened while `_build_lock` is held except by the
      one thread that builds.
    - One thread builds at a time under `_build_lock`. Readers never wait for a build:
      after a change they answer from the previous snapshot and a background thread,
      at a lower OS priority (`kb.priority`), builds the next one, swapped in when ready.
      Only the very first build, when there is nothing to answer from, makes them wait.
    - A writer sees its own write: the thread whose commit changed the store builds
      (or waits for) the new snapshot on its next `snapshot()`, and `catch_up()` does
      the same for a request whose reply must show its write (`web.freshness`), while
      a build takes under `sync_rebuild_seconds`; a larger index catches up in the
      background for everyone.
    - Routes call the engine before they query their request session, or end the
      session's transaction first (`web.deps.release`): a route that held its
      connection while the engine waited for another would drain the pool.
    """

    reload_interval = 1.0
    sync_rebuild_seconds = 2.0  # a writer waits for builds under this; 100k lessons take ~20 s
    fusion = "weighted"    # beat RRF on nDCG@10 and Recall@20 on the NASA eval set (make bench)
    rrf_weights = (1.0, 1.0)  # BM25, dense
    alpha = 0.75              # dense share for fusion = "weighted": 0.75-0.8 beat every other row of
                              # make bench on both eval sets; 0.5-0.7 lost MRR to dense alone

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._snap: Snapshot | None = None
        self._build_lock = threading.Lock()
        self._checked = 0.0
        self._dirty = True
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._encoder = QueryBatcher(kb.embedder)
        self._usage = UsageLog(kb)
        second = getattr(kb, "multilingual", None)
        self._second_encoder = QueryBatcher(second) if second is not None else None
        # An English question over a store with Chinese rows needs both models' encodings: the
        # multilingual one (numpy) runs beside the main one (one call into a traced graph) on the
        # other core, rather than after it.
        self._beside = ThreadPoolExecutor(max_workers=4, thread_name_prefix="kb-second-encoder") \
            if second is not None else None
        self._cache_lock = threading.Lock()
        self._build_seconds = 0.0
        self._rebuilding = False
        self._warming = False
        self._keep_warm = False
        self._wrote = threading.local()  # .changed: this thread committed a change since its last snapshot
        self.changes = 0
        """Commits that may have changed what the index holds, in this process (the search log's excepted)."""
        event.listen(kb.engine, "begin", _forget_writes)
        event.listen(kb.engine, "before_cursor_execute", _note_writes)
        event.listen(kb.engine, "commit", self._on_commit)

    # --- index lifecycle -------------------------------------------------------

    def _on_commit(self, conn) -> None:
        # Only a transaction that wrote: a read-only one ended to return its connection to the pool
        # (`web.deps.release`, on most pages) made every page view look like a write, so readers
        # rebuilt or waited for the index while an ingest ran.
        if conn.info.get(WROTE) and not conn.get_execution_options().get(USAGE_LOG_ONLY):
            self._dirty = True
            self._wrote.changed = True
            self.changes += 1

    def refresh(self) -> None:
        """Rebuild the in-memory index now."""
        with self._build_lock:
            self._build()

    def snapshot(self) -> Snapshot:
        """The current index. After a change, the thread that made it waits for the new one
        (`catch_up`); any other answers at once from the previous one while the next is
        built in the background."""
        snap, now = self._snap, time.monotonic()
        wrote = getattr(self._wrote, "changed", False)
        if snap is not None and not (self._dirty or wrote) and now - self._checked < self.reload_interval:
            return snap  # the hot path: no lock, no connection
        if wrote or snap is None:
            return self.catch_up()
        self._dirty, self._checked = False, now  # a commit from here on sets it again
        if snap.generation < self._generation():
            self._rebuild_in_background()
        return snap

    def catch_up(self) -> Snapshot:
        """The index at the store's current generation: built by this thread, or waited for
        while another builds it, unless a build takes `sync_rebuild_seconds` or longer (then
        it is built in the background and this returns the previous one). For a writer,
        whose reply must show what it wrote."""
        self._wrote.changed = False  # a commit from here on sets it again
        self._dirty, self._checked = False, time.monotonic()
        current, snap = self._generation(), self._snap
        if snap is not None and snap.generation >= current:
            return snap
        if snap is not None and self._build_seconds >= self.sync_rebuild_seconds:
            self._rebuild_in_background()
            return snap
        return self._build_for(current)

    def _generation(self) -> int:
        with self.kb.session() as session:  # its own connection, returned before any lock is taken
            return generation(session)

    def _build_for(self, current: int) -> Snapshot:
        """A snapshot at least at generation `current`, built by this thread unless
        another is building: then wait for that one."""
        with self._build_lock:
            if self._snap is None or self._snap.generation < current:
                self._build()
            return self._snap

    def _build(self) -> None:
        start = time.perf_counter()
        fresh = build_snapshot(self.kb)
        if self._snap is None or fresh.generation >= self._snap.generation:
            self._snap = fresh  # one reference swap: readers see the old snapshot or the new one
        self._build_seconds = time.perf_counter() - start
        if self._keep_warm and 0 < fresh.size <= hits.WARM_ROWS:
            self._warm_in_background()

    def warm(self) -> bool:
        """Read the current snapshot's rows and cut their texts for snippets now, if the store is
        small enough to keep whole (`search.hits.warm`), and every later snapshot's in the background
        as it replaces this one (a server's engine; a command's one question is better off without).
        Whether this one was."""
        snap = self.snapshot()
        self._keep_warm = True
        spelling.warm()
        return hits.warm(self.kb, snap, lambda: self._snap is snap)

    def _warm_in_background(self) -> None:
        with self._cache_lock:
            if self._warming:
                return  # the running one moves on to the newest snapshot
            self._warming = True
        threading.Thread(target=self._background_warm, name="kb-index-warm", daemon=True).start()

    def _background_warm(self) -> None:
        lower_this_thread()  # searches go first
        snap = None
        try:
            while (snap := self._settled()) is not None:
                hits.warm(self.kb, snap, lambda: self._snap is snap)
                if self._snap is snap:
                    break  # else replaced while warming: warm the newer one
        except Exception as exc:  # a cache left cold costs a few ms a question; never a failed search
            log.debug("warming the index stopped: %s", exc)
            snap = self._snap
        finally:
            with self._cache_lock:
                self._warming = False
        if self._snap is not snap and 0 < self._snap.size <= hits.WARM_ROWS:
            self._warm_in_background()  # built between the last look and now

    def _settled(self) -> Snapshot | None:
        """The current snapshot once it has stayed current for WARM_AFTER seconds. During a bulk
        ingest the index is rebuilt every few seconds, and reading the store whole after each
        rebuild doubled the searches' p95 while it ran (measured: 101 -> 234-262 ms)."""
        while True:
            snap = self._snap
            time.sleep(WARM_AFTER)
            if self._snap is snap:
                return snap

    def _rebuild_in_background(self) -> None:
        with self._cache_lock:  # a short lock of the engine's, so that two readers never start two builds
            if self._rebuilding:
                return
            self._rebuilding = True
        threading.Thread(target=self._background_build, name="kb-index-rebuild", daemon=True).start()

    def _background_build(self) -> None:
        lower_this_thread()  # a thread of its own, ended after the build: searches go first
        try:
            self._build_for(self._generation())  # nothing, when a writer built it meanwhile
        finally:
            self._rebuilding = False
            self._dirty = True  # look again: more may have changed while it was building

    def query_vector(self, text: str, multilingual: bool = False) -> np.ndarray:
        """Embedded query, from a small LRU cache (encoding is the floor of latency); by the
        multilingual model when `multilingual`."""
        key = ("multilingual" if multilingual else "main", text.strip().lower())
        with self._cache_lock:
            vec = self._vectors.get(key)
            if vec is not None:
                self._vectors.move_to_end(key)
                return vec
        encoder = self._second_encoder if multilingual else self._encoder
        vec = encoder.encode(text)  # with the other requests' new questions of this moment
        with self._cache_lock:  # requests run in a thread pool
            self._remember(key, vec)
        return vec

    def text_vectors(self, texts: Sequence[str], multilingual: bool = False) -> np.ndarray:
        """Unit vectors of passages a page compares with the index (a running project's open items,
        project descriptions, checklist lines), by the main model or the multilingual one. Kept in
        the query cache by their exact text and the missing ones encoded together, as queries are:
        a running project's page encoded its open items again at every view, module by module,
        which under load made it the slowest page."""
        model = "passage-multilingual" if multilingual else "passage-main"
        embedder = self.kb.multilingual if multilingual else self.kb.embedder
        out: list[np.ndarray | None] = []
        with self._cache_lock:
            for text in texts:
                vec = self._vectors.get((model, text))
                if vec is not None:
                    self._vectors.move_to_end((model, text))
                out.append(vec)
        missing = list(dict.fromkeys(t for t, v in zip(texts, out) if v is None))
        if missing:
            encode = getattr(embedder, "embed_queries", embedder.embed_batch)
            vecs = np.asarray(encode(missing), dtype=np.float32)
            vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
            fresh = dict(zip(missing, vecs))
            with self._cache_lock:
                for text, vec in fresh.items():
                    self._remember((model, text), vec)
            out = [fresh[t] if v is None else v for t, v in zip(texts, out)]
        return np.stack(out) if out else np.zeros((0, embedder.dim), dtype=np.float32)

    def _remember(self, key: tuple[str, str], vec: np.ndarray) -> None:
        """Into the vector cache, under `_cache_lock`."""
        self._vectors[key] = vec
        if len(self._vectors) > VECTORS_KEPT:
            self._vectors.popitem(last=False)

    # --- search -------------------------------------------------------------

    @quiet_blas
    def search(self, request: SearchRequest, *, log: bool = True, visible: Visibility = EVERYTHING) -> SearchResponse:
        """`visible`: what the audience asking may see (`kb.access`); hidden rows are left out before
        anything is ranked or counted, so facets, totals and the summary never count them."""
        start = time.perf_counter()
        snap = self.snapshot()
        base = visible_rows(snap, visible, request.include_unpublished)
        question, found, weights, respelt = self._read(snap, request, base, visible)
        scores = self.text_scores(snap, question, weights, topic_words(question, found), topic_rows(snap, found),
                                  left_out=found.left_out)
        plan = self._plan(snap, request, found, scores.match, base)
        plan.notes[:0] = [_('No lesson or risk has the word "%(word)s"; it was searched as "%(nearest)s".')
                          % {"word": r.typed, "nearest": r.searched} for r in respelt]
        wordless = bool(request.q.strip()) and not weights and not plan.detected and not plan.applied
        if wordless:  # "the", "?": nothing to rank by and nothing to filter by, so nothing to list
            groups, fused, allowed = [], {}, np.zeros(snap.size, dtype=bool)
        else:
            groups, fused, allowed = self._rank(snap, request, scores, plan)
        page = groups[request.offset:request.offset + request.limit]
        verdict = confidence.judge(snap, scores.dense, weights, allowed, plan.detected)
        strong_groups = [g for g in groups if verdict.strong[g[0]]]
        top_rows, rep_rows = summary_rows(snap, strong_groups)
        items = fetch_rows(self.kb, snap, sorted({g[0] for g in page} | set(top_rows) | set(rep_rows)))
        hits = [make_hit(snap, g, items, fused.get(g[0], 0.0), weights, verdict.of(g[0]))
                for g in page if g[0] in items]
        merged = sum(len(g) - 1 for g in groups)
        summary = no_words_summary() if wordless else \
            build_summary(snap, verdict.strong, strong_groups, items, question,
                          filtered=bool(plan.applied or plan.excluded))
        matching = int(allowed.sum())
        total = max(matching - merged, len(groups))
        response = SearchResponse(
            query=request.q, answered=verdict.answered, total=total, folded=max(matching - total, 0),
            strong=max(int(verdict.strong.sum()) - sum(len(g) - 1 for g in strong_groups), len(strong_groups)),
            best_confidence=verdict.best(allowed), hits=hits,
            facets=self._facet_counts(snap, plan, scores.match), detected=plan.detected,
            applied_filters=plan.applied, excluded_filters=plan.excluded, summary=summary, offset=request.offset,
            limit=request.limit, notes=plan.notes,
            respelt=respelt,
        )
        response.took_ms = round((time.perf_counter() - start) * 1000, 2)
        if log and not wordless:  # not a question, so not a knowledge gap either
            self._log(request, response)
        return response

    @quiet_blas
    def facets(self, request: SearchRequest, *, visible: Visibility = EVERYTHING) -> dict[str, list[FacetValue]]:
        """Facet counts over the request's matching set, without ranking."""
        snap = self.snapshot()
        base = visible_rows(snap, visible, request.include_unpublished)
        question, found, weights, _respelt = self._read(snap, request, base, visible)
        scores = self.text_scores(snap, question, weights, topic_words(question, found), topic_rows(snap, found))
        plan = self._plan(snap, request, found, scores.match, base)
        return self._facet_counts(snap, plan, scores.match)

    def _read(self, snap: Snapshot, request: SearchRequest, base: np.ndarray, visible: Visibility
              ) -> tuple[str, Detection, dict[str, float], list[Respelt]]:
        """The question as searched, its facets, its weighted terms and each misspelt word with what it was
        searched as. A misspelt word is searched as the word meant (`search.spelling`), by its words and its
        meaning, and read for facets again: "risks that materalised on erp migartions" filters to
        materialised risks on ERP migrations, as the question spelt right does."""
        rules = self._facet_rules(snap, base, visible) if request.detect_facets else None
        found = _detect(request.q, rules)
        weights = query_weights(request.q, found)
        fixes = spelling.corrections(snap, request.q, weights, rules)
        if not fixes:
            return request.q, found, weights, []
        question = spelling.respelt(request.q, fixes)
        found = _detect(question, rules)
        respelt = [Respelt(typed=typed, searched=searched) for typed, searched, _stem in fixes.values()]
        return question, found, query_weights(question, found), respelt

    @staticmethod
    def _facet_rules(snap: Snapshot, base: np.ndarray, visible: Visibility) -> list:
        """The rules for reading facets beyond the fixed ones: the projects, industries and portfolios of the
        rows the audience may see, so that a hidden project is never read from a question. Built once per
        snapshot and audience (1.4 ms a question at 193 projects when built each time)."""
        hidden = visible.hidden_projects

        def build():
            shown = set(labels_in(snap, "project", base, hidden))
            names = {p.code: p.name for p in snap.projects.values() if p.code in shown}
            return project_rules(names) + value_rules("industry", labels_in(snap, "industry", base, hidden)) + \
                value_rules("portfolio", labels_in(snap, "portfolio", base, hidden))
        return kept(snap, ("facet rules", hidden), build)

    def text_scores(self, snap: Snapshot, query: str, weights: dict[str, float],
                    topics: frozenset[str] = frozenset(), tagged: np.ndarray | None = None,
                    left_out: Sequence[tuple[int, int]] = ()) -> ranking.TextScores:
        """`topics`: the words of a topic read from the question (a category or phase), which say what it is about
        though they only rank: a question of facet words alone matches by them ("UAT" matched all 850 rows), or
        by the topic's tag (`tagged`: "governance" is in no lesson's text, but lessons are tagged with it)."""
        content = {t: w for t, w in weights.items() if w == 1.0}
        if not weights:
            return ranking.TextScores(None, None, np.ones(snap.size, dtype=bool))
        if not content:  # "lessons from failed projects": rank by what frames it ("failed"), not by "lessons", which
            # put the lessons about reading lessons first, nor by what it leaves out ("lessons not about vendors")
            framing = _QUESTION_STEMS | {t for m in FRAMING_PHRASES.finditer(query.lower()) for t in term_counts(m[0])}
            meant = _without_question_words(remaining_text(query, list(left_out)) if left_out else query)
            kept = {t: w for t, w in weights.items() if t not in framing}
            if meant and kept:
                query, weights = meant, kept
            elif left_out:  # "lessons not about vendors": nothing to rank by but what it leaves out, so newest first
                return ranking.TextScores(None, None, np.ones(snap.size, dtype=bool))
        bm25 = ranking.bm25_scores(snap, weights)
        dense = self.dense_scores(snap, query)
        by_topic = not content and any(t in weights for t in topics)
        if by_topic:
            content = {t: 1.0 for t in topics if t in weights}
        if not content:  # only facet words that filter: the filters decide what matches
            return ranking.TextScores(bm25, dense, np.ones(snap.size, dtype=bool))
        if by_topic and tagged is not None:
            return ranking.TextScores(bm25, dense, ranking.matching_set(snap, ranking.bm25_scores(snap, content),
                                                                        dense) | tagged)
        content_bm25 = bm25 if len(content) == len(weights) else ranking.bm25_scores(snap, content)
        return ranking.TextScores(bm25, dense, ranking.matching_set(snap, content_bm25, dense))

    def dense_scores(self, snap: Snapshot, query: str) -> np.ndarray | None:
        """The question's cosine with every row, on the main model's scale. Where the question or
        the row is Chinese it is the multilingual model's (`search.multilingual`); an English question
        and an English row keep exactly the main model's cosine."""
        if not snap.size:
            return None
        if snap.multilingual is not None and has_han(query):
            # The main model cannot read the question: a row without a multilingual vector (until
            # `kb reindex`) is found by its words only, like any row without a current vector.
            scores = on_main_scale(self._cosines(snap.multilingual, self.query_vector(query, multilingual=True)),
                                   QUESTION_MAP)
            return np.where(snap.multilingual_ok, scores, 0.0).astype(np.float32)
        if not snap.bilingual or self._beside is None:
            return self._cosines(snap.dense, self.query_vector(query))
        second = self._beside.submit(self.query_vector, query, True)
        dense = self._cosines(snap.dense, self.query_vector(query))
        rows = np.flatnonzero(snap.second_model_for(slice(None)))
        dense[rows] = on_main_scale(snap.multilingual[rows] @ second.result(), QUESTION_MAP)
        return dense

    def _cosines(self, matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """`matrix @ vector`, cut in parts computed at once on the cores when the matrix is large and a
        helper thread is free: at 100k rows one product reads 150 MB and took 10.4 ms on one core, 4.9 ms
        in two halves (BLAS runs single-threaded in a search, `quiet_blas`; numpy gives up the GIL while
        it multiplies). When every helper is busy with other searches, the caller computes it whole."""
        parts = min(SPLIT_PARTS, len(matrix) // SPLIT_ROWS)
        helpers = 0
        while helpers < parts - 1 and _SPLIT_FREE.acquire(blocking=False):
            helpers += 1  # under load the other cores are busy anyway: never queue behind another search
        if not helpers:
            return matrix @ vector
        try:
            out = np.empty(len(matrix), dtype=np.result_type(matrix, vector))
            bounds = np.linspace(0, len(matrix), helpers + 2).astype(int)
            rest = [_splitter().submit(np.matmul, matrix[lo:hi], vector, out=out[lo:hi])
                    for lo, hi in zip(bounds[1:-1], bounds[2:])]
            np.matmul(matrix[:bounds[1]], vector, out=out[:bounds[1]])
            for part in rest:
                part.result()
            return out
        finally:
            _SPLIT_FREE.release(helpers)

    # --- facets ----------------------------------------------------------------

    def _plan(self, snap: Snapshot, request: SearchRequest, found: Detection, match: np.ndarray,
              base: np.ndarray) -> Plan:
        plan = Plan(base=base.copy())
        for facet, values in request.filters.items():
            values = [str(v) for v in values if str(v).strip()]
            if facet in FACETS and values:
                plan.masks[facet] = facet_mask(snap, facet, values)
                plan.applied[facet] = values
        ignored = {i.strip().lower() for i in request.ignored_facets}
        year_from, year_to = request.year_from, request.year_to
        together: dict[tuple[str, str], list[DetectedFacet]] = {}
        for det in found.facets:
            if f"{det.facet}:{det.value}".lower() in ignored or det.facet in request.filters:
                continue
            if det.facet in ("year_from", "year_to") and getattr(request, det.facet) is not None:
                continue  # a year typed in the sidebar wins over one read from the question
            if det.facet == "year_from" and year_from is None:
                year_from = int(det.value)
            elif det.facet == "year_to" and year_to is None:
                year_to = int(det.value)
            elif det.excluded and det.facet in FACETS:
                plan.base &= ~facet_mask(snap, det.facet, [det.value])
                plan.excluded.setdefault(det.facet, []).append(det.value)
            elif det.facet in FACETS:
                together.setdefault((det.facet, det.phrase), []).append(det)
                continue
            plan.detected.append(det)
        for dets in together.values():  # one phrase naming one industry in two languages filters as one
            self._apply_detected(snap, plan, dets, match)
        detected_years = (year_from, year_to) != (request.year_from, request.year_to)
        self._apply_years(snap, plan, year_from, year_to, match, detected_years)
        return plan

    def _apply_detected(self, snap: Snapshot, plan: Plan, dets: list[DetectedFacet], match: np.ndarray) -> None:
        """Values of one facet read from one phrase (Retail and 零售 from "零售项目"): they filter together,
        each value that selects nothing left out; when none selects anything, they rank instead."""
        det = dets[0]
        masks = {d.value: facet_mask(snap, d.facet, [d.value]) for d in dets}
        mask = functools.reduce(np.logical_or, masks.values())
        if det.facet in RANK_ONLY_FACETS:
            plan.boosts.append(mask)
            plan.detected.extend(d.model_copy(update={"applied": False}) for d in dets)
            return
        if det.facet in plan.masks:  # two values of one facet detected: OR them
            mask = mask | plan.masks[det.facet]
        others = plan.allowed(match, skip=det.facet)
        if (others & mask).any():
            plan.masks[det.facet] = mask
            for d in dets:
                if len(dets) == 1 or (others & masks[d.value]).any():
                    plan.applied.setdefault(d.facet, []).append(d.value)
                    plan.detected.append(d)
        else:
            det = next((d for d in dets if d.value.lower() in d.phrase.lower()), det)  # the phrase's own language
            plan.boosts.append(mask)
            plan.detected.append(det.model_copy(update={"applied": False}))
            if others.any():  # else nothing matches the words: not the facet's doing
                plan.notes.append(_('No results have %(facet)s "%(value)s" (read from "%(phrase)s"), so it ranks '
                                    'results higher instead of filtering them.') % {
                    "facet": vocab.facet_label(det.facet).lower(), "value": vocab.shown(det.value), "phrase": det.phrase})

    def _apply_years(self, snap: Snapshot, plan: Plan, year_from: int | None, year_to: int | None,
                     match: np.ndarray, detected: bool) -> None:
        if year_from is None and year_to is None:
            return
        lo, hi = year_from or 0, year_to or 9999
        mask = (snap.years >= lo) & (snap.years <= hi) & (snap.years > 0)
        if not detected or (plan.allowed(match) & mask).any():
            plan.base &= mask
            if year_from is not None:
                plan.applied["year_from"] = [str(year_from)]
            if year_to is not None:
                plan.applied["year_to"] = [str(year_to)]
        else:
            plan.boosts.append(mask)
            plan.detected = [d.model_copy(update={"applied": False}) if d.facet.startswith("year_") else d
                             for d in plan.detected]
            if plan.allowed(match).any():
                plan.notes.append(_("No results fall in the years asked for, so those years rank higher instead."))

    def _facet_counts(self, snap: Snapshot, plan: Plan, match: np.ndarray) -> dict[str, list[FacetValue]]:
        out = {}
        every = np.flatnonzero(plan.allowed(match))  # the rows of each facet not filtered on (most of them)
        for facet in FACETS:
            rows = np.flatnonzero(plan.allowed(match, skip=facet)) if facet in plan.masks else every
            codes = snap.codes[facet][rows]
            labels = snap.labels[facet]
            counts = np.bincount(codes[codes >= 0], minlength=len(labels))
            chosen = {v.lower() for v in plan.applied.get(facet, [])}
            shown = np.flatnonzero(counts)  # not a loop over every label: a store has thousands of projects
            if facet == "project" and len(shown) > PROJECT_VALUES:
                shown = shown[np.argsort(-counts[shown], kind="stable")[:PROJECT_VALUES]]
            shown = set(shown.tolist()) | {i for i, label in enumerate(labels) if label.lower() in chosen} \
                if chosen else shown.tolist()
            values = [FacetValue(value=labels[i], count=int(counts[i]), selected=labels[i].lower() in chosen)
                      for i in shown]
            key = (lambda v: -int(v.value)) if facet == "year" else (lambda v: (-v.count, v.value))
            out[facet] = sorted(values, key=key)
        return out

    # --- ranking ---------------------------------------------------------------

    def _rank(self, snap: Snapshot, request: SearchRequest, scores: ranking.TextScores, plan: Plan):
        allowed = plan.allowed(scores.match)
        depth = max(POOL, 2 * (request.offset + request.limit) + 50)
        if scores.bm25 is None and scores.dense is None:
            rows = browse_order(snap, allowed)[:depth]
            fused = np.zeros(len(rows))
        else:
            rows, fused = self.fuse(scores, allowed, depth)
        rows, fused = apply_boosts(rows, fused, plan.boosts)
        groups = ranking.group_duplicates(snap, rows)
        return groups, dict(zip(rows.tolist(), fused.tolist())), allowed

    def fuse(self, scores: ranking.TextScores, allowed: np.ndarray, depth: int):
        lists = []
        if scores.bm25 is not None:
            lists.append((ranking.top_rows(scores.bm25, allowed & (scores.bm25 > 0), depth), self.rrf_weights[0]))
        if scores.dense is not None:
            lists.append((ranking.top_rows(scores.dense, allowed, depth), self.rrf_weights[1]))
        if self.fusion == "weighted":
            pool = np.unique(np.concatenate([r for r, _scores in lists]))
            return ranking.fuse_weighted(pool, scores.bm25, scores.dense, self.alpha)
        return ranking.fuse_rrf(lists)

    # --- more like this ---------------------------------------------------------

    @quiet_blas
    def more_like_this(self, kind: str, item_id: int, limit: int = 5, *,
                       visible: Visibility = EVERYTHING) -> list[Hit]:
        """Lessons and risks closest in meaning to one item (never the item itself)."""
        snap = self.snapshot()
        # The audience is part of the key: one user's similar items are never another's.
        return kept(snap, ("more_like_this", kind, item_id, limit, visible),
                    lambda: self._more_like_this(snap, kind, item_id, limit, visible))

    def _more_like_this(self, snap: Snapshot, kind: str, item_id: int, limit: int,
                        visible: Visibility) -> list[Hit]:
        allowed = visible_rows(snap, visible)
        row = self._row(snap, kind, item_id, allowed if visible.restricted else None)
        sims = snap.similarities(row)
        allowed[row] = False
        rows = ranking.top_rows(sims, allowed, max(POOL // 2, limit * 4))
        groups = ranking.group_duplicates(snap, rows)[:limit]
        items = fetch_rows(self.kb, snap, [r for g in groups for r in g])
        item = fetch_rows(self.kb, snap, [row])[row]
        terms = {t: 1.0 for t in term_counts(item.title)}
        return [make_hit(snap, g, items, float(sims[g[0]]), terms) for g in groups if g[0] in items]

    @quiet_blas
    def sources_of(self, kind: str, item_id: int, *, visible: Visibility = EVERYTHING) -> list[Source]:
        """Every source of one lesson or risk: its own, then the near-duplicates other projects recorded."""
        snap = self.snapshot()
        return kept(snap, ("sources_of", kind, item_id, visible),
                    lambda: self._sources_of(snap, kind, item_id, visible))

    def _sources_of(self, snap: Snapshot, kind: str, item_id: int, visible: Visibility) -> list[Source]:
        shown = visible_rows(snap, visible, include_unpublished=True)
        row = self._row(snap, kind, item_id, shown if visible.restricted else None)
        rows = [row] + [r for r in ranking.duplicates_of(snap, row) if shown[r]]
        return [source_of_row(snap, r) for r in rows]

    @staticmethod
    def _row(snap: Snapshot, kind: str, item_id: int, shown: np.ndarray | None = None) -> int:
        row = snap.row(kind, item_id)
        if row is None or (shown is not None and not shown[row]):
            if kind == "lesson":
                raise LessonNotFound(_("No lesson with id %(id)s.") % {"id": item_id})
            raise RiskNotFound(_("No risk with id %(id)s.") % {"id": item_id})
        return row

    # --- projects and kickoff ----------------------------------------------------

    @quiet_blas
    def similar_projects(self, profile: ProjectProfile, limit: int = 5, *,
                         visible: Visibility = EVERYTHING) -> list[ProjectMatch]:
        from search.projects import similar_projects

        return similar_projects(self, profile, limit, visible=visible)

    @quiet_blas
    def kickoff_pack(self, profile: ProjectProfile, *, record: bool = True, limit: int = 30,
                     visible: Visibility = EVERYTHING, author: str | None = None) -> KickoffPackResult:
        from search.projects import kickoff_pack

        return kickoff_pack(self, profile, record=record, limit=limit, visible=visible, author=author)

    def load_pack(self, pack_id: int, *, visible: Visibility = EVERYTHING) -> KickoffPackResult:
        """A recorded kickoff pack as it was generated, less what the audience may not see."""
        from search.projects import load_pack

        return load_pack(self, pack_id, visible=visible)

    # --- usage log ----------------------------------------------------------------

    def _log(self, request: SearchRequest, response: SearchResponse) -> None:
        # The best calibrated confidence, comparable across questions, so the gap metric can trust it.
        self._usage.add(SearchLog(query=request.q, filters=response.applied_filters, result_count=response.total,
                                  top_score=response.best_confidence))

    def flush_log(self, timeout: float = 30.0) -> bool:
        """Wait until the searches made so far are in the search log (it is written behind them)."""
        return self._usage.flush(timeout)


ANSWERS_KEPT = 5_000
"""Answers a snapshot keeps for items' pages (similar items, sources) before it starts afresh."""


def kept(snap: Snapshot, key: tuple, compute):
    """`compute()`, remembered with the snapshot under `key`: a lesson page asks for the same
    similar items and sources until something changes, and any change is a new generation,
    hence a new snapshot. Every argument that changes the answer belongs in `key` (an audience
    the audience's Visibility too). An error (an unknown item) is not remembered."""
    answers = snap.cache.setdefault("answers", {})
    answer = answers.get(key)
    if answer is None:
        answer = compute()
        if len(answers) >= ANSWERS_KEPT:
            answers.clear()
        answers[key] = answer
    return list(answer)  # the caller's own list; the items in it are shared


def topic_rows(snap: Snapshot, found: Detection) -> np.ndarray | None:
    """The rows tagged with a topic (category, phase) read from the question, or None when it names none."""
    masks = [facet_mask(snap, f.facet, [f.value]) for f in found.facets if f.facet in TOPICS and not f.excluded]
    return functools.reduce(np.logical_or, masks) if masks else None


def topic_words(question: str, found: Detection) -> frozenset[str]:
    """The stemmed words of the topics (categories, phases) read from `question`."""
    return frozenset(t for start, end in found.topics for t in term_counts(question[start:end]))


def _detect(question: str, rules: list | None) -> Detection:
    """The facets `question` names; none when facets are not read from questions (`rules` None)."""
    return detect(question, rules) if rules is not None and question.strip() else Detection()


def query_weights(query: str, found: Detection) -> dict[str, float]:
    """Stemmed query terms with their weight; words that implied a facet count less."""
    # "lessons not about vendors": a left-out facet's words are not searched for
    gone = {t for start, end in found.left_out for t in term_counts(query[start:end])}
    left = [query[start:end] for start, end in found.left_out if _HAN.search(query[start:end])]
    weights = {t: 1.0 for t in term_counts(query) if t not in gone  # 未发生 holds 发生, which is left out
               and not (_HAN.search(t) and any(part in t for part in left))}
    for term in weights.keys() & _QUESTION_STEMS:
        weights[term] = FACET_WORD_WEIGHT
    for m in FRAMING_PHRASES.finditer(query.lower()):  # "key risks", "before starting": what frames it, not its topic
        for term in term_counts(m[0]):
            if term in weights:
                weights[term] = FACET_WORD_WEIGHT
    spans = [query[start:end] for start, end in found.spans]
    for span in spans:
        for term in term_counts(span):
            weights[term] = FACET_WORD_WEIGHT
    # Chinese is cut into words differently in a span than in the question ("做得好" in "做得好的"):
    # a Chinese word holding a facet's words, or held by them, implied the facet too.
    for term in weights.keys() - {t for span in spans for t in term_counts(span)}:
        if _HAN.search(term) and any(_HAN.search(span) and (term in span or span.strip() in term) for span in spans):
            weights[term] = FACET_WORD_WEIGHT
    return weights


_QUESTION_STEMS = {stem(w) for w in QUESTION_WORDS}
_WORD = re.compile(r"[\w&'-]+")


def _without_question_words(question: str) -> str:
    """The question less the words that only frame it, for its meaning ("lessons from failed ERP projects" is
    read as "failed ERP"); empty when only such words and small words ("the", "at") are left."""
    kept = _WORD.sub(lambda m: "" if m[0].lower() in QUESTION_WORDS else m[0], question)
    kept = " ".join(kept.split())
    return kept if term_counts(kept) else ""


_HAN = re.compile(r"[\u4e00-\u9fff]")


def visible_rows(snap: Snapshot, visible: Visibility, include_unpublished: bool = False) -> np.ndarray:
    """A fresh bool mask of the rows an audience may see: published ones (all, when unpublished ones
    were asked for and the audience may see them), less the rows of its hidden projects."""
    rows = np.ones(snap.size, dtype=bool) if include_unpublished and visible.unpublished else snap.published.copy()
    if visible.hidden_projects:
        rows &= ~_hidden_rows(snap, visible.hidden_projects)
    return rows


def _hidden_rows(snap: Snapshot, hidden: frozenset[int]) -> np.ndarray:
    # Kept with the snapshot (read-only once made): a few distinct hidden sets per generation at most.
    key = ("hidden rows", hidden)
    mask = snap.cache.get(key)
    if mask is None:
        mask = np.isin(snap.project_ids, np.fromiter(hidden, dtype=np.int64))
        snap.cache[key] = mask
    return mask


def labels_in(snap: Snapshot, facet: str, rows: np.ndarray, hidden: frozenset[int]) -> list[str]:
    """The facet's values that some of `rows` (the visible rows, less `hidden` projects') have."""
    if not hidden:  # project facets of visible projects only; unpublished rows add no values to hide
        return snap.labels[facet]
    key = ("labels", facet, hidden)
    if key not in snap.cache:
        codes = np.unique(snap.codes[facet][rows])
        snap.cache[key] = [snap.labels[facet][c] for c in codes if c >= 0]
    return snap.cache[key]


def facet_mask(snap: Snapshot, facet: str, values: list[str]) -> np.ndarray:
    """Rows whose `facet` is one of `values`: a table lookup by code (a row without a value is -1,
    the table's last entry, never chosen), four times quicker than `np.isin` at 100k rows."""
    codes = [c for c in (snap.code_of(facet, v) for v in values) if c is not None]
    if not codes:
        return np.zeros(snap.size, dtype=bool)
    chosen = np.zeros(len(snap.labels[facet]) + 1, dtype=bool)
    chosen[codes] = True
    return chosen[snap.codes[facet]]


def apply_boosts(rows: np.ndarray, fused: np.ndarray, boosts: list[np.ndarray]):
    if not boosts or len(rows) == 0:
        return rows, fused
    factor = np.ones(len(rows))
    for mask in boosts:
        factor *= np.where(mask[rows], BOOST, 1.0)
    fused = fused * factor
    order = np.argsort(-fused, kind="stable")
    return rows[order], fused[order]


def browse_order(snap: Snapshot, allowed: np.ndarray) -> np.ndarray:
    """Without query words: most recent first, lessons before risks, newest rows first."""
    idx = np.flatnonzero(allowed)
    order = np.lexsort((-snap.ids[idx], snap.kinds[idx], -snap.years[idx]))
    return idx[order]
