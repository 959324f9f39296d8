"""The kickoff pack in a real browser (Debian's Chromium through Playwright, as in test_browser.py):
a CRM project registered from the kickoff form gets a pack with no ERP-only instruction, and its
checklist is worked through with plain form posts."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import build_client, load_fixtures
from tests.web.browsing import BROWSER_MARKS, chromium, served, watched_page

pytestmark = BROWSER_MARKS

# A PMO lessons log with an instruction meant only for ERP migrations, one naming another
# project's plant, and one general lesson that transfers to any project.
PLANTED = (
    "Lesson ID,Project Code,Date Logged,Title,Event,Recommendations\n"
    "LL-901,WEB-ERP-2022,2023-01-10,Three cutover rehearsals made the ERP go-live uneventful,"
    "The ledger cutover ran to the minute.,Use the WEB-ERP-2022 plan as the template for ERP migrations.\n"
    "LL-902,WEB-ERP-2022,2023-01-11,The Wexford plant cutover needed a second weekend,"
    "The Wexford plant floor could not stop for two days.,Book two weekends for the Wexford plant.\n"
    "LL-903,WEB-ERP-2022,2023-01-12,The sponsor left and decisions stalled for six weeks,"
    "Nobody could approve the change requests.,Name a successor sponsor within two weeks.\n"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with build_client(tmp_path_factory.mktemp("browser-kickoff") / "data") as client:
        load_fixtures(client)
        planted = client.post("/api/ingest", files=[("files", ("pmo-lessons-log.csv", PLANTED.encode()))]).json()
        assert planted[0]["outcome"] != "rejected", planted
        with served(client.app) as url:
            yield url


@pytest.fixture
def page(server):
    with chromium() as browser, watched_page(browser, server) as page:
        yield page


def test_the_kickoff_pack_for_a_crm_project_holds_no_erp_only_instruction(page):
    from playwright.sync_api import expect

    page.goto("/kickoff")
    page.fill("#k-name", "Customer Hub 2")
    page.select_option("#k-type", "CRM rollout")
    page.fill("#k-desc", "Roll out the customer hub CRM; migrate customer data; cutover and rehearsals; sponsor")
    page.check("#k-project-new")
    page.fill("#k-project-code", "CRM-2027")
    page.get_by_role("button", name="Build the kickoff pack").click()
    expect(page).to_have_url(re.compile(r"/kickoff/\d+$"))
    expect(page.locator("h1")).to_contain_text("Customer Hub 2")
    expect(page.locator(".pack-project")).to_contain_text("CRM-2027")

    checklist = page.locator("#checklist-heading").locator("xpath=..")
    expect(checklist.locator(".check-item").first).to_be_visible()
    text = checklist.inner_text()
    assert "template for ERP" not in text and "WEB-ERP-2022 plan" not in text
    assert "Wexford" not in text
    assert "successor sponsor" in text  # a general lesson from another type of project transfers
    for label in checklist.locator(".check-item > label").all_inner_texts():
        line, _, rest = label.partition(" — ")
        assert line.strip() and line.strip() not in rest, label  # each line phrased once

    # Tick the first line with the plain form; the page comes back to it, ticked.
    first = checklist.locator(".check-item").first
    first.get_by_role("button", name="Done").click()
    expect(page).to_have_url(re.compile(r"#line-\d+$"))
    expect(checklist.locator(".check-item.state-done")).to_have_count(1)

    page.locator(".pack-project a").click()
    expect(page.locator(".checklist-progress")).to_contain_text("1 of")
