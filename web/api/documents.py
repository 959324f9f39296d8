"""/api/documents: the ingested documents, with their text and register rows."""

from __future__ import annotations

from fastapi import APIRouter

from kb import queries
from kb.models import DocumentPublic
from web.deps import SessionDep
from web.schemas import Limit, Offset

router = APIRouter(tags=["api"])


@router.get("/documents", response_model=queries.Page[queries.DocumentSummary])
def api_documents(session: SessionDep, limit: Limit = 20, offset: Offset = 0, kind: str | None = None,
                  project_id: int | None = None):
    """Documents, most recently ingested first, without their text."""
    return queries.list_documents(session=session, limit=limit, offset=offset, kind=kind, project_id=project_id)


@router.get("/documents/{document_id}", response_model=DocumentPublic)
def api_document(document_id: int, session: SessionDep):
    """A document with its readable text (`content`) and, for registers, its `rows`."""
    return queries.get_document(session=session, document_id=document_id)
