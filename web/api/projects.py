"""/api/projects: the list, one project with its variances, similar past projects, and registering a new one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from kb import queries
from kb.models import ProjectCreate, ProjectPublic
from search.models import ProjectMatch, ProjectProfile
from kb.store import Deletion
from web import audit
from web.deps import EngineDep, ServicesDep, SessionDep
from web.schemas import Limit, Offset

router = APIRouter(tags=["api"])


@router.get("/projects", response_model=queries.Page[queries.ProjectSummary])
def api_projects(session: SessionDep, limit: Limit = 20, offset: Offset = 0,
                 q: Annotated[str, Query(max_length=200)] = ""):
    """Projects, most recent first; `q` filters by name or code."""
    return queries.list_projects(session=session, limit=limit, offset=offset, q=q)


@router.get("/projects/{project_id}", response_model=queries.ProjectDetail)
def api_project(project_id: int, session: SessionDep):
    """A project with its schedule and cost variance, lessons, risks and documents."""
    return queries.get_project(session=session, project_id=project_id)


@router.post("/projects", response_model=ProjectPublic, status_code=201)
def api_create_project(project: ProjectCreate, session: SessionDep):
    """Register a new project (planned or under way: no actual end, no outcome) so its kickoff pack,
    checklist and applied lessons belong to it."""
    return queries.create_project(session=session, project=project)


@router.post("/projects/similar", response_model=list[ProjectMatch])
def api_similar_projects(profile: ProjectProfile, engine: EngineDep, limit: Limit = 5):
    """Past projects most like the described one, with the reasons."""
    return engine.similar_projects(profile, limit=limit)


@router.delete("/projects/{project_id}", response_model=Deletion)
def api_delete_project(request: Request, project_id: int, services: ServicesDep):
    """Delete a project with all its documents, lessons and risks (e.g. a ghost left by a typo in a
    project code); kickoff packs made for it are kept, no longer linked to it."""
    with services.ingest_lock:
        removed = services.kb.delete_project(project_id)
    audit.record(request, "delete", f"project {project_id}", before=removed.model_dump())
    return removed
