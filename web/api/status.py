"""A project's status reports as JSON: RAG history, earned value, milestones, escalations, open items."""

from __future__ import annotations

from fastapi import APIRouter

from web.deps import SessionDep, VisibilityDep
from web.status import ProjectStatus, project_status

router = APIRouter(tags=["api"])


@router.get("/projects/{project_id}/status", response_model=ProjectStatus)
def api_project_status(project_id: int, session: SessionDep, visible: VisibilityDep):
    """A project's status history, oldest period first: overall and per-dimension RAG, SPI = EV / PV,
    CPI = EV / AC, milestone slippage in days against the first planned date, escalations (newest
    first), the open risks and issues of its latest report and risk registers, and whether its
    weekly report is overdue. 404 for a project the caller may not see."""
    return project_status(session, project_id, visible=visible)
