"""The web surface's defences: cross-site refusal, CSRF tokens, security headers, allowed hosts.

A form on any web page the PMO visits could otherwise post tag edits or uploads to the app with
the visitor's browser (cross-site request forgery). Two independent checks stop it:

- Fetch metadata: browsers say where a request comes from (Sec-Fetch-Site, Origin); a
  state-changing request from another site is refused before its body is read.
- A CSRF token: each browser gets a random token in the `kb_csrf` cookie, and every form carries
  it back in a hidden `csrf_token` field (`{{ csrf_field() }}`), every htmx request in the
  `X-CSRF-Token` header (`hx-headers` on <body>). Another site can make a browser send the
  cookie, but cannot read it, so it cannot send the matching field.

Scripts are not browsers: a request without cookies that carries `Authorization: Bearer`, or
that carries no browser marker at all (no Sec-Fetch-Site, no Origin), needs no token."""

from __future__ import annotations

import hmac
import json
import secrets
from urllib.parse import urlparse

from fastapi import HTTPException, Request
from markupsafe import Markup, escape
from starlette.datastructures import MutableHeaders

from kb.i18n import N_, _

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CROSS_SITE = N_("This request came from another web site, so it was refused. Use Lessons KB's own pages.")
NO_TOKEN = N_("This form was refused because it did not carry this browser's security token (the form may be "
              "from an old page, or cookies are blocked). Reload the page, allow cookies for Lessons KB, and try again.")

CSRF_COOKIE = "kb_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",  # no inline script: every script is a file under /static
    "style-src 'self'",  # no inline style either: app.css holds every rule
    "img-src 'self' data:",  # data: for Pico's form icons; never a remote image (documents are untrusted)
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
SECURITY_HEADERS = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),  # frame-ancestors for browsers that predate it
)


class WebSecurityMiddleware:
    """Security headers on every response, this browser's CSRF token in `scope["state"]`, and
    cross-site state-changing requests refused with the app's error page."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        token = _cookie(headers, CSRF_COOKIE)
        new_token = None if token else secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_token"] = token or new_token
        # Scripts under /api are not handed a cookie they would then have to answer for.
        set_cookie = new_token and not _is_api(scope["path"])

        async def send_secured(message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(raw=message.setdefault("headers", []))
                for name, value in SECURITY_HEADERS:
                    if name not in out:
                        out[name] = value
                if set_cookie:
                    out.append("set-cookie", f"{CSRF_COOKIE}={new_token}; Path=/; SameSite=Lax")
            await send(message)

        if scope["method"] in UNSAFE_METHODS and is_cross_site(headers):
            from web.errors import error_response  # errors renders templates, which use this module

            await error_response(Request(scope), 403, _(CROSS_SITE))(scope, receive, send_secured)
            return
        await self.app(scope, receive, send_secured)


def is_cross_site(headers: dict[str, str]) -> bool:
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = headers.get("origin")
    if not origin:
        return False
    return origin == "null" or urlparse(origin).netloc != headers.get("host", "")


async def require_csrf_token(request: Request) -> None:
    """An app-wide dependency: a state-changing request from a browser must carry this browser's
    token, in the X-CSRF-Token header or the form's csrf_token field; otherwise a 403."""
    if request.method not in UNSAFE_METHODS or not needs_token(request):
        return
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER) or await _form_token(request)
    if not (expected and sent and hmac.compare_digest(sent.encode(), expected.encode())):
        raise HTTPException(403, _(NO_TOKEN))


def needs_token(request: Request) -> bool:
    """A request signed with a bearer token never does: a browser does not attach one by itself, and
    such a request is judged by its token alone (web/auth.py), never by a cookie it also carries.
    Otherwise a request with cookies does (a browser sends them by itself), and one without does when
    a browser made it (Sec-Fetch-Site or Origin)."""
    headers = request.headers
    if headers.get("authorization", "").lower().startswith("bearer "):
        return False
    return "cookie" in headers or "sec-fetch-site" in headers or "origin" in headers


async def _form_token(request: Request) -> str:
    kind = request.headers.get("content-type", "")
    if not kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return ""
    # FastAPI has already parsed the form for the route's own fields; Starlette keeps it on the request.
    value = (await request.form()).get(CSRF_FIELD)
    return value if isinstance(value, str) else ""


def csrf_token(request: Request) -> str:
    return request.scope.get("state", {}).get("csrf_token", "")


def csrf_field(request: Request) -> Markup:
    """The hidden input every POST form carries."""
    return Markup('<input type="hidden" name="%s" value="%s">') % (CSRF_FIELD, escape(csrf_token(request)))


def htmx_headers(request: Request) -> Markup:
    """The JSON of <body hx-headers>: every htmx request sends the token as a header."""
    return escape(json.dumps({CSRF_HEADER: csrf_token(request)}))


def allowed_hosts(settings) -> list[str]:
    """The host names of KB_ALLOWED_HOSTS (comma-separated; `*` allows any), and KB_HOST when it
    names one interface (not 0.0.0.0), so that `KB_HOST=10.0.0.5` is reachable by that address."""
    hosts = [h.strip() for h in settings.allowed_hosts.split(",") if h.strip()]
    if settings.host not in ("", "0.0.0.0", "::"):
        hosts.append(settings.host)
    return hosts


def _headers(scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookie(headers: dict[str, str], name: str) -> str:
    for part in headers.get("cookie", "").split(";"):
        key, _sep, value = part.strip().partition("=")
        if key == name and value:
            return value
    return ""


def _is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")
