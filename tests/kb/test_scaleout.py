"""The scale-out shape: the same code on PostgreSQL and a Chroma server, chosen by settings alone.

Runs in the scale-out pass of `make test`, on the PostgreSQL cluster and `chroma run`
that tests/servers.sh starts on loopback; skipped when KB_TEST_* are not set."""

from __future__ import annotations

import pytest
from sqlmodel import select

from kb.models import Lesson
from tests.backends import servers_configured
from tests.factories import closure

pytestmark = [
    pytest.mark.scaleout,
    pytest.mark.skipif(not servers_configured(), reason="needs the scale-out servers: `make test` starts them "
                                                        "with tests/servers.sh (KB_TEST_DATABASE_URL, KB_TEST_CHROMA_URL)"),
]


def test_postgres_and_chroma_server_by_settings_alone(fast_kb, settings):
    kb = fast_kb
    assert kb.engine.dialect.name == "postgresql"
    assert kb.save_document(closure(), b"v1").outcome == "ingested"
    assert kb.save_document(closure(), b"v1").outcome == "unchanged"
    assert kb.save_document(closure(extra_lesson="Rehearse the cutover"), b"v2").outcome == "replaced"
    with kb.session() as s:
        assert len(s.exec(select(Lesson)).all()) == 3
    assert kb.vectors.count() == 4 and kb.doctor().ok
    assert not (settings.data_dir / "chroma").exists(), "the embedded store must not be used when KB_CHROMA_URL is set"


def test_the_scaleout_pass_gives_each_test_its_own_database_and_collection(fast_kb, settings):
    """Guards the pass itself: the suite really runs on the servers, isolated per test."""
    assert settings.database_url.startswith("postgresql") and settings.chroma_url.startswith("http://")
    assert settings.database_url.rsplit("/", 1)[-1] == settings.chroma_collection.lower()
    with fast_kb.session() as s:
        assert s.exec(select(Lesson)).all() == [], "another test's rows are visible"
    assert fast_kb.vectors.count() == 0, "another test's vectors are visible"
