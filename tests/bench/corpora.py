"""Bench corpora: the NASA LLIS export (read from ../shared/corpus, never
copied into the repo), stored through the ingest package when it exists,
and synthetic scale-ups of it for latency and memory."""

from __future__ import annotations

import json
import os
import random
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np

from kb.drafts import ParsedDocument
from kb.models import DocumentCreate, LessonCreate

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("KB_BENCH_CORPUS") or ROOT.parent / "shared" / "corpus")
"""The shared corpus; KB_BENCH_CORPUS points elsewhere (e.g. from a git worktree)."""
NASA = SHARED / "nasa_llis_lessons.jsonl"
DEMO = ROOT / "demo"
HERE = Path(__file__).parent


def nasa_rows() -> list[dict]:
    return [json.loads(line) for line in NASA.open(encoding="utf-8")]


def _date(text: str | None) -> date | None:
    try:
        return datetime.strptime(text or "", "%m/%d/%Y").date()
    except ValueError:
        return None


def nasa_lesson(row: dict) -> LessonCreate:
    """The LLIS columns mapped as docs/FORMATS.md describes (used when ingest/ is absent)."""
    return LessonCreate(
        external_id=str(row["Lesson ID"]), title=row.get("Title") or f"Lesson {row['Lesson ID']}",
        what_happened=" ".join(x for x in (row.get("Abstract"), row.get("Driving Event")) if x) or None,
        impact=row.get("Lesson(s) Learned") or None, recommendation=row.get("Recommendation(s)") or None,
        category=None, lesson_date=_date(row.get("Date Lesson Occurred")), organization=row.get("Organization"),
        source_location=f"row {i}" if (i := row.get("_row")) else None,
    )


def nasa_document(rows: list[dict]) -> ParsedDocument:
    for i, row in enumerate(rows, start=2):
        row["_row"] = i
    doc = DocumentCreate(kind="lessons register", source_name=NASA.name, sha256="", title="NASA LLIS export")
    return ParsedDocument(document=doc, lessons=[nasa_lesson(r) for r in rows])


def ingest_nasa(kb) -> str:
    """Store the NASA file; returns how (the ingest package, or the bench's own mapping)."""
    try:
        from ingest import ingest_file
    except ImportError:
        ingest_file = None
    if ingest_file is not None:
        report = ingest_file(kb, NASA)
        if getattr(report, "outcome", "") != "rejected":
            return "ingest.ingest_file"
    parsed = nasa_document(nasa_rows())
    kb.save_document(parsed, NASA.read_bytes())
    return "bench mapping + KnowledgeBase.save_document (ingest.ingest_file unavailable or rejected the file)"


# --- synthetic scale-up ----------------------------------------------------------

POLARITIES = ("went well", "went wrong", "improvement")
CATEGORIES = ("testing", "vendor and procurement", "technical", "schedule", "cost", "data migration",
              "governance", "training", "quality", "requirements")
TYPES = ("ERP migration", "CRM rollout", "cloud migration", "network upgrade", "office relocation")


def perturb(text: str, rng: random.Random) -> str:
    """A copy that reads differently enough for BM25: ~10% of words dropped, two swapped."""
    words = [w for w in text.split() if rng.random() > 0.1] or text.split()
    if len(words) > 3:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def build_synthetic(kb, texts: list[str], titles: list[str], vectors: np.ndarray, n: int, seed: int = 7) -> None:
    """n lessons made from the NASA ones: perturbed text, a vector near the real one
    (noise, renormalised; cosine ~0.85), random facets over a few projects. Inserted
    directly into SQL and Chroma: 100k texts are not re-embedded."""
    from sqlalchemy import insert

    from kb.db import bump_generation
    from kb.models import Document, Lesson, Project
    from kb.store import item_metadata
    from kb.texts import lesson_text, text_sha256
    from kb.vectors import record_vectors

    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    with kb.session() as session:
        projects = []
        for i in range(40):
            p = Project(code=f"SYN-{i:03d}", name=f"Synthetic project {i}", project_type=TYPES[i % len(TYPES)],
                        industry=("retail", "banking", "public sector", "manufacturing")[i % 4],
                        portfolio=f"Portfolio {i % 6}", outcome=("successful", "challenged", "failed")[i % 3],
                        actual_start=date(2015 + i % 10, 1, 1))
            session.add(p)
            projects.append(p)
        doc = Document(kind="lessons register", source_name="synthetic.jsonl", sha256="synthetic", content="")
        session.add(doc)
        session.flush()
        rows, now = [], datetime.now(timezone.utc)
        for i in range(n):
            src = i % len(texts)
            body = texts[src] if i < len(texts) else perturb(texts[src], rng)
            rows.append(dict(title=titles[src], what_happened=body, polarity=rng.choice(POLARITIES),
                             category=rng.choice(CATEGORIES), tags=[], published=True, edited=False,
                             document_id=doc.id, project_id=projects[i % len(projects)].id,
                             lesson_date=date(2012 + i % 12, 1 + i % 12, 1), source_location=f"row {i + 2}",
                             created_at=now, updated_at=now))
        for start in range(0, n, 5000):
            session.execute(insert(Lesson), rows[start:start + 5000])
        session.flush()
        stored = list(session.exec(__import__("sqlmodel").select(Lesson).order_by(Lesson.id)))
        by_project = {p.id: p for p in projects}
        for start in range(0, n, 2000):
            part = stored[start:start + 2000]
            vecs = vectors[[(start + j) % len(texts) for j in range(len(part))]].copy()
            if start + len(part) > len(texts):
                vecs += nrng.normal(0, 0.03, vecs.shape).astype(np.float32)
                vecs[: max(0, len(texts) - start)] = vectors[start:len(texts)]
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            hashes = [text_sha256(lesson_text(r)) for r in part]
            record_vectors(session, model=kb.embedder.name, keys=[("lesson", r.id) for r in part],
                           text_hashes=hashes, vectors=vecs)  # search reads vectors from SQL
            kb.vectors.upsert([f"lesson-{r.id}" for r in part], vecs,
                              [item_metadata("lesson", r, by_project.get(r.project_id), model=kb.embedder.name,
                                             text_hash=h) for r, h in zip(part, hashes)])
        bump_generation(session)
        session.commit()
