"""/api/kickoff: build and record a kickoff pack (for a registered project when `project_id` is
given), read one back, list saved packs, and work through a pack's checklist."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel

from kb import queries
from kb.access import EVERYTHING, Visibility
from kb.errors import KBError, ProjectNotFound
from kb.i18n import _
from search.models import KickoffPackResult, ProjectProfile
from web.deps import AudienceDep, EngineDep, SessionDep, VisibilityDep, release
from web.schemas import ProfileIn, ProjectIdQuery

router = APIRouter(tags=["api"])


class ChecklistUpdate(BaseModel):
    """A checklist line ticked (done), dismissed with a reason, turned into an action, or reopened."""

    state: str
    reason: str = ""
    action: str = ""
    owner: str = ""
    due: date | None = None


@router.post("/kickoff", response_model=KickoffPackResult)
def api_kickoff(profile: ProfileIn, engine: EngineDep, session: SessionDep, visible: VisibilityDep,
                audience: AudienceDep):
    """Build (and record) a kickoff pack for a new project; with `project_id` it becomes that project's
    pack and its lines that project's checklist. A pack for no project is read by its author and the PMO."""
    return build_pack(engine, session, profile, visible, author=audience.user)


def build_pack(engine, session, profile: ProjectProfile, visible: Visibility = EVERYTHING, *,
               author: str | None = None) -> KickoffPackResult:
    """Record a pack (made by `author`), and when it is for a registered project, link it and start the
    project's checklist. Everything in it is what `visible` shows."""
    if not any((profile.name, profile.project_type, profile.industry, profile.description.strip(), profile.project_id)):
        # a pack of nothing would list arbitrary lessons, and count as reuse on the metrics page
        raise KBError(_("Describe the new project first: its type, its industry, its name or a few words on what it "
                        "is about."))
    if profile.project_id is not None:
        try:
            queries.visible_project(session, profile.project_id, visible)
        except ProjectNotFound:
            raise ProjectNotFound(_("No project with id %(id)s: register it first (POST /api/projects).")
                                  % {"id": profile.project_id}) from None
        release(session)
    pack = engine.kickoff_pack(profile, record=True, visible=visible, author=author)
    if profile.project_id is not None and pack.pack_id is not None:
        queries.link_pack(session=session, pack_id=pack.pack_id, project_id=profile.project_id, visible=visible)
    return pack


@router.get("/kickoff", response_model=list[queries.PackSummary])
def api_kickoff_packs(session: SessionDep, visible: VisibilityDep, project_id: ProjectIdQuery = None):
    """Saved kickoff packs, newest first; `project_id` keeps one project's."""
    return queries.list_packs(session=session, project_id=project_id, visible=visible)


@router.get("/kickoff/{pack_id}", response_model=KickoffPackResult)
def api_kickoff_pack(pack_id: int, engine: EngineDep, visible: VisibilityDep):
    """A kickoff pack built earlier, as it was generated (less what the caller may not see)."""
    return engine.load_pack(pack_id, visible=visible)


@router.get("/kickoff/{pack_id}/checklist", response_model=list[queries.ChecklistLine])
def api_checklist(pack_id: int, session: SessionDep, visible: VisibilityDep):
    """The checklist of a pack linked to a project (empty for a pack not linked to one)."""
    queries.visible_pack(session, pack_id, visible)
    return queries.checklist(session=session, pack_id=pack_id, visible=visible)


@router.post("/kickoff/{pack_id}/checklist/{line_id}", response_model=queries.ChecklistLine)
def api_checklist_line(pack_id: int, line_id: int, change: ChecklistUpdate, session: SessionDep,
                       visible: VisibilityDep):
    """Tick, dismiss (with a reason), turn into an action (with an owner and a due date) or reopen a line."""
    queries.visible_pack(session, pack_id, visible)
    queries.checklist_line_of(session=session, pack_id=pack_id, line_id=line_id, visible=visible)
    return queries.update_checklist_line(session=session, line_id=line_id, **change.model_dump())
