"""`kb metrics` and `kb themes`: the PMO value metrics and the recurring failure
themes, with the same figures as the /metrics and /themes pages."""

from __future__ import annotations

import json
from typing import Optional

import typer

from cli.language import for_machines, helps
from kb.i18n import N_, _, pgettext


GROUPINGS = {"year": N_("year"), "quarter": N_("quarter"), "portfolio": N_("portfolio"), "type": N_("project type")}
"""The breakdowns of `--by` as a table's title names them (the option takes the English word)."""


def register(app: typer.Typer) -> None:
    app.command("metrics")(metrics)
    app.command("themes")(themes)


@helps(N_("PMO value metrics: delivery, risk, knowledge flow and reuse, each with its formula."))
def metrics(
    by: Optional[str] = typer.Option(None, "--by", help=N_("Break down by year, quarter, portfolio or type.")),
    portfolio: Optional[str] = typer.Option(None, help=N_("Only this portfolio.")),
    project_type: Optional[str] = typer.Option(None, "--type", help=N_("Only this project type.")),
    period: Optional[str] = typer.Option(None, help=N_("Only this year (2023) or quarter (2023-Q2).")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON (the shape of GET /api/metrics).")),
) -> None:
    from kb import metrics as M
    from cli.main import console, fail, open_kb
    from search.insights import foresight_or_none, foreseeable_ids, metrics_json, precedents_or_none

    if by and by not in M.GROUPINGS:
        fail(_("--by must be one of %(choices)s.") % {"choices": ", ".join(M.GROUPINGS)})
    kb = open_kb()
    if as_json:  # every breakdown, as GET /api/metrics answers; --by only chooses the table below
        with kb.session() as session, for_machines(True):
            document = metrics_json(kb, session, portfolio=portfolio, project_type=project_type, period=period)
        typer.echo(json.dumps(document, indent=2, default=str))
        return
    foresight = foresight_or_none(kb)
    with kb.session() as session:
        report = M.compute_metrics(session, by=(by,) if by else (), portfolio=portfolio, project_type=project_type,
                                   period=period.upper() if period else None,
                                   foreseeable_risk_ids=foreseeable_ids(foresight),
                                   precedent_risk_ids=precedents_or_none(kb))
    console.print(_metrics_table(report))
    if by:
        console.print(_breakdown_table(report, by))
    if report.gaps:
        console.print(_gaps_table(report))


def _metrics_table(report):
    from rich.table import Table

    from kb import metrics as M

    where = ", ".join(f"{k} {v}" for k, v in report.filters.items())
    title = _("PMO value metrics · %(period)s") % {"period": report.period}
    table = Table(title=title + (f" · {where}" if where else ""), title_justify="left", header_style="bold")
    for col, kw in ((N_("group"), {}), (N_("metric"), {}), (N_("value"), {"justify": "right"}),
                    (N_("of"), {"justify": "right"}), (N_("formula"), {"overflow": "fold", "style": "dim"})):
        table.add_column(_(col), **kw)
    for v in report.values:
        n, d = v.measure.numerator, v.measure.denominator
        basis = f"{n:g} / {d:g}" if n is not None and d is not None else (f"n={d:g}" if d is not None else "")
        # the metric's words are translated once kb.metrics marks them; until then they show as written
        table.add_row(_(v.metric.group), _(v.metric.name), M.format_value(v.value, v.metric.unit), basis,
                      _(v.metric.formula))
    return table


def _breakdown_table(report, by: str):
    from rich.table import Table

    from kb import metrics as M

    groups = report.breakdowns.get(by, {})
    table = Table(title=_("By %(grouping)s") % {"grouping": _(GROUPINGS.get(by, by))}, title_justify="left",
                  header_style="bold")
    table.add_column(_("metric"))
    for label in groups:
        table.add_column(label, justify="right")
    for row, v in enumerate(report.values):
        table.add_row(_(v.metric.name),
                      *(M.format_value(values[row].value, v.metric.unit) for values in groups.values()))
    return table


def _gaps_table(report):
    from rich.table import Table

    table = Table(title=_("Knowledge gaps: searches that found nothing useful"), title_justify="left",
                  header_style="bold")
    for col in (N_("query"), N_("searches"), N_("last searched")):
        table.add_column(_(col))
    for g in report.gaps[:20]:
        table.add_row(g["query"], str(g["searches"]), g["last"].isoformat())
    return table


@helps(N_("Recurring failure themes: projects, lessons, repeat failures and trend of each."))
def themes(
    limit: int = typer.Option(20, "--limit", min=1, help=N_("How many themes to show, most repeated first.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON (the shape of GET /api/themes).")),
) -> None:
    from cli.main import console, open_kb
    from search import themes as T
    from search.insights import themes_json

    kb = open_kb()
    if as_json:
        with for_machines(True):
            document = themes_json(kb, limit=limit)
        typer.echo(json.dumps(document, indent=2, default=str))
        return
    report = T.compute_themes(kb)
    if not report.themes:
        console.print(_("No themes yet: ingest documents with “went wrong” lessons or materialised risks."))
        return
    console.print(_themes_table(report, limit))
    console.print("[dim]" + _("Repeat failure: %(definition)s") % {"definition": _(T.DEFINITIONS["repeat"])} + "[/]")
    if report.unmatched_edits:
        console.print("[yellow]" + _("%(n)s PMO edits no longer match any theme.") % {"n": len(report.unmatched_edits)}
                      + "[/]")


def _themes_table(report, limit: int):
    from rich.table import Table

    from cli.language import label

    arrows = {"rising": "[red]↑ " + _("rising") + "[/]", "falling": "[green]↓ " + _("falling") + "[/]",
              "flat": "→ " + _("flat")}
    title = _("Recurring failure themes (%(shown)s of %(total)s)") % {"shown": min(limit, len(report.themes)),
                                                                      "total": len(report.themes)}
    table = Table(title=title, title_justify="left", header_style="bold")
    for col, kw in ((N_("id"), {"style": "dim"}), (N_("theme"), {"overflow": "fold"}),
                    (N_("projects"), {"justify": "right"}), (N_("lessons"), {"justify": "right"}),
                    (N_("risks"), {"justify": "right"}), (N_("repeat failures"), {"justify": "right"}),
                    (N_("trend"), {}), (N_("top project types"), {})):
        table.add_column(_(col), **kw)
    for t in report.themes[:limit]:
        types = sorted(t.projects_by_type.items(), key=lambda kv: -kv[1])[:2]
        table.add_row(t.id, t.name, str(len(t.projects)), str(t.lessons), str(t.risks),
                      f"[bold red]{t.repeat_failures}[/]" if t.repeat_failures else "0", arrows[t.trend],
                      pgettext("list separator", ", ").join(f"{label(k)} {v}" for k, v in types))
    return table

