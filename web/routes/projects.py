"""Projects: the list, and one project's profile, variances, lessons, risks and documents."""

from __future__ import annotations

import math

from fastapi import APIRouter, Query, Request

from kb import queries
from web.deps import SessionDep
from web.templating import render

router = APIRouter(include_in_schema=False)

PER_PAGE = 20


@router.get("/projects")
def projects_page(request: Request, session: SessionDep, page: int = Query(1, ge=1, le=10_000),
                  q: str = Query("", max_length=200)):
    listing = queries.list_projects(session=session, limit=PER_PAGE, offset=(page - 1) * PER_PAGE, q=q)
    pages = max(1, math.ceil(listing.total / PER_PAGE))
    return render(request, "projects.html", partial="_projects_table.html", listing=listing, page=page,
                  pages=pages, q=q)


@router.get("/projects/{project_id}")
def project_page(request: Request, project_id: int, session: SessionDep):
    detail = queries.get_project(session=session, project_id=project_id)
    return render(request, "project.html", detail=detail, project=detail.project, v=detail.variance)
