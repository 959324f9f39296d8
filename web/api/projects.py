"""/api/projects: the list, one project with its variances, similar past projects, registering a new one,
and (PMO admins) marking one confidential and sharing it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from kb import access, queries
from kb.access import Share
from kb.models import ProjectCreate, ProjectPublic
from search import warnings
from search.models import ProjectMatch
from search.portfolio import Portfolio, build_portfolio
from search.warnings import ProjectWarnings
from kb.store import Deletion
from web import audit
from web.deps import AudienceDep, EngineDep, ServicesDep, SessionDep, VisibilityDep
from web.schemas import Limit, Offset, ProfileIn

router = APIRouter(tags=["api"])


class ProjectAccessIn(BaseModel):
    """What a PMO admin changes about who may see a project; a field left out stays as it is."""

    confidential: bool | None = None
    shared_with: list[str | Share] | None = None
    """Replaces the whole list: "user:NAME" or "group:NAME", optionally "=manage" (or {"principal", "level"})."""


class ProjectAccessOut(BaseModel):
    id: int
    code: str
    confidential: bool
    shared_with: list[Share]


@router.get("/projects", response_model=queries.Page[queries.ProjectSummary])
def api_projects(session: SessionDep, visible: VisibilityDep, limit: Limit = 20, offset: Offset = 0,
                 q: Annotated[str, Query(max_length=200)] = ""):
    """Projects, most recent first; `q` filters by name or code."""
    return queries.list_projects(session=session, limit=limit, offset=offset, q=q, visible=visible)


@router.get("/projects/{project_id}", response_model=queries.ProjectDetail)
def api_project(project_id: int, session: SessionDep, visible: VisibilityDep):
    """A project with its schedule and cost variance, lessons, risks and documents."""
    return queries.get_project(session=session, project_id=project_id, visible=visible)


@router.get("/projects/{project_id}/warnings", response_model=ProjectWarnings)
def api_project_warnings(project_id: int, engine: EngineDep, visible: VisibilityDep):
    """Early warnings of an active project: its open risks that materialised on past projects (same type from
    cosine 0.60, other types from 0.65), each with the past projects, what happened and what they recommend,
    cited; highest rank first. A closed project answers `active: false` and no warnings."""
    return warnings.project_warnings(engine, project_id, visible=visible, record=True)


@router.patch("/projects/{project_id}", response_model=ProjectAccessOut)
def api_project_access(request: Request, project_id: int, change: ProjectAccessIn, session: SessionDep,
                       audience: AudienceDep):
    """PMO admins: mark a project confidential (`{"confidential": true}`) and/or replace who it is shared
    with (`{"shared_with": ["user:alice", "group:finance=manage"]}`). Anyone else gets 403."""
    access.check_admin(audience, "change who may see a project")
    project = queries.visible_project(session, project_id)
    audit.set_access(request, session, project, confidential=change.confidential, shared_with=change.shared_with)
    return ProjectAccessOut(id=project.id, code=project.code, confidential=project.confidential,
                            shared_with=access.shares(session, project.id))


@router.post("/projects", response_model=ProjectPublic, status_code=201)
def api_create_project(project: ProjectCreate, session: SessionDep, audience: AudienceDep):
    """Register a new project (planned or under way: no actual end, no outcome) so its kickoff pack,
    checklist and applied lessons belong to it. A project manager's new project is theirs to manage."""
    row = queries.create_project(session=session, project=project)
    access.make_owner(session, audience, row.id)
    return row


@router.post("/projects/similar", response_model=list[ProjectMatch])
def api_similar_projects(profile: ProfileIn, engine: EngineDep, visible: VisibilityDep, limit: Limit = 5):
    """Past projects most like the described one, with the reasons."""
    return engine.similar_projects(profile, limit=limit, visible=visible)


@router.delete("/projects/{project_id}", response_model=Deletion)
def api_delete_project(request: Request, project_id: int, services: ServicesDep):
    """Delete a project with all its documents, lessons and risks (e.g. a ghost left by a typo in a
    project code); kickoff packs made for it are kept, no longer linked to it."""
    with services.ingest_lock:
        removed = services.kb.delete_project(project_id)
    audit.record(request, "delete", f"project {project_id}", before=removed.model_dump())
    return removed


@router.get("/portfolio", response_model=Portfolio)
def api_portfolio(engine: EngineDep, visible: VisibilityDep):
    """Running projects (no outcome, no actual end) with their latest status report (overall RAG, trend,
    SPI, CPI, overdue) and early-warning counts, and the escalation list: red, worsening or overdue projects
    and those with open high risks that materialised on past projects, most pressing first, each with its
    warnings and their cited precedents. `reports_received` / `reports_expected`: weekly status-report
    timeliness."""
    return build_portfolio(engine, visible=visible)
