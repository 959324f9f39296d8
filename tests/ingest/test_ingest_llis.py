"""The real NASA LLIS export, when the shared corpus sits beside the repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest import ingest_file

LLIS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "nasa_llis_lessons.jsonl"


@pytest.mark.slow
@pytest.mark.skipif(not LLIS.exists(), reason="the shared LLIS corpus (../shared/corpus) is not next to this clone")
def test_llis_export_imports_every_lesson(settings, fake_embedder, snapshot):
    """Every lesson of the export is stored (its speed is `make bench`'s to measure, not a test's)."""
    from kb.store import KnowledgeBase

    fast_kb = KnowledgeBase.open(settings, embedder=fake_embedder, multilingual=None)  # words, not meaning
    report = ingest_file(fast_kb, LLIS)
    assert report.outcome == "ingested", report.reason
    assert report.lessons == 2102
    assert snapshot(fast_kb)["Lesson"] == 2102 and fast_kb.vectors.count() == 2102
    expected = {str(json.loads(line)["Lesson ID"]) for line in LLIS.read_text().splitlines() if line.strip()}
    from sqlmodel import select

    from kb.models import Lesson

    with fast_kb.session() as session:
        stored = set(session.exec(select(Lesson.external_id)))
    assert stored == expected
