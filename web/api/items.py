"""/api/lessons and /api/risks: read, correct, similar items and feedback."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kb import queries
from kb.models import LessonPublic, LessonUpdate, RiskPublic, RiskUpdate
from search.models import Hit
from web.audit import update_item
from web.deps import EngineDep, KBDep, SessionDep, VisibilityDep, release
from web.forms import check_lesson_update, check_risk_update
from web.schemas import FeedbackIn, FeedbackOut, Limit

router = APIRouter(tags=["api"])


@router.get("/lessons/{lesson_id}", response_model=LessonPublic)
def api_lesson(lesson_id: int, session: SessionDep, visible: VisibilityDep):
    """One lesson (an unpublished one only for PMO admins)."""
    return queries.get_lesson(session=session, lesson_id=lesson_id, visible=visible).lesson


@router.patch("/lessons/{lesson_id}", response_model=LessonPublic)
def api_update_lesson(request: Request, lesson_id: int, update: LessonUpdate, kb: KBDep):
    """Correct tags, title or publication; corrected tags survive a re-upload of the document."""
    check_lesson_update(update)
    return update_item(request, kb, "lesson", lesson_id, update)


@router.get("/lessons/{lesson_id}/similar", response_model=list[Hit])
def api_similar_lessons(lesson_id: int, engine: EngineDep, session: SessionDep, visible: VisibilityDep,
                        limit: Limit = 5):
    """Lessons and risks closest in meaning to this lesson."""
    queries.get_lesson(session=session, lesson_id=lesson_id, visible=visible)  # a clean 404 for an unknown id
    release(session)
    return engine.more_like_this("lesson", lesson_id, limit=limit, visible=visible)


@router.post("/lessons/{lesson_id}/feedback", response_model=FeedbackOut)
def api_lesson_feedback(lesson_id: int, feedback: FeedbackIn, session: SessionDep, visible: VisibilityDep):
    """Mark a lesson helpful, or applied to a project (`kind: applied` with `project_id`)."""
    queries.add_feedback(session=session, lesson_id=lesson_id, kind=feedback.kind, project_id=feedback.project_id,
                         visible=visible)
    summary = queries.feedback_summary(session=session, lesson_id=lesson_id, visible=visible)
    return FeedbackOut(helpful=summary.helpful, applied=summary.applied)


@router.get("/risks/{risk_id}", response_model=RiskPublic)
def api_risk(risk_id: int, session: SessionDep, visible: VisibilityDep):
    """One risk (an unpublished one only for PMO admins)."""
    return queries.get_risk(session=session, risk_id=risk_id, visible=visible).risk


@router.patch("/risks/{risk_id}", response_model=RiskPublic)
def api_update_risk(request: Request, risk_id: int, update: RiskUpdate, kb: KBDep):
    """Correct a risk's tags, status or publication."""
    check_risk_update(update)
    return update_item(request, kb, "risk", risk_id, update)
