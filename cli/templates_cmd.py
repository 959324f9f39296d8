"""`kb templates export DIR`: the PMO's standard templates, every one in every format it is offered in."""

from __future__ import annotations

from pathlib import Path

import typer

from kb.i18n import N_, _

templates = typer.Typer(help=N_("The PMO's standard templates (closure report, retrospective, risk register, lessons "
                                "register, status report), as the Templates page of the web app offers them."),
                        no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(templates, name="templates")


@templates.command("export", help=N_(
    "Write every template in every format: closure-report.md/.docx, retrospective.md/.docx, "
    "risk-register.xlsx/.csv, lessons-register.xlsx/.csv and status-report.md/.docx/.xlsx.\n\n"
    "The keys, headings and column names are the ones ingestion reads, so a filled template ingests with no "
    "warning. Replace every [bracketed placeholder]; guidance is in Markdown comments, Word comments or the "
    "workbook's Guidance sheet, and says which parts are required: a document missing a required section or "
    "column, or leaving a required field empty, gets a warning when ingested."))
def export(
    directory: Path = typer.Argument(..., metavar="DIR", help=N_("Folder to write the templates to; it is created "
                                                                 "if missing. Files of the same names are "
                                                                 "overwritten.")),
) -> None:
    from cli.main import console, fail
    from ingest.templates import TEMPLATES, render

    if directory.exists() and not directory.is_dir():
        fail(_("%(path)s is a file, not a folder. Give a folder to write the templates to.") % {"path": directory})
    try:
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for template in TEMPLATES:
            for ext in template.formats:
                path = directory / f"{template.name}.{ext}"
                path.write_bytes(render(template, ext))
                written.append(path.name)
    except OSError as exc:
        fail(_("Could not write to %(path)s (%(reason)s). Choose a folder you can write to.")
             % {"path": directory, "reason": exc.strerror or exc})
    console.print(_("Wrote %(n)s templates to %(path)s: %(files)s.")
                  % {"n": len(written), "path": directory, "files": ", ".join(written)})
