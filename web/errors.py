"""The one error handler: JSON `{"ok": false, "error", "status"}` under /api,
an HTML error page everywhere else."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kb.access import Forbidden
from kb.i18n import N_, _, validation_text
from kb.errors import (
    IndexUnavailable, InvalidDocument, KBError, NotFound, StorageUnavailable, UnsupportedFormat,
)
from web.forms import InvalidEdit

log = logging.getLogger("web")

TITLES = {400: N_("That request could not be handled"), 401: N_("Please sign in"), 403: N_("Not allowed for your role"),
          404: N_("Not found"), 405: N_("Not allowed here"),
          413: N_("That file is too large"), 415: N_("Unsupported file type"), 422: N_("Please check what you entered"),
          500: N_("Something went wrong on our side"), 503: N_("The search index is unavailable")}
"""Each status's page title, in English; translated where the page is shown."""


STATUS_OF: tuple[tuple[type[KBError], int], ...] = (
    (NotFound, 404),
    (Forbidden, 403),
    (UnsupportedFormat, 415),
    (InvalidDocument, 422),
    (InvalidEdit, 422),
    (IndexUnavailable, 503),
    (StorageUnavailable, 503),
    (KBError, 400),
)
"""The HTTP status of each domain error: the first class the error is an instance of wins,
so a subclass must come before its base. Anything else the domain raises is a 400."""


def status_of(exc: KBError) -> int:
    return next(status for cls, status in STATUS_OF if isinstance(exc, cls))


def error_response(request: Request, status: int, message: str):
    if request.url.path.startswith("/api/") or request.url.path == "/api":
        return JSONResponse({"ok": False, "error": message, "status": status}, status_code=status)
    from web.templating import render  # the templates import this module's callers, not the reverse

    title = _(TITLES.get(status, N_("Something went wrong")))
    response = render(request, "error.html", partial="_error.html", status_code=status, status=status, title=title, message=message)
    del response.headers["Vary"]  # error pages are the same for htmx and browsers
    return response


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "body", "path", "form"))
        parts.append(f"{where}: {validation_text(err)}" if where else validation_text(err))
    return "; ".join(parts) or _("The request was not valid.")


def install(app: FastAPI) -> None:
    @app.exception_handler(KBError)
    async def kb_error(request: Request, exc: KBError):
        return error_response(request, status_of(exc), str(exc) or exc.__class__.__name__)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else _(TITLES.get(exc.status_code, N_("Error")))
        if exc.status_code == 404 and message == "Not Found":
            message = _("There is no page at %(path)s.") % {"path": request.url.path}
        elif exc.status_code == 405 and message == "Method Not Allowed":
            message = _("This address does not accept that kind of request.")
        response = error_response(request, exc.status_code, message)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        return error_response(request, 422, _validation_message(exc))

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        return error_response(request, 500, _("An unexpected error occurred. It has been logged; please try again."))
