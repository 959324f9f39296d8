"""Scoring and fusion: BM25 and dense scores over a snapshot, reciprocal
rank fusion (or a weighted blend), and near-duplicate grouping."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from search.index import Snapshot

RRF_K = 60
DUPLICATE_COSINE = 0.9
"""Two items this close are the same lesson recorded twice (read from NASA and demo pairs)."""
DENSE_MATCH = 0.35
"""Cosine from which an item counts as matching on meaning alone (all-MiniLM-L6-v2)."""
KEYWORD_MATCH = 0.2
"""Share of the best BM25 score from which an item counts as matching on words."""


@dataclass
class TextScores:
    bm25: np.ndarray | None     # per row, None when the query has no known words
    dense: np.ndarray | None    # per row, None when the query has no content words
    match: np.ndarray           # bool per row: the query's matching set before filters


def bm25_scores(snap: Snapshot, weights: dict[str, float]) -> np.ndarray | None:
    cols = [snap.vocab[t] for t in weights if t in snap.vocab]
    if not cols:
        return None
    w = np.array([weights[t] for t in weights if t in snap.vocab], dtype=np.float32)
    return np.asarray(snap.bm25[:, cols] @ w).ravel()


def matching_set(snap: Snapshot, content_bm25: np.ndarray | None, dense: np.ndarray | None) -> np.ndarray:
    """Items that match the query's content words or, failing that, its meaning."""
    match = np.zeros(snap.size, dtype=bool)
    if content_bm25 is not None and content_bm25.max() > 0:
        match |= content_bm25 >= KEYWORD_MATCH * content_bm25.max()
    if dense is not None:
        match |= dense >= DENSE_MATCH
    return match


def top_rows(scores: np.ndarray, allowed: np.ndarray, k: int) -> np.ndarray:
    """Rows of the k best allowed scores, best first (only positive BM25 scores count)."""
    idx = np.flatnonzero(allowed)
    if len(idx) == 0:
        return idx
    sub = scores[idx]
    if len(idx) > k:
        part = np.argpartition(-sub, k - 1)[:k]
        idx, sub = idx[part], sub[part]
    return idx[np.argsort(-sub, kind="stable")]


def fuse_rrf(lists: list[tuple[np.ndarray, float]], k: int = RRF_K) -> tuple[np.ndarray, np.ndarray]:
    """Reciprocal rank fusion; scores are scaled so 1.0 means first in every list."""
    fused: dict[int, float] = {}
    for rows, weight in lists:
        for rank, row in enumerate(rows.tolist()):
            fused[row] = fused.get(row, 0.0) + weight / (k + rank + 1)
    best = sum(w for _, w in lists) / (k + 1)
    rows = np.fromiter(fused.keys(), dtype=np.int64, count=len(fused))
    scores = np.fromiter(fused.values(), dtype=np.float64, count=len(fused)) / best
    order = np.argsort(-scores, kind="stable")
    return rows[order], scores[order]


def fuse_weighted(pool: np.ndarray, bm25: np.ndarray | None, dense: np.ndarray | None,
                  alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """alpha * dense + (1 - alpha) * BM25, each divided by its best score in the pool.

    Cosines are not stretched to [0, 1] (min-max): that turned small differences in
    meaning into large ones and let keyword noise decide the top result."""
    total = np.zeros(len(pool))
    if len(pool) == 0:
        return pool, total
    if dense is not None:
        d = np.clip(dense[pool], 0.0, None)
        total += alpha * d / max(d.max(), 1e-9)
    if bm25 is not None:
        b = bm25[pool]
        total += (1 - alpha) * b / max(b.max(), 1e-9)
    order = np.argsort(-total, kind="stable")
    return pool[order], total[order]


# --- near-duplicates ---------------------------------------------------------------
# Thresholds read from every same-kind pair on the demo corpus (all-MiniLM-L6-v2; a pair with a
# Chinese side is compared on that scale by the multilingual model, `search.multilingual`):
# one project tells the same story in its closure report, retrospective and register
# in different words, so within a project 0.62 still pairs one event (sub-ledger
# reconciliation 0.69, UAT squeezed 0.64) while below it distinct lessons appear
# ("undocumented dependencies" vs "lessons not applied to the next wave", 0.617).
# Across projects, pairs from 0.73 read as one lesson ("pause a project whose sponsor
# leaves", KPI dictionary); below, distinct failures of one kind (sub-ledger vs
# master data, 0.72).
SAME_LESSON_COSINE = 0.73
"""Same kind and polarity, other projects: the same lesson learned again."""
SAME_PROJECT_COSINE = 0.62
"""Same kind and polarity, one project, another of its documents: one event told twice."""


def duplicate_mask(snap: Snapshot, row: int, others: np.ndarray) -> np.ndarray:
    """Which of `others` (rows) are near-duplicates of `row`."""
    sims = snap.similarities(row, others)
    limit = np.full(len(others), DUPLICATE_COSINE)
    alike = (snap.kinds[others] == snap.kinds[row]) & _compatible_polarity(snap, row, others)
    limit[alike] = SAME_LESSON_COSINE
    project = snap.project_ids[row]
    same_story = alike & (project >= 0) & (snap.project_ids[others] == project)
    limit[same_story & (snap.document_ids[others] != snap.document_ids[row])] = SAME_PROJECT_COSINE
    # Two items of one document were written as different lessons on purpose.
    limit[same_story & (snap.document_ids[others] == snap.document_ids[row])] = DUPLICATE_COSINE
    return sims >= limit


def _compatible_polarity(snap: Snapshot, row: int, others: np.ndarray) -> np.ndarray:
    """False where one says it went well and the other that it went wrong."""
    well, wrong = snap.code_of("polarity", "went well"), snap.code_of("polarity", "went wrong")
    codes, mine = snap.codes["polarity"][others], snap.codes["polarity"][row]
    if well is None or wrong is None or mine not in (well, wrong):
        return np.ones(len(others), dtype=bool)
    return codes != (wrong if mine == well else well)


def group_duplicates(snap: Snapshot, rows: np.ndarray) -> list[list[int]]:
    """Near-duplicates in ranked rows, folded into the best-ranked one: [[rep, dup, ...], ...]."""
    rows = np.asarray(rows)
    later = np.triu(duplicate_pairs(snap, rows), 1)  # only a lower-ranked row folds into a higher one
    has_later = later.any(axis=1).tolist()
    ids = rows.tolist()
    groups: list[list[int]] = []
    taken = np.zeros(len(rows), dtype=bool)
    for i in range(len(ids)):
        if taken[i]:
            continue
        if not has_later[i]:  # most rows: nothing to fold, no array work
            groups.append([int(ids[i])])
            continue
        dups = np.flatnonzero(later[i] & ~taken)
        taken[dups] = True
        groups.append([int(ids[i])] + [int(ids[j]) for j in dups])
    return groups


def duplicate_pairs(snap: Snapshot, rows: np.ndarray) -> np.ndarray:
    """`duplicate_mask` for every pair of `rows` at once: [i, j] says whether rows[j] is a
    near-duplicate of rows[i]. One matrix product for a ranked pool of 200 instead of 200
    gathers of the pool's vectors (measured: the pool's folding was a tenth of a search)."""
    rows = np.asarray(rows, dtype=np.int64)
    sims = snap.pair_similarities(rows)
    kinds, projects, documents = snap.kinds[rows], snap.project_ids[rows], snap.document_ids[rows]
    alike = (kinds[:, None] == kinds[None, :]) & _compatible_polarities(snap, rows)
    same_story = alike & (projects[:, None] >= 0) & (projects[:, None] == projects[None, :])
    same_document = documents[:, None] == documents[None, :]
    limit = np.full(sims.shape, DUPLICATE_COSINE)
    limit[alike] = SAME_LESSON_COSINE
    limit[same_story & ~same_document] = SAME_PROJECT_COSINE
    limit[same_story & same_document] = DUPLICATE_COSINE  # written as different lessons on purpose
    return sims >= limit


def _compatible_polarities(snap: Snapshot, rows: np.ndarray) -> np.ndarray:
    """`_compatible_polarity` for every pair of `rows`."""
    well, wrong = snap.code_of("polarity", "went well"), snap.code_of("polarity", "went wrong")
    if well is None or wrong is None:
        return np.ones((len(rows), len(rows)), dtype=bool)
    codes = snap.codes["polarity"][rows]
    return ~(((codes[:, None] == well) & (codes[None, :] == wrong)) | ((codes[:, None] == wrong) & (codes[None, :] == well)))


def duplicates_of(snap: Snapshot, row: int) -> list[int]:
    """Every other row that is a near-duplicate of `row`, in the whole snapshot."""
    # Only rows above the lowest threshold can be duplicates: check those, rather than
    # gathering every vector of the snapshot (150 MB at 100k) for each lesson page.
    sims = snap.similarities(row)
    others = np.flatnonzero(sims >= min(SAME_PROJECT_COSINE, SAME_LESSON_COSINE, DUPLICATE_COSINE) - 1e-6)
    others = others[others != row]
    return [int(r) for r in others[duplicate_mask(snap, row, others)]]
