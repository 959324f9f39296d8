"""Writing the audit log from the web layer: who (the signed-in user), what, before and after.

Routes that change the knowledge base call these after the change has succeeded, so a
refused or failed request leaves no event claiming it happened."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import Request
from sqlmodel import select

from kb import access, accounts
from kb.models import Lesson, LessonUpdate, Risk, RiskUpdate, utcnow
from kb.store import KnowledgeBase
from web.auth import AUDIENCE


def actor(request: Request) -> str | None:
    who = request.scope.get(AUDIENCE)
    return who.user if who is not None else None


def record(request: Request, action: str, target: str, before: Any = None, after: Any = None) -> None:
    kb: KnowledgeBase = request.app.state.services.kb
    with kb.session() as session:
        accounts.record(session=session, actor=actor(request), action=action, target=target,
                        before=before, after=after)


def update_item(request: Request, kb: KnowledgeBase, kind: str, item_id: int, update: LessonUpdate | RiskUpdate):
    """`kb.update_lesson` / `kb.update_risk`, recorded as a tag correction or a publication change
    with the changed fields as they were and as they are now."""
    fields = update.model_dump(exclude_unset=True)
    with kb.session() as session:
        old = session.get(Lesson if kind == "lesson" else Risk, item_id)
        before = {name: _plain(getattr(old, name, None)) for name in fields} if old is not None else None
    item = kb.update_lesson(item_id, update) if kind == "lesson" else kb.update_risk(item_id, update)
    after = {name: _plain(getattr(item, name, None)) for name in fields}
    if before != after:
        action = ("publish" if after["published"] else "unpublish") if set(fields) == {"published"} else "tags"
        record(request, action, f"{kind} {item_id}", before, after)
    return item


def _plain(value: Any) -> Any:
    """A value as JSON can hold it (dates and enums as text)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def restored(request: Request, document_id: int, version: int, report) -> None:
    """A restore that stored something (an unchanged or rejected restore changed nothing)."""
    if report.outcome in ("ingested", "replaced"):
        record(request, "restore", f"document {document_id}", before={"restored_version": version},
               after={"outcome": report.outcome, "reason": report.reason or None})


def ingested(request: Request, reports: list, project: str | None) -> None:
    """One event per stored file: `ingest` for a new document, `replace` for a new version of one."""
    for report in reports:
        if getattr(report, "preview", False) or report.outcome not in ("ingested", "replaced"):
            continue
        action = "ingest" if report.outcome == "ingested" else "replace"
        record(request, action, f"document {report.document_id} ({report.name})",
               before={"replaced": report.reason} if action == "replace" else None,
               after={"lessons": report.lessons, "risks": report.risks, "project": project})


def theme_edit(request: Request, edit, *, undone: bool = False) -> None:
    """A rename, merge or split (`edit`, the kb.models.ThemeOverride), or the undo of one."""
    if edit is None:
        return
    # A split's centroids are vectors: the audit keeps what a person reads.
    payload = {k: v for k, v in (edit.payload or {}).items() if k != "centroids"}
    if undone:
        record(request, "theme", f"undo {edit.action}", before=payload)
    else:
        record(request, "theme", edit.action, after=payload)


def set_access(request: Request, session, project, *, confidential: bool | None, shared_with: list | None) -> None:
    """`kb.access.set_access`, recorded as a confidentiality change with who could see it before and after."""
    def state() -> dict:
        return {"confidential": project.confidential,
                "shared_with": [f"{s.principal}={s.level}" for s in access.shares(session, project.id)]}

    before = state()
    access.set_access(session, project, confidential=confidential, shared_with=shared_with)
    record(request, "confidentiality", f"project {project.code}", before=before, after=state())


JUST_NOW = timedelta(minutes=15)


def deleted_just_now(request: Request, session, kind: str, name: str) -> str:
    """`name` when the person asking deleted the `kind` ("document", "project") of that name in the last
    15 minutes, else "": the name a page confirms as deleted comes from the audit log, not from the
    address, where anyone could write a message of their own for the page to show."""
    who = actor(request)
    if not name or who is None:
        return ""
    events = session.exec(select(accounts.AuditEvent.target).where(
        accounts.AuditEvent.action == "delete", accounts.AuditEvent.actor == who,
        accounts.AuditEvent.at >= utcnow() - JUST_NOW).order_by(accounts.AuditEvent.id.desc()).limit(50)).all()
    return name if any(t.startswith(f"{kind} ") and t.endswith(f" ({name})") for t in events) else ""
