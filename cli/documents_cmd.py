"""`kb documents`, `kb versions`, `kb restore` and `kb delete`: the documents of the knowledge
base, their kept versions, and removing a document or a project for good."""

from __future__ import annotations

from typing import Optional

import typer

delete_app = typer.Typer(help="Delete a document or a project for good: rows, vectors and original files.",
                         no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("documents")(documents)
    app.command("versions")(versions)
    app.command("restore")(restore)
    app.add_typer(delete_app, name="delete")


def documents(
    project: Optional[str] = typer.Option(None, "--project", metavar="CODE", help="Only this project's documents."),
    limit: int = typer.Option(50, "--limit", "-n", min=1, max=1000),
) -> None:
    """List stored documents with their id, project, kind and current version."""
    from rich.markup import escape

    from cli.main import console, open_kb
    from kb.queries import list_documents

    kb = open_kb()
    with kb.session() as session:
        project_id = _project_id(session, project) if project else None
        page = list_documents(session=session, limit=limit, project_id=project_id)
    table = _table("id", "project", "kind", "file", "version", "lessons", "risks")
    for d in page.items:
        table.add_row(str(d.id), escape(d.project_code or "—"), d.kind, escape(d.source_name), str(d.version),
                      str(d.lessons), str(d.risks))
    console.print(table if page.items else "No documents yet: add some with kb ingest.")
    if page.total > len(page.items):
        console.print(f"[dim]{len(page.items)} of {page.total}; use --limit to see more.[/]")


def versions(document_id: int = typer.Argument(..., help="The document's id (kb documents lists them).")) -> None:
    """List every version of a document, the current one first; earlier ones can be restored."""
    from cli.main import console, open_kb

    table = _table("version", "file", "lessons", "risks", "ingested", "replaced")
    for v in open_kb().document_versions(document_id):
        table.add_row(str(v.version), v.source_name, str(v.lessons), str(v.risks), f"{v.ingested_at:%Y-%m-%d %H:%M}",
                      f"{v.replaced_at:%Y-%m-%d %H:%M}" if v.replaced_at else "current")
    console.print(table)


def restore(
    document_id: int = typer.Argument(..., help="The document's id."),
    version: int = typer.Argument(..., help="The version to bring back (kb versions lists them)."),
) -> None:
    """Make an earlier version current again. It is ingested as the next version, so the
    version it replaces is kept too; lessons still in it keep their corrections and feedback."""
    from cli.main import console, fail, open_kb
    from ingest import restore_version

    report = restore_version(open_kb(), document_id, version)
    if report.outcome == "rejected":
        fail(report.reason)
    console.print(f"{report.outcome}: {report.reason} ({report.lessons} lessons, {report.risks} risks)")


@delete_app.command("document")
def delete_document(
    document_id: int = typer.Argument(..., help="The document's id (kb documents lists them)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete a document with every version: its lessons, risks, their feedback, vectors and original files."""
    from cli.main import console, open_kb

    kb = open_kb()
    name = kb.document_versions(document_id)[0].source_name
    _confirm(yes, f"Delete {name} (document {document_id}) with all its versions, lessons and risks?")
    gone = kb.delete_document(document_id)
    console.print(f"Deleted {name}: {gone.lessons} lessons, {gone.risks} risks, {gone.files} original files.")


@delete_app.command("project")
def delete_project(
    code: str = typer.Argument(..., help="The project's code."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete a project with all its documents (e.g. a ghost left by a typo in a project code).
    Kickoff packs made for it are kept, no longer linked to it."""
    from cli.main import console, open_kb

    kb = open_kb()
    with kb.session() as session:
        project_id = _project_id(session, code)
    _confirm(yes, f"Delete project {code} with all its documents, lessons and risks?")
    gone = kb.delete_project(project_id)
    console.print(f"Deleted project {code}: {gone.documents} documents, {gone.lessons} lessons, {gone.risks} risks, "
                  f"{gone.files} original files.")


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
        raise ProjectNotFound(f"No project with code {code}; kb documents lists the projects that have documents.")
    return found


def _confirm(yes: bool, question: str) -> None:
    if not yes and not typer.confirm(question, default=False):
        raise typer.Abort()
