"""Web fixtures: the app built on a temporary data directory, driven in-process.

`client` is an empty knowledge base; `loaded` (one per module, read-only use)
and `fresh` (one per test, for edits) hold the small documents in fixtures/.
The hashing embedder keeps these fast: the tests are about pages, not meaning."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kb.settings import Settings
from tests.accounts import as_admin
from tests.conftest import HashingEmbedder

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.is_file())


def build_client(data_dir: Path, **settings_) -> TestClient:
    """A client signed in as a PMO admin (an API token in its headers); `settings_` override settings."""
    from kb.store import KnowledgeBase
    from web.app import create_app

    settings = Settings(data_dir=data_dir, database_url="", chroma_url="", _env_file=None, **settings_)
    kb = KnowledgeBase.open(settings, embedder=HashingEmbedder())
    return as_browser(as_admin(TestClient(create_app(settings, kb=kb), raise_server_exceptions=False)))


CSRF_TOKEN = "test-browser-token"


def as_browser(client: TestClient) -> TestClient:
    """Send what a browser on Lessons KB's own pages sends: the CSRF cookie, and the same token in
    the header htmx adds (web/security.py). tests/web/test_security.py tests the refusals."""
    client.cookies.set("kb_csrf", CSRF_TOKEN)
    client.headers["X-CSRF-Token"] = CSRF_TOKEN
    return client


def load_fixtures(client: TestClient) -> list[dict]:
    files = [("files", (p.name, p.read_bytes())) for p in fixture_files()]
    reports = client.post("/api/ingest", files=files).json()
    bad = [r for r in reports if r["outcome"] == "rejected"]
    assert not bad, bad
    return reports


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    with build_client(tmp_path / "data") as c:
        yield c


@pytest.fixture
def fresh(tmp_path: Path) -> TestClient:
    with build_client(tmp_path / "data") as c:
        load_fixtures(c)
        yield c


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> TestClient:
    with build_client(tmp_path_factory.mktemp("web") / "data") as c:
        load_fixtures(c)
        yield c


def first_id(client: TestClient, path: str, **params) -> int:
    """The id of the first item a JSON list or search returns."""
    body = client.get(path, params=params).json()
    items = body.get("results") or body.get("items")
    assert items, body
    return items[0]["id"]
