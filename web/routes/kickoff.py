"""Kickoff pack: describe a new project (registering it, or picking an active one), get similar past
projects, a checklist of lessons by category and the risks that materialised; export or print it.
A pack made for a project is that project's checklist: lines are ticked, dismissed with a reason or
turned into actions with an owner and a due date."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from kb import access, queries
from kb.access import Audience, Visibility
from kb.errors import KBError
from kb.i18n import _
from kb.models import ProjectCreate
from web.api.kickoff import build_pack
from web.deps import AudienceDep, EngineDep, SessionDep, VisibilityDep
from web.packs import pack_markdown
from web.schemas import KickoffForm
from web.templating import render

router = APIRouter(include_in_schema=False)


class PackForm(KickoffForm):
    """The kickoff form with the project the pack is for: none, a new one to register, or an active one."""

    project: str = Field("", max_length=20)
    """"" (none), "new", or the id of an active project."""
    project_code: str = Field("", max_length=64)

    def project_id(self, session: Session, audience: Audience, visible: Visibility) -> int | None:
        choice = self.project.strip()
        if choice == "new":
            project_id = register(session, self).id
            access.make_owner(session, audience, project_id)  # a project manager's new project is theirs
            return project_id
        if choice.isdigit():
            return queries.visible_project(session, int(choice), visible).id
        return None


class ChecklistForm(BaseModel):
    """A checklist line's new state, as a browser posts it (every field a string)."""

    state: str = Field(max_length=12)
    reason: str = Field("", max_length=2000)
    action: str = Field("", max_length=2000)
    owner: str = Field("", max_length=200)
    due: str = Field("", max_length=40)

    def due_date(self) -> date | None:
        if not self.due.strip():
            return None
        try:
            return date.fromisoformat(self.due.strip())
        except ValueError:
            raise KBError(_("'%(due)s' is not a date: give the due date as YYYY-MM-DD.") % {"due": self.due}) from None


def register(session: Session, form: PackForm):
    """A new project from the kickoff form: the code it was given, the rest from the description."""
    profile = form.to_profile()
    if not form.project_code.strip():
        raise KBError(_("To register the new project, give it a project code (e.g. CRM-2027)."))
    return queries.create_project(session=session, project=ProjectCreate(
        code=form.project_code, name=profile.name or form.project_code, project_type=profile.project_type,
        industry=profile.industry, planned_budget=profile.budget, description=profile.description or None))


@router.get("/kickoff")
def kickoff_form(request: Request, session: SessionDep, visible: VisibilityDep, project: int | None = Query(None)):
    form = PackForm(project=str(project) if project else "")
    active = queries.active_projects(session=session, visible=visible)
    chosen = next((p for p in active if p.id == project), None)
    if chosen is not None:
        detail = queries.get_project(session=session, project_id=chosen.id, visible=visible).project
        form = PackForm(project=str(chosen.id), name=detail.name, project_type=detail.project_type or "",
                        industry=detail.industry or "", description=detail.description or "",
                        budget=f"{detail.planned_budget:.0f}" if detail.planned_budget else "")
    return render(request, "kickoff.html", form=form,
                  industries=queries.distinct_values(session=session, field="industry", visible=visible),
                  active=active, packs=queries.list_packs(session=session, visible=visible))


@router.post("/kickoff")
def kickoff_build(request: Request, form: Annotated[PackForm, Form()], engine: EngineDep, session: SessionDep,
                  audience: AudienceDep, visible: VisibilityDep):
    profile = form.to_profile().model_copy(update={"project_id": form.project_id(session, audience, visible)})
    pack = build_pack(engine, session, profile, visible, author=audience.user)
    if pack.pack_id is None:  # not recorded: show it, there is no page to send the user to
        return render(request, "kickoff_pack.html", pack=pack, lines={})
    return RedirectResponse(f"/kickoff/{pack.pack_id}", status_code=303)


# Registered before /kickoff/{pack_id} so "12.md" is not read as a pack id.
@router.get("/kickoff/{pack_id}.md")
def kickoff_markdown(pack_id: int, engine: EngineDep, session: SessionDep, visible: VisibilityDep):
    pack = engine.load_pack(pack_id, visible=visible)
    name = re.sub(r"[^A-Za-z0-9]+", "-", pack.profile.name or "project").strip("-").lower() or "project"
    return Response(pack_markdown(pack, lines_of(session, pack_id, visible)), media_type="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="kickoff-{pack_id}-{name}.md"'})


def lines_of(session: Session, pack_id: int, visible: Visibility) -> dict:
    """The pack's checklist lines by (kind, item id), for showing their state next to each line."""
    return {(line.kind, line.item_id): line
            for line in queries.checklist(session=session, pack_id=pack_id, visible=visible)}


@router.get("/kickoff/{pack_id}")
def kickoff_pack_page(request: Request, pack_id: int, engine: EngineDep, session: SessionDep,
                      visible: VisibilityDep):
    pack = engine.load_pack(pack_id, visible=visible)
    project = (queries.get_project(session=session, project_id=pack.profile.project_id, visible=visible).project
               if pack.profile.project_id else None)
    return render(request, "kickoff_pack.html", pack=pack, lines=lines_of(session, pack_id, visible), project=project,
                  active=queries.active_projects(session=session, visible=visible))


@router.post("/kickoff/{pack_id}/project")
def kickoff_link(pack_id: int, form: Annotated[PackForm, Form()], engine: EngineDep, session: SessionDep,
                 audience: AudienceDep, visible: VisibilityDep):
    """Make a saved pack a project's: an active one, or a new one registered here."""
    engine.load_pack(pack_id, visible=visible)  # a missing pack is "not found" before anything is registered
    project_id = form.project_id(session, audience, visible)
    if project_id is None:
        raise KBError(_("Choose the project this pack is for, or register a new one with its code."))
    queries.link_pack(session=session, pack_id=pack_id, project_id=project_id, visible=visible)
    return RedirectResponse(f"/kickoff/{pack_id}#checklist-heading", status_code=303)


@router.post("/kickoff/{pack_id}/checklist/{line_id}")
def kickoff_checklist_line(pack_id: int, line_id: int, form: Annotated[ChecklistForm, Form()], session: SessionDep,
                           visible: VisibilityDep):
    queries.visible_pack(session, pack_id, visible)
    queries.checklist_line_of(session=session, pack_id=pack_id, line_id=line_id, visible=visible)
    queries.update_checklist_line(session=session, line_id=line_id, state=form.state, reason=form.reason,
                                  action=form.action, owner=form.owner, due=form.due_date())
    return RedirectResponse(f"/kickoff/{pack_id}#line-{line_id}", status_code=303)


@router.get("/kickoff/{pack_id}/print")
def kickoff_print(request: Request, pack_id: int, engine: EngineDep, session: SessionDep, visible: VisibilityDep):
    return render(request, "kickoff_print.html", pack=engine.load_pack(pack_id, visible=visible),
                  lines=lines_of(session, pack_id, visible))
