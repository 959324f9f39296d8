"""Hostile requests against every route of the app: none may end in a 500.

Every route the app has (enumerated from the app's routers, so a new route is covered without editing
this file) gets ids no row can have, query strings that are too long or of the wrong type,
malformed bodies and forged headers. Each must get a clear 4xx (or succeed), never a 500, and
under /api the error must keep the {"ok": false, "error", "status"} shape."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from fastapi.routing import iter_route_contexts

from kb.settings import Settings


def app_routes() -> list[tuple[str, str]]:
    """(method, path) of every route of the app, built on an empty data directory."""
    from web.app import create_app

    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(Settings(data_dir=Path(data_dir), database_url="", chroma_url="", _env_file=None))
        app.state.jobs.close()
        # FastAPI keeps included routers whole in app.routes; iter_route_contexts opens them up.
        return sorted({(method, route.path) for route in iter_route_contexts(app.routes)
                       for method in (route.methods or set()) - {"HEAD"}})


ROUTES = app_routes()

IDS = ["1", "0", "-1", str(2**63), str(10**30), "abc", "9" * 400]
"""An id that exists in the fixtures, then ids that no row can have or that are not numbers."""

HOSTILE_QUERIES = [{name: value} for name, value in {
    "q": "lessons " * 7_500,  # 60 KB, near the longest URL a client sends
    "limit": "abc", "offset": str(2**63), "page": "-1", "year": "abc", "year_from": str(10**30), "year_to": "x",
    "kind": "zzz", "by": "zzz", "format": "zzz", "period": "1999-Q9", "type": "\x00", "ignored": "nonsense",
    "project_id": str(2**63), "project": str(2**63), "table": "zzz", "state": "zzz",
}.items()]
"""One hostile parameter per request, so that one refused parameter does not hide the next."""

HOSTILE_BODIES = [
    {"content": b"{not json", "headers": {"content-type": "application/json"}},
    {"json": {"title": None, "tags": "not a list", "published": "maybe", "kind": 5, "project_id": 2**63,
              "confidential": "yes", "name": None, "code": 2**70, "state": ["x"]}},
    {"json": [1, 2, 3]},
    {"json": "just a string"},
    {"data": {"theme_id": "x" * 5000, "member": "nobody", "state": "zzz", "name": "", "kind": "zzz",
              "project_id": str(2**63), "published": "maybe", "next": "//evil.example"}},
    {"content": b"\xff\xfe" * 100, "headers": {"content-type": "multipart/form-data; boundary=zz"}},
    {"content": b"--zz\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.md\"\r\n\r\n# hi",
     "headers": {"content-type": "multipart/form-data; boundary=zz"}},  # cut off mid-part
    {"files": [("files", ("../../etc/passwd.md", b"# Lessons\n\n- went wrong: a path"))], "data": {"project": "x" * 100}},
]

FORGED_HEADERS = [
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"},
    {"Origin": "null"},
    {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-User": "admin", "X-Forwarded-Host": "evil.example"},
    {"HX-Request": "true", "HX-Target": "#" + "x" * 2000, "Accept": "*/*;q=abc"},
]


def paths(template: str) -> list[str]:
    """The route's path with every {parameter} set to each hostile id in turn."""
    if "{" not in template:
        return [template]
    return [re.sub(r"\{[^}]+\}", value, template) for value in IDS]


def assert_handled(response, method: str, path: str, how: str) -> None:
    assert response.status_code < 500, f"{method} {path[:80]} with {how}: {response.status_code} {response.text[:300]}"
    if path.startswith("/api/") and response.status_code >= 400:
        body = response.json()
        assert body["ok"] is False and body["status"] == response.status_code and body["error"], body


def test_the_statuses_the_issue_names(fresh):
    lesson = fresh.get("/api/search", params={"q": "vendor", "kind": "lesson"}).json()["hits"][0]["id"]
    before = fresh.get(f"/api/lessons/{lesson}").json()
    nulled = fresh.patch(f"/api/lessons/{lesson}", json={"title": None})
    assert nulled.status_code == 422 and "title cannot be null" in nulled.json()["error"]
    assert fresh.patch(f"/api/lessons/{lesson}", json={"title": "  "}).status_code == 422
    assert fresh.get(f"/api/lessons/{lesson}").json() == before
    for bad in (2**63, -1, 0, 10**30):
        assert fresh.get(f"/api/lessons/{bad}").status_code == 404
        assert fresh.get(f"/lessons/{bad}").status_code == 404
        assert fresh.patch(f"/api/risks/{bad}", json={"tags": ["x"]}).status_code == 404
    year = fresh.get("/api/search", params={"q": "vendor", "year": "abc"})
    assert year.status_code == 422 and "four digits" in year.json()["error"]
    assert fresh.get("/api/search", params={"q": "vendor", "year": "2022"}).status_code == 200


@pytest.mark.parametrize(("method", "route"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_no_hostile_request_is_a_server_error(loaded, method, route):
    # `loaded` is this module's own copy: a DELETE of id 1 along the way only turns later id-1 requests into 404s.
    for path in paths(route):
        assert_handled(loaded.request(method, path), method, path, "no body")
        for headers in FORGED_HEADERS:
            assert_handled(loaded.request(method, path, headers=headers), method, path, f"headers {headers}")
    path = paths(route)[0]  # the ids that exist: the request gets past the path to its parameters and body
    for query in HOSTILE_QUERIES:
        assert_handled(loaded.request(method, path, params=query), method, path, f"query {str(query)[:60]}")
    if method != "GET":
        for body in HOSTILE_BODIES:
            assert_handled(loaded.request(method, path, **body), method, path, f"body {str(body)[:80]}")


def test_the_sweep_covers_the_routes_that_change_things():
    """The enumeration found the app's routes, including the state-changing ones."""
    assert ("PATCH", "/api/lessons/{lesson_id}") in ROUTES and ("POST", "/ingest") in ROUTES
    assert len(ROUTES) > 50
