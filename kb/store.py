"""Storage: the SQL source of truth and the Chroma index derived from it.

`KnowledgeBase.save_document` is the one write path for ingested documents.
It is all-or-nothing across SQL and Chroma: a failure anywhere leaves both as
they were before the call. Each lesson's and risk's vector is recorded in SQL
(`kb.models.ItemVector`, with its model and text hash) in the same transaction
as the item; a process killed between the Chroma update and the SQL commit
leaves only the index ahead of SQL, which `doctor` finds and `reindex` repairs.
The multilingual model's vectors (`kb.models.MultilingualVector`) are recorded in
the same transaction, in SQL only: the Chroma index holds the main model's.
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
from pydantic import BaseModel
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kb.db import bump_generation, create_db_engine
from kb.drafts import ParsedDocument
from kb.embedding import Embedder, create_embedder, create_multilingual_embedder
from kb.health import (
    DriftReport, Reindexed, check_files, check_index, check_second_vectors, check_vectors, unused_files,
)
from kb.errors import (
    DocumentNotFound, IndexUnavailable, InvalidDocument, LessonNotFound, ProjectNotFound, RiskNotFound,
)
from kb.i18n import N_, _, ngettext
from kb.identity import match_items, shared_by_text
from kb.models import (
    ChecklistItem, Document, DocumentVersion, DocumentVersionPublic, ItemVector, KickoffPack, Lesson, LessonFeedback,
    LessonUpdate, MultilingualVector, Project, ProjectAccess, ProjectCreate, Risk, RiskUpdate, document_key, utcnow,
)
from kb.settings import Settings
from kb.status import delete_status_for, store_status
from kb.texts import item_text, lesson_text, match_key, parse_vector_id, risk_text, text_sha256, vector_id
from kb.vectors import (
    Metadata, StoredVector, VectorStore, VectorTable, clean_metadata, drop_vectors, from_blobs, open_vector_store,
    read_vectors, record_vectors, stored_vectors,
)

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
    version: int = 1
    """The document's version after the save."""


@dataclass
class SavePlan:
    """What saving a parsed document would do, worked out without writing anything."""

    outcome: str
    """ingested, unchanged or replaced."""
    key: str
    """The document's identity (`kb.models.document_key`)."""
    document_id: int | None = None
    version: int = 1
    """The version the document would have afterwards."""
    message: str = ""
    warnings: list[str] = field(default_factory=list)


class Deletion(BaseModel):
    """What a deletion removed (also the JSON the API returns for it)."""

    documents: int = 0
    lessons: int = 0
    risks: int = 0
    files: int = 0
    projects: int = 0


def describe_document(doc: Document | DocumentVersion, project_code: str | None) -> str:
    """How a report names a document: "FIN-ERP-2021 closure report (closure.md)"."""
    kind = _(getattr(doc, "kind", None) or N_("document"))  # a stored kind is a vocabulary value (kb.vocab)
    if project_code:
        return _("%(code)s %(kind)s (%(name)s)") % {"code": project_code, "kind": kind, "name": doc.source_name}
    return _("%(kind)s (%(name)s)") % {"kind": kind, "name": doc.source_name}


class _AlreadyStored(Exception):
    """The same bytes were committed by another writer while this one was embedding."""

    def __init__(self, document: Document) -> None:
        self.document = document


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class KnowledgeBase:
    """The storage facade the upper floors use: SQL sessions, the vector index
    and the embedder, opened from one `Settings`."""

    def __init__(self, settings: Settings, engine: Engine, vectors: VectorStore, embedder: Embedder,
                 multilingual: Embedder | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.vectors = vectors
        self.embedder = embedder
        self.multilingual = multilingual
        """The second model, for Chinese text (`KB_MULTILINGUAL_MODEL`); None when it is turned off."""
        self._thread_lock = threading.RLock()

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None,
             multilingual: Embedder | None | bool = True) -> "KnowledgeBase":
        """`multilingual`: True for the configured multilingual model, else that embedder (None: none)."""
        settings.ensure_dirs()
        second = create_multilingual_embedder(settings) if multilingual is True else multilingual or None
        kb = cls(settings, create_db_engine(settings), open_vector_store(settings),
                 embedder or create_embedder(settings), second)
        kb.adopt_index_vectors()
        return kb

    def vector_spaces(self) -> list[tuple[Embedder, VectorTable]]:
        """Every model that embeds items, with the SQL table its vectors are recorded in."""
        spaces: list[tuple[Embedder, VectorTable]] = [(self.embedder, ItemVector)]
        if self.multilingual is not None:
            spaces.append((self.multilingual, MultilingualVector))
        return spaces

    def adopt_index_vectors(self) -> int:
        """Once, for a data directory made before vectors were recorded in SQL (revision 0004):
        copy the vectors the index holds into SQL as the configured model's, so nothing has to be
        embedded again. Anything that does not fit is left for `kb reindex`. Returns how many."""
        with self.session() as session:
            if session.exec(select(ItemVector.item_id).limit(1)).first() is not None or \
                    session.exec(select(Lesson.id).limit(1)).first() is None and \
                    session.exec(select(Risk.id).limit(1)).first() is None:
                return 0
        adopted = 0
        with self.writing(), self.session() as session:
            items = list(self.iter_items(session))
            texts = {(kind, row.id): item_text(kind, row) for kind, row in items}
            for batch in self.vectors.iter_batches():
                keep = [(parse_vector_id(vid), vec) for vid, vec, meta in zip(batch.ids, batch.embeddings,
                                                                             batch.metadatas)
                        if parse_vector_id(vid) in texts and (meta or {}).get("model") in (None, self.embedder.name)]
                if keep:
                    record_vectors(session, model=self.embedder.name, keys=[k for k, _ in keep],
                                   text_hashes=[text_sha256(texts[k]) for k, _ in keep],
                                   vectors=np.stack([v for _, v in keep]))
                    adopted += len(keep)
            session.flush()
            self._rebuild_index(session, items, None, False)  # the index entries now carry model and text hash
            bump_generation(session)
            session.commit()
        return adopted

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    # --- ingest -----------------------------------------------------------

    def find_by_content(self, data: bytes) -> Document | None:
        with self.session() as session:
            return session.exec(select(Document).where(Document.sha256 == sha256_of(data))).first()

    def plan_document(self, parsed: ParsedDocument, data: bytes) -> SavePlan:
        """What `save_document` would do with this file, without storing anything: shown to
        the PMO before a replacement happens."""
        existing = self.find_by_content(data)
        if existing is not None:
            return SavePlan("unchanged", existing.key, existing.id, existing.version, _same_content(existing, parsed))
        key = document_key(parsed.project_code, parsed.key_name)
        with self.session() as session:
            doc = _document_for(session, parsed)
            if doc is None:
                project_id = session.exec(select(Project.id).where(
                    func.upper(Project.code) == parsed.project_code.strip().upper())).first() \
                    if parsed.project_code else None
                earlier = _earlier_copy(session, parsed, project_id, stored=False)
                return SavePlan("ingested", key, message=_("new document"), warnings=[earlier] if earlier else [])
            project = session.get(Project, doc.project_id) if doc.project_id else None
            held = {model: session.exec(select(func.count()).where(model.document_id == doc.id)).one()
                    for model in (Lesson, Risk)}
            emptied = [] if parsed.lessons or parsed.risks or not any(held.values()) else [
                _("This version holds no lessons or risks: the %(lessons)s and %(risks)s of version %(version)s would "
                  "no longer be current. Check its section headings before storing it (restoring version "
                  "%(version)s brings them back).") % {"lessons": _lessons(held[Lesson]), "risks": _risks(held[Risk]),
                                                       "version": doc.version}]
            return SavePlan("replaced", key, doc.id, doc.version + 1,
                            _("replaces version %(version)s of %(document)s") % {
                                "version": doc.version, "document": describe_document(doc, project and project.code)},
                            warnings=emptied)

    def save_document(self, parsed: ParsedDocument, data: bytes, *, progress: Progress | None = None) -> SaveResult:
        """Store a parsed document and index its lessons and risks, atomically.

        The same bytes again (under any name) change nothing; new bytes for a known
        document (same project and file name) become its next version: the replaced
        version's original file is kept and can be restored, and lessons and risks that
        are still there keep their ids, corrections and feedback.
        """
        name = parsed.document.source_name
        if not parsed.lessons and not parsed.risks and parsed.document.kind not in ("closure report", "status report"):
            raise InvalidDocument(_("%(name)s: no lessons or risks were found in it. Check that it uses the section "
                                    "headings or columns described in the README.") % {"name": name})
        digest = sha256_of(data)
        existing = self.find_by_content(data)
        if existing is not None:  # saves the embedding; the check that counts is inside the transaction
            self._restore_original(existing, data)
            return self._unchanged(existing, parsed)
        vectors, second = self._embed_all(parsed, progress)
        try:
            with self.writing():  # the original is written under the lock: `kb reindex` may then remove orphans
                stored_path, created = self._keep_original(data, digest, name)
                try:
                    doc, plan, removed = self._write(parsed, vectors, digest, stored_path, len(data), second)
                except BaseException:
                    if created and not self._file_in_use(stored_path):  # nothing of a failed ingest is left behind
                        (self.settings.data_dir / stored_path).unlink(missing_ok=True)
                    raise
        except _AlreadyStored as same:
            return self._unchanged(same.document, parsed)
        _crash_point("committed")
        self._forget(removed)
        return SaveResult(plan.outcome, doc.id, name, lessons=len(parsed.lessons), risks=len(parsed.risks),
                          message=plan.message, warnings=list(parsed.warnings) + plan.warnings, version=doc.version)

    def _restore_original(self, existing: Document, data: bytes) -> None:
        """The same bytes again put back a current original that went missing on disk (`kb doctor`)."""
        if existing.stored_path and not (self.settings.data_dir / existing.stored_path).is_file():
            with self.writing():
                self._keep_original(data, existing.sha256, existing.source_name)

    def _unchanged(self, existing: Document, parsed: ParsedDocument) -> SaveResult:
        return SaveResult("unchanged", existing.id, existing.source_name, message=_same_content(existing, parsed),
                          version=existing.version)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the store's write lock: one writer at a time in this process and, with the
        embedded vector store (which Chroma documents as not process-safe), across every
        process that opens the same data directory (`kb ingest` while `kb serve` runs)."""
        with self._thread_lock:
            if self.settings.chroma_url:
                yield
                return
            import fcntl

            path = self.settings.data_dir / ".write.lock"
            with open(path, "a+b") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def _write(self, parsed: ParsedDocument, vectors: np.ndarray, digest: str, stored_path: str, size: int,
               second: np.ndarray | None = None):
        """SQL rows and vectors for one document, committed together or not at all.

        The duplicate check runs inside the transaction, and `Document.sha256` and
        `Document.key` are unique, so two writers storing the same file at once end with
        one document: the loser's commit fails and it reports the file as unchanged."""
        name = parsed.document.source_name
        with self.session() as session:
            same = session.exec(select(Document).where(Document.sha256 == digest)).first()
            if same is not None:
                raise _AlreadyStored(same)
            plan = _Writer(session, parsed, digest, stored_path, size, vectors,
                           lambda kind, ids: self._old_vectors(session, kind, ids))
            doc, items, removed = plan.write()
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                raise self._raced(digest, name)
            hashes, final = self._record_item_vectors(session, items, parsed, plan.vectors)
            if second is not None:
                self._record_item_vectors(session, items, parsed, second, self.multilingual, MultilingualVector)
            ids = [vector_id(kind, row.id) for kind, row in items]
            metas = [self._metadata(session, kind, row, digest) for (kind, row), digest in zip(items, hashes)]
            previous = self._snapshot([i for i in ids if i in plan.kept_vector_ids])
            _crash_point("sql-written")
            try:
                self.vectors.upsert(ids, final, metas)
                _crash_point("index-updated")
            except Exception as exc:
                session.rollback()
                self._restore(ids, previous)
                raise IndexUnavailable(_("%(name)s: the vector index could not be updated (%(error)s); nothing was "
                                         "stored. Check that the vector store is running (kb doctor), then upload "
                                         "again.") % {"name": name, "error": exc}) from exc
            try:
                bump_generation(session)
                session.commit()
            except IntegrityError:
                self._restore(ids, previous)
                raise self._raced(digest, name)
            except BaseException:
                self._restore(ids, previous)
                raise
        return doc, plan, removed

    def _raced(self, digest: str, name: str) -> Exception:
        """Another writer committed the same bytes or the same document first."""
        with self.session() as session:
            same = session.exec(select(Document).where(Document.sha256 == digest)).first()
        if same is not None:
            return _AlreadyStored(same)
        return InvalidDocument(_("%(name)s: another upload of this document was stored at the same moment; "
                                 "upload it again to make it the next version.") % {"name": name})

    def _old_vectors(self, session: Session, kind: str, ids: Sequence[int]) -> dict[int, np.ndarray]:
        """The SQL vectors of a document's current items, for matching them to a new version
        (only the configured model's: another model's vectors are not comparable)."""
        got = [(sv, blob) for sv, blob in read_vectors(session, model=self.embedder.name, kind=kind, ids=ids)]
        dims = {sv.dim for sv, _ in got}
        if len(dims) != 1:
            return {}
        return dict(zip((sv.item_id for sv, _ in got), from_blobs([b for _, b in got], dims.pop())))

    def _record_item_vectors(self, session: Session, items: list[tuple[str, Lesson | Risk]],
                             parsed: ParsedDocument, drafted: np.ndarray, embedder: Embedder | None = None,
                             table: VectorTable = ItemVector) -> tuple[list[str], np.ndarray]:
        """Record each written item's vector in SQL, in the write's transaction; returns the text
        hashes and the vectors. An item a PMO corrected keeps its corrected title, so its text is
        not the parsed one: its vector is the one already recorded for that text, else made now.
        `embedder` and `table`: the model that made `drafted` and where its vectors go (the main ones)."""
        embedder = embedder or self.embedder
        drafts = [("lesson", d) for d in parsed.lessons] + [("risk", d) for d in parsed.risks]
        texts = [item_text(kind, row) for kind, row in items]
        hashes = [text_sha256(t) for t in texts]
        final = np.array(drafted, dtype=np.float32, copy=True)
        differ = [i for i, (kind, draft) in enumerate(drafts) if text_sha256(item_text(kind, draft)) != hashes[i]]
        if differ:
            final[differ] = self._vectors_of(session, [(items[i][0], items[i][1].id) for i in differ],
                                             [texts[i] for i in differ], embedder, table)
        record_vectors(session, model=embedder.name, keys=[(kind, row.id) for kind, row in items],
                       text_hashes=hashes, vectors=final, table=table)
        return hashes, final

    def _vectors_of(self, session: Session, keys: list[tuple[str, int]], texts: list[str],
                    embedder: Embedder | None = None, table: VectorTable = ItemVector) -> np.ndarray:
        """Vectors of these items' texts: the recorded ones where they fit, the others embedded now."""
        embedder = embedder or self.embedder
        recorded: dict[tuple[str, int], tuple[StoredVector, bytes]] = {}
        for kind in {k for k, _ in keys}:
            ids = [i for k, i in keys if k == kind]
            recorded.update(((sv.kind, sv.item_id), (sv, blob)) for sv, blob in read_vectors(
                session, model=embedder.name, kind=kind, ids=ids, table=table))
        out: list[np.ndarray | None] = []
        for key, text in zip(keys, texts):
            sv, blob = recorded.get(key, (None, b""))
            out.append(from_blobs([blob], sv.dim)[0] if sv and sv.fits(embedder.name, text_sha256(text))
                       else None)
        todo = [i for i, vec in enumerate(out) if vec is None]
        if todo:
            for i, vec in zip(todo, embedder.embed_batch([texts[i] for i in todo])):
                out[i] = vec
        return np.vstack(out).astype(np.float32)

    def _file_in_use(self, stored_path: str) -> bool:
        with self.session() as session:
            return _file_referenced(session, stored_path)

    def _embed_all(self, parsed: ParsedDocument, progress: Progress | None) -> tuple[np.ndarray, np.ndarray | None]:
        """The main model's vectors and the multilingual model's (None when it is off). The two run at
        once, the multilingual one (numpy) in a thread of its own beside torch: one after the other,
        ingesting took both models' time added (14 lessons/s on the NASA set against 22 for MiniLM
        alone). A thread made here has this one's OS priority, so a lowered upload worker stays lowered."""
        if self.multilingual is None:
            return self._embed(parsed, progress), None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-embed-second") as beside:
            second = beside.submit(self._embed, parsed, None, self.multilingual)
            vectors = self._embed(parsed, progress)
            return vectors, second.result()

    def _embed(self, parsed: ParsedDocument, progress: Progress | None, embedder: Embedder | None = None) -> np.ndarray:
        """Vectors in the order of the parsed lessons and risks, embedded in chunks so progress can be shown
        (by the main model, or by `embedder`).

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
            vectors = (embedder or self.embedder).embed_batch([texts[i] for i in part])
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
            # A name of its own, so two writers storing the same bytes never rename each other's file.
            tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex[:12]}.part")
            tmp.write_bytes(data)
            _crash_point("original-partial")
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

    def _metadata(self, session: Session, kind: str, row: Lesson | Risk, digest: str) -> Metadata:
        project = session.get(Project, row.project_id) if row.project_id else None
        return item_metadata(kind, row, project, model=self.embedder.name, text_hash=digest)

    # --- edits --------------------------------------------------------------

    def update_lesson(self, lesson_id: int, update: LessonUpdate) -> Lesson:
        return self._update(Lesson, "lesson", lesson_id, update)

    def update_risk(self, risk_id: int, update: RiskUpdate) -> Risk:
        return self._update(Risk, "risk", risk_id, update)

    def _update(self, model, kind: str, item_id: int, update) -> Lesson | Risk:
        with self.writing(), self.session() as session:
            row = session.get(model, item_id)
            if row is None:
                if kind == "lesson":
                    raise LessonNotFound(_("No lesson with id %(id)s.") % {"id": item_id})
                raise RiskNotFound(_("No risk with id %(id)s.") % {"id": item_id})
            changes = with_retagged(row, update.model_dump(exclude_unset=True))
            corrected = {k for k, v in changes.items() if k in _EDITABLE and getattr(row, k) != v}
            for key, value in changes.items():
                setattr(row, key, value)
            if corrected:  # saving a value unchanged corrects nothing
                earlier = set(_EDITABLE if row.edited and row.edited_fields is None else row.edited_fields or ())
                row.edited, row.edited_fields = True, sorted(earlier | corrected)
            row.updated_at = utcnow()
            session.add(row)
            session.flush()
            text = item_text(kind, row)
            digest = text_sha256(text)
            for embedder, table in self.vector_spaces()[1:]:
                second = self._vectors_of(session, [(kind, row.id)], [text], embedder, table)
                record_vectors(session, model=embedder.name, keys=[(kind, row.id)], text_hashes=[digest],
                               vectors=second, table=table)
            vec = self._vectors_of(session, [(kind, row.id)], [text])  # embeds only when the text changed
            record_vectors(session, model=self.embedder.name, keys=[(kind, row.id)], text_hashes=[digest],
                           vectors=vec)
            meta = self._metadata(session, kind, row, digest)
            vid = vector_id(kind, row.id)
            previous = self._snapshot([vid])
            try:
                self.vectors.upsert([vid], vec, [meta])
                _crash_point("edit-indexed")
            except Exception as exc:
                session.rollback()
                raise IndexUnavailable(_("The vector index could not be updated (%(error)s); nothing was changed.")
                                       % {"error": exc}) from exc
            try:
                bump_generation(session)
                session.commit()
            except Exception:
                self._restore([vid], previous)
                raise
            return row

    # --- versions and deletion -------------------------------------------------

    def document_versions(self, document_id: int) -> list[DocumentVersionPublic]:
        """Every version of a document, newest (the current one) first."""
        from kb.queries import document_versions

        with self.session() as session:
            return document_versions(session=session, document_id=document_id)

    def version_file(self, document_id: int, version: int) -> tuple[Path, str, str | None]:
        """The original file of one version: (path, file name, media type)."""
        with self.session() as session:
            doc = session.get(Document, document_id)
            if doc is None:
                raise DocumentNotFound(_("No document with id %(id)s.") % {"id": document_id})
            row = doc if doc.version == version else session.exec(
                select(DocumentVersion).where(DocumentVersion.document_id == document_id,
                                              DocumentVersion.version == version)).first()
            if row is None:
                raise DocumentNotFound(_("%(name)s has no version %(version)s.")
                                       % {"name": doc.source_name, "version": version})
            path = self.settings.data_dir / row.stored_path
            if not row.stored_path or not path.is_file():
                raise DocumentNotFound(_("The original file of version %(version)s of %(name)s is no longer stored.")
                                       % {"version": version, "name": doc.source_name})
            return path, row.source_name, row.media_type

    def delete_document(self, document_id: int) -> Deletion:
        """Remove a document with every version, its lessons, risks, their feedback and
        vectors, and the original files no other document uses."""
        with self.writing(), self.session() as session:
            doc = session.get(Document, document_id)
            if doc is None:
                raise DocumentNotFound(_("No document with id %(id)s.") % {"id": document_id})
            gone, vids, files = Deletion(), [], []
            self._delete_document_rows(session, doc, gone, vids, files)
            return self._finish_deletion(session, gone, vids, files)

    def delete_project(self, project_id: int) -> Deletion:
        """Remove a project with all its documents (as `delete_document`) and any lessons or
        risks of other documents filed under it; kickoff packs made for it are kept, unlinked (those of a
        confidential project are deleted with it: unlinked, anyone could read what they cite)."""
        with self.writing(), self.session() as session:
            project = session.get(Project, project_id)
            if project is None:
                raise ProjectNotFound(_("No project with id %(id)s.") % {"id": project_id})
            gone, vids, files = Deletion(projects=1), [], []
            for doc in session.exec(select(Document).where(Document.project_id == project_id)).all():
                self._delete_document_rows(session, doc, gone, vids, files)
            for kind, model in (("lesson", Lesson), ("risk", Risk)):
                for row in session.exec(select(model).where(model.project_id == project_id)).all():
                    self._delete_item(session, kind, row, gone, vids)
            if project.confidential:
                _delete_packs(session, project_id)
            for share in session.exec(select(ProjectAccess).where(ProjectAccess.project_id == project_id)).all():
                session.delete(share)
            for pack in session.exec(select(KickoffPack).where(KickoffPack.project_id == project_id)).all():
                pack.project_id = None
                session.add(pack)
            for fb in session.exec(select(LessonFeedback).where(LessonFeedback.project_id == project_id)).all():
                fb.project_id = None
                session.add(fb)
            for line in session.exec(select(ChecklistItem).where(ChecklistItem.project_id == project_id)).all():
                line.project_id = None  # the pack's checklist stays with the pack
                session.add(line)
            session.flush()
            session.delete(project)
            return self._finish_deletion(session, gone, vids, files)

    def _delete_document_rows(self, session: Session, doc: Document, gone: Deletion, vids: list[str],
                              files: list[str]) -> None:
        for kind, model in (("lesson", Lesson), ("risk", Risk)):
            for row in session.exec(select(model).where(model.document_id == doc.id)).all():
                self._delete_item(session, kind, row, gone, vids)
        delete_status_for(session, doc.id)
        for version in session.exec(select(DocumentVersion).where(DocumentVersion.document_id == doc.id)).all():
            files.append(version.stored_path)
            session.delete(version)
        files.append(doc.stored_path)
        session.flush()
        session.delete(doc)
        gone.documents += 1

    @staticmethod
    def _delete_item(session: Session, kind: str, row, gone: Deletion, vids: list[str]) -> None:
        _drop_dependants(session, kind, row.id)
        vids.append(vector_id(kind, row.id))
        session.delete(row)
        if kind == "lesson":
            gone.lessons += 1
        else:
            gone.risks += 1

    def _finish_deletion(self, session: Session, gone: Deletion, vids: list[str], files: list[str]) -> Deletion:
        """Commit, then drop vectors and unused files: SQL decides, the rest follows it."""
        session.flush()
        unused = sorted({f for f in files if f and not _file_referenced(session, f)})
        bump_generation(session)
        session.commit()
        self._forget(vids)
        for stored in unused:
            (self.settings.data_dir / stored).unlink(missing_ok=True)
        gone.files = len(unused)
        return gone

    # --- derived index maintenance -------------------------------------------

    def iter_items(self, session: Session) -> Iterable[tuple[str, Lesson | Risk]]:
        for row in session.exec(select(Lesson).order_by(Lesson.id)):
            yield "lesson", row
        for row in session.exec(select(Risk).order_by(Risk.id)):
            yield "risk", row

    def reindex(self, progress: Progress | None = None, batch: int = 512,
                stage: Callable[[str], None] | None = None, full: bool = False) -> Reindexed:
        """Repair everything derived from SQL: embed the items whose SQL vector is missing, stale
        or from another model; bring the vector index in line with the SQL vectors (recreating it
        for another model or dimension; `full` rewrites every entry, else only those whose model,
        text hash or facets differ); delete original files nothing references."""
        done = Reindexed()
        with self.writing(), self.session() as session:
            items = list(self.iter_items(session))
            done.items = len(items)
            if stage:
                stage("Re-embedding")
            done.embedded, done.vectors_dropped = self._refresh_vectors(session, items, progress, batch)
            if stage:
                stage("Indexing")
            done.recreated, done.indexed = self._rebuild_index(session, items, progress, full)
            done.files_removed = self._remove_unused_files(session)
            bump_generation(session)
            session.commit()
        return done

    def _refresh_vectors(self, session: Session, items: list[tuple[str, Lesson | Risk]],
                         progress: Progress | None, batch: int) -> tuple[int, int]:
        """Make every item's SQL vectors each configured model's vector of its current text.
        Commits each batch, so an interrupted reindex keeps what it did. Returns (items embedded by
        either model, vectors of no item dropped)."""
        embedded: set[tuple[str, int]] = set()
        dropped = 0
        for embedder, table in self.vector_spaces():
            keys, orphans = self._refresh_space(session, items, progress, batch, embedder, table)
            embedded.update(keys)
            dropped += orphans
        return len(embedded), dropped

    def _refresh_space(self, session: Session, items: list[tuple[str, Lesson | Risk]], progress: Progress | None,
                       batch: int, embedder: Embedder, table: VectorTable) -> tuple[list[tuple[str, int]], int]:
        name, dim = embedder.name, embedder.dim
        stored = stored_vectors(session, table=table)
        texts = {(kind, row.id): item_text(kind, row) for kind, row in items}
        orphans = [key for key in stored if key not in texts]
        drop_vectors(session, keys=orphans, table=table)
        todo = []
        for key, text in texts.items():
            digest, sv = text_sha256(text), stored.get(key)
            if sv is None or not sv.fits(name, digest) or sv.dim != dim:
                todo.append((key, text, digest))
        todo.sort(key=lambda t: -len(t[1]))  # similar lengths together: no time lost on padding
        for start in range(0, len(todo), batch):
            part = todo[start:start + batch]
            vectors = embedder.embed_batch([text for _, text, _ in part])
            record_vectors(session, model=name, keys=[k for k, _, _ in part], text_hashes=[d for _, _, d in part],
                           vectors=vectors, table=table)
            session.commit()
            if progress:
                progress(min(start + batch, len(todo)), len(todo))
        session.commit()
        return [key for key, _, _ in todo], len(orphans)

    def _rebuild_index(self, session: Session, items: list[tuple[str, Lesson | Risk]],
                       progress: Progress | None, full: bool, batch: int = 2000) -> tuple[bool, int]:
        """Upsert the SQL vectors into the vector index, after dropping what SQL does not have;
        the collection is made anew when it holds another model's vectors or another dimension.
        Returns (recreated, entries written). An entry whose metadata already names the same
        model, text hash and facets holds that vector: rewriting it would only cost time."""
        name, dim = self.embedder.name, self.embedder.dim
        have = self.vectors.metadatas()
        recreate = self.vectors.dim() not in (None, dim) or any(m.get("model") != name for m in have.values())
        if recreate:
            self.vectors.recreate()
            have = {}
        wanted = {vector_id(kind, row.id) for kind, row in items}
        self.vectors.delete(sorted(set(have) - wanted))
        projects = {p.id: p for p in session.exec(select(Project))}
        stored = stored_vectors(session)
        metas = {vector_id(kind, row.id): clean_metadata(item_metadata(
            kind, row, projects.get(row.project_id), model=name, text_hash=stored[(kind, row.id)].text_sha256))
            for kind, row in items}
        todo = [(kind, row) for kind, row in items if full or have.get(vector_id(kind, row.id)) != metas[
            vector_id(kind, row.id)]]
        for start in range(0, len(todo), batch):
            part = todo[start:start + batch]
            recorded = self._recorded(session, [(kind, row.id) for kind, row in part])
            ids = [vector_id(kind, row.id) for kind, row in part]
            self.vectors.upsert(ids, from_blobs([recorded[(k, r.id)][1] for k, r in part], dim),
                                [metas[i] for i in ids])
            if progress:
                progress(min(start + batch, len(todo)), len(todo))
        return recreate, len(todo)

    def _recorded(self, session: Session, keys: list[tuple[str, int]]) -> dict[tuple[str, int], tuple]:
        """The configured model's SQL vectors of these items: key -> (StoredVector, bytes)."""
        out = {}
        for kind in sorted({k for k, _ in keys}):
            ids = [i for k, i in keys if k == kind]
            out.update(((sv.kind, sv.item_id), (sv, blob))
                       for sv, blob in read_vectors(session, model=self.embedder.name, kind=kind, ids=ids))
        return out

    def _remove_unused_files(self, session: Session) -> int:
        """Delete originals no document or version references, and partly written ones. Safe under
        the write lock: every ingest writes its original while holding it."""
        orphaned, partial = unused_files(self.settings.data_dir, self.settings.files_dir,
                                         set(_referenced_files(session)))
        for rel in orphaned + partial:
            (self.settings.data_dir / rel).unlink(missing_ok=True)
        return len(orphaned) + len(partial)

    def doctor(self) -> DriftReport:
        """Compare everything derived from SQL with it: each item's vector (model, text, dimension),
        the vector index (ids, model, text hash, dimension) and the original files."""
        report = DriftReport(0, 0, [], [], model=self.embedder.name, dim=self.embedder.dim)
        with self.writing(), self.session() as session:  # under the lock: no write is half done
            texts = {(kind, row.id): text_sha256(item_text(kind, row)) for kind, row in self.iter_items(session)}
            stored = stored_vectors(session)
            referenced = _referenced_files(session)
            report.sql_items = len(texts)
            check_vectors(report, texts, stored)
            if self.multilingual is not None:
                report.second = check_second_vectors(texts, stored_vectors(session, table=MultilingualVector),
                                                     self.multilingual.name, self.multilingual.dim)
            check_index(report, texts, stored, self.vectors.metadatas(), self.vectors.dim())
            check_files(report, self.settings.data_dir, self.settings.files_dir, referenced)
        return report


def item_metadata(kind: str, row: Lesson | Risk, project: Project | None, *, model: str = "",
                  text_hash: str = "") -> Metadata:
    """Facets stored beside each vector, so the index can be filtered on its own, and what the
    vector was made from (`model`, `text_sha256`), so `kb doctor` can check it against SQL."""
    meta: Metadata = {
        "kind": kind, "item_id": row.id, "document_id": row.document_id,
        "category": row.category, "phase": row.phase, "published": row.published,
        "model": model, "text_sha256": text_hash,
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

    A new version of a document keeps the ids of the lessons and risks that are
    still in it (`kb.identity.match_items`), so links, feedback and PMO
    corrections stay attached to them; the replaced version is kept as a
    `DocumentVersion` with its original file."""

    def __init__(self, session: Session, parsed: ParsedDocument, digest: str, stored_path: str, size: int,
                 vectors: np.ndarray, old_vectors: Callable[[str, Sequence[int]], dict[int, np.ndarray]]) -> None:
        self.session = session
        self.parsed = parsed
        self.digest = digest
        self.stored_path = stored_path
        self.size = size
        self.vectors = vectors
        """Vectors of the parsed lessons then risks, reordered by `write` to follow the written items."""
        self.old_vectors = old_vectors
        self.outcome = "ingested"
        self.message = ""
        self.warnings: list[str] = []
        self.kept_vector_ids: set[str] = set()
        self._projects: dict[str, Project] = {}

    def write(self) -> tuple[Document, list[tuple[str, Lesson | Risk]], list[str]]:
        for draft in self.parsed.projects:
            self._merge_project(draft)
        project = self._project(self.parsed.project_code)
        doc = self._document(project)
        self.session.flush()
        if self.parsed.status is not None:
            self.warnings.extend(store_status(self.session, document=doc, project=project, draft=self.parsed.status))
        n = len(self.parsed.lessons)
        lessons, gone_l = self._sync(Lesson, "lesson", self.parsed.lessons, self.vectors[:n], doc, project)
        risks, gone_r = self._sync(Risk, "risk", self.parsed.risks, self.vectors[n:], doc, project)
        if gone_l or gone_r:
            self.warnings.append(_("%(lessons)s and %(risks)s of version %(version)s are not in this version and "
                                   "were removed; restoring version %(version)s from the document page brings them "
                                   "back.") % {"lessons": _lessons(len(gone_l)), "risks": _risks(len(gone_r)),
                                               "version": doc.version - 1})
        return doc, lessons + risks, gone_l + gone_r

    def _document(self, project: Project | None) -> Document:
        fields = self.parsed.document.model_dump()
        doc = _document_for(self.session, self.parsed)
        if doc is None:
            earlier = _earlier_copy(self.session, self.parsed, project.id if project else None, stored=True)
            if earlier:
                self.warnings.append(earlier)
            doc = Document(**fields, key=document_key(project and project.code, self.parsed.key_name))
            self.message = _("new document")
        else:
            self._keep_version(doc, project)
            for key, value in fields.items():
                setattr(doc, key, value)
            doc.version += 1
        doc.sha256, doc.stored_path, doc.size_bytes = self.digest, self.stored_path, self.size
        doc.project_id = project.id if project else None
        doc.ingested_at = utcnow()
        self.session.add(doc)
        return doc

    def _keep_version(self, doc: Document, project: Project | None) -> None:
        """Keep the version about to be replaced, with its original file, so it can be restored."""
        counts = {model: self.session.exec(select(func.count()).where(model.document_id == doc.id)).one()
                  for model in (Lesson, Risk)}
        self.session.add(DocumentVersion(
            document_id=doc.id, version=doc.version, source_name=doc.source_name, title=doc.title,
            sha256=doc.sha256, media_type=doc.media_type, size_bytes=doc.size_bytes, stored_path=doc.stored_path,
            lessons=counts[Lesson], risks=counts[Risk], ingested_at=doc.ingested_at))
        self.outcome = "replaced"
        self.message = _("replaced version %(version)s of %(document)s; version %(version)s is kept and can be "
                         "restored from the document page") % {
            "version": doc.version, "document": describe_document(doc, project and project.code)}

    def _sync(self, model, kind: str, drafts: list, vectors: np.ndarray, doc: Document, project: Project | None):
        old = list(self.session.exec(select(model).where(model.document_id == doc.id).order_by(model.id))) \
            if doc.id else []
        matches = match_items(old, drafts, vectors, lambda ids: self.old_vectors(kind, ids))
        written = []
        for draft, row in zip(drafts, matches):
            fields = draft.model_dump(exclude={"project_code"})
            if row is None:
                row = model(**fields, origin_key=identity_key(draft))
            else:
                self.kept_vector_ids.add(vector_id(kind, row.id))
                # what the PMO corrected stays; everything else follows the file (a risk whose category was
                # corrected still becomes materialised when the register says it occurred)
                keep = () if not row.edited else _EDITABLE if row.edited_fields is None else set(row.edited_fields)
                if keep and {"status", "materialised"} & set(keep):  # one fact, kept whole: a corrected
                    keep = set(keep) | {"status", "materialised"}  # "closed" is not half undone by "Occurred"
                for key, value in fields.items():
                    if key not in keep:
                        setattr(row, key, value)
                row.origin_key = identity_key(draft)
                row.updated_at = utcnow()
            owner = self._project(draft.project_code) if draft.project_code else project
            row.document_id, row.project_id = doc.id, owner.id if owner else None
            self.session.add(row)
            written.append((kind, row))
        kept = {id(row) for row in matches if row is not None}
        removed = []
        for row in old:
            if id(row) not in kept:
                removed.append(vector_id(kind, row.id))
                _drop_dependants(self.session, kind, row.id)
                self.session.delete(row)
        return written, removed

    def _merge_project(self, draft: ProjectCreate) -> Project:
        row = self._project(draft.code, name=draft.name)
        for key, value in draft.model_dump(exclude_unset=True, exclude={"code"}).items():  # the stored spelling stays
            if value is not None:
                setattr(row, key, value)
        self.session.add(row)
        return row

    def _project(self, code: str | None, name: str | None = None) -> Project | None:
        if not code:
            return None
        code = code.strip()
        key = code.upper()  # "prb-erp-2024" is the project stored as PRB-ERP-2024, as document keys say
        if key not in self._projects:
            row = self.session.exec(select(Project).where(func.upper(Project.code) == key)).first()
            if row is None:
                row = Project(code=code, name=name or code)
                self.session.add(row)
                self.session.flush()
            self._projects[key] = row
        return self._projects[key]


def _document_for(session: Session, parsed: ParsedDocument) -> Document | None:
    """The stored document a parsed file is a new version of, if any."""
    key = document_key(parsed.project_code, parsed.key_name)
    return session.exec(select(Document).where(Document.key == key)).first()


SERIES_KINDS = ("status report",)
"""Kinds whose documents repeat each other by design (this week's risks are last week's)."""


def _earlier_copy(session: Session, parsed: ParsedDocument, project_id: int | None, *, stored: bool) -> str | None:
    """A warning when a new document repeats most of a stored one of the same project and kind (at
    least half of its lessons and risks, and two or more, by title or body): usually a report renamed
    between uploads ("v2", a date), which would otherwise sit beside its earlier version as a second
    document with every lesson twice."""
    total = len(parsed.lessons) + len(parsed.risks)
    if parsed.document.kind in SERIES_KINDS or total < 2 or project_id is None:
        return None  # a register of no project spans projects: its rows are not one project's story
    best: tuple[int, Document] | None = None
    for doc in session.exec(select(Document).where(Document.kind == parsed.document.kind,
                                                   Document.project_id == project_id)):
        shared = sum(shared_by_text(session.exec(select(model).where(model.document_id == doc.id)).all(), drafts)
                     for model, drafts in ((Lesson, parsed.lessons), (Risk, parsed.risks)) if drafts)
        if shared >= 2 and 2 * shared >= total and (best is None or shared > best[0]):
            best = (shared, doc)
    if best is None:
        return None
    values = {"shared": best[0], "total": total, "name": best[1].source_name}
    if stored:
        return _("%(shared)s of its %(total)s lessons and risks are already in %(name)s of the same project. If this "
                 "file is a new version of that one, delete this document and upload the file again named "
                 "%(name)s: it then becomes that document's next version, keeping the PMO's corrections and "
                 "feedback, and nothing is stored twice.") % values
    return _("%(shared)s of its %(total)s lessons and risks are already in %(name)s of the same project. If this "
             "file is a new version of that one, name it %(name)s before uploading: it then becomes that "
             "document's next version instead of a second copy.") % values


def _same_content(existing: Document, parsed: ParsedDocument) -> str:
    name = parsed.document.source_name
    if existing.source_name == name:
        return _("already stored")
    return _("already stored (same content as %(name)s)") % {"name": existing.source_name}


def _lessons(n: int) -> str:
    return ngettext("%(num)s lesson", "%(num)s lessons", n) % {"num": n}


def _risks(n: int) -> str:
    return ngettext("%(num)s risk", "%(num)s risks", n) % {"num": n}


def with_retagged(row: Lesson | Risk, changes: dict) -> dict:
    """`changes` with the tag list following a corrected category or phase: ingestion puts both in the tags,
    so the old value is replaced there (dropped when cleared) instead of lingering as a free tag."""
    replaced = {getattr(row, f).lower(): changes[f] for f in ("category", "phase")
                if f in changes and getattr(row, f) and (changes[f] or "").lower() != getattr(row, f).lower()}
    if not replaced:
        return changes
    tags = changes["tags"] if changes.get("tags") is not None else (row.tags or [])
    kept: dict[str, str] = {}
    for tag in (replaced.get(t.lower(), t) for t in tags):
        if tag:
            kept.setdefault(tag.lower(), tag)
    return {**changes, "tags": list(kept.values())}


def _delete_packs(session: Session, project_id: int) -> None:
    packs = session.exec(select(KickoffPack).where(KickoffPack.project_id == project_id)).all()
    for line in session.exec(select(ChecklistItem).where(col(ChecklistItem.pack_id).in_([p.id for p in packs]))):
        session.delete(line)
    session.flush()
    for pack in packs:
        session.delete(pack)
    session.flush()


def _drop_dependants(session: Session, kind: str, item_id: int) -> None:
    drop_vectors(session, keys=[(kind, item_id)])
    drop_vectors(session, keys=[(kind, item_id)], table=MultilingualVector)
    if kind == "lesson":
        for fb in session.exec(select(LessonFeedback).where(LessonFeedback.lesson_id == item_id)):
            session.delete(fb)
        session.flush()  # the feedback goes before its lesson (no ORM relationship orders them)


def _file_referenced(session: Session, stored_path: str) -> bool:
    """Whether any document or kept version still points at this original file."""
    if session.exec(select(Document.id).where(Document.stored_path == stored_path)).first() is not None:
        return True
    return session.exec(select(DocumentVersion.id).where(DocumentVersion.stored_path == stored_path)).first() \
        is not None


def _referenced_files(session: Session) -> dict[str, str]:
    """Every original file a document or a kept version points at: path -> which document."""
    out = {path: f"document {doc_id}, {name}, version {version}" for doc_id, name, version, path in session.exec(
        select(DocumentVersion.document_id, DocumentVersion.source_name, DocumentVersion.version,
               DocumentVersion.stored_path)) if path}
    out.update({path: f"document {doc_id}, {name}" for doc_id, name, path in session.exec(
        select(Document.id, Document.source_name, Document.stored_path)) if path})
    return out


_crashes: dict[str, int] = {}


def _crash_point(label: str) -> None:
    """Test hook, inert unless `KB_TEST_CRASH_AT=<label>:<n>` is set: the n-th time the process
    reaches `label` it kills itself with SIGKILL, so tests/kb/test_crash.py can stop a real
    `kb ingest` at an exact point of a write (a timed kill would land anywhere, or nowhere, on a
    busy machine). Labels: original-partial, sql-written, index-updated, committed, edit-indexed."""
    target = os.environ.get("KB_TEST_CRASH_AT")
    if not target or target.partition(":")[0] != label:
        return
    _crashes[label] = _crashes.get(label, 0) + 1
    if _crashes[label] == int(target.partition(":")[2] or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def identity_key(item) -> str:
    """What an item was called as ingested: its external id, else its section and title
    (kept in origin_key, so a PMO correction of the title does not make it a stranger)."""
    if item.external_id:
        return f"x:{item.external_id}"
    return f"t:{item.source_location or ''}|{match_key(item.title)}"
