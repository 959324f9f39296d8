"""`kb search` and `kb similar-projects`: the search engine from the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional

import typer

from cli.language import for_machines, helps, label
from kb.i18n import N_, _, pgettext

if TYPE_CHECKING:  # the search package is imported inside the commands, so `kb --help` stays quick
    from rich.console import Console

    from search.models import Hit, SearchResponse


def register(app: typer.Typer) -> None:
    app.command("search")(search)
    app.command("similar-projects")(similar_projects)


@helps(N_("Search lessons and risks. Facets named in the question (polarity, project type, category, risk status, "
          "years) are detected and applied; options add more filters."))
def search(
    query: str = typer.Argument("", help=N_('A question in plain words, e.g. "what went wrong on past ERP '
                                            'migrations".')),
    project_type: List[str] = typer.Option([], "--type", help=N_("Project type (repeat for OR), e.g. 'ERP "
                                                                 "migration'.")),
    polarity: List[str] = typer.Option([], help=N_("went well, went wrong or improvement.")),
    category: List[str] = typer.Option([], help=N_("Lesson or risk category, e.g. 'testing'.")),
    kind: List[str] = typer.Option([], help=N_("lesson or risk.")),
    industry: List[str] = typer.Option([], help=N_("Industry of the project.")),
    status: List[str] = typer.Option([], help=N_("Risk status: open, closed or materialised.")),
    year_from: Optional[int] = typer.Option(None, "--since", help=N_("Only items from this year on.")),
    limit: int = typer.Option(10, "--limit", "-n", min=1, max=100, help=N_("How many results to show.")),
    offset: int = typer.Option(0, min=0, help=N_("Skip this many results (for the next page).")),
    no_detect: bool = typer.Option(False, "--no-detect", help=N_("Do not read facets from the query's words.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print the SearchResponse as JSON.")),
) -> None:
    from cli.main import console, open_kb
    from search import SearchEngine, SearchRequest

    filters = {k: v for k, v in {"project_type": project_type, "polarity": polarity, "category": category,
                                 "kind": kind, "industry": industry, "status": status}.items() if v}
    request = SearchRequest(q=query, filters=filters, year_from=year_from, limit=limit, offset=offset,
                            detect_facets=not no_detect)
    with for_machines(as_json):
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
        read = pgettext("list separator", ", ").join(_detected(d) for d in response.detected)
        console.print("[dim]" + _("Read from the question:") + f"[/] {escape(read)}")
    for note in response.notes:
        console.print(f"[yellow]{escape(note)}[/]")
    first = response.offset + 1
    shown = {"total": response.total, "first": first, "last": response.offset + len(response.hits),
             "ms": f"{response.took_ms:.0f}"}
    console.print("\n" + _("%(total)s results; showing %(first)s-%(last)s (%(ms)s ms)") % shown + "\n"
                  if response.hits else "\n" + _("No results."))
    for i, hit in enumerate(response.hits, start=first):
        print_hit(console, i, hit)


def _detected(d) -> str:
    """One facet read from the question: "polarity=went wrong ('what went wrong')"."""
    from web.templating import facet_label  # the facets' names as the search page shows them

    facts = {"facet": facet_label(d.facet), "value": label(d.value), "phrase": d.phrase}
    if d.applied:
        return _("%(facet)s=%(value)s ('%(phrase)s')") % facts
    return _("%(facet)s=%(value)s ('%(phrase)s', boost only)") % facts


def print_hit(console: Console, rank: int, hit: Hit) -> None:
    from rich.markup import escape

    tags = " · ".join(label(x) for x in (hit.kind, hit.polarity or hit.status, hit.category) if x)
    if hit.project:
        project = "%s (%s)" % (hit.project.code, label(hit.project.project_type) or _("type unknown"))
    else:
        project = _("no project")
    confidence = _("confidence %(value)s") % {"value": f"{hit.confidence:.2f}"}
    match = confidence if hit.strong else _("weak match · %(confidence)s") % {"confidence": confidence}
    console.print(f"[bold cyan]{rank}.[/] [bold]{escape(hit.title)}[/]  "
                  f"[dim]{match} · {escape(tags)}[/]")
    console.print(f"   {escape(hit.snippet)}")
    where = f"{hit.source.document}" + (f", {hit.source.location}" if hit.source.location else "")
    seen = "; " + _("seen in %(n)s projects") % {"n": hit.project_count} if hit.project_count > 1 else ""
    console.print(f"   [dim]{escape(project)} — {escape(where)}{seen}[/]\n")


@helps(N_("Past projects most like a new one: same type and industry, similar size, similar lessons."))
def similar_projects(
    description: str = typer.Argument("", help=N_("What the new project is about.")),
    project_type: Optional[str] = typer.Option(None, "--type", help=N_("Project type, e.g. 'CRM rollout'.")),
    industry: Optional[str] = typer.Option(None, help=N_("Industry, e.g. retail.")),
    budget: Optional[float] = typer.Option(None, help=N_("Planned budget (sets the size).")),
    limit: int = typer.Option(5, "--limit", "-n", min=1, max=50, help=N_("How many past projects to show.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print the matches as JSON.")),
) -> None:
    import json

    from cli.main import console, open_kb
    from search import ProjectProfile, SearchEngine

    profile = ProjectProfile(project_type=project_type, industry=industry, budget=budget, description=description)
    with for_machines(as_json):
        matches = SearchEngine(open_kb()).similar_projects(profile, limit=limit)
    if as_json:
        typer.echo(json.dumps([m.model_dump() for m in matches], indent=2))
        return
    if not matches:
        console.print(_("No past project is of the same type or industry, or close to this description."))
    for m in matches:
        p = m.project
        facts = ", ".join((label(p.project_type) or "-", p.industry or "-", label(p.outcome) or _("outcome unknown")))
        console.print(f"[bold]{p.code}[/] {p.name} [dim]({facts})[/]  "
                      + _("score %(score)s") % {"score": f"{m.score:.2f}"})
        if m.reasons:
            console.print("   " + "; ".join(_(reason) for reason in m.reasons))  # translated once search marks them
