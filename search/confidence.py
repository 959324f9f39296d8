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

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from search.index import Snapshot
from search.models import DetectedFacet
from search.text import term_counts

# Fitted by tests.bench.calibrate on eval_demo + eval_nasa: 1,362 (question, top-20 result)
# pairs, 32% relevant. Predicted and observed rates agree within 0.05 in every bin.
# (Fitted before facet words applied as filters counted as covered; a refit with that gives
# -3.31 / 3.68 / 2.31 and a bar of 0.20: on the fit's top 20 it declares 1 of 76 answerable and
# 42 of 46 unanswerable questions unanswered, against 5 and 42 here, but it is not yet measured
# through the engine, and its bar sits on the score tests/kb/test_metrics.py logs as a gap.
# These constants were measured end to end: see README, Benchmarks. Counting the words of topic
# facets that only rank, the same fit gives -3.75 / 3.80 / 2.81 and a bar of 0.20; the constants
# below, measured end to end with that change, kept every no-answer rate and lowered the Brier
# score on every graded set, so they stay.)
INTERCEPT = -2.89
COSINE = 3.28
COVERAGE = 2.01
STRONG = 0.25
"""A result at or above this probability of being relevant answers the question;
a search with none is not answered and counts as a knowledge gap. The highest bar
at which at most 10% of the graded (answerable) questions are declared unanswered
(5 of 76 in the top 20 the fit sees; 1 of 76 through the engine, which looks at every
matching row); 0.30 wrongly told 14 of them that nothing answers them."""


TOPIC_FACETS = ("category", "phase", "project_type", "industry", "portfolio")
"""Facets that say what a question is about. When one ranks instead of filtering, its words are
the question's topic and count in coverage like any content word: in "super users and champions"
("super users" reads as the training category) they did not, so every lesson about super users
covered nothing of the question and showed as a weak match above the lessons about champions.
Measured (README, Benchmarks): Brier score better on every graded set, the share of weak matches
that are relevant down, no-answer rates unchanged."""


def coverage(snap: Snapshot, weights: dict[str, float], satisfied: Iterable[str] = (),
             topic: Iterable[str] = (), tagged: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Per row, the share of the question's idf mass whose words the row contains.

    Content words count, and so do the words of facets applied as filters
    (`satisfied`: "went wrong", "ERP migrations"), which every filtered row has, and
    the words of topic facets that only rank (`topic`: "super users"), where the row has them;
    question words ("past", "lessons") and other facets ("mistakes") do not, unless
    the question has nothing else.
    A filter's words count for nothing when the question's own words are in no row: every row of
    the filter holds them, and the question's topic is what the knowledge base lacks ("what went
    wrong on healthcare projects" is not half answered by every lesson that went wrong).
    Unknown words weigh as much as the rarest possible word and are never present, except the
    words of a filter, which no row needs to contain: they are left out ("2022年以来已发生的风险",
    materialised risks since 2022, is all filters, and its Chinese words are in no English row).
    `tagged`: for a topic's words, the rows tagged with the topic, which hold them by their tag: "governance" is in
    no demo lesson's text, but the lessons tagged governance answer "governance"."""
    own = _own_coverage(snap, weights, set(satisfied), topic)
    tagged = {t: rows for t, rows in (tagged or {}).items() if t in weights}
    if not tagged:
        return own
    unseen_idf = float(np.log1p((snap.size + 0.5) / 0.5))
    idf = {t: float(snap.idf[snap.vocab[t]]) if t in snap.vocab else unseen_idf for t in weights}
    content = {t for t, w in weights.items() if w == 1.0} | set(topic) | set(satisfied)
    total = sum(idf[t] for t in (content & weights.keys() or weights.keys()))
    out = own.copy()
    for term, rows in tagged.items():
        has = (np.asarray(snap.bm25[:, snap.vocab[term]].todense()).ravel() > 0 if term in snap.vocab
               else np.zeros(snap.size, dtype=bool))
        out[rows & ~has] += idf[term] / total if total > 0 else 0.0
    return np.minimum(out, 1.0).astype(np.float32)


def _own_coverage(snap: Snapshot, weights: dict[str, float], satisfied: set[str], topic: Iterable[str]) -> np.ndarray:
    """`coverage` by the words each row's text holds."""
    kept = {t: w for t, w in weights.items() if t in snap.vocab or t not in satisfied}
    if weights and not kept:  # every word named a filter, which every filtered row meets
        return np.ones(snap.size, dtype=np.float32)
    weights = kept
    satisfied = {t: 1.0 for t in satisfied if t in weights}
    topic = {t: 1.0 for t in topic if t in weights}
    weights = {t: w for t, w in weights.items() if w == 1.0} | topic | satisfied or weights
    if not weights or not snap.size:
        return np.zeros(snap.size, dtype=np.float32)
    unseen_idf = float(np.log1p((snap.size + 0.5) / 0.5))
    known = [t for t in weights if t in snap.vocab]
    total = sum(weights[t] * (float(snap.idf[snap.vocab[t]]) if t in snap.vocab else unseen_idf) for t in weights)
    if not known or total <= 0:
        return np.zeros(snap.size, dtype=np.float32)
    found = [t for t in known if t not in satisfied]
    given = sum(weights[t] * float(snap.idf[snap.vocab[t]]) for t in known if t in satisfied)
    if not found:  # the filters' words only, unless the question's own words are in no row ("healthcare");
        # a topic's word in no row's text ("governance") is still the topic its rows are tagged with
        share = 0.0 if any(t not in satisfied and t not in topic for t in weights) else given / total
        return np.full(snap.size, share, dtype=np.float32)
    mass = np.array([weights[t] * float(snap.idf[snap.vocab[t]]) for t in found], dtype=np.float32)
    present = (snap.bm25[:, [snap.vocab[t] for t in found]] > 0).astype(np.float32)
    return (np.asarray(present @ mass).ravel() + given) / total


def signals(snap: Snapshot, dense: np.ndarray | None, weights: dict[str, float],
            detected: Iterable[DetectedFacet] = ()) -> tuple[np.ndarray, np.ndarray]:
    """(cosine, coverage) per row; cosine is zero where the query has no vector."""
    cos = np.clip(dense, 0.0, 1.0) if dense is not None else np.zeros(snap.size, dtype=np.float32)
    detected = list(detected)
    return cos, coverage(snap, weights, filter_terms(detected), topic_terms(detected), topic_tags(snap, detected))


def topic_tags(snap: Snapshot, detected: Iterable[DetectedFacet]) -> dict[str, np.ndarray]:
    """For each word of a topic read from the question that only ranks, the rows tagged with that topic."""
    out: dict[str, np.ndarray] = {}
    for d in detected:
        code = snap.code_of(d.facet, d.value) if not d.applied and d.facet in TOPIC_FACETS else None
        if code is not None:
            rows = snap.codes[d.facet] == code
            for term in term_counts(d.phrase):
                out[term] = out[term] | rows if term in out else rows
    return out


def filter_terms(detected: Iterable[DetectedFacet]) -> set[str]:
    """Stemmed words of the facets read from the question that were applied as filters."""
    return {t for d in detected if d.applied for t in term_counts(d.phrase)}


def topic_terms(detected: Iterable[DetectedFacet]) -> set[str]:
    """Stemmed words of the topic facets read from the question that rank rather than filter."""
    return {t for d in detected if not d.applied and d.facet in TOPIC_FACETS for t in term_counts(d.phrase)}


def probability(cos: np.ndarray, cover: np.ndarray) -> np.ndarray:
    """P(relevant) from the two signals."""
    return _sigmoid(logit(cos, cover))


def logit(cos: np.ndarray, cover: np.ndarray) -> np.ndarray:
    """The log-odds of relevance `probability` turns into a probability (increasing with it)."""
    return INTERCEPT + COSINE * np.asarray(cos, dtype=np.float64) + COVERAGE * np.asarray(cover, dtype=np.float64)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


STRONG_LOGIT = float(np.log(STRONG / (1.0 - STRONG)))


@dataclass
class Verdict:
    """Whether a search answers its question, and how sure each row is.

    It keeps each row's log-odds and turns into probabilities only the rows a reply shows:
    the exponential of every row was a third of judging a question at 100k rows."""

    logits: np.ndarray | None
    """Per snapshot row; None when the query has no words to judge (browsing, filters only)."""
    strong: np.ndarray
    """Bool per row: allowed and at or above STRONG (every allowed row when browsing)."""

    @property
    def answered(self) -> bool:
        return bool(self.strong.any())

    def best(self, allowed: np.ndarray) -> float | None:
        if self.logits is None or not allowed.any():
            return None
        return float(_sigmoid(self.logits[allowed].max()))  # the most likely row's, as probabilities rise with it

    def of(self, row: int) -> tuple[float, bool]:
        if self.logits is None:
            return 0.0, bool(self.strong[row])
        return round(float(_sigmoid(self.logits[row])), 4), bool(self.strong[row])


def judge(snap: Snapshot, dense: np.ndarray | None, weights: dict[str, float], allowed: np.ndarray,
          detected: Iterable[DetectedFacet] = ()) -> Verdict:
    """Confidence for every row; the rows of `allowed` that clear STRONG answer the question. A question
    with no word to judge by is answered by its filters (browsing, or filters given or read from it); one with
    no filter either ("the", "?") allows nothing (`SearchEngine.search`), so nothing answers it."""
    if not weights:
        return Verdict(None, allowed.copy())
    z = logit(*signals(snap, dense, weights, detected))
    strong = np.zeros(snap.size, dtype=bool)
    near = np.flatnonzero(allowed & (z >= STRONG_LOGIT - 1e-6))  # then the exact test, as `probability` rounds
    strong[near] = _sigmoid(z[near]) >= STRONG
    return Verdict(z, strong)
