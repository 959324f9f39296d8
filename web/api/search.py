"""GET /api/search and /api/facets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from search.models import FacetValue
from web.deps import EngineDep, VisibilityDep
from web.schemas import SearchQuery, SearchResults

router = APIRouter(tags=["api"])


@router.get("/search", response_model=SearchResults)
def api_search(params: Annotated[SearchQuery, Query()], engine: EngineDep, visible: VisibilityDep):
    """Lessons and risks for a query. Repeat a facet parameter for OR within that facet.
    The hits are under `hits` (and, the same list, `results`), with `summary`, `facets` and `detected`."""
    return SearchResults.of(engine.search(params.to_request(), log=params.active, visible=visible))


@router.get("/facets", response_model=dict[str, list[FacetValue]])
def api_facets(params: Annotated[SearchQuery, Query()], engine: EngineDep, visible: VisibilityDep):
    """Facet value counts for the same parameters as /api/search."""
    return engine.facets(params.to_request(), visible=visible)
