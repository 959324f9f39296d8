"""Metrics and themes on a synthetic portfolio: 2,000 projects, 50,000 lessons.

Rows are inserted in bulk with SQL. Vectors are not embedded one by one: a few
hundred real embeddings (one per synthetic failure cause and phrasing) are
spread over the 50,000 lessons with Gaussian noise and written straight into
Chroma. `tests/bench/run.py` prints the rows `run()` returns.

    .venv/bin/python -m tests.bench.insights_bench
"""

from __future__ import annotations

import random
import resource
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

PROJECTS = 2_000
LESSONS = 50_000
RISKS_PER_PROJECT = 5
CAUSES = [
    "data migration failed reconciliation", "legacy data quality was poor", "testing was squeezed",
    "user acceptance testing started late", "the vendor delivered late", "supplier missed milestones",
    "scope grew without change control", "key staff left the project", "users were trained too late",
    "the executive sponsor disengaged", "requirements were unclear", "cutover was never rehearsed",
    "integration interfaces were undocumented", "the budget was underestimated", "environments were not ready",
    "performance testing was skipped", "security review came late", "licences were ordered late",
    "stakeholders were not engaged", "the business case was never revisited",
]
PHRASINGS = ["{}.", "We found that {}.", "On this project {}, which delayed go-live.",
             "Root cause: {}.", "{} and nobody escalated it.", "Again, {}.", "The team reported that {}.",
             "Lesson: {}; plan for it next time.", "{}; the steering group learned of it too late.",
             "In hindsight {}.", "{} during the build phase.", "{} in the final month."]
TYPES = ["ERP migration", "CRM rollout", "cloud migration", "web or mobile app", "regulatory compliance",
         "office relocation", "data warehouse and BI", "network upgrade", "M&A integration"]


def build(root: Path, seed: int = 0):
    """A knowledge base with the synthetic portfolio; returns (kb, seconds spent building)."""
    from kb.embedding import SentenceTransformerEmbedder
    from kb.settings import Settings
    from kb.store import KnowledgeBase

    started = time.perf_counter()
    embedder = SentenceTransformerEmbedder()
    kb = KnowledgeBase.open(Settings(data_dir=root / "data", database_url="", chroma_url="", _env_file=None),
                            embedder=embedder)
    texts = [p.format(c).capitalize() for c in CAUSES for p in PHRASINGS]
    bases = embedder.embed_batch(texts)
    rng = np.random.default_rng(seed)
    lessons, risks = _insert_rows(kb, texts, random.Random(seed))
    _write_vectors(kb, lessons, bases, rng, "lesson")
    _write_vectors(kb, risks, bases, rng, "risk")
    return kb, time.perf_counter() - started


def _insert_rows(kb, texts: list[str], rnd: random.Random):
    """Projects, closure reports, lessons, risks and usage records, in bulk. Returns [(id, base text index)]."""
    from sqlalchemy import insert

    from kb.db import bump_generation
    from kb.models import Document, KickoffPack, Lesson, LessonFeedback, Project, Risk, SearchLog, document_key

    now = datetime.now(timezone.utc)
    projects, documents = [], []
    for i in range(1, PROJECTS + 1):
        start = date(2012, 1, 1) + timedelta(days=rnd.randrange(0, 13 * 365))
        planned = rnd.randrange(90, 720)
        end = start + timedelta(days=int(planned * rnd.uniform(0.9, 1.6)))
        budget = rnd.randrange(100, 5000) * 1000.0
        closed = end < date(2025, 6, 1)
        projects.append(dict(id=i, code=f"SYN-{i:05d}", name=f"Synthetic project {i}", portfolio=f"Portfolio {i % 7}",
                             project_type=TYPES[i % len(TYPES)], planned_start=start, actual_start=start,
                             planned_end=start + timedelta(days=planned), actual_end=end if closed else None,
                             planned_budget=budget, actual_budget=budget * rnd.uniform(0.85, 1.5) if closed else None,
                             outcome=rnd.choice(["successful", "challenged", "failed"]) if closed else None,
                             planned_value=budget if i % 3 == 0 else None,
                             earned_value=budget * rnd.uniform(0.7, 1.1) if i % 3 == 0 else None,
                             actual_cost=budget * rnd.uniform(0.9, 1.4) if i % 3 == 0 else None, created_at=now))
        if closed and i % 10:
            documents.append(dict(id=i, kind="closure report", source_name=f"SYN-{i:05d}.md", sha256=f"{i:064d}",
                                  key=document_key(f"SYN-{i:05d}", f"SYN-{i:05d}.md"), content="", project_id=i,
                                  stored_path="",
                                  ingested_at=datetime.combine(end + timedelta(days=rnd.randrange(5, 120)),
                                                               datetime.min.time(), tzinfo=timezone.utc)))
        # Every project has a retrospective to hang its lessons on; 1 in 10 closed projects has no closure report.
        documents.append(dict(id=PROJECTS + i, kind="retrospective", source_name=f"SYN-{i:05d}-retro.md",
                              sha256=f"r{i:063d}", key=document_key(f"SYN-{i:05d}", f"SYN-{i:05d}-retro.md"),
                              content="", project_id=i, stored_path="", ingested_at=now))
    doc_of = {i: PROJECTS + i for i in range(1, PROJECTS + 1)}
    lessons, lesson_rows = [], []
    for n in range(1, LESSONS + 1):
        pid = rnd.randrange(1, PROJECTS + 1)
        base = rnd.randrange(len(texts))
        polarity = "went wrong" if n % 5 < 3 else rnd.choice(["went well", "improvement"])
        lesson_rows.append(dict(id=n, title=texts[base], what_happened=texts[base], polarity=polarity,
                                document_id=doc_of[pid], project_id=pid, tags=[], published=True, edited=False,
                                created_at=now, updated_at=now))
        lessons.append((n, base))
    risks, risk_rows = [], []
    for n in range(1, PROJECTS * RISKS_PER_PROJECT + 1):
        pid = (n - 1) // RISKS_PER_PROJECT + 1
        base = rnd.randrange(len(texts))
        materialised = rnd.random() < 0.3
        risk_rows.append(dict(id=n, title=texts[base], description=texts[base], document_id=doc_of[pid], project_id=pid,
                              status="materialised" if materialised else "closed", materialised=materialised, tags=[],
                              published=True, edited=False, created_at=now, updated_at=now))
        risks.append((n, base))
    usage = _usage_rows(rnd, now)
    with kb.session() as session:
        for model, rows in ((Project, projects), (Document, documents), (Lesson, lesson_rows), (Risk, risk_rows),
                            (KickoffPack, usage["packs"]), (LessonFeedback, usage["feedback"]),
                            (SearchLog, usage["searches"])):
            for lo in range(0, len(rows), 5000):
                session.execute(insert(model), rows[lo:lo + 5000])
        bump_generation(session)
        session.commit()
    return lessons, risks


def _usage_rows(rnd: random.Random, now: datetime) -> dict[str, list[dict]]:
    packs = [dict(project_id=rnd.randrange(1, PROJECTS + 1), created_at=now, lesson_ids=[], risk_ids=[])
             for _ in range(300)]
    feedback = [dict(lesson_id=rnd.randrange(1, LESSONS + 1), kind=rnd.choice(["helpful", "applied"]), created_at=now)
                for _ in range(2000)]
    searches = [dict(query=f"query {rnd.randrange(400)}", filters={}, result_count=rnd.randrange(0, 20),
                     top_score=rnd.random(), created_at=now) for _ in range(5000)]
    return {"packs": packs, "feedback": feedback, "searches": searches}


def _write_vectors(kb, rows: list[tuple[int, int]], bases: np.ndarray, rng, kind: str) -> None:
    """Each row's vector (its base text's, with noise) in SQL, where themes and search read them, and in Chroma."""
    from sqlmodel import select

    from kb.models import Lesson, Risk
    from kb.texts import lesson_text, risk_text, text_sha256
    from kb.vectors import record_vectors

    ids = [f"{kind}-{n}" for n, _ in rows]
    vectors = bases[[b for _, b in rows]] + rng.normal(0, 0.03, size=(len(rows), bases.shape[1])).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    model, text_of = (Lesson, lesson_text) if kind == "lesson" else (Risk, risk_text)
    with kb.session() as session:
        texts = {r.id: text_of(r) for r in session.exec(select(model))}
        record_vectors(session, model=kb.embedder.name, keys=[(kind, n) for n, _ in rows],
                       text_hashes=[text_sha256(texts[n]) for n, _ in rows], vectors=vectors)
        session.commit()
    kb.vectors.upsert(ids, vectors, [{"kind": kind, "item_id": n} for n, _ in rows])


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def run() -> list[tuple[str, float, str]]:
    from kb import metrics as M
    from search import foreseeable as F
    from search import themes as T

    with tempfile.TemporaryDirectory(prefix="kb-insights-bench-") as tmp:
        kb, built = build(Path(tmp))
        foresight, t_fore = _timed(lambda: F.foreseeable_risks(kb, use_cache=False))
        with kb.session() as session:
            report, t_metrics = _timed(lambda: M.compute_metrics(session, by=M.GROUPINGS,
                                                                 foreseeable_risk_ids=foresight.keys()))
        themes, t_cold = _timed(lambda: T.compute_themes(kb, use_cache=False))
        _, t_warm = _timed(lambda: T.compute_themes(kb))
        items = len(themes.items)
        return [
            ("build synthetic portfolio (SQL + Chroma)", round(built, 1), f"s for {PROJECTS:,} projects, {LESSONS:,} lessons"),
            ("metrics, all breakdowns", round(t_metrics, 2), f"s; success rate {M.format_value(report.value('success_rate'), '%')}"),
            ("foreseeable risks", round(t_fore, 2), f"s; {len(foresight):,} foreseeable"),
            ("themes, cold", round(t_cold, 1), f"s; {items:,} items in {len(themes.themes)} themes"),
            ("themes, cached (same generation)", round(t_warm, 2), "s; overrides re-applied, stats recomputed"),
            ("peak memory of the process", round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "MiB"),
        ]


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:45} {value:>10} {unit}")
