"""One store with the realistic fixture corpus per test module (the real model
is shared across the session); tests that write get their own store."""

from __future__ import annotations

import pytest

from kb.store import KnowledgeBase
from tests.backends import isolated_settings, on_servers
from tests.search.corpus import load_corpus


@pytest.fixture(scope="module")
def corpus_kb(request, tmp_path_factory, embedder):
    data = tmp_path_factory.mktemp("search") / "data"
    with isolated_settings(data, servers=on_servers(request.node)) as settings:
        kb = KnowledgeBase.open(settings, embedder=embedder)
        load_corpus(kb)
        yield kb


@pytest.fixture(scope="module")
def engine(corpus_kb):
    from search import SearchEngine

    return SearchEngine(corpus_kb)


@pytest.fixture
def fresh_engine(kb):
    """An engine over a store of its own, for tests that write."""
    from search import SearchEngine

    load_corpus(kb)
    return SearchEngine(kb)
