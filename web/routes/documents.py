"""Documents: the list, one document rendered for reading, its original file,
and the review list of what was extracted from it."""

from __future__ import annotations

import math

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from kb import queries
from web.deps import SessionDep, SettingsDep
from web.rendering import register_table, render_document_html
from web.templating import render

router = APIRouter(include_in_schema=False)

PER_PAGE = 25


@router.get("/documents")
def documents_page(request: Request, session: SessionDep, page: int = Query(1, ge=1, le=10_000),
                   kind: str = Query("", max_length=40)):
    listing = queries.list_documents(session=session, limit=PER_PAGE, offset=(page - 1) * PER_PAGE, kind=kind or None)
    pages = max(1, math.ceil(listing.total / PER_PAGE))
    return render(request, "documents.html", listing=listing, docs=listing.items, page=page, pages=pages, kind=kind)


@router.get("/documents/{document_id}")
def document_page(request: Request, document_id: int, session: SessionDep):
    doc = queries.get_document(session=session, document_id=document_id)
    summary = queries.document_summary(session=session, document_id=document_id)
    html, headings = render_document_html(doc.content)
    return render(request, "document.html", doc=doc, summary=summary, html=html, headings=headings,
                  table=register_table(doc.rows))


@router.get("/documents/{document_id}/original")
def document_original(document_id: int, session: SessionDep, settings: SettingsDep):
    path, filename, media_type = queries.original_file(session=session, data_dir=settings.data_dir,
                                                       document_id=document_id)
    return FileResponse(path, media_type=media_type, filename=filename, content_disposition_type="attachment")


@router.get("/documents/{document_id}/review")
def document_review(request: Request, document_id: int, session: SessionDep):
    summary = queries.document_summary(session=session, document_id=document_id)
    lessons, risks = queries.document_items(session=session, document_id=document_id)
    return render(request, "review.html", documents=[(summary, lessons, risks)],
                  next_url=f"/documents/{document_id}/review")
