"""The portfolio view for leadership and the PMO: every running project with its latest status
report and its early warnings, and the escalation list.

A project is *escalated* when its latest overall RAG is red, when its RAG is worsening, when its
report is overdue, or when an open high risk of it already materialised on past projects
(an early warning, `search.warnings`). Escalations are ranked by how bad the status is (red 3,
amber 1, worsening 2, overdue 1), then by the summed rank of its high warnings, so a red project
with precedent comes before a red one without. One read for the page, the CSV, the API and
`kb portfolio`, so they never disagree.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from kb import status
from kb.access import EVERYTHING, Visibility
from kb.i18n import _, ngettext
from search.models import ProjectRef
from search.warnings import EarlyWarning, active_warnings

if TYPE_CHECKING:
    from search.engine import SearchEngine

RAG_WEIGHT = {"red": 3.0, "amber": 1.0, "green": 0.0}
WORSENING_WEIGHT = 2.0
OVERDUE_WEIGHT = 1.0


class PortfolioProject(BaseModel):
    """One running project's line: where its latest status report puts it."""

    project: ProjectRef
    manager: str | None = None
    period_end: date | None = None
    """End of the period of its latest status report; None when it has sent none."""
    overall_rag: str | None = None
    trend: str | None = None
    """Overall RAG against the report before: improving, worsening or steady."""
    percent_complete: float | None = None
    spi: float | None = None
    cpi: float | None = None
    overdue: bool = False
    reports: int = 0
    warnings: int = 0
    """Open risks and issues with precedent on past projects."""
    high_warnings: int = 0


class Escalation(BaseModel):
    """A running project that needs the PMO's attention, with why and the warnings behind it."""

    project: ProjectRef
    overall_rag: str | None = None
    trend: str | None = None
    reasons: list[str]
    score: float
    """RAG_WEIGHT + WORSENING_WEIGHT + OVERDUE_WEIGHT where they apply (ranks first)."""
    warning_rank: float = 0.0
    """Summed rank of its high warnings (breaks ties)."""
    warnings: list[EarlyWarning] = Field(default_factory=list)
    """Its open high risks with precedent, highest rank first, each with the past projects' lessons."""


class Portfolio(BaseModel):
    as_of: date
    projects: list[PortfolioProject]
    escalations: list[Escalation]
    reports_received: int
    reports_expected: int

    @property
    def timeliness(self) -> float | None:
        """Weekly status reports received ÷ due, over the running projects that report."""
        return self.reports_received / self.reports_expected if self.reports_expected else None


def build_portfolio(engine: SearchEngine, *, visible: Visibility = EVERYTHING, today: date | None = None) -> Portfolio:
    """The portfolio as `visible` may see it: confidential projects it may not see are left out of
    every line, count and warning."""
    today = today or date.today()
    found = active_warnings(engine, visible=visible)  # the engine first, then a session (web.deps)
    by_project: dict[int, list[EarlyWarning]] = {}
    for warning in found:
        by_project.setdefault(warning.project.id, []).append(warning)
    with engine.kb.session() as session:
        summaries = status.status_summaries(session, today=today, visible=visible)
        timeliness = status.reporting_timeliness(session, today=today, visible=visible)
    lines, escalations = [], []
    for s in summaries:
        ref = ProjectRef(id=s.project.id, code=s.project.code, name=s.project.name,
                         project_type=s.project.project_type, industry=s.project.industry)
        warnings = by_project.get(s.project.id, [])
        high = [w for w in warnings if w.high]
        rag = s.latest.overall_rag if s.latest else None
        lines.append(PortfolioProject(
            project=ref, manager=s.project.manager, period_end=s.latest.period_end if s.latest else None,
            overall_rag=rag, trend=s.trend, percent_complete=s.latest.percent_complete if s.latest else None,
            spi=s.spi, cpi=s.cpi, overdue=s.overdue, reports=s.reports, warnings=len(warnings),
            high_warnings=len(high)))
        escalation = _escalation(ref, rag, s.trend, s.overdue, high)
        if escalation is not None:
            escalations.append(escalation)
    escalations.sort(key=lambda e: (-e.score, -e.warning_rank, e.project.code))
    return Portfolio(as_of=today, projects=lines, escalations=escalations,
                     reports_received=timeliness.received, reports_expected=timeliness.expected)


def _escalation(ref: ProjectRef, rag: str | None, trend: str | None, overdue: bool,
                high: list[EarlyWarning]) -> Escalation | None:
    reasons, score = [], 0.0
    if rag == "red":
        reasons.append(_("overall status red"))
    if trend == status.WORSENING:
        reasons.append(_("status worsening"))
        score += WORSENING_WEIGHT
    if overdue:
        reasons.append(_("status report overdue"))
        score += OVERDUE_WEIGHT
    if high:
        n = len(high)
        reasons.append(ngettext("%(num)s open high risk that materialised on past projects",
                                "%(num)s open high risks that materialised on past projects", n) % {"num": n})
    if not reasons:
        return None
    score += RAG_WEIGHT.get(rag or "", 0.0)
    return Escalation(project=ref, overall_rag=rag, trend=trend, reasons=reasons, score=score,
                      warning_rank=round(sum(w.rank for w in high), 4), warnings=high)


def portfolio_rows(portfolio: Portfolio) -> list[list]:
    """The portfolio as CSV rows: one per running project, escalated ones marked with their reasons."""
    why = {e.project.id: "; ".join(e.reasons) for e in portfolio.escalations}
    rows = [["project code", "project name", "project type", "manager", "latest period end", "overall RAG",
             "trend", "percent complete", "SPI", "CPI", "report overdue", "status reports",
             "open items with precedent", "high ones", "escalated because"]]
    for p in portfolio.projects:
        rows.append([p.project.code, p.project.name, p.project.project_type, p.manager, p.period_end,
                     p.overall_rag, p.trend, p.percent_complete, _round(p.spi), _round(p.cpi),
                     "yes" if p.overdue else "no", p.reports, p.warnings, p.high_warnings, why.get(p.project.id, "")])
    return rows


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None
