"""Ranking metrics over graded relevance judgements."""

from __future__ import annotations

import math
from statistics import mean


def ndcg_at(ranked: list, grades: dict, k: int = 10) -> float:
    dcg = sum((2 ** grades.get(doc, 0) - 1) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list, grades: dict, k: int = 20) -> float:
    relevant = {d for d, g in grades.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def mrr(ranked: list, grades: dict) -> float:
    for i, doc in enumerate(ranked):
        if grades.get(doc, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def evaluate(rankings: list[list], judgements: list[dict]) -> dict[str, float]:
    """Mean nDCG@10, Recall@20 and MRR over queries (rankings[i] answers judgements[i])."""
    return {
        "nDCG@10": mean(ndcg_at(r, g) for r, g in zip(rankings, judgements)),
        "Recall@20": mean(recall_at(r, g) for r, g in zip(rankings, judgements)),
        "MRR": mean(mrr(r, g) for r, g in zip(rankings, judgements)),
    }


def dedupe(seq: list) -> list:
    seen, out = set(), []
    for x in seq:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out
