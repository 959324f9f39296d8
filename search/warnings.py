"""Early warnings: open risks of an active project that already materialised on past projects.

Each open item of an active project (the top risks and issues of its latest status report and the
open risks of its live risk register, `open_items`) is compared in
meaning with the materialised risks and the "went wrong" lessons of past (closed) projects, using
the vectors of the search snapshot. A past item is a *precedent* when the cosine of the two is at
least `SAME_TYPE_COSINE` for a project of the same type, or `OTHER_TYPE_COSINE` (only very close
ones) for another type. Each past project counts once, cited by its closest items, with what
happened and what it recommends. Below the thresholds nothing is said: a warning on everything
would be read as noise, so silence is preferred to a weak match.

The thresholds were read off the demo corpus (README, "Early warnings"): treating every English
register risk that did not materialise as open, the same-type pairs at or above 0.60 all described the
same failure (7 of 7), between 0.55 and 0.60 only 2 of 5 did; other-type pairs between 0.60 and 0.65
were 2 of 3 and between 0.55 and 0.60 4 of 8.

The main model (all-MiniLM-L6-v2) reads English only: on Chinese text its cosines are high for
unrelated pairs (0.7-0.8 on the demo). A pair with a Chinese side is compared by the multilingual
model (USE multilingual v3) against its own thresholds, read off the demo the same way (every
Chinese register risk that did not materialise against the past failures, and every English one
against the Chinese failures, 2 × ~700 pairs): the same failure told in two languages or in other
words scores 0.46-0.61 (missing application dependencies 0.46-0.52, cloud spend over budget 0.47-0.53,
month-end batch performance 0.58), but unrelated pairs reach 0.59 (warehouse staff resisting the
system vs. training before the system is stable, 0.587 same type; an external audit finding vs. an
app store rejection, 0.575). So the bars sit above every unrelated pair seen, 0.60 for the same type
and 0.62 for another: most cross-language precedents of the demo stay silent, one told in nearly the
same words (a translation scores 0.71-0.79) is found. With the multilingual model off, Chinese items
are neither warned of nor cited as precedents.

What an audience may not see is never a precedent and never counted: rows of its hidden
(confidential) projects and unpublished items are left out before anything is compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, Field, computed_field
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from kb import open_risks, status, vocab
from kb.access import EVERYTHING, Visibility
from kb.errors import ProjectNotFound, RiskNotFound
from kb.i18n import _, ngettext
from kb.models import Document, Lesson, Project, Risk
from kb.texts import risk_text, vector_id
from search.engine import USAGE_LOG_ONLY, visible_rows
from kb.language import CHINESE, language_of
from search.failures import Item, item_readings, load_items, load_projects, model_reads
from search.hits import fetch_rows, project_ref, source_of
from search.index import KINDS, RISK, Snapshot
from search.models import ProjectRef, Source

if TYPE_CHECKING:
    from search.engine import SearchEngine

SAME_TYPE_COSINE = 0.60
"""Cosine (all-MiniLM-L6-v2) from which a past item of a project of the same type is a precedent."""
OTHER_TYPE_COSINE = 0.65
"""The same for a project of another type: only very close ones."""
MULTILINGUAL_SAME_TYPE_COSINE = 0.60
"""The same as SAME_TYPE_COSINE for a pair with a Chinese side, compared by the multilingual model
(USE multilingual v3, its own cosine: see the module's docstring for how it was read)."""
MULTILINGUAL_OTHER_TYPE_COSINE = 0.62
"""The same as OTHER_TYPE_COSINE for a pair with a Chinese side."""
OTHER_TYPE_WEIGHT = 0.5
"""How much a past project of another type counts towards a warning's rank (same type: 1)."""
UNKNOWN_SEVERITY = 9.0
"""Severity a warning ranks with when the item has none: a medium risk (3 × 3)."""
SHOWN_PROJECTS = 5
"""Past projects listed under one warning (all are counted)."""
ITEMS_PER_PROJECT = 2
"""Precedent items cited from one past project."""


@dataclass(frozen=True)
class OpenItem:
    """An open risk or issue of an active project, as early warnings read it."""

    text: str
    """What is compared in meaning (for a register risk, its embedded text `kb.texts.risk_text`)."""
    severity: float | None
    """Probability × impact on the 1-25 scale (`kb.open_risks.severity`); None when unknown."""
    project_id: int
    citation: Source
    """Where it is written: the document and its section or row."""
    title: str = ""
    risk_id: int | None = None
    """The register risk it is, when it is one."""

    @property
    def key(self) -> str:
        """Its identity in the project, kept with the warnings shown (`kb.models.WarningShown.item_key`)."""
        if self.risk_id is not None:
            return f"risk:{self.risk_id}"
        return f"document:{self.citation.document_id}:{self.citation.location or self.title}"[:200]


class PrecedentItem(BaseModel):
    """A materialised risk or "went wrong" lesson of a past project that says the same as the open item."""

    kind: str
    """risk or lesson."""
    id: int
    title: str
    what_happened: str | None = None
    recommendation: str | None = None
    similarity: float
    source: Source


class Precedent(BaseModel):
    """One past project on which the open item's risk materialised."""

    project: ProjectRef
    same_type: bool
    similarity: float
    """Cosine of the closest of its items."""
    items: list[PrecedentItem]


class EarlyWarning(BaseModel):
    """An open item of an active project, with the past projects on which it materialised."""

    project: ProjectRef
    title: str
    severity: float | None = None
    high: bool = False
    """Severity at or above `kb.open_risks.HIGH_SEVERITY`."""
    risk_id: int | None = None
    key: str
    citation: Source
    project_count: int
    """Past projects with a precedent (each counted once), of which `same_type_count` of the same type."""
    same_type_count: int
    closeness: float
    """Cosine of the closest precedent."""
    rank: float
    """severity ÷ 25 × closeness × past projects (another type's counting `OTHER_TYPE_WEIGHT`)."""
    precedents: list[Precedent] = Field(default_factory=list)
    """The closest past projects first, at most `SHOWN_PROJECTS`."""

    @computed_field
    @property
    def headline(self) -> str:
        """In the reader's language (the pages, the API by Accept-Language, the CLI by KB_LANGUAGE)."""
        n, same, kind = self.project_count, self.same_type_count, self.project.project_type
        if kind and same == n:
            return ngettext("This risk materialised on %(num)s past %(type)s project",
                            "This risk materialised on %(num)s past %(type)s projects", n) % {
                "num": n, "type": vocab.shown(kind)}
        if kind and same:
            return ngettext("This risk materialised on %(num)s past project, %(same)s of them %(type)s",
                            "This risk materialised on %(num)s past projects, %(same)s of them %(type)s", n) % {
                "num": n, "same": same, "type": vocab.shown(kind)}
        return ngettext("This risk materialised on %(num)s past project",
                        "This risk materialised on %(num)s past projects", n) % {"num": n}


class ProjectWarnings(BaseModel):
    """A project's early warnings: empty unless it is active."""

    project: ProjectRef
    active: bool
    open_items: int = 0
    """Open items compared (the audience's view)."""
    warnings: list[EarlyWarning] = Field(default_factory=list)
    """Highest rank first."""
    thresholds: dict[str, float] = Field(default_factory=lambda: {
        "same_type_cosine": SAME_TYPE_COSINE, "other_type_cosine": OTHER_TYPE_COSINE})


# --- open items --------------------------------------------------------------------

def open_items(session, project_id: int, *, visible: Visibility = EVERYTHING) -> list[OpenItem]:
    """The open items of a project that early warnings compare (`kb.status.open_items`): the top risks
    and issues of its latest status report, then the open risks of its live risk registers, less what
    `visible` hides."""
    found = status.open_items(session, project_id)
    risks = {r.id: r for r in session.exec(select(Risk).where(Risk.id.in_({i.risk_id for i in found if i.risk_id})))}
    docs = {d.id: d for d in session.exec(select(Document).where(Document.id.in_({i.document_id for i in found})))}
    project = session.get(Project, project_id)
    out = []
    for item in found:
        risk = risks.get(item.risk_id)
        if risk is not None and visible.hides(risk):
            continue
        if risk is not None and item.period_end is None:  # a register risk: its own embedded text
            out.append(register_item(risk, docs.get(risk.document_id), project))
        else:
            out.append(reported_item(item, docs.get(item.document_id), project, risk))
    return out


def _citation(document_id: int, doc: Document | None, project: Project | None, location: str | None,
              anchor: str | None, item_id: int | None) -> Source:
    return Source(document_id=document_id, document=doc.source_name if doc else f"document {document_id}",
                  kind=doc.kind if doc else "", location=location, anchor=anchor,
                  project_code=project.code if project else None, project_name=project.name if project else None,
                  item_id=item_id)


def reported_item(item: status.OpenItem, doc: Document | None, project: Project | None,
                  risk: Risk | None) -> OpenItem:
    """A risk or issue a status report lists, cited to the report (and its register risk, when it names one)."""
    severity = open_risks.severity(risk) if risk is not None else None
    return OpenItem(text=item.text, severity=severity or open_risks.LABEL_SEVERITY.get(item.severity or ""),
                    project_id=project.id if project else 0,
                    citation=_citation(item.document_id, doc, project, item.location, item.anchor, None),
                    title=item.text, risk_id=risk.id if risk is not None else None)


def register_item(risk: Risk, doc: Document | None, project: Project | None) -> OpenItem:
    citation = _citation(risk.document_id, doc, project, risk.source_location, risk.source_anchor, risk.id)
    return OpenItem(text=risk_text(risk), severity=open_risks.severity(risk), project_id=risk.project_id,
                    citation=citation, title=risk.title, risk_id=risk.id)


# --- the warnings --------------------------------------------------------------------

def project_warnings(engine: SearchEngine, project_id: int, *, visible: Visibility = EVERYTHING,
                     record: bool = False) -> ProjectWarnings:
    """The early warnings of one project, ranked (none unless it is active). `record`: keep the warnings
    as shown (`kb.models.WarningShown`), for the metric of warned-of risks that materialised.
    ProjectNotFound when there is no such project or `visible` hides it."""
    with engine.kb.session() as session:
        project = session.get(Project, project_id)
        if project is None or visible.hides_project(project_id):
            raise ProjectNotFound(_("No project with id %(id)s.") % {"id": project_id})
        active = open_risks.is_active(project)
        items = open_items(session, project_id, visible=visible) if active else []
    ref = _ref(project)
    found = warnings_for_items(engine, project, items, visible=visible)
    if record:
        record_warnings(engine, project_id, found)
    return ProjectWarnings(project=ref, active=active, open_items=len(items), warnings=found)


def risk_warning(engine: SearchEngine, risk_id: int, *, visible: Visibility = EVERYTHING,
                 record: bool = False) -> EarlyWarning | None:
    """The early warning of one risk: None unless it is an open risk of an active project with precedent."""
    with engine.kb.session() as session:
        risk = session.get(Risk, risk_id)
        if risk is None or visible.hides(risk):
            raise RiskNotFound(_("No risk with id %(id)s.") % {"id": risk_id})
        project = session.get(Project, risk.project_id) if risk.project_id is not None else None
        if project is None or not open_risks.is_active(project) or not open_risks.is_open(risk):
            return None
        item = register_item(risk, session.get(Document, risk.document_id), project)
    found = warnings_for_items(engine, project, [item], visible=visible)
    if record:
        record_warnings(engine, project.id, found)
    return found[0] if found else None


def active_warnings(engine: SearchEngine, *, visible: Visibility = EVERYTHING) -> list[EarlyWarning]:
    """Every active project's early warnings, highest rank first (for the portfolio view)."""
    with engine.kb.session() as session:
        work = [(p, open_items(session, p.id, visible=visible)) for p in status.active_projects(session, visible=visible)]
    out = [w for project, items in work if items for w in warnings_for_items(engine, project, items, visible=visible)]
    return sorted(out, key=lambda w: -w.rank)


def warnings_for_items(engine: SearchEngine, project: Project, items: list[OpenItem], *,
                       visible: Visibility = EVERYTHING) -> list[EarlyWarning]:
    """The warnings for `items` of `project`: each item with a precedent on a past project, ranked."""
    items = [i for i in items if model_reads(i.text, engine.kb)]
    if not items:
        return []
    snap = engine.snapshot()
    candidates = precedent_rows(engine, snap, project.id, visible)
    if not candidates.size:
        return []
    sims, by_second = _similarities(engine, snap, items, candidates)
    same = _same_type(snap, candidates, project.project_type)
    limits = np.where(by_second, np.where(same, MULTILINGUAL_SAME_TYPE_COSINE, MULTILINGUAL_OTHER_TYPE_COSINE),
                      np.where(same, SAME_TYPE_COSINE, OTHER_TYPE_COSINE))
    ref = _ref(project)
    out = []
    for item, row_sims, row_limits in zip(items, sims, limits):
        hits = np.flatnonzero(row_sims >= row_limits)
        if hits.size:
            out.append(_warning(engine, snap, ref, item, candidates[hits], row_sims[hits]))
    return sorted(out, key=lambda w: -w.rank)


def precedent_rows(engine: SearchEngine, snap: Snapshot, project_id: int, visible: Visibility) -> np.ndarray:
    """Snapshot rows that may be precedents: published materialised risks and "went wrong" lessons of
    past (closed) projects other than this one, in English, that `visible` shows."""
    wrong, materialised = snap.code_of("polarity", "went wrong"), snap.code_of("status", "materialised")
    failed = np.zeros(snap.size, dtype=bool)
    if wrong is not None:
        failed |= snap.codes["polarity"] == wrong
    if materialised is not None:
        failed |= (snap.kinds == RISK) & (snap.codes["status"] == materialised)
    readable = np.ones(snap.size, dtype=bool) if snap.multilingual is not None else ~snap.chinese
    past = np.isin(snap.project_ids, sorted(_closed_projects(engine, snap) - {project_id}))
    return np.flatnonzero(failed & readable & past & visible_rows(snap, visible))


def _closed_projects(engine: SearchEngine, snap: Snapshot) -> set[int]:
    # Kept with the snapshot: a project's dates change with its documents, which brings a new snapshot.
    if "closed_projects" not in snap.cache:
        with engine.kb.session() as session:
            snap.cache["closed_projects"] = set(session.exec(select(Project.id).where(
                Project.actual_end.is_not(None) | Project.outcome.is_not(None))))
    return snap.cache["closed_projects"]


def _same_type(snap: Snapshot, rows: np.ndarray, project_type: str | None) -> np.ndarray:
    code = snap.code_of("project_type", project_type) if project_type else None
    if code is None:
        return np.zeros(len(rows), dtype=bool)
    return snap.codes["project_type"][rows] == code


def _similarities(engine: SearchEngine, snap: Snapshot, items: list[OpenItem],
                  candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cosine, by_second) of every (item, candidate row): the multilingual model's own cosine where
    `by_second` (the item or the candidate is Chinese), else the main model's."""
    sims = _item_vectors(engine, snap, items) @ snap.dense[candidates].T
    if snap.multilingual is None:
        return sims, np.zeros(sims.shape, dtype=bool)
    chinese = np.array([language_of(i.text) == CHINESE for i in items], dtype=bool)
    by_second = chinese[:, None] | snap.chinese[candidates][None, :]
    if by_second.any():
        second = _item_vectors(engine, snap, items, multilingual=True) @ snap.multilingual[candidates].T
        sims = np.where(by_second, second, sims)  # a candidate without that model's vector is all zero: 0
    return sims, by_second


def _item_vectors(engine: SearchEngine, snap: Snapshot, items: list[OpenItem], multilingual: bool = False) -> np.ndarray:
    """Unit vectors of the items: a register risk's from the snapshot, anything else from the engine's
    passage cache, embedded the first time (by the multilingual model when `multilingual`)."""
    matrix = snap.multilingual if multilingual else snap.dense
    out = np.zeros((len(items), matrix.shape[1]), dtype=np.float32)
    missing = []
    for n, item in enumerate(items):
        row = snap.row("risk", item.risk_id) if item.risk_id is not None else None
        if row is not None and matrix[row].any():
            out[n] = matrix[row]
        else:
            missing.append(n)
    if missing:
        out[missing] = engine.text_vectors([items[n].text for n in missing], multilingual=multilingual)
    return out


def _warning(engine: SearchEngine, snap: Snapshot, ref: ProjectRef, item: OpenItem, rows: np.ndarray,
             sims: np.ndarray) -> EarlyWarning:
    order = np.argsort(-sims, kind="stable")
    rows, sims = rows[order], sims[order]
    by_project: dict[int, list[int]] = {}
    for n, row in enumerate(rows):
        by_project.setdefault(int(snap.project_ids[row]), []).append(n)
    same = _same_type(snap, rows, ref.project_type)
    shown = list(by_project.items())[:SHOWN_PROJECTS]
    fetched = fetch_rows(engine.kb, snap, [int(rows[n]) for _project, ns in shown for n in ns[:ITEMS_PER_PROJECT]])
    precedents = [Precedent(project=project_ref(snap, pid), same_type=bool(same[ns[0]]),
                            similarity=round(float(sims[ns[0]]), 4),
                            items=[_item(snap, fetched[int(rows[n])], int(rows[n]), float(sims[n]))
                                   for n in ns[:ITEMS_PER_PROJECT] if int(rows[n]) in fetched])
                  for pid, ns in shown]
    n_same = sum(bool(same[ns[0]]) for ns in by_project.values())
    weight = n_same + OTHER_TYPE_WEIGHT * (len(by_project) - n_same)
    closeness = float(sims[0])
    severity = item.severity if item.severity is not None else UNKNOWN_SEVERITY
    return EarlyWarning(project=ref, title=item.title or item.text[:120], severity=item.severity,
                        high=open_risks.is_high(item.severity), risk_id=item.risk_id, key=item.key,
                        citation=item.citation, project_count=len(by_project), same_type_count=n_same,
                        closeness=round(closeness, 4), rank=round(severity / 25 * closeness * weight, 4),
                        precedents=precedents)


def _item(snap: Snapshot, row: Lesson | Risk, index_row: int, similarity: float) -> PrecedentItem:
    kind = KINDS[int(snap.kinds[index_row])]
    if kind == "risk":
        happened = row.effect or (row.description if row.description != row.title else None)
        advice = row.response
    else:
        happened, advice = row.what_happened or row.impact, row.recommendation
    return PrecedentItem(kind=kind, id=row.id, title=row.title, what_happened=happened, recommendation=advice,
                         similarity=round(similarity, 4), source=source_of(snap, row))


def _ref(project: Project) -> ProjectRef:
    return ProjectRef(id=project.id, code=project.code, name=project.name, project_type=project.project_type,
                      industry=project.industry, outcome=project.outcome)


def record_warnings(engine: SearchEngine, project_id: int, found: list[EarlyWarning]) -> None:
    """Keep the warnings as shown (`kb.open_risks.record_shown`), marked as a usage record so the commit
    does not make the search engine look for a new index generation."""
    if not found:
        return
    with engine.kb.session() as session:
        session.connection(execution_options={USAGE_LOG_ONLY: True})
        try:
            open_risks.record_shown(session, project_id=project_id,
                                    shown=[(w.key, w.risk_id, w.title, w.project_count) for w in found])
        except IntegrityError:  # another request recorded the same warning a moment ago: it is recorded
            session.rollback()


# --- for the metrics -------------------------------------------------------------------

def high_risk_precedents(kb, *, visible: Visibility = EVERYTHING) -> set[int]:
    """Ids of the open high risks of active projects that have precedent (the same rule as the pages), read
    from SQL and its vectors without a search snapshot: what `kb.metrics` takes as `precedent_risk_ids`."""
    with kb.session() as session:
        projects = load_projects(session, visible.hidden_projects)
        active = {p.id for p in session.exec(select(Project).where(
            Project.actual_end.is_(None), Project.outcome.is_(None))) if p.id in projects}
        risks = [r for r in session.exec(select(Risk).where(Risk.project_id.in_(active)).order_by(Risk.id))
                 if open_risks.is_open(r) and open_risks.is_high(open_risks.severity(r)) and not visible.hides(r)]
        past = {pid: p for pid, p in projects.items() if pid not in active}
        candidates = [i for i in load_items(session, past) if i.project_id in past and model_reads(i.text, kb)]
    opened = [Item(vector_id("risk", r.id), "risk", r.id, r.title, risk_text(r), r.project_id, None, None,
                   r.language or language_of(risk_text(r)))
              for r in risks if model_reads(risk_text(r), kb)]
    if not opened or not candidates:
        return set()
    sims, by_second = item_readings(kb, opened).similarities(item_readings(kb, candidates))
    types = np.array([past[c.project_id].project_type.lower() for c in candidates])
    found = set()
    for item, row, second in zip(opened, sims, by_second):
        own = (projects[item.project_id].project_type or "").lower()
        limits = np.where(second, np.where(types == own, MULTILINGUAL_SAME_TYPE_COSINE, MULTILINGUAL_OTHER_TYPE_COSINE),
                          np.where(types == own, SAME_TYPE_COSINE, OTHER_TYPE_COSINE))
        if (row >= limits).any():
            found.add(item.id)
    return found
