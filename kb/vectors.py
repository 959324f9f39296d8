"""Vectors: their record in SQL (`ItemVector`) and the Chroma index derived from it.

SQL keeps every item's vector with the model and the text hash it was made
from, in the item's own transaction; search reads them from there. A second
table (`MultilingualVector`) holds the multilingual model's vectors the same
way; every function here takes the table (`table=`, the main one by default). The Chroma
collection is embedded (`PersistentClient` under the data directory) by
default, a Chroma server when `KB_CHROMA_URL` is set, and can always be rebuilt
from SQL (`kb reindex`). Chroma never embeds anything itself: the collection
has no embedding function and we always pass vectors.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence
from urllib.parse import urlparse

import numpy as np
from sqlalchemy import delete
from sqlmodel import Session, select

from kb.errors import IndexUnavailable
from kb.i18n import _
from kb.models import ItemVector, MultilingualVector
from kb.settings import Settings

Metadata = dict[str, str | int | float | bool]


@dataclass
class VectorBatch:
    ids: list[str]
    embeddings: np.ndarray
    metadatas: list[Metadata]


# --- the record in SQL ----------------------------------------------------------

VECTOR_DTYPE = np.dtype("<f4")
VectorTable = type[ItemVector] | type[MultilingualVector]


@dataclass
class StoredVector:
    """An `ItemVector` row without its bytes: what a vector was made from."""

    kind: str
    item_id: int
    model: str
    text_sha256: str
    dim: int

    def fits(self, model: str, text_hash: str) -> bool:
        """Whether this vector is the configured model's embedding of the item's current text."""
        return self.model == model and self.text_sha256 == text_hash


def to_blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype=VECTOR_DTYPE).tobytes()


def from_blobs(blobs: Sequence[bytes], dim: int) -> np.ndarray:
    """One (n, dim) float32 matrix from n vectors' bytes, with a single copy."""
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=VECTOR_DTYPE).reshape(len(blobs), dim).astype(np.float32)


def record_vectors(session: Session, *, model: str, keys: Sequence[tuple[str, int]], text_hashes: Sequence[str],
                   vectors: np.ndarray, table: VectorTable = ItemVector) -> None:
    """Write (or overwrite) the SQL vectors of these items in the caller's transaction."""
    if not len(keys):
        return
    drop_vectors(session, keys=keys, table=table)
    dim = int(vectors.shape[1])
    session.add_all(table(kind=kind, item_id=item_id, model=model, text_sha256=digest, dim=dim,
                               vector=to_blob(vec))
                    for (kind, item_id), digest, vec in zip(keys, text_hashes, vectors))


def drop_vectors(session: Session, *, keys: Iterable[tuple[str, int]], table: VectorTable = ItemVector) -> None:
    by_kind: dict[str, list[int]] = {}
    for kind, item_id in keys:
        by_kind.setdefault(kind, []).append(item_id)
    for kind, ids in by_kind.items():
        for start in range(0, len(ids), 500):
            session.execute(delete(table).where(table.kind == kind, table.item_id.in_(ids[start:start + 500])))


def stored_vectors(session: Session, *, table: VectorTable = ItemVector) -> dict[tuple[str, int], StoredVector]:
    """What every SQL vector was made from, without the vectors themselves."""
    cols = (table.kind, table.item_id, table.model, table.text_sha256, table.dim)
    return {(r[0], r[1]): StoredVector(*r) for r in session.exec(select(*cols))}


def read_vectors(session: Session, *, model: str, kind: str | None = None, ids: Sequence[int] | None = None,
                 table: VectorTable = ItemVector) -> Iterator[tuple[StoredVector, bytes]]:
    """The SQL vectors made by `model`, optionally of one kind and some item ids."""
    cols = (table.kind, table.item_id, table.model, table.text_sha256, table.dim, table.vector)
    query = select(*cols).where(table.model == model)
    if kind is not None:
        query = query.where(table.kind == kind)
    chunks = [None] if ids is None else [list(ids[i:i + 500]) for i in range(0, len(ids), 500)]
    for chunk in chunks:
        part = query if chunk is None else query.where(table.item_id.in_(chunk))
        for row in session.exec(part):
            yield StoredVector(*row[:5]), row[5]


# --- the Chroma index -------------------------------------------------------------

def _reopening(method):
    """Retry once on a fresh handle when another process (`kb reindex`) recreated the collection:
    the old handle then names a collection that no longer exists."""

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            if type(exc).__name__ != "NotFoundError" or self._open is None:
                raise
            self.collection = self._open()
            return method(self, *args, **kwargs)
    return call


class VectorStore:
    """Thin wrapper over one Chroma collection: upsert, delete, read back, recreate."""

    def __init__(self, collection, recreate: Callable[[], object] | None = None,
                 reopen: Callable[[], object] | None = None) -> None:
        self.collection = collection
        self._recreate = recreate
        self._open = reopen

    def recreate(self) -> None:
        """Drop the collection and start an empty one: how the index changes dimension."""
        if self._recreate is None:
            raise IndexUnavailable(_("This vector index cannot be recreated."))
        self.collection = self._recreate()

    @_reopening
    def dim(self) -> int | None:
        """The dimension of the vectors in the collection; None when it is empty."""
        got = self.collection.get(limit=1, include=["embeddings"])
        embs = got.get("embeddings")
        return int(np.asarray(embs).shape[1]) if embs is not None and len(embs) else None

    def metadatas(self) -> dict[str, Metadata]:
        """Every entry's metadata by id, without the vectors."""
        return {vid: meta or {} for batch in self.iter_batches(include_embeddings=False)
                for vid, meta in zip(batch.ids, batch.metadatas)}

    @_reopening
    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, metadatas: Sequence[Metadata]) -> None:
        for start in range(0, len(ids), 2000):
            end = start + 2000
            self.collection.upsert(
                ids=list(ids[start:end]),
                embeddings=np.asarray(embeddings[start:end], dtype=np.float32),
                metadatas=[clean_metadata(m) for m in metadatas[start:end]],
            )

    @_reopening
    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), 2000):
            self.collection.delete(ids=list(ids[start:start + 2000]))

    @_reopening
    def count(self) -> int:
        return self.collection.count()

    def ids(self) -> set[str]:
        return {vid for batch in self.iter_batches(include_embeddings=False) for vid in batch.ids}

    def iter_batches(self, batch_size: int = 5000, include_embeddings: bool = True) -> Iterator[VectorBatch]:
        try:
            yield from self._iter_batches(batch_size, include_embeddings)
        except Exception as exc:  # a recreated collection: read the new one from its start
            if type(exc).__name__ != "NotFoundError" or self._open is None:
                raise
            self.collection = self._open()
            yield from self._iter_batches(batch_size, include_embeddings)

    def _iter_batches(self, batch_size: int = 5000, include_embeddings: bool = True) -> Iterator[VectorBatch]:
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

    @_reopening
    def get(self, ids: Sequence[str]) -> VectorBatch:
        got = self.collection.get(ids=list(ids), include=["embeddings", "metadatas"])
        return VectorBatch(list(got["ids"]), np.asarray(got["embeddings"], dtype=np.float32),
                           list(got["metadatas"] or []))


def clean_metadata(meta: Metadata) -> Metadata:
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
        raise IndexUnavailable(_("Cannot open the vector index at %(where)s: %(error)s")
                               % {"where": where, "error": exc}) from exc


def open_vector_store(settings: Settings) -> VectorStore:
    client = create_chroma_client(settings)

    def open_collection():
        return client.get_or_create_collection(
            settings.chroma_collection,
            embedding_function=None,  # never let Chroma download its default model
            configuration={"hnsw": {"space": "cosine"}},
        )

    def recreate():
        client.delete_collection(settings.chroma_collection)
        return open_collection()

    return VectorStore(open_collection(), recreate, open_collection)
