"""The hardened web surface: CSRF tokens, the cross-site refusal page, security headers and the CSP,
allowed hosts, no remote resources in documents, bounded GETs and streamed upload limits."""

from __future__ import annotations

import asyncio
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.accounts import as_admin, session_cookie
from tests.web.conftest import CSRF_TOKEN, first_id
from web.auth import SESSION_COOKIE
from web.rendering import render_document_html

TEMPLATES = Path(__file__).parents[2] / "web" / "templates"
STATIC = Path(__file__).parents[2] / "web" / "static"


class Forms(HTMLParser):
    """The POST forms of a page, each with the fields a browser would submit as the page stands."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "get").lower() == "post":
            self.forms.append({"action": a["action"], "fields": []})
        if not self.forms or self.forms[-1].get("closed"):
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("name") and (a.get("type") not in ("checkbox", "radio") or "checked" in a):
            if a.get("type") != "file":
                fields.append((a["name"], a.get("value") or ""))
        elif tag == "select" and a.get("name"):
            self._select, self._first_option = a["name"], None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if "selected" in a:
                fields.append((self._select, value))
                self._select = None
            elif self._first_option is None:
                self._first_option = value

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            self.forms[-1]["fields"].append((self._select, self._first_option or ""))
            self._select = None
        if tag == "form" and self.forms:
            self.forms[-1]["closed"] = True


def post_forms(client, path: str) -> list[dict]:
    parser = Forms()
    parser.feed(client.get(path).text)
    return parser.forms


def pages_with_forms(client) -> list[str]:
    lesson = first_id(client, "/api/search", q="vendor", kind="lesson")
    risk = first_id(client, "/api/search", q="vendor", kind="risk")
    document = client.get("/api/documents").json()["items"][0]["id"]
    project = client.get("/api/projects").json()["items"][0]["id"]
    pack = client.post("/kickoff", data={"name": "Stores ERP", "project_type": "ERP migration"},
                       follow_redirects=False).headers["location"]
    client.post(f"/api/documents/{document}/versions/1/restore")  # a second version, so one can be restored
    theme = client.get("/api/themes").json()["themes"][0]["id"]
    return [f"/lessons/{lesson}", f"/risks/{risk}", "/projects/new", "/kickoff", pack, "/ingest",
            f"/documents/{document}", f"/documents/{document}/review", "/themes", f"/themes/{theme}",
            f"/documents/{document}/delete", f"/projects/{project}/delete"]


def as_data(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


def is_refused(response) -> bool:
    return response.status_code == 403 and "security token" in response.text


def test_every_post_form_carries_the_token_and_is_refused_without_it(fresh):
    """Each POST form of the app, submitted as the page stands, gets past the CSRF check with its own
    token (a redirect, or the form's own message where it needs something typed or chosen first) and
    is refused with a missing or forged one."""
    forms = [form for page in pages_with_forms(fresh) for form in post_forms(fresh, page)]
    actions = {re.sub(r"\d+", "N", f["action"]) for f in forms}
    assert len(actions) >= 15, actions  # tags, publish, feedback, themes, checklist, kickoff, uploads, deletes...
    del fresh.headers["X-CSRF-Token"]  # a plain form post: the token travels only in the form
    del fresh.headers["Authorization"]  # and a signed-in browser, not a script with an API token
    fresh.cookies.set(SESSION_COOKIE, session_cookie(fresh.app.state.services.kb))
    done_as_they_stand = 0
    # Deletions last, as they remove the rest, and signing out after them.
    for form in sorted(forms, key=lambda f: (f["action"] == "/sign-out", "delete" in f["action"])):
        fields = form["fields"]
        assert ("csrf_token", CSRF_TOKEN) in fields, form
        without = [(k, v) for k, v in fields if k != "csrf_token"]
        assert is_refused(fresh.post(form["action"], data=as_data(without))), form
        assert is_refused(fresh.post(form["action"], data=as_data(without + [("csrf_token", "forged")]))), form
        done = fresh.post(form["action"], data=as_data(fields), follow_redirects=False,
                          files=[("files", ("brief.md", b"# Brief\n\n- went wrong: late vendor"))]
                          if form["action"] == "/ingest" else None)
        assert not is_refused(done) and done.status_code < 500, (form, done.status_code, done.text[-500:])
        assert done.status_code in (303, 400, 422), (form, done.status_code)
        done_as_they_stand += done.status_code == 303
    assert done_as_they_stand >= 15, done_as_they_stand


def test_htmx_sends_the_token_as_a_header(fresh):
    page = fresh.get("/search").text
    assert f'hx-headers="{{&#34;X-CSRF-Token&#34;: &#34;{CSRF_TOKEN}&#34;}}"' in page
    lesson = first_id(fresh, "/api/search", q="vendor", kind="lesson")
    edit = fresh.post(f"/lessons/{lesson}/publish", data={"published": "false"}, headers={"HX-Request": "true"})
    assert edit.status_code == 200 and "hidden from search" in edit.text
    del fresh.headers["X-CSRF-Token"]  # a signed-in browser (no API token) without the header
    token = fresh.headers.pop("Authorization")
    fresh.cookies.set(SESSION_COOKIE, session_cookie(fresh.app.state.services.kb))
    refused = fresh.patch(f"/api/lessons/{lesson}", json={"published": True})
    assert refused.status_code == 403 and refused.json() == {"ok": False, "error": refused.json()["error"], "status": 403}
    assert fresh.get(f"/api/lessons/{lesson}", headers={"Authorization": token}).json()["published"] is False


def test_a_first_visit_gets_its_token_in_a_cookie_and_in_the_page(client):
    client.cookies.clear()
    del client.headers["X-CSRF-Token"]
    page = client.get("/projects/new")
    token = page.cookies["kb_csrf"]
    assert len(token) >= 32 and f'name="csrf_token" value="{token}"' in page.text
    assert "SameSite=Lax" in page.headers["set-cookie"]
    assert "set-cookie" not in client.get("/api/projects").headers  # scripts are not handed a cookie
    made = client.post("/projects", data={"code": "NEW-1", "name": "New one", "csrf_token": token},
                       follow_redirects=False)
    assert made.status_code == 303


def test_scripts_with_a_bearer_token_need_no_csrf_token(client):
    # The client signs every request with a PMO admin's API token (tests/accounts.py).
    client.cookies.clear()
    del client.headers["X-CSRF-Token"]
    made = client.post("/api/projects", json={"code": "SCRIPT-1", "name": "From a script"})
    assert made.status_code == 201
    # A token is never attached by a browser on its own, so it needs no CSRF token even beside the
    # browser's cookies or a browser's Sec-Fetch-Site: the request is judged by the token alone.
    client.cookies.set("kb_csrf", CSRF_TOKEN)
    assert client.post("/api/projects", json={"code": "SCRIPT-2", "name": "x"},
                       headers={"Sec-Fetch-Site": "same-origin"}).status_code == 201
    # ...and a wrong token is not rescued by the cookies.
    forged = client.post("/api/projects", json={"code": "B-2", "name": "x"}, headers={"Authorization": "Bearer t"})
    assert forged.status_code == 401
    # A signed-in browser (session cookie, no bearer token) that sends no CSRF token is refused.
    del client.headers["Authorization"]
    client.cookies.set(SESSION_COOKIE, session_cookie(client.app.state.services.kb))
    browser = client.post("/api/projects", json={"code": "B-1", "name": "x"}, headers={"Sec-Fetch-Site": "same-origin"})
    assert browser.status_code == 403
    codes = [p["code"] for p in as_admin(client).get("/api/projects").json()["items"]]
    assert "B-1" not in codes and "B-2" not in codes


def test_a_cross_site_post_gets_the_apps_error_page(client):
    forged = client.post("/projects", data={"code": "EVIL", "name": "x", "csrf_token": CSRF_TOKEN},
                         headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403
    assert '<section class="error-box"' in forged.text and "another web site" in forged.text
    assert "Lessons KB" in forged.text and forged.headers["content-security-policy"]
    assert client.get("/api/projects").json()["total"] == 0


@pytest.mark.parametrize("path", ["/", "/api/search", "/static/app.css", "/nowhere", "/api/lessons/999"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "img-src 'self' data:" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_templates_have_no_inline_script_style_or_handler():
    for template in TEMPLATES.glob("*.html"):
        text = re.sub(r"\{#.*?#\}", "", template.read_text(), flags=re.S)  # comments are not sent
        for script in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in script or 'type="application/json"' in script, (template.name, script)
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=|javascript:", text), template.name
        assert not re.search(r"hx-trigger=\"[^\"]*\[", text), template.name  # htmx filters are eval'd
        assert "hx-on" not in text and "hx-vars" not in text, template.name
        if '<form method="post"' in text:
            assert text.count('<form method="post"') == text.count("{{ csrf_field() }}"), template.name


def test_only_allowed_hosts_are_answered(client):
    assert client.get("/", headers={"Host": "rebind.evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "localhost:8000"}).status_code == 200
    assert client.get("/", headers={"Host": "127.0.0.1"}).status_code == 200


def test_rendered_documents_load_nothing_remote():
    html, _ = render_document_html("# Notes\n\n![chart](https://tracker.example/pixel.png)\n\n"
                                   "![local](/static/favicon.svg) and ![inline](data:image/png;base64,AAAA)")
    assert "<img" not in html.replace('<img src="data:', "") and "tracker.example/pixel.png" in html
    assert 'rel="nofollow noopener noreferrer"' in html and "Image: chart" in html


def test_a_document_page_turns_a_remote_image_into_a_link(client):
    report = client.post("/api/ingest", files=[("files", ("pixel.md", b"# Retro\n\n## Went wrong\n\n"
                                                 b"- Vendor late. ![x](https://tracker.example/p.gif)\n"))]).json()[0]
    page = client.get(f"/documents/{report['document_id']}").text
    assert "tracker.example" in page and not re.search(r"<img[^>]+tracker", page)


def test_searches_go_a_fixed_depth(loaded):
    deep = loaded.get("/api/search", params={"q": "vendor", "offset": 995, "limit": 10})
    assert deep.status_code == 422 and "1,000 deep" in deep.json()["error"]
    assert loaded.get("/api/search", params={"q": "vendor", "offset": 990, "limit": 10}).status_code == 200
    assert loaded.get("/api/facets", params={"offset": 10_000}).status_code == 422
    assert loaded.get("/search", params={"q": "vendor", "page": 101}).status_code == 422
    assert loaded.get("/search", params={"q": "vendor", "page": 34, "limit": 30}).status_code == 422
    assert loaded.get("/search", params={"q": "vendor", "page": 100}).status_code == 200
    assert loaded.get("/api/documents", params={"offset": 10_001}).status_code == 422
    assert loaded.get("/documents", params={"page": 401}).status_code == 422
    assert loaded.get("/projects", params={"page": 501}).status_code == 422


def asgi_post(client, path: str, chunks, headers=()) -> tuple[int, int]:
    """POST `chunks` to the client's app one ASGI message at a time, signed in as the client is:
    (status, chunks the app asked for)."""
    asked, sent = 0, []

    async def receive():
        nonlocal asked
        asked += 1
        if asked <= len(chunks):
            return {"type": "http.request", "body": chunks[asked - 1], "more_body": asked < len(chunks)}
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [(b"host", b"testserver"), (b"content-type", b"multipart/form-data; boundary=zz"),
                         (b"authorization", client.headers["Authorization"].encode()), *headers],
             "scheme": "http", "server": ("testserver", 80), "client": ("127.0.0.1", 1), "root_path": "",
             "http_version": "1.1", "asgi": {"version": "3.0"}}
    asyncio.run(client.app(scope, receive, send))
    return sent[0]["status"], asked



@pytest.mark.parametrize("path", ["/ingest", "/api/ingest"])
def test_an_upload_is_refused_as_soon_as_it_passes_the_batch_limit(client, monkeypatch, path):
    monkeypatch.setattr(client.app.state.services.settings, "max_batch_mb", 2)
    monkeypatch.setattr(client.app.state.services.settings, "max_upload_mb", 1)
    megabyte = b"--zz\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.md\"\r\n\r\n" + b"x" * 2**20
    status, asked = asgi_post(client, path, [megabyte] * 50)
    assert status == 413 and asked <= 5  # past 2 MB (+1 MB for the form around the files), not all 50 MB
    declared = [(b"content-length", str(50 * 2**20).encode())]
    status, asked = asgi_post(client, path, [megabyte] * 50, headers=declared)
    assert status == 413 and asked == 0  # refused from its Content-Length, before a byte is read
    refused = client.post(path, files=[("files", ("big.md", b"# x\n" + b"y" * 4 * 2**20))])
    assert refused.status_code == 413 and "KB_MAX_BATCH_MB" in refused.text
    assert client.get("/api/documents").json()["total"] == 0


def test_a_form_or_json_body_stops_at_a_megabyte(client):
    big = client.post("/api/projects", content=b"[" + b"1," * 2**20 + b"1]", headers={"content-type": "application/json"})
    assert big.status_code == 413 and big.json()["status"] == 413


def test_a_batch_is_read_one_file_at_a_time(client, monkeypatch):
    """An API upload is streamed to the upload queue's folder in chunks (`web.jobs.Batch.add`), and the
    queue's worker reads each stored copy only once the file before it is ingested."""
    import web.uploads

    read, ingested = [], []
    real_read, real_ingest = web.uploads._read_stored, web.uploads.ingest_uploads

    def watched_read(path):
        assert len(read) == len(ingested)  # the next file is read only after this one is ingested
        read.append(path.name)
        return real_read(path)

    def watched_ingest(services, batch, **options):
        for report in real_ingest(services, batch, **options):
            ingested.append(report.name)
            yield report

    monkeypatch.setattr(web.uploads, "_read_stored", watched_read)
    monkeypatch.setattr(web.uploads, "ingest_uploads", watched_ingest)
    files = [("files", (f"r{n}.md", f"# R{n}\n\n## Went wrong\n\n- Vendor {n} was late.\n".encode())) for n in range(3)]
    reports = client.post("/api/ingest", files=files).json()
    assert [r["name"] for r in reports] == ["r0.md", "r1.md", "r2.md"] == ingested and len(read) == 3
