"""The app in a real browser: Debian's Chromium driven by Playwright, against
uvicorn on a free local port. Never `playwright install`: the system browser is used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.web.browsing import BROWSER_MARKS, chromium, served, watched_page
from tests.web.conftest import build_client, load_fixtures

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app, loaded with the fixture documents, served by uvicorn in a thread."""
    with build_client(tmp_path_factory.mktemp("browser") / "data") as client:
        load_fixtures(client)
        with served(client.app) as url:
            yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser, server):
    with watched_page(browser, server, accept_downloads=True) as page:
        yield page


def test_search_with_a_facet_then_remove_a_detected_chip(page):
    from playwright.sync_api import expect

    page.goto("/")
    expect(page.locator("#q")).to_be_focused()
    page.fill("#q", "what went wrong with vendors")
    page.keyboard.press("Enter")
    chip = page.locator("a.chip-detected").first
    expect(chip).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=what"))

    page.check("input[name='kind'][value='lesson']")  # htmx submits on change, no button
    expect(page).to_have_url(re.compile(r"kind=lesson"))
    expect(page.locator(".hit .kind-risk")).to_have_count(0)
    expect(page.locator(".hit .kind-lesson").first).to_be_visible()

    detected = page.locator("a.chip-detected").count()
    page.locator("a.chip-detected").first.click()
    expect(page).to_have_url(re.compile(r"ignored="))
    expect(page.locator("a.chip-detected")).to_have_count(detected - 1)
    expect(page.locator("input[name='kind'][value='lesson']")).to_be_checked()


def test_follow_a_lesson_citation_to_its_section(page):
    from playwright.sync_api import expect

    page.goto("/search?q=rehearse+the+cutover")
    page.locator(".hit-title a").first.click()
    expect(page.locator("h1")).to_contain_text("Rehearse the cutover")
    page.locator(".sources a").first.click()
    expect(page).to_have_url(re.compile(r"/documents/\d+#lessons-learned-item-\d+$"))
    target = page.locator(":target")
    expect(target).to_have_attribute("id", re.compile(r"^lessons-learned-item-\d+$"))  # the bullet, in its section
    expect(target).to_be_in_viewport()
    assert target.evaluate("el => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"


def test_upload_a_report_then_find_it(page, tmp_path):
    from playwright.sync_api import expect

    report = tmp_path / "WEB-NET-2024_closure-report.md"
    report.write_text("---\nkind: closure report\nproject: Branch Network Refresh\ncode: WEB-NET-2024\n"
                      "project_type: network upgrade\noutcome: successful\n---\n# Closure report\n\n"
                      "## What went wrong\n\n- **Carrier circuits arrived after the zebracorn deadline.** "
                      "Orders were placed too late.\n")
    page.goto("/ingest")
    page.set_input_files("#files", str(report))
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Upload results", timeout=20_000)
    expect(page.locator(".results-table")).to_contain_text("ingested")
    expect(page.locator(".review-item")).to_have_count(1)

    page.goto("/")
    page.fill("#q", "zebracorn deadline")
    page.keyboard.press("Enter")
    expect(page.locator(".hit-title").first).to_contain_text("Carrier circuits")


def test_build_and_export_a_kickoff_pack(page):
    from playwright.sync_api import expect

    page.goto("/kickoff")
    page.fill("#k-name", "Stores ERP")
    page.select_option("#k-type", "ERP migration")
    page.fill("#k-desc", "New ERP with a systems integrator and a data migration from the old ledger.")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Kickoff pack: Stores ERP")
    expect(page.locator(".project-card").first).to_contain_text("Ledger Replacement")
    box = page.locator(".check-item input[type=checkbox]").first
    box.check()
    expect(box).to_be_checked()

    with page.expect_download() as info:
        page.click("text=Export as Markdown")
    download = info.value
    assert download.suggested_filename.endswith(".md")
    text = Path(download.path()).read_text()
    assert text.startswith("# Kickoff pack: Stores ERP") and "- [ ] " in text
