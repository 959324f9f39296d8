"""`kb export` and `kb import`: the whole knowledge base in one archive file, and back."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.language import helps
from kb.i18n import N_, _

STEPS = {"tables": N_("Copying tables"), "files": N_("Copying original files"), "verifying": N_("Checking the archive"),
         "indexing": N_("Rebuilding the vector index")}


def register(app: typer.Typer) -> None:
    app.command("export")(export)
    app.command("import")(import_)


@helps(N_("Back up the whole knowledge base to one archive file (a zip).\n\n"
          "The archive holds every SQL table (documents, lessons, risks, projects, the PMO's tag corrections and "
          "unpublished items, feedback, kickoff packs, theme edits, the search log), every original file, and a "
          "manifest with checksums. Vectors are not included: `kb import` rebuilds them. Safe while `kb serve` is "
          "running: the database is read from one consistent snapshot."))
def export(
    path: Path = typer.Argument(..., help=N_("The archive file to write, e.g. kb-backup-2025-06-30.zip."),
                                dir_okay=False),
    force: bool = typer.Option(False, "--force", help=N_("Overwrite PATH if it already exists.")),
) -> None:
    from kb.backup import BackupError, export_archive

    from cli.main import console, fail, open_kb

    kb = open_kb()
    try:
        with _progress() as update:
            summary = export_archive(kb, path, progress=update, overwrite=force)
    except BackupError as exc:
        fail(str(exc))
    console.print(_tables(summary.tables))
    console.print(_("Wrote %(path)s: %(rows)s rows in %(tables)s tables and %(files)s original files (%(size)s).")
                  % {"path": path, "rows": sum(summary.tables.values()), "tables": len(summary.tables),
                     "files": summary.files, "size": _size(summary.size_bytes)}, soft_wrap=True)
    _warn(summary.warnings)


@helps(N_("Restore an archive written by `kb export` into an EMPTY knowledge base.\n\n"
          "The target is the one your settings point at (KB_DATA_DIR, and KB_DATABASE_URL and KB_CHROMA_URL if "
          "set); it must be empty (no documents, lessons or other records yet), else nothing is changed. Every table "
          "and file is checked against the archive's checksums before anything is written, and the vector index is "
          "rebuilt with the configured embedding model. All or nothing: if anything fails, the target is left "
          "empty."))
def import_(
    path: Path = typer.Argument(..., help=N_("An archive written by kb export."), dir_okay=False),
) -> None:
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
    console.print(_("Restored %(rows)s rows and %(files)s original files into %(target)s; indexed %(items)s "
                    "lessons and risks.") % {"rows": sum(summary.tables.values()), "files": summary.files,
                                             "target": location(settings), "items": summary.items_indexed},
                  soft_wrap=True)
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
            self.tasks[step] = self.bar.add_task(_(STEPS[step]) if step in STEPS else step, total=total)
        self.bar.update(self.tasks[step], completed=done, total=total)

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)


def _tables(counts: dict[str, int]):
    from rich.table import Table

    table = Table(show_header=True, header_style="bold", box=None)
    table.add_column(_("table"))
    table.add_column(_("rows"), justify="right")
    for name, rows in counts.items():
        table.add_row(name, str(rows))
    return table


def _warn(messages: list[str]) -> None:
    from rich.markup import escape

    from cli.main import console

    for message in messages:
        console.print("[yellow]" + _("warning:") + f"[/] {escape(message)}")


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(n // 1024, 1)} KB"
