"""The portfolio page for leadership and the PMO: running projects with their latest status and
early warnings, and the escalation list; `/portfolio.csv` is the same table. The JSON is
`GET /api/portfolio` (web/api/projects.py)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request

from kb.i18n import N_, _, ngettext
from search.portfolio import Escalation, Portfolio, build_portfolio, portfolio_rows
from web.deps import EngineDep, VisibilityDep
from web.routes.insights import csv_response
from web.templating import label, render

router = APIRouter(include_in_schema=False)

# search.portfolio words these in English (the API's and the CLI's); the page and the CSV show them translated.
REASONS = {"overall status red": N_("overall status red"), "status worsening": N_("status worsening"),
           "status report overdue": N_("status report overdue")}
HIGH_RISKS = re.compile(r"(\d+) open high risks? that materialised on past projects")
TRENDS = {"improving": N_("improving"), "worsening": N_("worsening"), "steady": N_("steady")}
HEADER = (N_("project code"), N_("project name"), N_("project type"), N_("manager"), N_("latest period end"),
          N_("overall RAG"), N_("trend"), N_("percent complete"), N_("SPI"), N_("CPI"), N_("report overdue"),
          N_("status reports"), N_("open items with precedent"), N_("high ones"), N_("escalated because"))
"""The columns of search.portfolio.portfolio_rows, for the catalogue."""
TYPE_COLUMN, RAG_COLUMN, TREND_COLUMN, OVERDUE_COLUMN, WHY_COLUMN = 2, 5, 6, 10, 14


def escalation_reasons(escalation: Escalation) -> list[str]:
    """Why a project is escalated, in the reader's language."""
    out = []
    for reason in escalation.reasons:
        if high := HIGH_RISKS.fullmatch(reason):
            n = int(high.group(1))
            out.append(ngettext("%(num)s open high risk that materialised on past projects",
                                "%(num)s open high risks that materialised on past projects", n) % {"num": n})
        else:
            out.append(_(REASONS.get(reason, reason)))
    return out


def portfolio_csv_rows(portfolio: Portfolio) -> list[list]:
    """search.portfolio.portfolio_rows with its header and words in the reader's language."""
    rows = portfolio_rows(portfolio)
    why = {e.project.id: _("; ").join(escalation_reasons(e)) for e in portfolio.escalations}
    out = [[_(name) for name in rows[0]]]
    for line, row in zip(portfolio.projects, rows[1:]):
        row = list(row)
        row[TYPE_COLUMN], row[RAG_COLUMN] = label(row[TYPE_COLUMN]), label(row[RAG_COLUMN])
        row[TREND_COLUMN] = _(TRENDS[row[TREND_COLUMN]]) if row[TREND_COLUMN] in TRENDS else row[TREND_COLUMN]
        row[OVERDUE_COLUMN] = _("yes") if line.overdue else _("no")
        row[WHY_COLUMN] = why.get(line.project.id, "")
        out.append(row)
    return out


@router.get("/portfolio")
def portfolio_page(request: Request, engine: EngineDep, visible: VisibilityDep):
    return render(request, "portfolio.html", portfolio=build_portfolio(engine, visible=visible),
                  escalation_reasons=escalation_reasons)


@router.get("/portfolio.csv")
def portfolio_csv(engine: EngineDep, visible: VisibilityDep):
    portfolio = build_portfolio(engine, visible=visible)
    return csv_response(portfolio_csv_rows(portfolio), f"portfolio-{portfolio.as_of.isoformat()}.csv")
