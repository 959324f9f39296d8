"""The portfolio page for leadership and the PMO: running projects with their latest status and
early warnings, and the escalation list; `/portfolio.csv` is the same table. The JSON is
`GET /api/portfolio` (web/api/projects.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from search.portfolio import build_portfolio, portfolio_rows
from web.deps import EngineDep, VisibilityDep
from web.routes.insights import csv_response
from web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/portfolio")
def portfolio_page(request: Request, engine: EngineDep, visible: VisibilityDep):
    return render(request, "portfolio.html", portfolio=build_portfolio(engine, visible=visible))


@router.get("/portfolio.csv")
def portfolio_csv(engine: EngineDep, visible: VisibilityDep):
    portfolio = build_portfolio(engine, visible=visible)
    return csv_response(portfolio_rows(portfolio), f"portfolio-{portfolio.as_of.isoformat()}.csv")
