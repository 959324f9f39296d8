"""The search page: one query box, facets, detected-facet chips, answer summary, results."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlmodel import Session

from kb import queries
from kb.i18n import _
from search.engine import RANK_ONLY_FACETS, SearchEngine
from search.models import SearchRequest, SearchResponse
from kb.access import Visibility
from web.deps import EngineDep, SessionDep, VisibilityDep
from web.schemas import SearchPageQuery
from web.templating import render

router = APIRouter(include_in_schema=False)

YEAR_BOUNDS = ("year_from", "year_to")


@dataclass(frozen=True)
class Chip:
    """One facet value shown above the results: a filter, or a hint that only ranks."""

    facet: str
    value: str
    phrase: str | None = None
    """The words of the question it was read from; None when chosen in the sidebar."""

    @property
    def key(self) -> str:
        return f"{self.facet}:{self.value}"

    @property
    def label(self) -> str:
        # Read while the page renders, so in the reader's language.
        if self.facet == "year_from":
            return _("from %(year)s") % {"year": self.value}
        if self.facet == "year_to":
            return _("up to %(year)s") % {"year": self.value}
        return self.value


@router.get("/")
@router.get("/search")
def search_page(request: Request, params: Annotated[SearchPageQuery, Query()], engine: EngineDep,
                session: SessionDep, visible: VisibilityDep):
    params = read_sidebar(request, params)
    # Only searches someone typed or filtered are logged: the empty landing page is not a search.
    response = engine.search(params.to_request(), log=params.active, visible=visible)
    context = search_context(params, response)
    if not response.hits:
        context.update(empty_state(engine, session, landing=not params.active, visible=visible))
    return render(request, "search.html", partial="_search_body.html", **context)


def read_sidebar(request: Request, params: SearchPageQuery) -> SearchPageQuery:
    """Fold the sidebar's state of filters read from the question back into the query.

    A detected filter is shown ticked (or its year filled in) and listed in a hidden
    `offered` field. Still ticked, it stays a detected filter, so a new question is read
    afresh rather than inheriting the old one's filters; unticked or emptied, it is ignored."""
    offered = [o for o in request.query_params.getlist("offered") if ":" in o]
    if not offered:
        return params
    kept = set(request.query_params.getlist("detected"))
    update: dict = {}
    ignored = list(params.ignored)
    for key in offered:
        facet, value = key.split(":", 1)
        if facet in YEAR_BOUNDS:
            typed = getattr(params, facet)
            if typed is None:
                ignored.append(key)
            elif str(typed) == value:
                update[facet] = None  # unchanged: still the detected year, not a typed one
        elif key not in kept:
            ignored.append(key)
        elif getattr(params, facet, None):
            # Another value of the facet was ticked beside it: both are wanted (OR within a facet).
            update[facet] = list(dict.fromkeys([*getattr(params, facet), value]))
    update["ignored"] = list(dict.fromkeys(ignored))
    return params.model_copy(update=update)


def empty_state(engine: SearchEngine, session: Session, *, landing: bool, visible: Visibility) -> dict:
    """Somewhere to go next when a search finds nothing: popular categories and tags."""
    facets = engine.facets(SearchRequest(), visible=visible)
    return {
        "categories": sorted(facets.get("category", []), key=lambda f: -f.count)[:10],
        "popular": queries.popular_tags(session=session, limit=12, visible=visible),
        "totals": queries.totals(session=session, visible=visible) if landing else None,
    }


def search_context(params: SearchPageQuery, response: SearchResponse) -> dict:
    """What the search templates need besides the response itself."""
    explicit = params.filters()
    # The pages offered stop where search results stop (web.schemas.MAX_RANKED).
    pages = max(1, min(math.ceil(response.total / params.limit), params.last_page))
    shown = [d for d in response.detected if f"{d.facet}:{d.value}" not in params.ignored]
    detected = [Chip(d.facet, d.value, d.phrase) for d in shown if d.applied and not d.excluded]
    applied = response.applied_filters
    return {
        "params": params,
        "response": response,
        "explicit": explicit,
        # The sidebar shows every filter in force, those read from the question included.
        "selected": {(f, v) for f, values in applied.items() for v in values},
        "detected_keys": {c.key for c in detected},
        "years": {b: (applied.get(b) or [""])[0] for b in YEAR_BOUNDS},
        "page": min(params.page, pages),
        "pages": pages,
        "filter_chips": explicit_chips(params) + detected,
        "hint_chips": [Chip(d.facet, d.value, d.phrase) for d in shown if not d.applied],
        "left_out_chips": [Chip(d.facet, d.value, d.phrase) for d in shown if d.excluded],
        "rank_only": RANK_ONLY_FACETS,
        "clear_ignored": [("ignored", key) for key in sorted(c.key for c in detected)],
    }


def explicit_chips(params: SearchPageQuery) -> list[Chip]:
    chips = [Chip(f, v) for f, values in params.filters().items() for v in values]
    return chips + [Chip(b, str(getattr(params, b))) for b in YEAR_BOUNDS if getattr(params, b) is not None]
