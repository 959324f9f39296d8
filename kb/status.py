"""Status reports of running projects: earned-value figures, RAG trends, milestone slippage,
overdue reports, and the reads the project page, the early warnings and the portfolio use.

The figures are the standard earned-value ones (PMBOK): SPI = EV / PV, CPI = EV / AC,
SV = EV − PV, CV = EV − AC; positive variances are good news, an index below 1 bad news.
Reads that list projects take the audience's `Visibility` and answer as if hidden
projects were not there; reads of one project expect the caller to have checked it
(`kb.queries.visible_project`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from kb import open_risks
from kb.access import EVERYTHING, Visibility
from kb.drafts import StatusDraft
from kb.i18n import _
from kb.models import RAG_VALUES, STATUS_DIMENSIONS, Document, Project, StatusReport

IMPROVING, WORSENING, STEADY = "improving", "worsening", "steady"
REPORTING_CADENCE_DAYS = 7
"""Status reports are expected weekly unless a project's own reports cover longer periods (`cadence_days`)."""
GRACE_DAYS = 3
"""Days after the next report's period has ended before it counts as overdue."""
OVERDUE_GRACE_DAYS = REPORTING_CADENCE_DAYS + GRACE_DAYS
"""A weekly report is overdue when none covers a period ending within this many days of today."""


# --- figures (pure) -----------------------------------------------------------------

def _ratio(top: float | None, bottom: float | None) -> float | None:
    return top / bottom if top is not None and bottom else None


def spi(*, earned_value: float | None, planned_value: float | None) -> float | None:
    """Schedule performance index EV / PV; None when either is unknown or PV is 0."""
    return _ratio(earned_value, planned_value)


def cpi(*, earned_value: float | None, actual_cost: float | None) -> float | None:
    """Cost performance index EV / AC; None when either is unknown or AC is 0."""
    return _ratio(earned_value, actual_cost)


def schedule_variance(*, earned_value: float | None, planned_value: float | None) -> float | None:
    """SV = EV − PV (negative = behind schedule)."""
    return earned_value - planned_value if earned_value is not None and planned_value is not None else None


def cost_variance(*, earned_value: float | None, actual_cost: float | None) -> float | None:
    """CV = EV − AC (negative = over budget)."""
    return earned_value - actual_cost if earned_value is not None and actual_cost is not None else None


def milestone_slippage_days(*, planned: date | None, forecast: date | None = None,
                            actual: date | None = None) -> int | None:
    """Days a milestone is (actual, else forecast) later than planned; negative = early, None if unknown."""
    when = actual or forecast
    return (when - planned).days if planned and when else None


def rag_trend(previous: str | None, current: str | None) -> str | None:
    """improving, worsening or steady from one RAG to the next (red < amber < green); None if either is unknown."""
    if previous not in RAG_VALUES or current not in RAG_VALUES:
        return None
    change = RAG_VALUES.index(current) - RAG_VALUES.index(previous)
    return IMPROVING if change > 0 else WORSENING if change < 0 else STEADY


def trend_of(reports: list[StatusReport]) -> str | None:
    """The overall-RAG trend of a project's reports (oldest first): its latest rated report
    against the rated one before it."""
    rated = [r.overall_rag for r in reports if r.overall_rag in RAG_VALUES]
    return rag_trend(rated[-2], rated[-1]) if len(rated) >= 2 else None


def cadence_days(reports: list[StatusReport]) -> int:
    """How often a project reports: 7 (weekly), 14 (fortnightly) or 30 (monthly), read from its latest
    report's period (start to end), else from the gap between its last two; weekly when unknown."""
    if not reports:
        return REPORTING_CADENCE_DAYS
    last = reports[-1]
    if last.period_start is not None:
        length = (last.period_end - last.period_start).days + 1
    elif len(reports) > 1:
        length = (last.period_end - reports[-2].period_end).days
    else:
        return REPORTING_CADENCE_DAYS
    return 30 if length >= 25 else 14 if length >= 12 else REPORTING_CADENCE_DAYS


def is_overdue(last_period_end: date | None, *, today: date, since: date | None = None,
               cadence: int = REPORTING_CADENCE_DAYS, grace_days: int | None = None) -> bool:
    """True when no report covers a period ending within `grace_days` (the cadence plus GRACE_DAYS:
    10 for weekly reports, 33 for monthly ones) of `today`: the report expected after
    `last_period_end` is that late. A project without reports is overdue once `grace_days` have
    passed `since` (its start); without a start, never."""
    grace = grace_days if grace_days is not None else cadence + GRACE_DAYS
    anchor = last_period_end or since
    return anchor is not None and (today - anchor).days > grace


def _iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


# --- reads --------------------------------------------------------------------------

def status_reports(session: Session, project_id: int) -> list[StatusReport]:
    """A project's status reports, oldest period first."""
    query = select(StatusReport).where(StatusReport.project_id == project_id)
    return list(session.exec(query.order_by(StatusReport.period_end, StatusReport.id)))


def latest_status(session: Session, project_ids: list[int] | set[int]) -> dict[int, StatusReport]:
    """The latest status report of each of these projects that has one."""
    rows = session.exec(select(StatusReport).where(col(StatusReport.project_id).in_(list(project_ids)))
                        .order_by(StatusReport.period_end, StatusReport.id)).all()
    return {row.project_id: row for row in rows}


def active_projects(session: Session, *, visible: Visibility = EVERYTHING) -> list[Project]:
    """Running projects (`kb.open_risks.is_active`) the audience may see, by code."""
    projects = session.exec(select(Project).order_by(Project.code)).all()
    return [p for p in projects if not visible.hides_project(p.id) and open_risks.is_active(p)]


def overdue_projects(session: Session, *, today: date, visible: Visibility = EVERYTHING,
                     grace_days: int | None = None) -> list[tuple[Project, date | None]]:
    """Active projects whose status report is overdue (`is_overdue`, at their own cadence), with their
    last period end (None if never)."""
    found = []
    for project in active_projects(session, visible=visible):
        reports = status_reports(session, project.id)
        last = reports[-1].period_end if reports else None
        if is_overdue(last, today=today, since=project.start, cadence=cadence_days(reports), grace_days=grace_days):
            found.append((project, last))
    return found


@dataclass(frozen=True)
class OpenItem:
    """An open risk or issue of a running project, with where it is written."""

    kind: str
    """risk or issue."""
    text: str
    severity: str | None
    """high, medium or low (a register's risk: from its score); None when not given."""
    document_id: int
    location: str | None
    """Citation inside the document: a section heading or 'row 12'."""
    anchor: str | None = None
    risk_id: int | None = None
    """The register risk, when the item is one."""
    period_end: date | None = None
    """The status report's period, when the item comes from one."""


def open_items(session: Session, project_id: int) -> list[OpenItem]:
    """The open risks and issues of a project: the top risks and issues of its latest status
    report, then the open risks of its risk registers that the report does not already name
    (a report's risk naming a register risk gets its `risk_id`). Published risks only; the
    caller checks that the audience may see the project."""
    latest = latest_status(session, {project_id}).get(project_id)
    risks = [r for r in open_risks.open_risks(session, project_id) if r.published]
    by_text = {_same(text): r for r in risks for text in (r.title, r.description) if text}
    items, named = [], set()
    for entry in (latest.items if latest else []):
        if not entry.get("text"):
            continue
        risk = by_text.get(_same(entry["text"]))
        named.add(risk.id if risk else None)
        items.append(OpenItem(kind=entry.get("kind") or "risk", text=entry["text"], severity=entry.get("severity"),
                              document_id=latest.document_id, location=entry.get("location"),
                              anchor=entry.get("anchor"), risk_id=risk.id if risk else None,
                              period_end=latest.period_end))
    items += [OpenItem(kind="risk", text=r.description or r.title,
                       severity=open_risks.severity_label(open_risks.severity(r)), document_id=r.document_id, location=r.source_location, anchor=r.source_anchor, risk_id=r.id)
              for r in risks if r.id not in named]
    return items


def _same(text: str) -> str:
    return " ".join(text.lower().rstrip(". ").split())


def expected_reports(first_period_end: date, *, today: date, cadence: int = REPORTING_CADENCE_DAYS) -> int:
    """Reports due from a project's first reported period to `today`: one per period of `cadence`
    days that has ended, the first included."""
    return max(0, (today - first_period_end).days // cadence + 1)


@dataclass(frozen=True)
class Timeliness:
    """How many weekly status reports the active projects sent against how many were due."""

    received: int
    expected: int

    @property
    def share(self) -> float | None:
        """received / expected (each project counted up to its expected reports); None when none were due."""
        return self.received / self.expected if self.expected else None


def reports_due(session: Session, *, today: date, visible: Visibility = EVERYTHING) -> dict[int, tuple[int, int]]:
    """Project id -> (reports received, reports due) for each active project that reports: one per
    distinct period, at most as many as were due at its cadence (`expected_reports`, `cadence_days`)."""
    out = {}
    for project in active_projects(session, visible=visible):
        reports = status_reports(session, project.id)
        ends = sorted({r.period_end for r in reports if r.period_end <= today})
        if ends:
            due = expected_reports(ends[0], today=today, cadence=cadence_days(reports))
            out[project.id] = (min(len(ends), due), due)
    return out


def reporting_timeliness(session: Session, *, today: date, visible: Visibility = EVERYTHING) -> Timeliness:
    """Status-report timeliness of the active projects that report (`reports_due`), summed."""
    due = reports_due(session, today=today, visible=visible).values()
    return Timeliness(sum(r for r, _ in due), sum(e for _, e in due))


@dataclass
class StatusSummary:
    """One active project's line on a portfolio view: where its latest report puts it."""

    project: Project
    latest: StatusReport | None
    trend: str | None
    """Overall RAG of the latest report against the one before: improving, worsening or steady."""
    spi: float | None
    cpi: float | None
    overdue: bool
    reports: int


def status_summaries(session: Session, *, today: date, visible: Visibility = EVERYTHING,
                     grace_days: int | None = None) -> list[StatusSummary]:
    """Every active project the audience may see, with its latest status, trend, SPI, CPI and
    whether its weekly report is overdue; by project code."""
    out = []
    for project in active_projects(session, visible=visible):
        reports = status_reports(session, project.id)
        latest = reports[-1] if reports else None
        ev = latest.earned_value if latest else None
        out.append(StatusSummary(
            project, latest, trend_of(reports),
            spi(earned_value=ev, planned_value=latest.planned_value) if latest else None,
            cpi(earned_value=ev, actual_cost=latest.actual_cost) if latest else None,
            is_overdue(latest.period_end if latest else None, today=today, since=project.start,
                       cadence=cadence_days(reports), grace_days=grace_days), len(reports)))
    return out


# --- the history a project page shows ---------------------------------------------------

@dataclass
class PeriodFigures:
    """One reporting period of a project, with its earned-value indices."""

    report: StatusReport
    spi: float | None
    cpi: float | None
    schedule_variance: float | None
    cost_variance: float | None
    trend: str | None
    """Overall RAG against the report before it."""


@dataclass
class MilestoneSlip:
    name: str
    planned: date | None
    forecast: date | None
    actual: date | None
    slippage_days: int | None
    first_planned: date | None
    """The planned date the first report gave, so re-baselining shows."""
    location: str | None
    document_id: int


@dataclass
class StatusHistory:
    """Everything the Status section of a project page shows, oldest period first."""

    periods: list[PeriodFigures]
    milestones: list[MilestoneSlip]
    escalations: list[dict]
    """{text, location, anchor, document_id, period_end}, newest first."""
    dimensions: tuple[str, ...] = STATUS_DIMENSIONS

    @property
    def latest(self) -> PeriodFigures | None:
        return self.periods[-1] if self.periods else None

    @property
    def trend(self) -> str | None:
        return trend_of([p.report for p in self.periods])


def status_history(session: Session, project_id: int) -> StatusHistory:
    """A project's status reports with their figures, its milestones as last reported, and
    every escalation raised (the caller checks that the audience may see the project)."""
    reports = status_reports(session, project_id)
    periods, previous = [], None
    for report in reports:
        ev, pv, ac = report.earned_value, report.planned_value, report.actual_cost
        periods.append(PeriodFigures(
            report, spi(earned_value=ev, planned_value=pv), cpi(earned_value=ev, actual_cost=ac),
            schedule_variance(earned_value=ev, planned_value=pv), cost_variance(earned_value=ev, actual_cost=ac),
            rag_trend(previous.overall_rag, report.overall_rag) if previous else None))
        previous = report
    return StatusHistory(periods, _milestones(reports), _escalations(reports))


def _milestones(reports: list[StatusReport]) -> list[MilestoneSlip]:
    """Each milestone as its latest report gives it, in the order first reported."""
    latest: dict[str, tuple[dict, StatusReport]] = {}
    first_planned: dict[str, date | None] = {}
    for report in reports:
        for m in report.milestones:
            key = " ".join(str(m.get("name", "")).lower().split())
            first_planned.setdefault(key, _iso(m.get("planned")))
            latest[key] = (m, report)
    slips = []
    for key, (m, report) in latest.items():
        planned, forecast, actual = _iso(m.get("planned")), _iso(m.get("forecast")), _iso(m.get("actual"))
        slips.append(MilestoneSlip(m["name"], planned, forecast, actual,
                                   milestone_slippage_days(planned=first_planned[key] or planned, forecast=forecast,
                                                           actual=actual),
                                   first_planned[key], m.get("location"), report.document_id))
    return slips


def _escalations(reports: list[StatusReport]) -> list[dict]:
    return [{**e, "document_id": r.document_id, "period_end": r.period_end}
            for r in reversed(reports) for e in r.escalations if e.get("text")]


# --- storing (called by kb.store inside its write transaction) --------------------------

def store_status(session: Session, *, document: Document, project: Project | None, draft: StatusDraft) -> list[str]:
    """Write the status report read from `document` (replacing the one an earlier version of it
    gave) and return what the ingest report should warn about: a closed project, a period
    older than one already reported."""
    delete_status_for(session, document.id)
    session.flush()  # the replaced version's row goes before its successor takes its document id
    fields = draft.model_dump()
    session.add(StatusReport(**fields, document_id=document.id, project_id=project.id if project else None))
    if project is None:
        return []
    warnings = []
    if not open_risks.is_active(project):
        warnings.append(_("Project %(code)s is closed (it has an outcome or an actual end), yet this status report "
                          "was stored for it. If the project is still running, correct its closure details; if the "
                          "report belongs to another project, delete it and upload it there.") % {"code": project.code})
    later = session.exec(select(StatusReport.period_end).where(
        StatusReport.project_id == project.id, StatusReport.document_id != document.id,
        StatusReport.period_end > draft.period_end).order_by(col(StatusReport.period_end).desc())).first()
    if later is not None:
        warnings.append(_("Out of date order: this report's period ends %(end)s, but %(code)s already has a report "
                          "for the period ending %(later)s. It was stored in its place in the history; the latest "
                          "status is still the later report. Check the period if this report is meant to be the "
                          "newest.") % {"end": draft.period_end.isoformat(), "code": project.code,
                                        "later": later.isoformat()})
    return warnings


def delete_status_for(session: Session, document_id: int) -> None:
    """Remove the status report read from a document (the document is being deleted)."""
    for row in session.exec(select(StatusReport).where(StatusReport.document_id == document_id)).all():
        session.delete(row)
