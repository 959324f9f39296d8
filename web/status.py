"""The Status section of a project page and `GET /api/projects/{id}/status`: one view of a
project's status reports, built from `kb.status`, so the page and the API never disagree."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from sqlmodel import Session

from kb import open_risks
from kb import status as kbstatus
from kb.access import Visibility
from kb.i18n import _, format_date
from kb.queries import visible_project


class PeriodOut(BaseModel):
    document_id: int
    period_start: date | None
    period_end: date
    overall_rag: str | None
    rag: dict[str, str]
    trend: str | None
    """Overall RAG against the report before: improving, worsening or steady."""
    percent_complete: float | None
    planned_value: float | None
    earned_value: float | None
    actual_cost: float | None
    budget_at_completion: float | None
    estimate_at_completion: float | None
    forecast_end: date | None
    currency: str | None
    spi: float | None
    cpi: float | None
    schedule_variance: float | None
    cost_variance: float | None
    summary: str | None


class MilestoneOut(BaseModel):
    name: str
    planned: date | None
    baseline: date | None
    """The planned date the first report gave; slippage is counted from it."""
    forecast: date | None
    actual: date | None
    slippage_days: int | None
    document_id: int
    location: str | None


class CitedText(BaseModel):
    text: str
    document_id: int
    location: str | None
    anchor: str | None = None
    period_end: date | None = None


class OpenItemOut(CitedText):
    kind: str
    severity: str | None
    risk_id: int | None = None


class ProjectStatus(BaseModel):
    """A project's status history (oldest period first), as the project page shows it."""

    project_id: int
    code: str
    active: bool
    overdue: bool
    """No report for a period ending within the project's cadence plus kb.status.GRACE_DAYS of today (active
    projects only): 10 days for weekly reports, 33 for monthly ones."""
    trend: str | None
    latest: PeriodOut | None
    periods: list[PeriodOut]
    milestones: list[MilestoneOut]
    escalations: list[CitedText]
    """Newest first."""
    open_items: list[OpenItemOut]


def project_status(session: Session, project_id: int, *, visible: Visibility,
                   today: date | None = None) -> ProjectStatus:
    """The status of a project the audience may see (ProjectNotFound otherwise)."""
    project = visible_project(session, project_id, visible)
    history = kbstatus.status_history(session, project_id)
    periods = [_period(p) for p in history.periods]
    active = open_risks.is_active(project)
    last = periods[-1].period_end if periods else None
    return ProjectStatus(
        project_id=project.id, code=project.code, active=active,
        overdue=active and kbstatus.is_overdue(last, today=today or date.today(), since=project.start,
                                               cadence=kbstatus.cadence_days([p.report for p in history.periods])),
        trend=history.trend, latest=periods[-1] if periods else None, periods=periods,
        milestones=[MilestoneOut(name=m.name, planned=m.planned, baseline=m.first_planned, forecast=m.forecast,
                                 actual=m.actual, slippage_days=m.slippage_days, document_id=m.document_id,
                                 location=m.location) for m in history.milestones],
        escalations=[CitedText(**e) for e in history.escalations],
        open_items=[OpenItemOut(**vars(i)) for i in kbstatus.open_items(session, project_id)])


def _period(p: kbstatus.PeriodFigures) -> PeriodOut:
    r = p.report
    return PeriodOut(
        document_id=r.document_id, period_start=r.period_start, period_end=r.period_end, overall_rag=r.overall_rag,
        rag=r.rag or {}, trend=p.trend, percent_complete=r.percent_complete, planned_value=r.planned_value,
        earned_value=r.earned_value, actual_cost=r.actual_cost, budget_at_completion=r.budget_at_completion,
        estimate_at_completion=r.estimate_at_completion, forecast_end=r.forecast_end, currency=r.currency,
        spi=_round(p.spi), cpi=_round(p.cpi), schedule_variance=p.schedule_variance, cost_variance=p.cost_variance,
        summary=r.summary)


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def status_charts(status: ProjectStatus) -> list[dict]:
    """The earned-value S-curve and the SPI/CPI trend, in the shape `_metrics_chart.html` draws, their titles
    and series in the reader's language (call it per request)."""
    periods = [p for p in status.periods if p.planned_value is not None or p.earned_value is not None
               or p.actual_cost is not None]
    if not periods:
        return []
    labels = [format_date(p.period_end) for p in periods]
    unit = f" {periods[-1].currency}" if periods[-1].currency else ""
    return [
        {"id": "status-s-curve",
         "title": _("Earned value S-curve: planned value, earned value and actual cost to date"), "type": "line", "labels": labels, "unit": unit.strip(),
         "datasets": [{"label": name, "data": [getattr(p, field) for p in periods]} for name, field in (
             (_("Planned value (PV)"), "planned_value"), (_("Earned value (EV)"), "earned_value"),
             (_("Actual cost (AC)"), "actual_cost"))]},
        {"id": "status-indices", "title": _("SPI (EV / PV) and CPI (EV / AC) by period: below 1 is behind plan or "
                                            "over budget"), "type": "line", "labels": labels, "unit": "",
         "precision": 2, "beginAtZero": False,
         "datasets": [{"label": "SPI", "data": [p.spi for p in periods]},
                      {"label": "CPI", "data": [p.cpi for p in periods]}]},
    ]
