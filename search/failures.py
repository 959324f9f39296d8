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
from kb.language import CHINESE, has_han, language_of
from kb.models import Document, Lesson, MultilingualVector, Project, Risk
from kb.open_risks import is_active
from kb.texts import lesson_text, risk_text, text_sha256, vector_id
from kb.vectors import VectorTable, from_blobs, read_vectors
from search.multilingual import on_main_scale

UNTYPED = "(unspecified)"


def model_reads(text: str | None, kb=None) -> bool:
    """Whether the store's models can judge this text's meaning. The main model (all-MiniLM-L6-v2) is
    English-only: Han-script texts all sit close together whatever they say, so their similarities are
    noise. With the multilingual model on (`kb.multilingual`), Chinese texts are compared by it
    (`Readings`); with it off, every embedding-based match (themes, foreseeable failures, early
    warnings) leaves them out, and keyword search still finds them."""
    return not has_han(text) or getattr(kb, "multilingual", None) is not None


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


def item_vectors(kb, items: Sequence[Item], *, embedder=None, table: VectorTable | None = None) -> np.ndarray:
    """Unit vectors for `items`, from the vectors SQL records for the configured model (or for
    `embedder`, in `table`). An item without one that fits its current text gets a zero row (it
    joins no theme and matches nothing) rather than being embedded during a request; `kb doctor`
    reports it and `kb reindex` repairs it."""
    embedder = embedder or kb.embedder
    if not items:
        return np.zeros((0, 1), dtype=np.float32)
    row_of = {(i.kind, i.id): n for n, i in enumerate(items)}
    rows, blobs, dims = [], [], []
    where = {} if table is None else {"table": table}
    with kb.session() as session:
        for kind in ("lesson", "risk"):
            ids = [i.id for i in items if i.kind == kind]
            for sv, blob in read_vectors(session, model=embedder.name, kind=kind, ids=ids, **where) if ids else ():
                n = row_of[(kind, sv.item_id)]
                if sv.text_sha256 == text_sha256(items[n].text):
                    rows.append(n)
                    blobs.append(blob)
                    dims.append(sv.dim)
    dim = max(set(dims), key=dims.count) if dims else int(embedder.dim)
    keep = [k for k, d in enumerate(dims) if d == dim]
    matrix = np.zeros((len(items), dim), dtype=np.float32)
    if keep:
        matrix[[rows[k] for k in keep]] = from_blobs([blobs[k] for k in keep], dim)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


@dataclass
class Readings:
    """Items' vectors in both models: the main model's for English pairs, the multilingual model's
    wherever one side is Chinese (`search.multilingual`)."""

    main: np.ndarray
    second: np.ndarray | None
    """The multilingual model's unit rows; None when that model is off."""
    chinese: np.ndarray
    """Bool per item."""

    def similarities(self, other: "Readings") -> tuple[np.ndarray, np.ndarray]:
        """(cosine, by_second) for every pair [self item, other item]: the multilingual model's raw cosine
        where `by_second` (either side Chinese, both with its vector), else the main model's."""
        main = self.main @ other.main.T
        if self.second is None or other.second is None:
            return main, np.zeros(main.shape, dtype=bool)
        by_second = self.chinese[:, None] | other.chinese[None, :]
        if not by_second.any():
            return main, by_second
        # A pair with a Chinese side but no multilingual vector (kb reindex) is left at 0, never read by MiniLM.
        second = (self.second @ other.second.T) * (self.second.any(axis=1)[:, None] & other.second.any(axis=1)[None, :])
        return np.where(by_second, second, main).astype(np.float32), by_second

    def on_main_scale(self, other: "Readings") -> np.ndarray:
        """Every pair's cosine, the multilingual model's mapped onto the main model's scale."""
        sims, by_second = self.similarities(other)
        return np.where(by_second, on_main_scale(sims), sims) if by_second.any() else sims

    def by_language(self) -> np.ndarray:
        """One unit row per item for grouping items of one language: the main model's vector for an
        English item and the multilingual model's for a Chinese one, in separate columns. Two English
        rows compare exactly as the main model's vectors, two Chinese rows as the multilingual model's,
        and an English row with a Chinese one at 0 (they are grouped apart, `cluster_by_language`)."""
        if self.second is None or not self.chinese.any():
            return self.main
        out = np.zeros((len(self.main), self.main.shape[1] + self.second.shape[1]), dtype=np.float32)
        english = ~self.chinese
        out[english, :self.main.shape[1]] = self.main[english]
        out[self.chinese, self.main.shape[1]:] = self.second[self.chinese]
        return out


def item_readings(kb, items: Sequence[Item]) -> Readings:
    """The `Readings` of `items` from the vectors SQL records (zero rows where one is missing or stale)."""
    main = item_vectors(kb, items)
    second = getattr(kb, "multilingual", None)
    vectors = item_vectors(kb, items, embedder=second, table=MultilingualVector) if second is not None else None
    chinese = np.array([(i.language or language_of(i.text)) == CHINESE for i in items], dtype=bool)
    return Readings(main, vectors, chinese)
