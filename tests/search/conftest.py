"""One store with the realistic fixture corpus per test module (the real model
is shared across the session); tests that write get their own store."""

from __future__ import annotations

import pytest

from kb.settings import Settings
from kb.store import KnowledgeBase
from tests.search.corpus import load_corpus


@pytest.fixture(scope="module")
def corpus_kb(tmp_path_factory, embedder):
    data = tmp_path_factory.mktemp("search") / "data"
    kb = KnowledgeBase.open(Settings(data_dir=data, database_url="", chroma_url="", _env_file=None), embedder=embedder)
    load_corpus(kb)
    return kb


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
