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
from kb.models import Document, Lesson, Project, Risk
from kb.texts import lesson_text, risk_text, vector_id

UNTYPED = "(unspecified)"


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

    @property
    def order(self) -> tuple[int, int]:
        return (self.kind == "risk", self.id)


def load_projects(session: Session) -> dict[int, DatedProject]:
    cols = (Project.id, Project.code, Project.name, Project.project_type, Project.start, Project.end,
            Project.actual_end)
    return {pid: DatedProject(pid, code, name, ptype or UNTYPED, start, end, actual_end)
            for pid, code, name, ptype, start, end, actual_end in session.exec(select(*cols))}


def load_items(session: Session, projects: dict[int, DatedProject], *, polarity: str | None = "went wrong",
               risks: bool = True) -> list[Item]:
    """Lessons (of one polarity; None for all) and, if `risks`, materialised risks, in id order."""
    ingested = {did: as_date(at) for did, at in session.exec(select(Document.id, Document.ingested_at))}
    items = [_item("lesson", row.id, row.title, lesson_text(row), projects.get(row.project_id), row.lesson_date,
                   ingested.get(row.document_id))
             for row in session.exec(_lessons_query(polarity))]
    if risks:
        items += [_item("risk", row.id, row.title, risk_text(row), projects.get(row.project_id), None,
                        ingested.get(row.document_id))
                  for row in session.exec(_materialised_risks_query())]
    return items


def _lessons_query(polarity: str | None):
    query = select(Lesson.id, Lesson.title, Lesson.what_happened, Lesson.cause, Lesson.impact,
                   Lesson.recommendation, Lesson.lesson_date, Lesson.project_id, Lesson.document_id
                   ).where(Lesson.published == True)  # noqa: E712 (SQL expression)
    if polarity:
        query = query.where(Lesson.polarity == polarity)
    return query.order_by(Lesson.id)


def _materialised_risks_query():
    return select(Risk.id, Risk.title, Risk.description, Risk.cause, Risk.effect, Risk.response,
                  Risk.project_id, Risk.document_id).where(
        Risk.published == True, (Risk.materialised == True) | (Risk.status == "materialised")  # noqa: E712
    ).order_by(Risk.id)


def _item(kind: str, item_id: int, title: str, text: str, project: DatedProject | None, own: date | None,
          ingested: date | None) -> Item:
    occurred = own or (project and (project.end or project.start)) or ingested
    known = own or (project and project.actual_end) or ingested
    return Item(vector_id(kind, item_id), kind, item_id, title, text, project.id if project else None,
                occurred, known)


def item_vectors(kb, items: Sequence[Item]) -> np.ndarray:
    """Unit vectors for `items`, from the index; items missing there are embedded from their text."""
    if not items:
        return np.zeros((0, 1), dtype=np.float32)
    found = _vectors_from_index(kb, [i.vid for i in items])
    missing = [i for i in items if i.vid not in found]
    if missing:
        fresh = kb.embedder.embed_batch([i.text for i in missing])
        found.update({i.vid: v for i, v in zip(missing, fresh)})
    matrix = np.vstack([found[i.vid] for i in items]).astype(np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def _vectors_from_index(kb, vids: list[str]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    try:
        wanted = set(vids)
        if len(vids) * 2 > kb.vectors.count():  # reading everything beats many lookups
            for batch in kb.vectors.iter_batches():
                out.update((vid, vec) for vid, vec in zip(batch.ids, batch.embeddings) if vid in wanted)
        else:
            for start in range(0, len(vids), 2000):
                batch = kb.vectors.get(vids[start:start + 2000])
                out.update(zip(batch.ids, batch.embeddings))
    except Exception:
        return {}  # the index is unreachable: embed everything from SQL instead
    return out
