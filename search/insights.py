"""The JSON of the PMO insights: every metric with its breakdowns, and the recurring
failure themes. `GET /api/metrics` and `kb metrics --json` both answer with
`metrics_json`, `GET /api/themes` and `kb themes --json` with `themes_json`, so the
two can never drift apart."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from kb import metrics
from kb.access import EVERYTHING, Visibility
from kb.errors import KBError
from search import themes
from search.foreseeable import THRESHOLD as FORESEEABLE_THRESHOLD
from search.foreseeable import Foresight, foreseeable_risks
from search.warnings import high_risk_precedents

if TYPE_CHECKING:
    from kb.store import KnowledgeBase


def foresight_or_none(kb: KnowledgeBase, visible: Visibility = EVERYTHING) -> dict[int, Foresight] | None:
    """Foreseeable risks need the vector index; without it the metric is n/a (None)."""
    try:
        return foreseeable_risks(kb, visible=visible)
    except KBError:
        return None


def precedents_or_none(kb: KnowledgeBase, visible: Visibility = EVERYTHING) -> set[int] | None:
    """Open high risks with precedent (`search.warnings`), as `kb.metrics` takes them; None (n/a) without vectors."""
    try:
        return high_risk_precedents(kb, visible=visible)
    except KBError:
        return None


def foreseeable_ids(foresight: dict[int, Foresight] | None):
    """What `kb.metrics` takes as `foreseeable_risk_ids`: None when they could not be found."""
    return foresight.keys() if foresight is not None else None


# --- metrics -----------------------------------------------------------------------

def metrics_json(kb: KnowledgeBase, session: Session, *, portfolio: str | None = None,
                 project_type: str | None = None, period: str | None = None,
                 visible: Visibility = EVERYTHING) -> dict[str, Any]:
    """Every metric with breakdowns by year, quarter, portfolio and type, the knowledge gaps,
    and the foreseeable failures behind that metric, of what `visible` shows. Blank filters mean no filter."""
    foresight = foresight_or_none(kb, visible)
    snapshot = metrics.load_snapshot(session, foreseeable_risk_ids=foreseeable_ids(foresight), visible=visible,
                                     precedent_risk_ids=precedents_or_none(kb, visible))
    report = metrics.report_from(snapshot, by=metrics.GROUPINGS, portfolio=portfolio or None,
                                 project_type=project_type or None, period=period.upper() if period else None)
    return metrics_report_json(report, foresight or {})


def metrics_report_json(report: metrics.MetricsReport, foresight: dict[int, Foresight]) -> dict[str, Any]:
    return {
        "period": report.period, "filters": report.filters,
        "metrics": [metric_json(v, report) for v in report.values],
        "knowledge_gaps": [{**g, "last": g["last"].isoformat()} for g in report.gaps],
        "foreseeable": {"threshold": FORESEEABLE_THRESHOLD,
                        "risks": [foresight_json(foresight[i]) for i in measure_of(report, "foreseeable_rate").ids
                                  if i in foresight]},
    }


def metric_json(value: metrics.MetricValue, report: metrics.MetricsReport) -> dict[str, Any]:
    metric, measure = value.metric, value.measure
    return {
        "key": metric.key, "name": metric.name, "group": metric.group, "value": measure.value,
        "display": metrics.format_value(measure.value, metric.unit), "unit": metric.unit,
        "formula": metric.formula, "better": metric.better or None, "numerator": measure.numerator,
        "denominator": measure.denominator, "period": report.period, "filters": report.filters,
        "breakdowns": {by: report.breakdown(by, metric.key) for by in report.breakdowns},
    }


def foresight_json(f: Foresight) -> dict[str, Any]:
    return {"risk_id": f.risk_id, "risk_title": f.risk_title, "project_id": f.project_id, "lesson_id": f.lesson_id,
            "lesson_title": f.lesson_title, "similarity": f.similarity,
            "lesson_known": iso(f.lesson_known), "project_start": iso(f.project_start)}


def measure_of(report: metrics.MetricsReport, key: str) -> metrics.Measure:
    return next(v.measure for v in report.values if v.metric.key == key)


# --- themes ------------------------------------------------------------------------

def themes_json(kb: KnowledgeBase, *, limit: int, visible: Visibility = EVERYTHING) -> dict[str, Any]:
    """Recurring failure themes, most repeated first (the first `limit`), with the total."""
    report = themes.compute_themes(kb, visible=visible)
    return {"generation": report.generation, "definitions": themes.DEFINITIONS, "years": report.years,
            "project_types": report.project_types, "total": len(report.themes),
            "repeat_failures": themes.repeat_counts(report), "precedent_threshold": themes.PRECEDENT_THRESHOLD,
            "themes": [theme_json(t, report) for t in report.themes[:limit]],
            "unmatched_edits": [{"id": o.id, "action": o.action} for o in report.unmatched_edits]}


def theme_json(theme: themes.Theme, report: themes.ThemeReport) -> dict[str, Any]:
    return {
        "id": theme.id, "name": theme.name, "terms": theme.terms, "renamed": theme.renamed, "edits": theme.edits,
        "projects": len(theme.projects), "project_ids": theme.projects, "lessons": theme.lessons,
        "risks": theme.risks, "lesson_ids": theme.lesson_ids, "risk_ids": theme.risk_ids,
        "keywords": theme.keywords, "repeat_failures": theme.repeat_failures,
        "repeats": [repeat_json(r, report) for r in theme.repeats],
        "items_by_year": theme.items_by_year, "projects_by_year": theme.projects_by_year,
        "projects_by_type": theme.projects_by_type, "items_by_type": theme.items_by_type,
        "trend": theme.trend, "slope": theme.slope,
    }


def repeat_json(r: themes.RepeatFailure, report: themes.ThemeReport) -> dict[str, Any]:
    """A repeat failure and its precedent; `earlier` is null when no earlier lesson was close enough to cite."""
    earlier = report.items.get(r.earlier_vid) if r.earlier_vid else None
    own = report.items.get(r.item_vid) if r.item_vid else None
    return {"project_id": r.project_id, "project_code": report.projects[r.project_id].code,
            "project_start": iso(r.start), "first_known": iso(r.first_known),
            "item": r.item_vid, "item_title": own.title if own else None,
            "earlier": r.earlier_vid, "earlier_title": earlier.title if earlier else None,
            "earlier_project_code": _code(report, earlier), "earlier_known": iso(r.earlier_known),
            "similarity": r.similarity}


def _code(report: themes.ThemeReport, item: themes.Item | None) -> str | None:
    project = report.projects.get(item.project_id) if item else None
    return project.code if project else None


def iso(day: date | None) -> str:
    """A date as CSV and JSON show it; blank when unknown."""
    return day.isoformat() if day else ""
