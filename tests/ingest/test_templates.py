"""The PMO's standard templates: built from the parsers' own vocabulary, and a filled template of
every kind and format ingests with the real pipeline with no warning at all."""

from datetime import date

import pytest
from sqlmodel import select

from ingest import kinds
from ingest.columns import COLUMN_TABLES, column_field
from ingest.context import ParseContext
from ingest.outline import IMPROVEMENT, WENT_WELL, WENT_WRONG, classify
from ingest.pipeline import ingest_bytes, parse_bytes
from ingest.project_meta import field_for as meta_field
from ingest.status import field_for as status_field, section_of
from ingest.templates import (
    CLOSURE_REPORT, LESSONS_REGISTER, RETROSPECTIVE, RISK_REGISTER, STATUS_REPORT, TEMPLATES, render,
)
from kb.models import Document, Lesson, Project, Risk, StatusReport
from kb.status import status_reports
from tests.ingest.template_fills import CODE, fill_for

EVERY_FORMAT = [(t, ext) for t in TEMPLATES for ext in t.formats]
FORMAT_IDS = [f"{t.name}.{ext}" for t, ext in EVERY_FORMAT]


def test_the_five_kinds_each_have_a_template_in_the_formats_they_are_read_from():
    assert [t.kind for t in TEMPLATES] == list(kinds_in_order())
    assert {t.name: t.formats for t in TEMPLATES} == {
        "closure-report": ("md", "docx"), "retrospective": ("md", "docx"), "risk-register": ("xlsx", "csv"),
        "lessons-register": ("xlsx", "csv"), "status-report": ("md", "docx", "xlsx")}


def kinds_in_order():
    return (kinds.CLOSURE, kinds.RETRO, kinds.RISKS, kinds.LESSONS, kinds.STATUS)


def test_lesson_headings_are_the_ones_the_outline_reads_with_the_intended_polarity():
    roles = {s.heading: classify(s.heading) for s in CLOSURE_REPORT.sections + RETROSPECTIVE.sections}
    polarity = {heading: role.polarity if role else None for heading, role in roles.items()}
    assert polarity == {"Summary": None, "What went well": WENT_WELL, "What went wrong": WENT_WRONG,
                        "Lessons learned": IMPROVEMENT, "Recommendations": IMPROVEMENT,
                        "What didn't go well": WENT_WRONG, "Actions": IMPROVEMENT}


def test_status_headings_and_keys_are_the_ones_the_status_parser_reads():
    assert [section_of(s.heading) for s in STATUS_REPORT.sections] == [
        "summary", "milestones", "risks", "issues", "escalations"]
    keys = {f.key: status_field(f.key) or meta_field(f.key) for f in STATUS_REPORT.fields}
    assert keys["period"] == "period" and keys["overall rag"] == "overall_rag"
    assert keys["schedule rag"] == "rag:schedule" and keys["percent complete"] == "percent_complete"
    assert None not in keys.values()


def test_metadata_keys_are_the_canonical_first_alias_of_each_field():
    for template in (CLOSURE_REPORT, RETROSPECTIVE):
        for f in template.fields:
            assert meta_field(f.key) is not None, f.key
    assert [f.key for f in CLOSURE_REPORT.fields][:3] == ["project", "code", "portfolio"]


@pytest.mark.parametrize("template", [RISK_REGISTER, LESSONS_REGISTER], ids=lambda t: t.name)
def test_register_headers_map_back_to_their_column_with_top_priority(template):
    for column in template.columns:
        assert column_field(column.header, COLUMN_TABLES[template.kind]) == (column.name, 0), column.header


@pytest.mark.parametrize(("template", "ext"), EVERY_FORMAT, ids=FORMAT_IDS)
def test_a_blank_template_says_what_to_replace_and_marks_required_parts(template, ext):
    data = render(template, ext)
    assert data
    if ext in ("md", "csv"):
        text = data.decode("utf-8-sig")
        assert "[" in text  # the placeholders to replace
        if ext == "md":
            assert "required" in text and "optional" in text
            assert all(f"## {s.heading}" in text for s in template.sections)


def test_a_blank_register_is_read_as_its_kind_so_the_columns_are_right():
    for template in (RISK_REGISTER, LESSONS_REGISTER):
        parsed = parse_bytes(f"{template.name}.csv", render(template, "csv"), ParseContext())
        assert parsed.document.kind == template.kind


def test_an_unknown_format_is_refused():
    with pytest.raises(KeyError):
        render(RISK_REGISTER, "docx")


# --- the round trip --------------------------------------------------------------------------

@pytest.mark.parametrize(("template", "ext"), EVERY_FORMAT, ids=FORMAT_IDS)
def test_a_filled_template_ingests_with_no_warning(fast_kb, template, ext):
    report = ingest_bytes(fast_kb, f"{template.name}.{ext}", render(template, ext, fill_for(template)))
    assert report.outcome == "ingested", report.reason
    assert report.warnings == []
    with fast_kb.session() as session:
        document = session.get(Document, report.document_id)
        project = session.exec(select(Project).where(Project.code == CODE)).one()
        lessons = session.exec(select(Lesson).where(Lesson.document_id == document.id)).all()
        risks = session.exec(select(Risk).where(Risk.document_id == document.id)).all()
        assert document.kind == template.kind
        # A CSV register links each row to the project of its Project Code column, not the whole file.
        assert document.project_id == (None if ext == "csv" else project.id)
        assert all(item.project_id == project.id for item in [*lessons, *risks])
        EXPECT[template.name](session, project, lessons, risks)


def _closure(session, project, lessons, risks):
    assert (project.name, project.project_type, project.outcome, project.manager) == (
        "Warehouse management system", "ERP migration", "challenged", "Tom Reyes")
    assert (project.planned_end, project.actual_end) == (date(2025, 9, 26), date(2025, 11, 14))
    assert (project.planned_budget, project.actual_budget) == (850_000, 990_000)
    by_polarity = sorted((l.polarity, l.title) for l in lessons)
    assert by_polarity == sorted([
        ("went well", "Super users in every shift"), ("went well", "Scanner pilot"),
        ("went wrong", "Label printer integration late"), ("went wrong", "Stock counts did not reconcile"),
        ("improvement", "Book external test systems at kickoff"),
        ("improvement", "Run a full cycle count in the fortnight before cutover")])
    late = next(l for l in lessons if l.title == "Label printer integration late")
    assert "carrier's test system was booked late" in late.cause
    assert "three weeks" in late.impact
    assert not risks


def _retro(session, project, lessons, risks):
    assert sorted(l.polarity for l in lessons) == ["improvement", "went well", "went wrong"]
    wrong = next(l for l in lessons if l.polarity == "went wrong")
    assert "nobody owned its refresh" in wrong.cause.lower()
    assert all(l.lesson_date == date(2025, 5, 16) for l in lessons)


def _risks(session, project, lessons, risks):
    assert sorted((r.external_id, r.status, r.owner) for r in risks) == [
        ("R-01", "open", "Tom Reyes"), ("R-02", "materialised", "Ana Silva")]
    first = next(r for r in risks if r.external_id == "R-01")
    assert (first.probability, first.impact) == (4, 4)
    assert not lessons


def _lessons(session, project, lessons, risks):
    assert sorted((l.external_id, l.polarity) for l in lessons) == [("L-01", "went wrong"), ("L-02", "went well")]
    first = next(l for l in lessons if l.external_id == "L-01")
    assert first.recommendation.startswith("List external test systems")
    assert first.lesson_date == date(2025, 6, 20)


def _status(session, project, lessons, risks):
    [row] = status_reports(session, project.id)
    assert (row.period_start, row.period_end) == (date(2025, 6, 2), date(2025, 6, 8))
    assert row.overall_rag == "amber"
    assert row.rag == {"schedule": "red", "cost": "amber", "scope": "green", "quality": "green",
                       "resources": "amber", "risks": "amber"}
    assert (row.percent_complete, row.planned_value, row.earned_value, row.actual_cost) == (
        55, 480_000, 440_000, 470_000)
    assert (row.budget_at_completion, row.estimate_at_completion, row.forecast_end) == (
        850_000, 910_000, date(2025, 10, 24))
    assert row.summary == "Picking and put-away are built; carrier label integration is three weeks behind."
    assert [(m["name"], m["planned"], m["forecast"], m["actual"]) for m in row.milestones] == [
        ("Design sign-off", "2025-03-07", None, "2025-03-14"), ("User acceptance test", "2025-07-04", "2025-07-25",
                                                                None)]
    assert [(i["kind"], i["severity"]) for i in row.items] == [("risk", "high"), ("risk", "medium"), ("issue", "low")]
    assert [e["text"] for e in row.escalations] == ["Approve a weekend cycle count before cutover."]
    assert isinstance(row, StatusReport) and not lessons and not risks


EXPECT = {"closure-report": _closure, "retrospective": _retro, "risk-register": _risks,
          "lessons-register": _lessons, "status-report": _status}
