"""Request bodies bounded while they stream in, not after they have been spooled.

A body larger than its route's limit is refused with a 413 before it is read when its
Content-Length says so, and otherwise as soon as the bytes received pass the limit. Uploads
(the ingest page and POST /api/ingest) may carry a batch of files up to KB_MAX_BATCH_MB;
every other request body (forms, JSON) at most MAX_FORM_BYTES."""

from __future__ import annotations

import re

from fastapi import HTTPException, Request

from kb.errors import NotFound
from kb.i18n import _
from kb.settings import Settings
from web.schemas import LARGEST_ID

UPLOAD_PATHS = {"/ingest", "/api/ingest"}
MAX_FORM_BYTES = 1024 * 1024
"""A form or JSON body: a tag edit or a kickoff brief is a few KB."""
MULTIPART_SLACK = 1024 * 1024
"""Room for the multipart framing and form fields around the files."""


def upload_limit(settings: Settings) -> int:
    """The largest upload request: a batch, and never less than one file of the largest size allowed."""
    return max(settings.max_batch_mb, settings.max_upload_mb) * 1024 * 1024 + MULTIPART_SLACK


def too_large(path: str, settings: Settings) -> str:
    if path in UPLOAD_PATHS:
        return _("That upload is larger than %(mb)s MB altogether (the KB_MAX_BATCH_MB limit), so none of it "
                 "was stored. Upload the files in smaller batches.") % {
            "mb": max(settings.max_batch_mb, settings.max_upload_mb)}
    return _("That request is larger than %(kb)s KB, so it was refused. Send less at once.") % {
        "kb": MAX_FORM_BYTES // 1024}


class BodyLimitMiddleware:
    """Counts the bytes of each request body as `receive` hands them over."""

    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = upload_limit(self.settings) if scope["path"] in UPLOAD_PATHS else MAX_FORM_BYTES
        if _declared_length(scope) > limit:
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def counted() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised inside the route's body parsing; FastAPI passes an HTTPException on to the
                    # app's error handler, which renders the 413 page (or JSON under /api).
                    raise HTTPException(413, too_large(scope["path"], self.settings))
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, scope, receive, send) -> None:
        from web.errors import error_response  # errors renders templates, which import the web layer

        response = error_response(Request(scope), 413, too_large(scope["path"], self.settings))
        response.headers["connection"] = "close"  # the rest of the body is not read
        await response(scope, receive, send)


WHOLE_NUMBER = re.compile(r"-?\d+")


def ids_in_range(request: Request) -> None:
    """An app-wide dependency: a path id that no row can have (0, negative, beyond 64 bits) is a 404,
    before it reaches the database, which would fail on the number rather than find nothing."""
    for name in _int_path_params(request.scope.get("route")):
        value = request.path_params.get(name)
        if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value) and not 1 <= int(value) <= LARGEST_ID:
            raise NotFound(_("There is nothing with %(name)s %(value)s: ids are whole numbers from 1.")
                           % {"name": name.replace("_", " "), "value": value})


def _int_path_params(route) -> list[str]:
    """The path parameters a route declares as integers (a batch's hex id is a string, whatever its digits)."""
    dependant = getattr(route, "dependant", None)
    return [f.name for f in getattr(dependant, "path_params", []) if f.field_info.annotation is int]


def _declared_length(scope) -> int:
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0
