"""`kb export` and `kb import`: the whole knowledge base in one archive file, and back."""

from __future__ import annotations

from pathlib import Path

import typer

STEPS = {"tables": "Copying tables", "files": "Copying original files", "verifying": "Checking the archive",
         "indexing": "Rebuilding the vector index"}


def register(app: typer.Typer) -> None:
    app.command("export")(export)
    app.command("import")(import_)


def export(
    path: Path = typer.Argument(..., help="The archive file to write, e.g. kb-backup-2025-06-30.zip.",
                                dir_okay=False),
    force: bool = typer.Option(False, "--force", help="Overwrite PATH if it already exists."),
) -> None:
    """Back up the whole knowledge base to one archive file (a zip).

    The archive holds every SQL table (documents, lessons, risks, projects, the
    PMO's tag corrections and unpublished items, feedback, kickoff packs, theme
    edits, the search log), every original file, and a manifest with checksums.
    Vectors are not included: `kb import` rebuilds them. Safe while `kb serve`
    is running: the database is read from one consistent snapshot.
    """
    from kb.backup import BackupError, export_archive

    from cli.main import console, fail, open_kb

    kb = open_kb()
    try:
        with _progress() as update:
            summary = export_archive(kb, path, progress=update, overwrite=force)
    except BackupError as exc:
        fail(str(exc))
    console.print(_tables(summary.tables))
    console.print(f"Wrote {path}: {sum(summary.tables.values())} rows in {len(summary.tables)} tables and "
                  f"{summary.files} original files ({_size(summary.size_bytes)}).", soft_wrap=True)
    _warn(summary.warnings)


def import_(
    path: Path = typer.Argument(..., help="An archive written by kb export.", dir_okay=False),
) -> None:
    """Restore an archive written by `kb export` into an EMPTY knowledge base.

    The target is the one your settings point at (KB_DATA_DIR, and KB_DATABASE_URL
    and KB_CHROMA_URL if set); it must be empty (no documents, lessons or other
    records yet), else nothing is changed. Every table and file is checked against the archive's
    checksums before anything is written, and the vector index is rebuilt with
    the configured embedding model. All or nothing: if anything fails, the
    target is left empty.
    """
    from kb.backup import BackupError, import_archive, location
    from kb.settings import Settings
    from kb.store import create_embedder

    from cli.main import console, fail

    settings = Settings()
    try:
        with _progress() as update:
            summary = import_archive(settings, path, create_embedder(settings), progress=update)
    except BackupError as exc:
        fail(str(exc))
    console.print(_tables(summary.tables))
    console.print(f"Restored {sum(summary.tables.values())} rows and {summary.files} original files into "
                  f"{location(settings)}; indexed {summary.items_indexed} lessons and risks.", soft_wrap=True)
    _warn(summary.notes)


class _progress:
    """A rich progress bar on stderr (when it is a terminal) fed by (step, done, total) callbacks."""

    def __enter__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from cli.main import err

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=err, transient=True, disable=not err.is_terminal)
        self.bar.__enter__()
        self.tasks: dict[str, int] = {}
        return self.update

    def update(self, step: str, done: int, total: int) -> None:
        if step not in self.tasks:
            self.tasks[step] = self.bar.add_task(STEPS.get(step, step), total=total)
        self.bar.update(self.tasks[step], completed=done, total=total)

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)


def _tables(counts: dict[str, int]):
    from rich.table import Table

    table = Table(show_header=True, header_style="bold", box=None)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in counts.items():
        table.add_row(name, str(rows))
    return table


def _warn(messages: list[str]) -> None:
    from rich.markup import escape

    from cli.main import console

    for message in messages:
        console.print(f"[yellow]warning:[/] {escape(message)}")


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(n // 1024, 1)} KB"
