"""`kb metrics` and `kb themes`: the PMO value metrics and the recurring failure
themes, with the same figures as the /metrics and /themes pages."""

from __future__ import annotations

import json
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    app.command("metrics")(metrics)
    app.command("themes")(themes)


def metrics(
    by: Optional[str] = typer.Option(None, "--by", help="Break down by year, quarter, portfolio or type."),
    portfolio: Optional[str] = typer.Option(None, help="Only this portfolio."),
    project_type: Optional[str] = typer.Option(None, "--type", help="Only this project type."),
    period: Optional[str] = typer.Option(None, help="Only this year (2023) or quarter (2023-Q2)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (the shape of GET /api/metrics)."),
) -> None:
    """PMO value metrics: delivery, risk, knowledge flow and reuse, each with its formula."""
    from kb import metrics as M
    from cli.main import console, fail, open_kb
    from search.insights import foresight_or_none, foreseeable_ids, metrics_json, precedents_or_none

    if by and by not in M.GROUPINGS:
        fail(f"--by must be one of {', '.join(M.GROUPINGS)}.")
    kb = open_kb()
    if as_json:  # every breakdown, as GET /api/metrics answers; --by only chooses the table below
        with kb.session() as session:
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
    table = Table(title=f"PMO value metrics · {report.period}" + (f" · {where}" if where else ""),
                  title_justify="left", header_style="bold")
    for col, kw in (("group", {}), ("metric", {}), ("value", {"justify": "right"}), ("of", {"justify": "right"}),
                    ("formula", {"overflow": "fold", "style": "dim"})):
        table.add_column(col, **kw)
    for v in report.values:
        n, d = v.measure.numerator, v.measure.denominator
        basis = f"{n:g} / {d:g}" if n is not None and d is not None else (f"n={d:g}" if d is not None else "")
        table.add_row(v.metric.group, v.metric.name, M.format_value(v.value, v.metric.unit), basis, v.metric.formula)
    return table


def _breakdown_table(report, by: str):
    from rich.table import Table

    from kb import metrics as M

    groups = report.breakdowns.get(by, {})
    table = Table(title=f"By {by}", title_justify="left", header_style="bold")
    table.add_column("metric")
    for label in groups:
        table.add_column(label, justify="right")
    for row, v in enumerate(report.values):
        table.add_row(v.metric.name, *(M.format_value(values[row].value, v.metric.unit) for values in groups.values()))
    return table


def _gaps_table(report):
    from rich.table import Table

    table = Table(title="Knowledge gaps: searches that found nothing useful", title_justify="left",
                  header_style="bold")
    for col in ("query", "searches", "last searched"):
        table.add_column(col)
    for g in report.gaps[:20]:
        table.add_row(g["query"], str(g["searches"]), g["last"].isoformat())
    return table


def themes(
    limit: int = typer.Option(20, "--limit", min=1, help="How many themes to show, most repeated first."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (the shape of GET /api/themes)."),
) -> None:
    """Recurring failure themes: projects, lessons, repeat failures and trend of each."""
    from cli.main import console, open_kb
    from search import themes as T
    from search.insights import themes_json

    kb = open_kb()
    if as_json:
        typer.echo(json.dumps(themes_json(kb, limit=limit), indent=2, default=str))
        return
    report = T.compute_themes(kb)
    if not report.themes:
        console.print("No themes yet: ingest documents with “went wrong” lessons or materialised risks.")
        return
    console.print(_themes_table(report, limit))
    console.print(f"[dim]Repeat failure: {T.DEFINITIONS['repeat']}[/]")
    if report.unmatched_edits:
        console.print(f"[yellow]{len(report.unmatched_edits)} PMO edits no longer match any theme.[/]")


def _themes_table(report, limit: int):
    from rich.table import Table

    arrows = {"rising": "[red]↑ rising[/]", "falling": "[green]↓ falling[/]", "flat": "→ flat"}
    table = Table(title=f"Recurring failure themes ({min(limit, len(report.themes))} of {len(report.themes)})",
                  title_justify="left", header_style="bold")
    for col, kw in (("id", {"style": "dim"}), ("theme", {"overflow": "fold"}), ("projects", {"justify": "right"}),
                    ("lessons", {"justify": "right"}), ("risks", {"justify": "right"}),
                    ("repeat failures", {"justify": "right"}), ("trend", {}), ("top project types", {})):
        table.add_column(col, **kw)
    for t in report.themes[:limit]:
        types = sorted(t.projects_by_type.items(), key=lambda kv: -kv[1])[:2]
        table.add_row(t.id, t.name, str(len(t.projects)), str(t.lessons), str(t.risks),
                      f"[bold red]{t.repeat_failures}[/]" if t.repeat_failures else "0", arrows[t.trend],
                      ", ".join(f"{k} {v}" for k, v in types))
    return table

