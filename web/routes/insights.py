"""PMO value metrics and recurring failure themes: the pages, their CSV exports and
the PMO's theme edits (rename, merge, split) as plain HTML forms. The JSON of the
same figures is web/api/insights.py."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from kb.metrics import (
    GAP_SCORE_THRESHOLD, GROUPS, METRICS, MetricsReport, MetricValue, format_value, load_snapshot, options,
    report_from,
)
from kb.access import EVERYTHING, Visibility
from kb.store import KnowledgeBase
from search import FORESEEABLE_THRESHOLD, Foresight
from search.insights import foresight_or_none, foreseeable_ids, iso, measure_of, precedents_or_none
from search.themes import (
    DEFINITIONS, METHOD, UNTYPED, Item, Theme, ThemeReport, compute_themes, merge_themes, rename_theme,
    repeat_counts, split_theme, undo_last_edit,
)
from web.audit import theme_edit
from web.deps import KBDep, SessionDep, VisibilityDep
from web.schemas import PERIOD
from web.templating import render

router = APIRouter()

Grouping = Literal["year", "quarter", "portfolio", "type"]
Format = Literal["html", "csv"]
MetricTable = Literal["summary", "breakdown", "gaps", "unreviewed", "foreseeable"]
ThemeTable = Literal["themes", "heatmap", "years", "repeats"]
METRIC_TABLES = get_args(MetricTable)
THEME_TABLES = get_args(ThemeTable)
TOP_THEMES_CHART = 8


# --- metrics -----------------------------------------------------------------------

def build_metrics(kb: KnowledgeBase, session: Session, *, by: tuple[str, ...], portfolio: str | None,
                  project_type: str | None, period: str | None, visible: Visibility = EVERYTHING):
    """The report behind the metrics page, the filter choices, and the foreseeable risks found."""
    foresight = foresight_or_none(kb, visible)
    snapshot = load_snapshot(session, foreseeable_risk_ids=foreseeable_ids(foresight), visible=visible,
                             precedent_risk_ids=precedents_or_none(kb, visible))
    report = report_from(snapshot, by=by, portfolio=portfolio or None, project_type=project_type or None,
                         period=period or None)
    return report, options(snapshot), foresight or {}


def metric_rows(report: MetricsReport, table: str, foresight: dict[int, Foresight]) -> list[list]:
    """One CSV table of the metrics page."""
    if table == "summary":
        return [["key", "name", "group", "value", "display", "unit", "numerator", "denominator", "period",
                 "formula"]] + [[v.metric.key, v.metric.name, v.metric.group, v.measure.value,
                                 format_value(v.value, v.metric.unit), v.metric.unit, v.measure.numerator,
                                 v.measure.denominator, report.period, v.metric.formula] for v in report.values]
    if table == "breakdown":
        rows = [["by", "group", "key", "name", "value", "display", "numerator", "denominator"]]
        for by, groups in report.breakdowns.items():
            for label, values in groups.items():
                rows += [[by, label, v.metric.key, v.metric.name, v.value, format_value(v.value, v.metric.unit),
                          v.measure.numerator, v.measure.denominator] for v in values]
        return rows
    if table == "gaps":
        return [["query", "searches", "last_searched", "best_score"]] + [
            [g["query"], g["searches"], g["last"].isoformat(), g["best_score"]] for g in report.gaps]
    if table == "unreviewed":
        ids = measure_of(report, "closed_without_review").ids
        return [["project_id", "code", "name", "type", "portfolio", "close_date"]] + [
            [p.id, p.code, p.name, p.project_type, p.portfolio, iso(p.close_date)]
            for p in (report.projects[i] for i in ids)]
    ids = measure_of(report, "foreseeable_rate").ids
    return [["risk_id", "project_code", "project_start", "lesson_id", "lesson_known", "similarity"]] + [
        [f.risk_id, _code(report, f), iso(f.project_start), f.lesson_id, iso(f.lesson_known), f.similarity]
        for f in (foresight[i] for i in ids if i in foresight)]


def _code(report: MetricsReport, f: Foresight) -> str:
    project = report.projects.get(f.project_id)
    return project.code if project else ""


def metrics_charts(report: MetricsReport, by: str) -> list[dict]:
    """Chart.js data for the breakdown: one chart per metric group."""
    groups = report.breakdowns.get(by, {})
    labels = list(groups)
    charts = []
    for group in GROUPS:
        keys = [m for m in METRICS if m.group == group and m.unit == "%" and m.key.endswith("_rate")]
        if not keys or not labels:
            continue
        datasets = [{"label": m.name, "data": [_value(groups[label], m.key) for label in labels]} for m in keys]
        charts.append({"id": f"chart-{group.replace(' ', '-')}", "title": f"{group.capitalize()} rates by {by}",
                       "type": "line" if by in ("year", "quarter") else "bar", "labels": labels,
                       "datasets": datasets, "unit": "%"})
    return charts


def _value(values: list[MetricValue], key: str):
    v = next(x.value for x in values if x.metric.key == key)
    return round(v, 2) if v is not None else None


@router.get("/metrics", include_in_schema=False)
@router.get("/metrics.csv", include_in_schema=False)
def metrics_page(request: Request, kb: KBDep, session: SessionDep, visible: VisibilityDep, by: Grouping = "year",
                 portfolio: str = Query("", max_length=200), type: str = Query("", max_length=200),
                 period: str = Query("", max_length=7, pattern=PERIOD),
                 format: Format = "html", table: MetricTable = "summary"):
    report, choices, foresight = build_metrics(kb, session, by=(by,), portfolio=portfolio, project_type=type,
                                               period=period.upper() or None, visible=visible)
    if format == "csv" or request.url.path.endswith(".csv"):
        return csv_response(metric_rows(report, table, foresight), f"metrics-{table}.csv")
    return render(request, "metrics.html", partial="_metrics_body.html", report=report, options=choices, by=by,
                  groups=GROUPS, charts=metrics_charts(report, by), foresight=foresight,
                  foreseeable_threshold=FORESEEABLE_THRESHOLD, gap_threshold=GAP_SCORE_THRESHOLD,
                  fmt=format_value, filters={"portfolio": portfolio, "type": type, "period": period},
                  tables=METRIC_TABLES)


# --- themes ------------------------------------------------------------------------

def theme_rows(report: ThemeReport, themes: list[Theme], table: str) -> list[list]:
    if table == "themes":
        return [["id", "name", "projects", "lessons", "risks", "repeat_failures", "trend", "slope", "terms",
                 "lesson_ids", "risk_ids"]] + [
            [t.id, t.name, len(t.projects), t.lessons, t.risks, t.repeat_failures, t.trend, t.slope,
             " · ".join(t.terms), " ".join(map(str, t.lesson_ids)), " ".join(map(str, t.risk_ids))] for t in themes]
    if table == "heatmap":
        return [["id", "name"] + report.project_types] + [
            [t.id, t.name] + [t.projects_by_type.get(pt, 0) for pt in report.project_types] for t in themes]
    if table == "years":
        return [["id", "name", "year", "items", "projects"]] + [
            [t.id, t.name, y, t.items_by_year.get(y, 0), t.projects_by_year.get(y, 0)]
            for t in themes for y in report.years]
    # earlier_item is blank when no earlier lesson was close enough to cite ("no close precedent").
    return [["id", "name", "project_id", "project_code", "project_start", "earlier_item", "earlier_known",
             "earlier_title", "similarity", "item", "item_title", "first_known"]] + [
        [t.id, t.name, r.project_id, report.projects[r.project_id].code, iso(r.start), r.earlier_vid,
         iso(r.earlier_known), _title(report, r.earlier_vid), r.similarity, r.item_vid, _title(report, r.item_vid),
         iso(r.first_known)] for t in themes for r in t.repeats]


def _title(report: ThemeReport, vid: str | None) -> str:
    item = report.items.get(vid) if vid else None
    return item.title if item else ""


def heatmap(report: ThemeReport, themes: list[Theme]) -> dict:
    """Cells of themes × project types: projects hit, their share of that type, and a shade 0–1."""
    top = max((t.projects_by_type.get(pt, 0) for t in themes for pt in report.project_types), default=0) or 1
    rows = []
    for t in themes:
        cells = []
        for pt in report.project_types:
            n = t.projects_by_type.get(pt, 0)
            total = report.projects_per_type.get(pt, 0)
            cells.append({"type": pt, "count": n, "share": n / total if total else None, "shade": n / top})
        rows.append({"theme": t, "cells": cells})
    return {"types": report.project_types, "rows": rows}


def trend_chart(report: ThemeReport, themes: list[Theme], chart_id: str, title: str,
                series: str = "projects_by_year", kind: str = "line") -> dict:
    return {"id": chart_id, "title": title, "type": kind, "labels": [str(y) for y in report.years],
            "datasets": [{"label": t.name, "data": [getattr(t, series).get(y, 0) for y in report.years]}
                         for t in themes], "unit": ""}


@router.get("/themes", include_in_schema=False)
@router.get("/themes.csv", include_in_schema=False)
def themes_page(request: Request, kb: KBDep, visible: VisibilityDep, limit: int = Query(50, ge=1, le=500),
                format: Format = "html", table: ThemeTable = "themes"):
    report = compute_themes(kb, visible=visible)
    themes = report.themes[:limit]
    if format == "csv" or request.url.path.endswith(".csv"):
        return csv_response(theme_rows(report, themes, table), f"themes-{table}.csv")
    foresight = foresight_or_none(kb, visible)
    foreseen = sorted(foresight.values(), key=lambda f: (f.project_start, f.risk_id)) if foresight is not None else None
    return render(request, "themes.html", partial="_themes_body.html", report=report, themes=themes, limit=limit,
                  heat=heatmap(report, themes), definitions=DEFINITIONS, method=METHOD, tables=THEME_TABLES,
                  chart=trend_chart(report, themes[:TOP_THEMES_CHART], "chart-theme-trends",
                                    "Projects hit per year, most repeated themes"),
                  repeats=repeat_counts(report), foreseen=foreseen, foreseeable_threshold=FORESEEABLE_THRESHOLD)


@router.get("/themes/{theme_id}", include_in_schema=False)
def theme_page(request: Request, theme_id: str, kb: KBDep, visible: VisibilityDep, year: int | None = None,
               type: str = Query("", max_length=200), format: Format = "html"):
    report = compute_themes(kb, visible=visible)
    theme = report.get(theme_id)
    members = [m for m in theme.members if (year is None or (m.occurred and m.occurred.year == year))
               and (not type or _type_of(report, m) == type)]
    repeat_of = {r.project_id: r for r in theme.repeats}
    if format == "csv":
        return csv_response(member_rows(report, members, repeat_of), f"theme-{theme.id}.csv")
    return render(request, "themes.html", partial="_themes_detail.html",
                  detail=True, report=report, theme=theme, members=members, repeat_of=repeat_of, year=year,
                  type=type, definitions=DEFINITIONS, method=METHOD,
                  chart=trend_chart(report, [theme], f"chart-{theme.id}", f"Lessons and risks per year: {theme.name}",
                                    "items_by_year", "bar"))


def _type_of(report: ThemeReport, item: Item) -> str:
    project = report.projects.get(item.project_id)
    return project.project_type if project else UNTYPED


def member_rows(report: ThemeReport, members: list[Item], repeat_of: dict) -> list[list]:
    rows = [["kind", "id", "title", "project_code", "project_type", "occurred", "known", "repeat_failure"]]
    for m in members:
        project = report.projects.get(m.project_id)
        rows.append([m.kind, m.id, m.title, project.code if project else "", _type_of(report, m),
                     iso(m.occurred), iso(m.known), "yes" if m.project_id in repeat_of else ""])
    return rows


# --- PMO edits (plain forms: POST, then redirect) -----------------------------------------

@router.post("/themes/rename", include_in_schema=False)
def rename_theme_form(request: Request, kb: KBDep, theme_id: Annotated[str, Form()],
                      name: Annotated[str, Form(max_length=200)]):
    theme_edit(request, rename_theme(kb, theme_id, name))
    return RedirectResponse(f"/themes/{theme_id}", status_code=303)


@router.post("/themes/merge", include_in_schema=False)
def merge_themes_form(request: Request, kb: KBDep, theme_id: Annotated[list[str], Form()] = (),
                 name: Annotated[str, Form(max_length=200)] = ""):
    theme_edit(request, merge_themes(kb, list(theme_id), name or None))
    return RedirectResponse("/themes#themes-table", status_code=303)


@router.post("/themes/split", include_in_schema=False)
def split_theme_form(request: Request, kb: KBDep, theme_id: Annotated[str, Form()], member: Annotated[list[str], Form()] = (),
                name_kept: Annotated[str, Form(max_length=200)] = "",
                name_new: Annotated[str, Form(max_length=200)] = ""):
    theme_edit(request, split_theme(kb, theme_id, list(member) or None, names=(name_kept or None, name_new or None)))
    return RedirectResponse("/themes#themes-table", status_code=303)


@router.post("/themes/undo", include_in_schema=False)
def undo_theme_edit_form(request: Request, kb: KBDep):
    theme_edit(request, undo_last_edit(kb), undone=True)
    return RedirectResponse("/themes", status_code=303)


# --- shared ------------------------------------------------------------------------------

def csv_response(rows: list[list], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def csv_cell(cell):
    """A cell as Excel should show it: text that starts like a formula (a lesson titled
    '=HYPERLINK(...)', a search for '+cmd') is quoted so a spreadsheet never runs it."""
    if cell is None:
        return ""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell
