"""The four systems every quality row compares, over the same texts and model:

- BM25 alone (bm25s, its own English tokenizer and stop words),
- dense alone (all-MiniLM-L6-v2, exact cosine over the store's own vectors),
- a peer hybrid (txtai's hybrid index, same texts and model),
- Lessons KB's own search (`SearchEngine.search`, folded near-duplicates counted at their hit's rank).

Each ranker maps a question to its top `k` item keys, (kind, id). The bench extras
(bm25s, txtai: `pip install -e '.[bench]'`) are imported here only, so `make test`
never needs them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from tests.bench.metrics import dedupe

Key = tuple[str, int]
Ranker = Callable[[str], list[Key]]
TOP = 20
SYSTEMS = ("BM25 (bm25s)", "dense MiniLM, exact cosine", "txtai hybrid (peer)", "Lessons KB")


def published_items(kb) -> tuple[list[Key], list[str]]:
    """Every published lesson and risk with the text the store embeds for it."""
    from kb.texts import lesson_text, risk_text

    keys, texts = [], []
    with kb.session() as session:
        for kind, row in kb.iter_items(session):
            if row.published:
                keys.append((kind, row.id))
                texts.append(lesson_text(row) if kind == "lesson" else risk_text(row))
    return keys, texts


def bm25s_ranker(keys: list[Key], texts: list[str], k: int = TOP) -> Ranker:
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)

    def rank(query: str) -> list[Key]:
        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
        if not tokens.vocab:
            return []
        docs, scores = retriever.retrieve(tokens, k=min(k, len(keys)), show_progress=False)
        return [keys[int(d)] for d, s in zip(docs[0], scores[0]) if s > 0]
    return rank


def dense_ranker(engine, k: int = TOP) -> Ranker:
    """Exact cosine over the vectors search itself reads (published rows only)."""
    from search.index import KINDS
    from search.ranking import top_rows

    def rank(query: str) -> list[Key]:
        snap = engine.snapshot()
        rows = top_rows(snap.dense @ engine.query_vector(query), snap.published, k)
        return [(KINDS[int(snap.kinds[r])], int(snap.ids[r])) for r in rows]
    return rank


def txtai_ranker(keys: list[Key], texts: list[str], k: int = TOP) -> Ranker:
    from txtai import Embeddings

    from kb.embedding import default_model_path

    index = Embeddings(path=default_model_path(), hybrid=True, content=False)
    index.index([(i, t, None) for i, t in enumerate(texts)])
    return lambda query: [keys[int(i)] for i, _ in index.search(query, k)]


def lessons_kb_ranker(engine, k: int = TOP) -> Ranker:
    from search import SearchRequest

    def rank(query: str) -> list[Key]:
        response = engine.search(SearchRequest(q=query, limit=k), log=False)
        out = []
        for hit in response.hits:
            out.append((hit.kind, hit.id))
            out.extend((hit.kind, s.item_id) for s in hit.seen_in if s.item_id != hit.id)
        return dedupe(out)[:k]
    return rank


def rankers(kb, engine, k: int = TOP, only: list[str] | None = None) -> dict[str, Ranker]:
    """The systems that can run here (or only those named); a missing bench extra drops
    its row with a note on stderr."""
    keys, texts = published_items(kb)
    out: dict[str, Ranker] = {}
    for name, make in ((SYSTEMS[0], lambda: bm25s_ranker(keys, texts, k)), (SYSTEMS[1], lambda: dense_ranker(engine, k)),
                       (SYSTEMS[2], lambda: txtai_ranker(keys, texts, k)), (SYSTEMS[3], lambda: lessons_kb_ranker(engine, k))):
        if only and name not in only:
            continue
        try:
            out[name] = make()
        except ImportError as exc:
            print(f"{name} left out: {exc} (pip install -e '.[bench]')", file=sys.stderr)
    return out
