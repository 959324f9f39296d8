"""`kb warnings`: the early warnings of an active project, as its project page shows them."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command("warnings")(warnings)


def warnings(
    code: str = typer.Argument(..., metavar="PROJECT_CODE", help="The code of an active project, e.g. CRM-2027."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (the shape of GET /api/projects/{id}/warnings)."),
) -> None:
    """Early warnings for an active project (no actual end, no outcome): each open risk of its live risk
    register that materialised on past projects, with those projects, what happened there and what they
    recommend, each cited to its document and row or section. Highest rank (severity × closeness × past
    projects) first. A past project counts when its materialised risk or "went wrong" lesson is close in
    meaning: projects of the same type from cosine 0.60, other types only from 0.65 (see the README)."""
    from sqlalchemy import func
    from sqlmodel import select

    from cli.main import console, fail, open_kb
    from kb.models import Project
    from search import SearchEngine
    from search.warnings import project_warnings

    kb = open_kb()
    with kb.session() as session:
        project = session.exec(select(Project).where(func.upper(Project.code) == code.strip().upper())).first()
    if project is None:
        fail(f"No project with code {code}. The /projects page (or GET /api/projects) lists the project codes.")
    found = project_warnings(SearchEngine(kb), project.id, record=True)
    if not found.active:
        fail(f"{project.code} is closed (it has an actual end date or an outcome): early warnings are for "
             "active projects. Its lessons and risks are precedents for the projects still running.")
    if as_json:
        typer.echo(found.model_dump_json(indent=2))
        return
    print_warnings(console, found)


def print_warnings(console, found) -> None:
    from rich.markup import escape

    p = found.project
    if not found.warnings:
        what = f"none of its {found.open_items} open risks" if found.open_items else "it has no open risks recorded"
        console.print(f"{escape(p.code)}: no early warnings ({what} materialised on a past project closely enough).")
        return
    n = len(found.warnings)
    console.print(f"[bold]{escape(p.code)} · {escape(p.name)}[/]: {n} of {found.open_items} open risks "
                  f"{'has' if n == 1 else 'have'} precedent.")
    for n, w in enumerate(found.warnings, 1):
        severity = f"severity {w.severity:g}/25" if w.severity is not None else "severity unknown"
        console.print(f"\n[bold]{n}. {escape(w.title)}[/] [dim]({severity}{', high' if w.high else ''} · "
                      f"{escape(_cite(w.citation))})[/]")
        console.print(f"   [yellow]{escape(w.headline)}[/]")
        for pr in w.precedents:
            console.print(f"   - {escape(pr.project.code)} ({escape(pr.project.project_type or 'no type')})")
            for it in pr.items:
                console.print(f"     {'materialised risk' if it.kind == 'risk' else 'went wrong'}: {escape(it.title)} "
                              f"[dim](cosine {it.similarity:.2f}; {escape(_cite(it.source))})[/]")
                if it.what_happened:
                    console.print(f"       what happened: {escape(it.what_happened)}")
                if it.recommendation:
                    label = "their response" if it.kind == "risk" else "they recommend"
                    console.print(f"       {label}: {escape(it.recommendation)}")


def _cite(source) -> str:
    return source.document + (f", {source.location}" if source.location else "")
