"""Read-only queries behind the web pages and the JSON API.

Keyword-only arguments, an open `Session` in, `Public` shapes out, so routes
never write SQL inline. The one write here, `add_feedback`, records a usage
fact (not knowledge), which is why it does not go through `KnowledgeBase`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from kb.errors import DocumentNotFound, KBError, LessonNotFound, ProjectNotFound, RiskNotFound
from kb.models import (
    Document, DocumentPublic, Lesson, LessonFeedback, LessonPublic, Project, ProjectPublic, Risk,
    RiskPublic,
)

T = TypeVar("T")

FEEDBACK_KINDS = ("helpful", "applied")


class Page(BaseModel, Generic[T]):
    """One page of a list: the items, and where they sit in the whole."""

    items: list[T]
    total: int
    limit: int
    offset: int


class DocumentSummary(BaseModel):
    """A document without its text, for lists."""

    id: int
    kind: str
    source_name: str
    title: str | None = None
    media_type: str | None = None
    size_bytes: int = 0
    version: int = 1
    project_id: int | None = None
    project_code: str | None = None
    project_name: str | None = None
    ingested_at: str
    lessons: int = 0
    risks: int = 0


class ProjectSummary(ProjectPublic):
    lessons: int = 0
    risks: int = 0
    documents: int = 0


class Variance(BaseModel):
    """Schedule and cost variance of a project, actual against plan (positive = late / over)."""

    schedule_days: int | None = None
    schedule_pct: float | None = None
    cost_amount: float | None = None
    cost_pct: float | None = None


class ProjectDetail(BaseModel):
    project: ProjectSummary
    variance: Variance
    lessons: list[LessonPublic]
    risks: list[RiskPublic]
    documents: list[DocumentSummary]


class FeedbackSummary(BaseModel):
    helpful: int = 0
    applied: int = 0
    applied_to: list[ProjectPublic] = []


class LessonDetail(BaseModel):
    lesson: LessonPublic
    project: ProjectPublic | None
    document: DocumentSummary
    feedback: FeedbackSummary


class RiskDetail(BaseModel):
    risk: RiskPublic
    project: ProjectPublic | None
    document: DocumentSummary


class ProjectChoice(BaseModel):
    id: int
    code: str
    name: str


# --- projects -------------------------------------------------------------------

def list_projects(*, session: Session, limit: int = 20, offset: int = 0, q: str = "") -> Page[ProjectSummary]:
    """Projects, newest first by start date, optionally filtered by a word in code or name."""
    query = select(Project)
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(col(Project.name).ilike(pattern) | col(Project.code).ilike(pattern))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    order = (Project.start.desc(), Project.name)
    rows = session.exec(query.order_by(*order).limit(limit).offset(offset)).all()
    counts = _project_counts(session, [p.id for p in rows])
    items = [ProjectSummary(**p.model_dump(), **counts.get(p.id, {})) for p in rows]
    return Page[ProjectSummary](items=items, total=total, limit=limit, offset=offset)


def get_project(*, session: Session, project_id: int) -> ProjectDetail:
    project = session.get(Project, project_id)
    if project is None:
        raise ProjectNotFound(f"No project with id {project_id}.")
    counts = _project_counts(session, [project_id]).get(project_id, {})
    lessons = session.exec(select(Lesson).where(Lesson.project_id == project_id).order_by(Lesson.id)).all()
    risks = session.exec(select(Risk).where(Risk.project_id == project_id).order_by(Risk.id)).all()
    docs = session.exec(select(Document).where(Document.project_id == project_id).order_by(Document.id)).all()
    return ProjectDetail(
        project=ProjectSummary(**project.model_dump(), **counts),
        variance=variance(project),
        lessons=[LessonPublic.model_validate(x) for x in lessons],
        risks=[RiskPublic.model_validate(x) for x in risks],
        documents=_summaries(session, docs),
    )


def project_choices(*, session: Session) -> list[ProjectChoice]:
    """Every project, by name, for 'applied to project' and similar pickers."""
    rows = session.exec(select(Project.id, Project.code, Project.name).order_by(Project.name)).all()
    return [ProjectChoice(id=i, code=c, name=n) for i, c, n in rows]


def distinct_values(*, session: Session, field: str) -> list[str]:
    """The values a project field takes (industry, portfolio...), for form suggestions."""
    column = getattr(Project, field)
    rows = session.exec(select(column).where(column.is_not(None)).distinct().order_by(column)).all()
    return [r for r in rows if r]


def variance(project: Project | ProjectPublic) -> Variance:
    """The project's variances (defined on `kb.models.PlanVsActual`), percentages to one decimal."""
    return Variance(schedule_days=project.schedule_variance_days,
                    schedule_pct=_one_decimal(project.schedule_variance_pct),
                    cost_amount=project.cost_variance, cost_pct=_one_decimal(project.cost_variance_pct))


def _one_decimal(pct: float | None) -> float | None:
    return round(pct, 1) if pct is not None else None


def _project_counts(session: Session, ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {i: {"lessons": 0, "risks": 0, "documents": 0} for i in ids}
    if not ids:
        return out
    for key, model in (("lessons", Lesson), ("risks", Risk), ("documents", Document)):
        query = select(model.project_id, func.count()).where(col(model.project_id).in_(ids))
        for pid, n in session.exec(query.group_by(model.project_id)):
            out[pid][key] = n
    return out


# --- documents ------------------------------------------------------------------

def list_documents(*, session: Session, limit: int = 20, offset: int = 0, kind: str | None = None,
                   project_id: int | None = None) -> Page[DocumentSummary]:
    """Documents, most recently ingested first."""
    query = select(Document)
    if kind:
        query = query.where(Document.kind == kind)
    if project_id is not None:
        query = query.where(Document.project_id == project_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Document.ingested_at).desc(), col(Document.id).desc())
                        .limit(limit).offset(offset)).all()
    return Page[DocumentSummary](items=_summaries(session, rows), total=total, limit=limit, offset=offset)


def get_document(*, session: Session, document_id: int) -> DocumentPublic:
    doc = session.get(Document, document_id)
    if doc is None:
        raise DocumentNotFound(f"No document with id {document_id}.")
    return DocumentPublic.model_validate(doc)


def document_summary(*, session: Session, document_id: int) -> DocumentSummary:
    doc = session.get(Document, document_id)
    if doc is None:
        raise DocumentNotFound(f"No document with id {document_id}.")
    return _summaries(session, [doc])[0]


def original_file(*, session: Session, data_dir: Path, document_id: int) -> tuple[Path, str, str]:
    """Where the original upload lies, with its file name and media type."""
    doc = session.get(Document, document_id)
    if doc is None:
        raise DocumentNotFound(f"No document with id {document_id}.")
    path = (data_dir / doc.stored_path).resolve()
    # stored_path comes from our own store, but never serve outside the data directory.
    if not doc.stored_path or not path.is_file() or not path.is_relative_to(data_dir.resolve()):
        raise DocumentNotFound(f"The original file of {doc.source_name} is no longer stored.")
    return path, doc.source_name, doc.media_type or "application/octet-stream"


def document_items(*, session: Session, document_id: int) -> tuple[list[LessonPublic], list[RiskPublic]]:
    """What was extracted from one document, published or not, in file order."""
    lessons = session.exec(select(Lesson).where(Lesson.document_id == document_id).order_by(Lesson.id)).all()
    risks = session.exec(select(Risk).where(Risk.document_id == document_id).order_by(Risk.id)).all()
    return [LessonPublic.model_validate(x) for x in lessons], [RiskPublic.model_validate(x) for x in risks]


def _summaries(session: Session, docs: list[Document]) -> list[DocumentSummary]:
    ids = [d.id for d in docs]
    lessons = _count_by(session, Lesson, ids)
    risks = _count_by(session, Risk, ids)
    pids = {d.project_id for d in docs if d.project_id}
    projects = {p.id: p for p in session.exec(select(Project).where(col(Project.id).in_(pids)))} if pids else {}
    out = []
    for d in docs:
        p = projects.get(d.project_id)
        out.append(DocumentSummary(
            id=d.id, kind=d.kind, source_name=d.source_name, title=d.title, media_type=d.media_type, version=d.version,
            size_bytes=d.size_bytes, project_id=d.project_id, project_code=p.code if p else None,
            project_name=p.name if p else None, ingested_at=d.ingested_at.isoformat(timespec="seconds"),
            lessons=lessons.get(d.id, 0), risks=risks.get(d.id, 0)))
    return out


def _count_by(session: Session, model, document_ids: list[int]) -> dict[int, int]:
    if not document_ids:
        return {}
    query = select(model.document_id, func.count()).where(col(model.document_id).in_(document_ids))
    return dict(session.exec(query.group_by(model.document_id)).all())


# --- lessons and risks ------------------------------------------------------------

def get_lesson(*, session: Session, lesson_id: int) -> LessonDetail:
    lesson = session.get(Lesson, lesson_id)
    if lesson is None:
        raise LessonNotFound(f"No lesson with id {lesson_id}.")
    return LessonDetail(
        lesson=LessonPublic.model_validate(lesson),
        project=_project_public(session, lesson.project_id),
        document=document_summary(session=session, document_id=lesson.document_id),
        feedback=feedback_summary(session=session, lesson_id=lesson_id),
    )


def get_risk(*, session: Session, risk_id: int) -> RiskDetail:
    risk = session.get(Risk, risk_id)
    if risk is None:
        raise RiskNotFound(f"No risk with id {risk_id}.")
    return RiskDetail(
        risk=RiskPublic.model_validate(risk),
        project=_project_public(session, risk.project_id),
        document=document_summary(session=session, document_id=risk.document_id),
    )


def popular_tags(*, session: Session, limit: int = 12) -> list[tuple[str, int]]:
    """The commonest free tags on published lessons and risks, for empty search states."""
    counts: Counter[str] = Counter()
    for model in (Lesson, Risk):
        for tags in session.exec(select(model.tags).where(model.published == True)):  # noqa: E712
            counts.update(t for t in (tags or []) if t)
    return counts.most_common(limit)


def totals(*, session: Session) -> dict[str, int]:
    """How much the knowledge base holds: published lessons and risks, projects, documents."""
    def count(model, published: bool = False) -> int:
        query = select(func.count()).select_from(model)
        return session.exec(query.where(model.published == True) if published else query).one()  # noqa: E712

    return {"lessons": count(Lesson, True), "risks": count(Risk, True), "projects": count(Project),
            "documents": count(Document)}


def _project_public(session: Session, project_id: int | None) -> ProjectPublic | None:
    project = session.get(Project, project_id) if project_id else None
    return ProjectPublic.model_validate(project) if project else None


# --- usage: feedback and kickoff packs --------------------------------------------------

def feedback_summary(*, session: Session, lesson_id: int) -> FeedbackSummary:
    rows = session.exec(select(LessonFeedback).where(LessonFeedback.lesson_id == lesson_id)).all()
    pids = sorted({r.project_id for r in rows if r.kind == "applied" and r.project_id})
    projects = session.exec(select(Project).where(col(Project.id).in_(pids)).order_by(Project.name)).all() if pids else []
    return FeedbackSummary(helpful=sum(r.kind == "helpful" for r in rows), applied=sum(r.kind == "applied" for r in rows),
                           applied_to=[ProjectPublic.model_validate(p) for p in projects])


def add_feedback(*, session: Session, lesson_id: int, kind: str, project_id: int | None = None) -> LessonFeedback:
    """Record that a lesson was helpful, or applied to a project (feeds the reuse metrics)."""
    if kind not in FEEDBACK_KINDS:
        raise KBError(f"Unknown feedback '{kind}': use one of {', '.join(FEEDBACK_KINDS)}.")
    if session.get(Lesson, lesson_id) is None:
        raise LessonNotFound(f"No lesson with id {lesson_id}.")
    if project_id is not None and session.get(Project, project_id) is None:
        raise ProjectNotFound(f"No project with id {project_id}.")
    row = LessonFeedback(lesson_id=lesson_id, kind=kind, project_id=project_id)
    session.add(row)
    session.commit()
    return row
