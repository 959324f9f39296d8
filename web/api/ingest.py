"""POST /api/ingest: upload files; the same path into the store as the ingest page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile

from kb.errors import StorageUnavailable
from kb.i18n import _
from web.audit import ingested
from web.deps import AudienceDep, ServicesDep
from web.jobs import JobRunner
from web.schemas import FileReportOut
from web.uploads import claim_project, ingest_uploads, only_project, queue_uploads, read_uploads

router = APIRouter(tags=["api"])


class StillQueued(StorageUnavailable):
    """The server stopped before the batch was ingested: it waits on disk for the next start (a 503)."""


@router.post("/ingest", response_model=list[FileReportOut])
def api_ingest(request: Request, services: ServicesDep, audience: AudienceDep,
               files: Annotated[list[UploadFile | str], File()] = [],
               project: Annotated[str, Form(max_length=64)] = "", preview: Annotated[bool, Form()] = False):
    """Upload files (multipart, field `files`, repeatable); one report per file, in order.
    A rejected file is reported with its reason; nothing of it is stored. `project` files documents
    that name no project under that code; with `preview=true` nothing is stored and each report says
    what would happen (`preview: true`, e.g. "replaces version 2 of ..."). A project manager gives
    `project`: one they manage, or a new code, which becomes theirs (403 otherwise); when they give none,
    files whose names all start with the code of one project of theirs go to that project.

    The files are queued like the ingest page's and ingested by its worker, at a lower priority
    than searches; the reply comes once the batch is done and searches find what it stored."""
    project = claim_project(services, audience, project, preview=preview, files=files)
    if preview:
        batch = read_uploads(files, services.settings.max_upload_mb * 1024 * 1024)
        return list(ingest_uploads(services, batch, project=project, preview=True,
                                   only_project=only_project(audience)))
    reports = queue_and_wait(request, services, files, project=project, owner=audience.user,
                             only_project=only_project(audience))
    ingested(request, reports, project)
    return reports


def queue_and_wait(request: Request, services: ServicesDep, files: list[UploadFile | str], *,
                   project: str | None, owner: str | None, only_project: bool = False) -> list[FileReportOut]:
    runner: JobRunner = request.app.state.jobs
    job = queue_uploads(runner, files, services.settings.max_upload_mb * 1024 * 1024, project=lambda: project,
                        owner=owner, only_project=only_project)
    if not runner.wait(job):
        raise StillQueued(_("The server is stopping: the upload is queued as batch %(batch)s and will be "
                            "ingested when it starts again; see /ingest/jobs/%(batch)s then.") % {"batch": job.id})
    return list(job.reports)
