"""POST /api/ingest: upload files; the same path into the store as the ingest page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile

from web.audit import ingested
from web.deps import AudienceDep, ServicesDep
from web.schemas import FileReportOut
from web.uploads import claim_project, ingest_uploads, read_uploads

router = APIRouter(tags=["api"])


@router.post("/ingest", response_model=list[FileReportOut])
def api_ingest(request: Request, services: ServicesDep, audience: AudienceDep,
               files: Annotated[list[UploadFile | str], File()] = [],
               project: Annotated[str, Form(max_length=64)] = "", preview: Annotated[bool, Form()] = False):
    """Upload files (multipart, field `files`, repeatable); one report per file, in order.
    A rejected file is reported with its reason; nothing of it is stored. `project` files documents
    that name no project under that code; with `preview=true` nothing is stored and each report says
    what would happen (`preview: true`, e.g. "replaces version 2 of ..."). A project manager gives
    `project`: one they manage, or a new code, which becomes theirs (403 otherwise); when they give none,
    files whose names all start with the code of one project of theirs go to that project."""
    project = claim_project(services, audience, project, preview=preview, files=files)
    batch = read_uploads(files, services.settings.max_upload_mb * 1024 * 1024)
    reports = list(ingest_uploads(services, batch, project=project, preview=preview))
    ingested(request, reports, project)
    return reports
