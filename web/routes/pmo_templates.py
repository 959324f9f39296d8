"""The Templates page: the PMO's standard templates to download, each in the formats it is read from.
The files are generated from ingest.templates on every request (they are small), so they always
match what ingestion reads. The files stay in English, the language the PMO writes its reports in
and the headings ingestion reads; the page around them is in the reader's language."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ingest.templates import BY_NAME, MEDIA_TYPES, TEMPLATES, render as render_template
from kb.errors import NotFound
from kb.i18n import N_, _
from web.templating import render

router = APIRouter(include_in_schema=False)

FORMAT_NAMES = {"md": N_("Markdown"), "docx": N_("Word"), "xlsx": N_("Excel"), "csv": N_("CSV")}

# ingest.templates' titles and purposes, as the page shows them (the files keep the English ones).
TEMPLATE_WORDS = {
    "closure-report": (N_("Closure report"), N_(
        "Written when a project closes: its outcome, dates and budget feed the delivery metrics, and each bullet "
        "of the lesson sections becomes a lesson.")),
    "retrospective": (N_("Retrospective"), N_(
        "A sprint or phase retrospective: each bullet of its three sections becomes a lesson (went well, went "
        "wrong, improvement).")),
    "risk-register": (N_("Risk register"), N_(
        "The live register of a running project (open risks are matched against past projects for early "
        "warnings) and, once closed, its record of what materialised.")),
    "lessons-register": (N_("Lessons register"), N_(
        "A lessons log kept during the project (PRINCE2 lessons log, PMBOK lessons register): one lesson per row.")),
    "status-report": (N_("Status report"), N_(
        "The weekly or monthly report of a running project: RAG, earned value, milestones, top risks and issues, "
        "and the decisions it needs. It feeds the project's status history and the portfolio.")),
}


def shown_templates() -> list[dict]:
    """Each template with its title and purpose in the reader's language."""
    out = []
    for t in TEMPLATES:
        title, purpose = TEMPLATE_WORDS.get(t.name, (t.title, t.purpose))
        # A purpose reworded in ingest.templates but not yet here is shown as written there, never stale.
        purpose = _(purpose) if purpose == t.purpose else t.purpose
        out.append({"template": t, "title": _(title) if title == t.title else t.title, "purpose": purpose})
    return out


@router.get("/templates")
def templates_page(request: Request):
    return render(request, "pmo_templates.html", templates=shown_templates(),
                  format_names={k: _(v) for k, v in FORMAT_NAMES.items()})


@router.get("/templates/{name}.{ext}")
def template_file(name: str, ext: str):
    template = BY_NAME.get(name)
    if template is None or ext not in template.formats:
        offered = ", ".join(f"{t.name}.{e}" for t in TEMPLATES for e in t.formats)
        raise NotFound(_("There is no template %(name)s. The Templates page (/templates) offers: %(offered)s.")
                       % {"name": f"{name}.{ext}", "offered": offered})
    return Response(render_template(template, ext), media_type=MEDIA_TYPES[ext],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"'})
