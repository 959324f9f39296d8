"""The search page: one query box, facets, detected-facet chips, answer summary, results."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlmodel import Session

from kb import queries
from search.engine import SearchEngine
from search.models import SearchRequest, SearchResponse
from web.deps import EngineDep, SessionDep
from web.schemas import SearchPageQuery
from web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
@router.get("/search")
def search_page(request: Request, params: Annotated[SearchPageQuery, Query()], engine: EngineDep,
                session: SessionDep):
    # Only searches someone typed or filtered are logged: the empty landing page is not a search.
    response = engine.search(params.to_request(), log=params.active)
    context = search_context(params, response)
    if not response.hits:
        context.update(empty_state(engine, session, landing=not params.active))
    return render(request, "search.html", partial="_search_body.html", **context)


def empty_state(engine: SearchEngine, session: Session, *, landing: bool) -> dict:
    """Somewhere to go next when a search finds nothing: popular categories and tags."""
    facets = engine.facets(SearchRequest())
    return {
        "categories": sorted(facets.get("category", []), key=lambda f: -f.count)[:10],
        "popular": queries.popular_tags(session=session, limit=12),
        "totals": queries.totals(session=session) if landing else None,
    }


def search_context(params: SearchPageQuery, response: SearchResponse) -> dict:
    """What the search templates need besides the response itself."""
    explicit = params.filters()
    pages = max(1, math.ceil(response.total / params.limit))
    return {
        "params": params,
        "response": response,
        "explicit": explicit,
        "selected": {(f, v) for f, values in explicit.items() for v in values},
        "page": min(params.page, pages),
        "pages": pages,
        "chips": [d for d in response.detected if f"{d.facet}:{d.value}" not in params.ignored],
    }
