"""The Status section in a real browser: both charts draw under the CSP, with no JavaScript error."""

from __future__ import annotations

from datetime import date

import pytest

from tests.status_samples import status_docx, status_md, status_xlsx
from tests.web.browsing import BROWSER_MARKS, chromium, served, watched_page
from tests.web.test_confidential import project_id

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def test_the_s_curve_and_the_indices_draw(client, browser, tmp_path):
    files = [("files", ("POS-1_w09.md", status_md(end=date(2026, 3, 1), overall="Green"))),
             ("files", ("POS-1 - weekly status.docx", status_docx(end=date(2026, 3, 8)))),
             ("files", ("POS-1_w11_status.xlsx", status_xlsx(end=date(2026, 3, 15))))]
    assert all(r["outcome"] == "ingested" for r in client.post("/api/ingest", files=files).json())
    pid = project_id(client, "POS-1")
    with served(client.app) as url, watched_page(browser, url, viewport={"width": 1280, "height": 900}) as page:
        page.goto(f"/projects/{pid}")
        for chart in ("status-s-curve", "status-indices"):
            page.wait_for_function(f"() => window.Chart && Chart.getChart(document.getElementById('{chart}'))")
            box = page.locator(f"#{chart}").bounding_box()
            assert box and box["width"] > 300 and box["height"] > 100, box
        page.locator("#status-heading").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "status.png"), full_page=True)
