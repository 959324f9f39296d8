"""Writing the audit log from the web layer: who (the signed-in user), what, before and after.

Routes that change the knowledge base call these after the change has succeeded, so a
refused or failed request leaves no event claiming it happened."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from kb import accounts
from kb.models import Lesson, LessonUpdate, Risk, RiskUpdate
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
