"""The grading pool of a NASA question set: every system's top 20 that nobody has graded yet.

    python -m tests.bench.pool [--set eval_nasa_pm.jsonl] [--store DIR] [--out pool.jsonl]

Each line of the output is one (question, lesson) pair to read: the question, its
grading rule, the LLIS lesson id and the lesson's text. A grader writes the grade
(0, 1 or 2) into the set's `judged` list as {"lesson_id": ..., "grade": ...}; the
set keeps lesson ids and grades only, never lesson text. Re-run after a ranking
change: the pairs it lists are the ones the judgments do not yet cover.
`--store` reuses a data directory that already holds the NASA corpus.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tests.bench import corpora
from tests.bench.systems import rankers


def open_nasa(embedder, store: Path | None):
    from kb.settings import Settings
    from kb.store import KnowledgeBase
    from tests.bench.run import open_store

    if store is None:
        kb = open_store("nasa", embedder)
        corpora.ingest_nasa(kb)
        return kb
    kb = KnowledgeBase.open(Settings(data_dir=store, _env_file=None), embedder=embedder)
    if not lesson_rows(kb):
        corpora.ingest_nasa(kb)
    return kb


def lesson_rows(kb) -> dict[int, tuple[str, str]]:
    """SQL id -> (LLIS lesson id, text)."""
    from sqlmodel import select

    from kb.models import Lesson
    from kb.texts import lesson_text

    with kb.session() as session:
        return {r.id: (r.external_id, lesson_text(r)) for r in session.exec(select(Lesson))}


def unjudged(kb, questions: list[dict]) -> list[dict]:
    from search import SearchEngine

    engine = SearchEngine(kb)
    systems = rankers(kb, engine)
    rows = lesson_rows(kb)
    out = []
    for q in questions:
        seen = {str(j["lesson_id"]) for j in q.get("judged", q.get("relevant", []))}
        for name, rank in systems.items():
            for kind, item_id in rank(q["query"]):
                ext, text = rows[item_id]
                if kind == "lesson" and ext not in seen:
                    seen.add(ext)
                    out.append({"id": q["id"], "query": q["query"], "rule": q.get("rule", ""), "lesson_id": int(ext),
                                "first_by": name, "text": text})
    return out


def main() -> None:
    from kb.embedding import SentenceTransformerEmbedder
    from tests.bench.run import load_questions

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="eval_nasa_pm.jsonl")
    parser.add_argument("--store", type=Path)
    parser.add_argument("--out", type=Path, default=Path("pool.jsonl"))
    args = parser.parse_args()
    kb = open_nasa(SentenceTransformerEmbedder(), args.store)
    pairs = unjudged(kb, load_questions(corpora.HERE / args.set))
    args.out.write_text("".join(json.dumps(p) + "\n" for p in pairs), encoding="utf-8")
    print(f"{len(pairs)} pairs to grade written to {args.out}")


if __name__ == "__main__":
    main()
