"""/api/kickoff: build and record a kickoff pack, and read one back."""

from __future__ import annotations

from fastapi import APIRouter

from search.models import KickoffPackResult, ProjectProfile
from web.deps import EngineDep

router = APIRouter(tags=["api"])


@router.post("/kickoff", response_model=KickoffPackResult)
def api_kickoff(profile: ProjectProfile, engine: EngineDep):
    """Build (and record) a kickoff pack for a new project."""
    return engine.kickoff_pack(profile, record=True)


@router.get("/kickoff/{pack_id}", response_model=KickoffPackResult)
def api_kickoff_pack(pack_id: int, engine: EngineDep):
    """A kickoff pack built earlier, exactly as it was generated."""
    return engine.load_pack(pack_id)
