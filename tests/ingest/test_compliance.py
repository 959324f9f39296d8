"""Template compliance: a document that leaves out what its PMO template requires gets one specific
warning per gap, naming what to add and the template; a filled template gets none (test_templates)."""

from ingest.compliance import is_gap
from ingest.context import ParseContext
from ingest.pipeline import ingest_bytes, parse_bytes
from ingest.templates import BY_NAME, render
from tests.ingest.template_fills import CLOSURE, RETRO, STATUS, Filled

CTX = ParseContext()


def gaps(name: str, data: bytes) -> list[str]:
    return [w for w in parse_bytes(name, data, CTX).warnings if is_gap(w)]


def test_a_closure_report_without_what_went_wrong_is_told_to_add_it(fast_kb):
    text = render(BY_NAME["closure-report"], "md", CLOSURE).decode()
    text = text.split("## What went wrong")[0] + "## Lessons learned" + text.split("## Lessons learned")[1]
    report = ingest_bytes(fast_kb, "closure-report.md", text.encode())
    assert report.outcome == "ingested"
    assert report.warnings == ["Closure report has no 'What went wrong' section: add it "
                               "(template: /templates/closure-report.md)."]


def test_a_section_counts_under_any_heading_the_parser_reads_the_same_way():
    text = render(BY_NAME["closure-report"], "md", CLOSURE).decode().replace("## What went wrong", "## Challenges")
    assert gaps("closure-report.md", text.encode()) == []


def test_required_details_left_out_are_named_with_what_to_write():
    fields = {k: v for k, v in CLOSURE.fields.items() if k != "project type"}
    text = render(BY_NAME["closure-report"], "md", Filled(fields=fields, sections=CLOSURE.sections)).decode()
    text = "\n".join(line for line in text.splitlines() if not line.startswith("project type:"))
    assert gaps("WMS-2025_closure-report.md", text.encode()) == [
        "Closure report gives no 'project type': add it (e.g. ERP migration, CRM rollout, cloud migration) "
        "(template: /templates/closure-report.md)."]


def test_a_retrospective_without_a_went_wrong_column_or_date():
    text = render(BY_NAME["retrospective"], "md", RETRO).decode()
    text = text.replace("## What didn't go well", "## Notes").replace('date: "2025-05-16"', "team2: x")
    assert gaps("retrospective.md", text.encode()) == [
        "Retrospective has no 'What didn't go well' section: add it (template: /templates/retrospective.md).",
        "Retrospective gives no 'date': add it (The date of the retrospective, as 2024-05-17) "
        "(template: /templates/retrospective.md)."]


def test_a_risk_register_missing_a_column_and_leaving_required_cells_empty():
    data = ("ID,Description,Probability,Impact,Status\n"
            "R-01,Vendor may deliver the interface late,4,4,open\n"
            "R-02,Key analyst may leave,,3,open\n"
            "R-03,Licence costs may rise,,,open\n").encode()
    assert gaps("WMS-2025_risk_register.csv", data) == [
        "Risk register: 2 rows leave 'Probability' empty (rows 3, 4): fill them in "
        "(template: /templates/risk-register.xlsx).",
        "Risk register: 1 row leaves 'Impact' empty (rows 4): fill it in (template: /templates/risk-register.xlsx).",
        "Risk register has no 'Owner' column: add it (The person who manages the risk) "
        "(template: /templates/risk-register.xlsx)."]


def test_a_status_report_without_overall_rag_or_milestones():
    filled = Filled(fields={k: v for k, v in STATUS.fields.items() if k != "overall rag"},
                    sections={k: v for k, v in STATUS.sections.items() if k != "Milestones"})
    text = render(BY_NAME["status-report"], "md", filled).decode()
    text = text.replace('overall rag: "[Amber]"', "overall rag:")
    text = text.split("## Milestones")[0] + "## Top risks" + text.split("## Top risks")[1]
    assert gaps("status-report.md", text.encode()) == [
        "Status report gives no 'overall rag': add it (Red, Amber or Green) (template: /templates/status-report.md).",
        "Status report has no 'Milestones' section: add it (template: /templates/status-report.md)."]


def test_an_llis_export_is_not_held_to_the_pmo_template():
    data = ("Lesson ID,Title,Abstract,Driving Event,Lesson(s) Learned,Recommendation(s)\n"
            "1,Test early,We tested late,Launch slipped,,\n").encode()
    assert gaps("llis_export.csv", data) == []


def test_gaps_are_recorded_with_the_document_and_counted_by_the_compliance_metric(fast_kb):
    from sqlmodel import select

    from ingest.compliance import stored_gaps
    from kb.metrics import compute_metrics
    from kb.models import Document

    full = render(BY_NAME["closure-report"], "md", CLOSURE).decode()
    gappy = full.split("## What went wrong")[0] + "## Lessons learned" + full.split("## Lessons learned")[1]
    assert ingest_bytes(fast_kb, "closure-report.md", full.encode()).outcome == "ingested"
    assert ingest_bytes(fast_kb, "closure-report-2.md", gappy.encode()).outcome == "ingested"  # same project
    with fast_kb.session() as session:
        docs = {d.source_name: d for d in session.exec(select(Document))}
        report = compute_metrics(session)
    assert docs["closure-report.md"].template_gaps == []
    assert docs["closure-report-2.md"].template_gaps == [
        "Closure report has no 'What went wrong' section: add it (template: /templates/closure-report.md)."]
    # The page reads what was recorded, not the original again: it is there even with the file gone.
    path, _, _ = fast_kb.version_file(docs["closure-report-2.md"].id, docs["closure-report-2.md"].version)
    path.unlink()
    assert stored_gaps(fast_kb, docs["closure-report-2.md"]) == docs["closure-report-2.md"].template_gaps
    value = next(v for v in report.values if v.metric.key == "template_compliance")
    assert (value.measure.numerator, value.measure.denominator) == (1, 2) and value.value == 50.0


def test_another_systems_export_is_not_checked(fast_kb):
    from ingest.compliance import recorded_gaps

    llis = ("Lesson ID,Subject,Abstract,Driving Event,Lessons Learned,Recommendations\n"
            "1234,Valve contamination,Valves failed,Particles found,Clean lines,Flush before test\n").encode()
    assert recorded_gaps("llis.csv", parse_bytes("llis.csv", llis, CTX)) is None
