"""In a real browser, with the real model (confidence is calibrated on its cosines):
a question nothing answers shows the "nothing found" summary and weak matches,
and a question the fixtures answer shows the usual answer."""

from __future__ import annotations


import pytest
from fastapi.testclient import TestClient
from tests.accounts import as_admin

from tests.web.conftest import load_fixtures
from tests.web.browsing import BROWSER_MARKS, chromium, served, watched_page

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):
    from kb.settings import Settings
    from kb.store import KnowledgeBase
    from web.app import create_app

    settings = Settings(data_dir=tmp_path_factory.mktemp("answers") / "data", database_url="", chroma_url="",
                        _env_file=None)
    with as_admin(TestClient(create_app(settings, kb=KnowledgeBase.open(settings, embedder=embedder)))) as client:
        load_fixtures(client)
        with served(client.app) as url:
            yield url


@pytest.fixture(scope="module")
def page(server):
    with chromium() as browser, watched_page(browser, server) as page:
        yield page


def test_an_unanswerable_question_shows_nothing_found(page):
    from playwright.sync_api import expect

    page.goto("/")
    page.fill("#q", "how do we handle lunar dust")
    page.keyboard.press("Enter")
    answer = page.locator("section.answer")
    expect(answer).to_have_class("answer not-answered")
    expect(answer.locator("h2")).to_have_text("Nothing in the knowledge base answers this question.")
    expect(answer).to_contain_text("What to try")
    expect(answer.locator("a[href='/themes']")).to_be_visible()
    if page.locator(".hit").count():
        expect(page.locator(".weak-heading")).to_be_visible()
        expect(page.locator(".hit .weak-match").first).to_be_visible()


def test_an_answerable_question_shows_its_answer(page):
    from playwright.sync_api import expect

    page.goto("/search?q=what+went+wrong+on+past+ERP+migrations")
    answer = page.locator("section.answer")
    expect(answer.locator("h2")).to_contain_text("match closely")
    expect(page.locator(".weak-heading")).to_have_count(0)
