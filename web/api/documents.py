"""/api/documents: the ingested documents, with their text and register rows."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ingest import restore_version
from kb import queries
from kb.models import DocumentPublic, DocumentVersionPublic
from kb.store import Deletion
from web import audit
from web.deps import KBDep, ServicesDep, SessionDep, VisibilityDep
from web.schemas import FileReportOut, Limit, Offset, ProjectIdQuery

router = APIRouter(tags=["api"])


@router.get("/documents", response_model=queries.Page[queries.DocumentSummary])
def api_documents(session: SessionDep, visible: VisibilityDep, limit: Limit = 20, offset: Offset = 0,
                  kind: str | None = None, project_id: ProjectIdQuery = None):
    """Documents, most recently ingested first, without their text."""
    return queries.list_documents(session=session, limit=limit, offset=offset, kind=kind, project_id=project_id,
                                  visible=visible)


@router.get("/documents/{document_id}", response_model=DocumentPublic)
def api_document(document_id: int, session: SessionDep, visible: VisibilityDep):
    """A document with its readable text (`content`) and, for registers, its `rows`."""
    return queries.get_document(session=session, document_id=document_id, visible=visible)


@router.get("/documents/{document_id}/versions", response_model=list[DocumentVersionPublic])
def api_document_versions(document_id: int, session: SessionDep, visible: VisibilityDep):
    """Every version of a document, the current one first (`replaced_at` is null for it)."""
    return queries.document_versions(session=session, document_id=document_id, visible=visible)


@router.post("/documents/{document_id}/versions/{version}/restore", response_model=FileReportOut)
def api_restore_version(request: Request, document_id: int, version: int, services: ServicesDep):
    """Make an earlier version current again. It is ingested as the next version, so the version it
    replaces is kept too; lessons still in it keep their corrections and feedback."""
    with services.ingest_lock:
        report = restore_version(services.kb, document_id, version)
    audit.restored(request, document_id, version, report)
    return FileReportOut.of(report)


@router.delete("/documents/{document_id}", response_model=Deletion)
def api_delete_document(request: Request, document_id: int, services: ServicesDep):
    """Delete a document with every version, its lessons, risks, their feedback, vectors and original files."""
    with services.ingest_lock:
        removed = services.kb.delete_document(document_id)
    audit.record(request, "delete", f"document {document_id}", before=removed.model_dump())
    return removed
