"""Status reports in Markdown, DOCX and XLSX: fields, RAG spellings, replacement by period, warnings."""

import io
from datetime import date

import pytest
from sqlmodel import select

from ingest.pipeline import ingest_bytes
from ingest.status import RAG_SPELLINGS, parse_rag
from kb.models import Document, DocumentVersion, Project, StatusReport
from kb.status import open_items, status_history, status_reports
from tests.status_samples import status_docx, status_md, status_xlsx


def reports_of(kb, code):
    with kb.session() as session:
        project = session.exec(select(Project).where(Project.code == code)).one()
        return project, status_reports(session, project.id)


def test_a_markdown_status_report_gives_every_field(fast_kb):
    report = ingest_bytes(fast_kb, "pos_weekly.md", status_md())
    assert report.outcome == "ingested", report.reason
    assert report.warnings == []
    project, [row] = reports_of(fast_kb, "POS-1")
    assert project.name == "Store POS Replacement"
    assert (row.period_start, row.period_end) == (date(2026, 3, 2), date(2026, 3, 8))
    assert row.overall_rag == "amber"
    assert row.rag == {d: "green" for d in ("schedule", "cost", "scope", "quality", "resources", "risks")}
    assert (row.percent_complete, row.planned_value, row.earned_value, row.actual_cost) == (35, 420_000, 378_000,
                                                                                           400_000)
    assert row.forecast_end == date(2026, 9, 30)
    assert row.summary == "Pilot store cut-over slipped a week."
    assert [(m["name"], m["planned"], m["forecast"], m["actual"]) for m in row.milestones] == [
        ("Design sign-off", "2026-02-13", None, "2026-02-16"), ("Pilot store live", "2026-03-09", "2026-03-16", None)]
    assert [(i["kind"], i["severity"], i["location"]) for i in row.items] == [
        ("risk", "high", "Top risks"), ("risk", "medium", "Top risks"), ("issue", None, "Issues")]
    assert row.items[1]["text"] == "Store staff availability for training during the spring sale"
    assert row.escalations[0]["text"].startswith("Approve a second pilot store")
    with fast_kb.session() as session:
        assert session.get(Document, row.document_id).kind == "status report"


def test_a_negative_planned_value_and_a_reversed_period_are_warned_about_not_stored(fast_kb):
    """PV -5 made the portfolio show an SPI of minus 2e25; a period ending before it starts was kept."""
    data = status_md(pv=-5).replace(b"period: 2026-03-02 to 2026-03-08", b"period: 2026-03-08 to 2026-03-02")
    report = ingest_bytes(fast_kb, "pos_weekly.md", data)
    assert report.outcome == "ingested", report.reason
    assert any("Planned value '-5' is not an amount" in w for w in report.warnings), report.warnings
    assert any("ends (2026-03-02) before it starts (2026-03-08)" in w for w in report.warnings), report.warnings
    _, [row] = reports_of(fast_kb, "POS-1")
    assert row.planned_value is None and row.earned_value == 378_000
    assert (row.period_start, row.period_end) == (date(2026, 2, 24), date(2026, 3, 2))


def test_an_unreadable_milestone_date_or_percent_is_warned_about(fast_kb):
    """'2027-02-30' was stored as no date, and '1e9%' as 1%, without a word."""
    data = status_md().replace(b"| Percent complete | 35% |", b"| Percent complete | 1e9% |")
    data = data.replace(b"2026-03-16", b"2027-02-30", 1)
    report = ingest_bytes(fast_kb, "pos_weekly.md", data)
    assert report.outcome == "ingested", report.reason
    assert any("Percent complete '1e9%' is not a number" in w for w in report.warnings), report.warnings
    assert any("Milestone 'Pilot store live'" in w and "'2027-02-30' is not a date" in w for w in report.warnings), \
        report.warnings
    _, [row] = reports_of(fast_kb, "POS-1")
    assert row.percent_complete is None
    assert [(m["name"], m["forecast"]) for m in row.milestones][1] == ("Pilot store live", None)
    assert all("unread" not in m for m in row.milestones)


def test_a_word_status_report_with_a_details_table_and_dated_bullets(fast_kb):
    report = ingest_bytes(fast_kb, "POS-1 - weekly status.docx", status_docx())
    assert report.outcome == "ingested", report.reason
    _, [row] = reports_of(fast_kb, "POS-1")
    assert (row.period_start, row.period_end, row.overall_rag) == (date(2026, 3, 2), date(2026, 3, 8), "red")
    assert row.rag == {"schedule": "red", "cost": "amber"}
    assert (row.percent_complete, row.planned_value, row.earned_value, row.actual_cost) == (52, 200_000, 150_000,
                                                                                           180_000)
    assert row.milestones[0]["name"] == "Data migration dress rehearsal"
    assert (row.milestones[0]["planned"], row.milestones[0]["forecast"]) == ("2026-03-01", "2026-03-22")
    assert row.items[0] == {"kind": "risk", "severity": "high", "location": "Risks and issues",
                            "anchor": "risks-and-issues-item-1",
                            "text": "Legacy customer data fails validation in the migration"}
    assert row.escalations[0]["text"] == "Steering committee to release two data stewards from Finance"


def test_an_excel_status_report_reads_one_sheet_per_section(fast_kb):
    report = ingest_bytes(fast_kb, "POS-1_status.xlsx", status_xlsx())
    assert report.outcome == "ingested", report.reason
    assert report.warnings == []
    _, [row] = reports_of(fast_kb, "POS-1")
    assert (row.period_start, row.period_end, row.overall_rag) == (date(2026, 3, 2), date(2026, 3, 8), "green")
    assert row.rag == {"schedule": "green", "cost": "amber"}
    assert row.percent_complete == pytest.approx(60)
    assert (row.planned_value, row.earned_value, row.actual_cost, row.estimate_at_completion) == (
        300_000, 330_000, 300_000, 950_000)
    assert [(m["name"], m["planned"], m["forecast"]) for m in row.milestones] == [("Go-live", "2026-06-01",
                                                                                   "2026-06-15")]
    assert [(i["kind"], i["text"], i["severity"]) for i in row.items] == [
        ("risk", "Key vendor architect may leave", "high"), ("issue", "Interface spec late", "medium")]
    assert row.escalations[0]["text"] == "Approve change request CR-12 (owner: Sponsor; needed by: 2026-03-15)"


def test_a_status_report_is_recognised_by_its_fields_without_kind_or_name(fast_kb):
    data = status_md().replace(b"kind: status report\n", b"")
    report = ingest_bytes(fast_kb, "week10.md", data)
    assert report.outcome == "ingested", report.reason
    assert len(reports_of(fast_kb, "POS-1")[1]) == 1


@pytest.mark.parametrize("spelling, rag", [
    ("Red", "red"), ("AMBER", "amber"), ("green", "green"), ("R", "red"), ("a", "amber"), ("G", "green"),
    ("Off track", "red"), ("at risk", "amber"), ("On Track", "green"), ("Yellow", "amber"), ("orange", "amber"),
    ("Green – on track", "green"), ("Amber (recovering)", "amber"), ("红色", "red"), ("黄", "amber"), ("绿色", "green"),
])
def test_every_rag_spelling(spelling, rag):
    assert parse_rag(spelling) == rag


@pytest.mark.parametrize("spelling", ["Red", "r", "off track", "RED"])
def test_rag_spellings_survive_ingestion(fast_kb, spelling):
    ingest_bytes(fast_kb, "pos.md", status_md(overall=spelling, rag=spelling))
    _, [row] = reports_of(fast_kb, "POS-1")
    assert row.overall_rag == "red" and set(row.rag.values()) == {"red"}


def test_an_unknown_rag_is_a_warning_naming_the_value_and_the_spellings(fast_kb):
    report = ingest_bytes(fast_kb, "pos.md", status_md(overall="Purple", rag="Blue"))
    assert report.outcome == "ingested"
    assert any("Overall RAG 'Purple'" in w and RAG_SPELLINGS in w for w in report.warnings), report.warnings
    assert any("Schedule RAG 'Blue'" in w for w in report.warnings)
    _, [row] = reports_of(fast_kb, "POS-1")
    assert row.overall_rag is None and row.rag == {}


def test_a_resent_report_for_the_same_period_replaces_the_earlier_and_keeps_it(fast_kb):
    first = ingest_bytes(fast_kb, "pos_week10.md", status_md(overall="Amber"))
    again = ingest_bytes(fast_kb, "pos_week10_corrected.md", status_md(overall="Red"))
    assert again.outcome == "replaced" and again.document_id == first.document_id
    assert "version 1" in again.reason
    _, rows = reports_of(fast_kb, "POS-1")
    assert [r.overall_rag for r in rows] == ["red"]
    with fast_kb.session() as session:
        assert session.exec(select(DocumentVersion.source_name)).all() == ["pos_week10.md"]
        assert session.get(Document, first.document_id).version == 2


def test_reports_for_other_periods_are_other_documents_in_period_order(fast_kb):
    ingest_bytes(fast_kb, "w10.md", status_md(end=date(2026, 3, 8)))
    late = ingest_bytes(fast_kb, "w09.md", status_md(end=date(2026, 3, 1), overall="Green"))
    assert late.outcome == "ingested"
    assert any("Out of date order" in w and "2026-03-08" in w for w in late.warnings), late.warnings
    _, rows = reports_of(fast_kb, "POS-1")
    assert [r.period_end for r in rows] == [date(2026, 3, 1), date(2026, 3, 8)]
    in_order = ingest_bytes(fast_kb, "w11.md", status_md(end=date(2026, 3, 15)))
    assert not any("Out of date order" in w for w in in_order.warnings)


def test_a_report_for_a_closed_project_is_stored_with_a_warning(fast_kb, samples):
    assert ingest_bytes(fast_kb, "FIN-ERP-2021_closure_report.md",
                        (samples / "FIN-ERP-2021_closure_report.md").read_bytes()).outcome == "ingested"
    report = ingest_bytes(fast_kb, "erp.md", status_md(code="FIN-ERP-2021", name="Finance ERP"))
    assert report.outcome == "ingested"
    assert any("FIN-ERP-2021 is closed" in w for w in report.warnings), report.warnings


def test_a_report_naming_only_the_code_does_not_rename_its_project(fast_kb):
    ingest_bytes(fast_kb, "pos.md", status_md())
    ingest_bytes(fast_kb, "POS-1_status.xlsx", status_xlsx())
    project, _ = reports_of(fast_kb, "POS-1")
    assert project.name == "Store POS Replacement"


@pytest.mark.parametrize("data, says", [
    (status_md().replace(b"period: 2026-03-02 to 2026-03-08\n", b""), "no reporting period"),
    (status_md().replace(b"period: 2026-03-02 to 2026-03-08", b"period: 9999-12-25 to 9999-12-31"),
     "Reporting period '9999-12-25' is not a date a report has (years 1950 to 2100)"),  # a placeholder, not a date
    (status_md().replace(b"code: POS-1\n", b"").replace(b"project: Store POS Replacement\n", b""), "names no project"),
])
def test_a_report_without_period_or_project_is_rejected_and_nothing_stored(fast_kb, data, says):
    report = ingest_bytes(fast_kb, "weekly_status.md", data)
    assert report.outcome == "rejected" and says in report.reason
    with fast_kb.session() as session:
        assert session.exec(select(StatusReport)).all() == []


def test_open_items_are_the_latest_reports_risks_and_issues_with_citations(fast_kb):
    ingest_bytes(fast_kb, "w09.md", status_md(end=date(2026, 3, 1)))
    latest = ingest_bytes(fast_kb, "POS-1 - weekly status.docx", status_docx(end=date(2026, 3, 8)))
    project, _ = reports_of(fast_kb, "POS-1")
    with fast_kb.session() as session:
        items = open_items(session, project.id)
    assert [(i.kind, i.text, i.severity, i.document_id, i.location) for i in items] == [
        ("risk", "Legacy customer data fails validation in the migration", "high", latest.document_id,
         "Risks and issues")]


def test_deleting_a_status_report_removes_its_period(fast_kb):
    report = ingest_bytes(fast_kb, "pos.md", status_md())
    fast_kb.delete_document(report.document_id)
    with fast_kb.session() as session:
        assert session.exec(select(StatusReport)).all() == []


def test_the_history_gives_spi_cpi_and_slippage_per_period(fast_kb):
    ingest_bytes(fast_kb, "w09.md", status_md(end=date(2026, 3, 1), pv=100_000, ev=100_000, ac=90_000,
                                              overall="Green"))
    ingest_bytes(fast_kb, "w10.md", status_md(end=date(2026, 3, 8), pv=200_000, ev=150_000, ac=200_000,
                                              overall="Red"))
    project, _ = reports_of(fast_kb, "POS-1")
    with fast_kb.session() as session:
        history = status_history(session, project.id)
    assert [(p.spi, p.cpi) for p in history.periods] == [(1.0, pytest.approx(1.1111, abs=1e-4)), (0.75, 0.75)]
    assert [p.schedule_variance for p in history.periods] == [0, -50_000]
    assert history.trend == "worsening"
    assert {m.name: m.slippage_days for m in history.milestones} == {"Design sign-off": 3, "Pilot store live": 7}


def test_chinese_status_keys_and_headings(fast_kb):
    data = """---
项目编号: CN-POS-1
项目名称: 门店收银系统
报告期: 2026-03-02 至 2026-03-08
总体状态: 黄色
---

# 项目周报

- 进度: 红色
- 成本: 绿色

## 主要风险

- 高: 支付终端认证可能延期

## 需要决策

- 批准第二家试点门店
""".encode()
    report = ingest_bytes(fast_kb, "周报.md", data)
    assert report.outcome == "ingested", report.reason
    _, [row] = reports_of(fast_kb, "CN-POS-1")
    assert (row.period_end, row.overall_rag, row.rag) == (date(2026, 3, 8), "amber",
                                                          {"schedule": "red", "cost": "green"})
    assert row.items[0]["severity"] == "high" and row.escalations[0]["text"] == "批准第二家试点门店"


def test_open_items_add_the_registers_open_risks_once(fast_kb):
    register = (b"Risk ID,Project Code,Risk Description,Probability,Impact,Score,Status\n"
                b"P-1,POS-1,Legacy customer data fails validation in the migration,4,4,16,Open\n"
                b"P-2,POS-1,Store Wi-Fi may not reach the stockroom,2,2,4,Open\n"
                b"P-3,POS-1,Old risk that was dealt with,2,2,4,Closed\n")
    ingest_bytes(fast_kb, "POS-1_risk_register.csv", register)
    ingest_bytes(fast_kb, "POS-1 - weekly status.docx", status_docx())
    project, _ = reports_of(fast_kb, "POS-1")
    with fast_kb.session() as session:
        items = open_items(session, project.id)
    assert [(i.text, i.severity, i.risk_id is not None, i.period_end is not None) for i in items] == [
        ("Legacy customer data fails validation in the migration", "high", True, True),
        ("Store Wi-Fi may not reach the stockroom", "low", True, False)]


def test_summaries_give_each_visible_active_project_its_latest_status(fast_kb, samples):
    from kb.access import Visibility
    from kb.status import overdue_projects, status_summaries

    ingest_bytes(fast_kb, "w09.md", status_md(end=date(2026, 3, 1), overall="Green"))
    ingest_bytes(fast_kb, "w10.md", status_md(end=date(2026, 3, 8), overall="Red", pv=200_000, ev=150_000,
                                              ac=200_000))
    ingest_bytes(fast_kb, "w10.md", status_md(code="SECRET-1", name="Secret", end=date(2026, 3, 8)))
    ingest_bytes(fast_kb, "FIN-ERP-2021_closure_report.md", (samples / "FIN-ERP-2021_closure_report.md").read_bytes())
    secret, _ = reports_of(fast_kb, "SECRET-1")
    with fast_kb.session() as session:
        everyone = status_summaries(session, today=date(2026, 3, 12))
        viewer = status_summaries(session, today=date(2026, 3, 19), visible=Visibility(frozenset({secret.id})))
        late = overdue_projects(session, today=date(2026, 3, 19), visible=Visibility(frozenset({secret.id})))
    assert [s.project.code for s in everyone] == ["POS-1", "SECRET-1"]  # the closed FIN-ERP-2021 is not active
    pos = everyone[0]
    assert (pos.latest.overall_rag, pos.trend, pos.spi, pos.cpi, pos.overdue, pos.reports) == (
        "red", "worsening", 0.75, 0.75, False, 2)
    assert [(s.project.code, s.overdue) for s in viewer] == [("POS-1", True)]  # 11 days after 8 March
    assert [(p.code, last) for p, last in late] == [("POS-1", date(2026, 3, 8))]


def test_timeliness_counts_received_weekly_reports_against_those_due(fast_kb):
    from kb.status import reporting_timeliness

    for end in (date(2026, 3, 1), date(2026, 3, 8), date(2026, 3, 22)):  # the week ending 15 March is missing
        ingest_bytes(fast_kb, f"w{end.day}.md", status_md(end=end))
    with fast_kb.session() as session:
        found = reporting_timeliness(session, today=date(2026, 3, 24))
    assert (found.received, found.expected, found.share) == (3, 4, 0.75)


def test_a_report_naming_no_project_takes_the_one_it_was_uploaded_for(fast_kb):
    data = status_md().replace(b"code: POS-1\n", b"").replace(b"project: Store POS Replacement\n", b"")
    report = ingest_bytes(fast_kb, "weekly_status.md", data, project="POS-9")
    assert report.outcome == "ingested", report.reason
    assert len(reports_of(fast_kb, "POS-9")[1]) == 1


def test_one_file_name_reused_every_week_gives_one_document_per_period(fast_kb):
    first = ingest_bytes(fast_kb, "POS-1_status.md", status_md(end=date(2026, 3, 1)))
    second = ingest_bytes(fast_kb, "POS-1_status.md", status_md(end=date(2026, 3, 8)))
    assert (first.outcome, second.outcome) == ("ingested", "ingested")
    assert first.document_id != second.document_id
    assert [r.period_end for r in reports_of(fast_kb, "POS-1")[1]] == [date(2026, 3, 1), date(2026, 3, 8)]


def test_the_timeliness_metric_counts_weekly_reports_received_against_those_due(fast_kb):
    from datetime import timedelta

    from kb.metrics import compute_metrics

    today = date.today()
    for weeks_ago in (3, 2):  # the weeks ending 1 and 0 weeks ago sent nothing: 2 of 4 due
        ingest_bytes(fast_kb, f"late_{weeks_ago}.md", status_md("LATE-1", today - timedelta(weeks=weeks_ago)))
    for weeks_ago in (1, 0):  # first report a week ago, and this week's: 2 of 2
        ingest_bytes(fast_kb, f"prompt_{weeks_ago}.md", status_md("PROMPT-1", today - timedelta(weeks=weeks_ago),
                                                                   name="Prompt project"))
    with fast_kb.session() as session:
        report = compute_metrics(session)
    value = next(v for v in report.values if v.metric.key == "status_report_timeliness")
    assert (value.measure.numerator, value.measure.denominator) == (4, 6)
    assert value.value == pytest.approx(100 * 4 / 6)


def test_monthly_reports_are_due_monthly_not_weekly(fast_kb):
    from datetime import timedelta

    from kb.status import reports_due, status_summaries

    today = date.today()
    for months_ago in (2, 1):  # reports for the last two whole months, the latest ended 20 days ago
        end = today - timedelta(days=20 + 30 * (months_ago - 1))
        text = status_md("MON-1", end, name="Monthly project").decode().replace(
            f"period: {(end - timedelta(days=6)).isoformat()}", f"period: {(end - timedelta(days=29)).isoformat()}")
        assert ingest_bytes(fast_kb, f"monthly_{months_ago}.md", text.encode()).outcome == "ingested"
    with fast_kb.session() as session:
        [summary] = status_summaries(session, today=today)
        due = reports_due(session, today=today)
    assert summary.reports == 2 and not summary.overdue  # 20 days after a monthly period: not late yet
    assert due[summary.project.id] == (2, 2)  # weekly counting would have owed 8


def test_an_excel_percentage_cell_and_hidden_sheets_read_as_excel_shows_them(fast_kb):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(status_xlsx()))
    book["Status"]["B8"].value, book["Status"]["B8"].number_format = 1.0, "0%"  # shown as 100%, not 1%
    hidden = book.create_sheet("Old decisions")
    hidden.append(("Decision", "Owner"))
    hidden.append(("Approve the scrapped budget", "Sponsor"))
    hidden.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    report = ingest_bytes(fast_kb, "POS-1_status.xlsx", buffer.getvalue())
    assert report.outcome == "ingested", report.reason
    assert report.warnings == ["Sheet 'Old decisions' is hidden, so it was not read; unhide it in Excel if it "
                               "should be."]
    _, [row] = reports_of(fast_kb, "POS-1")
    assert row.percent_complete == pytest.approx(100)
    assert [e["text"] for e in row.escalations] == ["Approve change request CR-12 (owner: Sponsor; needed by: "
                                                     "2026-03-15)"]
