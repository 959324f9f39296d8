"""Storage: the SQL source of truth and the Chroma index derived from it.

`KnowledgeBase.save_document` is the one write path for ingested documents.
It is all-or-nothing across SQL and Chroma: a failure anywhere leaves both as
they were before the call.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kb.db import bump_generation, create_db_engine
from kb.drafts import ParsedDocument
from kb.embedding import Embedder, create_embedder
from kb.errors import IndexUnavailable, InvalidDocument, LessonNotFound, RiskNotFound
from kb.models import (
    Document, Lesson, LessonUpdate, Project, ProjectCreate, Risk, RiskUpdate, utcnow,
)
from kb.settings import Settings
from kb.texts import lesson_text, match_key, parse_vector_id, risk_text, vector_id
from kb.vectors import Metadata, VectorStore, open_vector_store

Progress = Callable[[int, int], None]
"""Called with (done, total) while a long piece of work advances."""

# Fields a PMO correction owns: a re-upload of the document does not overwrite them.
_EDITABLE = ("title", "polarity", "category", "phase", "tags", "published", "status", "materialised")


@dataclass
class SaveResult:
    outcome: str
    """ingested, unchanged or replaced."""
    document_id: int
    source_name: str
    lessons: int = 0
    risks: int = 0
    message: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class DriftReport:
    sql_items: int
    index_items: int
    missing_from_index: list[str]
    orphaned_in_index: list[str]

    @property
    def ok(self) -> bool:
        return not self.missing_from_index and not self.orphaned_in_index


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class KnowledgeBase:
    """The storage facade the upper floors use: SQL sessions, the vector index
    and the embedder, opened from one `Settings`."""

    def __init__(self, settings: Settings, engine: Engine, vectors: VectorStore, embedder: Embedder) -> None:
        self.settings = settings
        self.engine = engine
        self.vectors = vectors
        self.embedder = embedder

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None) -> "KnowledgeBase":
        settings.ensure_dirs()
        return cls(settings, create_db_engine(settings), open_vector_store(settings),
                   embedder or create_embedder(settings))

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    # --- ingest -----------------------------------------------------------

    def find_by_content(self, data: bytes) -> Document | None:
        with self.session() as session:
            return session.exec(select(Document).where(Document.sha256 == sha256_of(data))).first()

    def save_document(self, parsed: ParsedDocument, data: bytes, *, progress: Progress | None = None) -> SaveResult:
        """Store a parsed document and index its lessons and risks, atomically.

        The same bytes again (under any name) change nothing; new bytes under
        a known source name replace the old version, keeping the ids of
        lessons and risks that are still there.
        """
        name = parsed.document.source_name
        if not parsed.lessons and not parsed.risks and parsed.document.kind != "closure report":
            raise InvalidDocument(f"{name}: no lessons or risks were found in it. "
                                  "Check that it uses the section headings or columns described in the README.")
        digest = sha256_of(data)
        existing = self.find_by_content(data)
        if existing is not None:
            note = "" if existing.source_name == name else f" (same content as {existing.source_name})"
            return SaveResult("unchanged", existing.id, existing.source_name, message="already stored" + note)
        vectors = self._embed(parsed, progress)
        stored_path, created = self._keep_original(data, digest, name)
        try:
            doc, plan, removed = self._write(parsed, vectors, digest, stored_path, len(data))
        except BaseException:
            if created:  # nothing of a failed ingest is left behind, not even the original file
                (self.settings.data_dir / stored_path).unlink(missing_ok=True)
            raise
        self._forget(removed)
        if plan.previous_path and plan.previous_path != stored_path:
            (self.settings.data_dir / plan.previous_path).unlink(missing_ok=True)
        outcome = "replaced" if plan.replaced else "ingested"
        return SaveResult(outcome, doc.id, name, lessons=len(parsed.lessons), risks=len(parsed.risks),
                          warnings=list(parsed.warnings))

    def _write(self, parsed: ParsedDocument, vectors: np.ndarray, digest: str, stored_path: str, size: int):
        """SQL rows and vectors for one document, committed together or not at all."""
        name = parsed.document.source_name
        with self.session() as session:
            plan = _Writer(session, parsed, digest, stored_path, size)
            doc, items, removed = plan.write()
            session.flush()
            ids = [vector_id(kind, row.id) for kind, row in items]
            metas = [self._metadata(session, kind, row) for kind, row in items]
            previous = self._snapshot([i for i in ids if i in plan.kept_vector_ids])
            try:
                self.vectors.upsert(ids, vectors, metas)
            except Exception as exc:
                session.rollback()
                self._restore(ids, previous)
                raise IndexUnavailable(f"{name}: the vector index could not be updated ({exc}); nothing was stored.") from exc
            try:
                bump_generation(session)
                session.commit()
            except Exception:
                self._restore(ids, previous)
                raise
        return doc, plan, removed

    def _embed(self, parsed: ParsedDocument, progress: Progress | None) -> np.ndarray:
        """Vectors in the order of the parsed lessons and risks, embedded in chunks so progress can be shown.

        Texts are embedded longest first, as one big batch would be: chunks of texts of
        similar length waste no time on padding."""
        texts = [lesson_text(x) for x in parsed.lessons] + [risk_text(x) for x in parsed.risks]
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        chunk = max(self.settings.embedding_batch_size * 4, 256)
        out: np.ndarray | None = None
        for start in range(0, len(order), chunk):
            part = order[start:start + chunk]
            vectors = self.embedder.embed_batch([texts[i] for i in part])
            if out is None:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[part] = vectors
            if progress:
                progress(min(start + chunk, len(texts)), len(texts))
        return out

    def _keep_original(self, data: bytes, digest: str, name: str) -> tuple[str, bool]:
        """Store the original under its sha256; returns its path in the data directory and whether it is new."""
        suffix = Path(name).suffix.lower()[:10]
        path = self.settings.files_dir / f"{digest}{suffix}"
        created = not path.exists()
        if created:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".part")
            tmp.write_bytes(data)
            tmp.replace(path)
        return str(path.relative_to(self.settings.data_dir)), created

    def _snapshot(self, ids: list[str]):
        if not ids:
            return None
        try:
            return self.vectors.get(ids)
        except Exception:
            return None

    def _restore(self, new_ids: list[str], previous) -> None:
        """Undo a vector upsert: drop vectors that did not exist, put back the old ones."""
        try:
            kept = set(previous.ids) if previous else set()
            self.vectors.delete([i for i in new_ids if i not in kept])
            if previous and previous.ids:
                self.vectors.upsert(previous.ids, previous.embeddings, previous.metadatas)
        except Exception:
            pass  # `kb doctor` reports whatever drift is left; SQL stays the truth

    def _forget(self, removed: Sequence[str]) -> None:
        try:
            self.vectors.delete(list(removed))
        except Exception:
            pass  # stale vectors are ignored by search and reported by `kb doctor`

    # --- metadata for the index -------------------------------------------

    def _metadata(self, session: Session, kind: str, row: Lesson | Risk) -> Metadata:
        project = session.get(Project, row.project_id) if row.project_id else None
        return item_metadata(kind, row, project)

    # --- edits --------------------------------------------------------------

    def update_lesson(self, lesson_id: int, update: LessonUpdate) -> Lesson:
        return self._update(Lesson, "lesson", lesson_id, update)

    def update_risk(self, risk_id: int, update: RiskUpdate) -> Risk:
        return self._update(Risk, "risk", risk_id, update)

    def _update(self, model, kind: str, item_id: int, update) -> Lesson | Risk:
        with self.session() as session:
            row = session.get(model, item_id)
            if row is None:
                missing = LessonNotFound if kind == "lesson" else RiskNotFound
                raise missing(f"No {kind} with id {item_id}.")
            changes = update.model_dump(exclude_unset=True)
            retext = "title" in changes and changes["title"] != row.title
            for key, value in changes.items():
                setattr(row, key, value)
            row.edited = row.edited or any(k in _EDITABLE for k in changes)
            row.updated_at = utcnow()
            session.add(row)
            session.flush()
            meta = self._metadata(session, kind, row)
            vid = vector_id(kind, row.id)
            previous = self._snapshot([vid])
            text = lesson_text(row) if kind == "lesson" else risk_text(row)
            vec = self.embedder.embed_batch([text]) if retext else (previous.embeddings if previous else None)
            try:
                if vec is not None and len(vec):
                    self.vectors.upsert([vid], vec, [meta])
            except Exception as exc:
                session.rollback()
                raise IndexUnavailable(f"The vector index could not be updated ({exc}); nothing was changed.") from exc
            try:
                bump_generation(session)
                session.commit()
            except Exception:
                self._restore([vid], previous)
                raise
            return row

    # --- derived index maintenance -------------------------------------------

    def iter_items(self, session: Session) -> Iterable[tuple[str, Lesson | Risk]]:
        for row in session.exec(select(Lesson).order_by(Lesson.id)):
            yield "lesson", row
        for row in session.exec(select(Risk).order_by(Risk.id)):
            yield "risk", row

    def reindex(self, progress: Progress | None = None, batch: int = 512) -> int:
        """Rebuild the Chroma collection from SQL. Returns the number of items indexed."""
        with self.session() as session:
            items = list(self.iter_items(session))
            projects = {p.id: p for p in session.exec(select(Project))}
            wanted = {vector_id(k, r.id) for k, r in items}
            stale = sorted(self.vectors.ids() - wanted)
            self.vectors.delete(stale)
            for start in range(0, len(items), batch):
                part = items[start:start + batch]
                texts = [lesson_text(r) if k == "lesson" else risk_text(r) for k, r in part]
                self.vectors.upsert([vector_id(k, r.id) for k, r in part], self.embedder.embed_batch(texts),
                                    [item_metadata(k, r, projects.get(r.project_id)) for k, r in part])
                if progress:
                    progress(min(start + batch, len(items)), len(items))
            bump_generation(session)
            session.commit()
        return len(items)

    def doctor(self) -> DriftReport:
        """Compare the ids in SQL with those in the vector index."""
        with self.session() as session:
            wanted = {vector_id(k, r.id) for k, r in self.iter_items(session)}
        have = self.vectors.ids()
        return DriftReport(len(wanted), len(have), sorted(wanted - have, key=_vid_key),
                           sorted(have - wanted, key=_vid_key))


def _vid_key(vid: str) -> tuple[str, int]:
    return parse_vector_id(vid)


def item_metadata(kind: str, row: Lesson | Risk, project: Project | None) -> Metadata:
    """Facets stored beside each vector, so the index can be filtered on its own."""
    meta: Metadata = {
        "kind": kind, "item_id": row.id, "document_id": row.document_id,
        "category": row.category, "phase": row.phase, "published": row.published,
    }
    if kind == "lesson":
        meta["polarity"] = row.polarity
        if row.lesson_date:
            meta["year"] = row.lesson_date.year
    else:
        meta["status"] = row.status
        meta["materialised"] = row.materialised
        if row.materialised:  # a risk that happened is something that went wrong
            meta["polarity"] = "went wrong"
    if project is not None:
        meta.update(project_id=project.id, project_type=project.project_type, industry=project.industry,
                    portfolio=project.portfolio, outcome=project.outcome)
        if project.start and "year" not in meta:
            meta["year"] = project.start.year
    return meta


class _Writer:
    """Writes one parsed document into an open session (no commit).

    Replacing a document keeps the ids of lessons and risks whose identity
    (external id, or source location and title) survives, so links, feedback
    and PMO corrections stay attached to them."""

    def __init__(self, session: Session, parsed: ParsedDocument, digest: str, stored_path: str, size: int) -> None:
        self.session = session
        self.parsed = parsed
        self.digest = digest
        self.stored_path = stored_path
        self.size = size
        self.replaced = False
        self.previous_path: str | None = None
        """The replaced version's original file, removed once the new version is committed."""
        self.kept_vector_ids: set[str] = set()
        self._projects: dict[str, Project] = {}

    def write(self) -> tuple[Document, list[tuple[str, Lesson | Risk]], list[str]]:
        for draft in self.parsed.projects:
            self._merge_project(draft)
        project = self._project(self.parsed.project_code)
        doc = self._document(project)
        self.session.flush()
        lessons, gone_l = self._sync(Lesson, "lesson", self.parsed.lessons, doc, project)
        risks, gone_r = self._sync(Risk, "risk", self.parsed.risks, doc, project)
        return doc, lessons + risks, gone_l + gone_r

    def _document(self, project: Project | None) -> Document:
        fields = self.parsed.document.model_dump()
        doc = self.session.exec(select(Document).where(Document.source_name == fields["source_name"])).first()
        if doc is None:
            doc = Document(**fields)
        else:
            self.replaced = True
            self.previous_path = doc.stored_path
            for key, value in fields.items():
                setattr(doc, key, value)
        doc.sha256, doc.stored_path, doc.size_bytes = self.digest, self.stored_path, self.size
        doc.project_id = project.id if project else None
        doc.ingested_at = utcnow()
        self.session.add(doc)
        return doc

    def _sync(self, model, kind: str, drafts: list, doc: Document, project: Project | None):
        old = list(self.session.exec(select(model).where(model.document_id == doc.id))) if doc.id else []
        by_key = {}
        for row in old:
            by_key.setdefault(row.origin_key or _identity(row), row)
        written = []
        for draft in drafts:
            fields = draft.model_dump(exclude={"project_code"})
            key = _identity(draft)
            row = by_key.pop(key, None)
            if row is None:
                row = model(**fields, origin_key=key)
            else:
                self.kept_vector_ids.add(vector_id(kind, row.id))
                keep = _EDITABLE if row.edited else ()
                for key, value in fields.items():
                    if key not in keep:
                        setattr(row, key, value)
                row.updated_at = utcnow()
            owner = self._project(draft.project_code) if draft.project_code else project
            row.document_id, row.project_id = doc.id, owner.id if owner else None
            self.session.add(row)
            written.append((kind, row))
        removed = []
        for row in by_key.values():
            removed.append(vector_id(kind, row.id))
            self._drop_dependants(kind, row.id)
            self.session.delete(row)
        return written, removed

    def _drop_dependants(self, kind: str, item_id: int) -> None:
        if kind == "lesson":
            from kb.models import LessonFeedback

            for fb in self.session.exec(select(LessonFeedback).where(LessonFeedback.lesson_id == item_id)):
                self.session.delete(fb)

    def _merge_project(self, draft: ProjectCreate) -> Project:
        row = self._project(draft.code, name=draft.name)
        for key, value in draft.model_dump(exclude_unset=True).items():
            if value is not None:
                setattr(row, key, value)
        self.session.add(row)
        return row

    def _project(self, code: str | None, name: str | None = None) -> Project | None:
        if not code:
            return None
        key = code.strip()
        if key not in self._projects:
            row = self.session.exec(select(Project).where(Project.code == key)).first()
            if row is None:
                row = Project(code=key, name=name or key)
                self.session.add(row)
                self.session.flush()
            self._projects[key] = row
        return self._projects[key]


def _identity(item) -> str:
    """What makes a lesson or risk the same one in a new version of its document: its
    external id, else its section and title as ingested (kept in origin_key, so a PMO
    correction of the title does not make it a stranger)."""
    if item.external_id:
        return f"x:{item.external_id}"
    return f"t:{item.source_location or ''}|{match_key(item.title)}"
