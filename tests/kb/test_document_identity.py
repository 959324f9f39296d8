"""Nothing lost: a document belongs to its project, replaced versions are kept and can be
restored, items keep their identity (and the PMO's corrections and feedback) through the
ordinary edits people make to their files, and deletions take rows, vectors and files together."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

from ingest import ingest_bytes
from kb.models import Document, Lesson, LessonFeedback, LessonUpdate, Project, Risk
from kb.texts import vector_id

pytestmark = pytest.mark.scaleout  # `make test` runs this module again on PostgreSQL + a Chroma server

LESSONS_HEADER = "Title,What happened,Recommendation,Category"
LESSON_ROWS = [
    "Cutover rehearsal skipped,The team went live without a dress rehearsal of the cutover weekend.,"
    "Rehearse the full cutover twice,Testing",
    "Supplier master data dirty,Thousands of supplier records were duplicated in the legacy system.,"
    "Appoint a data owner before the first trial load,Data migration",
    "Sponsor attended every steering meeting,Decisions were taken in days because the CFO chaired the board.,"
    "Secure a sponsor who attends in person,Governance",
]


def register(code: str, rows: list[str], header: str = LESSONS_HEADER) -> bytes:
    return "\n".join([f"Project code: {code}", header, *rows]).encode()


def risk_register(code: str, title: str) -> bytes:
    return "\n".join([f"Project code: {code}", "Risk ID,Risk Statement,Status",
                      f"R1,{title},Occurred", "R2,Key users may be unavailable during year-end,Open"]).encode()


def rows_of(kb, model, code: str):
    with kb.session() as s:
        project = s.exec(select(Project).where(Project.code == code)).one()
        return s.exec(select(model).where(model.project_id == project.id).order_by(model.id)).all()


def correct_and_praise(kb, title: str) -> int:
    """The PMO corrects a lesson's category and a PM marks it helpful; returns its id."""
    with kb.session() as s:
        lesson = s.exec(select(Lesson).where(Lesson.title == title)).one()
    kb.update_lesson(lesson.id, LessonUpdate(category="governance", tags=["pmo-reviewed"]))
    with kb.session() as s:
        s.add(LessonFeedback(lesson_id=lesson.id, kind="helpful"))
        s.commit()
    return lesson.id


def assert_kept(kb, lesson_id: int) -> None:
    with kb.session() as s:
        lesson = s.get(Lesson, lesson_id)
        assert lesson is not None, "the lesson kept its identity"
        assert (lesson.category, lesson.tags) == ("governance", ["pmo-reviewed"]), "the PMO's correction survived"
        feedback = s.exec(select(LessonFeedback).where(LessonFeedback.lesson_id == lesson_id)).all()
        assert len(feedback) == 1, "the feedback survived"


# --- document identity -----------------------------------------------------------------------

def test_two_projects_files_of_the_same_name_are_two_documents(fast_kb):
    a = ingest_bytes(fast_kb, "Risk Register.csv", risk_register("ALPHA", "Vendor may deliver interfaces late"))
    b = ingest_bytes(fast_kb, "Risk Register.csv", risk_register("BETA", "Data centre lease may not be renewed"))
    assert (a.outcome, b.outcome) == ("ingested", "ingested")
    assert a.document_id != b.document_id
    assert [r.title for r in rows_of(fast_kb, Risk, "ALPHA")][0] == "Vendor may deliver interfaces late"
    assert [r.title for r in rows_of(fast_kb, Risk, "BETA")][0] == "Data centre lease may not be renewed"
    assert len(list(fast_kb.settings.files_dir.iterdir())) == 2, "both originals are kept"


def test_a_replacement_is_announced_before_it_happens_and_the_old_version_is_kept(fast_kb):
    from ingest.pipeline import parse_bytes, context_for

    first = ingest_bytes(fast_kb, "lessons.csv", register("ALPHA", LESSON_ROWS))
    changed = register("ALPHA", LESSON_ROWS[:2])
    plan = fast_kb.plan_document(parse_bytes("lessons.csv", changed, context_for(fast_kb)), changed)
    assert plan.outcome == "replaced" and plan.version == 2
    assert plan.message.startswith("replaces version 1 of ALPHA lessons register (lessons.csv)")
    assert len(rows_of(fast_kb, Lesson, "ALPHA")) == 3, "planning stores nothing"

    second = ingest_bytes(fast_kb, "lessons.csv", changed)
    assert second.outcome == "replaced" and second.document_id == first.document_id
    assert "replaced version 1" in second.reason and "can be restored" in second.reason
    assert any("1 lesson" in w and "removed" in w for w in second.warnings), second.warnings
    versions = fast_kb.document_versions(first.document_id)
    assert [(v.version, v.lessons) for v in versions] == [(2, 2), (1, 3)]
    path, name, _ = fast_kb.version_file(first.document_id, 1)
    assert name == "lessons.csv" and path.read_bytes() == register("ALPHA", LESSON_ROWS)


def test_a_new_projects_register_named_by_its_code_is_replaced_by_its_next_version(fast_kb):
    """The register's rows name the project, which is not stored yet: the code starting the file
    name was only recognised once the project existed, so version 2 became a second document."""
    rows = ["Risk ID,Project Code,Risk Statement,Status", "R1,NEW-ERP-2027,Vendor may deliver interfaces late,Open",
            "R2,NEW-ERP-2027,Key users may be unavailable at year-end,Open"]
    first = ingest_bytes(fast_kb, "NEW-ERP-2027_risk-register.csv", "\n".join(rows).encode())
    second = ingest_bytes(fast_kb, "NEW-ERP-2027_risk-register.csv",
                          "\n".join(rows).replace("interfaces late", "the interfaces late").encode())
    assert (first.outcome, second.outcome) == ("ingested", "replaced")
    assert second.document_id == first.document_id
    assert [r.title for r in rows_of(fast_kb, Risk, "NEW-ERP-2027")][0] == "Vendor may deliver the interfaces late"


def test_a_renamed_copy_of_a_stored_report_is_flagged_before_and_after_it_is_stored(fast_kb):
    """A PM renames "lessons.csv" to "lessons v2.csv" and edits a row: by its name it is a second
    document, so every lesson would be there twice. The preview says so and how to make it the
    next version instead; storing it anyway says how to undo that."""
    from ingest.pipeline import context_for, parse_bytes

    ingest_bytes(fast_kb, "lessons.csv", register("ALPHA", LESSON_ROWS))
    edited = register("ALPHA", LESSON_ROWS[:2] + [LESSON_ROWS[2].replace("every steering", "each steering")])
    plan = fast_kb.plan_document(parse_bytes("lessons v2.csv", edited, context_for(fast_kb)), edited)
    assert plan.outcome == "ingested"
    assert plan.warnings == ["3 of its 3 lessons and risks are already in lessons.csv of the same project. If this "
                             "file is a new version of that one, name it lessons.csv before uploading: it then "
                             "becomes that document's next version instead of a second copy."]
    preview = ingest_bytes(fast_kb, "lessons v2.csv", edited, preview=True)
    assert preview.warnings == plan.warnings
    stored = ingest_bytes(fast_kb, "lessons v2.csv", edited)
    assert stored.outcome == "ingested"
    assert any("already in lessons.csv" in w and "delete this document" in w for w in stored.warnings), stored.warnings

    fast_kb.delete_document(stored.document_id)
    renamed_back = ingest_bytes(fast_kb, "lessons.csv", edited)
    assert renamed_back.outcome == "replaced" and not renamed_back.warnings


def test_other_reports_of_the_project_and_the_same_report_in_another_project_are_not_flagged(fast_kb):
    ingest_bytes(fast_kb, "lessons.csv", register("ALPHA", LESSON_ROWS))
    other_rows = ["Steering met monthly,Decisions waited four weeks for the next meeting.,Meet fortnightly,Governance",
                  "Test data masked late,Masking delayed the test cycle by a week.,Mask data before SIT,Testing"]
    other = ingest_bytes(fast_kb, "more lessons.csv", register("ALPHA", other_rows[:1] + LESSON_ROWS[:1] + other_rows[1:]))
    assert other.outcome == "ingested" and other.warnings == []  # one lesson in three is shared: not a copy
    elsewhere = ingest_bytes(fast_kb, "lessons copy.csv", register("BETA", LESSON_ROWS))
    assert elsewhere.outcome == "ingested" and elsewhere.warnings == []  # another project's lessons are its own
    # Two workstreams' registers, each numbered from R1, sharing one risk of two: not a copy.
    ingest_bytes(fast_kb, "Risk Register.csv", risk_register("ALPHA", "Vendor may deliver interfaces late"))
    second = ingest_bytes(fast_kb, "Workstream B risks.csv", risk_register("ALPHA", "Data centre lease may lapse"))
    assert second.outcome == "ingested" and not any("already in" in w for w in second.warnings), second.warnings


def test_restoring_an_old_version_brings_its_lessons_back_as_the_next_version(fast_kb):
    original = register("ALPHA", LESSON_ROWS)
    first = ingest_bytes(fast_kb, "lessons.csv", original)
    kept_id = correct_and_praise(fast_kb, "Sponsor attended every steering meeting")
    ingest_bytes(fast_kb, "lessons.csv", register("ALPHA", LESSON_ROWS[:1] + LESSON_ROWS[2:]))
    path, name, _ = fast_kb.version_file(first.document_id, 1)
    restored = ingest_bytes(fast_kb, name, path.read_bytes())
    assert restored.outcome == "replaced" and restored.document_id == first.document_id
    assert [v.version for v in fast_kb.document_versions(first.document_id)] == [3, 2, 1]
    assert len(rows_of(fast_kb, Lesson, "ALPHA")) == 3
    assert_kept(fast_kb, kept_id)


# --- item identity through ordinary edits -------------------------------------------------------

def test_a_row_inserted_at_the_top_of_a_register_keeps_corrections_and_feedback(fast_kb):
    ingest_bytes(fast_kb, "lessons.csv", register("ALPHA", LESSON_ROWS))
    kept_id = correct_and_praise(fast_kb, "Supplier master data dirty")
    new_row = "Training came too late,End users were trained a week after go-live.,Train before go-live,Training"
    report = ingest_bytes(fast_kb, "lessons.csv", register("ALPHA", [new_row] + LESSON_ROWS))
    assert report.outcome == "replaced" and report.lessons == 4
    assert_kept(fast_kb, kept_id)
    with fast_kb.session() as s:
        assert s.get(Lesson, kept_id).source_location != "row 3", "it now cites its new row"


def test_a_typo_fixed_in_a_title_keeps_corrections_and_feedback(kb):
    ingest_bytes(kb, "lessons.csv", register("ALPHA", LESSON_ROWS))
    kept_id = correct_and_praise(kb, "Cutover rehearsal skipped")
    fixed = [LESSON_ROWS[0].replace("The team went live", "The team went live,")
             .replace("Cutover rehearsal skipped", "Cutover rehearsal was skiped")] + LESSON_ROWS[1:]
    fixed[0] = LESSON_ROWS[0].replace("Cutover rehearsal skipped", "Cutover rehearsal was skiped")
    ingest_bytes(kb, "lessons.csv", register("ALPHA", fixed))
    assert_kept(kb, kept_id)
    with kb.session() as s:
        # only the category was corrected: the title follows the file, as the register now spells it
        assert s.get(Lesson, kept_id).title == "Cutover rehearsal was skiped"


def test_a_reworded_title_and_body_is_matched_by_meaning(kb):
    ingest_bytes(kb, "lessons.csv", register("ALPHA", LESSON_ROWS))
    kept_id = correct_and_praise(kb, "Supplier master data dirty")
    reworded = ("Supplier master data was dirty,Thousands of supplier records were duplicated in the old system.,"
                "Appoint a data owner before the first trial load,Data migration")
    ingest_bytes(kb, "lessons.csv", register("ALPHA", [LESSON_ROWS[0], reworded, LESSON_ROWS[2]]))
    assert_kept(kb, kept_id)


def test_a_renamed_heading_keeps_corrections_and_feedback(fast_kb):
    from pathlib import Path

    samples = Path(__file__).parent.parent / "samples"
    text = (samples / "FIN-ERP-2021_closure_report.md").read_text()
    ingest_bytes(fast_kb, "closure.md", text.encode())
    with fast_kb.session() as s:
        lesson = s.exec(select(Lesson).where(Lesson.source_location.like("%wrong%"))).first()
    assert lesson is not None
    kept_id = correct_and_praise(fast_kb, lesson.title)
    heading = lesson.source_location
    renamed = text.replace(f"## {heading}", f"## {heading} during the rollout", 1)
    assert renamed != text
    report = ingest_bytes(fast_kb, "closure.md", renamed.encode())
    assert report.outcome == "replaced"
    assert_kept(fast_kb, kept_id)


def test_a_genuinely_different_lesson_is_not_taken_for_an_old_one(kb):
    ingest_bytes(kb, "lessons.csv", register("ALPHA", LESSON_ROWS))
    with kb.session() as s:
        old_ids = {l.title: l.id for l in s.exec(select(Lesson))}
    other = ("Office move disrupted the team,The team moved building during the build phase.,"
             "Avoid office moves in the build phase,Resources")
    ingest_bytes(kb, "lessons.csv", register("ALPHA", LESSON_ROWS[:2] + [other]))
    with kb.session() as s:
        new = s.exec(select(Lesson).where(Lesson.title == "Office move disrupted the team")).one()
        assert new.id not in old_ids.values()
        assert s.get(Lesson, old_ids["Sponsor attended every steering meeting"]) is None


# --- two writers ---------------------------------------------------------------------------------

def test_the_same_bytes_stored_by_two_writers_at_once_is_one_document(fast_kb):
    data = register("ALPHA", LESSON_ROWS)
    reports, start = [], threading.Barrier(4)

    def upload(name):
        start.wait()
        reports.append(ingest_bytes(fast_kb, name, data))

    threads = [threading.Thread(target=upload, args=(f"copy-{i}.csv",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.outcome for r in reports) == ["ingested", "unchanged", "unchanged", "unchanged"]
    with fast_kb.session() as s:
        assert len(s.exec(select(Document)).all()) == 1
        assert len(s.exec(select(Lesson)).all()) == 3
    assert len(list(fast_kb.settings.files_dir.iterdir())) == 1
    assert fast_kb.doctor().ok


# --- deletion ------------------------------------------------------------------------------------

def test_deleting_a_document_removes_rows_vectors_and_files_of_every_version(fast_kb):
    first = ingest_bytes(fast_kb, "lessons.csv", register("ALPHA", LESSON_ROWS))
    other = ingest_bytes(fast_kb, "Risk Register.csv", risk_register("ALPHA", "Vendor may deliver late"))
    ingest_bytes(fast_kb, "lessons.csv", register("ALPHA", LESSON_ROWS[:2]))
    correct_and_praise(fast_kb, "Cutover rehearsal skipped")
    gone = fast_kb.delete_document(first.document_id)
    assert (gone.documents, gone.lessons, gone.files) == (1, 2, 2)
    with fast_kb.session() as s:
        assert s.get(Document, first.document_id) is None
        assert s.exec(select(Lesson)).all() == [] and s.exec(select(LessonFeedback)).all() == []
        assert len(s.exec(select(Risk)).all()) == 2, "the other document is untouched"
    assert [p.name.split(".")[0] for p in fast_kb.settings.files_dir.iterdir()] == [
        fast_kb.document_versions(other.document_id)[0].sha256]
    assert fast_kb.doctor().ok


def test_deleting_a_ghost_project_removes_it_from_the_delivery_metrics(fast_kb):
    from pathlib import Path

    from kb.metrics import compute_metrics

    samples = Path(__file__).parent.parent / "samples"
    text = (samples / "FIN-ERP-2021_closure_report.md").read_text()
    ingest_bytes(fast_kb, "closure.md", text.replace("FIN-ERP-2021", "FIN-ERP-2012").encode())  # a typo'd code
    ingest_bytes(fast_kb, "closure.md", text.encode())  # the corrected report
    with fast_kb.session() as s:
        assert len(s.exec(select(Project)).all()) == 2
        ghost = s.exec(select(Project).where(Project.code == "FIN-ERP-2012")).one()
        before = compute_metrics(session=s)
    fast_kb.delete_project(ghost.id)
    with fast_kb.session() as s:
        assert [p.code for p in s.exec(select(Project))] == ["FIN-ERP-2021"]
        after = compute_metrics(session=s)
    assert _closed(after) == _closed(before) - 1
    assert fast_kb.doctor().ok
    with fast_kb.session() as s:
        ids = {vector_id("lesson", l.id) for l in s.exec(select(Lesson))}
    assert ids == fast_kb.vectors.ids() - {v for v in fast_kb.vectors.ids() if v.startswith("risk")}


def _closed(report) -> int:
    return int(report.value("closed_projects"))


def test_a_preview_of_a_version_that_would_empty_the_document_says_so(kb):
    """Renamed headings ('Positive observations') made a version with no lessons, stored as 'replaced' without a
    word in the preview: all five lessons and their feedback went."""
    report = b"---\ncode: EMP-1\n---\n# Closure report\n\n## What went wrong\n\n- The vendor slipped.\n- Users were trained late.\n"
    assert ingest_bytes(kb, "EMP-1_closure-report.md", report).outcome == "ingested"
    renamed = report.replace(b"## What went wrong", b"## Observations")
    preview = ingest_bytes(kb, "EMP-1_closure-report.md", renamed, preview=True)
    assert preview.outcome == "replaced"
    assert any("holds no lessons or risks: the 2 lessons and 0 risks of version 1" in w for w in preview.warnings)


def test_the_same_file_for_another_project_says_where_it_is_stored(kb):
    """'--project TST-RIGHT' after a first upload under TST-WRONG was 'unchanged', and did not say where it was."""
    register = b"Risk ID,Description,Status\nR1,Vendor may deliver the adapters late,Open\n"
    assert ingest_bytes(kb, "Risk Log.csv", register, project="TST-WRONG").outcome == "ingested"
    again = ingest_bytes(kb, "Risk Log.csv", register, project="TST-RIGHT")
    assert again.outcome == "unchanged" and "stored for project TST-WRONG" in again.reason
    assert "delete it from its document page" in again.reason
    same = ingest_bytes(kb, "Risk Log.csv", register, project="tst-wrong")
    assert same.outcome == "unchanged" and "stored for project" not in same.reason
