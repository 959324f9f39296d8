"""Who may see and change what (issue 11, "Accounts and roles"): every route has an access rule,
every route answers every role (and anonymous, and a forged proxy header) as its rule says,
sign-in, sign-out, expiry, disabling, API tokens, the single sign-on header, and the audit log."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from kb import accounts
from kb.access import Role
from tests.accounts import TEST_ADMIN, user_token
from tests.web.conftest import as_browser, build_client, first_id, load_fixtures
from web.rules import OPEN, RULES, MissingRule, check_every_route_has_a_rule, every_route

PROXY = "10.9.8.7"
HEADER = "X-Forwarded-User"
ROLES = {"viewer": Role.VIEWER, "pm": Role.PM, "admin": Role.ADMIN}


def anonymous(client: TestClient) -> TestClient:
    """A browser that has not signed in: no token, but the CSRF cookie and header of Lessons KB's pages."""
    client.headers.pop("Authorization", None)
    return as_browser(client)


def kb_of(client: TestClient):
    return client.app.state.services.kb


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The fixtures loaded, a single sign-on proxy configured, and a viewer, a PM and an admin with tokens."""
    with build_client(tmp_path_factory.mktemp("rules") / "data", auth_header=HEADER, trusted_proxies=PROXY) as c:
        load_fixtures(c)
        tokens = {name: user_token(kb_of(c), f"{name}-user", role) for name, role in ROLES.items()}
        yield c, tokens


# --- the table of rules ---------------------------------------------------------------

def test_every_route_of_the_app_has_an_access_rule(site):
    client, _ = site
    routes = [r for r in every_route(client.app.routes) if r.methods]
    assert len(routes) > 60
    missing = [(m, r.path) for r in routes for m in r.methods - {"HEAD"} if (m, r.path) not in RULES]
    assert not missing


def test_a_route_without_a_rule_stops_the_app_from_being_built():
    app = FastAPI()

    @app.get("/search")
    def search():  # a rule exists
        return {}

    @app.post("/api/secret-switch")
    def secret():  # no rule: must not be public by accident
        return {}

    with pytest.raises(MissingRule, match=r"POST /api/secret-switch.*web/rules.py|web/rules.py.*POST /api/secret"):
        check_every_route_has_a_rule(app.routes)


def concrete(path: str, ids: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)


def expect_denied(response, path: str, method: str, signed_in: bool) -> None:
    api = path.startswith("/api/")
    if signed_in:
        assert response.status_code == 403, (method, path, response.status_code)
    elif api or method != "GET":
        assert response.status_code == 401, (method, path, response.status_code)
    else:
        assert response.status_code == 303 and response.headers["location"].startswith("/sign-in?next="), \
            (method, path, response.status_code)
    if api:
        body = response.json()
        assert body["ok"] is False and body["status"] == response.status_code and body["error"]


def test_every_route_answers_every_role_as_its_rule_says(site):
    client, tokens = site
    ids = {"lesson_id": first_id(client, "/api/search", q="vendor", kind="lesson"),
           "risk_id": first_id(client, "/api/search", q="vendor", kind="risk"),
           "project_id": first_id(client, "/api/projects"), "document_id": first_id(client, "/api/documents"),
           "version": 1, "job_id": "unknown", "theme_id": "unknown"}
    callers = [("anonymous", {}, None), ("forged proxy header", {HEADER: "admin-user"}, None),
               ("viewer", bearer(tokens["viewer"]), Role.VIEWER), ("pm", bearer(tokens["pm"]), Role.PM),
               ("admin", bearer(tokens["admin"]), Role.ADMIN)]  # the admin last: it may delete what it finds
    routes = sorted({(m, r.path) for r in every_route(client.app.routes) if r.methods for m in r.methods - {"HEAD"}},
                    key=lambda mp: (mp[0] == "DELETE" or "delete" in mp[1], mp[1], mp[0]))
    anon = anonymous(TestClient(client.app, raise_server_exceptions=False))
    checked = 0
    for method, path in routes:
        rule, url = RULES[(method, path)], concrete(path, ids)
        for who, headers, role in callers:
            response = anon.request(method, url, headers=headers, follow_redirects=False)
            assert response.status_code < 500, (who, method, url, response.status_code, response.text[:300])
            if rule == OPEN:
                assert response.status_code != 403, (who, method, url)
            elif role is not None and role.rank >= Role(rule).rank:
                # Let through by the role gate. A 403 may still come from the route's own rule about
                # whose project it is (a project manager's upload must name a project of theirs).
                assert response.status_code != 401, (who, method, url, response.text[:300])
                assert response.status_code != 403 or "may do this" not in response.text, (who, method, url)
                if response.status_code == 403:
                    assert role is Role.PM and "ingest" in path, (who, method, url, response.text[:300])
            else:
                expect_denied(response, path, method, signed_in=role is not None)
            checked += 1
    assert checked == len(routes) * len(callers)


# --- signing in and out -----------------------------------------------------------------

@pytest.fixture
def people(tmp_path: Path):
    """An empty store with a password account `pat` (a PM), and an anonymous client on it."""
    with build_client(tmp_path / "data") as c:
        with kb_of(c).session() as session:
            accounts.add_user(session=session, name="pat", role=Role.PM, password="correct horse", groups=["ops"])
        yield anonymous(c)


def sign_in(client: TestClient, name: str = "pat", password: str = "correct horse", next_url: str = "/search"):
    return client.post("/sign-in", data={"name": name, "password": password, "next": next_url},
                       follow_redirects=False)


def test_a_page_asked_for_while_signed_out_leads_to_sign_in_and_back(people):
    page = people.get("/projects?page=1", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/sign-in?next=%2Fprojects%3Fpage%3D1"
    form = people.get(page.headers["location"])
    assert form.status_code == 200 and 'name="password"' in form.text and 'value="/projects?page=1"' in form.text
    assert "<script" not in form.text.split("<main", 1)[1]  # the form needs no JavaScript
    signed = sign_in(people, next_url="/projects?page=1")
    assert signed.status_code == 303 and signed.headers["location"] == "/projects?page=1"
    cookie = signed.headers["set-cookie"]
    assert "kb_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    home = people.get("/projects")
    assert home.status_code == 200 and "Signed in as pat · pm" in home.text and "Sign out" in home.text
    assert people.get("/api/projects").status_code == 200  # the session works for the JSON API too


def test_a_wrong_password_or_unknown_name_is_refused_the_same_way_and_recorded(people):
    wrong, unknown = sign_in(people, password="wrong horse"), sign_in(people, name="nobody")
    for reply in (wrong, unknown):
        assert reply.status_code == 401 and "do not match an enabled account" in reply.text
        assert "kb_session" not in reply.headers.get("set-cookie", "")
    assert people.get("/search", follow_redirects=False).status_code == 303
    with kb_of(people).session() as session:
        failed = accounts.audit_events(session=session, action="sign-in failed").events
    assert sorted(e.target for e in failed) == ["nobody", "pat"] and all(e.actor is None for e in failed)


def test_repeated_failed_sign_ins_pause_that_name_from_that_computer_only(people):
    for _ in range(accounts.SIGN_IN_TRIES):
        assert sign_in(people, password="guess").status_code == 401
    assert_paused(sign_in(people), "15 more minutes")  # even the right password is not checked now
    assert people.get("/search", follow_redirects=False).status_code == 303  # not signed in
    assert sign_in(elsewhere(people)).status_code == 303  # pat at their own desk is not locked out by the guesser
    assert sign_in(people).status_code == 429  # and pat signing in there does not free the guesser
    assert sign_in(people, name="nobody").status_code == 401  # other names are checked as usual
    fifteen_minutes_pass(people)
    assert sign_in(people).status_code == 303


def test_guesses_sent_all_at_once_are_counted_too(people):
    """Nineteen wrong passwords and the right one, sent together: the count was read before any of
    them was recorded, so every password was checked and the right one signed in."""
    import threading

    start = threading.Barrier(20)

    def attempt(password: str, replies: list) -> None:
        browser = as_browser(TestClient(people.app))
        start.wait()
        replies.append(sign_in(browser, password=password).status_code)

    replies: list[int] = []
    threads = [threading.Thread(target=attempt, args=(f"guess {i}" if i else "correct horse", replies))
               for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    checked = [code for code in replies if code != 429]
    assert len(replies) == 20 and len(checked) <= accounts.SIGN_IN_TRIES, replies


def test_one_guess_tried_against_many_names_pauses_that_computer(people):
    for i in range(accounts.ADDRESS_TRIES):
        assert sign_in(people, name=f"someone{i}", password="Summer2026!").status_code == 401
    assert_paused(sign_in(people), "whatever the names")  # pat's right password is not checked from there either
    assert sign_in(people, name="someone-else").status_code == 429
    assert sign_in(elsewhere(people)).status_code == 303  # everyone else signs in as usual
    fifteen_minutes_pass(people)
    assert sign_in(people).status_code == 303


def assert_paused(reply, says: str) -> None:
    assert reply.status_code == 429 and "kb_session" not in reply.headers.get("set-cookie", "")
    assert says in reply.text and 0 < int(reply.headers["Retry-After"]) <= 15 * 60


def elsewhere(client: TestClient) -> TestClient:
    """A browser on another computer."""
    return as_browser(TestClient(client.app, client=("10.1.2.3", 50000)))


def fifteen_minutes_pass(client: TestClient) -> None:
    with kb_of(client).session() as session:
        for event in session.exec(select(accounts.AuditEvent)):
            event.at -= accounts.SIGN_IN_PAUSE
            session.add(event)
        session.commit()


def test_a_few_typos_by_many_people_at_one_address_pause_nobody(people):
    for i in range(accounts.ADDRESS_TRIES - 1):
        assert sign_in(people, name=f"colleague{i}", password="typo").status_code == 401
    assert sign_in(people).status_code == 303


def test_a_new_password_from_an_admin_ends_the_pause_at_once(people):
    for _ in range(accounts.SIGN_IN_TRIES):
        sign_in(people, password="forgotten")
    assert sign_in(people).status_code == 429
    with kb_of(people).session() as session:
        accounts.set_password(session=session, name="pat", password="a brand new password", actor="kb users")
    assert sign_in(people, password="a brand new password").status_code == 303


def test_a_successful_sign_in_starts_the_count_of_failures_again(people):
    for _ in range(accounts.SIGN_IN_TRIES - 1):
        sign_in(people, password="typo")
    assert sign_in(people).status_code == 303
    people.post("/sign-out")
    for _ in range(accounts.SIGN_IN_TRIES - 1):
        assert sign_in(people, password="typo").status_code == 401
    assert sign_in(people).status_code == 303


def test_sign_in_never_sends_the_browser_to_another_site(people):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        assert sign_in(people, next_url=target).headers["location"] == "/"


def test_signing_out_ends_the_session_at_once_even_for_a_copied_cookie(people):
    sign_in(people)
    cookie = people.cookies.get("kb_session")
    out = people.post("/sign-out", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/sign-in"
    replay = anonymous(TestClient(people.app, cookies={"kb_session": cookie}))
    assert replay.get("/api/search", params={"q": "x"}).status_code == 401


def test_a_session_expires(people):
    with kb_of(people).session() as session:
        pat = accounts.user_named(session=session, name="pat")
        expired = accounts.start_session(session=session, user=pat, hours=-1)
        live = accounts.start_session(session=session, user=pat, hours=1)
    assert TestClient(people.app, cookies={"kb_session": expired}).get("/api/projects").status_code == 401
    assert TestClient(people.app, cookies={"kb_session": live}).get("/api/projects").status_code == 200


def test_disabling_a_user_ends_their_sessions_and_tokens_at_once(people):
    sign_in(people)
    token = user_token(kb_of(people), "pat")
    assert people.get("/api/projects").status_code == 200
    assert people.get("/api/projects", headers=bearer(token)).status_code == 200
    with kb_of(people).session() as session:
        accounts.disable_user(session=session, name="pat")
    assert people.get("/api/projects").status_code == 401
    assert people.get("/api/projects", headers=bearer(token)).status_code == 401
    assert sign_in(people).status_code == 401


def test_an_api_token_signs_in_html_pages_too_and_a_bad_one_is_refused(people):
    token = user_token(kb_of(people), "pat")
    page = people.get("/search", headers=bearer(token))
    assert page.status_code == 200 and "Signed in as pat" in page.text
    bad = people.get("/api/search", params={"q": "x"}, headers=bearer(token + "x"))
    assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
    assert "kb users token" in bad.json()["error"]


def test_a_role_too_low_gets_a_403_that_says_who_may(people):
    token = user_token(kb_of(people), "pat")
    page = people.post("/themes/undo", headers=bearer(token), follow_redirects=False)
    assert page.status_code == 403 and "only a PMO admin may do this" in page.text and "<html" in page.text
    api = people.delete("/api/projects/1", headers=bearer(token))
    assert api.status_code == 403 and api.json()["status"] == 403


def test_an_htmx_request_while_signed_out_is_sent_to_the_sign_in_page(people):
    reply = people.get("/search", params={"q": "x"}, headers={"HX-Request": "true"}, follow_redirects=False)
    assert reply.status_code == 401 and reply.headers["HX-Redirect"].startswith("/sign-in?next=%2Fsearch")


def test_a_test_that_acts_as_someone_is_judged_as_that_someone(fresh):
    """Overriding web.deps.get_audience (as other tests do to read as a viewer) also sets who the rules see."""
    import web.deps
    from kb.access import Audience

    fresh.app.dependency_overrides[web.deps.get_audience] = lambda: Audience(user="vic", role=Role.VIEWER)
    try:
        assert fresh.get("/api/projects").status_code == 200
        assert fresh.get("/audit").status_code == 403
        assert "Signed in as vic · viewer" in fresh.get("/search").text
    finally:
        fresh.app.dependency_overrides.clear()
    assert fresh.get("/audit").status_code == 200


def test_static_files_and_the_sign_in_page_are_open(people):
    assert people.get("/static/app.css").status_code == 200
    assert people.get("/sign-in").status_code == 200


# --- the single sign-on proxy header ------------------------------------------------------

def test_the_proxy_header_signs_in_only_when_it_comes_from_a_trusted_proxy(site):
    client, _ = site
    proxied = TestClient(client.app, client=(PROXY, 40000))
    as_admin = proxied.get("/audit", headers={HEADER: "admin-user"})
    assert as_admin.status_code == 200 and "Signed in as admin-user · admin" in as_admin.text
    newcomer = proxied.get("/api/projects", headers={HEADER: "new.person@example.org"})
    assert newcomer.status_code == 200  # someone the proxy vouches for, without an account yet: a viewer
    assert proxied.delete("/api/projects/999999", headers={HEADER: "new.person@example.org"}).status_code == 403
    forged = anonymous(TestClient(client.app, client=("10.9.8.6", 40000)))
    assert forged.get("/api/projects", headers={HEADER: "admin-user"}).status_code == 401
    assert forged.get("/audit", headers={HEADER: "admin-user"}, follow_redirects=False).status_code == 303
    assert proxied.get("/api/projects", headers={HEADER: "bad name; drop"}).status_code == 401


def test_proxy_networks_may_be_given_as_ranges(tmp_path):
    with build_client(tmp_path / "data", auth_header=HEADER, trusted_proxies=" 192.168.0.0/16 , ::1") as c:
        ranged = TestClient(c.app, client=("192.168.4.2", 1))
        assert ranged.get("/api/projects", headers={HEADER: "vera"}).status_code == 200


def test_behind_a_proxy_each_browser_is_paused_by_its_own_address(tmp_path):
    """The proxy forwards the browser's address (X-Forwarded-For): a guesser behind it is paused,
    and the audit log records where they were, while colleagues behind the same proxy sign in."""
    with build_client(tmp_path / "data", trusted_proxies=PROXY) as c:
        with kb_of(c).session() as session:
            accounts.add_user(session=session, name="pat", role=Role.PM, password="correct horse")
        proxy = anonymous(TestClient(c.app, client=(PROXY, 40000)))
        guesser, colleague = {"X-Forwarded-For": "198.51.100.7"}, {"X-Forwarded-For": "203.0.113.5"}
        spoofed = {"X-Forwarded-For": "203.0.113.5, 198.51.100.7"}  # the guesser claiming the colleague's address
        for _ in range(accounts.SIGN_IN_TRIES):
            assert proxy.post("/sign-in", data={"name": "pat", "password": "guess"}, headers=spoofed,
                              follow_redirects=False).status_code == 401
        assert proxy.post("/sign-in", data={"name": "pat", "password": "correct horse"}, headers=guesser,
                          follow_redirects=False).status_code == 429
        assert proxy.post("/sign-in", data={"name": "pat", "password": "correct horse"}, headers=colleague,
                          follow_redirects=False).status_code == 303
        # Not a trusted proxy: its X-Forwarded-For proves nothing, and its own address is recorded.
        stranger = anonymous(TestClient(c.app, client=("10.0.0.99", 40000)))
        stranger.post("/sign-in", data={"name": "pat", "password": "x"}, headers=guesser, follow_redirects=False)
        # A forwarded entry that is no address proves nothing either: the proxy's own address is recorded.
        proxy.post("/sign-in", data={"name": "pat", "password": "x"}, headers={"X-Forwarded-For": "unknown" + "x" * 5000},
                   follow_redirects=False)
        with kb_of(c).session() as session:
            events = accounts.audit_events(session=session, action="sign-in failed").events
            signed = accounts.audit_events(session=session, action="sign-in").events
        assert sorted({e.after["from"] for e in events}) == ["10.0.0.99", PROXY, "198.51.100.7"]
        assert [e.after["from"] for e in signed] == ["203.0.113.5"]


def test_single_sign_on_works_behind_a_proxy_on_the_same_machine_that_forwards_addresses(tmp_path):
    """nginx, Caddy and oauth2-proxy on the server itself add X-Forwarded-For: served as `kb serve`
    serves, the header is still believed from the proxy's address."""
    import requests

    from tests.web.browsing import served

    with build_client(tmp_path / "data", auth_header=HEADER, trusted_proxies="127.0.0.1") as c, served(c.app) as url:
        for extra in ({}, {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}):
            reply = requests.get(f"{url}/api/projects", headers={HEADER: "vera", **extra}, timeout=30)
            assert reply.status_code == 200, (extra, reply.text[:200])
        forged = requests.get(f"{url}/api/projects", headers={"X-Forwarded-For": "127.0.0.1"}, timeout=30)
        assert forged.status_code == 401  # an address in a header signs nobody in


# --- the audit log --------------------------------------------------------------------

def test_the_audit_log_records_who_changed_what_before_and_after(fresh):
    lesson = first_id(fresh, "/api/search", q="vendor", kind="lesson")
    before = fresh.get(f"/api/lessons/{lesson}").json()
    assert fresh.patch(f"/api/lessons/{lesson}", json={"category": "Vendor management"}).status_code == 200
    assert fresh.patch(f"/api/lessons/{lesson}", json={"published": False}).status_code == 200
    document = first_id(fresh, "/api/documents")
    assert fresh.delete(f"/api/documents/{document}").status_code == 200
    assert fresh.post("/sign-in", data={"name": TEST_ADMIN, "password": "wrong"}).status_code == 401

    with kb_of(fresh).session() as session:
        events = accounts.audit_events(session=session).events
    by_action = {}
    for e in events:
        by_action.setdefault(e.action, []).append(e)
    assert by_action["ingest"] and all(e.actor == TEST_ADMIN for e in by_action["ingest"])
    tags = by_action["tags"][0]
    assert tags.target == f"lesson {lesson}" and tags.before == {"category": before["category"]}
    assert tags.after == {"category": "Vendor management"}
    assert by_action["unpublish"][0].before == {"published": True} and by_action["unpublish"][0].after == {"published": False}
    assert by_action["delete"][0].target == f"document {document}" and by_action["delete"][0].before["documents"] == 1
    assert by_action["sign-in failed"][0].target == TEST_ADMIN


def test_admins_read_the_audit_log_as_a_page_filtered_by_action_and_as_csv(fresh):
    lesson = first_id(fresh, "/api/search", q="vendor", kind="lesson")
    fresh.post(f"/lessons/{lesson}/publish", data={"published": "false"})
    page = fresh.get("/audit", params={"action": "unpublish"})
    assert page.status_code == 200 and f"lesson {lesson}" in page.text and TEST_ADMIN in page.text
    assert "ingest" not in page.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    every = fresh.get("/audit.csv")
    assert every.status_code == 200 and every.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(every.text)))
    assert rows[0] == ["at (UTC)", "who", "action", "target", "before", "after"]
    assert {"ingest", "unpublish"} <= {r[2] for r in rows[1:]}
    only = list(csv.reader(io.StringIO(fresh.get("/audit.csv", params={"action": "unpublish"}).text)))
    assert [r[2] for r in only[1:]] == ["unpublish"] and '"published": false' in only[1][5]
    chinese = {"Accept-Language": "zh-CN"}
    page = fresh.get("/audit", params={"action": "unpublish"}, headers=chinese).text
    assert "审计日志" in page and "“取消发布”共 1 条事件" in page and ">取消发布</td>" in page
    header = next(csv.reader(io.StringIO(fresh.get("/audit.csv", headers=chinese).text)))
    assert header == ["时间（UTC）", "操作人", "操作", "对象", "修改前", "修改后"]


def test_a_theme_edit_and_a_restore_are_recorded(fresh):
    theme = fresh.get("/api/themes").json()["themes"][0]["id"]
    assert fresh.post("/themes/rename", data={"theme_id": theme, "name": "Renamed by the PMO"},
                      follow_redirects=False).status_code == 303
    assert fresh.post("/themes/undo", follow_redirects=False).status_code == 303
    document = first_id(fresh, "/api/documents")
    name = fresh.get(f"/api/documents/{document}").json()["source_name"]
    original = fresh.get(f"/documents/{document}/original").content
    changed = original.replace(b"vendor", b"supplier", 1) + b"\n"
    assert fresh.post("/api/ingest", files=[("files", (name, changed))]).json()[0]["outcome"] == "replaced"
    assert fresh.post(f"/api/documents/{document}/versions/1/restore").status_code == 200
    with kb_of(fresh).session() as session:
        actions = [e.action for e in accounts.audit_events(session=session).events]
    assert "replace" in actions and "restore" in actions and actions.count("theme") == 2
    with kb_of(fresh).session() as session:
        renamed, undone = [e for e in accounts.audit_events(session=session, action="theme").events][::-1]
    assert renamed.target == "rename" and renamed.after["name"] == "Renamed by the PMO"
    assert undone.target == "undo rename" and undone.before["name"] == "Renamed by the PMO"


def test_a_viewer_cannot_read_the_audit_log(people):
    viewer = user_token(kb_of(people), "vic", Role.VIEWER)
    assert people.get("/audit", headers=bearer(viewer)).status_code == 403
    assert people.get("/audit.csv", headers=bearer(viewer)).status_code == 403


def test_sessions_last_as_long_as_the_setting_says(tmp_path):
    with build_client(tmp_path / "data", session_hours=0.5) as c:
        with kb_of(c).session() as session:
            accounts.add_user(session=session, name="sam", role=Role.VIEWER, password="long enough")
        reply = sign_in(anonymous(c), "sam", "long enough")
        assert "Max-Age=1800" in reply.headers["set-cookie"]
        with kb_of(c).session() as session:
            row = session.exec(select(accounts.UserSession)).one()
        assert timedelta(minutes=29) < row.expires_at - row.created_at <= timedelta(minutes=30)


def test_marking_a_project_confidential_is_recorded_with_who_could_see_it(fresh):
    project = first_id(fresh, "/api/projects")
    changed = fresh.patch(f"/api/projects/{project}", json={"confidential": True, "shared_with": ["user:alice"]})
    assert changed.status_code == 200
    fresh.post(f"/projects/{project}/access", data={"shared_with": "group:finance"}, follow_redirects=False)
    with kb_of(fresh).session() as session:
        events = [e for e in accounts.audit_events(session=session).events if e.action == "confidentiality"]
    assert len(events) == 2 and all(e.actor == TEST_ADMIN for e in events)
    first = min(events, key=lambda e: e.id)
    assert first.before == {"confidential": False, "shared_with": []}
    assert first.after["confidential"] is True and first.after["shared_with"] == ["user:alice=read"]
