"""An in-memory snapshot of the knowledge base for search.

Built from SQL alone (the source of truth): the rows, and the vectors SQL
records for them (`kb.models.ItemVector`), never the Chroma index (which
another process may be writing) and never by embedding inside a request.
A BM25 term matrix, a dense float32 matrix (and one from the multilingual
model, for Chinese text) and one numpy array per facet, all aligned on the
same row order. Works the same on SQLite and PostgreSQL
because it only reads rows. Rebuilt whole when `kb.db.generation` changes.
"""

from __future__ import annotations

import logging
from array import array
from functools import lru_cache
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sqlmodel import select

from kb.db import generation
from kb.language import CHINESE, LANGUAGES, language_of
from kb.models import Document, Lesson, MultilingualVector, Project, Risk
from kb.texts import lesson_text, risk_text, text_sha256
from kb.vectors import from_blobs, read_vectors
from search.models import FACETS
from search.multilingual import mixed
from search.text import term_counts

log = logging.getLogger(__name__)

K1, B = 1.2, 0.75
LESSON, RISK = 0, 1
KINDS = ("lesson", "risk")
INDEXED_TERMS_KEPT = 4096
"""Rows whose terms are kept between builds of the index (a few MB; a larger store reads them again)."""

_LESSON_COLS = (Lesson.id, Lesson.title, Lesson.what_happened, Lesson.cause, Lesson.impact, Lesson.recommendation,
                Lesson.polarity, Lesson.category, Lesson.phase, Lesson.lesson_date, Lesson.published,
                Lesson.project_id, Lesson.document_id, Lesson.language, Lesson.source_location, Lesson.source_anchor)
_RISK_COLS = (Risk.id, Risk.title, Risk.description, Risk.cause, Risk.effect, Risk.response, Risk.category,
              Risk.phase, Risk.status, Risk.materialised, Risk.published, Risk.project_id, Risk.document_id,
              Risk.language, Risk.source_location, Risk.source_anchor)


@dataclass
class IndexedProject:
    """A project as the search snapshot holds it: its facets, and what similar-project ranking reads."""

    id: int
    code: str
    name: str
    project_type: str | None
    industry: str | None
    portfolio: str | None
    outcome: str | None
    description: str | None
    budget: float | None
    """Actual budget, else planned: the project's size."""
    year: int | None
    """The year it started (`Project.start`)."""


@dataclass
class Snapshot:
    generation: int
    kinds: np.ndarray            # int8, LESSON or RISK
    ids: np.ndarray              # int64 SQL ids
    published: np.ndarray        # bool
    codes: dict[str, np.ndarray]  # facet -> int32 code per row, -1 = no value
    labels: dict[str, list[str]]  # facet -> code -> value
    years: np.ndarray            # int32, 0 = unknown
    project_ids: np.ndarray      # int32, -1 = none
    document_ids: np.ndarray     # int32
    dense: np.ndarray            # float32 (n, dim), unit rows
    bm25: sparse.csc_matrix      # BM25 weight per (row, term)
    vocab: dict[str, int]
    idf: np.ndarray
    projects: dict[int, IndexedProject] = field(default_factory=dict)
    documents: dict[int, tuple[str, str]] = field(default_factory=dict)
    """document id -> (source name, document kind)."""
    row_of: dict[tuple[int, int], int] = field(default_factory=dict)
    cache: dict = field(default_factory=dict)
    """Derived data computed on first use for this generation (project centroids)."""
    stale_vectors: int = 0
    """Rows left out of the dense part (zero vectors): their SQL vector is missing, from another
    model or from an older text. Non-zero means the index needs `kb reindex`."""
    chinese: np.ndarray | None = None
    """Bool per row: the item is written in Chinese (its recorded language, else read from its text)."""
    multilingual: np.ndarray | None = None
    """float32 (n, dim) unit rows from the multilingual model; None when that model is off."""
    multilingual_ok: np.ndarray | None = None
    """Bool per row: the row has a current multilingual vector (else it keeps the main model's)."""
    places: list[tuple[str | None, str | None]] = field(default_factory=list)
    """(source location, anchor) per row: with `document_ids` and `project_ids`, a row's citation
    without reading it from SQL (a result cites every near-duplicate it folds)."""

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def bilingual(self) -> bool:
        """Whether some row is Chinese and the multilingual model can compare it."""
        return self.multilingual is not None and bool((self.chinese & self.multilingual_ok).any())

    def second_model_for(self, rows: np.ndarray | slice, chinese_side: bool = False) -> np.ndarray:
        """Bool per row of `rows`: its pair with the other side (Chinese when `chinese_side`) is compared
        by the multilingual model, because one of the two is Chinese and the row has that model's vector."""
        if self.multilingual is None:
            return np.zeros(len(self.ids[rows]), dtype=bool)
        ok = self.multilingual_ok[rows]
        return ok if chinese_side else ok & self.chinese[rows]

    def similarities(self, row: int, others: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Cosine of `row` with each of `others` (every row by default), on the main model's scale."""
        main = self.dense[others] @ self.dense[row]
        if self.multilingual is None or not self.multilingual_ok[row]:
            return main
        second = self.second_model_for(others, bool(self.chinese[row]))
        if not second.any():
            return main
        return mixed(main, self.multilingual[others] @ self.multilingual[row], second)

    def pair_similarities(self, rows: np.ndarray) -> np.ndarray:
        """Cosines among `rows` ([i, j]), on the main model's scale."""
        vecs = self.dense[rows]
        main = vecs @ vecs.T
        if not self.bilingual:
            return main
        ok, zh = self.multilingual_ok[rows], self.chinese[rows]
        second = ok[:, None] & ok[None, :] & (zh[:, None] | zh[None, :])
        if not second.any():
            return main
        ml = self.multilingual[rows]
        return mixed(main, ml @ ml.T, second)

    def row(self, kind: str, item_id: int) -> int | None:
        return self.row_of.get((KINDS.index(kind), item_id))

    def polarity_of(self, row: int) -> str | None:
        """The row's polarity as search sees it (materialised risks count as went wrong)."""
        code = int(self.codes["polarity"][row])
        return self.labels["polarity"][code] if code >= 0 else None

    def code_of(self, facet: str, value: str) -> int | None:
        low = str(value).strip().lower()
        for i, label in enumerate(self.labels.get(facet, ())):
            if label.lower() == low:
                return i
        return None


def build_snapshot(kb) -> Snapshot:
    """Read every lesson and risk, and their vectors, from SQL."""
    with kb.session() as session:
        gen = generation(session)
        lessons = list(session.exec(select(*_LESSON_COLS).order_by(Lesson.id)))
        risks = list(session.exec(select(*_RISK_COLS).order_by(Risk.id)))
        projects = {p.id: _indexed_project(p) for p in session.exec(select(Project))}
        documents = {d[0]: (d[1], d[2]) for d in session.exec(select(Document.id, Document.source_name, Document.kind))}
        vectors = list(read_vectors(session, model=kb.embedder.name))
        second = getattr(kb, "multilingual", None)
        second_vectors = list(read_vectors(session, model=second.name, table=MultilingualVector)) if second else None
    rows = [(LESSON, r) for r in lessons] + [(RISK, r) for r in risks]
    texts = [lesson_text(r) if k == LESSON else risk_text(r) for k, r in rows]
    facets = _facet_columns(rows, projects)
    labels, codes = {}, {}
    for facet in FACETS:
        labels[facet], codes[facet] = _encode(facets[facet])
    bm25, vocab, idf = build_bm25([t + "\n" + (r.title or "") for t, (_, r) in zip(texts, rows)])
    snap = Snapshot(
        generation=gen,
        kinds=np.array([k for k, _ in rows], dtype=np.int8),
        ids=np.array([r.id for _, r in rows], dtype=np.int64),
        published=np.array([bool(r.published) for _, r in rows], dtype=bool),
        codes=codes, labels=labels,
        years=np.array([int(y) if y else 0 for y in facets["year"]], dtype=np.int32),
        project_ids=np.array([r.project_id or -1 for _, r in rows], dtype=np.int32),
        document_ids=np.array([r.document_id for _, r in rows], dtype=np.int32),
        dense=np.zeros((0, 0), dtype=np.float32), bm25=bm25, vocab=vocab, idf=idf,
        projects=projects, documents=documents,
    )
    snap.row_of = {key: n for n, key in enumerate(zip(snap.kinds.tolist(), snap.ids.tolist()))}
    snap.places = [(r.source_location, r.source_anchor) for _, r in rows]
    snap.dense, snap.stale_vectors = _load_vectors(kb, snap, texts, vectors)
    snap.chinese = np.array([(r.language or language_of(t)) == CHINESE for t, (_, r) in zip(texts, rows)],
                            dtype=bool)
    if second_vectors is not None:
        snap.multilingual, missing = _load_vectors(kb, snap, texts, second_vectors, second.dim)
        snap.multilingual_ok = snap.multilingual.any(axis=1)
        if missing:
            log.warning("%d of %d lessons and risks have no current vector for the multilingual model %s: "
                        "run `kb reindex`.", missing, snap.size, second.name)
    if snap.stale_vectors:
        log.warning("%d of %d lessons and risks have no current vector for the model %s and are left out of "
                    "meaning-based search: run `kb reindex`.", snap.stale_vectors, snap.size, kb.embedder.name)
    return snap


def _indexed_project(p: Project) -> IndexedProject:
    return IndexedProject(p.id, p.code, p.name, p.project_type, p.industry, p.portfolio, p.outcome, p.description,
                          p.actual_budget or p.planned_budget, p.start.year if p.start else None)


def _facet_columns(rows, projects: dict[int, IndexedProject]) -> dict[str, list]:
    """One list per facet, aligned with rows; the year follows kb.store.item_metadata."""
    cols: dict[str, list] = {f: [] for f in FACETS}
    for kind, r in rows:
        p = projects.get(r.project_id)
        cols["kind"].append(KINDS[kind])
        # A risk that materialised is something that went wrong: "what went wrong on ERP
        # migrations" must answer with those risks as well as with lessons.
        cols["polarity"].append(r.polarity if kind == LESSON else ("went wrong" if r.materialised else None))
        cols["status"].append(r.status if kind == RISK else None)
        cols["category"].append(r.category)
        cols["phase"].append(r.phase)
        for facet in ("project_type", "industry", "portfolio", "outcome"):
            cols[facet].append(getattr(p, facet) if p else None)
        year = r.lesson_date.year if kind == LESSON and r.lesson_date else (p.year if p else None)
        cols["year"].append(str(year) if year else None)
        cols["language"].append(LANGUAGES.get(r.language))  # shown by name: 'Chinese', not 'zh'
        cols["project"].append(p.code if p else None)
    return cols


def _encode(values: list) -> tuple[list[str], np.ndarray]:
    labels: dict[str, int] = {}
    out = np.full(len(values), -1, dtype=np.int32)
    for i, v in enumerate(values):
        if v is not None and v != "":
            out[i] = labels.setdefault(str(v), len(labels))
    return list(labels), out


@lru_cache(maxsize=INDEXED_TERMS_KEPT)
def _indexed_terms(text: str) -> tuple[tuple[str, int], ...]:
    """A row's (term, count) pairs, kept between builds: after an upload the index is rebuilt
    whole, and segmenting and stemming every unchanged row again was most of that rebuild
    (which holds the GIL while searches wait)."""
    return tuple(term_counts(text).items())


def build_bm25(texts: list[str]) -> tuple[sparse.csc_matrix, dict[str, int], np.ndarray]:
    """A BM25 weight matrix: a query's score is the sum of its terms' columns."""
    vocab: dict[str, int] = {}
    indptr, indices, counts = array("q", [0]), array("i"), array("f")
    for text in texts:
        for term, n in _indexed_terms(text):
            indices.append(vocab.setdefault(term, len(vocab)))
            counts.append(n)
        indptr.append(len(indices))
    n_docs, n_terms = len(texts), max(len(vocab), 1)
    tf = np.frombuffer(counts, dtype=np.float32)
    cols = np.frombuffer(indices, dtype=np.int32)
    ptr = np.frombuffer(indptr, dtype=np.int64)
    lengths = np.add.reduceat(tf, ptr[:-1]) if len(tf) else np.zeros(n_docs, dtype=np.float32)
    lengths[np.diff(ptr) == 0] = 0
    avg = float(lengths.mean()) if n_docs and lengths.mean() > 0 else 1.0
    df = np.bincount(cols, minlength=n_terms).astype(np.float32)
    idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
    norm = np.repeat(K1 * (1 - B + B * lengths / avg), np.diff(ptr))
    weights = idf[cols] * tf * (K1 + 1) / (tf + norm)
    matrix = sparse.csr_matrix((weights.astype(np.float32), cols, ptr), shape=(n_docs, n_terms))
    return matrix.tocsc(), vocab, idf


def _load_vectors(kb, snap: Snapshot, texts: list[str], vectors: list,
                  default_dim: int | None = None) -> tuple[np.ndarray, int]:
    """The dense matrix from the SQL vectors of the configured model, and how many rows have
    none that fits (missing, or made from another text): those rows stay zero, nothing is
    embedded here. `vectors`: (StoredVector, bytes) pairs as `kb.vectors.read_vectors` gives."""
    dims = [sv.dim for sv, _ in vectors]
    dim = max(set(dims), key=dims.count) if dims else int(default_dim or kb.embedder.dim)
    rows, blobs = [], []
    for sv, blob in vectors:
        row = snap.row_of.get((KINDS.index(sv.kind), sv.item_id)) if sv.kind in KINDS else None
        if row is not None and sv.dim == dim and sv.text_sha256 == text_sha256(texts[row]):
            rows.append(row)
            blobs.append(blob)
    dense = np.zeros((snap.size, dim), dtype=np.float32)
    if rows:
        dense[rows] = from_blobs(blobs, dim)
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    return dense / np.where(norms == 0, 1, norms), snap.size - len(rows)
