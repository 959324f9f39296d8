"""GET /api/metrics and /api/themes: the JSON of the /metrics and /themes pages,
built by search/insights.py exactly as `kb metrics --json` and `kb themes --json`."""

from __future__ import annotations

from fastapi import APIRouter, Query

from search.insights import metrics_json, themes_json
from web.deps import KBDep, SessionDep, VisibilityDep
from web.schemas import PERIOD

router = APIRouter(tags=["insights"])


@router.get("/metrics")
def api_metrics(kb: KBDep, session: SessionDep, visible: VisibilityDep, portfolio: str = Query("", max_length=200),
                type: str = Query("", max_length=200),
                period: str = Query("", max_length=7, pattern=PERIOD)) -> dict:
    """Every PMO value metric (name, key, value, formula, unit, period) with breakdowns by year, quarter,
    portfolio and project type, the knowledge gaps, and the foreseeable failures behind that metric."""
    return metrics_json(kb, session, portfolio=portfolio, project_type=type, period=period, visible=visible)


@router.get("/themes")
def api_themes(kb: KBDep, visible: VisibilityDep, limit: int = Query(100, ge=1, le=1000)) -> dict:
    """Recurring failure themes, most repeated first: counts by year and project type, trend,
    repeat failures, and the lesson and risk ids behind every theme."""
    return themes_json(kb, limit=limit, visible=visible)
