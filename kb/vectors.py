"""The dense index: a Chroma collection derived from SQL.

Embedded (`PersistentClient` under the data directory) by default, a Chroma
server when `KB_CHROMA_URL` is set. Chroma never embeds anything itself: the
collection has no embedding function and we always pass vectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence
from urllib.parse import urlparse

import numpy as np

from kb.errors import IndexUnavailable
from kb.settings import Settings

Metadata = dict[str, str | int | float | bool]


@dataclass
class VectorBatch:
    ids: list[str]
    embeddings: np.ndarray
    metadatas: list[Metadata]


class VectorStore:
    """Thin wrapper over one Chroma collection: upsert, delete, read back."""

    def __init__(self, collection) -> None:
        self.collection = collection

    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, metadatas: Sequence[Metadata]) -> None:
        for start in range(0, len(ids), 2000):
            end = start + 2000
            self.collection.upsert(
                ids=list(ids[start:end]),
                embeddings=np.asarray(embeddings[start:end], dtype=np.float32),
                metadatas=[_clean(m) for m in metadatas[start:end]],
            )

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), 2000):
            self.collection.delete(ids=list(ids[start:start + 2000]))

    def count(self) -> int:
        return self.collection.count()

    def ids(self) -> set[str]:
        return {vid for batch in self.iter_batches(include_embeddings=False) for vid in batch.ids}

    def iter_batches(self, batch_size: int = 5000, include_embeddings: bool = True) -> Iterator[VectorBatch]:
        include = ["metadatas"] + (["embeddings"] if include_embeddings else [])
        offset = 0
        while True:
            got = self.collection.get(include=include, limit=batch_size, offset=offset)
            if not got["ids"]:
                return
            embs = got.get("embeddings") if include_embeddings else None
            yield VectorBatch(
                ids=list(got["ids"]),
                embeddings=np.asarray(embs, dtype=np.float32) if embs is not None else np.zeros((0, 0)),
                metadatas=list(got["metadatas"] or []),
            )
            offset += len(got["ids"])

    def get(self, ids: Sequence[str]) -> VectorBatch:
        got = self.collection.get(ids=list(ids), include=["embeddings", "metadatas"])
        return VectorBatch(list(got["ids"]), np.asarray(got["embeddings"], dtype=np.float32),
                           list(got["metadatas"] or []))


def _clean(meta: Metadata) -> Metadata:
    # Chroma rejects None values and empty lists.
    return {k: v for k, v in meta.items() if v is not None and v != ""}


def create_chroma_client(settings: Settings):
    import chromadb

    chroma_settings = chromadb.Settings(anonymized_telemetry=False)
    try:
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            return chromadb.HttpClient(host=url.hostname or "localhost", port=url.port or 8000,
                                       ssl=url.scheme == "https", settings=chroma_settings)
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    except Exception as exc:  # connection refused, bad path, ...
        where = settings.chroma_url or settings.chroma_path
        raise IndexUnavailable(f"Cannot open the vector index at {where}: {exc}") from exc


def open_vector_store(settings: Settings) -> VectorStore:
    client = create_chroma_client(settings)
    collection = client.get_or_create_collection(
        settings.chroma_collection,
        embedding_function=None,  # never let Chroma download its default model
        configuration={"hnsw": {"space": "cosine"}},
    )
    return VectorStore(collection)
