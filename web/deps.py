"""How a route reaches the knowledge base, the search engine and the templates.

Every router (pages in web/routes/, JSON in web/api/) uses these typed dependencies::

    from fastapi import APIRouter, Request
    from web.deps import EngineDep, KBDep, SessionDep
    from web.templating import render

    router = APIRouter()

    @router.get("/metrics")
    def metrics(request: Request, kb: KBDep, session: SessionDep):
        ...  # kb: KnowledgeBase, session: an open SQLModel Session (closed after the request)
        return render(request, "metrics.html", partial="_metrics_body.html", data=...)

`EngineDep` is the shared `search.SearchEngine`, built on first use (it loads
indexes); `KBDep` is the `kb.store.KnowledgeBase` opened from the app's
settings. `render` returns the partial instead of the page for htmx requests.

The request session takes a pooled connection at its first query and keeps it
until the request ends. A route that needs both calls the engine first, or calls
`release(session)` before it does: the engine opens sessions of its own, and a
request holding one connection while waiting for a second drains the pool under
load (the search engine's rules are in `search.engine.SearchEngine`).
"""

from __future__ import annotations

import threading
from typing import Annotated, Iterator

from fastapi import Depends, HTTPException, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from kb.access import EVERYTHING, Audience, Visibility, visibility
from kb.i18n import _
from kb.settings import Settings
from kb.store import KnowledgeBase
from search.engine import SearchEngine


class Services:
    """The app's long-lived objects, opened on first use so building the app is cheap."""

    def __init__(self, settings: Settings, kb: KnowledgeBase | None = None,
                 engine: SearchEngine | None = None) -> None:
        self.settings = settings
        self._kb = kb
        self._engine = engine
        self._lock = threading.Lock()
        self.ingest_lock = threading.Lock()
        """Held while a document is written, so web uploads never interleave."""

    @property
    def kb(self) -> KnowledgeBase:
        with self._lock:
            if self._kb is None:
                self._kb = KnowledgeBase.open(self.settings)
            return self._kb

    @property
    def engine(self) -> SearchEngine:
        kb = self.kb
        with self._lock:
            if self._engine is None:
                self._engine = SearchEngine(kb)
            return self._engine

    @property
    def kb_if_open(self) -> KnowledgeBase | None:
        """The knowledge base if something has opened it already (without opening it)."""
        return self._kb

    @property
    def engine_if_open(self) -> SearchEngine | None:
        """The search engine if something has used it already (without loading it)."""
        return self._engine

    def warm_up(self) -> None:
        """Load the search index and the models now rather than on the first request (the
        multilingual one takes almost a second to load, and an English question over a store
        with Chinese rows needs it too), then read a small store whole (`SearchEngine.warm`)."""
        engine = self.engine
        engine.snapshot()
        engine.query_vector("warm up")
        if getattr(engine.kb, "multilingual", None) is not None:
            engine.query_vector("warm up", multilingual=True)
        engine.warm()  # last: a small store read whole saves a new question ~3 ms, the models seconds


# The dependencies below are `async def`: FastAPI runs a plain `def` dependency in its thread pool,
# and a search took five such hops before it began (measured: ~1 ms of 7 over HTTP). They read what
# is open already; only the first use of the store or the engine (seconds: models and indexes,
# unless `Services.warm_up` ran) goes to a thread, so that the event loop never waits on it.

async def get_services(request: Request) -> Services:
    return request.app.state.services


async def get_kb(request: Request) -> KnowledgeBase:
    services = request.app.state.services
    return services.kb_if_open or await run_in_threadpool(lambda: services.kb)


async def get_engine(request: Request) -> SearchEngine:
    services = request.app.state.services
    return services.engine_if_open or await run_in_threadpool(lambda: services.engine)


def get_session(kb: Annotated[KnowledgeBase, Depends(get_kb)]) -> Iterator[Session]:
    with kb.session() as session:
        yield session


def release(session: Session) -> None:
    """End the request session's read transaction so its connection goes back to
    the pool; loaded objects stay usable (the store's sessions keep them on commit)."""
    session.commit()


async def get_settings(request: Request) -> Settings:
    return request.app.state.services.settings


async def get_audience(request: Request) -> Audience:
    """Who is asking: the signed-in user, as web.auth.AccessMiddleware identified them. Every route but the
    sign-in page needs someone signed in, so an anonymous caller never reaches a route that asks."""
    who = request.scope.get("kb.audience")
    if who is None:
        raise HTTPException(status_code=401, detail=_("Sign in first."))
    return who


async def get_visibility(audience: Annotated[Audience, Depends(get_audience)],
                         kb: Annotated[KnowledgeBase, Depends(get_kb)]) -> Visibility:
    """What the person asking may see (`kb.access`), resolved once per request with a short session of
    its own (an admin's needs none), so no connection is held while the route calls the engine."""
    if audience.is_admin:
        return EVERYTHING
    return await run_in_threadpool(_visibility, kb, audience)


def _visibility(kb: KnowledgeBase, audience: Audience) -> Visibility:
    with kb.session() as session:
        return visibility(session, audience)


ServicesDep = Annotated[Services, Depends(get_services)]
KBDep = Annotated[KnowledgeBase, Depends(get_kb)]
EngineDep = Annotated[SearchEngine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
AudienceDep = Annotated[Audience, Depends(get_audience)]
VisibilityDep = Annotated[Visibility, Depends(get_visibility)]
"""Every read route takes this and passes it down: search, queries, metrics, themes, kickoff packs."""


def is_htmx(request: Request) -> bool:
    """An htmx request wants a fragment; a history restore wants the whole page."""
    headers = request.headers
    return headers.get("HX-Request") == "true" and headers.get("HX-History-Restore-Request") != "true"
