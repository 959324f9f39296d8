"""The server loads what the first request would otherwise wait for."""

from __future__ import annotations

from kb.embedding import UniversalSentenceEncoder
from web.deps import Services


def test_the_server_warm_up_loads_the_multilingual_model_before_the_first_question(demo_store, monkeypatch):
    """Loading it takes almost a second: the first user's question should not pay for it."""
    kb, _ = demo_store
    fresh = UniversalSentenceEncoder()
    monkeypatch.setattr(kb, "multilingual", fresh)
    Services(kb.settings, kb=kb).warm_up()
    assert fresh._model is not None


def test_the_server_warm_up_reads_a_small_store_whole(demo_store):
    """So that a new question finds its results' rows and snippets read already."""
    kb, _ = demo_store
    services = Services(kb.settings, kb=kb)
    services.warm_up()
    snap = services.engine.snapshot()
    assert 0 < snap.size == len(snap.cache["rows"])
