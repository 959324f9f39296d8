"""The storage contract: SQL is the truth, Chroma follows it, and every write is all-or-nothing."""

from __future__ import annotations

import pytest
from sqlmodel import select

from kb.drafts import ParsedDocument
from kb.errors import IndexUnavailable, InvalidDocument
from kb.models import DocumentCreate, Lesson, LessonUpdate, Project
from kb.texts import vector_id
from tests.factories import closure

pytestmark = pytest.mark.scaleout  # `make test` runs this module again on PostgreSQL + a Chroma server


def lesson_titles(kb) -> list[str]:
    with kb.session() as s:
        return sorted(l.title for l in s.exec(select(Lesson)))


def test_same_bytes_twice_changes_nothing(fast_kb):
    first = fast_kb.save_document(closure(), b"v1")
    again = fast_kb.save_document(closure(), b"v1")
    assert (first.outcome, again.outcome) == ("ingested", "unchanged")
    assert lesson_titles(fast_kb) == ["Legacy data was dirty", "Super users helped adoption"]
    assert fast_kb.vectors.count() == 3


def test_same_content_under_another_name_is_not_a_duplicate(fast_kb):
    fast_kb.save_document(closure(), b"v1")
    again = fast_kb.save_document(closure(name="copy-of-report.md"), b"v1")
    assert again.outcome == "unchanged" and "erp-closure.md" in again.message
    assert len(lesson_titles(fast_kb)) == 2


def test_changed_file_replaces_old_version_and_keeps_ids(fast_kb):
    fast_kb.save_document(closure(), b"v1")
    with fast_kb.session() as s:
        kept_id = s.exec(select(Lesson).where(Lesson.title == "Legacy data was dirty")).one().id
    result = fast_kb.save_document(closure(extra_lesson="Rehearse the cutover", budget=2e6), b"v2")
    assert result.outcome == "replaced"
    assert lesson_titles(fast_kb) == ["Legacy data was dirty", "Rehearse the cutover", "Super users helped adoption"]
    with fast_kb.session() as s:
        assert s.exec(select(Lesson).where(Lesson.title == "Legacy data was dirty")).one().id == kept_id
        assert s.exec(select(Project)).one().planned_budget == 2e6
    assert fast_kb.doctor().ok


def test_dropped_lesson_leaves_sql_and_index(fast_kb):
    fast_kb.save_document(closure(extra_lesson="Rehearse the cutover"), b"v1")
    with fast_kb.session() as s:
        gone = s.exec(select(Lesson).where(Lesson.title == "Rehearse the cutover")).one().id
    fast_kb.save_document(closure(), b"v2")
    assert "Rehearse the cutover" not in lesson_titles(fast_kb)
    assert vector_id("lesson", gone) not in fast_kb.vectors.ids()
    assert fast_kb.doctor().ok


def test_pmo_corrections_survive_a_reupload(fast_kb):
    fast_kb.save_document(closure(), b"v1")
    with fast_kb.session() as s:
        lesson = s.exec(select(Lesson).where(Lesson.title == "Legacy data was dirty")).one()
    fast_kb.update_lesson(lesson.id, LessonUpdate(category="testing", tags=["cutover"]))
    fast_kb.save_document(closure(extra_lesson="New lesson"), b"v2")
    with fast_kb.session() as s:
        again = s.get(Lesson, lesson.id)
    assert (again.category, again.tags) == ("testing", ["cutover"])


def test_index_failure_stores_nothing_and_keeps_previous_version(fast_kb, monkeypatch):
    fast_kb.save_document(closure(), b"v1")
    before_ids = fast_kb.vectors.ids()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(fast_kb.vectors, "upsert", broken)
    with pytest.raises(IndexUnavailable):
        fast_kb.save_document(closure(extra_lesson="Should not appear"), b"v2")
    with pytest.raises(IndexUnavailable):
        fast_kb.save_document(closure(name="other.md"), b"other")
    monkeypatch.undo()
    assert lesson_titles(fast_kb) == ["Legacy data was dirty", "Super users helped adoption"]
    assert fast_kb.vectors.ids() == before_ids
    assert fast_kb.find_by_content(b"v2") is None
    assert len(list(fast_kb.settings.files_dir.iterdir())) == 1, "only the first version's original is kept"


def test_sql_failure_after_indexing_removes_the_new_vectors(fast_kb, monkeypatch):
    import kb.store

    def broken(session):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(kb.store, "bump_generation", broken)
    with pytest.raises(RuntimeError):
        fast_kb.save_document(closure(), b"v1")
    assert lesson_titles(fast_kb) == []
    assert fast_kb.vectors.count() == 0


def test_document_without_lessons_or_risks_is_rejected(fast_kb):
    empty = ParsedDocument(document=DocumentCreate(kind="retrospective", source_name="r.md", sha256=""))
    with pytest.raises(InvalidDocument, match="no lessons or risks"):
        fast_kb.save_document(empty, b"x")
    assert fast_kb.find_by_content(b"x") is None


def test_doctor_reports_drift_and_reindex_repairs_it(fast_kb):
    fast_kb.save_document(closure(), b"v1")
    fast_kb.vectors.delete(["lesson-1"])
    fast_kb.vectors.upsert(["lesson-999"], fast_kb.embedder.embed_batch(["stray"]), [{"kind": "lesson"}])
    report = fast_kb.doctor()
    assert report.missing_from_index == ["lesson-1"] and report.orphaned_in_index == ["lesson-999"]
    assert fast_kb.reindex().items == 3
    assert fast_kb.doctor().ok


def test_original_file_is_kept_byte_for_byte(fast_kb):
    result = fast_kb.save_document(closure(), b"original bytes")
    from kb.models import Document

    with fast_kb.session() as s:
        doc = s.get(Document, result.document_id)
    assert (fast_kb.settings.data_dir / doc.stored_path).read_bytes() == b"original bytes"


def test_chroma_never_embeds_on_its_own(fast_kb):
    # Chroma's default embedding function would try to download a model.
    with pytest.raises(ValueError):
        fast_kb.vectors.collection.add(ids=["x"], documents=["text without a vector"])


def test_unpublishing_and_retitling_survive_a_reupload(fast_kb):
    from kb.models import LessonFeedback

    fast_kb.save_document(closure(), b"v1")
    with fast_kb.session() as s:
        dirty = s.exec(select(Lesson).where(Lesson.title == "Legacy data was dirty")).one()
        well = s.exec(select(Lesson).where(Lesson.title == "Super users helped adoption")).one()
        s.add(LessonFeedback(lesson_id=dirty.id, kind="helpful"))
        s.commit()
    fast_kb.update_lesson(dirty.id, LessonUpdate(title="Legacy customer data had duplicates"))
    fast_kb.update_lesson(well.id, LessonUpdate(published=False))
    fast_kb.save_document(closure(extra_lesson="New lesson"), b"v2")
    with fast_kb.session() as s:
        assert s.get(Lesson, dirty.id).title == "Legacy customer data had duplicates"
        assert s.get(Lesson, well.id).published is False
        assert len(s.exec(select(LessonFeedback)).all()) == 1, "feedback stays with the retitled lesson"
    assert lesson_titles(fast_kb) == ["Legacy customer data had duplicates", "New lesson",
                                      "Super users helped adoption"]


def test_a_replaced_version_keeps_both_originals_on_disk(fast_kb):
    fast_kb.save_document(closure(), b"v1")
    result = fast_kb.save_document(closure(extra_lesson="More"), b"v2")
    kept = sorted(p.read_bytes() for p in fast_kb.settings.files_dir.iterdir())
    assert kept == [b"v1", b"v2"]
    versions = fast_kb.document_versions(result.document_id)
    assert [v.version for v in versions] == [2, 1]
    assert fast_kb.version_file(result.document_id, 1)[0].read_bytes() == b"v1"


def test_each_vector_belongs_to_its_own_lesson(fast_kb):
    import numpy as np

    from kb.texts import lesson_text

    fast_kb.save_document(closure(extra_lesson="A much longer lesson title that sorts first by length"), b"v1")
    with fast_kb.session() as s:
        lessons = s.exec(select(Lesson)).all()
    stored = fast_kb.vectors.get([vector_id("lesson", l.id) for l in lessons])
    by_id = dict(zip(stored.ids, stored.embeddings))
    for lesson in lessons:
        expected = fast_kb.embedder.embed_batch([lesson_text(lesson)])[0]
        assert np.allclose(by_id[vector_id("lesson", lesson.id)], expected, atol=1e-6), lesson.title


def test_a_failed_edit_leaves_the_index_as_it_was(fast_kb, monkeypatch):
    import kb.store

    fast_kb.save_document(closure(), b"v1")
    with fast_kb.session() as s:
        lesson = s.exec(select(Lesson).where(Lesson.title == "Legacy data was dirty")).one()
    before = fast_kb.vectors.get([vector_id("lesson", lesson.id)])

    def broken(session):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(kb.store, "bump_generation", broken)
    with pytest.raises(RuntimeError):
        fast_kb.update_lesson(lesson.id, LessonUpdate(title="Customer records were duplicated", category="cost"))
    after = fast_kb.vectors.get([vector_id("lesson", lesson.id)])
    assert after.metadatas == before.metadatas
    assert (after.embeddings == before.embeddings).all()
    assert lesson_titles(fast_kb)[0] == "Legacy data was dirty"


def test_a_database_from_an_earlier_version_is_brought_up_to_date(settings, fake_embedder):
    from sqlalchemy import text

    from kb.db import create_db_engine
    from kb.store import KnowledgeBase

    engine = create_db_engine(settings)
    with engine.begin() as conn:  # as an earlier version left it: no origin_key, no report_date
        conn.execute(text("DROP INDEX ix_lesson_origin_key"))
        conn.execute(text("ALTER TABLE lesson DROP COLUMN origin_key"))
        conn.execute(text("ALTER TABLE document DROP COLUMN report_date"))
        conn.execute(text("DROP TABLE alembic_version"))  # and made before schema revisions were recorded
        conn.execute(text("DROP TABLE kb_generation"))
        conn.execute(text("DROP TABLE item_vector"))  # and before vectors were recorded in SQL
        conn.execute(text("DROP TABLE document_version"))  # and before documents had versions
        conn.execute(text("DROP INDEX ix_document_key"))
        conn.execute(text("ALTER TABLE document DROP COLUMN key"))
        conn.execute(text("ALTER TABLE document DROP COLUMN version"))
        conn.execute(text("DROP TABLE checklist_item"))  # and before kickoff packs became checklists
        for table in ("audit_event", "api_token", "user_session", "account"):  # and before accounts
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("DROP TABLE project_access"))  # and before projects could be confidential
        conn.execute(text("ALTER TABLE project DROP COLUMN confidential"))
        conn.execute(text("ALTER TABLE lesson DROP COLUMN language"))  # and before items recorded a language
        conn.execute(text("ALTER TABLE risk DROP COLUMN language"))
        conn.execute(text("DROP TABLE warning"))  # and before early warnings were recorded
        conn.execute(text("ALTER TABLE document DROP COLUMN template_gaps"))  # and before template gaps
        conn.execute(text("DROP TABLE status_report"))  # and before status reports
        conn.execute(text("DROP TABLE multilingual_vector"))  # and before the multilingual model's vectors
        conn.execute(text("ALTER TABLE kickoffpack DROP COLUMN author"))  # and before packs recorded their author
        conn.execute(text("ALTER TABLE lesson DROP COLUMN edited_fields"))  # and before corrections named fields
        conn.execute(text("ALTER TABLE risk DROP COLUMN edited_fields"))
    engine.dispose()
    kb = KnowledgeBase.open(settings, embedder=fake_embedder)
    assert kb.save_document(closure(), b"v1").outcome == "ingested"
    assert kb.save_document(closure(extra_lesson="More"), b"v2").outcome == "replaced"
    assert len(lesson_titles(kb)) == 3


def test_a_correction_keeps_only_the_fields_corrected_and_the_file_updates_the_rest(fast_kb):
    """Correcting a risk's category froze its status: the register's 'Occurred' on the next upload was ignored."""
    from ingest.pipeline import ingest_bytes
    from kb.models import Risk, RiskUpdate

    register = ("Risk ID,Description,Category,Status\n"
                "R-01,Supplier may deliver the adapters late,schedule,Open\n"
                "R-02,Data migration volumes may be underestimated,schedule,Open\n")
    ingest_bytes(fast_kb, "TST-VRR_risk-register.csv", register.encode(), project="TST-VRR")
    with fast_kb.session() as s:
        risk = s.exec(select(Risk).where(Risk.external_id == "R-02")).one()
    fast_kb.update_risk(risk.id, RiskUpdate(category="data migration"))
    fast_kb.update_risk(risk.id, RiskUpdate(phase=risk.phase))  # saved unchanged: corrects nothing
    later = register.replace("underestimated,schedule,Open", "underestimated,schedule,Occurred")
    assert ingest_bytes(fast_kb, "TST-VRR_risk-register.csv", later.encode(), project="TST-VRR").outcome == "replaced"
    with fast_kb.session() as s:
        again = s.get(Risk, risk.id)
    assert again.category == "data migration" and "category" in again.edited_fields
    assert not {"status", "materialised", "phase"} & set(again.edited_fields)
    assert again.status == "materialised" and again.materialised


def test_a_corrected_status_stays_whole_when_the_register_says_otherwise(fast_kb):
    """Status corrected to closed, then 'Occurred' in the register: status stayed closed but materialised became
    true, so search and the metrics counted it as a failure (the regression probe)."""
    from ingest.pipeline import ingest_bytes
    from kb.models import Risk, RiskUpdate

    register = "Risk ID,Description,Status\nR-01,Supplier may deliver the adapters late,Open\n"
    ingest_bytes(fast_kb, "TST-ST_risk-register.csv", register.encode(), project="TST-ST")
    with fast_kb.session() as s:
        risk = s.exec(select(Risk).where(Risk.external_id == "R-01")).one()
    fast_kb.update_risk(risk.id, RiskUpdate(status="closed"))
    ingest_bytes(fast_kb, "TST-ST_risk-register.csv", register.replace("Open", "Occurred").encode(), project="TST-ST")
    with fast_kb.session() as s:
        again = s.get(Risk, risk.id)
    assert (again.status, again.materialised) == ("closed", False)
