"""`kb documents`, `kb versions`, `kb restore` and `kb delete`: the documents of the knowledge
base, their kept versions, and removing a document or a project for good."""

from __future__ import annotations

from typing import Optional

import typer

from cli.language import helps, label
from kb.i18n import N_, _, pgettext

delete_app = typer.Typer(help=N_("Delete a document or a project for good: rows, vectors and original files."),
                         no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("documents")(documents)
    app.command("versions")(versions)
    app.command("restore")(restore)
    app.add_typer(delete_app, name="delete")


@helps(N_("List stored documents with their id, project, kind and current version."))
def documents(
    project: Optional[str] = typer.Option(None, "--project", metavar="CODE",
                                          help=N_("Only this project's documents.")),
    limit: int = typer.Option(50, "--limit", "-n", min=1, max=1000, help=N_("How many documents to list.")),
) -> None:
    from rich.markup import escape

    from cli.main import console, open_kb
    from kb.queries import list_documents

    kb = open_kb()
    with kb.session() as session:
        project_id = _project_id(session, project) if project else None
        page = list_documents(session=session, limit=limit, project_id=project_id)
    table = _table(_("id"), _("project"), _("kind"), _("file"), _("version"), _("lessons"), _("risks"))
    for d in page.items:
        table.add_row(str(d.id), escape(d.project_code or "—"), label(d.kind), escape(d.source_name), str(d.version),
                      str(d.lessons), str(d.risks))
    console.print(table if page.items else _("No documents yet: add some with kb ingest."))
    if page.total > len(page.items):
        console.print("[dim]" + _("%(shown)s of %(total)s; use --limit to see more.")
                      % {"shown": len(page.items), "total": page.total} + "[/]")


@helps(N_("List every version of a document, the current one first; earlier ones can be restored."))
def versions(document_id: int = typer.Argument(..., help=N_("The document's id (kb documents lists them)."))) -> None:
    from cli.main import console, open_kb

    table = _table(_("version"), _("file"), _("lessons"), _("risks"), pgettext("when", "ingested"),
                   pgettext("when", "replaced"))
    for v in open_kb().document_versions(document_id):
        table.add_row(str(v.version), v.source_name, str(v.lessons), str(v.risks), f"{v.ingested_at:%Y-%m-%d %H:%M}",
                      f"{v.replaced_at:%Y-%m-%d %H:%M}" if v.replaced_at else _("current"))
    console.print(table)


@helps(N_("Make an earlier version current again. It is ingested as the next version, so the version it replaces "
          "is kept too; lessons still in it keep their corrections and feedback."))
def restore(
    document_id: int = typer.Argument(..., help=N_("The document's id.")),
    version: int = typer.Argument(..., help=N_("The version to bring back (kb versions lists them).")),
) -> None:
    from cli.main import console, fail, open_kb
    from ingest import restore_version

    report = restore_version(open_kb(), document_id, version)
    if report.outcome == "rejected":
        fail(report.reason)
    from cli.main import OUTCOMES

    console.print(_("%(outcome)s: %(reason)s (%(lessons)s lessons, %(risks)s risks)")
                  % {"outcome": _(OUTCOMES[report.outcome][0]), "reason": report.reason, "lessons": report.lessons,
                     "risks": report.risks})


@delete_app.command("document", help=N_("Delete a document with every version: its lessons, risks, their feedback, "
                                         "vectors and original files."))
def delete_document(
    document_id: int = typer.Argument(..., help=N_("The document's id (kb documents lists them).")),
    yes: bool = typer.Option(False, "--yes", "-y", help=N_("Do not ask for confirmation.")),
) -> None:
    from cli.main import console, open_kb

    kb = open_kb()
    name = kb.document_versions(document_id)[0].source_name
    _confirm(yes, _("Delete %(name)s (document %(id)s) with all its versions, lessons and risks?")
             % {"name": name, "id": document_id})
    gone = kb.delete_document(document_id)
    console.print(_("Deleted %(name)s: %(lessons)s lessons, %(risks)s risks, %(files)s original files.")
                  % {"name": name, "lessons": gone.lessons, "risks": gone.risks, "files": gone.files})


@delete_app.command("project", help=N_("Delete a project with all its documents (e.g. a ghost left by a typo in a "
                                        "project code). Kickoff packs made for it are kept, no longer linked to it."))
def delete_project(
    code: str = typer.Argument(..., help=N_("The project's code.")),
    yes: bool = typer.Option(False, "--yes", "-y", help=N_("Do not ask for confirmation.")),
) -> None:
    from cli.main import console, open_kb

    kb = open_kb()
    with kb.session() as session:
        project_id = _project_id(session, code)
    _confirm(yes, _("Delete project %(code)s with all its documents, lessons and risks?") % {"code": code})
    gone = kb.delete_project(project_id)
    console.print(_("Deleted project %(code)s: %(documents)s documents, %(lessons)s lessons, %(risks)s risks, "
                    "%(files)s original files.") % {"code": code, "documents": gone.documents,
                                                    "lessons": gone.lessons, "risks": gone.risks,
                                                    "files": gone.files})


def _table(*columns: str):
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")  # a narrow terminal wraps names, never cuts them
    return table


def _project_id(session, code: str) -> int:
    from sqlmodel import func, select

    from kb.errors import ProjectNotFound
    from kb.models import Project

    found = session.exec(select(Project.id).where(func.upper(Project.code) == code.strip().upper())).first()
    if found is None:
        raise ProjectNotFound(_("No project with code %(code)s; kb documents lists the projects that have "
                                "documents.") % {"code": code})
    return found


def _confirm(yes: bool, question: str) -> None:
    if not yes and not typer.confirm(question, default=False):
        raise typer.Abort()
