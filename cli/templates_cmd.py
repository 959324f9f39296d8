"""`kb templates export DIR`: the PMO's standard templates, every one in every format it is offered in."""

from __future__ import annotations

from pathlib import Path

import typer

templates = typer.Typer(help="The PMO's standard templates (closure report, retrospective, risk register, lessons "
                             "register, status report), as the Templates page of the web app offers them.",
                        no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(templates, name="templates")


@templates.command("export")
def export(
    directory: Path = typer.Argument(..., metavar="DIR", help="Folder to write the templates to; it is created if "
                                                              "missing. Files of the same names are overwritten."),
) -> None:
    """Write every template in every format: closure-report.md/.docx, retrospective.md/.docx,
    risk-register.xlsx/.csv, lessons-register.xlsx/.csv and status-report.md/.docx/.xlsx.

    The keys, headings and column names are the ones ingestion reads, so a filled template ingests
    with no warning. Replace every [bracketed placeholder]; guidance is in Markdown comments, Word
    comments or the workbook's Guidance sheet, and says which parts are required: a document missing
    a required section or column, or leaving a required field empty, gets a warning when ingested."""
    from cli.main import console, fail
    from ingest.templates import TEMPLATES, render

    if directory.exists() and not directory.is_dir():
        fail(f"{directory} is a file, not a folder. Give a folder to write the templates to.")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for template in TEMPLATES:
            for ext in template.formats:
                path = directory / f"{template.name}.{ext}"
                path.write_bytes(render(template, ext))
                written.append(path.name)
    except OSError as exc:
        fail(f"Could not write to {directory} ({exc.strerror or exc}). Choose a folder you can write to.")
    console.print(f"Wrote {len(written)} templates to {directory}: {', '.join(written)}.")
