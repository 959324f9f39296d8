"""`kb portfolio`: the running projects and the escalation list, as the /portfolio page shows them."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command("portfolio")(portfolio)


def portfolio(
    as_json: bool = typer.Option(False, "--json", help="Print JSON (the shape of GET /api/portfolio)."),
    as_csv: bool = typer.Option(False, "--csv", help="Print the table of running projects as CSV (as /portfolio.csv)."),
) -> None:
    """The running projects (no outcome, no actual end) with their latest status report (overall RAG,
    trend, SPI = EV / PV, CPI = EV / AC, whether the report is overdue) and their early warnings, then the
    escalation list: red, worsening or overdue projects and those with open high risks that materialised on
    past projects, most pressing first, each with the past projects' lessons. The command line sees every
    project, confidential ones included."""
    import csv
    import sys

    from cli.main import console, open_kb
    from search import SearchEngine
    from search.portfolio import build_portfolio, portfolio_rows
    from web.routes.insights import csv_cell  # formula-like text quoted, as in every CSV the app writes

    found = build_portfolio(SearchEngine(open_kb()))
    if as_json:
        typer.echo(found.model_dump_json(indent=2))
    elif as_csv:
        csv.writer(sys.stdout).writerows([[csv_cell(c) for c in row] for row in portfolio_rows(found)])
    else:
        print_portfolio(console, found)


def print_portfolio(console, found) -> None:
    from rich.markup import escape
    from rich.table import Table

    if not found.projects:
        console.print("No running projects: a project runs until it has an outcome or an actual end. Register one "
                      "(POST /api/projects or the /projects/new page) or ingest its status reports.")
        return
    table = Table(title=f"Running projects on {found.as_of.isoformat()}")
    for column in ("project", "latest report", "overall", "trend", "SPI", "CPI", "warnings"):
        table.add_column(column, justify="right" if column in ("SPI", "CPI", "warnings") else "left")
    for p in found.projects:
        latest = p.period_end.isoformat() if p.period_end else "none yet"
        table.add_row(escape(f"{p.project.code} {p.project.name}"), latest + (" (overdue)" if p.overdue else ""),
                      p.overall_rag or "—", p.trend or "—", _index(p.spi), _index(p.cpi),
                      f"{p.warnings}" + (f" ({p.high_warnings} high)" if p.high_warnings else ""))
    console.print(table)
    if found.timeliness is not None:
        console.print(f"Status reports received on time: {found.reports_received} of {found.reports_expected} due.")
    if not found.escalations:
        console.print("\nNothing to escalate.")
        return
    console.print(f"\n[bold]Escalations ({len(found.escalations)}), most pressing first[/]")
    for n, e in enumerate(found.escalations, 1):
        console.print(f"{n}. [bold]{escape(e.project.code)}[/] {escape(e.project.name)}: {escape('; '.join(e.reasons))}")
        for w in e.warnings:
            past = ", ".join(pr.project.code for pr in w.precedents)
            console.print(f"   - {escape(w.title)} [yellow]({escape(w.headline)}: {escape(past)})[/]")


def _index(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "—"
