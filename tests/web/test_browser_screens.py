"""The screens of issue 10 in a real browser (Debian's Chromium through Playwright): charts after an htmx
filter change, a wide register's own scroll box, a citation landing on its bullet, the upload results on a
phone. Fixtures and launch flags come from test_browser.py."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.web.browsing import BROWSER_MARKS, api_headers, sign_in
from tests.web.test_browser import browser, page, server  # noqa: F401  (fixtures)

pytestmark = BROWSER_MARKS

CANVAS = """c => {
  const box = c.parentElement.getBoundingClientRect(), r = c.getBoundingClientRect();
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i]) painted++;
  return {width: r.width, height: r.height, boxWidth: box.width, boxHeight: box.height, painted,
          chart: !!window.Chart.getChart(c)};
}"""


def test_a_chart_has_a_size_and_a_picture_after_a_filter_change(page):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/metrics")
    canvas = page.locator("figure[data-chart] canvas").first
    expect(canvas).to_be_visible()
    page.select_option("select[name=by]", "type")  # htmx swaps #metrics-body on change
    expect(page).to_have_url(re.compile(r"by=type"))
    expect(page.locator("#breakdown-heading")).to_have_text("By project type")
    page.wait_for_function("() => [...document.querySelectorAll('figure[data-chart] canvas')]"
                           ".every(c => window.Chart.getChart(c))")
    page.wait_for_timeout(100)  # past htmx's settle, which used to reset the canvas to 300×150
    for handle in page.locator("figure[data-chart] canvas").element_handles():
        size = handle.evaluate(CANVAS)
        assert size["chart"] and size["painted"] > 0, size
        assert size["width"] == pytest.approx(size["boxWidth"], abs=2) and size["width"] > 300, size
        assert size["height"] == pytest.approx(size["boxHeight"], abs=2) and size["height"] > 150, size


def wide_register(rows: int = 60) -> bytes:
    head = ("Risk ID,Project Code,Date Raised,Risk Category,Risk Description,Cause,Effect,Probability,Impact,"
            "Proximity,Response,Risk Owner,Risk Status\n")
    lines = [f"R-{n:03},WEB-ERP-2022,2022-0{1 + n % 9}-1{n % 10},Schedule,"
             f"Supplier {n} may deliver the interface adapters after the integration test window opens,"
             f"The supplier's lead times were never confirmed in writing for batch {n},"
             f"Integration testing slips by two to four weeks and the cutover date moves,"
             f"Likely,Major,Next quarter,Weekly supplier call with dated milestones and a penalty clause,"
             f"Integration Lead,{'Materialised' if n % 3 == 0 else 'Open'}" for n in range(1, rows + 1)]
    return (head + "\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def wide_register_id(server) -> int:
    files = [("files", ("WEB-ERP-2022_wide_risk_register.csv", wide_register(), "text/csv"))]
    report = httpx.post(f"{server}/api/ingest", files=files, headers=api_headers(server), timeout=120).json()[0]
    assert report["outcome"] == "ingested", report
    return report["document_id"]


def test_a_wide_register_scrolls_in_its_own_box_with_a_sticky_header(page, wide_register_id):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto(f"/documents/{wide_register_id}#row-45")
    row = page.locator("#row-45")
    expect(row).to_be_in_viewport()
    box = page.locator(".register")
    assert page.locator(".register thead th").first.evaluate("th => getComputedStyle(th).position") == "sticky"
    geometry = box.evaluate("""box => {
      const b = box.getBoundingClientRect(), head = box.querySelector('thead th').getBoundingClientRect();
      const row = document.getElementById('row-45').getBoundingClientRect();
      return {top: b.top, bottom: b.bottom, scrollTop: box.scrollTop, tall: box.scrollHeight > box.clientHeight,
              wide: box.scrollWidth > box.clientWidth, headBottom: head.bottom, rowTop: row.top,
              rowBottom: row.bottom, pageWide: document.documentElement.scrollWidth > innerWidth};
    }""")
    assert geometry["tall"] and geometry["wide"] and not geometry["pageWide"], geometry
    assert geometry["scrollTop"] > 0, geometry  # the box itself scrolled to the cited row
    assert geometry["headBottom"] <= geometry["rowTop"] + 1, geometry  # not hidden under the header
    assert geometry["rowBottom"] <= geometry["bottom"] + 1, geometry

    # The last column is reached by scrolling the box sideways; the header row stays on top while it scrolls.
    box.evaluate("box => { box.scrollLeft = box.scrollWidth; box.scrollTop += 300; }")
    status = page.locator(".register thead th").last
    expect(status).to_have_text("Risk Status")
    expect(status).to_be_in_viewport()
    edges = box.evaluate("""box => {
      const b = box.getBoundingClientRect(), th = box.querySelector('thead th:last-child').getBoundingClientRect();
      return {right: b.right, thRight: th.right, top: b.top, thTop: th.top};
    }""")
    assert edges["thRight"] <= edges["right"] + 1 and abs(edges["thTop"] - edges["top"]) <= 2, edges


def test_a_lesson_citation_lands_on_its_bullet(page):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto("/search?q=rehearse+the+cutover+twice")
    page.locator(".hit-title a").first.click()
    expect(page.locator("h1")).to_contain_text("Rehearse the cutover")
    page.locator(".sources a").first.click()
    target = page.locator(":target")
    expect(target).to_have_count(1)
    assert target.evaluate("el => el.tagName") == "LI"
    expect(target).to_contain_text("Rehearse the cutover twice before go-live")
    expect(target).to_be_in_viewport()
    assert target.evaluate("el => getComputedStyle(el).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    expect(page.locator("h2", has_text="Lessons learned")).to_be_in_viewport()  # its section stays in sight


def test_on_a_phone_the_upload_results_keep_the_reasons_on_screen(browser, server, tmp_path):
    from playwright.sync_api import expect

    notes = tmp_path / "meeting-notes.txt"
    notes.write_text("Minutes of the steering group.")
    empty = tmp_path / "WEB-EMPTY-2024_closure-report.md"
    empty.write_text("# Closure report\n\nNothing to report.\n")
    context = sign_in(browser.new_context(base_url=server, viewport={"width": 390, "height": 844}, is_mobile=True),
                      server)
    try:
        phone = context.new_page()
        phone.goto("/ingest")
        phone.set_input_files("#files", [str(notes), str(empty)])
        phone.click("button[type=submit]")
        expect(phone.locator("h1")).to_have_text("Upload results", timeout=20_000)
        reasons = phone.locator(".results-table td.notes")
        expect(reasons).to_have_count(2)
        expect(reasons.first).to_contain_text("not a format we read")
        width = phone.evaluate("innerWidth")
        for cell in reasons.element_handles():
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)
        assert phone.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()


FITS = """s => {
  s.value = [...s.options].map(o => o.text).sort((a, b) => b.length - a.length)[0];
  const css = getComputedStyle(s), ctx = document.createElement('canvas').getContext('2d');
  ctx.font = css.font;
  const room = s.clientWidth - parseFloat(css.paddingLeft) - parseFloat(css.paddingRight);
  return {text: s.value, needed: ctx.measureText(s.value).width, room};
}"""


@pytest.mark.parametrize("width", [1366, 390])
def test_the_category_select_shows_its_longest_name_whole(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/search?q=rehearse+the+cutover+twice")
    lesson = page.locator(".hit-title a").first.get_attribute("href")
    page.goto(lesson)
    document = page.locator(".sources a").first.get_attribute("href").split("#")[0]
    for path in (lesson, f"{document}/review"):
        page.goto(path)
        page.locator("details.edit-tags").first.evaluate("d => d.open = true")
        fit = page.locator("select[name=category]").first.evaluate(FITS)
        assert fit["text"] == "stakeholders and communication" and fit["needed"] <= fit["room"], (path, fit)
