"""Queries of concurrent requests are encoded together, and each caller gets its own vector."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from kb.embedding import QueryBatcher
from tests.conftest import HashingEmbedder


class GatedEmbedder(HashingEmbedder):
    """Holds the first encoding until the test opens the gate, so others queue behind it."""

    def __init__(self, fail: bool = False) -> None:
        self.gate, self.started = threading.Event(), threading.Event()
        self.calls: list[list[str]] = []
        self.fail = fail

    def embed_query(self, text):
        self.calls.append([text])
        self.started.set()
        self.gate.wait(10)
        return super().embed_query(text)

    def embed_queries(self, texts):
        self.calls.append(list(texts))
        if self.fail:
            raise RuntimeError("model gone")
        return self.embed_batch(texts)


def ask(batcher: QueryBatcher, texts: list[str]) -> tuple[dict, dict]:
    got, errors = {}, {}

    def one(text):
        try:
            got[text] = batcher.encode(text)
        except Exception as exc:  # noqa: BLE001 - the test looks at what each caller heard
            errors[text] = exc

    first = threading.Thread(target=one, args=(texts[0],))
    first.start()
    batcher.embedder.started.wait(10)
    rest = [threading.Thread(target=one, args=(t,)) for t in texts[1:]]
    for t in rest:
        t.start()
    while len(batcher._queued) < len(texts) - 1:
        threading.Event().wait(0.01)
    batcher.embedder.gate.set()
    for t in [first, *rest]:
        t.join(10)
    return got, errors


def test_queries_waiting_behind_an_encoding_are_encoded_in_one_batch():
    embedder = GatedEmbedder()
    texts = ["vendor delays", "scope creep", "data migration", "training users"]
    got, errors = ask(QueryBatcher(embedder), texts)
    assert not errors
    assert embedder.calls[0] == ["vendor delays"]
    assert len(embedder.calls) == 2 and sorted(embedder.calls[1]) == sorted(texts[1:])
    for text in texts:  # each caller gets the vector of its own question
        np.testing.assert_allclose(got[text], HashingEmbedder().embed_query(text), atol=1e-6)


def test_a_failed_batch_is_reported_to_every_caller_in_it():
    embedder = GatedEmbedder(fail=True)
    got, errors = ask(QueryBatcher(embedder), ["first", "second", "third"])
    assert "first" in got  # encoded alone before the failure
    assert set(errors) == {"second", "third"} and all("model gone" in str(e) for e in errors.values())


def test_a_lone_query_is_encoded_exactly_as_without_the_batcher(embedder):
    vector = QueryBatcher(embedder).encode("lessons about cutover rehearsals")
    assert np.array_equal(vector, embedder.embed_query("lessons about cutover rehearsals"))


def test_a_batch_gives_the_vectors_single_encodings_give(embedder):
    texts = ["vendor delays", "what went wrong with data migration testing on ERP projects"]
    together = embedder.embed_queries(texts)
    for text, vector in zip(texts, together):
        assert float(vector @ embedder.embed_query(text)) == pytest.approx(1.0, abs=1e-5)
