"""Documents: the list, one document rendered for reading, its original file,
and the review list of what was extracted from it."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, RedirectResponse

from ingest import restore_version
from ingest.compliance import stored_gaps
from kb import queries
from kb.errors import InvalidDocument
from kb.i18n import _, ngettext
from web import audit
from web.deps import KBDep, ServicesDep, SessionDep, SettingsDep, VisibilityDep, release
from web.schemas import MAX_LISTED
from web.rendering import register_table, render_document_html
from web.templating import render

router = APIRouter(include_in_schema=False)

PER_PAGE = 25


@router.get("/documents")
def documents_page(request: Request, session: SessionDep, visible: VisibilityDep,
                   page: int = Query(1, ge=1, le=MAX_LISTED // PER_PAGE),
                   kind: str = Query("", max_length=40), deleted: str = Query("", max_length=300)):
    listing = queries.list_documents(session=session, limit=PER_PAGE, offset=(page - 1) * PER_PAGE, kind=kind or None,
                                     visible=visible)
    pages = max(1, min(math.ceil(listing.total / PER_PAGE), MAX_LISTED // PER_PAGE))
    return render(request, "documents.html", listing=listing, docs=listing.items, page=page, pages=pages, kind=kind,
                  deleted=audit.deleted_just_now(request, session, "document", deleted))


@router.get("/documents/{document_id}")
def document_page(request: Request, document_id: int, kb: KBDep, session: SessionDep, visible: VisibilityDep,
                  restored: str = Query("", max_length=300), restored_as: str = Query("", max_length=300)):
    doc = queries.get_document(session=session, document_id=document_id, visible=visible)
    summary = queries.document_summary(session=session, document_id=document_id, visible=visible)
    html, headings = render_document_html(doc.content)
    withheld = queries.withheld(session=session, document_id=document_id, visible=visible)
    versions = queries.document_versions(session=session, document_id=document_id, visible=visible)
    return render(request, "document.html", doc=doc, summary=summary, html=html, headings=headings,
                  table=register_table(doc.rows), versions=versions,
                  restored=restored_notice(restored, restored_as, [v.version for v in versions]), withheld=_(queries.WITHHELD) if withheld else None,
                  template_gaps=[] if withheld else stored_gaps(kb, doc))


@router.get("/documents/{document_id}/versions/{version}/original")
def version_original(document_id: int, version: int, kb: KBDep, session: SessionDep, visible: VisibilityDep):
    queries.check_original(session=session, document_id=document_id, visible=visible)
    release(session)
    path, filename, media_type = kb.version_file(document_id, version)
    return FileResponse(path, media_type=media_type or "application/octet-stream", filename=filename,
                        content_disposition_type="attachment")


@router.post("/documents/{document_id}/versions/{version}/restore")
def restore(request: Request, document_id: int, version: int, services: ServicesDep):
    """Make an earlier version current again; it becomes the next version, so nothing is lost."""
    with services.ingest_lock:
        report = restore_version(services.kb, document_id, version)
    audit.restored(request, document_id, version, report)
    if report.outcome == "rejected":
        raise InvalidDocument(report.reason)
    # The page words the notice from these numbers: text in the address would let a link put anyone's words
    # in the app's own voice.
    done = {"restored": version} if report.outcome == "unchanged" else \
        {"restored": version, "restored_as": services.kb.document_versions(document_id)[0].version}
    return RedirectResponse(f"/documents/{document_id}?{urlencode(done)}", status_code=303)


def restored_notice(version: str, new: str, versions: list[int]) -> str | None:
    """The notice after a restore, only when the document's versions bear it out (newest first): the address can
    be written by anyone, so nothing of it but two version numbers the document has is shown."""
    if not version.isdigit() or int(version) not in versions:
        return None
    if not new:
        if int(version) != versions[0]:
            return None
        return _("Version %(version)s is already the current version; nothing changed.") % {"version": version}
    if not new.isdigit() or int(new) != versions[0] or int(version) >= int(new):
        return None
    return _("Version %(version)s restored as version %(new)s; version %(old)s is kept and can be restored in "
             "turn.") % {"version": version, "new": new, "old": int(new) - 1}


@router.get("/documents/{document_id}/delete")
def delete_confirm(request: Request, document_id: int, session: SessionDep, visible: VisibilityDep):
    summary = queries.document_summary(session=session, document_id=document_id, visible=visible)
    versions = len(queries.document_versions(session=session, document_id=document_id))
    return render(request, "delete_confirm.html",
                  question=_("Delete the document %(file)s?") % {"file": summary.source_name},
                  action=f"/documents/{document_id}/delete", back=f"/documents/{document_id}",
                  parts=[_items(summary.lessons, summary.risks),
                         ngettext("its %(num)s version and its original file",
                                  "all %(num)s versions and their original files", versions) % {"num": versions}])


@router.post("/documents/{document_id}/delete")
def delete_document(request: Request, document_id: int, services: ServicesDep):
    name = services.kb.document_versions(document_id)[0].source_name
    with services.ingest_lock:
        removed = services.kb.delete_document(document_id)
    audit.record(request, "delete", f"document {document_id} ({name})", before=removed.model_dump())
    return RedirectResponse(f"/documents?{urlencode({'deleted': name})}", status_code=303)


@router.get("/documents/{document_id}/original")
def document_original(document_id: int, session: SessionDep, settings: SettingsDep, visible: VisibilityDep):
    path, filename, media_type = queries.original_file(session=session, data_dir=settings.data_dir,
                                                       document_id=document_id, visible=visible)
    return FileResponse(path, media_type=media_type, filename=filename, content_disposition_type="attachment")


@router.get("/documents/{document_id}/review")
def document_review(request: Request, document_id: int, session: SessionDep, visible: VisibilityDep):
    summary = queries.document_summary(session=session, document_id=document_id, visible=visible)
    lessons, risks = queries.document_items(session=session, document_id=document_id, visible=visible)
    return render(request, "review.html", documents=[(summary, lessons, risks)],
                  next_url=f"/documents/{document_id}/review")


def _items(lessons: int, risks: int) -> str:
    """What deleting a document takes with it, as one whole sentence (Chinese orders it otherwise)."""
    if lessons and risks == 1:
        return ngettext("the %(num)s lesson and 1 risk extracted from it, with their tag corrections and feedback",
                        "the %(num)s lessons and 1 risk extracted from it, with their tag corrections and feedback",
                        lessons) % {"num": lessons}
    if lessons and risks:
        return ngettext("the %(num)s lesson and %(risks)s risks extracted from it, with their tag corrections and "
                        "feedback", "the %(num)s lessons and %(risks)s risks extracted from it, with their tag "
                        "corrections and feedback", lessons) % {"num": lessons, "risks": risks}
    if risks:
        return ngettext("the %(num)s risk extracted from it, with its tag corrections and feedback",
                        "the %(num)s risks extracted from it, with their tag corrections and feedback",
                        risks) % {"num": risks}
    return ngettext("the %(num)s lesson extracted from it, with its tag corrections and feedback",
                    "the %(num)s lessons extracted from it, with their tag corrections and feedback",
                    lessons) % {"num": lessons}
