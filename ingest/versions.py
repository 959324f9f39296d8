"""Restoring an earlier version of a document: its kept original is ingested again and
becomes the next version, so restoring is itself undoable and nothing is lost."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import select

from ingest.pipeline import FileReport, ingest_bytes
from kb.errors import DocumentNotFound
from kb.i18n import _
from kb.models import Document, Project

if TYPE_CHECKING:
    from kb.store import KnowledgeBase


def restore_version(kb: KnowledgeBase, document_id: int, version: int) -> FileReport:
    """Make version `version` of a document its current version again (as version N+1)."""
    path, name, _media = kb.version_file(document_id, version)
    with kb.session() as session:
        doc = session.get(Document, document_id)
        if doc is None:
            raise DocumentNotFound(_("No document with id %(id)s.") % {"id": document_id})
        code = session.exec(select(Project.code).where(Project.id == doc.project_id)).first() \
            if doc.project_id else None
        if doc.version == version:
            return FileReport(name, "unchanged",
                              reason=_("version %(version)s is already the current version") % {"version": version},
                              document_id=doc.id)
    report = ingest_bytes(kb, doc.source_name, path.read_bytes(), kind_hint=doc.kind, project=code)
    if report.outcome == "replaced":
        report.reason = _("version %(version)s restored as version %(new)s; version %(old)s is kept and can be "
                          "restored in turn") % {"version": version, "new": doc.version + 1, "old": doc.version}
    return report
