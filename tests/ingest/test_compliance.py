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
