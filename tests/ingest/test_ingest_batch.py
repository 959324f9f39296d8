"""The rules of a batch: what holds across the files ingested together, wherever they come from."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlmodel import select

from kb.models import Document
from ingest import ingest_batch

pytestmark = pytest.mark.scaleout  # `make test` runs this module again on PostgreSQL + a Chroma server


def test_a_second_file_that_is_the_same_document_is_rejected_and_the_first_stored(fast_kb, samples, stored):
    first = (samples / "retro_4ls.md").read_bytes()
    second = first + b"\n- A second edit of the same project's retrospective.\n"
    reports = list(ingest_batch(fast_kb, [("retrospective.md", first), ("retrospective.md", second)]))
    assert [r.outcome for r in reports] == ["ingested", "rejected"]
    assert "retrospective.md, earlier in this batch, is the same document" in reports[1].reason
    assert "Rename one of them" in reports[1].reason
    with fast_kb.session() as session:
        documents = list(session.exec(select(Document)))
    assert [(d.source_name, d.sha256) for d in documents] == [("retrospective.md", hashlib.sha256(first).hexdigest())]
    assert reports[0].lessons == len(stored.lessons(fast_kb, documents[0].id)) > 0


def test_files_on_disk_are_named_by_their_paths_in_the_reason(fast_kb, samples, tmp_path):
    paths = []
    for team, extra in (("alpha", b""), ("beta", b"\n- Edited in another folder.\n")):
        (tmp_path / team).mkdir()
        paths.append(tmp_path / team / "retrospective.md")
        paths[-1].write_bytes((samples / "retro_4ls.md").read_bytes() + extra)
    reports = list(ingest_batch(fast_kb, [(p.name, p) for p in paths]))
    assert [r.outcome for r in reports] == ["ingested", "rejected"]
    assert f"{paths[0]}, earlier in this batch, is the same document" in reports[1].reason


def test_files_of_one_name_for_two_projects_are_both_stored(fast_kb):
    def register(code: str, risk: str) -> bytes:
        return f"Project code: {code}\nRisk ID,Risk Statement,Status\nR1,{risk},Open\n".encode()

    reports = list(ingest_batch(fast_kb, [("Risk Register.csv", register("ALPHA", "Vendor may be late")),
                                          ("Risk Register.csv", register("BETA", "Lease may not be renewed"))]))
    assert [r.outcome for r in reports] == ["ingested", "ingested"]
    assert reports[0].document_id != reports[1].document_id


def test_a_file_after_a_rejected_one_of_the_same_name_is_stored(fast_kb, samples):
    reports = list(ingest_batch(fast_kb, [("retro.md", b""), ("retro.md", (samples / "retro_4ls.md").read_bytes())]))
    assert [r.outcome for r in reports] == ["rejected", "ingested"]
    assert "empty" in reports[0].reason


def test_a_preview_stores_nothing_and_says_what_would_be_replaced(fast_kb, samples, snapshot):
    data = (samples / "FIN-ERP-2021_closure_report.md").read_bytes()
    list(ingest_batch(fast_kb, [("closure.md", data)]))
    before = snapshot(fast_kb)
    changed = data.replace(b"We planned two trial loads", b"We had planned two trial loads")
    reports = list(ingest_batch(fast_kb, [("closure.md", changed), ("new.md", (samples / "retro_4ls.md").read_bytes())],
                                preview=True))
    assert [(r.outcome, r.preview) for r in reports] == [("replaced", True), ("ingested", True)]
    assert reports[0].reason.startswith("replaces version 1 of FIN-ERP-2021 closure report (closure.md)")
    assert reports[0].lessons > 0
    assert snapshot(fast_kb) == before


def test_a_project_named_by_the_uploader_files_documents_that_name_none(fast_kb, samples, stored):
    retro = b"# Sprint 4 retrospective\n\n## Went well\n\n- Pairing on the data loads helped the team.\n"
    report = next(ingest_batch(fast_kb, [("retro.md", retro)], project="CRM-2022"))
    assert report.outcome == "ingested"
    assert stored.project(fast_kb, "CRM-2022") is not None
    closure = (samples / "FIN-ERP-2021_closure_report.md").read_bytes()
    refused = next(ingest_batch(fast_kb, [("closure.md", closure)], project="CRM-2022"))
    assert refused.outcome == "rejected" and "belongs to project FIN-ERP-2021, not CRM-2022" in refused.reason


def test_too_large_uploads_are_rejected_with_the_limit_and_progress_is_asked_per_file(fast_kb, samples):
    started = []

    def progress_for(name: str):
        started.append(name)
        return None

    data = (samples / "retro_4ls.md").read_bytes()
    reports = list(ingest_batch(fast_kb, [("big.md", None), ("retro_4ls.md", data)], progress_for=progress_for))
    assert reports[0].outcome == "rejected" and "KB_MAX_UPLOAD_MB" in reports[0].reason
    assert reports[1].outcome == "ingested" and started == ["big.md", "retro_4ls.md"]


def test_ingest_batch_is_lazy_so_callers_can_show_progress(fast_kb, samples):
    batch = ingest_batch(fast_kb, [("retro_4ls.md", Path(samples / "retro_4ls.md"))])
    assert next(batch).outcome == "ingested"
