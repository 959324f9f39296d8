"""Vectors are recorded in SQL with the model and the text they were made from: search reads
them from there, `kb doctor` checks every derived thing against SQL, `kb reindex` repairs it,
including after a change of embedding model."""

from __future__ import annotations

import numpy as np
import pytest
from sqlmodel import select

from kb.models import Document, ItemVector, Lesson, LessonUpdate, Risk
from kb.texts import item_text, text_sha256, vector_id
from kb.vectors import from_blobs
from tests.conftest import HashingEmbedder
from tests.factories import closure


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting what it is asked to embed."""

    def __init__(self, name: str = "hashing-test", dim: int = 64) -> None:
        self.name, self.dim, self.embedded = name, dim, 0

    def embed_batch(self, texts):
        self.embedded += len(texts)
        return super().embed_batch(texts)


def open_kb(settings, embedder):
    from kb.store import KnowledgeBase

    return KnowledgeBase.open(settings, embedder=embedder)


def sql_vectors(kb) -> dict[str, ItemVector]:
    with kb.session() as s:
        return {vector_id(v.kind, v.item_id): v for v in s.exec(select(ItemVector))}


def lessons(kb) -> list[Lesson]:
    with kb.session() as s:
        return list(s.exec(select(Lesson).order_by(Lesson.id)))


def test_each_item_has_its_vector_in_sql_with_model_and_text_hash(fast_kb):
    fast_kb.save_document(closure(), b"v1")
    recorded = sql_vectors(fast_kb)
    assert len(recorded) == 3
    index = fast_kb.vectors.get(sorted(recorded))
    for vid, vec, meta in zip(index.ids, index.embeddings, index.metadatas):
        row = recorded[vid]
        kind, item_id = vid.split("-")
        with fast_kb.session() as s:
            item = s.get(Lesson if kind == "lesson" else Risk, int(item_id))
        text = item_text(kind, item)
        assert (row.model, row.text_sha256, row.dim) == ("hashing-test", text_sha256(text), 64)
        assert np.allclose(from_blobs([row.vector], row.dim)[0], fast_kb.embedder.embed_batch([text])[0])
        assert np.allclose(vec, from_blobs([row.vector], row.dim)[0])
        assert (meta["model"], meta["text_sha256"]) == (row.model, row.text_sha256)


def test_an_edit_reembeds_only_when_the_text_changes(settings):
    counting = CountingEmbedder()
    kb = open_kb(settings, counting)
    kb.save_document(closure(), b"v1")
    lesson = next(l for l in lessons(kb) if l.title == "Legacy data was dirty")
    before = sql_vectors(kb)[vector_id("lesson", lesson.id)]
    counting.embedded = 0
    kb.update_lesson(lesson.id, LessonUpdate(category="testing"))
    assert counting.embedded == 0, "a new category does not change what the lesson says"
    kb.update_lesson(lesson.id, LessonUpdate(title="Customer data had duplicates"))
    assert counting.embedded == 1
    after = sql_vectors(kb)[vector_id("lesson", lesson.id)]
    assert after.text_sha256 != before.text_sha256 and after.vector != before.vector
    assert kb.doctor().ok


def test_a_reupload_keeps_the_vector_of_a_corrected_title(settings):
    counting = CountingEmbedder()
    kb = open_kb(settings, counting)
    kb.save_document(closure(), b"v1")
    lesson = next(l for l in lessons(kb) if l.title == "Legacy data was dirty")
    kb.update_lesson(lesson.id, LessonUpdate(title="Customer data had duplicates"))
    kb.save_document(closure(extra_lesson="Rehearse the cutover"), b"v2")
    row = sql_vectors(kb)[vector_id("lesson", lesson.id)]
    with kb.session() as s:
        assert row.text_sha256 == text_sha256(item_text("lesson", s.get(Lesson, lesson.id)))
    assert kb.doctor().ok


def test_vectors_go_with_their_items(fast_kb):
    fast_kb.save_document(closure(extra_lesson="Rehearse the cutover"), b"v1")
    gone = next(l.id for l in lessons(fast_kb) if l.title == "Rehearse the cutover")
    fast_kb.save_document(closure(), b"v2")
    assert vector_id("lesson", gone) not in sql_vectors(fast_kb)
    with fast_kb.session() as s:
        doc_id = s.exec(select(Document.id)).one()
    fast_kb.delete_document(doc_id)
    assert sql_vectors(fast_kb) == {}
    assert fast_kb.doctor().ok


def test_search_reads_vectors_from_sql_and_never_embeds_while_answering(settings):
    from search import SearchEngine, SearchRequest

    counting = CountingEmbedder()
    kb = open_kb(settings, counting)
    kb.save_document(closure(), b"v1")
    kb.vectors.delete(sorted(kb.vectors.ids()))  # as if another process's writes were not visible here
    counting.embedded = 0
    engine = SearchEngine(kb)
    snap = engine.snapshot()
    assert counting.embedded == 0 and snap.stale_vectors == 0
    assert np.allclose(np.linalg.norm(snap.dense, axis=1), 1.0)
    hits = engine.search(SearchRequest(q="customer records duplicates", detect_facets=False)).hits
    assert hits and hits[0].title == "Legacy data was dirty"


def test_an_item_whose_vector_is_stale_is_left_out_and_counted(settings):
    from search import SearchEngine
    from search.failures import item_vectors, load_items, load_projects

    counting = CountingEmbedder()
    kb = open_kb(settings, counting)
    kb.save_document(closure(), b"v1")
    lesson = next(l for l in lessons(kb) if l.title == "Legacy data was dirty")
    with kb.session() as s:  # the text changed behind the store's back: the vector no longer says it
        row = s.get(Lesson, lesson.id)
        row.what_happened = "Something else entirely."
        s.add(row)
        s.commit()
    counting.embedded = 0
    snap = SearchEngine(kb).snapshot()
    assert snap.stale_vectors == 1
    assert not snap.dense[snap.row("lesson", lesson.id)].any()
    with kb.session() as s:
        items = load_items(s, load_projects(s), polarity=None)
    matrix = item_vectors(kb, items)
    stale = [n for n, item in enumerate(items) if (item.kind, item.id) == ("lesson", lesson.id)]
    assert not matrix[stale].any() and matrix.any()
    assert counting.embedded == 0
    report = kb.doctor()
    assert report.stale_text == [vector_id("lesson", lesson.id)] and not report.ok
    assert kb.reindex().embedded == 1
    assert kb.doctor().ok and SearchEngine(kb).snapshot().stale_vectors == 0


def test_an_index_entry_sql_never_committed_is_found_and_repaired(fast_kb):
    """What a kill between the vector upsert and the SQL commit of an edit leaves behind."""
    fast_kb.save_document(closure(), b"v1")
    lesson = lessons(fast_kb)[0]
    vid = vector_id("lesson", lesson.id)
    never = "A title SQL never stored"
    fast_kb.vectors.upsert([vid], fast_kb.embedder.embed_batch([never]),
                           [{"kind": "lesson", "model": "hashing-test", "text_sha256": text_sha256(never)}])
    report = fast_kb.doctor()
    assert report.index_differs == [vid] and not report.missing_from_index and not report.ok
    fast_kb.reindex()
    assert fast_kb.doctor().ok
    got = fast_kb.vectors.get([vid])
    assert np.allclose(got.embeddings[0], fast_kb.embedder.embed_batch([item_text("lesson", lesson)])[0])


def test_doctor_finds_missing_orphaned_and_partial_files_and_reindex_removes_the_unused(fast_kb):
    first = fast_kb.save_document(closure(), b"v1")
    fast_kb.save_document(closure(extra_lesson="More"), b"v2")
    files = fast_kb.settings.files_dir
    with fast_kb.session() as s:
        current = s.get(Document, first.document_id).stored_path
    (fast_kb.settings.data_dir / current).unlink()
    (files / ("0" * 64 + ".md")).write_bytes(b"nobody's")
    (files / ("1" * 64 + ".md.part")).write_bytes(b"half")
    report = fast_kb.doctor()
    assert len(report.missing_files) == 1 and current in report.missing_files[0]
    assert report.orphaned_files == [f"files/{'0' * 64}.md"]
    assert report.partial_files == [f"files/{'1' * 64}.md.part"]
    assert fast_kb.reindex().files_removed == 2
    after = fast_kb.doctor()
    assert not after.orphaned_files and not after.partial_files and len(after.missing_files) == 1
    assert fast_kb.save_document(closure(extra_lesson="More"), b"v2").outcome == "unchanged"
    assert fast_kb.doctor().ok, "the same bytes again put the missing original back"


def test_a_model_of_the_same_dimension_is_not_mixed_in(settings):
    kb = open_kb(settings, HashingEmbedder())
    kb.save_document(closure(), b"v1")
    other = CountingEmbedder(name="another-64d-model")
    kb = open_kb(settings, other)
    report = kb.doctor()
    assert report.other_model == {"hashing-test": 3} and report.index_dim == 64 and not report.ok
    from search import SearchEngine

    assert SearchEngine(kb).snapshot().stale_vectors == 3
    done = kb.reindex()
    assert (done.embedded, done.recreated) == (3, True)
    assert kb.doctor().ok
    assert {v.model for v in sql_vectors(kb).values()} == {"another-64d-model"}


@pytest.mark.slow
def test_search_works_again_after_reindex_when_the_model_changes_dimension(settings, embedder):
    from ingest import ingest_file
    from search import SearchEngine, SearchRequest
    from tests.conftest import SAMPLES

    question = SearchRequest(q="what went wrong with data migration on ERP projects", detect_facets=False)
    real = open_kb(settings, embedder)
    for name in ("FIN-ERP-2021_closure_report.md", "CRM-2022_closure_report.docx"):
        assert ingest_file(real, SAMPLES / name).outcome == "ingested"
    top = SearchEngine(real).search(question).hits[0].title
    n = real.doctor().sql_items

    small = CountingEmbedder(name="hashing-64d")
    changed = open_kb(settings, small)
    snap = SearchEngine(changed).snapshot()
    assert snap.stale_vectors == n and snap.dense.shape == (n, 64)
    assert SearchEngine(changed).search(question).hits, "keyword search still answers before the reindex"
    report = changed.doctor()
    assert report.other_model == {embedder.name: n} and report.index_dim == 384 and report.dim == 64
    done = changed.reindex()
    assert (done.embedded, done.recreated, done.indexed) == (n, True, n)
    assert changed.doctor().ok and changed.vectors.dim() == 64
    engine = SearchEngine(changed)
    assert engine.snapshot().stale_vectors == 0 and engine.search(question).hits

    back = open_kb(settings, embedder)
    assert back.reindex().recreated and back.doctor().ok
    assert SearchEngine(back).search(question).hits[0].title == top


def test_a_data_directory_from_before_sql_vectors_adopts_the_index_vectors_without_embedding(settings, fake_embedder):
    """Revision 0004 adds item_vector empty; the vectors Chroma holds are taken over at the next open."""
    from sqlalchemy import text

    from kb.store import KnowledgeBase
    from tests.factories import closure

    kb = KnowledgeBase.open(settings, embedder=fake_embedder)
    kb.save_document(closure(), b"v1")
    ids = sorted(kb.vectors.ids())
    before = kb.vectors.get(ids)
    legacy = [{k: v for k, v in m.items() if k not in ("model", "text_sha256")} for m in before.metadatas]
    kb.vectors.delete(before.ids)
    kb.vectors.upsert(before.ids, before.embeddings, legacy)  # as the earlier release wrote them
    with kb.engine.begin() as conn:
        conn.execute(text("DELETE FROM item_vector"))

    class Refuses(type(fake_embedder)):
        def embed_batch(self, texts):
            raise AssertionError("adopting the index must not embed anything")

    again = KnowledgeBase.open(settings, embedder=Refuses())
    with again.session() as s:
        assert s.exec(text("SELECT count(*) FROM item_vector")).one()[0] == len(ids)
    assert again.doctor().ok
    assert KnowledgeBase.open(settings, embedder=Refuses()).adopt_index_vectors() == 0, "only once"


class MeetingEmbedder(HashingEmbedder):
    """Embeds only once the other model has started embedding too: one after the other, it waits in vain."""

    def __init__(self, name: str, dim: int, meeting) -> None:
        self.name, self.dim, self.meeting = name, dim, meeting

    def embed_batch(self, texts):
        self.meeting.wait()
        return super().embed_batch(texts)


def test_both_models_embed_a_document_at_once_so_ingest_takes_the_slower_ones_time_not_the_sum(settings):
    import threading

    from kb.models import MultilingualVector
    from kb.store import KnowledgeBase

    meeting = threading.Barrier(2, timeout=20)
    kb = KnowledgeBase.open(settings, embedder=MeetingEmbedder("main-test", 64, meeting),
                            multilingual=MeetingEmbedder("second-test", 32, meeting))
    assert kb.save_document(closure(), b"v1").outcome == "ingested"
    with kb.session() as s:
        assert len(s.exec(select(MultilingualVector)).all()) == len(sql_vectors(kb)) > 0
