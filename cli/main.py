"""`kb`: the command line of Lessons KB, and the one composition root.

Heavy libraries are imported inside the commands, so `kb --help` is quick.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, List, Optional

import typer
from rich.console import Console

from kb.errors import KBError
from kb.settings import Settings

if TYPE_CHECKING:
    from ingest import FileReport
    from kb.store import KnowledgeBase

app = typer.Typer(
    help="Lessons KB: turn closure reports, retrospectives and risk registers into a searchable "
         "body of lessons. Settings come from KB_* environment variables (see the README).",
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
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


@app.command()
def ingest(
    paths: List[Path] = typer.Argument(..., help="Files or folders. Folders are walked for .md, .docx, .pdf, "
                                                 ".csv, .xlsx and .jsonl files."),
    quiet_unchanged: bool = typer.Option(False, "--quiet-unchanged",
                                         help="Do not list files that were already stored unchanged."),
    project: Optional[str] = typer.Option(None, "--project", metavar="CODE",
                                          help="File documents that name no project of their own under this "
                                               "project code (a file naming another project is rejected)."),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help="Store nothing: report what each file would do (new, unchanged, or which "
                                      "version of which document it replaces)."),
) -> None:
    """Ingest closure reports, retrospectives, risk registers and lessons registers.

    Each file is stored whole or not at all. Re-ingesting a file changes nothing. A
    document is its project plus its file name: a changed file for the same project
    and name becomes the next version (the earlier one is kept: `kb versions`), while
    the same file name in another project is another document. Ends with a per-file
    report; exits with status 1 if any file was rejected.
    """
    from ingest import collect_files

    missing = [p for p in paths if not p.exists()]
    if missing:
        fail(f"no such file or folder: {', '.join(map(str, missing))}")
    files = collect_files(paths)
    if not files:
        fail("no supported files found (.md, .docx, .pdf, .csv, .xlsx, .jsonl).")
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
        overall = bar.add_task("Ingesting", total=len(files))
        embedding: list[int] = []  # the task of the file being embedded, if any

        def progress_for(name: str) -> Callable[[int, int], None]:
            bar.update(overall, description=f"Ingesting {name}")
            task = bar.add_task(f"  embedding {name}", total=None, visible=False)
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
    for col in ("file", "result", "lessons", "risks"):
        table.add_column(col, overflow="fold")
    shown = [r for r in reports if not (quiet_unchanged and r.outcome == "unchanged")]
    preview = any(r.preview for r in reports)
    for r in shown:
        outcome = f"would be {r.outcome}" if r.preview and r.outcome != "rejected" else r.outcome
        table.add_row(escape(r.name), f"[{style[r.outcome]}]{outcome}[/]", str(r.lessons), str(r.risks))
    if shown:
        console.print(table)
    for title, items in (("Replaced" if not preview else "Would replace",
                          [(r.name, r.reason) for r in reports if r.outcome == "replaced"]),
                         ("Rejected", [(r.name, r.reason) for r in reports if r.outcome == "rejected"]),
                         ("Warnings", [(r.name, w) for r in reports for w in r.warnings])):
        if items:
            console.print(f"\n[bold]{title}:[/]")
            for name, text in items:
                console.print(f"  [bold]{escape(name)}[/]: {escape(text)}")
    counts = {k: sum(r.outcome == k for r in reports) for k in style}
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n) or "nothing to do"
    console.print(f"Preview, nothing was stored: {summary}" if preview else summary)


@app.command()
def reindex(
    full: bool = typer.Option(False, "--full", help="Rewrite every vector index entry, not only those that "
                                                    "differ from SQL."),
) -> None:
    """Repair everything derived from the SQL database: re-embed lessons and risks whose vector is
    missing, stale or from another model (after changing KB_EMBEDDING_MODEL), rewrite the vector
    index (Chroma) from SQL, and delete original files nothing references."""
    from rich.progress import Progress

    kb = open_kb()
    with Progress(console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("Re-embedding", total=None)
        done = kb.reindex(progress=lambda n, total: bar.update(task, completed=n, total=total),
                          stage=lambda name: bar.reset(task, description=name, total=None), full=full)
    console.print(f"Re-embedded {done.embedded} of {done.items} lessons and risks with {kb.embedder.name}; "
                  f"wrote {done.indexed} vector index entries" + (" into a new vector index (the model or dimension changed)"
                                               if done.recreated else "") + ".")
    if done.vectors_dropped:
        console.print(f"Deleted {done.vectors_dropped} SQL vectors of lessons or risks that no longer exist.")
    console.print(f"Deleted {done.files_removed} original files nothing referenced.")


@app.command()
def doctor() -> None:
    """Check everything derived from the SQL database: each lesson's and risk's vector (model, text,
    dimension), the vector index, and the original files. Exits 1 if anything needs repair."""
    from rich.markup import escape

    kb = open_kb()
    report = kb.doctor()
    console.print(f"SQL: {report.sql_items} lessons and risks; vector index: {report.index_items} vectors; "
                  f"model: {escape(report.model)} ({report.dim} dimensions).")
    problems = report.problems()
    if not problems:
        console.print("[green]No drift: vectors, index and original files all match SQL.[/]")
        return
    for problem in problems:
        example = f" e.g. {escape(', '.join(problem.examples))}" if problem.examples else ""
        console.print(f"[red]{escape(problem.what)}[/]{example}\n  → {escape(problem.todo)}")
    raise typer.Exit(1)


KEEP_ALIVE_SECONDS = 75
"""How long an idle connection stays open. uvicorn's default of 5 s closed connections just as
clients that paused a few seconds between pages sent their next request (connection reset
by peer in the load bench with 1-5 s pauses); 75 s is what common proxies keep."""


@app.command()
def serve(
    host: Optional[str] = typer.Option(None, help="Interface to bind (default KB_HOST, 127.0.0.1)."),
    port: Optional[int] = typer.Option(None, help="Port (default KB_PORT, 8000)."),
    workers: int = typer.Option(1, min=1, help="Worker processes; more than 1 needs a Chroma server (KB_CHROMA_URL)."),
) -> None:
    """Serve the web app and the JSON API (OpenAPI at /docs)."""
    import uvicorn

    from web.app import create_app

    settings = Settings()
    host, port = host or settings.host, port or settings.port
    if workers > 1 and not settings.chroma_url:
        fail(f"--workers {workers} needs a Chroma server: the embedded store is not safe for several processes. "
             "Start one with `chroma run --path /srv/kb-chroma --port 8001` and set KB_CHROMA_URL=http://127.0.0.1:8001, "
             "or serve with --workers 1.")
    first_admin(settings)
    console.print(f"Serving Lessons KB on http://{host}:{port}" + (f" with {workers} workers" if workers > 1 else ""))
    if workers == 1:
        uvicorn.run(create_app(settings, warm=True), host=host, port=port, log_level="warning",
                    timeout_keep_alive=KEEP_ALIVE_SECONDS)
    else:
        # Each worker process builds its own app from the same KB_* environment.
        uvicorn.run("web.app:create_app_from_env", factory=True, workers=workers, host=host, port=port,
                    log_level="warning", timeout_keep_alive=KEEP_ALIVE_SECONDS)


def first_admin(settings: Settings) -> None:
    """On a store with no accounts, create the PMO admin `admin`; a generated password is printed this once."""
    from kb import accounts
    from kb.db import Session, create_db_engine

    engine = create_db_engine(settings)
    with Session(engine) as session:
        password = accounts.create_first_admin(session=session, password=settings.admin_password or None)
    engine.dispose()
    if password and not settings.admin_password:
        console.print(f"Created the PMO admin [bold]admin[/] with the one-time password [bold]{password}[/] "
                      "(it is not shown again; add people with `kb users add NAME --role viewer`).")
    elif password:
        console.print("Created the PMO admin [bold]admin[/] with the password in KB_ADMIN_PASSWORD.")


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
    try:
        app()
    except KBError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        sys.exit(1)


if __name__ == "__main__":
    sys.exit(main())
