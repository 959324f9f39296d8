"""How close in meaning two versions of one item stay, against two different items of one
document: the measurement behind `kb.identity.SAME_ITEM_COSINE`.

    python -m tests.bench.identity_threshold

Every lesson and risk of the demo corpus is compared with (a) the closest *other* item of
its own document, (b) itself with one letter dropped from its title, and (c) itself with an
eighth of its words replaced. A good threshold is above every (a) and below most (b) and (c);
what it misses, the exact-text passes of kb.identity usually catch first.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from ingest.context import ParseContext
from ingest.pipeline import parse_bytes
from ingest.walk import collect_files
from kb.embedding import SentenceTransformerEmbedder
from kb.identity import SAME_ITEM_COSINE
from kb.texts import lesson_text, risk_text

DEMO = Path(__file__).parent.parent.parent / "demo"


def _typo(title: str, text: str, rng: random.Random) -> str:
    i = rng.randrange(1, max(2, len(title) - 1))
    return text.replace(title, title[:i] + title[i + 1:], 1)


def _reword(text: str, rng: random.Random) -> str:
    words = text.split()
    for _ in range(max(1, len(words) // 8)):
        words[rng.randrange(len(words))] = rng.choice(["the", "a", "our", "this", "very"])
    return " ".join(words)


def measure() -> dict[str, np.ndarray]:
    embedder, rng = SentenceTransformerEmbedder(), random.Random(1)
    out: dict[str, list[float]] = {"different item": [], "title typo": [], "an eighth reworded": []}
    for path in collect_files([DEMO]):
        try:
            parsed = parse_bytes(path.name, path.read_bytes(), ParseContext(max_bytes=10**9))
        except Exception:  # the demo holds no broken file, but a measurement should not stop on one
            continue
        items = [(lesson_text(x), x) for x in parsed.lessons] + [(risk_text(x), x) for x in parsed.risks]
        if len(items) < 2:
            continue
        vectors = embedder.embed_batch([t for t, _ in items])
        sims = vectors @ vectors.T
        np.fill_diagonal(sims, -1)
        out["different item"] += sims.max(axis=1).tolist()
        typos = embedder.embed_batch([_typo(x.title, t, rng) for t, x in items])
        out["title typo"] += (typos * vectors).sum(axis=1).tolist()
        reworded = embedder.embed_batch([_reword(t, rng) for t, _ in items])
        out["an eighth reworded"] += (reworded * vectors).sum(axis=1).tolist()
    return {k: np.array(v) for k, v in out.items()}


def main() -> None:
    figures = measure()
    print(f"{'pair':22s} {'n':>5s} {'min':>6s} {'p5':>6s} {'median':>6s} {'max':>6s}  at or above {SAME_ITEM_COSINE}")
    for name, xs in figures.items():
        above = int((xs >= SAME_ITEM_COSINE).sum())
        print(f"{name:22s} {len(xs):5d} {xs.min():6.3f} {np.percentile(xs, 5):6.3f} {np.median(xs):6.3f} "
              f"{xs.max():6.3f}  {above} ({above / len(xs):.0%})")


if __name__ == "__main__":
    main()
