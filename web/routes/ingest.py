"""The ingest page (PMO): upload several files, watch the batch, review what was extracted."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from kb import queries
from kb.access import Audience, Visibility
from kb.errors import NotFound
from kb.i18n import _
from web.audit import ingested, record
from web.deps import AudienceDep, ServicesDep, SessionDep, VisibilityDep
from web.jobs import IngestJob, JobRunner
from web.templating import render
from web.uploads import OUTCOME_WORDS, claim_project, ingest_uploads, only_project, queue_uploads, read_uploads

router = APIRouter(include_in_schema=False)

INLINE_WAIT_SECONDS = 3.0
"""A small batch usually finishes within this; the user then lands straight on the results."""

ACCEPT = ".md,.markdown,.docx,.pdf,.csv,.xlsx,.jsonl"


def jobs(request: Request) -> JobRunner:
    return request.app.state.jobs


@router.get("/ingest")
def ingest_page(request: Request, session: SessionDep, visible: VisibilityDep, audience: AudienceDep):
    recent = [job for job in jobs(request).recent(limit=20) if job_shown(session, job, audience, visible)][:5]
    return render(request, "ingest.html", accept=ACCEPT, recent=recent,
                  projects=queries.project_choices(session=session, visible=visible), **OUTCOME_WORDS)


@router.post("/ingest")
def upload(request: Request, services: ServicesDep, audience: AudienceDep,
           files: Annotated[list[UploadFile | str], File()] = [],
           project: Annotated[str, Form(max_length=64)] = "", preview: Annotated[bool, Form()] = False):
    project = claim_project(services, audience, project, preview=True, files=files)  # may they? (403 first)
    if preview:
        return preview_page(request, services, files, project, only_project(audience))
    job = queue_uploads(jobs(request), files, services.settings.max_upload_mb * 1024 * 1024, owner=audience.user,
                        only_project=only_project(audience),
                        project=lambda: claim_project(services, audience, project, preview=False, files=files))
    record(request, "upload", f"batch {job.id}", after={"files": list(job.names), "project": project})
    if job.finished_event.wait(INLINE_WAIT_SECONDS):
        ingested(request, job.reports, project)
    return RedirectResponse(f"/ingest/jobs/{job.id}", status_code=303)


def preview_page(request: Request, services: ServicesDep, files: list[UploadFile | str], project: str | None,
                 confined: bool):
    """What uploading these files would do, worked out without storing anything (parsing only, so
    it answers at once): which are new, unchanged, or replace which version of which document."""
    uploads = read_uploads(files, services.settings.max_upload_mb * 1024 * 1024)
    reports = list(ingest_uploads(services, uploads, project=project, preview=True, only_project=confined))
    return render(request, "ingest_preview.html", reports=reports, project=project, accept=ACCEPT, **OUTCOME_WORDS)


@router.get("/ingest/jobs/{job_id}")
def job_page(request: Request, job_id: str, session: SessionDep, visible: VisibilityDep, audience: AudienceDep):
    job = jobs(request).get(job_id)
    if job is None or not job_shown(session, job, audience, visible):
        raise NotFound(_("That upload batch is no longer known: batch reports are kept for a week (the last 50). "
                         "Its documents are listed under Documents."))
    return render(request, "ingest_job.html", partial="_ingest_job.html", job=job,
                  documents=review_documents(session, job, visible) if job.finished else [],
                  next_url=f"/ingest/jobs/{job.id}", **OUTCOME_WORDS)


def job_shown(session: Session, job: IngestJob, audience: Audience, visible: Visibility) -> bool:
    """Whether a batch may be shown: to the PMO and its uploader always; to anyone else once it has
    finished and every document it stored is one they may see (its file names could name a
    confidential project)."""
    if not visible.restricted or (job.owner is not None and job.owner == audience.user):
        return True
    if not job.finished or any(r.document_id is None for r in job.reports):
        return False
    try:
        for report in job.reports:
            queries.visible_document(session, report.document_id, visible)
    except NotFound:
        return False
    return True


def review_documents(session: Session, job: IngestJob, visible: Visibility) -> list:
    """What each newly stored document yielded, for the review list (those the audience may see)."""
    out = []
    for report in job.reports:
        if report.document_id and report.outcome in ("ingested", "replaced"):
            try:
                summary = queries.document_summary(session=session, document_id=report.document_id, visible=visible)
            except NotFound:  # deleted since, or of a project the audience may not see
                continue
            out.append((summary, *queries.document_items(session=session, document_id=report.document_id,
                                                         visible=visible)))
    return out
