"""Projects: the list, and one project's profile, variances, lessons, risks and documents."""

from __future__ import annotations

import math

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from kb import queries
from web.deps import ServicesDep, SessionDep
from web.templating import render

router = APIRouter(include_in_schema=False)

PER_PAGE = 20


@router.get("/projects")
def projects_page(request: Request, session: SessionDep, page: int = Query(1, ge=1, le=10_000),
                  q: str = Query("", max_length=200), deleted: str = Query("", max_length=300)):
    listing = queries.list_projects(session=session, limit=PER_PAGE, offset=(page - 1) * PER_PAGE, q=q)
    pages = max(1, math.ceil(listing.total / PER_PAGE))
    return render(request, "projects.html", partial="_projects_table.html", listing=listing, page=page,
                  pages=pages, q=q, deleted=deleted)


@router.get("/projects/{project_id}")
def project_page(request: Request, project_id: int, session: SessionDep):
    detail = queries.get_project(session=session, project_id=project_id)
    return render(request, "project.html", detail=detail, project=detail.project, v=detail.variance)


@router.get("/projects/{project_id}/delete")
def delete_confirm(request: Request, project_id: int, session: SessionDep):
    detail = queries.get_project(session=session, project_id=project_id)
    return render(request, "delete_confirm.html", what=f"the project {detail.project.code} ({detail.project.name})",
                  action=f"/projects/{project_id}/delete", back=f"/projects/{project_id}",
                  parts=[f"its {len(detail.documents)} documents with every version and original file",
                         f"its {len(detail.lessons)} lessons and {len(detail.risks)} risks, with their tag "
                         "corrections and feedback",
                         "its place in the delivery metrics (kickoff packs made for it are kept, unlinked)"])


@router.post("/projects/{project_id}/delete")
def delete_project(project_id: int, session: SessionDep, services: ServicesDep):
    code = queries.get_project(session=session, project_id=project_id).project.code
    session.close()  # the deletion takes its own connection
    with services.ingest_lock:
        services.kb.delete_project(project_id)
    return RedirectResponse(f"/projects?deleted={code}", status_code=303)
