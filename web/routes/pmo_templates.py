"""The Templates page: the PMO's standard templates to download, each in the formats it is read from.
The files are generated from ingest.templates on every request (they are small), so they always
match what ingestion reads."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ingest.templates import BY_NAME, MEDIA_TYPES, TEMPLATES, render as render_template
from kb.errors import NotFound
from web.templating import render

router = APIRouter(include_in_schema=False)

FORMAT_NAMES = {"md": "Markdown", "docx": "Word", "xlsx": "Excel", "csv": "CSV"}


@router.get("/templates")
def templates_page(request: Request):
    return render(request, "pmo_templates.html", templates=TEMPLATES, format_names=FORMAT_NAMES)


@router.get("/templates/{name}.{ext}")
def template_file(name: str, ext: str):
    template = BY_NAME.get(name)
    if template is None or ext not in template.formats:
        offered = ", ".join(f"{t.name}.{e}" for t in TEMPLATES for e in t.formats)
        raise NotFound(f"There is no template {name}.{ext}. The Templates page (/templates) offers: {offered}.")
    return Response(render_template(template, ext), media_type=MEDIA_TYPES[ext],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"'})
