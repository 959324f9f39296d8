"""What every browser test needs: Debian's Chromium, an app served by uvicorn on a free
loopback port, and a page that fails the test on any JavaScript error."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tests.accounts import session_cookie, user_token
from tests.processes import free_port
from web.app import SERVER_OPTIONS

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium "
                                                     "(apt-get install chromium)"),
]
"""`pytestmark` of every browser test module."""


SIGNED_IN: dict[str, str] = {}
"""The session cookie of each served app, by base URL."""

TOKENS: dict[str, str] = {}
"""A PMO admin's API token for each served app, by base URL."""


@contextmanager
def served(app) -> Iterator[str]:
    """`app` served by uvicorn in a thread; yields its base URL. Pages opened on it with
    `watched_page` are signed in as a PMO admin."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                                           **SERVER_OPTIONS))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 15
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    url = f"http://127.0.0.1:{port}"
    SIGNED_IN[url] = session_cookie(app.state.services.kb)
    TOKENS[url] = user_token(app.state.services.kb)
    try:
        yield url
    finally:
        SIGNED_IN.pop(url, None)
        TOKENS.pop(url, None)
        server.should_exit = True
        thread.join(timeout=10)


def sign_in(context, base_url: str):
    """A browser context signed in to the app `served` serves at `base_url` (its session cookie)."""
    if base_url in SIGNED_IN:
        context.add_cookies([{"name": "kb_session", "value": SIGNED_IN[base_url], "url": base_url}])
    return context


def api_headers(base_url: str) -> dict[str, str]:
    """A script's headers for the JSON API of the app `served` serves (a PMO admin's API token:
    a bearer token needs no CSRF token, a session cookie would)."""
    return {"Authorization": f"Bearer {TOKENS[base_url]}"}


@contextmanager
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def watched_page(browser, base_url: str, **context_options) -> Iterator:
    """A page on `base_url`, signed in when `served` serves it, whose JavaScript errors fail the test when it closes."""
    context = sign_in(browser.new_context(base_url=base_url, **context_options), base_url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"
