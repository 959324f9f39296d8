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


def group_duplicates(snap: Snapshot, rows: np.ndarray, threshold: float = DUPLICATE_COSINE) -> list[list[int]]:
    """Near-duplicates in ranked rows, folded into the best-ranked one: [[rep, dup, ...], ...]."""
    if len(rows) == 0:
        return []
    vecs = snap.dense[rows]
    sims = vecs @ vecs.T
    groups: list[list[int]] = []
    leader = np.full(len(rows), -1)
    for i in range(len(rows)):
        if leader[i] >= 0:
            continue
        dups = np.flatnonzero((sims[i, i + 1:] >= threshold) & (leader[i + 1:] < 0)) + i + 1
        leader[dups] = i
        groups.append([int(rows[i])] + [int(rows[j]) for j in dups])
    return groups
