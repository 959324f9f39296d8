"""Ingesting into a real store: idempotence, replacement, atomicity, folders."""

from __future__ import annotations

import shutil

import pytest

from ingest import collect_files, ingest_bytes, ingest_file

pytestmark = pytest.mark.scaleout  # `make test` runs this module again on PostgreSQL + a Chroma server


def test_ingest_and_reingest_is_unchanged(fast_kb, samples, snapshot, stored):
    first = ingest_file(fast_kb, samples / "FIN-ERP-2021_closure_report.md")
    assert first.outcome == "ingested" and first.lessons == 12 and first.document_id
    before = snapshot(fast_kb)
    again = ingest_file(fast_kb, samples / "FIN-ERP-2021_closure_report.md")
    assert (again.outcome, again.lessons, again.document_id) == ("unchanged", 12, first.document_id)
    assert snapshot(fast_kb) == before
    saved = stored.project(fast_kb, "FIN-ERP-2021")
    assert saved.name == "Finance ERP Replacement" and saved.outcome == "challenged"


def test_same_content_under_another_name_is_unchanged(fast_kb, samples):
    data = (samples / "retro_4ls.md").read_bytes()
    ingest_bytes(fast_kb, "retro_4ls.md", data)
    copy = ingest_bytes(fast_kb, "copy_of_retro.md", data)
    assert copy.outcome == "unchanged" and "retro_4ls.md" in copy.reason


def test_changed_file_replaces_and_keeps_ids(fast_kb, snapshot, stored):
    v1 = b"---\ncode: P-9\n---\n## What went well\n\n- Demos every Friday.\n- Stable test environment.\n"
    v2 = b"---\ncode: P-9\n---\n## What went well\n\n- Demos every Friday.\n- Pairing on releases.\n"
    first = ingest_bytes(fast_kb, "P-9_retro.md", v1)
    ids = {l.title: l.id for l in stored.lessons(fast_kb, first.document_id)}
    second = ingest_bytes(fast_kb, "P-9_retro.md", v2)
    assert second.outcome == "replaced" and second.document_id == first.document_id
    now = {l.title: l.id for l in stored.lessons(fast_kb, second.document_id)}
    assert set(now) == {"Demos every Friday", "Pairing on releases"}
    assert now["Demos every Friday"] == ids["Demos every Friday"]
    assert snapshot(fast_kb)["Lesson"] == 2 and snapshot(fast_kb)["vectors"] == 2


def test_registers_link_rows_to_projects(fast_kb, samples, stored):
    ingest_file(fast_kb, samples / "FIN-ERP-2021_closure_report.md")
    report = ingest_file(fast_kb, samples / "FIN-ERP-2021_risk_register.csv")
    assert (report.outcome, report.risks) == ("ingested", 4)
    risks = stored.risks(fast_kb, report.document_id)
    assert {r.project_id for r in risks} == {stored.project(fast_kb, "FIN-ERP-2021").id}
    jsonl = ingest_file(fast_kb, samples / "llis_sample.jsonl")
    assert jsonl.lessons == 3
    assert stored.project(fast_kb, "GROUND-SYSTEMS-MODERNISATION").name == "Ground Systems Modernisation"


def test_a_failing_index_stores_nothing(fast_kb, samples, monkeypatch, snapshot, stored):
    ingest_file(fast_kb, samples / "FIN-ERP-2021_retro_sprint_14.md")
    before = snapshot(fast_kb)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(fast_kb.vectors, "upsert", broken)
    report = ingest_file(fast_kb, samples / "FIN-ERP-2021_closure_report.md")
    assert report.outcome == "rejected" and "disk full" in report.reason
    monkeypatch.undo()
    assert snapshot(fast_kb) == before
    assert stored.project(fast_kb, "FIN-ERP-2021").name == "FIN-ERP-2021"  # the stub, not the report's name


def test_progress_is_forwarded(fast_kb, samples):
    calls = []
    ingest_file(fast_kb, samples / "pmo_lessons_register.csv", progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1] == (3, 3)


def test_files_over_the_limit_are_rejected(fast_kb, tmp_path, snapshot):
    fast_kb.settings.max_upload_mb = 1
    big = tmp_path / "big_retro.md"
    big.write_bytes(b"## What went well\n\n" + b"- x\n" * 300_000)
    report = ingest_file(fast_kb, big)
    assert report.outcome == "rejected" and "limit is 1 MB" in report.reason
    assert ingest_bytes(fast_kb, "big_retro.md", big.read_bytes()).outcome == "rejected"
    assert snapshot(fast_kb)["Document"] == 0


def test_collect_files_walks_folders(tmp_path, samples):
    (tmp_path / "b").mkdir()
    (tmp_path / "_drafts").mkdir()
    (tmp_path / ".git").mkdir()
    for rel in ["b/z_retro.md", "a_risks.csv", "_drafts/x.md", ".git/y.md", ".hidden.md", "_skip.md",
                "notes.txt", "b/A.XLSX", "README.md", "b/readme.markdown"]:
        (tmp_path / rel).write_text("x")
    explicit = [tmp_path / "notes.txt", tmp_path / "README.md"]
    found = collect_files([tmp_path, *explicit, tmp_path / "a_risks.csv"])
    names = [p.relative_to(tmp_path).as_posix() for p in found]
    assert names == ["a_risks.csv", "b/A.XLSX", "b/z_retro.md", "notes.txt", "README.md"]


def test_cli_folder_ingest_reports_each_file(fast_kb, samples, tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(samples, folder, ignore=shutil.ignore_patterns("*.py", "bad"))  # bad/: the hostile corpus
    reports = [ingest_file(fast_kb, path) for path in collect_files([folder])]
    outcome = {r.name: r.outcome for r in reports}
    assert outcome["notes_without_lessons.md"] == "rejected"
    assert outcome["scanned_closure_report.pdf"] == "rejected"
    assert sum(o == "ingested" for o in outcome.values()) == len(outcome) - 2


@pytest.mark.slow
def test_real_embeddings_find_the_lesson_by_meaning(kb, samples, stored):
    """With the real model, a question in other words lands on the right lesson."""
    report = ingest_file(kb, samples / "FIN-ERP-2021_closure_report.md")
    lessons = {l.id: l.title for l in stored.lessons(kb, report.document_id)}
    query = kb.embedder.embed_batch(["clean up supplier records before moving them to the new system"])[0]
    hits = kb.vectors.collection.query(query_embeddings=[query.tolist()], n_results=1)
    kind, _, item = hits["ids"][0][0].partition("-")
    assert lessons[int(item)] == "Data migration was underestimated"


def test_a_project_code_in_other_letter_case_is_the_same_project(fast_kb):
    from sqlmodel import select

    from ingest import ingest_bytes
    from kb.models import Document, Project

    report = "---\ncode: {code}\nproject_type: ERP migration\n---\n# Closure report\n\n## What went wrong\n\n- {text}\n"
    first = ingest_bytes(fast_kb, "closure.md", report.format(code="CAS-ERP-2026", text="The vendor slipped.").encode())
    again = ingest_bytes(fast_kb, "closure.md", report.format(code="cas-erp-2026", text="The vendor slipped twice.").encode())
    assert (first.outcome, again.outcome) == ("ingested", "replaced")
    with fast_kb.session() as session:
        assert session.exec(select(Project.code)).all() == ["CAS-ERP-2026"]  # no second, empty project
        (doc,) = session.exec(select(Document)).all()
        assert doc.version == 2 and session.get(Project, doc.project_id).code == "CAS-ERP-2026"


def test_a_register_naming_a_stored_project_by_its_name_is_that_project(fast_kb):
    """A portfolio register's Project column held "Finance ERP Replacement": each row made a second project,
    FINANCE-ERP-REPLACEMENT, beside FIN-ERP-2024, so its risks counted nowhere on the real one."""
    from sqlmodel import select

    from kb.models import Project, Risk

    report = ("---\ncode: FIN-ERP-2024\nproject: Finance ERP Replacement\n---\n# Closure report\n\n"
              "## What went wrong\n\n- The vendor slipped.\n")
    ingest_bytes(fast_kb, "FIN-ERP-2024_closure-report.md", report.encode())
    register = ("Project,Risk,Probability,Impact,Status\n"
                "finance  ERP replacement,Key user attrition during UAT,High,High,Occurred\n"
                "Warehouse Robotics,Robot vendor insolvency,Low,High,Open\n")
    ingest_bytes(fast_kb, "portfolio-risk-register.csv", register.encode())
    with fast_kb.session() as session:
        codes = {p.id: p.code for p in session.exec(select(Project)).all()}
        owners = {r.title: codes.get(r.project_id) for r in session.exec(select(Risk)).all()}
    assert sorted(codes.values()) == ["FIN-ERP-2024", "WAREHOUSE-ROBOTICS"]
    assert owners == {"Key user attrition during UAT": "FIN-ERP-2024", "Robot vendor insolvency": "WAREHOUSE-ROBOTICS"}


def test_a_project_managers_upload_naming_another_project_by_name_says_nothing_of_its_code(fast_kb):
    """A register naming a stored (perhaps confidential) project by its name is refused for a project manager, as
    before, without the refusal giving that project's code."""
    report = ("---\ncode: MNA-SECRET-2026\nproject: Harbour Merger Programme\n---\n# Closure report\n\n"
              "## What went wrong\n\n- The data room opened late.\n")
    ingest_bytes(fast_kb, "MNA-SECRET-2026_closure-report.md", report.encode())
    register = "Project,Risk,Probability,Impact\nHarbour Merger Programme,Key staff may leave,High,High\n"
    refused = ingest_bytes(fast_kb, "risks.csv", register.encode(), project="OWN-2026", only_project=True)
    assert refused.outcome == "rejected" and "MNA-SECRET-2026" not in refused.reason
