"""Hostile and broken input: rejected with a reason (or stored with warnings), store untouched."""

from __future__ import annotations

import io
import zipfile

import pytest

from ingest import ingest_bytes


def _zip_without_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("hello.txt", "not a word document")
    return out.getvalue()


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("word/document.xml", b"\0" * (300 * 1024 * 1024))
    return out.getvalue()


JUNK = bytes(range(256)) * 8

HOSTILE = [
    ("empty.md", b"", "empty"),
    ("blank.csv", b"   \n\n", "empty"),
    ("junk.pdf", JUNK, "not a PDF"),
    ("junk_with_header.pdf", b"%PDF-1.7\n" + JUNK, "damaged"),
    ("junk.docx", JUNK, "not a Word .docx"),
    ("junk.xlsx", JUNK, "not an Excel .xlsx"),
    ("zip.docx", _zip_without_docx(), "not a Word document"),
    ("zip.xlsx", _zip_without_docx(), "not an Excel workbook"),
    ("bomb.docx", _zip_bomb(), "unpacks to 300 MB"),
    ("junk.csv", JUNK, "binary file"),
    ("no_header.csv", b"alpha,beta,gamma\n1,2,3\n4,5,6\n", "No header row"),
    ("header_only_risks.csv", b"Risk,Probability,Impact\n", "no rows under it"),
    ("broken_lessons.jsonl", b'{"Title": "ok", "Description": "fine"}\n{"Title": "broken"\n',
     "Line 2 is not valid JSON"),
    ("list_lessons.jsonl", b'["Title", "x"]\n', "Line 1 is a JSON list"),
    ("notes.md", b"# Notes\n\nWe met and talked.\n", "No lessons found"),
    ("list_front_matter.md", b"---\n- a\n---\n## What went well\n\n- x y z w\n", "key: value"),
    ("slides.pptx", b"PK whatever", "not a format we read"),
    ("no_suffix", b"hello", "not a format we read"),
    ("huge_line.csv", b"Risk,Probability\n" + b"x" * 200_000 + b",High\n", "malformed"),
    ("undecodable.md", b"## What went well\n\n- caf\x81\x8d\x8f\x90\x9d\n", "neither UTF-8"),
]


@pytest.mark.parametrize("name, data, reason", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_input_is_rejected_and_stores_nothing(fast_kb, name, data, reason, snapshot):
    before = snapshot(fast_kb)
    report = ingest_bytes(fast_kb, name, data)
    assert report.outcome == "rejected"
    assert reason.lower() in report.reason.lower()
    assert snapshot(fast_kb) == before


def test_huge_markdown_line_is_just_text(fast_kb):
    data = b"---\ncode: H-1\n---\n## What went wrong\n\n- " + b"word " * 50_000 + b"\n"
    report = ingest_bytes(fast_kb, "H-1_retro.md", data)
    assert report.outcome == "ingested" and report.lessons == 1


def test_bad_dates_are_warnings_not_errors(fast_kb):
    data = b"Title,Description,Date\nLate vendor,The vendor was late,someday\n"
    report = ingest_bytes(fast_kb, "x_lessons.csv", data)
    assert report.outcome == "ingested" and any("dates could not be read" in w for w in report.warnings)


def test_a_date_that_does_not_exist_in_front_matter_is_left_empty_with_a_warning(fast_kb):
    """YAML reads 2020-02-30 as a date and failed on it: the whole report was refused as unreadable."""
    data = (b"---\nkind: closure report\ncode: FEB-2020\nactual_start: 2020-02-30\nactual_end: 2021-03-04\n---\n"
            b"## What went wrong\n\n- **Late data.** It was late.\n- **Late tests.** Testing was late.\n")
    report = ingest_bytes(fast_kb, "FEB-2020_closure.md", data)
    assert report.outcome == "ingested" and report.lessons == 2
    assert report.warnings[0] == "actual start '2020-02-30' is not a date; left empty."


def test_failure_after_a_good_file_keeps_the_good_one(fast_kb, samples, snapshot):
    good = ingest_bytes(fast_kb, "retro_4ls.md", (samples / "retro_4ls.md").read_bytes())
    before = snapshot(fast_kb)
    bad = ingest_bytes(fast_kb, "retro_4ls.md", b"# retro\n\nnothing here at all\n")
    assert good.outcome == "ingested" and bad.outcome == "rejected"
    assert snapshot(fast_kb) == before


def test_a_project_code_with_control_characters_is_refused_and_nothing_stored(fast_kb, snapshot):
    before = snapshot(fast_kb)
    data = b"Title,What happened\nLate vendor,The vendor was late\nNo owner,Nobody owned the data\n"
    for code in ("A\x00B", "FIN\nERP"):
        report = ingest_bytes(fast_kb, "lessons.csv", data, project=code)
        assert report.outcome == "rejected" and "plain text on one line" in report.reason
    assert snapshot(fast_kb) == before
