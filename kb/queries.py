"""Read-only queries behind the web pages and the JSON API.

Keyword-only arguments, an open `Session` in, `Public` shapes out, so routes
never write SQL inline. The writes here record usage, not knowledge, which is
why they do not go through `KnowledgeBase`: `add_feedback`, and the kickoff
records (a new project registered, a pack linked to it, its checklist lines).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import func, or_, true
from sqlmodel import Session, col, select

from kb.access import EVERYTHING, Forbidden, Visibility
from kb.errors import DocumentNotFound, KBError, LessonNotFound, NotFound, ProjectNotFound, RiskNotFound
from kb.i18n import N_, _
from kb.models import (
    CHECKLIST_STATES, ChecklistItem, Document, DocumentPublic, DocumentVersion, DocumentVersionPublic, KickoffPack,
    Lesson, LessonFeedback, LessonPublic, Project, ProjectCreate, ProjectPublic, Risk, RiskPublic, project_code, utcnow,
)

T = TypeVar("T")

# Every read takes the `Visibility` of the audience asking (`kb.access`); the default, EVERYTHING,
# is the system's (the CLI). What it hides is answered as "not found" and left out of every count.

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

def list_projects(*, session: Session, limit: int = 20, offset: int = 0, q: str = "",
                  visible: Visibility = EVERYTHING) -> Page[ProjectSummary]:
    """Projects, newest first by start date, optionally filtered by a word in code or name."""
    query = select(Project).where(shown(Project.id, visible))
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(col(Project.name).ilike(pattern) | col(Project.code).ilike(pattern))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    order = (Project.start.desc(), Project.name)
    rows = session.exec(query.order_by(*order).limit(limit).offset(offset)).all()
    counts = _project_counts(session, [p.id for p in rows], visible)
    items = [ProjectSummary(**p.model_dump(), **counts.get(p.id, {})) for p in rows]
    return Page[ProjectSummary](items=items, total=total, limit=limit, offset=offset)


def visible_project(session: Session, project_id: int | None, visible: Visibility = EVERYTHING) -> Project:
    """The project, or ProjectNotFound when there is none or the audience may not see it."""
    project = session.get(Project, project_id) if project_id is not None else None
    if project is None or visible.hides_project(project.id):
        raise ProjectNotFound(_("No project with id %(id)s.") % {"id": project_id})
    return project


def get_project(*, session: Session, project_id: int, visible: Visibility = EVERYTHING) -> ProjectDetail:
    project = visible_project(session, project_id, visible)
    counts = _project_counts(session, [project_id], visible).get(project_id, {})
    lessons = session.exec(select(Lesson).where(Lesson.project_id == project_id, published(Lesson, visible))
                           .order_by(Lesson.id)).all()
    risks = session.exec(select(Risk).where(Risk.project_id == project_id, published(Risk, visible))
                         .order_by(Risk.id)).all()
    docs = session.exec(select(Document).where(Document.project_id == project_id).order_by(Document.id)).all()
    return ProjectDetail(
        project=ProjectSummary(**project.model_dump(), **counts),
        variance=variance(project),
        lessons=[LessonPublic.model_validate(x) for x in lessons],
        risks=[RiskPublic.model_validate(x) for x in risks],
        documents=_summaries(session, docs, visible),
    )


def project_choices(*, session: Session, visible: Visibility = EVERYTHING) -> list[ProjectChoice]:
    """Every project, by name, for 'applied to project' and similar pickers."""
    rows = session.exec(select(Project.id, Project.code, Project.name).where(shown(Project.id, visible))
                        .order_by(Project.name)).all()
    return [ProjectChoice(id=i, code=c, name=n) for i, c, n in rows]


def distinct_values(*, session: Session, field: str, visible: Visibility = EVERYTHING) -> list[str]:
    """The values a project field takes (industry, portfolio...), for form suggestions."""
    column = getattr(Project, field)
    rows = session.exec(select(column).where(column.is_not(None), shown(Project.id, visible))
                        .distinct().order_by(column)).all()
    return [r for r in rows if r]


def shown(column, visible: Visibility):
    """SQL: rows whose project (`column`) the audience may see; rows of no project always are."""
    if not visible.hidden_projects:
        return true()
    return col(column).is_(None) | col(column).not_in(sorted(visible.hidden_projects))


def published(model, visible: Visibility):
    """SQL: lessons or risks the audience may see, by publication and project."""
    clause = shown(model.project_id, visible)
    return clause if visible.unpublished else clause & (model.published == True)  # noqa: E712


def variance(project: Project | ProjectPublic) -> Variance:
    """The project's variances (defined on `kb.models.PlanVsActual`), percentages to one decimal."""
    return Variance(schedule_days=project.schedule_variance_days,
                    schedule_pct=_one_decimal(project.schedule_variance_pct),
                    cost_amount=project.cost_variance, cost_pct=_one_decimal(project.cost_variance_pct))


def _one_decimal(pct: float | None) -> float | None:
    return round(pct, 1) if pct is not None else None


def _project_counts(session: Session, ids: list[int], visible: Visibility) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {i: {"lessons": 0, "risks": 0, "documents": 0} for i in ids}
    if not ids:
        return out
    for key, model in (("lessons", Lesson), ("risks", Risk), ("documents", Document)):
        query = select(model.project_id, func.count()).where(col(model.project_id).in_(ids))
        if model is not Document:
            query = query.where(published(model, visible))
        for pid, n in session.exec(query.group_by(model.project_id)):
            out[pid][key] = n
    return out


# --- documents ------------------------------------------------------------------

def list_documents(*, session: Session, limit: int = 20, offset: int = 0, kind: str | None = None,
                   project_id: int | None = None, visible: Visibility = EVERYTHING) -> Page[DocumentSummary]:
    """Documents, most recently ingested first."""
    query = select(Document).where(shown(Document.project_id, visible))
    if kind:
        query = query.where(Document.kind == kind)
    if project_id is not None:
        query = query.where(Document.project_id == project_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Document.ingested_at).desc(), col(Document.id).desc())
                        .limit(limit).offset(offset)).all()
    return Page[DocumentSummary](items=_summaries(session, rows, visible), total=total, limit=limit, offset=offset)


def visible_document(session: Session, document_id: int, visible: Visibility = EVERYTHING) -> Document:
    """The document, or DocumentNotFound when there is none or the audience may not see its project."""
    doc = session.get(Document, document_id)
    if doc is None or visible.hides_project(doc.project_id):
        raise DocumentNotFound(_("No document with id %(id)s.") % {"id": document_id})
    return doc


def get_document(*, session: Session, document_id: int, visible: Visibility = EVERYTHING) -> DocumentPublic:
    """The document; without its text and rows when they would show an item the audience may not see
    (`withheld`)."""
    doc = DocumentPublic.model_validate(visible_document(session, document_id, visible))
    if withheld(session=session, document_id=document_id, visible=visible):
        doc = doc.model_copy(update={"content": "", "rows": None})
    return doc


WITHHELD = N_("Part of this document is not shown to you (the PMO unpublished it, or it belongs to a project not "
              "shared with you), so its text and original file are withheld; the lessons and risks you may see are "
              "under Review.")
"""In English; shown as `_(WITHHELD)`."""


def withheld(*, session: Session, document_id: int, visible: Visibility = EVERYTHING) -> bool:
    """Whether the audience may not read the document's text and original file: they hold a lesson or risk
    the audience may not see, one the PMO unpublished or one of a confidential project not shared with them
    (a register spanning projects files each row under its own project)."""
    if not visible.restricted:
        return False
    for model in (Lesson, Risk):
        unseen = []
        if not visible.unpublished:
            unseen.append(model.published == False)  # noqa: E712
        if visible.hidden_projects:
            unseen.append(col(model.project_id).in_(visible.hidden_projects))
        if session.exec(select(model.id).where(model.document_id == document_id, or_(*unseen)).limit(1)).first():
            return True
    return False


def check_original(*, session: Session, document_id: int, visible: Visibility = EVERYTHING) -> None:
    """Raise unless the audience may download the document's original files (of any version)."""
    visible_document(session, document_id, visible)
    if withheld(session=session, document_id=document_id, visible=visible):
        raise Forbidden(_(WITHHELD))


def document_summary(*, session: Session, document_id: int, visible: Visibility = EVERYTHING) -> DocumentSummary:
    return _summaries(session, [visible_document(session, document_id, visible)], visible)[0]


def original_file(*, session: Session, data_dir: Path, document_id: int,
                  visible: Visibility = EVERYTHING) -> tuple[Path, str, str]:
    """Where the original upload lies, with its file name and media type."""
    check_original(session=session, document_id=document_id, visible=visible)
    doc = visible_document(session, document_id, visible)
    path = (data_dir / doc.stored_path).resolve()
    # stored_path comes from our own store, but never serve outside the data directory.
    if not doc.stored_path or not path.is_file() or not path.is_relative_to(data_dir.resolve()):
        raise DocumentNotFound(_("The original file of %(name)s is no longer stored.") % {"name": doc.source_name})
    return path, doc.source_name, doc.media_type or "application/octet-stream"


def document_versions(*, session: Session, document_id: int,
                      visible: Visibility = EVERYTHING) -> list[DocumentVersionPublic]:
    """Every version of a document, newest (the current one, `replaced_at` None) first."""
    doc = visible_document(session, document_id, visible)
    counts = _count_by(session, Lesson, [doc.id], visible), _count_by(session, Risk, [doc.id], visible)
    current = DocumentVersionPublic(
        document_id=doc.id, version=doc.version, source_name=doc.source_name, title=doc.title, sha256=doc.sha256,
        size_bytes=doc.size_bytes, lessons=counts[0].get(doc.id, 0), risks=counts[1].get(doc.id, 0),
        ingested_at=doc.ingested_at, replaced_at=None)
    older = session.exec(select(DocumentVersion).where(DocumentVersion.document_id == document_id)
                         .order_by(col(DocumentVersion.version).desc())).all()
    return [current] + [DocumentVersionPublic.model_validate(v, from_attributes=True) for v in older]


def document_items(*, session: Session, document_id: int,
                   visible: Visibility = EVERYTHING) -> tuple[list[LessonPublic], list[RiskPublic]]:
    """What was extracted from one document in file order (unpublished ones too, for the PMO)."""
    lessons = session.exec(select(Lesson).where(Lesson.document_id == document_id, published(Lesson, visible))
                           .order_by(Lesson.id)).all()
    risks = session.exec(select(Risk).where(Risk.document_id == document_id, published(Risk, visible))
                         .order_by(Risk.id)).all()
    return [LessonPublic.model_validate(x) for x in lessons], [RiskPublic.model_validate(x) for x in risks]


def _summaries(session: Session, docs: list[Document], visible: Visibility) -> list[DocumentSummary]:
    ids = [d.id for d in docs]
    lessons = _count_by(session, Lesson, ids, visible)
    risks = _count_by(session, Risk, ids, visible)
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


def _count_by(session: Session, model, document_ids: list[int], visible: Visibility) -> dict[int, int]:
    if not document_ids:
        return {}
    query = select(model.document_id, func.count()).where(col(model.document_id).in_(document_ids),
                                                          published(model, visible))
    return dict(session.exec(query.group_by(model.document_id)).all())


# --- lessons and risks ------------------------------------------------------------

def visible_item(session: Session, model, item_id: int, visible: Visibility = EVERYTHING):
    """A lesson or risk, or its NotFound when there is none or the audience may not see it
    (unpublished, or of a confidential project not shared with them)."""
    item = session.get(model, item_id)
    if item is None or visible.hides(item):
        if model is Lesson:
            raise LessonNotFound(_("No lesson with id %(id)s.") % {"id": item_id})
        raise RiskNotFound(_("No risk with id %(id)s.") % {"id": item_id})
    return item


def get_lesson(*, session: Session, lesson_id: int, visible: Visibility = EVERYTHING) -> LessonDetail:
    lesson = visible_item(session, Lesson, lesson_id, visible)
    return LessonDetail(
        lesson=LessonPublic.model_validate(lesson),
        project=_project_public(session, lesson.project_id),
        document=document_summary(session=session, document_id=lesson.document_id, visible=visible),
        feedback=feedback_summary(session=session, lesson_id=lesson_id, visible=visible),
    )


def get_risk(*, session: Session, risk_id: int, visible: Visibility = EVERYTHING) -> RiskDetail:
    risk = visible_item(session, Risk, risk_id, visible)
    return RiskDetail(
        risk=RiskPublic.model_validate(risk),
        project=_project_public(session, risk.project_id),
        document=document_summary(session=session, document_id=risk.document_id, visible=visible),
    )


def popular_tags(*, session: Session, limit: int = 12, visible: Visibility = EVERYTHING) -> list[tuple[str, int]]:
    """The commonest free tags on published lessons and risks, for empty search states."""
    counts: Counter[str] = Counter()
    for model in (Lesson, Risk):
        query = select(model.tags).where(model.published == True, shown(model.project_id, visible))  # noqa: E712
        for tags in session.exec(query):
            counts.update(t for t in (tags or []) if t)
    return counts.most_common(limit)


def totals(*, session: Session, visible: Visibility = EVERYTHING) -> dict[str, int]:
    """How much the knowledge base holds: published lessons and risks, projects, documents."""
    def count(model, column, published: bool = False) -> int:
        query = select(func.count()).select_from(model).where(shown(column, visible))
        return session.exec(query.where(model.published == True) if published else query).one()  # noqa: E712

    return {"lessons": count(Lesson, Lesson.project_id, True), "risks": count(Risk, Risk.project_id, True),
            "projects": count(Project, Project.id), "documents": count(Document, Document.project_id)}


def _project_public(session: Session, project_id: int | None) -> ProjectPublic | None:
    project = session.get(Project, project_id) if project_id else None
    return ProjectPublic.model_validate(project) if project else None


# --- usage: feedback and kickoff packs --------------------------------------------------

def feedback_summary(*, session: Session, lesson_id: int, visible: Visibility = EVERYTHING) -> FeedbackSummary:
    rows = [r for r in session.exec(select(LessonFeedback).where(LessonFeedback.lesson_id == lesson_id))
            if not visible.hides_project(r.project_id)]  # applied to a hidden project: not counted either
    pids = sorted({r.project_id for r in rows if r.kind == "applied" and r.project_id})
    projects = session.exec(select(Project).where(col(Project.id).in_(pids)).order_by(Project.name)).all() if pids else []
    return FeedbackSummary(helpful=sum(r.kind == "helpful" for r in rows), applied=sum(r.kind == "applied" for r in rows),
                           applied_to=[ProjectPublic.model_validate(p) for p in projects])


def add_feedback(*, session: Session, lesson_id: int, kind: str, project_id: int | None = None,
                 visible: Visibility = EVERYTHING) -> LessonFeedback:
    """Record that a lesson was helpful, or applied to a project (feeds the reuse metrics)."""
    if kind not in FEEDBACK_KINDS:
        raise KBError(_("Unknown feedback '%(kind)s': use one of %(kinds)s.")
                      % {"kind": kind, "kinds": ", ".join(FEEDBACK_KINDS)})
    visible_item(session, Lesson, lesson_id, visible)
    if project_id is not None:
        visible_project(session, project_id, visible)
    row = LessonFeedback(lesson_id=lesson_id, kind=kind, project_id=project_id)
    session.add(row)
    session.commit()
    return row


# --- new projects and their kickoff checklists -------------------------------------

class PackSummary(BaseModel):
    """A saved kickoff pack, for lists."""

    id: int
    created_at: str
    project_name: str | None = None
    project_type: str | None = None
    project_id: int | None = None
    project_code: str | None = None
    lines: int = 0


class ChecklistProgress(BaseModel):
    """How far a project has worked through its kickoff checklist."""

    total: int = 0
    open: int = 0
    done: int = 0
    dismissed: int = 0
    action: int = 0

    @property
    def settled(self) -> int:
        """Lines no longer open: done, dismissed or turned into an action."""
        return self.total - self.open


class ChecklistLine(BaseModel):
    """One checklist line as the API returns it."""

    id: int
    pack_id: int
    project_id: int | None
    kind: str
    item_id: int
    text: str
    state: str
    reason: str | None = None
    action: str | None = None
    owner: str | None = None
    due: date | None = None


CLOSING_FIELDS = ("outcome", "actual_end", "actual_budget", "planned_value", "earned_value", "actual_cost")
"""What a project's reports say once it runs or ends, which registering it cannot: a made-up outcome would
count in everyone's success rate."""


def create_project(*, session: Session, project: ProjectCreate) -> Project:
    """Register a new project (planned or under way); its code must be new."""
    code = project.code.strip()
    if not code or not project.name.strip():
        raise KBError(_("A project needs a code and a name, e.g. code CRM-2027 and name 'Sales CRM rollout'."))
    try:
        code = project_code(code)
    except ValueError as exc:
        raise KBError(str(exc)) from exc
    closing = [name for name in CLOSING_FIELDS if getattr(project, name) is not None]
    if closing:
        raise KBError(_("A new project is registered as planned or under way, so it takes no %(fields)s: its closure "
                        "report or status reports set them. Leave them out.") % {"fields": ", ".join(closing)})
    if project.planned_start and project.planned_end and project.planned_end < project.planned_start:
        raise KBError(_("The planned end (%(end)s) is before the planned start (%(start)s): check the two dates.")
                      % {"end": project.planned_end.isoformat(), "start": project.planned_start.isoformat()})
    if session.exec(select(Project.id).where(func.upper(Project.code) == code.upper())).first() is not None:
        raise KBError(_("A project with code %(code)s already exists: pick it from the list of projects, or use "
                        "another code.") % {"code": code})
    row = Project(**{**project.model_dump(), "code": code, "name": project.name.strip()})
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def active_projects(*, session: Session, visible: Visibility = EVERYTHING) -> list[ProjectChoice]:
    """Projects still running or planned (no actual end, no outcome), by name: the ones a lesson
    can be applied to and a kickoff pack made for."""
    rows = session.exec(select(Project.id, Project.code, Project.name)
                        .where(Project.actual_end.is_(None), Project.outcome.is_(None), shown(Project.id, visible))
                        .order_by(Project.name)).all()
    return [ProjectChoice(id=i, code=c, name=n) for i, c, n in rows]


def visible_pack(session: Session, pack_id: int, visible: Visibility = EVERYTHING) -> KickoffPack:
    """A saved kickoff pack, or NotFound when there is none or it was made for a project the audience
    may not see."""
    pack = session.get(KickoffPack, pack_id)
    if pack is None or visible.hides_project(pack.project_id) or not _own_or_linked(pack, visible):
        raise NotFound(_("No kickoff pack with id %(id)s.") % {"id": pack_id})
    return pack


def _own_or_linked(pack: KickoffPack, visible: Visibility) -> bool:
    """A pack made for no project is its author's (and the PMO's): its name and description may describe
    a confidential initiative. Packs made before packs had authors are everyone's, as they were."""
    return (visible.own_packs_of is None or pack.project_id is not None or pack.author is None
            or pack.author == visible.own_packs_of)


def link_pack(*, session: Session, pack_id: int, project_id: int,
              visible: Visibility = EVERYTHING) -> list[ChecklistItem]:
    """Make a saved pack the given project's, and its lines that project's checklist (kept as they are
    when the pack was already its)."""
    pack = visible_pack(session, pack_id, visible)
    visible_project(session, project_id, visible)
    pack.project_id = project_id
    session.add(pack)
    lines = session.exec(select(ChecklistItem).where(ChecklistItem.pack_id == pack_id)).all()
    for line in lines:
        line.project_id = project_id
        session.add(line)
    if not lines:
        lines = [ChecklistItem(pack_id=pack_id, project_id=project_id, kind=k, item_id=i, text=t)
                 for k, i, t in pack_lines(pack.content or {})]
        session.add_all(lines)
    session.commit()
    return list(lines)


def pack_lines(content: dict) -> list[tuple[str, int, str]]:
    """(kind, item id, text) of each line of a pack as recorded: its lessons, then its risks."""
    out = [("lesson", item["hit"]["id"], item["checklist"])
           for section in content.get("sections", []) for item in section.get("items", [])]
    out += [("risk", hit["id"], hit["title"]) for hit in content.get("materialised_risks", [])]
    return out


def checklist(*, session: Session, pack_id: int, visible: Visibility = EVERYTHING) -> list[ChecklistItem]:
    rows = session.exec(select(ChecklistItem).where(ChecklistItem.pack_id == pack_id).order_by(ChecklistItem.id))
    return _shown_lines(session, list(rows), visible)


def _shown_lines(session: Session, lines: list[ChecklistItem], visible: Visibility) -> list[ChecklistItem]:
    """Checklist lines less those quoting a lesson or risk the audience may not see (a pack the PMO made
    may cite a confidential project)."""
    if not visible.restricted or not lines:
        return lines
    hidden = _hidden_items(session, {kind: [line.item_id for line in lines if line.kind == kind]
                                     for kind in ("lesson", "risk")}, visible)
    return [line for line in lines if (line.kind, line.item_id) not in hidden]


def checklist_line_of(*, session: Session, pack_id: int, line_id: int,
                      visible: Visibility = EVERYTHING) -> ChecklistItem:
    """A line of one pack's checklist (a line id from another pack, or quoting what the audience may not
    see, is not found)."""
    line = session.get(ChecklistItem, line_id)
    if line is None or line.pack_id != pack_id or not _shown_lines(session, [line], visible):
        raise NotFound(_("Kickoff pack %(pack)s has no checklist line %(line)s.") % {"pack": pack_id, "line": line_id})
    return line


def update_checklist_line(*, session: Session, line_id: int, state: str, reason: str = "", action: str = "",
                          owner: str = "", due: date | None = None) -> ChecklistItem:
    """Tick a line, dismiss it with a reason, turn it into an action with an owner and a due date, or reopen it."""
    line = session.get(ChecklistItem, line_id)
    if line is None:
        raise NotFound(_("No checklist line with id %(id)s.") % {"id": line_id})
    if state not in CHECKLIST_STATES:
        raise KBError(_("Unknown checklist state '%(state)s': use one of %(states)s.")
                      % {"state": state, "states": ", ".join(CHECKLIST_STATES)})
    reason, action, owner = reason.strip(), action.strip(), owner.strip()
    if state == "dismissed" and not reason:
        raise KBError(_("Say why this line does not apply (the reason is kept with the checklist)."))
    if state == "action" and not (action and owner and due):
        raise KBError(_("An action needs what to do, an owner and a due date."))
    line.state, line.updated_at = state, utcnow()
    line.reason = reason if state == "dismissed" else None
    line.action, line.owner, line.due = (action, owner, due) if state == "action" else (None, None, None)
    session.add(line)
    session.commit()
    session.refresh(line)
    return line


def checklist_progress(*, session: Session, project_id: int, visible: Visibility = EVERYTHING) -> ChecklistProgress:
    counts = Counter(line.state for line in project_checklist(session=session, project_id=project_id, visible=visible))
    return ChecklistProgress(total=sum(counts.values()), **{s: counts.get(s, 0) for s in CHECKLIST_STATES})


def project_checklist(*, session: Session, project_id: int, visible: Visibility = EVERYTHING) -> list[ChecklistItem]:
    """Every line of every pack made for the project, open ones first."""
    rows = session.exec(select(ChecklistItem).where(ChecklistItem.project_id == project_id)
                        .order_by(ChecklistItem.pack_id, ChecklistItem.id)).all()
    return sorted(_shown_lines(session, list(rows), visible), key=lambda r: r.state != "open")


def list_packs(*, session: Session, project_id: int | None = None, limit: int = 50,
               visible: Visibility = EVERYTHING) -> list[PackSummary]:
    """Saved kickoff packs, newest first (of one project when `project_id` is given)."""
    query = select(KickoffPack, Project.code).join(Project, KickoffPack.project_id == Project.id, isouter=True)
    query = query.where(shown(KickoffPack.project_id, visible))
    if visible.own_packs_of is not None:
        query = query.where(col(KickoffPack.project_id).is_not(None) | col(KickoffPack.author).is_(None)
                            | (KickoffPack.author == visible.own_packs_of))
    if project_id is not None:
        query = query.where(KickoffPack.project_id == project_id)
    rows = session.exec(query.order_by(KickoffPack.id.desc()).limit(limit)).all()
    hidden = _hidden_items(session, {"lesson": [i for p, _code in rows for i in p.lesson_ids or []],
                                     "risk": [i for p, _code in rows for i in p.risk_ids or []]}, visible)
    return [PackSummary(id=p.id, created_at=p.created_at.strftime("%Y-%m-%d %H:%M"), project_name=p.project_name,
                        project_type=p.project_type, project_id=p.project_id, project_code=code,
                        lines=sum(("lesson", i) not in hidden for i in p.lesson_ids or [])
                        + sum(("risk", i) not in hidden for i in p.risk_ids or [])) for p, code in rows]


def _hidden_items(session: Session, ids: dict[str, list[int]], visible: Visibility) -> set[tuple[str, int]]:
    """(kind, id) of the lessons and risks among `ids` ({"lesson": [...], "risk": [...]}) the audience may not
    see: checklist lines quoting them are left out, and so are they from a pack's line count."""
    if not visible.restricted:
        return set()
    hidden = set()
    for kind, model in (("lesson", Lesson), ("risk", Risk)):
        wanted = sorted(set(ids.get(kind, [])))
        if wanted:
            query = select(model.id).where(col(model.id).in_(wanted), ~published(model, visible))
            hidden |= {(kind, i) for i in session.exec(query)}
    return hidden
