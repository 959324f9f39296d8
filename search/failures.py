"""The items the failure analyses read: lessons and materialised risks, dated.

Recurring failure themes (`search.themes`) and foreseeable failures
(`search.foreseeable`) both work on these. An item *occurred* on the lesson's
own date, else its project's end (`Project.end`), else its start, else the day
its document was ingested; it was *known* from the lesson's own date, else its
project's actual end (lessons are captured at closure), else ingestion. The
wording shown to users is in `search.themes.DEFINITIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Sequence

import numpy as np
from sqlmodel import Session, select

from kb.dates import as_date
from kb.language import has_han, language_of
from kb.models import Document, Lesson, Project, Risk
from kb.open_risks import is_active
from kb.texts import lesson_text, risk_text, text_sha256, vector_id
from kb.vectors import from_blobs, read_vectors

UNTYPED = "(unspecified)"


def model_reads(text: str | None) -> bool:
    """Whether the embedding model can judge this text's meaning. The model (all-MiniLM-L6-v2) is
    English-only: Han-script texts all sit close together whatever they say, so their similarities are
    noise. Until a multilingual model ships, every embedding-based match (themes, foreseeable failures,
    early warnings) leaves them out; keyword search still finds them."""
    return not has_han(text)


@dataclass
class DatedProject:
    """A project as the failure analyses see it: its type and the dates that place its failures in time."""

    id: int
    code: str
    name: str
    project_type: str
    start: date | None
    """`Project.start`: actual start, else planned."""
    end: date | None
    """`Project.end`: actual end, else planned."""
    actual_end: date | None
    active: bool = False
    """Still running (`kb.open_risks.is_active`): its risks are a live register, not past failures."""


@dataclass
class Item:
    """A lesson or a materialised risk, as the failure analyses see it."""

    vid: str
    kind: str
    id: int
    title: str
    text: str
    project_id: int | None
    occurred: date | None
    known: date | None
    language: str | None = None
    """zh or en (`kb.language`), from the item's own text."""
    polarity: str | None = None
    """A lesson's polarity; None for a risk."""
    advice: bool = False
    """A lesson with a recommendation."""

    @property
    def order(self) -> tuple[int, int]:
        return (self.kind == "risk", self.id)


def load_projects(session: Session, hidden: frozenset[int] = frozenset()) -> dict[int, DatedProject]:
    """Every project but the `hidden` ones (`kb.access.Visibility.hidden_projects`): their items are
    then left out too, as `load_items` keeps only items of the projects it is given or of none."""
    return {p.id: DatedProject(p.id, p.code, p.name, p.project_type or UNTYPED, p.start, p.end, p.actual_end,
                               is_active(p))
            for p in session.exec(select(Project)) if p.id not in hidden}


def past_projects(projects: dict[int, DatedProject]) -> dict[int, DatedProject]:
    """The projects that are over: only their lessons and materialised risks are failures of the past."""
    return {pid: p for pid, p in projects.items() if not p.active}


def load_items(session: Session, projects: dict[int, DatedProject], *, polarity: str | None = "went wrong",
               risks: bool = True) -> list[Item]:
    """Lessons (of one polarity; None for all) and, if `risks`, materialised risks, in id order."""
    ingested = {did: as_date(at) for did, at in session.exec(select(Document.id, Document.ingested_at))}
    items = [_item("lesson", row.id, row.title, lesson_text(row), projects.get(row.project_id), row.lesson_date,
                   ingested.get(row.document_id), row.language, row.polarity, bool(row.recommendation))
             for row in session.exec(_lessons_query(polarity)) if _known(row.project_id, projects)]
    if risks:
        items += [_item("risk", row.id, row.title, risk_text(row), projects.get(row.project_id), None,
                        ingested.get(row.document_id), row.language)
                  for row in session.exec(_materialised_risks_query()) if _known(row.project_id, projects)]
    return items


def _known(project_id: int | None, projects: dict[int, DatedProject]) -> bool:
    # A project missing from `projects` was hidden from the audience (load_projects).
    return project_id is None or project_id in projects


def _lessons_query(polarity: str | None):
    query = select(Lesson.id, Lesson.title, Lesson.what_happened, Lesson.cause, Lesson.impact,
                   Lesson.recommendation, Lesson.lesson_date, Lesson.project_id, Lesson.document_id,
                   Lesson.language, Lesson.polarity).where(Lesson.published == True)  # noqa: E712 (SQL expression)
    if polarity:
        query = query.where(Lesson.polarity == polarity)
    return query.order_by(Lesson.id)


def _materialised_risks_query():
    return select(Risk.id, Risk.title, Risk.description, Risk.cause, Risk.effect, Risk.response,
                  Risk.project_id, Risk.document_id, Risk.language).where(
        Risk.published == True, (Risk.materialised == True) | (Risk.status == "materialised")  # noqa: E712
    ).order_by(Risk.id)


def _item(kind: str, item_id: int, title: str, text: str, project: DatedProject | None, own: date | None,
          ingested: date | None, language: str | None = None, polarity: str | None = None,
          advice: bool = False) -> Item:
    occurred = own or (project and (project.end or project.start)) or ingested
    known = own or (project and project.actual_end) or ingested
    return Item(vector_id(kind, item_id), kind, item_id, title, text, project.id if project else None,
                occurred, known, language or language_of(text), polarity, advice)


def item_vectors(kb, items: Sequence[Item]) -> np.ndarray:
    """Unit vectors for `items`, from the vectors SQL records for the configured model. An item
    without one that fits its current text gets a zero row (it joins no theme and matches
    nothing) rather than being embedded during a request; `kb doctor` reports it and
    `kb reindex` repairs it."""
    if not items:
        return np.zeros((0, 1), dtype=np.float32)
    row_of = {(i.kind, i.id): n for n, i in enumerate(items)}
    rows, blobs, dims = [], [], []
    with kb.session() as session:
        for kind in ("lesson", "risk"):
            ids = [i.id for i in items if i.kind == kind]
            for sv, blob in read_vectors(session, model=kb.embedder.name, kind=kind, ids=ids) if ids else ():
                n = row_of[(kind, sv.item_id)]
                if sv.text_sha256 == text_sha256(items[n].text):
                    rows.append(n)
                    blobs.append(blob)
                    dims.append(sv.dim)
    dim = max(set(dims), key=dims.count) if dims else int(kb.embedder.dim)
    keep = [k for k, d in enumerate(dims) if d == dim]
    matrix = np.zeros((len(items), dim), dtype=np.float32)
    if keep:
        matrix[[rows[k] for k in keep]] = from_blobs([blobs[k] for k in keep], dim)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)
