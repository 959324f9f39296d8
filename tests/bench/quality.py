"""Only the NASA quality table, without latency, ingestion or load (a ranking change in minutes).

    python -m tests.bench.quality [--store DIR] [--only "Lessons KB"] [--split tuning|heldout|first|all]

`--store` reuses a data directory that already holds the NASA corpus (see tests/bench/pool.py).
Score the held-out split only once a change is settled: tuning to it would make it a tuning set.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tests.bench.metrics import evaluate

SPLITS = {"tuning": "PM tuning", "heldout": "PM held-out", "first": "first set"}


def main() -> None:
    from kb.embedding import SentenceTransformerEmbedder
    from search import SearchEngine
    from tests.bench.pool import open_nasa
    from tests.bench.run import nasa_judge, nasa_sets
    from tests.bench.systems import rankers

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--only", action="append", help="a system's name as the table prints it (repeatable)")
    parser.add_argument("--split", default="tuning", choices=[*SPLITS, "all"])
    args = parser.parse_args()
    kb = open_nasa(SentenceTransformerEmbedder(), args.store)
    engine = SearchEngine(kb)
    systems = rankers(kb, engine, only=args.only)
    judge = nasa_judge(kb)
    wanted = set(SPLITS.values()) if args.split == "all" else {SPLITS[args.split]}
    for name, questions in nasa_sets():
        if name not in wanted:
            continue
        grades = [judge(q) for q in questions]
        print(f"{name} ({len(questions)} q): nDCG@10 / R@20 / MRR")
        for system, rank in systems.items():
            start = time.perf_counter()
            ranked = [rank(q["query"]) for q in questions]
            ms = (time.perf_counter() - start) * 1000 / len(questions)
            s = evaluate(ranked, grades)
            print(f"  {system:28s} {s['nDCG@10']:.3f} / {s['Recall@20']:.3f} / {s['MRR']:.3f}   {ms:.1f} ms/q")


if __name__ == "__main__":
    main()
