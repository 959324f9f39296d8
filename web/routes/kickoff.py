"""Kickoff pack: describe a new project, get similar past projects, a checklist
of lessons by category and the risks that materialised; export or print it."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kb import queries
from web.deps import EngineDep, SessionDep
from web.schemas import KickoffForm
from web.packs import pack_markdown
from web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/kickoff")
def kickoff_form(request: Request, session: SessionDep):
    return render(request, "kickoff.html", form=KickoffForm(),
                  industries=queries.distinct_values(session=session, field="industry"))


@router.post("/kickoff")
def kickoff_build(request: Request, form: Annotated[KickoffForm, Form()], engine: EngineDep):
    pack = engine.kickoff_pack(form.to_profile(), record=True)
    if pack.pack_id is None:  # not recorded: show it, there is no page to send the user to
        return render(request, "kickoff_pack.html", pack=pack)
    return RedirectResponse(f"/kickoff/{pack.pack_id}", status_code=303)


# Registered before /kickoff/{pack_id} so "12.md" is not read as a pack id.
@router.get("/kickoff/{pack_id}.md")
def kickoff_markdown(pack_id: int, engine: EngineDep):
    pack = engine.load_pack(pack_id)
    name = re.sub(r"[^A-Za-z0-9]+", "-", pack.profile.name or "project").strip("-").lower() or "project"
    return Response(pack_markdown(pack), media_type="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="kickoff-{pack_id}-{name}.md"'})


@router.get("/kickoff/{pack_id}")
def kickoff_pack_page(request: Request, pack_id: int, engine: EngineDep):
    return render(request, "kickoff_pack.html", pack=engine.load_pack(pack_id))


@router.get("/kickoff/{pack_id}/print")
def kickoff_print(request: Request, pack_id: int, engine: EngineDep):
    return render(request, "kickoff_print.html", pack=engine.load_pack(pack_id))
