"""`kb`: the command line of Lessons KB, and the one composition root.

Heavy libraries are imported inside the commands, so `kb --help` is quick.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, List, Optional

import typer
from rich.console import Console

from cli.language import KBGroup, speaking
from kb.errors import KBError
from kb.i18n import N_, _, pgettext
from kb.settings import Settings

if TYPE_CHECKING:
    from ingest import FileReport
    from kb.store import KnowledgeBase

app = typer.Typer(
    cls=KBGroup,
    help=N_("Lessons KB: turn closure reports, retrospectives and risk registers into a searchable body of "
            "lessons. Settings come from KB_* environment variables (see the README); set KB_LANGUAGE=zh_CN "
            "for Chinese."),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
console = Console()
err = Console(stderr=True)


def open_kb(settings: Settings | None = None) -> KnowledgeBase:
    from kb.store import KnowledgeBase

    return KnowledgeBase.open(settings or Settings())


def fail(message: str, code: int = 1) -> None:
    err.print("[bold red]" + _("error:") + f"[/] {message}")
    raise typer.Exit(code)


OUTCOMES = {
    "ingested": (N_("ingested"), N_("would be ingested"), N_("%(n)s ingested")),
    "replaced": (N_("replaced"), N_("would be replaced"), N_("%(n)s replaced")),
    "unchanged": (N_("unchanged"), N_("would be unchanged"), N_("%(n)s unchanged")),
    "rejected": (N_("rejected"), N_("rejected"), N_("%(n)s rejected")),
}
"""Each outcome of a file: as stored, as previewed (--dry-run), and counted in the summary line."""


@app.command(help=N_("Ingest closure reports, retrospectives, risk registers and lessons registers.\n\n"
                     "Each file is stored whole or not at all. Re-ingesting a file changes nothing. A document is "
                     "its project plus its file name: a changed file for the same project and name becomes the "
                     "next version (the earlier one is kept: `kb versions`), while the same file name in another "
                     "project is another document. Ends with a per-file report; exits with status 1 if any file "
                     "was rejected."))
def ingest(
    paths: List[Path] = typer.Argument(..., help=N_("Files or folders. Folders are walked for .md, .docx, .pdf, "
                                                    ".csv, .xlsx and .jsonl files.")),
    quiet_unchanged: bool = typer.Option(False, "--quiet-unchanged",
                                         help=N_("Do not list files that were already stored unchanged.")),
    project: Optional[str] = typer.Option(None, "--project", metavar="CODE",
                                          help=N_("File documents that name no project of their own under this "
                                                  "project code (a file naming another project is rejected).")),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help=N_("Store nothing: report what each file would do (new, unchanged, or which "
                                         "version of which document it replaces).")),
) -> None:
    from ingest import collect_files

    missing = [p for p in paths if not p.exists()]
    if missing:
        fail(_("no such file or folder: %(paths)s") % {"paths": ", ".join(map(str, missing))})
    files = collect_files(paths)
    if not files:
        fail(_("no supported files found (.md, .docx, .pdf, .csv, .xlsx, .jsonl)."))
    reports = ingest_with_progress(open_kb(), files, project=project, preview=dry_run)
    print_reports(reports, quiet_unchanged)
    if any(r.outcome == "rejected" for r in reports):
        raise typer.Exit(1)


def ingest_with_progress(kb: KnowledgeBase, files: list[Path], **options) -> list[FileReport]:
    """Ingest `files` as one batch (the batch rules apply), with progress bars on a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ingest import ingest_batch

    reports: list[FileReport] = []
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        overall = bar.add_task(_("Ingesting"), total=len(files))
        embedding: list[int] = []  # the task of the file being embedded, if any

        def progress_for(name: str) -> Callable[[int, int], None]:
            bar.update(overall, description=_("Ingesting %(name)s") % {"name": name})
            task = bar.add_task("  " + _("embedding %(name)s") % {"name": name}, total=None, visible=False)
            embedding.append(task)
            return lambda done, total: bar.update(task, completed=done, total=total, visible=total > 256)

        for report in ingest_batch(kb, [(path.name, path) for path in files], progress_for=progress_for, **options):
            reports.append(report)
            while embedding:
                bar.remove_task(embedding.pop())
            bar.advance(overall)
    return reports


def print_reports(reports: list[FileReport], quiet_unchanged: bool) -> None:
    """A table of outcomes, then every rejection reason and warning in full (never truncated)."""
    from rich.markup import escape
    from rich.table import Table

    style = {"ingested": "green", "replaced": "cyan", "unchanged": "dim", "rejected": "bold red"}
    table = Table(show_header=True, header_style="bold", box=None)
    for col in (N_("file"), N_("result"), N_("lessons"), N_("risks")):
        table.add_column(_(col), overflow="fold")
    shown = [r for r in reports if not (quiet_unchanged and r.outcome == "unchanged")]
    preview = any(r.preview for r in reports)
    for r in shown:
        outcome = _(OUTCOMES[r.outcome][1 if r.preview else 0])
        table.add_row(escape(r.name), f"[{style[r.outcome]}]{outcome}[/]", str(r.lessons), str(r.risks))
    if shown:
        console.print(table)
    for title, items in ((_("Would replace") if preview else _("Replaced"),
                          [(r.name, r.reason) for r in reports if r.outcome == "replaced"]),
                         (_("Rejected"), [(r.name, r.reason) for r in reports if r.outcome == "rejected"]),
                         (_("Warnings"), [(r.name, w) for r in reports for w in r.warnings])):
        if items:
            console.print("\n[bold]" + _("%(title)s:") % {"title": title} + "[/]")
            for name, text in items:
                console.print(f"  [bold]{escape(name)}[/]: {escape(text)}")
    counts = {k: sum(r.outcome == k for r in reports) for k in style}
    counted = [_(OUTCOMES[k][2]) % {"n": n} for k, n in counts.items() if n]
    summary = pgettext("list separator", ", ").join(counted) or _("nothing to do")
    console.print(_("Preview, nothing was stored: %(summary)s") % {"summary": summary} if preview else summary)


@app.command(help=N_("Repair everything derived from the SQL database: re-embed lessons and risks whose vector is "
                     "missing, stale or from another model (after changing KB_EMBEDDING_MODEL), rewrite the vector "
                     "index (Chroma) from SQL, and delete original files nothing references."))
def reindex(
    full: bool = typer.Option(False, "--full", help=N_("Rewrite every vector index entry, not only those that "
                                                       "differ from SQL.")),
) -> None:
    from rich.progress import Progress

    kb = open_kb()
    with Progress(console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(_("Re-embedding"), total=None)
        done = kb.reindex(progress=lambda n, total: bar.update(task, completed=n, total=total),
                          stage=lambda name: bar.reset(task, description=_(name), total=None), full=full)
    facts = {"embedded": done.embedded, "items": done.items, "model": kb.embedder.name, "indexed": done.indexed}
    if done.recreated:
        console.print(_("Re-embedded %(embedded)s of %(items)s lessons and risks with %(model)s; wrote %(indexed)s "
                        "vector index entries into a new vector index (the model or dimension changed).") % facts)
    else:
        console.print(_("Re-embedded %(embedded)s of %(items)s lessons and risks with %(model)s; wrote %(indexed)s "
                        "vector index entries.") % facts)
    if done.vectors_dropped:
        console.print(_("Deleted %(n)s SQL vectors of lessons or risks that no longer exist.")
                      % {"n": done.vectors_dropped})
    console.print(_("Deleted %(n)s original files nothing referenced.") % {"n": done.files_removed})


@app.command(help=N_("Check everything derived from the SQL database: each lesson's and risk's vector (model, text, "
                     "dimension), the vector index, and the original files. Exits 1 if anything needs repair."))
def doctor() -> None:
    from rich.markup import escape

    kb = open_kb()
    report = kb.doctor()
    console.print(_("SQL: %(items)s lessons and risks; vector index: %(vectors)s vectors; model: %(model)s "
                    "(%(dim)s dimensions).") % {"items": report.sql_items, "vectors": report.index_items,
                                                "model": escape(report.model), "dim": report.dim})
    problems = report.problems()
    if not problems:
        console.print("[green]" + _("No drift: vectors, index and original files all match SQL.") + "[/]")
        return
    for problem in problems:
        example = (" " + _("e.g. %(examples)s") % {"examples": escape(", ".join(problem.examples))}
                   if problem.examples else "")
        console.print(f"[red]{escape(problem.what)}[/]{example}\n  → {escape(problem.todo)}")
    raise typer.Exit(1)


KEEP_ALIVE_SECONDS = 75
"""How long an idle connection stays open. uvicorn's default of 5 s closed connections just as
clients that paused a few seconds between pages sent their next request (connection reset
by peer in the load bench with 1-5 s pauses); 75 s is what common proxies keep."""


@app.command(help=N_("Serve the web app and the JSON API (OpenAPI at /docs)."))
def serve(
    host: Optional[str] = typer.Option(None, help=N_("Interface to bind (default KB_HOST, 127.0.0.1).")),
    port: Optional[int] = typer.Option(None, help=N_("Port (default KB_PORT, 8000).")),
    workers: int = typer.Option(1, min=1, help=N_("Worker processes; more than 1 needs a Chroma server "
                                                  "(KB_CHROMA_URL).")),
) -> None:
    import uvicorn

    from web.app import SERVER_OPTIONS, create_app

    settings = Settings()
    host, port = host or settings.host, port or settings.port
    if workers > 1 and not settings.chroma_url:
        fail(_("--workers %(workers)s needs a Chroma server: the embedded store is not safe for several processes. "
               "Start one with `chroma run --path /srv/kb-chroma --port 8001` and set "
               "KB_CHROMA_URL=http://127.0.0.1:8001, or serve with --workers 1.") % {"workers": workers})
    first_admin(settings)
    where = {"host": host, "port": port, "workers": workers}
    console.print(_("Serving Lessons KB on http://%(host)s:%(port)s with %(workers)s workers") % where
                  if workers > 1 else _("Serving Lessons KB on http://%(host)s:%(port)s") % where)
    if workers == 1:
        uvicorn.run(create_app(settings, warm=True), host=host, port=port, log_level="warning",
                    timeout_keep_alive=KEEP_ALIVE_SECONDS, **SERVER_OPTIONS)
    else:
        # Each worker process builds its own app from the same KB_* environment.
        uvicorn.run("web.app:create_app_from_env", factory=True, workers=workers, host=host, port=port,
                    log_level="warning", timeout_keep_alive=KEEP_ALIVE_SECONDS, **SERVER_OPTIONS)


def first_admin(settings: Settings) -> None:
    """On a store with no accounts, create the PMO admin `admin`; a generated password is printed this once."""
    from kb import accounts
    from kb.db import Session, create_db_engine

    engine = create_db_engine(settings)
    with Session(engine) as session:
        password = accounts.create_first_admin(session=session, password=settings.admin_password or None)
    engine.dispose()
    if password and not settings.admin_password:
        console.print(_("Created the PMO admin [bold]admin[/] with the one-time password [bold]%(password)s[/] "
                        "(it is not shown again; add people with `kb users add NAME --role viewer`).")
                      % {"password": password})
    elif password:
        console.print(_("Created the PMO admin [bold]admin[/] with the password in KB_ADMIN_PASSWORD."))


def _register_optional_commands() -> None:
    """Commands owned by other modules of this package (search, metrics, themes)."""
    import importlib

    for name in ("cli.search_cmd", "cli.insights_cmd", "cli.documents_cmd", "cli.backup_cmd", "cli.users_cmd",
                 "cli.warnings_cmd", "cli.portfolio_cmd", "cli.templates_cmd"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(app)


_register_optional_commands()


def main() -> None:
    with speaking():  # also for an error that ends the run outside click (below)
        try:
            app()
        except KBError as exc:
            err.print("[bold red]" + _("error:") + f"[/] {exc}")
            sys.exit(1)


if __name__ == "__main__":
    sys.exit(main())
