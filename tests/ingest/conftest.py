"""Helpers for the ingestion tests: sample files and a snapshot of what the store holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import func, select

from kb.models import Document, Lesson, Project, Risk

SAMPLES = Path(__file__).parent.parent / "samples"


@pytest.fixture
def samples() -> Path:
    return SAMPLES


def store_snapshot(kb) -> dict[str, int]:
    """Row counts in SQL and the number of vectors: equal snapshots mean nothing was stored."""
    with kb.session() as session:
        counts = {model.__name__: session.exec(select(func.count()).select_from(model)).one()
                  for model in (Document, Lesson, Risk, Project)}
    counts["vectors"] = kb.vectors.count()
    return counts


def lessons_of(kb, document_id: int) -> list[Lesson]:
    with kb.session() as session:
        return list(session.exec(select(Lesson).where(Lesson.document_id == document_id).order_by(Lesson.id)))


def risks_of(kb, document_id: int) -> list[Risk]:
    with kb.session() as session:
        return list(session.exec(select(Risk).where(Risk.document_id == document_id).order_by(Risk.id)))


def project(kb, code: str) -> Project | None:
    with kb.session() as session:
        return session.exec(select(Project).where(Project.code == code)).first()


@pytest.fixture
def snapshot():
    return store_snapshot


@pytest.fixture
def stored():
    """Read-back helpers: stored.lessons(kb, doc_id), stored.risks(kb, doc_id), stored.project(kb, code)."""
    class Stored:
        lessons = staticmethod(lessons_of)
        risks = staticmethod(risks_of)
        project = staticmethod(project)

    return Stored
