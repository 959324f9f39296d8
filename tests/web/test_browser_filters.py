"""Filters read from the question, in a real browser: the sidebar shows them ticked,
and unticking one removes it (Debian's Chromium via Playwright, like test_browser.py)."""

from __future__ import annotations

import re

from tests.web.browsing import BROWSER_MARKS
from tests.web.test_browser import browser, page, server  # noqa: F401  (shared fixtures)

pytestmark = BROWSER_MARKS


def test_a_detected_polarity_is_ticked_in_the_sidebar_and_unticking_removes_it(page):  # noqa: F811
    from playwright.sync_api import expect

    page.goto("/")
    page.fill("#q", "what went wrong on ERP migrations")
    page.keyboard.press("Enter")
    box = page.locator("#f-polarity-went-wrong")
    expect(box).to_be_checked()
    expect(page.locator("a.chip-detected", has_text="went wrong")).to_be_visible()
    expect(page.locator(".chips")).to_contain_text("Filtered to:")

    box.uncheck()  # htmx submits the form on change
    expect(page).to_have_url(re.compile(r"offered=polarity"))
    expect(page.locator("input[name='ignored'][value='polarity:went wrong']")).to_have_count(1)
    expect(page.locator("a.chip-detected", has_text="went wrong")).to_have_count(0)
    expect(page.locator("#f-polarity-went-wrong")).not_to_be_checked()
    expect(page.locator("#q")).to_have_value("what went wrong on ERP migrations")
