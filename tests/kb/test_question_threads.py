"""A search question is encoded on one thread of the process's own, with a second torch thread only
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


def test_a_core_counts_as_idle_unless_another_program_keeps_it_busy(monkeypatch):
    """Our own requests and ingest do not turn the second thread off; another busy program does."""
    assert kb.embedding.spare_cores() >= 0  # reads this machine's /proc/stat
    monkeypatch.setattr(kb.embedding.os, "sched_getaffinity", lambda pid: {0, 1})
    readings = iter([  # (seconds, CPU seconds busy on the machine, of which this process's)
        (0.0, 100.0, 10.0),
        (1.0, 101.6, 11.5),   # 1.6 s busy in 1 s, 1.5 of it ours (an ingest beside a search)
        (1.01, 101.6, 11.5),  # a moment later: the last answer is kept
        (2.0, 103.1, 12.0),   # 1.5 s busy, only 0.5 ours: another program has a core
    ])
    monkeypatch.setattr(kb.embedding, "_cpu_times", lambda: next(readings))
    idle = kb.embedding._IdleCores()
    assert idle.spare() == 0  # nothing to compare with yet: one thread
    assert idle.spare() == 1
    assert idle.spare() == 1
    assert idle.spare() == 0
