"""Projects: the list, registering a new one, and one project's profile, variances, lessons, risks,
documents, kickoff packs and the progress of its kickoff checklist."""

from __future__ import annotations

import math
from urllib.parse import urlencode
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from kb import access, queries
from kb.errors import KBError
from kb.i18n import N_, _, ngettext
from kb.models import STATUS_DIMENSIONS, ProjectCreate
from web import audit, rules
from web.schemas import MAX_LISTED, parse_budget
from search import warnings
from web.deps import AudienceDep, EngineDep, ServicesDep, SessionDep, VisibilityDep
from web.status import project_status, status_charts
from web.templating import render

router = APIRouter(include_in_schema=False)

PER_PAGE = 20


@router.get("/projects")
def projects_page(request: Request, session: SessionDep, visible: VisibilityDep,
                  page: int = Query(1, ge=1, le=MAX_LISTED // PER_PAGE),
                  q: str = Query("", max_length=200), deleted: str = Query("", max_length=300)):
    listing = queries.list_projects(session=session, limit=PER_PAGE, offset=(page - 1) * PER_PAGE, q=q,
                                    visible=visible)
    pages = max(1, min(math.ceil(listing.total / PER_PAGE), MAX_LISTED // PER_PAGE))
    return render(request, "projects.html", partial="_projects_table.html", listing=listing, page=page,
                  pages=pages, q=q, deleted=audit.deleted_just_now(request, session, "project", deleted))


class NewProjectForm(BaseModel):
    """A new project as the registration form posts it (every field a string)."""

    code: str = Field("", max_length=64)
    name: str = Field("", max_length=200)
    project_type: str = Field("", max_length=100)
    industry: str = Field("", max_length=100)
    manager: str = Field("", max_length=200)
    planned_start: str = Field("", max_length=40)
    planned_end: str = Field("", max_length=40)
    budget: str = Field("", max_length=40)
    description: str = Field("", max_length=5000)

    def to_create(self) -> ProjectCreate:
        budget = parse_budget(self.budget)
        if self.budget.strip() and budget is None:  # "lots" was dropped without a word
            raise KBError(_("Cannot read the budget '%(budget)s': write a number or an amount such as 3.5m, 850k, "
                            "1,200,000 or 250万.") % {"budget": self.budget.strip()[:40]})
        return ProjectCreate(code=self.code, name=self.name, project_type=self.project_type.strip() or None,
                             industry=self.industry.strip() or None, manager=self.manager.strip() or None,
                             planned_start=_day(self.planned_start, PLANNED_START),
                             planned_end=_day(self.planned_end, PLANNED_END),
                             planned_budget=budget, description=self.description.strip() or None)


PLANNED_START = N_("'%(text)s' is not a date: give the planned start as YYYY-MM-DD.")
PLANNED_END = N_("'%(text)s' is not a date: give the planned end as YYYY-MM-DD.")
"""What a date the form cannot read gets told, one whole sentence per field (Chinese orders it otherwise)."""


def _day(text: str, problem: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        raise KBError(_(problem) % {"text": text}) from None


# Registered before /projects/{project_id} so "new" is not read as a project id.
@router.get("/projects/new")
def new_project_page(request: Request, session: SessionDep, visible: VisibilityDep):
    return render(request, "project_new.html", form=NewProjectForm(),
                  industries=queries.distinct_values(session=session, field="industry", visible=visible))


@router.post("/projects")
def register_project(request: Request, form: Annotated[NewProjectForm, Form()], session: SessionDep,
                     audience: AudienceDep, visible: VisibilityDep):
    try:
        project = queries.create_project(session=session, project=form.to_create())
    except KBError as exc:  # the form again, as it was typed, with what to change: nothing typed is lost
        session.rollback()
        return render(request, "project_new.html", status_code=400, form=form, error=str(exc),
                      industries=queries.distinct_values(session=session, field="industry", visible=visible))
    access.make_owner(session, audience, project.id)  # a project manager's new project is theirs
    return RedirectResponse(f"/projects/{project.id}", status_code=303)


@router.get("/projects/{project_id}")
def project_page(request: Request, project_id: int, session: SessionDep, engine: EngineDep, visible: VisibilityDep,
                 audience: AudienceDep, saved: Annotated[str | None, Query(max_length=20)] = None):
    early = warnings.project_warnings(engine, project_id, visible=visible, record=True)  # engine first (web.deps)
    detail = queries.get_project(session=session, project_id=project_id, visible=visible)
    status = project_status(session, project_id, visible=visible)
    return render(request, "project.html", detail=detail, project=detail.project, v=detail.variance, early=early,
                  status=status, status_charts=status_charts(status), status_dimensions=STATUS_DIMENSIONS,
                  progress=queries.checklist_progress(session=session, project_id=project_id, visible=visible),
                  packs=queries.list_packs(session=session, project_id=project_id, visible=visible),
                  checklist=queries.project_checklist(session=session, project_id=project_id, visible=visible),
                  access_saved=saved == "access",
                  shares=access.shares(session, project_id) if may_share(audience) else [])


def may_share(audience) -> bool:
    """Who may see whom a project is shared with: those who may change it (web/rules.py)."""
    return rules.allows(audience, "POST", "/projects/{project_id}/access")


class AccessForm(BaseModel):
    """Confidentiality and sharing as the project page's PMO form posts them."""

    confidential: bool = False
    shared_with: str = Field("", max_length=5000)
    """One share per line (or comma-separated): user:NAME or group:NAME, optionally =manage."""

    def shares(self) -> list[str]:
        return [x.strip() for line in self.shared_with.splitlines() for x in line.split(",") if x.strip()]


@router.post("/projects/{project_id}/access")
def project_access(request: Request, project_id: int, form: Annotated[AccessForm, Form()], session: SessionDep,
                   audience: AudienceDep):
    """Mark a project confidential (or not) and set who it is shared with: PMO admins only."""
    access.check_admin(audience, "change who may see a project")
    project = queries.visible_project(session, project_id)
    audit.set_access(request, session, project, confidential=form.confidential, shared_with=form.shares())
    return RedirectResponse(f"/projects/{project_id}?saved=access#access-heading", status_code=303)


@router.get("/projects/{project_id}/delete")
def delete_confirm(request: Request, project_id: int, session: SessionDep, visible: VisibilityDep):
    detail = queries.get_project(session=session, project_id=project_id, visible=visible)
    project = detail.project
    return render(request, "delete_confirm.html",
                  question=_("Delete the project %(code)s (%(name)s)?") % {"code": project.code, "name": project.name},
                  action=f"/projects/{project_id}/delete", back=f"/projects/{project_id}",
                  parts=[ngettext("its %(num)s document with every version and original file",
                                  "its %(num)s documents with every version and original file",
                                  len(detail.documents)) % {"num": len(detail.documents)},
                         _items(len(detail.lessons), len(detail.risks)),
                         _("its place in the delivery metrics (kickoff packs made for it are kept, unlinked)")])


@router.post("/projects/{project_id}/delete")
def delete_project(request: Request, project_id: int, session: SessionDep, services: ServicesDep,
                   visible: VisibilityDep):
    code = queries.get_project(session=session, project_id=project_id, visible=visible).project.code
    session.close()  # the deletion takes its own connection
    with services.ingest_lock:
        removed = services.kb.delete_project(project_id)
    audit.record(request, "delete", f"project {project_id} ({code})", before=removed.model_dump())
    return RedirectResponse(f"/projects?{urlencode({'deleted': code})}", status_code=303)


def _items(lessons: int, risks: int) -> str:
    """A project's lessons and risks as one whole sentence, each noun in its own plural."""
    if risks == 1:
        return ngettext("its %(num)s lesson and 1 risk, with their tag corrections and feedback",
                        "its %(num)s lessons and 1 risk, with their tag corrections and feedback",
                        lessons) % {"num": lessons}
    return ngettext("its %(num)s lesson and %(risks)s risks, with their tag corrections and feedback",
                    "its %(num)s lessons and %(risks)s risks, with their tag corrections and feedback",
                    lessons) % {"num": lessons, "risks": risks}
