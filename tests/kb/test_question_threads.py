"""A search question is encoded on a thread of the embedder's own, with a second torch thread only
while a core is idle, and gives the vector one thread gives."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

import kb.embedding
from kb.embedding import QueryBatcher, SentenceTransformerEmbedder, TracedQueries


@pytest.fixture
def two_thread_embedder(embedder, monkeypatch):
    """The session's model, with one torch thread for batches and up to two for questions."""
    before = torch.get_num_threads()
    model = SentenceTransformerEmbedder(threads=1, question_threads=2)
    model._model = embedder.model  # loaded already: no second load (which would also set torch's threads)
    seen: list[tuple[int, str]] = []
    real_run = TracedQueries.run
    monkeypatch.setattr(TracedQueries, "run", lambda self, features: (
        seen.append((torch.get_num_threads(), threading.current_thread().name)), real_run(self, features))[1])
    yield model, seen
    torch.set_num_threads(before)


def test_a_question_takes_a_second_thread_only_while_a_core_is_idle(two_thread_embedder, monkeypatch):
    model, seen = two_thread_embedder
    question = "what went wrong when the vendor delivered the data migration late"
    alone = model.embed_queries([question])[0]

    monkeypatch.setattr(kb.embedding, "spare_cores", lambda: 1)
    quiet = QueryBatcher(model).encode(question)
    monkeypatch.setattr(kb.embedding, "spare_cores", lambda: 0)
    busy = QueryBatcher(model).encode(question)

    asked = [s for s in seen if s[1].startswith("kb-question-encoder")]
    assert [threads for threads, _ in asked] == [2, 1]
    assert np.allclose(quiet, alone, atol=1e-6) and np.allclose(busy, alone, atol=1e-6)
    assert float(quiet @ busy) > 0.9999


def test_idle_cores_are_read_from_the_running_threads(monkeypatch, tmp_path):
    assert kb.embedding.spare_cores() >= 0
    monkeypatch.setattr(kb.embedding.os, "sched_getaffinity", lambda pid: {0, 1})
    real_open = open

    def fake_loadavg(running):
        path = tmp_path / f"loadavg{running}"
        path.write_text(f"0.50 0.40 0.30 {running}/300 12345\n")
        return lambda name, *a, **k: real_open(path if name == "/proc/loadavg" else name, *a, **k)

    monkeypatch.setattr("builtins.open", fake_loadavg(1))
    assert kb.embedding.spare_cores() == 1  # only the caller runs: the other core is idle
    monkeypatch.setattr("builtins.open", fake_loadavg(3))
    assert kb.embedding.spare_cores() == 0
