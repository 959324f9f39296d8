"""`kb warnings`: the early warnings of an active project, as its project page shows them."""

from __future__ import annotations

import typer

from cli.language import for_machines, helps, label
from kb.i18n import N_, _, ngettext


def register(app: typer.Typer) -> None:
    app.command("warnings")(warnings)


@helps(N_("Early warnings for an active project (no actual end, no outcome): each open risk of its live risk "
          "register that materialised on past projects, with those projects, what happened there and what they "
          "recommend, each cited to its document and row or section. Highest rank (severity × closeness × past "
          "projects) first. A past project counts when its materialised risk or \"went wrong\" lesson is close in "
          "meaning: projects of the same type from cosine 0.60, other types only from 0.65 (see the README)."))
def warnings(
    code: str = typer.Argument(..., metavar="PROJECT_CODE", help=N_("The code of an active project, e.g. CRM-2027.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON (the shape of GET "
                                                          "/api/projects/{id}/warnings).")),
) -> None:
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
        fail(_("No project with code %(code)s. The /projects page (or GET /api/projects) lists the project codes.")
             % {"code": code})
    with for_machines(as_json):
        found = project_warnings(SearchEngine(kb), project.id, record=True)
    if not found.active:
        fail(_("%(code)s is closed (it has an actual end date or an outcome): early warnings are for active "
               "projects. Its lessons and risks are precedents for the projects still running.")
             % {"code": project.code})
    if as_json:
        typer.echo(found.model_dump_json(indent=2))
        return
    print_warnings(console, found)


def print_warnings(console, found) -> None:
    from rich.markup import escape

    p = found.project
    if not found.warnings:
        if found.open_items:
            console.print(_("%(code)s: no early warnings (none of its %(n)s open risks materialised on a past project "
                            "closely enough).") % {"code": escape(p.code), "n": found.open_items})
        else:
            console.print(_("%(code)s: no early warnings (it has no open risks recorded).") % {"code": escape(p.code)})
        return
    count = ngettext("%(num)s of %(total)s open risks has precedent.",
                     "%(num)s of %(total)s open risks have precedent.",
                     len(found.warnings)) % {"num": len(found.warnings), "total": found.open_items}
    console.print(f"[bold]{escape(p.code)} · {escape(p.name)}[/]: {count}")
    for n, w in enumerate(found.warnings, 1):
        console.print(f"\n[bold]{n}. {escape(w.title)}[/] [dim]({_severity(w)} · {escape(_cite(w.citation))})[/]")
        console.print(f"   [yellow]{escape(w.headline)}[/]")
        for pr in w.precedents:
            project_type = label(pr.project.project_type) or _("no type")
            console.print(f"   - {escape(pr.project.code)} ({escape(project_type)})")
            for it in pr.items:
                print_precedent_item(console, it)


def _severity(warning) -> str:
    if warning.severity is None:
        return _("severity unknown")
    severity = _("severity %(score)s/25") % {"score": f"{warning.severity:g}"}
    return _("%(severity)s, high") % {"severity": severity} if warning.high else severity


def print_precedent_item(console, it) -> None:
    """One materialised risk or "went wrong" lesson of a past project, with what happened and what they advise."""
    from rich.markup import escape

    kind = _("materialised risk") if it.kind == "risk" else _("went wrong")
    closeness = _("cosine %(value)s") % {"value": f"{it.similarity:.2f}"}
    console.print(f"     {kind}: {escape(it.title)} [dim]({closeness}; {escape(_cite(it.source))})[/]")
    if it.what_happened:
        console.print("       " + _("what happened: %(text)s") % {"text": escape(it.what_happened)})
    if it.recommendation:
        advice = _("their response: %(text)s") if it.kind == "risk" else _("they recommend: %(text)s")
        console.print("       " + advice % {"text": escape(it.recommendation)})


def _cite(source) -> str:
    return source.document + (f", {source.location}" if source.location else "")
