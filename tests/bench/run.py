"""`make bench`: retrieval quality, latency, ingestion throughput and memory,
printed as one table and written to bench-results/.

Quality rows compare BM25 alone (bm25s), dense alone (exact cosine), a well-known
peer (txtai's hybrid index on the same texts and model) and Lessons KB's search
(tests/bench/systems.py) on every judged question set: the demo set, the NASA
project managers' questions in their tuning and held-out splits, and the first NASA
set. The NASA parts need ../shared/corpus and are skipped without it. The demo's
Chinese and cross-language sets have rows of their own, with USE multilingual beside
MiniLM and jieba in BM25 (tests/bench/chinese_quality.py).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import datetime
from pathlib import Path
from typing import Callable

import numpy as np

from tests.bench import corpora
from tests.bench.metrics import evaluate

Row = tuple[str, str, str, str]  # section, name, value, note
SCALES = (2_102, 10_000, 100_000)  # every NASA lesson, then synthetic ones made from them


# --- machine ------------------------------------------------------------------

def machine() -> list[str]:
    import torch

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return [f"CPU: {cpu}, {os.cpu_count()} cores, RAM {ram:.1f} GiB",
            f"Python {platform.python_version()}, torch {torch.__version__}, numpy {np.__version__}, "
            f"threads {torch.get_num_threads()}"]


# --- stores -----------------------------------------------------------------------

def open_store(name: str, embedder):
    from kb.settings import Settings
    from kb.store import KnowledgeBase

    tmp = Path(tempfile.mkdtemp(prefix=f"kb-bench-{name}-"))
    return KnowledgeBase.open(Settings(data_dir=tmp / "data", _env_file=None), embedder=embedder)


def lesson_texts(kb) -> tuple[list[int], list[str], list[str]]:
    from sqlmodel import select

    from kb.models import Lesson
    from kb.texts import lesson_text

    with kb.session() as session:
        rows = list(session.exec(select(Lesson).order_by(Lesson.id)))
    return [r.id for r in rows], [lesson_text(r) for r in rows], [r.title for r in rows]


# --- quality --------------------------------------------------------------------------

def quality_rows(label: str, kb, sets: list[tuple[str, list[dict]]], judge) -> list[Row]:
    """One row per system and question set, every row measured in this run on the same
    judgments (judge(question) -> grade map over (kind, id) keys)."""
    from search import SearchEngine
    from tests.bench.systems import rankers

    systems = rankers(kb, SearchEngine(kb))
    rows = []
    for set_name, questions in sets:
        if not questions:
            continue
        judgements = [judge(q) for q in questions]
        for name, rank in systems.items():
            scores = evaluate([rank(q["query"]) for q in questions], judgements)
            rows.append((f"quality {label} {set_name} ({len(questions)} q)", name,
                         " / ".join(f"{scores[m]:.3f}" for m in ("nDCG@10", "Recall@20", "MRR")), "nDCG@10 / R@20 / MRR"))
    return rows


def nasa_sets() -> list[tuple[str, list[dict]]]:
    """The project managers' questions in their tuning and held-out splits, then the first set."""
    pm = load_questions(corpora.HERE / "eval_nasa_pm.jsonl")
    return [("PM tuning", [q for q in pm if q.get("split") != "heldout"]),
            ("PM held-out", [q for q in pm if q.get("split") == "heldout"]),
            ("first set", load_questions(corpora.HERE / "eval_nasa.jsonl"))]


def answer_counts(kb, corpus: str, answerable: list[dict]) -> dict[str, int]:
    """How often search declares "nothing answers this" on answerable and on unanswerable questions."""
    from search import SearchEngine, SearchRequest

    engine = SearchEngine(kb)
    unanswerable = [q for q in load_questions(corpora.HERE / "eval_unanswerable.jsonl") if corpus in q["corpora"]]
    declared = lambda qs: sum(not engine.search(SearchRequest(q=q["query"]), log=False).answered for q in qs)
    return {"answerable": len(answerable), "false_no_answer": declared(answerable),
            "unanswerable": len(unanswerable), "true_no_answer": declared(unanswerable)}


def answer_rows(label: str, c: dict[str, int]) -> list[Row]:
    """Precision of "no answer" and the share of answerable questions wrongly declared unanswered."""
    said_no = c["true_no_answer"] + c["false_no_answer"]
    precision = f"{c['true_no_answer'] / said_no:.3f}" if said_no else "n/a"
    section = f"answers {label} ({c['answerable']} answerable + {c['unanswerable']} unanswerable q)"
    return [(section, "precision of 'no answer'", precision,
             f"{c['true_no_answer']} of {said_no} declared unanswered truly have no answer"),
            (section, "unanswerable questions caught", f"{c['true_no_answer'] / max(c['unanswerable'], 1):.3f}",
             f"{c['true_no_answer']} of {c['unanswerable']}"),
            (section, "answerable wrongly declared unanswered", f"{c['false_no_answer'] / max(c['answerable'], 1):.3f}",
             f"{c['false_no_answer']} of {c['answerable']}")]


def nasa_judge(kb):
    from sqlmodel import select

    from kb.models import Lesson

    with kb.session() as session:
        by_ext = {r.external_id: r.id for r in session.exec(select(Lesson))}

    def judge(question: dict) -> dict:
        # "judged" also lists the pooled lessons graded 0; older sets list the relevant ones only
        return {("lesson", by_ext[str(j["lesson_id"])]): j["grade"] for j in question.get("judged", question.get("relevant", []))
                if str(j["lesson_id"]) in by_ext}
    return judge


def demo_judge(kb):
    from sqlmodel import select

    from kb.models import Document, Lesson, Risk

    with kb.session() as session:
        docs = {d.id: d.source_name for d in session.exec(select(Document))}
        items = [("lesson", r.id, docs.get(r.document_id), f"{r.title}\n{r.what_happened or ''}")
                 for r in session.exec(select(Lesson))]
        items += [("risk", r.id, docs.get(r.document_id), f"{r.title}\n{r.description}") for r in session.exec(select(Risk))]

    def judge(question: dict) -> dict:
        grades = {}
        for rel in question["relevant"]:
            needle = rel["match"].lower()
            for kind, item_id, doc, text in items:
                if doc == rel["doc"] and needle in text.lower():
                    grades[(kind, item_id)] = max(grades.get((kind, item_id), 0), rel["grade"])
        return grades
    return judge


def load_questions(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --- ingestion ---------------------------------------------------------------------------

def ingestion_rows(embedder) -> tuple[list[Row], object]:
    kb = open_store("nasa", embedder)
    t0 = time.perf_counter()
    how = corpora.ingest_nasa(kb)
    ingest_s = time.perf_counter() - t0
    _, texts, _ = lesson_texts(kb)
    raw_s, raw_how, kb.bench_vectors = best_raw_embedding(embedder, texts, kb.settings.embedding_batch_size)
    second = getattr(kb, "multilingual", None)
    if second is not None:  # ingest embeds with both models at once: so does the baseline
        raw_s, raw_how = both_models_raw(embedder, second, texts, raw_s, raw_how)
    n = len(texts)
    return [("ingestion", "ingest NASA jsonl into a fresh store", f"{n / ingest_s:.1f} items/s", f"{n} items, {ingest_s:.1f} s via {how}"),
            ("ingestion", "raw embedding, same texts, same models, best batching", f"{n / raw_s:.1f} items/s", f"{raw_s:.1f} s, {raw_how}"),
            ("ingestion", "ingest / raw", f"{raw_s / ingest_s:.2f}", "goal >= 0.80")], kb


def both_models_raw(embedder, second, texts: list[str], main_s: float, main_how: str) -> tuple[float, str]:
    """Raw embedding by the main model and the multilingual one at once (the main one longest first, as
    ingest does it, the other in a thread beside it), against which ingest, which does the same, is set."""
    from concurrent.futures import ThreadPoolExecutor

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=1) as beside:
        other = beside.submit(second.embed_batch, texts)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        embedder.embed_batch([texts[i] for i in order])
        other.result()
    both = time.perf_counter() - t0
    return both, f"{embedder.name} and {second.name} at once (the main model alone: {main_s:.1f} s, {main_how})"


def best_raw_embedding(embedder, texts: list[str], batch_size: int) -> tuple[float, str, object]:
    """The quicker of two raw ways to embed the texts, so that ingest / raw compares ingest with
    the best it could do: one `embed_batch` call over all of them, and the texts sorted longest
    first in chunks of 4 batches, as ingest embeds them. Returns (seconds, which, vectors in order)."""
    t0 = time.perf_counter()
    vectors = embedder.embed_batch(texts)  # reused by the latency stores
    one_call = time.perf_counter() - t0
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    chunk = max(batch_size * 4, 256)
    t0 = time.perf_counter()
    for start in range(0, len(order), chunk):
        embedder.embed_batch([texts[i] for i in order[start:start + chunk]])
    sorted_chunks = time.perf_counter() - t0
    if sorted_chunks < one_call:
        return sorted_chunks, f"longest first in chunks of {chunk} (one call: {one_call:.1f} s)", vectors
    return one_call, f"one call (longest first in chunks of {chunk}: {sorted_chunks:.1f} s)", vectors


# --- latency --------------------------------------------------------------------------------

def latency_rows(kb, questions: list[str]) -> list[Row]:
    _, texts, titles = lesson_texts(kb)
    vectors = getattr(kb, "bench_vectors", None)
    if vectors is None or len(vectors) != len(texts):
        vectors = kb.embedder.embed_batch(texts)
    tmp = Path(tempfile.mkdtemp(prefix="kb-bench-vec-"))
    np.savez(tmp / "nasa.npz", texts=np.array(texts, dtype=object), titles=np.array(titles, dtype=object), vectors=vectors)
    (tmp / "queries.json").write_text(json.dumps(questions))
    rows = []
    for n in SCALES:
        cmd = [sys.executable, "-m", "tests.bench.latency", "--n", str(n), "--vectors", str(tmp / "nasa.npz"),
               "--queries", str(tmp / "queries.json")]
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=corpora.ROOT)
        line = next((l for l in out.stdout.splitlines() if l.startswith("RESULT ")), None)
        if line is None:
            rows.append((f"latency {n:,}", "failed", "-", out.stderr.strip().splitlines()[-1][:120] if out.stderr else ""))
            continue
        r = json.loads(line[7:])
        label = f"latency {n:,} items"
        ratio = r["cold_p50"] / r["encode_p50"] if r["encode_p50"] else float("nan")
        rows += [(label, "HTTP: new question p50 / p95", f"{r['cold_p50']:.1f} / {r['cold_p95']:.1f} ms",
                  r["via"] + ", kind filter; goal at 100k: 30 / 80 ms"),
                 (label, "HTTP: repeated question p50 / p95", f"{r['warm_p50']:.1f} / {r['warm_p95']:.1f} ms",
                  "query vector cached"),
                 (label, "in-process: new / repeated question p50", f"{r['inproc_cold_p50']:.1f} / "
                  f"{r['inproc_warm_p50']:.1f} ms", f"p95 {r['inproc_cold_p95']:.1f} / {r['inproc_warm_p95']:.1f} ms"),
                 (label, "encoding a question alone p50 (the floor)", f"{r['encode_p50']:.1f} ms",
                  "all-MiniLM-L6-v2, CPU, as a search encodes it (KB_QUESTION_THREADS)"),
                 (label, "HTTP new question / encoding", f"{ratio:.2f}", "goal <= 1.5 at 2k"),
                 (label, "server start-up (index, models, a small store read whole)", f"{r['index_load_s']:.1f} s",
                  f"store built in {r['build_s']:.0f} s"),
                 (label, "peak RSS of the serving process", f"{r['peak_rss_mb']:.0f} MB", "model + index + app")]
    return rows


# --- output ------------------------------------------------------------------------------------

def table(header: list[str], rows: list[Row]) -> str:
    widths = [max(len(str(r[i])) for r in rows + [("section", "measure", "value", "note")]) for i in range(4)]
    line = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |"
    out = [f"# Lessons KB bench, {datetime.now():%Y-%m-%d %H:%M}", *header, "",
           line(("section", "measure", "value", "note")), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    return "\n".join(out + [line(r) for r in rows])


def insights_rows() -> list[Row]:
    try:
        from tests.bench import insights_bench
    except ImportError:
        return []
    return [("insights", name, f"{value}", unit) for name, value, unit in insights_bench.run()]


LOAD_PROFILES = (("0.1-0.5", ()), ("1-5", ()), ("1-5", ("--in-step",)))
"""Seconds each user waits between loops, and how they start: the stress test, people reading the pages
they open, and the same people all asking at the same first instant (a burst of 50 requests at once)."""


def load_rows() -> list[Row]:
    """50 locust users on `kb serve` for 60 s during a bulk ingest, once per think time in
    LOAD_PROFILES (tests/bench/load.py, in its own process: locust patches the standard
    library for gevent). The demo is ingested once and each run starts from a copy of it."""
    seconds = os.environ.get("KB_BENCH_LOAD_SECONDS", "60")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="kb-bench-load-") as tmp:
        for n, (think, extra) in enumerate(LOAD_PROFILES):
            out = Path(tmp) / f"load-{n}.json"
            done = subprocess.run([sys.executable, "-m", "tests.bench.load", "--seconds", seconds, "--think", think,
                                   *extra, "--copy-of", str(Path(tmp) / "demo"), "--json", str(out)], cwd=corpora.ROOT)
            if done.returncode or not out.exists():
                print(f"load run ({think} s think) failed (exit {done.returncode})", file=sys.stderr)
                rows.append(("load", f"load run, {think} s think", "failed", f"exit {done.returncode}"))
                continue
            rows += [tuple(row) for row in json.loads(out.read_text(encoding="utf-8"))["rows"]]
    return rows


def main() -> None:
    from kb.embedding import SentenceTransformerEmbedder
    from kb.settings import Settings

    started = time.perf_counter()
    embedder = SentenceTransformerEmbedder(threads=Settings(_env_file=None).embedding_threads)
    embedder.embed_batch(["warm up"])
    rows: list[Row] = []
    answers: list[dict] = []  # "no answer" counts per corpus, summed at the end
    demo_eval = corpora.HERE / "eval_demo.jsonl"
    if corpora.DEMO.exists() and demo_eval.exists():
        rows += section("demo quality", lambda: demo_quality(embedder, load_questions(demo_eval), answers))
    else:
        print("skipping demo quality: demo/ or tests/bench/eval_demo.jsonl is missing", file=sys.stderr)
    rows += section("Chinese and cross-language quality", lambda: chinese_rows(embedder))
    if corpora.NASA.exists():
        rows += section("NASA quality, latency and ingestion", lambda: nasa_rows(embedder, answers))
    else:
        print(f"skipping NASA quality, latency and ingestion: {corpora.NASA} not found", file=sys.stderr)
    if len(answers) > 1:
        rows += answer_rows("demo + NASA", {k: sum(c[k] for c in answers) for k in answers[0]})
    rows += section("insights at 2,000 projects", insights_rows)
    rows += section("load", load_rows)
    rows.append(("run", "bench wall time", f"{time.perf_counter() - started:.0f} s", ""))
    text = table(machine(), rows)
    print(text)
    out = corpora.ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / f"bench-{datetime.now():%Y%m%d-%H%M%S}.md").write_text(text + "\n", encoding="utf-8")


def section(name: str, rows_of: Callable[[], list[Row]]) -> list[Row]:
    """One part of the bench: its rows, printed as soon as it is done (a long run shows its progress, and
    a part that fails loses nothing of the others), or one row saying why it failed."""
    print(f"bench: {name} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        rows = rows_of()
    except Exception as exc:  # the rest of the bench still runs and prints
        traceback.print_exc()
        rows = [(name, "failed", "-", f"{type(exc).__name__}: {exc}"[:200])]
    for row in rows:
        print("   " + " | ".join(str(cell) for cell in row), file=sys.stderr, flush=True)
    print(f"bench: {name} took {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return rows


def nasa_rows(embedder, answers: list[dict]) -> list[Row]:
    """Ingestion, quality, "no answer" counts and latency on the NASA lessons (one store, ingested once)."""
    ingest, kb = ingestion_rows(embedder)
    sets = nasa_sets()
    questions = sets[-1][1]
    rows = quality_rows("NASA LLIS", kb, sets, nasa_judge(kb))
    answers.append(answer_counts(kb, "nasa", questions))
    rows += answer_rows("NASA LLIS", answers[-1])
    rows += latency_rows(kb, [q["query"] for q in questions] + [q["query"] + " lessons" for q in questions])
    return rows + ingest


def chinese_rows(embedder) -> list[Row]:
    """The demo's Chinese and cross-language sets, and MiniLM beside USE (tests/bench/chinese_quality.py)."""
    from tests.bench import chinese_quality

    if not corpora.DEMO.exists():
        print("skipping the Chinese sets: demo/ is missing", file=sys.stderr)
        return []
    return chinese_quality.bench_rows(embedder)


def demo_store(embedder):
    from ingest import collect_files, ingest_file

    kb = open_store("demo", embedder)
    for path in collect_files([corpora.DEMO]):
        ingest_file(kb, path)
    return kb


def demo_quality(embedder, questions: list[dict], answers: list[dict]) -> list[Row]:
    try:
        kb = demo_store(embedder)
    except ImportError:
        print("skipping demo quality: the ingest package is not ready", file=sys.stderr)
        return []
    answers.append(answer_counts(kb, "demo", questions))
    return quality_rows("demo", kb, [("set", questions)], demo_judge(kb)) + answer_rows("demo", answers[-1])


if __name__ == "__main__":
    main()
