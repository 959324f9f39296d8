"""PMO value metrics: is the PMO making projects better?

Every metric is defined once, in `METRICS`: its name, key, the formula shown
next to the number, its unit, its group and the function that computes it.
The web page, the JSON API, the CSV export and `kb metrics` all read this one
registry.

This module is pure SQL and Python. Numbers that need the vector index (which
materialised risks an earlier lesson had already described) are computed in
`search.foreseeable` and passed in as `foreseeable_risk_ids`.

Dates, defined once:

- a project is *closed* when it has an actual end date or an outcome; its
  *close date* is then its `end` (`kb.models.PlanVsActual`: actual end, else planned);
- a project's *start* is `PlanVsActual.start` (actual start, else planned);
- project-bound figures (delivery, risks, knowledge flow) fall in the year or
  quarter of the project's close date (of its start while it is still running);
- a *new project* is one that started on or after the knowledge base went live
  (the first document ingested or kickoff pack generated, whichever is
  earlier), or any project a kickoff pack was generated for;
- kickoff packs, feedback and searches fall in the period they were created.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Callable, Iterable

from sqlalchemy import func
from sqlmodel import Session, select

from kb import open_risks, queries, status
from kb.access import EVERYTHING, Visibility
from kb.i18n import N_
from kb.dates import as_date
from kb.i18n import _
from kb.models import (
    Document, KickoffPack, Lesson, LessonFeedback, PlanVsActual, Project, Risk, SearchLog, WarningShown,
)
from kb.open_risks import HIGH_SEVERITY
from kb.texts import match_key

GROUPINGS = ("year", "quarter", "portfolio", "type")
"""What a breakdown can be by."""

UNSPECIFIED = "(unspecified)"
GAP_SCORE_THRESHOLD = 0.25
"""A search whose best result's calibrated confidence is below this found nothing useful.

`SearchLog.top_score` holds that confidence (search.confidence: the probability that a
result is relevant, comparable across questions), and this equals `search.confidence.STRONG`,
so a search counts as a gap exactly when it says `answered: false`. Searches logged before
confidence existed hold a score relative to their own best result (always near 1.0) and so
never count as gaps."""


# --- facts read from SQL ------------------------------------------------------

@dataclass(frozen=True)
class ProjectFact(PlanVsActual):
    id: int
    code: str
    name: str
    portfolio: str
    project_type: str
    planned_start: date | None
    planned_end: date | None
    actual_start: date | None
    actual_end: date | None
    planned_budget: float | None
    actual_budget: float | None
    outcome: str | None
    planned_value: float | None
    earned_value: float | None
    actual_cost: float | None
    lessons: int = 0
    report_date: date | None = None
    """When its closure report was written (or, failing that, ingested); None without one."""
    has_closure_report: bool = False
    documents_checked: int = 0
    """Its documents checked against their PMO template at ingest (`Document.template_gaps` not None)."""
    documents_compliant: int = 0
    """Of those, the ones that left out nothing the template requires."""
    status_received: int = 0
    """Running projects: weekly status reports received, at most `status_due` (`kb.status.reports_due`)."""
    status_due: int = 0

    @property
    def closed(self) -> bool:
        return not open_risks.is_active(self)  # one rule for which projects are still running

    @property
    def close_date(self) -> date | None:
        return self.end if self.closed else None

    @property
    def reporting_date(self) -> date | None:
        return self.close_date or self.start


@dataclass(frozen=True)
class RiskFact:
    id: int
    project: ProjectFact | None
    materialised: bool
    foreseeable: bool = False
    open_high: bool = False
    """Open, high (`kb.open_risks`) and of an active project."""
    precedent: bool | None = None
    """Whether an early warning found precedent for it (`search.warnings`); None when not computed."""
    warned: bool = False
    """An early warning was shown for it (`kb.models.WarningShown`)."""


@dataclass(frozen=True)
class PackFact:
    id: int
    created: date
    project: ProjectFact | None
    project_type: str


@dataclass(frozen=True)
class FeedbackFact:
    lesson_id: int
    kind: str
    created: date
    project: ProjectFact | None


@dataclass(frozen=True)
class SearchFact:
    id: int
    created: date
    query: str
    result_count: int
    top_score: float | None
    gap: bool


@dataclass
class Slice:
    """The facts that fall in one period and/or one portfolio or project type."""

    projects: list[ProjectFact] = field(default_factory=list)
    risks: list[RiskFact] = field(default_factory=list)
    new_projects: list[ProjectFact] = field(default_factory=list)
    packs: list[PackFact] = field(default_factory=list)
    feedback: list[FeedbackFact] = field(default_factory=list)
    searches: list[SearchFact] | None = field(default_factory=list)
    """None when the slice is by portfolio or type: searches belong to neither."""
    foreseeable_known: bool = False

    @property
    def closed(self) -> list[ProjectFact]:
        return [p for p in self.projects if p.closed]


# --- the registry ---------------------------------------------------------------

@dataclass
class Measure:
    """One computed figure, with what it was computed from."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    ids: list[int] = field(default_factory=list)
    """Project or risk ids behind the number, for drill-down."""


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    group: str
    formula: str
    unit: str
    """"%", "ratio", "days", "count" or "per project"."""
    compute: Callable[[Slice], Measure]
    better: str = "higher"
    """higher, lower or "" when neither is better."""
    note: str = ""
    """Shown when the figure could not be computed (no vector index)."""
    empty: str = ""
    """Shown when the selection holds nothing to measure; else "Nothing to measure in this selection"."""

    @property
    def plain(self) -> str:
        """What the figure means, in a leader's words (PLAIN_WORDS); the formula stays the precise definition."""
        return PLAIN_WORDS.get(self.key, "")


def _rate(hits: int, total: int, ids: Iterable[int] = ()) -> Measure:
    return Measure(100.0 * hits / total if total else None, hits, total, sorted(ids))


def _mean(values: list[float]) -> Measure:
    return Measure(statistics.fmean(values) if values else None, None, len(values))


def _success(s: Slice) -> Measure:
    rated = [p for p in s.closed if p.outcome]
    return _rate(sum(p.outcome == "successful" for p in rated), len(rated))


def _on_time(s: Slice) -> Measure:
    known = [p.schedule_variance_days for p in s.closed if p.schedule_variance_days is not None]
    return _rate(sum(days <= 0 for days in known), len(known))


def _on_budget(s: Slice) -> Measure:
    known = [p.cost_variance for p in s.closed if p.cost_variance is not None]
    return _rate(sum(amount <= 0 for amount in known), len(known))


def _schedule_variance(s: Slice) -> Measure:
    return _mean([p.schedule_variance_pct for p in s.closed if p.schedule_variance_pct is not None])


def _cost_variance(s: Slice) -> Measure:
    return _mean([p.cost_variance_pct for p in s.closed if p.cost_variance_pct is not None])


def _spi(s: Slice) -> Measure:
    return _mean([p.earned_value / p.planned_value for p in s.projects
                  if p.earned_value is not None and p.planned_value])


def _cpi(s: Slice) -> Measure:
    return _mean([p.earned_value / p.actual_cost for p in s.projects
                  if p.earned_value is not None and p.actual_cost])


def _closed_count(s: Slice) -> Measure:
    closed = s.closed
    return Measure(float(len(closed)), len(closed), None, [p.id for p in closed])


def _materialisation(s: Slice) -> Measure:
    # A running project's live register is mostly risks that have not happened *yet*: counting them
    # would lower the rate each time a register is loaded.
    judged = [r for r in s.risks if r.project and r.project.closed]
    hit = [r.id for r in judged if r.materialised]
    return _rate(len(hit), len(judged), hit)


def _foreseeable(s: Slice) -> Measure:
    if not s.foreseeable_known:
        return Measure(None)
    materialised = [r for r in s.risks if r.materialised]
    seen = [r.id for r in materialised if r.foreseeable]
    return _rate(len(seen), len(materialised), seen)


def _high_with_precedent(s: Slice) -> Measure:
    high = [r for r in s.risks if r.open_high]
    if any(r.precedent is None for r in high):
        return Measure(None)
    warned = [r.id for r in high if r.precedent]
    return _rate(len(warned), len(high), warned)


def _warned_materialised(s: Slice) -> Measure:
    judged = [r for r in s.risks if r.warned and r.project and r.project.closed]
    hit = [r.id for r in judged if r.materialised]
    return _rate(len(hit), len(judged), hit)


def _status_timeliness(s: Slice) -> Measure:
    running = [p for p in s.projects if p.status_due]
    return _rate(sum(p.status_received for p in running), sum(p.status_due for p in running))


def _template_compliance(s: Slice) -> Measure:
    return _rate(sum(p.documents_compliant for p in s.projects), sum(p.documents_checked for p in s.projects))


def _lessons_per_closed(s: Slice) -> Measure:
    closed = s.closed
    total = sum(p.lessons for p in closed)
    return Measure(total / len(closed) if closed else None, total, len(closed))


def _days_to_report(s: Slice) -> Measure:
    days = [(p.report_date - p.actual_end).days for p in s.closed if p.actual_end and p.report_date]
    return Measure(float(statistics.median(days)) if days else None, None, len(days))


def _without_review(s: Slice) -> Measure:
    closed = s.closed
    missing = [p.id for p in closed if not p.has_closure_report]
    return Measure(float(len(missing)), len(missing), len(closed), missing)


def _packs_per_new(s: Slice) -> Measure:
    n = len(s.new_projects)
    # With no new project the ratio is undefined; "3 of 0" would read as a figure, so say nothing but the note.
    return Measure(len(s.packs) / n, len(s.packs), n) if n else Measure(None, None, 0)


def _consulted(s: Slice) -> Measure:
    linked = {p.project.id for p in s.packs if p.project}
    hit = [p.id for p in s.new_projects if p.id in linked]
    return _rate(len(hit), len(s.new_projects), hit) if s.new_projects else Measure(None, None, 0)


# Shown where a reuse figure is still empty: what to do so that it moves.
NO_NEW_PROJECT = N_("No new project has a kickoff pack yet: register the project you are starting (Projects, "
                   "Register a new project) and build its kickoff pack; it counts here from then on.")


def _feedback(kind: str) -> Callable[[Slice], Measure]:
    def compute(s: Slice) -> Measure:
        lessons = sorted({f.lesson_id for f in s.feedback if f.kind == kind})
        return Measure(float(len(lessons)), len(lessons), None, lessons)
    return compute


def _gaps(s: Slice) -> Measure:
    if s.searches is None:
        return Measure(None)
    gaps = [q.id for q in s.searches if q.gap]
    return _rate(len(gaps), len(s.searches), gaps)


# Formulas that quote a threshold: the catalogue holds them with a placeholder, filled where shown.
FORMULA_VALUES = {"high": f"{HIGH_SEVERITY:g}", "threshold": f"{GAP_SCORE_THRESHOLD}"}
FORMULA_TEMPLATES = {
    "high_risks_with_precedent": N_(
        "open risks of active projects with probability × impact ≥ %(high)s that an early warning matched to a "
        "materialised risk or “went wrong” lesson of a past project ÷ open risks of active projects with "
        "probability × impact ≥ %(high)s × 100"),
    "knowledge_gap_rate": N_("searches with no results or a best confidence below %(threshold)s ÷ searches × 100"),
}

NEEDS_VECTORS = N_("Needs the vector index; shown as n/a where it was not computed.")
"""The note of the metrics that compare meanings."""

METRICS: tuple[Metric, ...] = (
    Metric("closed_projects", N_("Projects closed"), "delivery",
           N_("projects with an actual end date or an outcome"), "count", _closed_count, ""),
    Metric("success_rate", N_("Success rate"), "delivery",
           N_("successful ÷ closed projects with an outcome × 100"), "%", _success),
    Metric("on_time_rate", N_("On-time rate"), "delivery",
           N_("closed projects with actual_end ≤ planned_end ÷ closed projects with both dates × 100"), "%",
           _on_time),
    Metric("on_budget_rate", N_("On-budget rate"), "delivery",
           N_("closed projects with actual_budget ≤ planned_budget ÷ closed projects with both budgets × 100"),
           "%", _on_budget),
    Metric("schedule_variance_pct", N_("Mean schedule variance"), "delivery",
           N_("mean of (actual_end − planned_end) ÷ (planned_end − planned_start) × 100; positive = late"),
           "%", _schedule_variance, "lower"),
    Metric("cost_variance_pct", N_("Mean cost variance"), "delivery",
           N_("mean of (actual_budget − planned_budget) ÷ planned_budget × 100; positive = over budget"),
           "%", _cost_variance, "lower"),
    Metric("spi", N_("Schedule performance index (SPI)"), "delivery",
           N_("mean of EV ÷ PV over projects with earned-value figures; below 1 = behind schedule"), "ratio", _spi),
    Metric("cpi", N_("Cost performance index (CPI)"), "delivery",
           N_("mean of EV ÷ AC over projects with earned-value figures; below 1 = over budget"), "ratio", _cpi),
    Metric("materialisation_rate", N_("Risk materialisation rate"), "risk",
           N_("materialised risks of closed projects ÷ registered risks of closed projects × 100 (a running "
           "project's risks have not finished happening)"), "%", _materialisation, "lower"),
    Metric("foreseeable_rate", N_("Foreseeable failures"), "risk",
           N_("materialised risks that a lesson from another project, recorded before their project started, "
           "already described (similar in meaning) ÷ materialised risks × 100"), "%", _foreseeable, "lower",
           note=NEEDS_VECTORS),
    Metric("high_risks_with_precedent", N_("Open high risks with precedent"), "risk",
           FORMULA_TEMPLATES["high_risks_with_precedent"] % FORMULA_VALUES, "%", _high_with_precedent, "",
           note=NEEDS_VECTORS),
    Metric("warned_risks_materialised", N_("Warned-of risks that materialised"), "risk",
           N_("risks of closed projects that materialised, of those an early warning was shown for while their project "
           "ran ÷ risks of closed projects an early warning was shown for × 100"), "%", _warned_materialised, "lower",
           note=N_("Compare with the risk materialisation rate: warnings help when warned-of risks materialise less "
                "often than risks do in general.")),
    Metric("status_report_timeliness", N_("Status reports received on time"), "delivery",
           N_("status reports received from running projects, one per period of their cadence (weekly, fortnightly "
           "or monthly, read from their reports), from each project's first report to today ÷ reports due over "
           "the same periods × 100"), "%", _status_timeliness,
           note=N_("Running projects that send status reports only; the /portfolio page lists the overdue ones.")),
    Metric("template_compliance", N_("Documents that follow their template"), "knowledge flow",
           N_("documents that leave out no section, column or field their PMO template requires ÷ documents checked "
           "against a template at ingest × 100 (closure reports, retrospectives, registers and status reports; "
           "other systems' exports and documents stored before the check are not counted)"), "%", _template_compliance,
           note=N_("Each document's gaps are listed on its page, with the template to copy from (/templates).")),
    Metric("lessons_per_closed_project", N_("Lessons captured per closed project"), "knowledge flow",
           N_("lessons linked to closed projects ÷ closed projects"), "per project", _lessons_per_closed),
    Metric("days_to_closure_report", N_("Days from close to closure report"), "knowledge flow",
           N_("median of (closure report date − actual_end) in days; the report date is the one "
           "written in the report (report_date / date), else the day it was ingested"), "days", _days_to_report, "lower"),
    Metric("closed_without_review", N_("Projects closed without a closure review"), "knowledge flow",
           N_("closed projects with no closure report document"), "count", _without_review, "lower"),
    Metric("kickoff_packs_per_new_project", N_("Kickoff packs per new project"), "reuse",
           N_("kickoff packs generated ÷ new projects"), "per project", _packs_per_new, empty=NO_NEW_PROJECT),
    Metric("kickoff_consultation_rate", N_("New projects that consulted the KB at kickoff"), "reuse",
           N_("new projects with a kickoff pack (by project id, name or code) ÷ new projects × 100"),
           "%", _consulted, empty=NO_NEW_PROJECT),
    Metric("lessons_helpful", N_("Lessons marked helpful"), "reuse",
           N_("distinct lessons with 'helpful' feedback"), "count", _feedback("helpful")),
    Metric("lessons_applied", N_("Lessons applied"), "reuse",
           N_("distinct lessons with 'applied' feedback"), "count", _feedback("applied")),
    Metric("knowledge_gap_rate", N_("Searches that found nothing useful"), "reuse",
           FORMULA_TEMPLATES["knowledge_gap_rate"] % FORMULA_VALUES,
           "%", _gaps, "lower"),
)

GROUPS = tuple(dict.fromkeys(m.group for m in METRICS))

# Kept beside METRICS rather than inside each entry so a metric's definition and its wording can change apart.
PLAIN_WORDS: dict[str, str] = {
    "closed_projects": N_("Projects that have finished, or whose outcome is recorded."),
    "success_rate": N_("Of the finished projects, the share judged a success."),
    "status_report_timeliness": N_("Of the status reports running projects owed, the share that arrived."),
    "template_compliance": N_("Of the reports and registers checked, the share written to the PMO's template: nothing "
                           "it requires is missing."),
    "on_time_rate": N_("Of the finished projects, the share that finished by their planned end date."),
    "on_budget_rate": N_("Of the finished projects, the share that spent no more than their planned budget."),
    "schedule_variance_pct": N_("How late projects finished on average, as a share of the time planned for them "
                             "(below zero: early)."),
    "cost_variance_pct": N_("How far over budget projects finished on average, as a share of their budget "
                         "(below zero: under budget)."),
    "spi": N_("Work done against the work planned by now, for projects that track earned value: "
           "1.0 is on schedule, below 1 behind."),
    "cpi": N_("Value delivered for each unit of money spent, for projects that track earned value: "
           "1.0 is on budget, below 1 over budget."),
    "materialisation_rate": N_("Of the risks finished projects registered, the share that actually happened."),
    "high_risks_with_precedent": N_("Of the high open risks of running projects, the share that already happened "
                                 "on a past project: where an early warning has something to say."),
    "warned_risks_materialised": N_("Of the risks a running project was warned of, the share that happened anyway "
                                 "once the project finished."),
    "lessons_per_closed_project": N_("Lessons recorded for each finished project, on average."),
    "days_to_closure_report": N_("Typical number of days from a project's end to its closure report."),
    "closed_without_review": N_("Finished projects with no closure report in the knowledge base."),
    "kickoff_packs_per_new_project": N_("Kickoff packs made for each new project."),
    "kickoff_consultation_rate": N_("Of the new projects, the share that made a kickoff pack from past lessons."),
    "lessons_helpful": N_("Lessons someone marked as helpful."),
    "lessons_applied": N_("Lessons someone recorded as applied to their project."),
    "knowledge_gap_rate": N_("Share of searches that found nothing useful: questions the knowledge base "
                             "cannot answer yet."),
}


# --- reading the facts ----------------------------------------------------------

@dataclass
class Snapshot:
    """Everything the metrics need, read from SQL once."""

    projects: list[ProjectFact]
    risks: list[RiskFact]
    new_projects: list[ProjectFact]
    packs: list[PackFact]
    feedback: list[FeedbackFact]
    searches: list[SearchFact]
    launch: date | None
    foreseeable_known: bool = False
    gaps_listed: bool = True
    """Whether the report lists the gap queries: only for the PMO, as what people searched for may name a
    confidential project (the gap rate is counted for everyone)."""

    def cut(self, piece: Slice) -> "Snapshot":
        return replace(self, projects=piece.projects, risks=piece.risks, new_projects=piece.new_projects,
                       packs=piece.packs, feedback=piece.feedback, searches=piece.searches or [])


def new_projects(projects: list[ProjectFact], packs: list[PackFact], launch: date | None) -> list[ProjectFact]:
    """Projects that started once the KB was live, and any project a kickoff pack was generated for."""
    consulted = {p.project.id for p in packs if p.project}
    return [p for p in projects if p.id in consulted or (launch and p.start and p.start >= launch)]


def load_snapshot(session: Session, *, foreseeable_risk_ids: Iterable[int] | None = None,
                  gap_threshold: float = GAP_SCORE_THRESHOLD, visible: Visibility = EVERYTHING,
                  precedent_risk_ids: Iterable[int] | None = None) -> Snapshot:
    """Read projects, risks and usage records; `foreseeable_risk_ids` comes from `search.foreseeable`
    and `precedent_risk_ids` from `search.warnings.high_risk_precedents` (computed with the same `visible`).
    What `visible` hides is left out of every fact, so an audience's metrics are those of a knowledge base
    without it."""
    projects = _load_projects(session, visible)
    by_id = {p.id: p for p in projects}
    foreseeable = set(foreseeable_risk_ids) if foreseeable_risk_ids is not None else set()
    precedent = set(precedent_risk_ids) if precedent_risk_ids is not None else None
    warned = set(session.exec(select(WarningShown.risk_id).where(WarningShown.risk_id.is_not(None))))
    risks = [_risk_fact(row, by_id.get(row.project_id), foreseeable, precedent, warned)
             for row in session.exec(select(Risk.id, Risk.project_id, Risk.materialised, Risk.status, Risk.probability,
                                            Risk.impact, Risk.score)
                                     .where(queries.published(Risk, visible)).order_by(Risk.id))]
    packs = _load_packs(session, projects, visible)
    hidden_lessons = set() if not visible.restricted else set(session.exec(
        select(Lesson.id).where(~queries.published(Lesson, visible))))
    feedback = [FeedbackFact(lid, kind, as_date(created), by_id.get(pid))
                for lid, kind, created, pid in session.exec(
                    select(LessonFeedback.lesson_id, LessonFeedback.kind, LessonFeedback.created_at,
                           LessonFeedback.project_id))
                if lid not in hidden_lessons and not visible.hides_project(pid)]
    searches = [SearchFact(sid, as_date(created), query, count, score,
                           count == 0 or (score is not None and score < gap_threshold))
                for sid, created, query, count, score in session.exec(
                    select(SearchLog.id, SearchLog.created_at, SearchLog.query, SearchLog.result_count,
                           SearchLog.top_score).order_by(SearchLog.id))]
    launch = _launch(session, packs, visible)
    return Snapshot(projects, risks, new_projects(projects, packs, launch), packs, feedback, searches, launch,
                    foreseeable_risk_ids is not None, gaps_listed=not visible.restricted)


def _risk_fact(risk, project: ProjectFact | None, foreseeable: set[int], precedent: set[int] | None,
               warned: set[int]) -> RiskFact:
    open_high = bool(project and not project.closed and open_risks.is_open(risk)
                     and open_risks.is_high(open_risks.severity(risk)))
    return RiskFact(risk.id, project, bool(risk.materialised) or risk.status == "materialised", risk.id in foreseeable,
                    open_high=open_high, precedent=(risk.id in precedent) if precedent is not None else None,
                    warned=risk.id in warned)


def _load_projects(session: Session, visible: Visibility) -> list[ProjectFact]:
    lessons = dict(session.exec(select(Lesson.project_id, func.count(Lesson.id))
                                .where(Lesson.project_id.is_not(None), queries.published(Lesson, visible))
                                .group_by(Lesson.project_id)).all())
    reports = _closure_report_dates(session)
    weekly = status.reports_due(session, today=date.today(), visible=visible)
    checked: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for pid, gaps in session.exec(select(Document.project_id, Document.template_gaps)
                                  .where(Document.project_id.is_not(None))):
        if gaps is not None:
            checked[pid][0] += 1
            checked[pid][1] += not gaps
    cols = [getattr(Project, f) for f in (
        "id", "code", "name", "portfolio", "project_type", "planned_start", "planned_end", "actual_start",
        "actual_end", "planned_budget", "actual_budget", "outcome", "planned_value", "earned_value", "actual_cost")]
    out = []
    for row in session.exec(select(*cols).where(queries.shown(Project.id, visible)).order_by(Project.id)):
        pid, code, name, portfolio, ptype, *rest = row
        out.append(ProjectFact(pid, code, name, portfolio or UNSPECIFIED, ptype or UNSPECIFIED, *rest,
                               lessons=lessons.get(pid, 0), report_date=reports.get(pid),
                               has_closure_report=pid in reports, documents_checked=checked[pid][0],
                               documents_compliant=checked[pid][1], status_received=weekly.get(pid, (0, 0))[0],
                               status_due=weekly.get(pid, (0, 0))[1]))
    return out


def _closure_report_dates(session: Session) -> dict[int, date]:
    """Project id -> date of its earliest closure report (the date written in it, else when it was ingested)."""
    query = select(Document.project_id, Document.ingested_at, Document.report_date).where(
        Document.kind == "closure report", Document.project_id.is_not(None))
    dates: dict[int, date] = {}
    for pid, ingested, written in session.exec(query):
        when = as_date(written or ingested)
        if pid not in dates or when < dates[pid]:
            dates[pid] = when
    return dates


def _load_packs(session: Session, projects: list[ProjectFact], visible: Visibility) -> list[PackFact]:
    by_id = {p.id: p for p in projects}
    by_name: dict[str, ProjectFact] = {}
    for p in projects:
        by_name.setdefault(match_key(p.code), p)
        by_name.setdefault(match_key(p.name), p)
    rows = session.exec(select(KickoffPack.id, KickoffPack.created_at, KickoffPack.project_id,
                               KickoffPack.project_name, KickoffPack.project_type)
                       .where(queries.shown(KickoffPack.project_id, visible)).order_by(KickoffPack.id))
    return [_pack_fact(row, by_id, by_name) for row in rows]


def _pack_fact(row, by_id, by_name) -> PackFact:
    pack_id, created, project_id, project_name, project_type = row
    project = by_id.get(project_id) if project_id else None
    if project is None and project_name:
        project = by_name.get(match_key(project_name))
    ptype = (project.project_type if project and project.project_type != UNSPECIFIED else project_type) or UNSPECIFIED
    return PackFact(pack_id, as_date(created), project, ptype)


def _launch(session: Session, packs: list[PackFact], visible: Visibility) -> date | None:
    first_doc = session.exec(select(func.min(Document.ingested_at))
                             .where(queries.shown(Document.project_id, visible))).one()
    candidates = [d for d in (as_date(first_doc) if first_doc else None, min((p.created for p in packs), default=None))
                  if d]
    return min(candidates) if candidates else None


# --- slicing by period, portfolio and project type -------------------------------

def period_label(day: date | None, by: str) -> str | None:
    if day is None:
        return None
    return str(day.year) if by == "year" else f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _keys(snapshot: Snapshot, by: str) -> dict[str, Callable]:
    """For each kind of fact, the function giving its group label under `by` (None: not in any group)."""
    if by in ("year", "quarter"):
        pack_day = {p.project.id: p.created for p in snapshot.packs if p.project}
        return {
            "projects": lambda p: period_label(p.reporting_date, by),
            "risks": lambda r: period_label(r.project.reporting_date, by) if r.project else None,
            "new_projects": lambda p: period_label(p.start or pack_day.get(p.id), by),
            "packs": lambda k: period_label(k.created, by),
            "feedback": lambda f: period_label(f.created, by),
            "searches": lambda q: period_label(q.created, by),
        }
    attr = {"portfolio": "portfolio", "type": "project_type"}[by]
    of = (lambda p: getattr(p, attr) if p else None)
    return {
        "projects": of,
        "risks": lambda r: of(r.project),
        "new_projects": of,
        "packs": (lambda k: k.project_type) if by == "type" else (lambda k: of(k.project)),
        "feedback": lambda f: of(f.project),
        "searches": None,
    }


def slices(snapshot: Snapshot, by: str | None) -> dict[str, Slice]:
    """The snapshot cut into one slice per group label ("all" when `by` is None), labels sorted."""
    facts = {"projects": snapshot.projects, "risks": snapshot.risks, "new_projects": snapshot.new_projects,
             "packs": snapshot.packs, "feedback": snapshot.feedback, "searches": snapshot.searches}
    if by is None:
        return {"all": Slice(**facts, foreseeable_known=snapshot.foreseeable_known)}
    if by not in GROUPINGS:
        raise ValueError(_("Cannot break metrics down by %(by)r; choose one of %(groupings)s.")
                         % {"by": by, "groupings": ", ".join(GROUPINGS)})
    out: dict[str, Slice] = defaultdict(lambda: Slice(foreseeable_known=snapshot.foreseeable_known))
    for kind, key in _keys(snapshot, by).items():
        if key is None:
            continue
        for fact in facts[kind]:
            label = key(fact)
            if label is not None:
                getattr(out[label], kind).append(fact)
    for piece in out.values():
        piece.searches = piece.searches if by in ("year", "quarter") else None
    return dict(sorted(out.items()))


def filtered(snapshot: Snapshot, *, portfolio: str | None = None, project_type: str | None = None,
             period: str | None = None) -> Snapshot:
    """The snapshot restricted to one portfolio, project type and/or period ("2023" or "2023-Q2")."""
    out = snapshot
    for by, wanted in (("portfolio", portfolio), ("type", project_type)):
        if wanted:
            out = out.cut(slices(out, by).get(wanted, Slice()))
    if period:
        by = "quarter" if "Q" in period.upper() else "year"
        out = out.cut(slices(out, by).get(period.upper(), Slice()))
    return out


# --- the report -----------------------------------------------------------------

@dataclass
class MetricValue:
    metric: Metric
    measure: Measure

    @property
    def value(self) -> float | None:
        return self.measure.value


@dataclass
class MetricsReport:
    """All metrics for one cut of the portfolio, with breakdowns by the groupings asked for."""

    period: str
    """"all time" or the period asked for."""
    filters: dict[str, str]
    values: list[MetricValue]
    breakdowns: dict[str, dict[str, list[MetricValue]]] = field(default_factory=dict)
    """grouping -> group label -> values in registry order."""
    projects: dict[int, ProjectFact] = field(default_factory=dict)
    gaps: list[dict] = field(default_factory=list)
    """Knowledge gaps: searches that found nothing useful, grouped by query, most frequent first."""

    def value(self, key: str) -> float | None:
        return next(v.value for v in self.values if v.metric.key == key)

    def breakdown(self, by: str, key: str) -> dict[str, float | None]:
        return {label: next(v.value for v in vals if v.metric.key == key)
                for label, vals in self.breakdowns.get(by, {}).items()}


def evaluate(piece: Slice) -> list[MetricValue]:
    return [MetricValue(m, m.compute(piece)) for m in METRICS]


def compute_metrics(session: Session, *, by: Iterable[str] = (), portfolio: str | None = None,
                    project_type: str | None = None, period: str | None = None,
                    foreseeable_risk_ids: Iterable[int] | None = None,
                    gap_threshold: float = GAP_SCORE_THRESHOLD,
                    precedent_risk_ids: Iterable[int] | None = None) -> MetricsReport:
    """Every metric for the (optionally filtered) portfolio, plus breakdowns `by` year, quarter, portfolio or type."""
    snapshot = load_snapshot(session, foreseeable_risk_ids=foreseeable_risk_ids, gap_threshold=gap_threshold,
                             precedent_risk_ids=precedent_risk_ids)
    return report_from(snapshot, by=by, portfolio=portfolio, project_type=project_type, period=period)


def report_from(snapshot: Snapshot, *, by: Iterable[str] = (), portfolio: str | None = None,
                project_type: str | None = None, period: str | None = None) -> MetricsReport:
    cut = filtered(snapshot, portfolio=portfolio, project_type=project_type, period=period)
    top = slices(cut, None)["all"]
    if portfolio or project_type:
        top.searches = None
    breakdowns = {g: {label: evaluate(piece) for label, piece in slices(cut, g).items()} for g in by}
    filters = {k: v for k, v in (("portfolio", portfolio), ("type", project_type)) if v}
    return MetricsReport(period or "all time", filters, evaluate(top), breakdowns,
                         {p.id: p for p in snapshot.projects},
                         knowledge_gaps(top.searches or []) if snapshot.gaps_listed else [])


def knowledge_gaps(searches: list[SearchFact], limit: int = 50) -> list[dict]:
    """Searches that found nothing useful, grouped by normalised query."""
    groups: dict[str, dict] = {}
    for q in searches:
        if not q.gap:
            continue
        g = groups.setdefault(match_key(q.query), {"query": q.query.strip(), "searches": 0, "last": q.created,
                                                "best_score": None, "ids": []})
        g["searches"] += 1
        g["last"] = max(g["last"], q.created)
        g["ids"].append(q.id)
        if q.top_score is not None:
            g["best_score"] = max(g["best_score"] or 0.0, q.top_score)
    return sorted(groups.values(), key=lambda g: (-g["searches"], g["query"].lower()))[:limit]


def options(snapshot: Snapshot) -> dict[str, list[str]]:
    """Values a filter can take: portfolios, project types, years and quarters present."""
    return {
        "portfolio": sorted({p.portfolio for p in snapshot.projects}),
        "type": sorted({p.project_type for p in snapshot.projects}),
        "year": sorted(slices(snapshot, "year")),
        "quarter": sorted(slices(snapshot, "quarter")),
    }


def format_value(value: float | None, unit: str) -> str:
    """How a figure is printed on the page, in CSV and on the command line."""
    if value is None:
        return "n/a"
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "ratio":
        return f"{value:.2f}"
    if unit == "count":
        return f"{value:.0f}"
    if unit == "days":
        return f"{value:.0f} days"
    return f"{value:.1f}"
