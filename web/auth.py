"""Who is asking, and whether they may: the one place the access rules of web/rules.py are enforced.

`AccessMiddleware` runs before a route reads its request body, so an anonymous or
under-privileged upload is refused before it is received. It identifies the caller
by, in order: an `Authorization: Bearer TOKEN` header (scripts), the single sign-on
proxy's header (`KB_AUTH_HEADER`, only from an address in `KB_TRUSTED_PROXIES`), or the
browser's session cookie. The caller's `Audience` is left in the request scope for
`web.deps.get_audience`. Anonymous callers get 401 under /api and the sign-in page
elsewhere; signed-in callers below the route's role get 403.
"""

from __future__ import annotations

import inspect
from http.cookies import SimpleCookie
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Match

from kb import accounts
from kb.access import Audience, Role
from kb.i18n import N_, _
from web.deps import get_audience
from web.proxies import from_trusted_proxy
from web.rules import every_route, permits, rule_for

STATIC = "static"
SESSION_COOKIE = "kb_session"
AUDIENCE = "kb.audience"
"""The request scope key holding the caller's Audience (None: anonymous)."""
SIGN_IN = "/sign-in"
API_401 = N_("Sign in first: send `Authorization: Bearer TOKEN` with a token from `kb users token NAME`, "
             "or sign in at /sign-in.")


class AccessMiddleware:
    def __init__(self, app, *, fastapi_app, services) -> None:
        self.app = app
        self.router = fastapi_app.router
        self.overrides = fastapi_app.dependency_overrides
        self.services = services
        self._routes: list | None = None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rule = self.rule_of(scope)
        if rule is STATIC:  # stylesheets and scripts: open, and no database lookup per file
            await self.app(scope, receive, send)
            return
        if get_audience in self.overrides:  # a test acting as someone: the gate judges that someone too
            who = overridden(self.overrides[get_audience], scope)
        elif has_credentials(scope, self.services.settings.auth_header):
            who = await run_in_threadpool(identify, self.services, scope)
        else:
            who = None
        scope[AUDIENCE] = who
        if rule is None or permits(rule, who):
            await self.app(scope, receive, send)
            return
        await denied(scope, who, rule)(scope, receive, send)

    def rule_of(self, scope) -> Role | str | None:
        """The rule of the route Starlette will pick; None when no route matches (a 404 or 405 follows)."""
        if self._routes is None:  # the routes are all included by the first request
            self._routes = every_route(self.router.routes)
        for route in self._routes:
            match, _child = route.matches(scope)
            if match is Match.FULL:
                if not route.methods:  # the /static mount
                    return STATIC
                return rule_for(scope["method"], route.path) or Role.ADMIN  # unlisted: closed, never open
        return None


# --- identifying the caller ------------------------------------------------------

def overridden(override, scope) -> Audience | None:
    """The Audience a dependency override of `web.deps.get_audience` gives (it may take the request)."""
    return override(Request(scope)) if inspect.signature(override).parameters else override()


def has_credentials(scope, auth_header: str) -> bool:
    """Whether the request carries anything that could sign someone in; without, it is anonymous with no lookup."""
    names = {b"authorization", b"cookie"} | ({auth_header.lower().encode("latin-1")} if auth_header else set())
    return any(name in names for name, _ in scope.get("headers", ()))


def identify(services, scope) -> Audience | None:
    headers = Headers(scope=scope)
    settings = services.settings
    authorization = headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        with services.kb.session() as session:
            user = accounts.user_for_api_token(session=session, token=authorization[7:].strip())
        return user.audience() if user else None
    if settings.auth_header and from_trusted_proxy(scope, settings.trusted_proxies):
        name = headers.get(settings.auth_header, "").strip()
        if name:
            return proxy_audience(services, name)
    token = session_token(headers)
    if token:
        with services.kb.session() as session:
            user = accounts.user_for_session(session=session, token=token)
        return user.audience() if user else None
    return None


def proxy_audience(services, name: str) -> Audience | None:
    """The proxy vouches for `name`: their account's role, or a viewer when they have no account yet."""
    if not accounts.NAME.match(name):
        return None
    with services.kb.session() as session:
        user = accounts.user_named(session=session, name=name)
    if user is None:
        return Audience(user=name, role=Role.VIEWER)
    return None if user.disabled else user.audience()


def session_token(headers: Headers) -> str | None:
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header is no sign-in, not an error
        return None
    morsel = cookie.get(SESSION_COOKIE)
    return morsel.value if morsel else None


# --- refusing ------------------------------------------------------------------------

def denied(scope, who: Audience | None, rule: Role | str) -> Response:
    request = Request(scope)
    path = scope["path"]
    if path.startswith("/api/") or path == "/api":
        if who is None:
            return JSONResponse({"ok": False, "error": _(API_401), "status": 401}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        return JSONResponse({"ok": False, "error": forbidden_message(who, rule), "status": 403}, status_code=403)
    if who is not None:
        from web.errors import error_response

        return error_response(request, 403, forbidden_message(who, rule))
    return sign_in_first(request)


def forbidden_message(who: Audience, rule: Role | str) -> str:
    if rule == Role.PM:
        message = _("Signed in as %(user)s (%(role)s): only a project manager or a PMO admin may do this. "
                    "Ask a PMO admin for access.")
    elif rule == Role.ADMIN:
        message = _("Signed in as %(user)s (%(role)s): only a PMO admin may do this. Ask a PMO admin for access.")
    else:
        message = _("Signed in as %(user)s (%(role)s): only %(needed)s may do this. Ask a PMO admin for access.")
    return message % {"user": who.user, "role": _(who.role.value), "needed": rule}


def sign_in_first(request: Request) -> Response:
    """A page asked for while signed out: go to the sign-in page, and come back here afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = f"{SIGN_IN}?next={quote(here, safe='')}"
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=401, headers={"HX-Redirect": target})
    if request.method in ("GET", "HEAD"):
        return RedirectResponse(target, status_code=303)
    from web.templating import render

    return render(request, "sign_in.html", status_code=401, next_url="/", name="",
                  error=_("Your sign-in has ended. Sign in again, then repeat what you were doing."))

