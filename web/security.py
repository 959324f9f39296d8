"""Refuse state-changing requests that another site's page makes on the user's behalf.

Lessons KB has no login, so a form on any web page the PMO visits could otherwise
post tag edits or uploads to the app on 127.0.0.1 (cross-site request forgery).
Browsers say where a request comes from (Sec-Fetch-Site, Origin); scripts and
tools that send neither are let through, as they are not driven by another page."""

from __future__ import annotations

from urllib.parse import urlparse

from starlette.responses import HTMLResponse, JSONResponse

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MESSAGE = "This request came from another web site, so it was refused. Use Lessons KB's own pages."


class SameOriginMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS and is_cross_site(scope):
            response = (JSONResponse({"ok": False, "error": MESSAGE, "status": 403}, status_code=403)
                        if scope["path"].startswith("/api/") else HTMLResponse(f"<p>{MESSAGE}</p>", status_code=403))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def is_cross_site(scope) -> bool:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = headers.get("origin")
    if not origin:
        return False
    return origin == "null" or urlparse(origin).netloc != headers.get("host", "")
