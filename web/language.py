"""Which language each request is answered in, and the switch on every page.

The person's choice (the `kb_lang` cookie, set by the switch) comes first, then their browser's
Accept-Language, then `KB_LANGUAGE`. The choice holds for the whole request (kb/i18n.py keeps it
in a context variable), so pages, messages, CSV headers and chart titles agree."""

from __future__ import annotations

from http.cookies import SimpleCookie

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse
from starlette.datastructures import MutableHeaders

from kb import i18n
from web.forms import local_path

LANGUAGE_COOKIE = "kb_lang"
YEAR = 365 * 24 * 3600

router = APIRouter(include_in_schema=False)


def request_language(headers: dict[bytes, bytes], default: str) -> str:
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get(b"cookie", b"").decode("latin-1"))
    except Exception:  # noqa: BLE001 - a malformed cookie header is the browser's, not a reason to fail
        cookie = SimpleCookie()
    chosen = cookie.get(LANGUAGE_COOKIE)
    return (i18n.supported(chosen.value if chosen else None)
            or i18n.negotiate(headers.get(b"accept-language", b"").decode("latin-1"))
            or default)


class LanguageMiddleware:
    """Sets the request's language before any route, error page or streamed CSV runs, and says it
    in Content-Language (and Vary, as the same URL answers in either language)."""

    def __init__(self, app, *, default: str) -> None:
        self.app = app
        self.default = i18n.supported(default) or i18n.ENGLISH

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        language = request_language(dict(scope["headers"]), self.default)

        async def send_labelled(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["content-language"] = language.replace("_", "-")
                headers.add_vary_header("Accept-Language")
                headers.add_vary_header("Cookie")
            await send(message)

        with i18n.using(language):
            await self.app(scope, receive, send_labelled)


@router.get("/language")
def choose_language(to: str = Query("", max_length=20), next: str = Query("/", max_length=2000)):
    """The switch: remember the chosen language in this browser and go back to the page."""
    response = RedirectResponse(local_path(next, "/"), status_code=303)
    if language := i18n.supported(to):
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=YEAR, samesite="lax", httponly=True)
    return response
