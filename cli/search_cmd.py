"""`kb search` and `kb similar-projects`: the search engine from the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional

import typer

if TYPE_CHECKING:  # the search package is imported inside the commands, so `kb --help` stays quick
    from rich.console import Console

    from search.models import Hit, SearchResponse


def register(app: typer.Typer) -> None:
    app.command("search")(search)
    app.command("similar-projects")(similar_projects)


def search(
    query: str = typer.Argument("", help='A question in plain words, e.g. "what went wrong on past ERP migrations".'),
    project_type: List[str] = typer.Option([], "--type", help="Project type (repeat for OR), e.g. 'ERP migration'."),
    polarity: List[str] = typer.Option([], help="went well, went wrong or improvement."),
    category: List[str] = typer.Option([], help="Lesson or risk category, e.g. 'testing'."),
    kind: List[str] = typer.Option([], help="lesson or risk."),
    industry: List[str] = typer.Option([], help="Industry of the project."),
    status: List[str] = typer.Option([], help="Risk status: open, closed or materialised."),
    year_from: Optional[int] = typer.Option(None, "--since", help="Only items from this year on."),
    limit: int = typer.Option(10, "--limit", "-n", min=1, max=100),
    offset: int = typer.Option(0, min=0),
    no_detect: bool = typer.Option(False, "--no-detect", help="Do not read facets from the query's words."),
    as_json: bool = typer.Option(False, "--json", help="Print the SearchResponse as JSON."),
) -> None:
    """Search lessons and risks. Facets named in the question (polarity, project type,
    category, risk status, years) are detected and applied; options add more filters."""
    from cli.main import console, open_kb
    from search import SearchEngine, SearchRequest

    filters = {k: v for k, v in {"project_type": project_type, "polarity": polarity, "category": category,
                                 "kind": kind, "industry": industry, "status": status}.items() if v}
    request = SearchRequest(q=query, filters=filters, year_from=year_from, limit=limit, offset=offset,
                            detect_facets=not no_detect)
    response = SearchEngine(open_kb()).search(request)
    if as_json:
        typer.echo(response.model_dump_json(indent=2))
        return
    print_response(console, response)


def print_response(console: Console, response: SearchResponse) -> None:
    from rich.markup import escape

    if response.summary:
        console.print(f"[bold]{escape(response.summary.headline)}[/]")
        if not response.answered:
            for tip in response.summary.suggestions:
                console.print(f"  [dim]- {escape(tip)}[/]")
    if response.detected:
        read = ", ".join(f"{d.facet.replace('_', ' ')}={d.value} ('{d.phrase}'{'' if d.applied else ', boost only'})"
                         for d in response.detected)
        console.print(f"[dim]Read from the question:[/] {escape(read)}")
    for note in response.notes:
        console.print(f"[yellow]{escape(note)}[/]")
    first = response.offset + 1
    console.print(f"\n{response.total} results; showing {first}-{response.offset + len(response.hits)} "
                  f"({response.took_ms:.0f} ms)\n" if response.hits else "\nNo results.")
    for i, hit in enumerate(response.hits, start=first):
        print_hit(console, i, hit)


def print_hit(console: Console, rank: int, hit: Hit) -> None:
    from rich.markup import escape

    tags = " · ".join(x for x in (hit.kind, hit.polarity or hit.status, hit.category) if x)
    project = f"{hit.project.code} ({hit.project.project_type or 'type unknown'})" if hit.project else "no project"
    match = "" if hit.strong else "weak match · "
    console.print(f"[bold cyan]{rank}.[/] [bold]{escape(hit.title)}[/]  "
                  f"[dim]{match}confidence {hit.confidence:.2f} · {escape(tags)}[/]")
    console.print(f"   {escape(hit.snippet)}")
    where = f"{hit.source.document}" + (f", {hit.source.location}" if hit.source.location else "")
    seen = f"; seen in {hit.project_count} projects" if hit.project_count > 1 else ""
    console.print(f"   [dim]{escape(project)} — {escape(where)}{seen}[/]\n")


def similar_projects(
    description: str = typer.Argument("", help="What the new project is about."),
    project_type: Optional[str] = typer.Option(None, "--type", help="Project type, e.g. 'CRM rollout'."),
    industry: Optional[str] = typer.Option(None, help="Industry, e.g. retail."),
    budget: Optional[float] = typer.Option(None, help="Planned budget (sets the size)."),
    limit: int = typer.Option(5, "--limit", "-n", min=1, max=50),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Past projects most like a new one: same type and industry, similar size, similar lessons."""
    import json

    from cli.main import console, open_kb
    from search import ProjectProfile, SearchEngine

    profile = ProjectProfile(project_type=project_type, industry=industry, budget=budget, description=description)
    matches = SearchEngine(open_kb()).similar_projects(profile, limit=limit)
    if as_json:
        typer.echo(json.dumps([m.model_dump() for m in matches], indent=2))
        return
    if not matches:
        console.print("No past projects to compare with yet.")
    for m in matches:
        p = m.project
        console.print(f"[bold]{p.code}[/] {p.name} [dim]({p.project_type or '-'}, {p.industry or '-'}, "
                      f"{p.outcome or 'outcome unknown'})[/]  score {m.score:.2f}")
        if m.reasons:
            console.print("   " + "; ".join(m.reasons))
