"""Refit the confidence model of `search.confidence` from the graded question sets.

    python -m tests.bench.calibrate [--cache pairs.npz]

Every (question, result) pair among the top 20 results of the product's search on
tests/bench/eval_demo.jsonl (demo/) and eval_nasa.jsonl (../shared/corpus, when
present) becomes one example: its two signals (dense cosine, idf-weighted word
coverage) and whether the grader marked it relevant. A logistic regression on
them gives P(relevant); the script prints the coefficients to paste into
search/confidence.py, how well the probabilities match observed rates, and how
many questions each strong-result threshold would declare unanswered.
The unanswerable questions (eval_unanswerable.jsonl) are not used to fit:
they are the held-out test that `make bench` reports on.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from tests.bench import corpora

TOP = 20


def question_signals(engine, query: str) -> tuple[list[tuple[str, int]], np.ndarray, np.ndarray]:
    """The top results of one question with their (cosine, coverage) signals."""
    from kb.access import EVERYTHING
    from search import SearchRequest
    from search.confidence import signals
    from search.engine import query_weights, visible_rows

    snap = engine.snapshot()
    request = SearchRequest(q=query, limit=TOP)
    weights = query_weights(query, engine._detect(snap, request, visible_rows(snap, EVERYTHING), EVERYTHING))
    response = engine.search(request, log=False)
    cos, cover = signals(snap, engine.dense_scores(snap, query), weights, response.detected)
    keys, rows = [], []
    for hit in response.hits:
        keys.append((hit.kind, hit.id))
        rows.append(snap.row(hit.kind, hit.id))
    return keys, cos[rows], cover[rows]


def collect(engine, questions: list[dict], judge, corpus: str) -> list[dict]:
    """One record per question: its results' signals and relevance labels."""
    out = []
    for q in questions:
        grades = judge(q)
        keys, cos, cover = question_signals(engine, q["query"])
        labels = np.array([grades.get(k, 0) > 0 for k in keys], dtype=bool)
        out.append({"id": q["id"], "corpus": corpus, "cos": cos, "cover": cover, "labels": labels})
    return out


def fit(cos: np.ndarray, cover: np.ndarray, labels: np.ndarray, l2: float = 1e-3, steps: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method: (intercept, cosine, coverage)."""
    x = np.column_stack([np.ones(len(cos)), cos, cover]).astype(np.float64)
    y = labels.astype(np.float64)
    w = np.zeros(3)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ w))
        grad = x.T @ (p - y) + l2 * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.eye(3)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def probability(w: np.ndarray, cos: np.ndarray, cover: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(w[0] + w[1] * cos + w[2] * cover)))


def reliability(w: np.ndarray, cos, cover, labels, bins=(0, .1, .2, .3, .5, .7, .9, 1.01)) -> list[str]:
    p = probability(w, cos, cover)
    lines = []
    for lo, hi in zip(bins, bins[1:]):
        sel = (p >= lo) & (p < hi)
        if sel.any():
            lines.append(f"  P in [{lo:.1f}, {min(hi, 1):.1f}): {sel.sum():4d} results, "
                         f"mean P {p[sel].mean():.2f}, share relevant {labels[sel].mean():.2f}")
    return lines


CANDIDATES = tuple(round(t, 2) for t in np.arange(0.2, 0.71, 0.05))
MAX_FALSE_NO_ANSWER = 0.10
"""Telling a project manager "nothing here" when lessons exist costs more than a weak
list: the bar is the highest at which at most this share of answerable questions fails."""


def declared_unanswered(w: np.ndarray, records: list[dict], t: float) -> list[str]:
    return [r["id"] for r in records if len(r["cos"]) == 0 or probability(w, r["cos"], r["cover"]).max() < t]


def choose_strong(w: np.ndarray, records: list[dict]) -> float:
    ok = [t for t in CANDIDATES if len(declared_unanswered(w, records, t)) <= MAX_FALSE_NO_ANSWER * len(records)]
    return max(ok) if ok else min(CANDIDATES)


def thresholds(w: np.ndarray, records: list[dict], candidates=CANDIDATES) -> list[str]:
    lines = []
    for t in candidates:
        unanswered = declared_unanswered(w, records, t)
        strong = np.concatenate([probability(w, r["cos"], r["cover"]) >= t for r in records])
        labels = np.concatenate([r["labels"] for r in records])
        precision = labels[strong].mean() if strong.any() else float("nan")
        lines.append(f"  STRONG = {t:.2f}: {len(unanswered)}/{len(records)} questions declared unanswered "
                     f"{unanswered}; precision of strong results {precision:.2f}")
    return lines


def unanswerable(corpus: str) -> list[dict]:
    """Questions that nothing in `corpus` answers (demo or nasa)."""
    from tests.bench.run import load_questions

    return [q for q in load_questions(corpora.HERE / "eval_unanswerable.jsonl") if corpus in q["corpora"]]


def stores(embedder):
    """(label, engine, questions, judge) for each graded set whose corpus is here."""
    from search import SearchEngine
    from tests.bench.run import demo_judge, demo_store, load_questions, nasa_judge, open_store

    out = []
    kb = demo_store(embedder)
    out.append(("demo", SearchEngine(kb), load_questions(corpora.HERE / "eval_demo.jsonl"), demo_judge(kb)))
    if corpora.NASA.exists():
        kb = open_store("nasa", embedder)
        corpora.ingest_nasa(kb)
        out.append(("nasa", SearchEngine(kb), load_questions(corpora.HERE / "eval_nasa.jsonl"), nasa_judge(kb)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="reuse (or write) the collected pairs here")
    args = parser.parse_args()
    if args.cache and args.cache.exists():
        records = list(np.load(args.cache, allow_pickle=True)["records"])
    else:
        from kb.embedding import SentenceTransformerEmbedder

        embedder = SentenceTransformerEmbedder()
        records = []
        for label, engine, qs, judge in stores(embedder):
            records += collect(engine, qs, judge, label)
            records += collect(engine, unanswerable(label), lambda q: {}, f"unanswerable {label}")
        if args.cache:
            np.savez(args.cache, records=np.array(records, dtype=object))
    held_out = [r for r in records if r["corpus"].startswith("unanswerable")]
    records = [r for r in records if not r["corpus"].startswith("unanswerable")]
    cos = np.concatenate([r["cos"] for r in records])
    cover = np.concatenate([r["cover"] for r in records])
    labels = np.concatenate([r["labels"] for r in records])
    w = fit(cos, cover, labels)
    print(f"{len(records)} questions, {len(labels)} results, {labels.mean():.0%} relevant")
    print(f"INTERCEPT = {w[0]:.2f}\nCOSINE = {w[1]:.2f}\nCOVERAGE = {w[2]:.2f}")
    print("Calibration (fitted on all pairs):", *reliability(w, cos, cover, labels), sep="\n")
    print("Strong-result thresholds:", *thresholds(w, records), sep="\n")
    print(f"STRONG = {choose_strong(w, records):.2f}  (highest with at most {MAX_FALSE_NO_ANSWER:.0%} of answerable "
          "questions declared unanswered)")
    print("For information only (not used to choose): the held-out unanswerable questions",
          *thresholds(w, held_out), sep="\n")


if __name__ == "__main__":
    main()
