"""The rules of a batch: what holds across the files ingested together, wherever they come from."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlmodel import select

from kb.models import Document
from ingest import ingest_batch

pytestmark = pytest.mark.scaleout  # `make test` runs this module again on PostgreSQL + a Chroma server


def test_a_second_file_with_the_same_name_is_rejected_and_the_first_stored(fast_kb, samples, stored):
    first, second = (samples / "retro_4ls.md").read_bytes(), (samples / "retro_mad_sad_glad.md").read_bytes()
    reports = list(ingest_batch(fast_kb, [("retrospective.md", first), ("retrospective.md", second)]))
    assert [r.outcome for r in reports] == ["ingested", "rejected"]
    assert "Another file named retrospective.md" in reports[1].reason and "rename" in reports[1].reason
    with fast_kb.session() as session:
        documents = list(session.exec(select(Document)))
    assert [(d.source_name, d.sha256) for d in documents] == [("retrospective.md", hashlib.sha256(first).hexdigest())]
    assert reports[0].lessons == len(stored.lessons(fast_kb, documents[0].id)) > 0


def test_files_on_disk_are_named_by_their_paths_in_the_reason(fast_kb, samples, tmp_path):
    paths = []
    for team, sample in (("alpha", "retro_4ls.md"), ("beta", "retro_mad_sad_glad.md")):
        (tmp_path / team).mkdir()
        paths.append(tmp_path / team / "retrospective.md")
        paths[-1].write_bytes((samples / sample).read_bytes())
    reports = list(ingest_batch(fast_kb, [(p.name, p) for p in paths]))
    assert [r.outcome for r in reports] == ["ingested", "rejected"]
    assert f"{paths[1]} has the same name as {paths[0]}" in reports[1].reason


def test_same_name_is_rejected_even_when_the_first_was_rejected(fast_kb, samples, snapshot):
    before = snapshot(fast_kb)
    reports = list(ingest_batch(fast_kb, [("retro.md", b""), ("retro.md", (samples / "retro_4ls.md").read_bytes())]))
    assert [r.outcome for r in reports] == ["rejected", "rejected"]
    assert "empty" in reports[0].reason and "same name" not in reports[0].reason
    assert "Another file named retro.md" in reports[1].reason
    assert snapshot(fast_kb) == before


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
