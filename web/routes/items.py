"""Lesson and risk pages: every field, where each was seen, similar items, tag
edits by the PMO, publishing, and the helpful / applied feedback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from kb import queries
from kb.errors import KBError
from kb.models import LessonUpdate, RiskUpdate
from search import warnings
from search.engine import SearchEngine
from search.models import Hit, Source
from kb.access import Visibility
from web.audit import update_item
from web.deps import EngineDep, KBDep, SessionDep, VisibilityDep, is_htmx, release
from web.forms import FeedbackForm, LessonTagsForm, PublishForm, RiskTagsForm, local_path
from web.templating import render

router = APIRouter(include_in_schema=False)

SIMILAR = 5


def similar_items(engine: SearchEngine, kind: str, item_id: int, visible: Visibility) -> list[Hit]:
    """Closest items in meaning; an empty list when the index does not know the item yet."""
    try:
        return engine.more_like_this(kind, item_id, limit=SIMILAR, visible=visible)
    except Exception:  # a just-written item may not be in the snapshot; the page still works
        return []


def seen_in(engine: SearchEngine, kind: str, own: Source, visible: Visibility) -> list[Source]:
    """Every source of this item: its own, then near-duplicates recorded on other projects."""
    try:
        return engine.sources_of(kind, own.item_id, visible=visible) or [own]
    except KBError:  # a just-written item may not be in the index yet
        return [own]


def own_source(item, detail) -> Source:
    doc, project = detail.document, detail.project
    return Source(document_id=doc.id, document=doc.source_name, kind=doc.kind, location=item.source_location,
                  anchor=item.source_anchor, project_code=project.code if project else None,
                  project_name=project.name if project else None, item_id=item.id)


def _after_post(request: Request, next_url: str, default: str, partial: str, **context):
    """htmx gets the updated fragment; a plain form post is sent back to the page (POST/redirect/GET)."""
    if is_htmx(request):
        return render(request, partial, **context)
    return RedirectResponse(local_path(next_url, default), status_code=303)


# --- lessons -------------------------------------------------------------------

@router.get("/lessons/{lesson_id}")
def lesson_page(request: Request, lesson_id: int, session: SessionDep, engine: EngineDep, visible: VisibilityDep):
    detail = queries.get_lesson(session=session, lesson_id=lesson_id, visible=visible)
    projects = queries.active_projects(session=session, visible=visible)
    release(session)
    similar = similar_items(engine, "lesson", lesson_id, visible)
    sources = seen_in(engine, "lesson", own_source(detail.lesson, detail), visible)
    return render(request, "lesson.html", detail=detail, lesson=detail.lesson, similar=similar, sources=sources,
                  projects=projects, feedback=detail.feedback)


@router.post("/lessons/{lesson_id}/tags")
def edit_lesson_tags(request: Request, lesson_id: int, form: Annotated[LessonTagsForm, Form()], kb: KBDep):
    lesson = update_item(request, kb, "lesson", lesson_id, form.to_update())
    return _after_post(request, form.next, f"/lessons/{lesson_id}", "_lesson_tags.html", lesson=lesson, saved=True)


@router.post("/lessons/{lesson_id}/publish")
def publish_lesson(request: Request, lesson_id: int, form: Annotated[PublishForm, Form()], kb: KBDep):
    lesson = update_item(request, kb, "lesson", lesson_id, LessonUpdate(published=form.published))
    return _after_post(request, form.next, f"/lessons/{lesson_id}", "_lesson_tags.html", lesson=lesson, saved=True)


@router.post("/lessons/{lesson_id}/feedback")
def lesson_feedback(request: Request, lesson_id: int, form: Annotated[FeedbackForm, Form()], session: SessionDep,
                    visible: VisibilityDep):
    queries.add_feedback(session=session, lesson_id=lesson_id, kind=form.kind, project_id=form.project(),
                         visible=visible)
    feedback = queries.feedback_summary(session=session, lesson_id=lesson_id, visible=visible)
    return _after_post(request, form.next, f"/lessons/{lesson_id}#feedback", "_feedback.html",
                       lesson_id=lesson_id, feedback=feedback,
                       projects=queries.active_projects(session=session, visible=visible),
                       thanks=form.kind)


# --- risks ---------------------------------------------------------------------

@router.get("/risks/{risk_id}")
def risk_page(request: Request, risk_id: int, session: SessionDep, engine: EngineDep, visible: VisibilityDep):
    detail = queries.get_risk(session=session, risk_id=risk_id, visible=visible)
    release(session)
    similar = similar_items(engine, "risk", risk_id, visible)
    sources = seen_in(engine, "risk", own_source(detail.risk, detail), visible)
    warning = warnings.risk_warning(engine, risk_id, visible=visible, record=True)
    return render(request, "risk.html", detail=detail, risk=detail.risk, similar=similar, sources=sources,
                  warning=warning)


@router.post("/risks/{risk_id}/tags")
def edit_risk_tags(request: Request, risk_id: int, form: Annotated[RiskTagsForm, Form()], kb: KBDep):
    risk = update_item(request, kb, "risk", risk_id, form.to_update())
    return _after_post(request, form.next, f"/risks/{risk_id}", "_risk_tags.html", risk=risk, saved=True)


@router.post("/risks/{risk_id}/publish")
def publish_risk(request: Request, risk_id: int, form: Annotated[PublishForm, Form()], kb: KBDep):
    risk = update_item(request, kb, "risk", risk_id, RiskUpdate(published=form.published))
    return _after_post(request, form.next, f"/risks/{risk_id}", "_risk_tags.html", risk=risk, saved=True)
