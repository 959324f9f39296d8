"""Word and PDF closure reports."""

from __future__ import annotations

from datetime import date

import pytest

from ingest import ParseContext, heading_anchors, item_anchors, parse_bytes
from kb.errors import InvalidDocument


def parse_sample(samples, name):
    return parse_bytes(name, (samples / name).read_bytes(), ParseContext())


def page_ids(content: str) -> set[str]:
    """The ids the document page gives headings and list items."""
    return {a for _, _, a in heading_anchors(content)} | set(item_anchors(content))


def test_docx_closure_report(samples):
    parsed = parse_sample(samples, "CRM-2022_closure_report.docx")
    assert parsed.document.kind == "closure report"
    project = parsed.projects[0]
    assert (project.code, project.name, project.project_type) == ("CRM-2022", "Sales CRM Rollout", "CRM rollout")
    assert (project.planned_budget, project.actual_budget, project.currency) == (850_000, 910_000, "USD")
    assert project.actual_end == date(2022, 11, 7)
    assert project.methodology == "agile"  # from a 'Key: value' paragraph
    lessons = {l.title: l for l in parsed.lessons}
    lead = lessons["Sales managers as product owners"]  # bold run → title
    assert lead.polarity == "went well" and lead.what_happened.startswith("Each region's manager")
    dup = lessons["Duplicate contacts"]
    assert dup.polarity == "went wrong" and dup.source_location == "What did not go well"
    assert dup.cause.startswith("no data-quality rules")  # the paragraph after the bullet
    assert dup.impact.startswith("two extra migration cycles")  # a level-2 bullet
    sub = lessons["Plan data cleansing early"]
    assert sub.polarity == "improvement" and sub.recommendation.startswith("make data-quality rules")
    assert {l.source_anchor for l in parsed.lessons} <= page_ids(parsed.document.content)


def test_pdf_closure_report(samples):
    parsed = parse_sample(samples, "NET-UPG-2020_closure_report.pdf")
    project = parsed.projects[0]
    assert (project.code, project.project_type, project.currency) == ("NET-UPG-2020", "network upgrade", "EUR")
    assert (project.planned_end, project.actual_end) == (date(2020, 9, 30), date(2020, 10, 15))
    lessons = {l.title: l for l in parsed.lessons}
    late = lessons["Late circuit deliveries"]
    assert late.polarity == "went wrong" and late.cause.startswith("the carrier's lead times")
    assert late.source_location == "3. What went wrong" and late.source_anchor == "3-what-went-wrong-item-1"
    assert lessons["Pilot branches first"].polarity == "went well"
    assert [l.polarity for l in parsed.lessons].count("improvement") == 1
    assert {l.source_anchor for l in parsed.lessons} <= page_ids(parsed.document.content)


def test_scanned_pdf_is_rejected(samples):
    with pytest.raises(InvalidDocument, match="no text layer.*OCR"):
        parse_sample(samples, "scanned_closure_report.pdf")


def test_encrypted_pdf_is_rejected(samples, tmp_path):
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(samples / "NET-UPG-2020_closure_report.pdf"))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(InvalidDocument, match="password-protected"):
        parse_bytes("locked.pdf", out.getvalue(), ParseContext())


def test_a_word_table_of_lessons_under_a_section_is_one_lesson_a_row():
    import io

    import docx

    document = docx.Document()
    document.add_heading("Closure report", 1)
    document.add_paragraph("Project code: TBL-CRM-2023")
    document.add_heading("Lessons learned", 2)
    table = document.add_table(rows=3, cols=3)
    for row, cells in zip(table.rows, [("Lesson", "Root cause", "Action"),
                                       ("Agents were trained a week before go-live", "Training was planned last",
                                        "Train agents a month ahead"),
                                       ("The telephony connector was not in the contract", "Scope was read loosely",
                                        "List every connector in the contract")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    parsed = parse_bytes("TBL-CRM-2023_closure-report.docx", buffer.getvalue(), ParseContext())
    assert [(x.title, x.cause, x.recommendation) for x in parsed.lessons] == [
        ("Agents were trained a week before go-live", "Training was planned last", "Train agents a month ahead"),
        ("The telephony connector was not in the contract", "Scope was read loosely",
         "List every connector in the contract")]
