"""How sure search is that a result answers the question, on an absolute scale.

Fused scores are divided by the best score of each query, so the first result
always looks perfect, even for a question the knowledge base cannot answer
("how do we handle lunar dust" matched "handle" and scored 0.96). Confidence
is instead a logistic model of two signals that mean the same thing for every
query: the dense cosine of question and item, and the share of the question's
words (weighted by rarity) the item contains. Words the knowledge base has
never seen count as missing from every item, so "lunar dust" cannot be
carried by "handle".

The coefficients are fitted on the graded question sets by
`python -m tests.bench.calibrate`, which prints the fit; paste its output here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from search.index import Snapshot

# Fitted by tests.bench.calibrate on eval_demo + eval_nasa (pairs: top-20 results, relevant or not).
INTERCEPT = -7.0
COSINE = 10.0
COVERAGE = 3.0
STRONG = 0.5
"""A result at or above this probability of being relevant answers the question;
a search with none is not answered and counts as a knowledge gap."""


def coverage(snap: Snapshot, weights: dict[str, float]) -> np.ndarray:
    """Per row, the share of the question's idf mass whose words the row contains.

    Only content words count when the question has any: words that named a facet
    ("went wrong", "ERP migrations") already did their work as filters or boosts.
    Unknown words weigh as much as the rarest possible word and are never present."""
    content = {t: w for t, w in weights.items() if w == 1.0}
    weights = content or weights
    if not weights or not snap.size:
        return np.zeros(snap.size, dtype=np.float32)
    unseen_idf = float(np.log1p((snap.size + 0.5) / 0.5))
    known = [t for t in weights if t in snap.vocab]
    total = sum(weights[t] * (float(snap.idf[snap.vocab[t]]) if t in snap.vocab else unseen_idf) for t in weights)
    if not known or total <= 0:
        return np.zeros(snap.size, dtype=np.float32)
    cols = [snap.vocab[t] for t in known]
    mass = np.array([weights[t] * float(snap.idf[snap.vocab[t]]) for t in known], dtype=np.float32)
    present = (snap.bm25[:, cols] > 0).astype(np.float32)
    return np.asarray(present @ mass).ravel() / total


def signals(snap: Snapshot, dense: np.ndarray | None, weights: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """(cosine, coverage) per row; cosine is zero where the query has no vector."""
    cos = np.clip(dense, 0.0, 1.0) if dense is not None else np.zeros(snap.size, dtype=np.float32)
    return cos, coverage(snap, weights)


def probability(cos: np.ndarray, cover: np.ndarray) -> np.ndarray:
    """P(relevant) from the two signals."""
    z = INTERCEPT + COSINE * np.asarray(cos, dtype=np.float64) + COVERAGE * np.asarray(cover, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-z))


def confidences(snap: Snapshot, dense: np.ndarray | None, weights: dict[str, float]) -> np.ndarray:
    """Calibrated confidence per snapshot row for one question (zeros without query words)."""
    if not weights:
        return np.zeros(snap.size)
    return probability(*signals(snap, dense, weights))


@dataclass
class Verdict:
    """Whether a search answers its question, and how sure each row is."""

    confidence: np.ndarray | None
    """Per snapshot row; None when the query has no words to judge (browsing, filters only)."""
    strong: np.ndarray
    """Bool per row: allowed and at or above STRONG (every allowed row when browsing)."""

    @property
    def answered(self) -> bool:
        return bool(self.strong.any())

    def best(self, allowed: np.ndarray) -> float | None:
        if self.confidence is None or not allowed.any():
            return None
        return float(self.confidence[allowed].max())

    def of(self, row: int) -> tuple[float, bool]:
        if self.confidence is None:
            return 0.0, True
        return round(float(self.confidence[row]), 4), bool(self.strong[row])


def judge(snap: Snapshot, dense: np.ndarray | None, weights: dict[str, float], allowed: np.ndarray) -> Verdict:
    if not weights:
        return Verdict(None, allowed.copy())
    conf = confidences(snap, dense, weights)
    return Verdict(conf, allowed & (conf >= STRONG))
