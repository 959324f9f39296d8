"""Shared fixtures. Slow things (the real model) load once per session; each
test that stores data gets its own SQLite file and Chroma store under tmp_path,
or, in the scale-out pass of `make test`, its own PostgreSQL database and Chroma
collection on the servers tests/servers.sh starts (see tests/backends.py)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from kb.embedding import SentenceTransformerEmbedder
from kb.settings import Settings
from tests import backends

SAMPLES = Path(__file__).parent / "samples"
DEMO = Path(__file__).parent.parent / "demo"
SHARED_CORPUS = Path(__file__).parent.parent.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The real packaged all-MiniLM-L6-v2, loaded once."""
    model = SentenceTransformerEmbedder()
    model.embed_batch(["warm up"])
    return model


class HashingEmbedder:
    """A fast stand-in for unit tests that are about something other than meaning:
    words are hashed into a fixed-size bag-of-words vector."""

    name = "hashing-test"
    dim = 64

    def embed_batch(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def embed_query(self, text):
        return self.embed_batch([text])[0]


@pytest.fixture
def fake_embedder() -> HashingEmbedder:
    return HashingEmbedder()


def pytest_report_header(config) -> str:
    if backends.servers_configured():
        return (f"scale-out tests on PostgreSQL {backends.DATABASE_URL.rsplit('@', 1)[-1]}"
                f" and the Chroma server {backends.CHROMA_URL}")
    return "stores: SQLite + embedded Chroma under tmp_path"


def pytest_terminal_summary(terminalreporter) -> None:
    """Figures a test measured (`record_property`), such as the workers' time to consistency."""
    measured = [(rep.nodeid.split("::")[-1], name, value)
                for rep in terminalreporter.stats.get("passed", []) if rep.when == "call"
                for name, value in rep.user_properties]
    if measured:
        terminalreporter.section("measured")
        for test, name, value in measured:
            terminalreporter.line(f"{name} = {value}  ({test})")


@pytest.fixture
def settings(request, tmp_path: Path) -> Iterator[Settings]:
    with backends.isolated_settings(tmp_path / "data", servers=backends.on_servers(request.node)) as s:
        yield s


@pytest.fixture
def kb(settings: Settings, embedder):
    """A real knowledge base: SQLite + embedded Chroma under tmp_path, the real model."""
    from kb.store import KnowledgeBase

    return KnowledgeBase.open(settings, embedder=embedder)


@pytest.fixture
def fast_kb(settings: Settings, fake_embedder):
    """A real SQLite + Chroma store with the hashing embedder, for tests not about meaning."""
    from kb.store import KnowledgeBase

    return KnowledgeBase.open(settings, embedder=fake_embedder)


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory, embedder):
    """(knowledge base, per-file ingest reports) of the whole demo folder, ingested once with the
    real model on SQLite + embedded Chroma. Shared by every test that reads the demo: do not write to it."""
    if not (DEMO / "README.md").exists():
        pytest.skip("demo/ is not there")
    from ingest import collect_files, ingest_file
    from kb.store import KnowledgeBase

    settings = Settings(data_dir=tmp_path_factory.mktemp("demo") / "data", database_url="", chroma_url="",
                        _env_file=None)
    kb = KnowledgeBase.open(settings, embedder=embedder)
    return kb, [ingest_file(kb, path) for path in collect_files([DEMO])]


@pytest.fixture
def postgres_url() -> str:
    """The scale-out pass's PostgreSQL server (tests/servers.sh), for tests that make databases of
    their own on it; such tests carry the `scaleout` mark and are skipped outside that pass."""
    from tests.backends import DATABASE_URL

    if not DATABASE_URL:
        pytest.skip("needs the scale-out PostgreSQL server: `make test` starts it with tests/servers.sh "
                    "(KB_TEST_DATABASE_URL)")
    return DATABASE_URL
