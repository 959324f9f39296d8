"""The web app and JSON API. `create_app(settings)` is the only entry point;
nothing is opened or loaded at import time."""

from __future__ import annotations

import os
import threading
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from kb.settings import Settings
from kb.store import KnowledgeBase
from search.engine import SearchEngine
from web import errors
from web.auth import AccessMiddleware
from web.deps import Services
from web.freshness import CatchUpAfterWrites
from web.language import LanguageMiddleware
from web.limits import BodyLimitMiddleware, ids_in_range
from web.proxies import ForwardedHeaders
from web.rules import check_every_route_has_a_rule
from web.security import WebSecurityMiddleware, allowed_hosts, require_csrf_token
from web.uploads import upload_queue

STATIC_DIR = Path(__file__).parent / "static"
SERVER_OPTIONS = {"proxy_headers": False}
"""How uvicorn must serve the app: the app reads X-Forwarded-* itself (`web.proxies`), keeping the
proxy's address, which the single sign-on header is believed by."""

DESCRIPTION = """Search the PMO's lessons learned and risks, build kickoff packs, and ingest
closure reports, retrospectives and registers. Errors are `{"ok": false, "error": ..., "status": ...}`."""


def create_app(settings: Settings | None = None, *, kb: KnowledgeBase | None = None,
               engine: SearchEngine | None = None, warm: bool = False) -> FastAPI:
    """Build the app. `kb` and `engine` may be passed in (tests); otherwise they
    are opened from `settings` on first use. `warm` loads the model and the search
    index in the background at start-up, so the first search is as quick as the rest."""
    settings = settings or (kb.settings if kb else Settings())
    services = Services(settings, kb=kb, engine=engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        if warm:
            threading.Thread(target=services.warm_up, name="kb-warm-up", daemon=True).start()
        yield
        _app.state.jobs.close()  # the batch being ingested finishes; the rest waits on disk for the next start

    # The built-in Swagger UI and ReDoc load from a CDN; /docs is our own page (web/routes/docs.py).
    app = FastAPI(title="Lessons KB", description=DESCRIPTION, version="0.1.0", docs_url=None, redoc_url=None,
                  lifespan=lifespan, dependencies=[Depends(require_csrf_token), Depends(ids_in_range)])
    app.state.services = services
    app.state.jobs = upload_queue(services)
    app.add_middleware(CatchUpAfterWrites, services=services)
    app.add_middleware(AccessMiddleware, fastapi_app=app, services=services)
    # The last added runs first: a request for a host not allowed is refused before anything else reads it.
    app.add_middleware(BodyLimitMiddleware, settings=settings)
    app.add_middleware(WebSecurityMiddleware)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(settings))
    # Outermost, so that every refusal below is in the reader's language too.
    app.add_middleware(LanguageMiddleware, default=settings.language)
    # Before anything reads who the client is: behind a trusted proxy, the browser's address.
    app.add_middleware(ForwardedHeaders, trusted=settings.trusted_proxies)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    errors.install(app)
    _include_routers(app)
    check_every_route_has_a_rule(app.routes)
    return app


def create_app_from_env() -> FastAPI:
    """The app of one `kb serve --workers N` process (uvicorn imports it by name): settings
    from the KB_* environment, and an `X-KB-Worker` header naming the process that answered."""
    app = create_app(Settings(), warm=True)
    app.add_middleware(WorkerHeader)
    return app


class WorkerHeader:
    def __init__(self, app) -> None:
        self.app = app
        self.pid = str(os.getpid()).encode()

    async def __call__(self, scope, receive, send) -> None:
        async def send_named(message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-kb-worker", self.pid)]
            await send(message)

        await self.app(scope, receive, send_named if scope["type"] == "http" else send)


def _include_routers(app: FastAPI) -> None:
    from web import api, language
    from web.routes import (
        account, docs, documents, ingest, insights, items, kickoff, pmo_templates, portfolio, projects, search,
    )

    for module in (search, items, projects, portfolio, documents, ingest, kickoff, insights, docs, account,
                   pmo_templates, language):
        app.include_router(module.router)
    app.include_router(api.router)
