"""Does a lower-priority ingest thread let searches preempt it? (`kb.priority`)

    python -m tests.bench.priority [--seconds 10] [--searchers 4]

In one process, as in `kb serve`: `--searchers` threads each encode a new question and
score it against 2,000 vectors in a loop (what a search costs on its CPU side), while one
thread embeds batches of lesson-sized texts as an ingest does. Three rounds, back to
back: no ingest, the ingest at the searchers' priority, and the ingest lowered by
`kb.priority.lower_this_thread`. For each: the searches' p50/p95, searches per second
lessons embedded per second, and the ingest thread's share of the process's CPU time
(the scheduler's split between the threads, which other processes on the machine blur
less than they blur latency). With more runnable threads than cores, the lowered
ingest should leave the searches close to the no-ingest round."""

from __future__ import annotations

import argparse
import random
import threading
import time

import numpy as np

from kb.embedding import SentenceTransformerEmbedder, set_torch_threads
from kb.priority import lower_this_thread

WORDS = ("vendor delays testing data migration scope budget training cutover stakeholder requirements "
         "integration contract go-live resourcing security reporting schedule licences governance").split()


def text(n: int) -> str:
    return " ".join(random.choice(WORDS) for _ in range(n))


def searcher(embedder, dense: np.ndarray, stop: threading.Event, took: list[float]) -> None:
    while not stop.is_set():
        start = time.perf_counter()
        vec = embedder.embed_query(text(8) + f" {random.randint(1, 10**6)}")
        np.argsort(-(dense @ vec))[:200]
        took.append(time.perf_counter() - start)
        time.sleep(0.005)  # a request's own I/O and the client's think time, however short


def ingester(embedder, stop: threading.Event, lower: bool, done: list[int], cpu: list[float]) -> None:
    if lower:
        lower_this_thread()
    while not stop.is_set():
        embedder.embed_batch([text(120) for _ in range(16)])
        done.append(16)
    cpu.append(time.thread_time())


def round_(embedder, dense, seconds: float, searchers: int, ingest: str) -> dict:
    stop, took, done, cpu = threading.Event(), [], [], []
    threads = [threading.Thread(target=searcher, args=(embedder, dense, stop, took)) for _ in range(searchers)]
    if ingest != "none":  # a fresh thread each round: a lowered priority cannot be raised again
        threads.append(threading.Thread(target=ingester, args=(embedder, stop, ingest == "lowered", done, cpu)))
    process = time.process_time()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    process = time.process_time() - process
    ms = np.array(took) * 1000
    return {"ingest": ingest, "searches/s": round(len(took) / seconds, 1), "p50 ms": round(float(np.percentile(ms, 50)), 1),
            "p95 ms": round(float(np.percentile(ms, 95)), 1), "lessons/s": round(sum(done) / seconds, 1),
            "ingest share of the process's CPU": f"{100 * sum(cpu) / process:.0f}%",
            "CPU ms per search": round(1000 * (process - sum(cpu)) / max(len(took), 1), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--searchers", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    set_torch_threads(1)
    embedder = SentenceTransformerEmbedder(threads=1)
    dense = embedder.embed_batch([text(30) for _ in range(2000)])
    for _ in range(args.repeat):
        for ingest in ("none", "same priority", "lowered"):
            print(round_(embedder, dense, args.seconds, args.searchers, ingest), flush=True)


if __name__ == "__main__":
    main()
