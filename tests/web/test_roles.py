"""Pages offer each role only what it may do: the server refuses by web/rules.py RULES, and the
templates ask the same table (`may(method, route)` in web/templating.py), so a viewer is never shown
a PMO button that would answer 403, and nobody signed in is shown a menu of pages they cannot open."""

from __future__ import annotations

import re

import pytest

from kb.access import Audience, Role
from tests.accounts import acting_as
from tests.web.conftest import first_id
from web.rules import RULES, MissingRule, allows
from web.templating import NAV

VIEWER = Audience(user="vic", role=Role.VIEWER)
PM = Audience(user="pam", role=Role.PM)
ADMIN = Audience(user="ada", role=Role.ADMIN)




def page_as(client, audience: Audience, path: str) -> str:
    with acting_as(client, audience):
        page = client.get(path)
    assert page.status_code == 200, (audience.role, path, page.status_code)
    return page.text


def nav_links(html: str) -> set[str]:
    """The hrefs of the main menu's page links (the brand and the user menu aside)."""
    menu = re.search(r'<ul class="nav-links">(.*?)</ul>', html, re.S)
    return set(re.findall(r'href="([^"]+)"', menu.group(1))) if menu else set()


@pytest.fixture(scope="module")
def ids(loaded) -> dict[str, int]:
    return {"lesson": first_id(loaded, "/api/search", q="vendor", kind="lesson"),
            "risk": first_id(loaded, "/api/search", q="vendor", kind="risk"),
            "document": first_id(loaded, "/api/documents")}


# --- the helper ------------------------------------------------------------------------------

def test_may_reads_the_same_rule_the_server_enforces():
    for (method, path), rule in RULES.items():
        for who in (None, VIEWER, PM, ADMIN):
            expected = rule == "open" or (who is not None and who.role.rank >= Role(rule).rank)
            assert allows(who, method, path) is expected, (who, method, path)


def test_may_refuses_a_route_it_does_not_know_rather_than_hide_a_control_quietly():
    with pytest.raises(MissingRule, match="/lessons/{id}/publish"):
        allows(ADMIN, "POST", "/lessons/{id}/publish")


# --- the menu --------------------------------------------------------------------------------

def test_the_menu_lists_only_the_pages_a_role_opens(loaded):
    every = {href for href, _ in NAV}
    viewer = nav_links(page_as(loaded, VIEWER, "/search"))
    pm = nav_links(page_as(loaded, PM, "/search"))
    admin = nav_links(page_as(loaded, ADMIN, "/search"))
    assert "/ingest" not in viewer and "/kickoff" not in viewer and {"/search", "/projects", "/themes"} <= viewer
    assert {"/ingest", "/kickoff"} <= pm and admin == every
    assert 'href="/audit"' in page_as(loaded, ADMIN, "/search")
    assert 'href="/audit"' not in page_as(loaded, PM, "/search")


def test_the_sign_in_page_shows_nobody_a_menu(loaded):
    anonymous = loaded.__class__(loaded.app, raise_server_exceptions=False)
    page = anonymous.get("/sign-in")
    assert page.status_code == 200 and 'name="password"' in page.text
    assert nav_links(page.text) == set() and '<ul class="nav-links">' not in page.text
    for href, _ in NAV:
        assert f'href="{href}"' not in page.text, href
    assert 'href="/docs"' not in page.text and "Sign out" not in page.text


# --- lessons and risks -----------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["lesson", "risk"])
def test_viewers_and_pms_read_the_tags_but_are_not_offered_the_pmo_editor(loaded, ids, kind):
    path = f"/{kind}s/{ids[kind]}"
    for who in (VIEWER, PM):
        page = page_as(loaded, who, path)
        assert 'aria-label="Tags"' in page, who  # the tags themselves stay readable
        assert "Edit tags" not in page and "Unpublish" not in page, who
        assert f'action="{path}/tags"' not in page and f'action="{path}/publish"' not in page, who
    page = page_as(loaded, ADMIN, path)
    assert "Edit tags" in page and "Unpublish" in page
    assert f'action="{path}/tags"' in page and f'action="{path}/publish"' in page


def test_feedback_is_offered_to_those_who_may_give_it(loaded, ids):
    path = f"/lessons/{ids['lesson']}"
    viewer = page_as(loaded, VIEWER, path)
    assert "marked helpful" in viewer and f'action="{path}/feedback"' not in viewer and "Mark helpful" not in viewer
    for who in (PM, ADMIN):
        assert f'action="{path}/feedback"' in page_as(loaded, who, path), who


# --- documents -------------------------------------------------------------------------------

def test_a_viewer_is_not_offered_the_review_delete_or_upload_links_of_documents(loaded, ids):
    path = f"/documents/{ids['document']}"
    viewer, admin = page_as(loaded, VIEWER, path), page_as(loaded, ADMIN, path)
    for link in (f'href="{path}/review"', f'href="{path}/delete"'):
        assert link not in viewer and link in admin, link
    assert 'href="/ingest"' not in page_as(loaded, VIEWER, "/documents")
    assert 'href="/ingest"' in page_as(loaded, PM, "/documents")


def test_only_the_pmo_is_offered_to_restore_an_earlier_version(fresh):
    doc = first_id(fresh, "/api/documents")
    name = fresh.get(f"/api/documents/{doc}").json()["source_name"]
    original = fresh.get(f"/documents/{doc}/original").content
    again = fresh.post("/api/ingest", files=[("files", (name, original + b"\n\nA later note.\n"))]).json()
    assert again[0]["outcome"] == "replaced", again
    current = again[0]["document_id"]
    restore = re.compile(r'action="/documents/\d+/versions/\d+/restore"')
    assert restore.search(page_as(fresh, ADMIN, f"/documents/{current}"))
    assert not restore.search(page_as(fresh, VIEWER, f"/documents/{current}"))
    assert not restore.search(page_as(fresh, PM, f"/documents/{current}"))


# --- projects --------------------------------------------------------------------------------

@pytest.fixture
def running(fresh) -> int:
    """A registered project that has not finished: its page offers a kickoff pack."""
    made = fresh.post("/projects", data={"code": "RUN-2026", "name": "Running project"}, follow_redirects=False)
    assert made.status_code == 303, made.text
    return int(made.headers["location"].rsplit("/", 1)[1])


def test_project_pages_offer_each_role_only_its_own_actions(fresh, running):
    path = f"/projects/{running}"
    kickoff, delete, access = f'href="/kickoff?project={running}"', f'href="{path}/delete"', f'action="{path}/access"'
    viewer, pm, admin = (page_as(fresh, who, path) for who in (VIEWER, PM, ADMIN))
    assert kickoff not in viewer and delete not in viewer and access not in viewer
    assert "Who may see this project" not in viewer and "Danger zone" not in viewer
    assert kickoff in pm and delete not in pm and access not in pm
    assert kickoff in admin and delete in admin and access in admin
    assert 'href="/projects/new"' not in page_as(fresh, VIEWER, "/projects")
    assert 'href="/projects/new"' in page_as(fresh, PM, "/projects")


def test_the_delete_link_sits_in_a_danger_zone_after_the_sharing_form(fresh, running):
    page = page_as(fresh, ADMIN, f"/projects/{running}")
    assert page.index("Who may see this project") < page.index("Danger zone") < page.index("Delete this project")


def test_saving_who_may_see_a_project_says_it_is_saved(fresh, running):
    path = f"/projects/{running}"
    assert 'role="status">Saved' not in fresh.get(path).text
    saved = fresh.post(f"{path}/access", data={"confidential": "true", "shared_with": "user:alice\ngroup:finance"})
    assert saved.status_code == 200 and f"{path}?saved=access#" in str(saved.url)
    status = re.search(r'<p class="saved" role="status">(.*?)</p>', saved.text)
    assert status and status.group(1).startswith("Saved") and "confidential" in status.group(1)
    assert "user:alice" in saved.text and "group:finance" in saved.text


def test_a_viewer_reads_themes_without_the_pmos_edit_forms(loaded):
    
    admin_page = loaded.get("/themes").text
    assert 'action="/themes/merge"' in admin_page and 'action="/themes/undo"' in admin_page
    with acting_as(loaded, VIEWER):
        page = loaded.get("/themes")
        theme = re.search(r'href="(/themes/[0-9a-f]+)"', page.text)
        detail = loaded.get(theme.group(1)).text if theme else ""
    assert page.status_code == 200 and theme, "the fixtures give at least one theme"
    for form in ("/themes/merge", "/themes/undo", "/themes/split", "/themes/rename"):
        assert f'action="{form}"' not in page.text + detail
    assert 'name="theme_id"' not in page.text and 'name="member"' not in detail
