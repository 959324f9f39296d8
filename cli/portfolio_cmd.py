"""`kb portfolio`: the running projects and the escalation list, as the /portfolio page shows them."""

from __future__ import annotations

import typer

from cli.language import for_machines, helps, label
from kb.i18n import N_, _


def register(app: typer.Typer) -> None:
    app.command("portfolio")(portfolio)


@helps(N_("The running projects (no outcome, no actual end) with their latest status report (overall RAG, trend, "
          "SPI = EV / PV, CPI = EV / AC, whether the report is overdue) and their early warnings, then the escalation "
          "list: red, worsening or overdue projects and those with open high risks that materialised on past "
          "projects, most pressing first, each with the past projects' lessons. The command line sees every "
          "project, confidential ones included."))
def portfolio(
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON (the shape of GET /api/portfolio).")),
    as_csv: bool = typer.Option(False, "--csv", help=N_("Print the table of running projects as CSV (as "
                                                        "/portfolio.csv).")),
) -> None:
    import csv
    import sys

    from cli.main import console, open_kb
    from search import SearchEngine
    from search.portfolio import build_portfolio, portfolio_rows
    from web.routes.insights import csv_cell  # formula-like text quoted, as in every CSV the app writes

    with for_machines(as_json or as_csv):
        found = build_portfolio(SearchEngine(open_kb()))
        rows = portfolio_rows(found) if as_csv else []
    if as_json:
        typer.echo(found.model_dump_json(indent=2))
    elif as_csv:
        csv.writer(sys.stdout).writerows([[csv_cell(c) for c in row] for row in rows])
    else:
        print_portfolio(console, found)


def print_portfolio(console, found) -> None:
    from rich.markup import escape
    from rich.table import Table

    if not found.projects:
        console.print(_("No running projects: a project runs until it has an outcome or an actual end. Register one "
                        "(POST /api/projects or the /projects/new page) or ingest its status reports."))
        return
    table = Table(title=_("Running projects on %(day)s") % {"day": found.as_of.isoformat()})
    for column in (N_("project"), N_("latest report"), N_("overall"), N_("trend"), "SPI", "CPI", N_("warnings")):
        table.add_column(_(column), justify="right" if column in ("SPI", "CPI", "warnings") else "left")
    for p in found.projects:
        latest = p.period_end.isoformat() if p.period_end else _("none yet")
        table.add_row(escape(f"{p.project.code} {p.project.name}"),
                      _("%(day)s (overdue)") % {"day": latest} if p.overdue else latest,
                      label(p.overall_rag) or "—", _(TRENDS.get(p.trend, p.trend)) if p.trend else "—",
                      _index(p.spi), _index(p.cpi),
                      _("%(n)s (%(high)s high)") % {"n": p.warnings, "high": p.high_warnings}
                      if p.high_warnings else str(p.warnings))
    console.print(table)
    if found.timeliness is not None:
        console.print(_("Status reports received on time: %(received)s of %(expected)s due.")
                      % {"received": found.reports_received, "expected": found.reports_expected})
    if not found.escalations:
        console.print("\n" + _("Nothing to escalate."))
        return
    console.print("\n[bold]" + _("Escalations (%(n)s), most pressing first") % {"n": len(found.escalations)} + "[/]")
    for n, e in enumerate(found.escalations, 1):
        reasons = "; ".join(_(reason) for reason in e.reasons)  # translated once search.portfolio marks them
        console.print(f"{n}. [bold]{escape(e.project.code)}[/] {escape(e.project.name)}: {escape(reasons)}")
        for w in e.warnings:
            past = ", ".join(pr.project.code for pr in w.precedents)
            console.print(f"   - {escape(w.title)} [yellow]({escape(w.headline)}: {escape(past)})[/]")


TRENDS = {"improving": N_("improving"), "steady": N_("steady"), "worsening": N_("worsening")}
"""A project's trend between its last two status reports, as the table shows it."""


def _index(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "—"
