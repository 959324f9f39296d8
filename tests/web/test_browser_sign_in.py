"""Signing in and out in a real browser with JavaScript turned off: the sign-in page is a plain form."""

from __future__ import annotations

import re

import pytest

from kb import accounts
from kb.access import Role
from tests.web.browsing import BROWSER_MARKS, chromium, served
from tests.web.conftest import build_client

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with build_client(tmp_path_factory.mktemp("sign-in") / "data") as client:
        with client.app.state.services.kb.session() as session:
            accounts.add_user(session=session, name="pat", role=Role.PM, password="correct horse")
        with served(client.app) as url:
            yield url


def test_sign_in_and_out_without_javascript(server):
    from playwright.sync_api import expect

    with chromium() as browser:
        context = browser.new_context(base_url=server, java_script_enabled=False)  # not signed in
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto("/projects")
        expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fprojects$"))
        page.fill("#sign-in-name", "pat")
        page.fill("#sign-in-password", "wrong horse")
        page.click("form[action='/sign-in'] button[type=submit]")
        expect(page.locator("[role=alert]")).to_contain_text("do not match")
        page.fill("#sign-in-password", "correct horse")
        page.click("form[action='/sign-in'] button[type=submit]")
        expect(page).to_have_url(re.compile(r"/projects$"))
        expect(page.locator(".user-menu")).to_contain_text("Signed in as pat · pm")
        page.click(".user-menu input[type=submit]")
        expect(page).to_have_url(re.compile(r"/sign-in$"))
        page.goto("/projects")
        expect(page).to_have_url(re.compile(r"/sign-in\?next="))
        context.close()
