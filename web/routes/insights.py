"""PMO value metrics and recurring failure themes: the pages, their CSV exports and
the PMO's theme edits (rename, merge, split) as plain HTML forms. The JSON of the
same figures is web/api/insights.py."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from kb import i18n
from kb.i18n import N_, _, ngettext
from kb.metrics import (
    FORMULA_TEMPLATES, FORMULA_VALUES, GAP_SCORE_THRESHOLD, GROUPS, METRICS, UNSPECIFIED, Metric, MetricsReport,
    MetricValue, load_snapshot, options, report_from,
)
from kb.access import EVERYTHING, Visibility
from kb.store import KnowledgeBase
from search import FORESEEABLE_THRESHOLD, Foresight
from search.insights import foresight_or_none, foreseeable_ids, iso, measure_of, precedents_or_none
from search.themes import (
    DEFINITIONS, METHOD, UNTYPED, Item, Theme, ThemeReport, compute_themes, merge_themes, rename_theme,
    repeat_counts, split_theme, undo_last_edit,
)
from search.themes.report import METHOD_VALUES, PRECEDENT_METHOD
from web.audit import theme_edit
from web.deps import KBDep, SessionDep, VisibilityDep
from web.schemas import PERIOD
from web.templating import label as vocabulary_label, render

router = APIRouter()

Grouping = Literal["year", "quarter", "portfolio", "type"]
Format = Literal["html", "csv"]
MetricTable = Literal["summary", "breakdown", "gaps", "unreviewed", "foreseeable"]
ThemeTable = Literal["themes", "heatmap", "years", "repeats"]
METRIC_TABLES = get_args(MetricTable)
THEME_TABLES = get_args(ThemeTable)
TOP_THEMES_CHART = 8

# What the pages call the registry's keys; translated where shown (kb/i18n.py).
GROUP_NAMES = {"delivery": N_("Delivery"), "risk": N_("Risk"), "knowledge flow": N_("Knowledge flow"),
               "reuse": N_("Reuse")}
GROUPING_NAMES = {"year": N_("year"), "quarter": N_("quarter"), "portfolio": N_("portfolio"),
                  "type": N_("project type")}
METRIC_TABLE_NAMES = {"summary": N_("summary"), "breakdown": N_("breakdown"), "gaps": N_("gaps"),
                      "unreviewed": N_("unreviewed"), "foreseeable": N_("foreseeable")}
THEME_TABLE_NAMES = {"themes": N_("themes"), "heatmap": N_("heatmap"), "years": N_("years"),
                     "repeats": N_("repeats")}
SUMMARY_HEADER = (N_("key"), N_("name"), N_("group"), N_("value"), N_("display"), N_("unit"), N_("numerator"),
                  N_("denominator"), N_("period"), N_("formula"))
BREAKDOWN_HEADER = (N_("by"), N_("group"), N_("key"), N_("name"), N_("value"), N_("display"), N_("numerator"),
                    N_("denominator"))
GAPS_HEADER = (N_("query"), N_("searches"), N_("last_searched"), N_("best_score"))
UNREVIEWED_HEADER = (N_("project_id"), N_("code"), N_("name"), N_("type"), N_("portfolio"), N_("close_date"))
FORESEEABLE_HEADER = (N_("risk_id"), N_("project_code"), N_("project_start"), N_("lesson_id"), N_("lesson_known"),
                      N_("similarity"))
THEMES_HEADER = (N_("id"), N_("name"), N_("projects"), N_("lessons"), N_("risks"), N_("repeat_failures"),
                 N_("trend"), N_("slope"), N_("terms"), N_("lesson_ids"), N_("risk_ids"))
YEARS_HEADER = (N_("id"), N_("name"), N_("year"), N_("items"), N_("projects"))
REPEATS_HEADER = (N_("id"), N_("name"), N_("project_id"), N_("project_code"), N_("project_start"),
                  N_("earlier_item"), N_("earlier_known"), N_("earlier_title"), N_("similarity"), N_("item"),
                  N_("item_title"), N_("first_known"))
TRENDS = {"rising": N_("rising"), "falling": N_("falling"), "flat": N_("flat")}
EDIT_NAMES = {"renamed by the PMO": N_("renamed by the PMO"), "split by the PMO": N_("split by the PMO")}
MEMBERS_HEADER = (N_("kind"), N_("id"), N_("title"), N_("project_code"), N_("project_type"), N_("occurred"),
                  N_("known"), N_("repeat_failure"))


def header(names) -> list[str]:
    """A CSV header row in the reader's language (English column names stay as they were)."""
    return [_(name) for name in names]


@dataclass(frozen=True)
class MetricText:
    """A metric's words as the page shows them, in the reader's language."""

    name: str
    formula: str
    plain: str
    note: str
    empty: str = ""


def metric_text(metric: Metric) -> MetricText:
    template = FORMULA_TEMPLATES.get(metric.key)
    formula = _(template) % FORMULA_VALUES if template else _(metric.formula)
    return MetricText(_(metric.name), formula, _(metric.plain) if metric.plain else "",
                      _(metric.note) if metric.note else "", _(metric.empty) if metric.empty else "")


def metric_texts() -> dict[str, MetricText]:
    return {m.key: metric_text(m) for m in METRICS}


def shown_value(value: float | None, unit: str) -> str:
    """A figure as the reader writes numbers (kb.metrics.format_value is the CLI's and the API's)."""
    if value is None:
        return _("n/a")
    if unit == "%":
        return i18n.format_percent(value / 100, 1)
    if unit == "ratio":
        return i18n.format_number(value, 2)
    if unit == "count":
        return i18n.format_number(value)
    if unit == "days":
        return ngettext("%(num)s day", "%(num)s days", round(value)) % {"num": i18n.format_number(value)}
    return i18n.format_number(value, 1)


def group_label(label: str) -> str:
    """A breakdown column: a year, a quarter, a portfolio's name, or a project type (translated)."""
    return _("(unspecified)") if label == UNSPECIFIED else vocabulary_label(label)


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
    texts = metric_texts()
    if table == "summary":
        return [header(SUMMARY_HEADER)] + [
            [v.metric.key, texts[v.metric.key].name, _(GROUP_NAMES[v.metric.group]), v.measure.value,
             shown_value(v.value, v.metric.unit), v.metric.unit, v.measure.numerator, v.measure.denominator,
             period_name(report), texts[v.metric.key].formula] for v in report.values]
    if table == "breakdown":
        rows = [header(BREAKDOWN_HEADER)]
        for by, groups in report.breakdowns.items():
            for label, values in groups.items():
                rows += [[_(GROUPING_NAMES[by]), group_label(label), v.metric.key, texts[v.metric.key].name, v.value,
                          shown_value(v.value, v.metric.unit), v.measure.numerator, v.measure.denominator]
                         for v in values]
        return rows
    if table == "gaps":
        return [header(GAPS_HEADER)] + [
            [g["query"], g["searches"], g["last"].isoformat(), g["best_score"]] for g in report.gaps]
    if table == "unreviewed":
        ids = measure_of(report, "closed_without_review").ids
        return [header(UNREVIEWED_HEADER)] + [
            [p.id, p.code, p.name, p.project_type, p.portfolio, iso(p.close_date)]
            for p in (report.projects[i] for i in ids)]
    ids = measure_of(report, "foreseeable_rate").ids
    return [header(FORESEEABLE_HEADER)] + [
        [f.risk_id, _code(report, f), iso(f.project_start), f.lesson_id, iso(f.lesson_known), f.similarity]
        for f in (foresight[i] for i in ids if i in foresight)]


def period_name(report: MetricsReport) -> str:
    return _("all time") if report.period == "all time" else report.period


def _code(report: MetricsReport, f: Foresight) -> str:
    project = report.projects.get(f.project_id)
    return project.code if project else ""


def metrics_charts(report: MetricsReport, by: str) -> list[dict]:
    """Chart.js data for the breakdown: one chart per metric group, its words in the reader's language."""
    groups = report.breakdowns.get(by, {})
    labels = list(groups)
    charts = []
    for group in GROUPS:
        keys = [m for m in METRICS if m.group == group and m.unit == "%" and m.key.endswith("_rate")]
        if not keys or not labels:
            continue
        datasets = [{"label": _(m.name), "data": [_value(groups[label], m.key) for label in labels]} for m in keys]
        title = _("%(group)s rates by %(grouping)s") % {"group": _(GROUP_NAMES[group]),
                                                         "grouping": _(GROUPING_NAMES[by])}
        charts.append({"id": f"chart-{group.replace(' ', '-')}", "title": title,
                       "type": "line" if by in ("year", "quarter") else "bar",
                       "labels": [group_label(label) for label in labels],
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
                  fmt=shown_value, filters={"portfolio": portfolio, "type": type, "period": period},
                  tables=METRIC_TABLES, **metrics_words(report))


def metrics_words(report: MetricsReport) -> dict:
    """The metrics page's words in the reader's language, for the template."""
    return {"shown": metric_texts(), "period_name": period_name(report),
            "group_names": {k: _(v) for k, v in GROUP_NAMES.items()},
            "grouping_names": {k: _(v) for k, v in GROUPING_NAMES.items()},
            "filter_names": {"portfolio": _("portfolio"), "type": _("project type")},
            "table_names": {k: _(v) for k, v in METRIC_TABLE_NAMES.items()}, "column_name": group_label}


# --- themes ------------------------------------------------------------------------

def theme_rows(report: ThemeReport, themes: list[Theme], table: str) -> list[list]:
    if table == "themes":
        return [header(THEMES_HEADER)] + [
            [t.id, t.name, len(t.projects), t.lessons, t.risks, t.repeat_failures, _(TRENDS.get(t.trend, t.trend)),
             t.slope, " · ".join(t.terms), " ".join(map(str, t.lesson_ids)), " ".join(map(str, t.risk_ids))] for t in themes]
    if table == "heatmap":
        return [header(THEMES_HEADER[:2]) + [group_label(pt) for pt in report.project_types]] + [
            [t.id, t.name] + [t.projects_by_type.get(pt, 0) for pt in report.project_types] for t in themes]
    if table == "years":
        return [header(YEARS_HEADER)] + [
            [t.id, t.name, y, t.items_by_year.get(y, 0), t.projects_by_year.get(y, 0)]
            for t in themes for y in report.years]
    # earlier_item is blank when no earlier lesson was close enough to cite ("no close precedent").
    return [header(REPEATS_HEADER)] + [
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
                  heat=heatmap(report, themes), tables=THEME_TABLES, **theme_words(),
                  chart=trend_chart(report, themes[:TOP_THEMES_CHART], "chart-theme-trends",
                                    _("Projects hit per year, most repeated themes")),
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
                  type=type, **theme_words(),
                  chart=trend_chart(report, [theme], f"chart-{theme.id}",
                                    _("Lessons and risks per year: %(theme)s") % {"theme": theme.name},
                                    "items_by_year", "bar"))


def theme_words() -> dict:
    """The themes pages' definitions, method and names in the reader's language, for the template."""
    method = {k: _(v) for k, v in METHOD.items()}
    method["precedent"] = _(PRECEDENT_METHOD) % METHOD_VALUES
    return {"definitions": {k: _(v) for k, v in DEFINITIONS.items()}, "method": method,
            "table_names": {k: _(v) for k, v in THEME_TABLE_NAMES.items()}, "edit_label": edit_label,
            "column_name": group_label}


def edit_label(edit: str) -> str:
    """A PMO edit as search.themes.replay words it ("merged 3 themes"), in the reader's language."""
    if merged := re.fullmatch(r"merged (\d+) themes", edit):
        n = int(merged.group(1))
        return ngettext("merged %(num)s theme", "merged %(num)s themes", n) % {"num": n}
    if split := re.fullmatch(r"split from “(.*)” by the PMO", edit, re.S):
        return _("split from “%(name)s” by the PMO") % {"name": split.group(1)}
    return _(EDIT_NAMES.get(edit, edit))


def _type_of(report: ThemeReport, item: Item) -> str:
    project = report.projects.get(item.project_id)
    return project.project_type if project else UNTYPED


def member_rows(report: ThemeReport, members: list[Item], repeat_of: dict) -> list[list]:
    rows = [header(MEMBERS_HEADER)]
    for m in members:
        project = report.projects.get(m.project_id)
        rows.append([vocabulary_label(m.kind), m.id, m.title, project.code if project else "",
                     group_label(_type_of(report, m)), iso(m.occurred), iso(m.known),
                     _("yes") if m.project_id in repeat_of else ""])
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
