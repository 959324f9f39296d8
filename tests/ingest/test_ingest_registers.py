"""Risk registers and lessons registers: CSV, XLSX, JSONL."""

from __future__ import annotations

from datetime import date

import pytest

from ingest import ParseContext, parse_bytes
from kb.errors import InvalidRegister

KNOWN = ParseContext(known_project_codes=frozenset({"FIN-ERP-2021", "CRM-2022"}),
                     project_types={"FIN-ERP-2021": "ERP migration"})


def parse_sample(samples, name, context=KNOWN):
    return parse_bytes(name, (samples / name).read_bytes(), context)


def test_pmbok_risk_register_csv(samples):
    parsed = parse_sample(samples, "FIN-ERP-2021_risk_register.csv")
    assert parsed.document.kind == "risk register" and parsed.project_code == "FIN-ERP-2021"
    risks = {r.external_id: r for r in parsed.risks}
    assert set(risks) == {"R1", "R2", "R3", "R5"}  # R4 is an empty row
    r1 = risks["R1"]
    assert (r1.probability, r1.impact, r1.score) == (4, 5, 20)  # words, score computed
    assert (r1.status, r1.materialised) == ("materialised", True)
    assert r1.category == "data migration" and "ERP migration" in r1.tags
    assert r1.cause.startswith("No data owner") and "Trial load error rate" in r1.cause  # Cause + Trigger
    assert r1.response == "Mitigate\nRun two extra trial loads and a cleansing sprint"
    assert (r1.source_location, r1.source_anchor) == ("row 2", "row-2")
    r2 = risks["R2"]
    assert (r2.probability, r2.impact, r2.score, r2.status) == (3, 4, 12, "open")  # numbers, score given
    assert risks["R5"].probability == 4  # 70%
    assert risks["R3"].status == "closed" and not risks["R3"].materialised
    assert any("skipped" in w for w in parsed.warnings)
    rows = parsed.document.rows
    assert rows[0]["_row"] == 2 and rows[0]["Risk ID"] == "R1" and len(rows) == 5


def test_prince2_risk_register_xlsx(samples):
    parsed = parse_sample(samples, "CRM-2022_risk_register.xlsx", ParseContext())
    assert parsed.document.kind == "risk register"
    assert parsed.project_code == "CRM-2022"  # from 'Project code:' above the header
    assert parsed.document.title == "CRM Rollout — Risk Register"
    risks = {r.external_id: r for r in parsed.risks}
    r1, r2, r3 = risks["R-01"], risks["R-02"], risks["R-03"]
    assert (r1.probability, r1.impact, r1.score) == (3, 4, 12)
    assert r1.category == "resources and staffing" and r1.source_location == "row 5"
    assert r1.response == "Reduce\nDocument configuration; cross-train a second developer."
    assert (r2.status, r2.materialised) == ("closed", True)  # closed, but it did occur
    assert (r3.probability, r3.impact) == (2, 2)  # 20%, Minor
    assert parsed.document.rows[0]["Date Registered"] == "2022-03-01"


def test_lessons_register_csv_with_semicolons(samples):
    parsed = parse_sample(samples, "pmo_lessons_register.csv")
    assert parsed.document.kind == "lessons register"
    lessons = {l.external_id: l for l in parsed.lessons}
    one = lessons["LL-01"]
    assert (one.polarity, one.category, one.project_code) == ("went wrong", "testing", "FIN-ERP-2021")
    assert one.impact == "Twelve defects found after go-live." and one.recommendation
    assert one.lesson_date == date(2022, 3, 15) and "ERP migration" in one.tags
    assert lessons["LL-02"].polarity == "went well"
    assert lessons["LL-03"].lesson_date == date(2022, 11, 30) and lessons["LL-03"].project_code == "CRM-2022"


def test_prince2_lessons_log_xlsx(samples):
    parsed = parse_sample(samples, "prince2_lessons_log.xlsx")
    lessons = {l.external_id: l for l in parsed.lessons}
    first = lessons["L-001"]
    assert first.title == "Go-live training was delivered one week before launch"
    assert first.cause == "Training vendor booked late." and first.impact.startswith("Sales staff")
    assert first.category == "training" and first.source_location == "row 3"
    assert lessons["L-002"].lesson_date is None
    assert any("dates could not be read" in w for w in parsed.warnings)


def test_llis_style_jsonl(samples):
    parsed = parse_sample(samples, "llis_sample.jsonl", ParseContext())
    assert parsed.document.kind == "lessons register" and parsed.document.title == "NASA LLIS lessons"
    lessons = {l.external_id: l for l in parsed.lessons}
    cutover = lessons["90001"]
    assert cutover.what_happened.startswith("A ground system cutover overran")  # Abstract first
    assert "Lesson learned: Untimed runbooks" in cutover.what_happened
    assert cutover.recommendation.startswith("Rehearse cutover twice")
    assert cutover.lesson_date == date(2018, 7, 18)  # MM/DD/YYYY
    assert (cutover.organization, cutover.phase) == ("JSC", "testing")  # Phase D
    assert "Parts, Materials, & Processes" in cutover.tags  # topic names with commas stay whole
    assert (cutover.source_location, cutover.source_anchor) == ("line 1", "row-1")
    assert cutover.project_code == "GROUND-SYSTEMS-MODERNISATION"
    assert parsed.projects[0].name == "Ground Systems Modernisation"
    contractor = lessons["90002"]
    assert contractor.title == 'Contractor "Standard" Test Plans'  # HTML leftovers repaired
    assert contractor.what_happened.startswith("Integration testing found")  # Driving Event when no Abstract
    assert contractor.project_code is None  # N/A
    assert "Procurement, Small Business & Industrial Relations" in contractor.tags
    assert lessons["90003"].source_location == "line 4"  # the blank line 3 is skipped, numbering kept
    assert lessons["90003"].polarity == "went well" and lessons["90003"].lesson_date is None


def test_csv_without_a_recognisable_header():
    with pytest.raises(InvalidRegister, match="No header row"):
        parse_bytes("stuff.csv", b"a,b,c\n1,2,3\n", ParseContext())


def test_register_kind_needs_a_hint_when_columns_are_ambiguous():
    data = b"ID,Title,Category\n1,Something happened,Scope\n"
    with pytest.raises(InvalidRegister, match="risk register or a lessons register"):
        parse_bytes("export.csv", data, ParseContext())
    assert parse_bytes("export_risks.csv", data, ParseContext()).document.kind == "risk register"
    hinted = parse_bytes("export.csv", data, ParseContext(kind_hint="lessons register"))
    assert hinted.document.kind == "lessons register"


def test_utf16_tab_separated_export():
    text = "Risk\tProbability\tImpact\nSupplier insolvency\tLow\tSevere\n"
    parsed = parse_bytes("risks.csv", b"\xff\xfe" + text.encode("utf-16-le"), ParseContext())
    assert (parsed.risks[0].probability, parsed.risks[0].impact, parsed.risks[0].score) == (2, 5, 10)


def test_only_unexpected_columns_are_worth_a_warning():
    data = (b"ID,Description,Probability,Impact,Status,Proximity,Date Raised,Colour\n"
            b"R1,Vendor may deliver late,High,High,Open,Q3,2024-01-05,blue\n")
    parsed = parse_bytes("P-9_risk_register.csv", data, ParseContext())
    notes = [w for w in parsed.warnings if "Columns not read" in w]
    assert notes == ["Columns not read: Colour (kept with the document rows)."]
    assert parsed.document.rows[0]["Proximity"] == "Q3", "unmapped columns stay with the row"


def test_a_workbook_reads_its_visible_register_and_says_what_it_left(fast_kb):
    import io

    from openpyxl import Workbook

    from ingest import ingest_bytes
    from tests.ingest.conftest import risks_of

    book = Workbook()
    notes = book.active
    notes.title = "Instructions"
    notes.append(["Keep one row per risk."])
    header = ["Risk ID", "Risk description", "Probability", "Impact", "Owner", "Status"]
    for title, rows, state in (("Archive 2024", [["OLD-1", "An old risk from last year", "Low", "Low", "Ann", "Closed"]],
                                "hidden"),
                               ("Open risks", [["R-1", "Vendor may deliver the adapters late", "High", "High", "Bo",
                                                "Open"],
                                               ["R-2", "Key users may not be released for UAT", "Medium", "High", "Cy",
                                                "Open"]], "visible"),
                               ("Closed risks", [["R-0", "Licences may cost more", "Low", "Medium", "Di", "Closed"]],
                                "visible")):
        sheet = book.create_sheet(title)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        sheet.sheet_state = state
    buffer = io.BytesIO()
    book.save(buffer)
    report = ingest_bytes(fast_kb, "REG-1_risk-register.xlsx", buffer.getvalue(), project="REG-1")
    assert report.outcome == "ingested", report.reason
    assert sorted(r.title for r in risks_of(fast_kb, report.document_id)) == [
        "Key users may not be released for UAT", "Vendor may deliver the adapters late"]
    assert "Sheet 'Archive 2024' is hidden, so it was not read; unhide it in Excel if it should be." in report.warnings
    assert ("Sheet 'Closed risks' holds a register too, and only the first one, 'Open risks', was read. Put every "
            "row on one sheet, or upload the other sheet as a file of its own.") in report.warnings


def test_usual_risk_statuses_read_as_open_and_an_unknown_one_is_warned_about():
    data = ("Risk ID,Risk description,Probability,Impact,Owner,Status\n"
            "R-1,Vendor may deliver late,High,High,Bo,Escalated\n"
            "R-2,Key users may not be released,Medium,High,Cy,Mitigating\n"
            "R-3,Licences may cost more,Low,Medium,Di,Transferred\n"
            "R-4,Data may be dirty,High,High,Ed,Banana\n").encode()
    parsed = parse_bytes("REG-2_risk-register.csv", data, ParseContext())
    assert [r.status for r in parsed.risks] == ["open", "open", "open", None]
    assert any("1 risk statuses are not open, closed or materialised" in w and "Banana" in w for w in parsed.warnings)


def test_a_shifted_row_and_a_quote_never_closed_are_warned_about():
    shifted = ("Risk ID,Risk description,Probability,Impact,Owner,Status\n"
               "R-1,Supplier late, again,High,High,Ann,Open\n"  # an unquoted comma: every cell after it moves right
               "R-2,Key staff may leave,Low,High,Bob,Open\n").encode()
    parsed = parse_bytes("SHF-1_risk-register.csv", shifted, ParseContext())
    assert ("Row 2 has values past the last named column, which were left out: if a cell holds a comma or semicolon, "
            "put the cell in quotes, or name the column.") in parsed.warnings
    unclosed = ("Risk ID,Risk description,Probability,Impact,Owner,Status\n"
                'R-1,"Supplier late,High,High,Ann,Open\n'
                "R-2,Key staff may leave,Low,High,Bob,Open\n").encode()
    parsed = parse_bytes("UNC-1_risk-register.csv", unclosed, ParseContext())
    assert any(w.startswith('A quote (") in row 2 is never closed') for w in parsed.warnings)


def test_formulas_without_saved_values_are_named_as_the_reason_cells_read_empty():
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Risk ID", "Risk description", "Probability", "Impact", "Owner", "Status"])
    sheet.append(["R-1", "Supplier may deliver late", "High", "High", "Ann", "Open"])
    sheet.append(["R-2", '=CONCAT("Key staff ","may leave")', "Low", "High", "Bob", "Open"])  # openpyxl saves no value
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = parse_bytes("FRM-1_risk-register.xlsx", buffer.getvalue(), ParseContext())
    assert parsed.warnings[0] == ("1 cell holds a formula with no saved value (the file was written by a program, not "
                                  "saved in Excel), so it reads as empty. Open the file in Excel, save it, and upload "
                                  "it again.")


def test_jsonl_nan_and_infinity_are_missing_values_and_a_nul_is_dropped():
    data = (b'{"Title": "Vendor\\u0000 late", "Description": "The vendor was late.", "Impact": NaN}\n'
            b'{"Title": "Key staff left", "Description": "Two leads resigned.", "Impact": Infinity}\n')
    parsed = parse_bytes("NAN-1_lessons.jsonl", data, ParseContext())
    assert [(x.title, x.impact) for x in parsed.lessons] == [("Vendor late", None), ("Key staff left", None)]


def test_a_row_pasted_twice_is_warned_about():
    data = ("Title,Description,Recommendation\n"
            "Vendor late,The vendor was late.,Agree penalties\n"
            "Key staff left,Two leads resigned.,Retain them\n"
            "Vendor late,The vendor was late.,Agree penalties\n").encode()
    parsed = parse_bytes("DUP-1_lessons.csv", data, ParseContext())
    assert len(parsed.lessons) == 3
    assert ("Row 4 repeats an earlier row word for word, so that lesson or risk is there twice: delete the copy if it "
            "is one.") in parsed.warnings


def test_a_title_line_with_a_comma_above_a_semicolon_register_does_not_hide_its_delimiter():
    data = ("Risk register, Q3 2026\nRisk ID;Risk;Probability;Impact;Owner\n"
            "R1;Vendor may deliver late, delaying UAT;High;High;PM\n"
            "R2;Key users may not be released;Medium;High;PM\n").encode()
    parsed = parse_bytes("TTL-1_risk-register.csv", data, ParseContext())
    assert [r.title for r in parsed.risks] == ["Vendor may deliver late, delaying UAT", "Key users may not be released"]


def test_a_project_code_column_holding_no_code_names_a_project_by_a_made_code():
    data = ("Risk ID,Project code,Risk description,Probability,Impact,Owner,Status\n"
            "R-1,FIN ERP 2021,Vendor may deliver late,High,High,Ann,Open\n"
            "R-2,../../etc/passwd,Key users may leave,Low,High,Bob,Open\n").encode()
    parsed = parse_bytes("mixed_risk-register.csv", data, ParseContext())
    from kb.models import PROJECT_CODE

    assert [r.project_code for r in parsed.risks] == ["FIN-ERP-2021", "ETC-PASSWD"]
    assert all(PROJECT_CODE.fullmatch(p.code) for p in parsed.projects)


def test_a_sheet_of_dropdown_lists_or_counts_beside_the_register_is_not_called_a_register():
    import io

    from openpyxl import Workbook

    book = Workbook()
    risks = book.active
    risks.title = "Risks"
    risks.append(["Risk ID", "Risk description", "Probability", "Impact", "Owner", "Status"])
    risks.append(["R-1", "Vendor may deliver the adapters late", "High", "High", "Bo", "Open"])
    lists = book.create_sheet("Lists")
    for row in (["Status", "Probability", "Impact"], ["Open", "High", "High"], ["Closed", "Medium", "Low"]):
        lists.append(row)
    counts = book.create_sheet("Summary")
    for row in (["Category", "Phase", "Count"], ["Vendor", "Build", 3]):
        counts.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = parse_bytes("LST-1_risk-register.xlsx", buffer.getvalue(), ParseContext())
    assert len(parsed.risks) == 1 and not any("holds a register too" in w for w in parsed.warnings)


def test_a_jira_or_smartsheet_export_is_read_by_its_own_column_names():
    """'Summary', 'Issue key', 'Current Status', 'Assigned To', 'Custom field (Likelihood)': the whole file
    was refused ('no title or description') or its ratings, statuses and owners left empty."""
    csv = ("Issue key,Summary,Current Status,Assigned To,Custom field (Likelihood),Imp.,Mitigation / Response\n"
           "RSK-1,Vendor may deliver the adapters late,Open,Ann Lee,H,VH,Weekly vendor call\n"
           "RSK-2,Key users may not be released for UAT,Closed - not materialised,Raj Patel,M,L,Backfill plan\n")
    parsed = parse_bytes("FIN-ERP-2021_risks.csv", csv.encode(), KNOWN)
    risks = {r.external_id: r for r in parsed.risks}
    assert set(risks) == {"RSK-1", "RSK-2"}
    one, two = risks["RSK-1"], risks["RSK-2"]
    assert one.title.startswith("Vendor may deliver") and one.owner == "Ann Lee" and one.response == "Weekly vendor call"
    assert (one.probability, one.impact, one.status) == (4, 5, "open")
    assert (two.probability, two.impact, two.status, two.materialised) == (3, 2, "closed", False)


def test_ratings_follow_the_scale_their_header_names():
    """On a 1-10 likelihood, 5 was read as 5 of 5 (very high); on a 1-3 impact, 3 as 3 of 5."""
    csv = ("Risk ID,Description,Likelihood (1-10),Impact (1-3)\n"
           "R1,Vendor may deliver the adapters late,5,3\nR2,Key users may not be released,10,1\n")
    risks = {r.external_id: r for r in parse_bytes("FIN-ERP-2021_risk_register.csv", csv.encode(), KNOWN).risks}
    assert (risks["R1"].probability, risks["R1"].impact) == (2.8, 5)
    assert (risks["R2"].probability, risks["R2"].impact) == (5, 1)


def _workbook(*sheets: tuple[str, list[list[object]]], percent: str | None = None) -> bytes:
    """An .xlsx with the given (title, rows) sheets; cells of the column headed `percent` formatted as 0%."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if percent:
            column = rows[0].index(percent) + 1 if percent in rows[0] else None
            for cells in sheet.iter_rows(min_row=2, min_col=column, max_col=column) if column else ():
                cells[0].number_format = "0%"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_no_issue_in_a_status_is_a_closed_risk():
    """'Mitigated - no issue' and 'Closed - no issues' were stored as materialised risks; 'Materialised - no issues
    remaining' says it happened, and must not be read as 'no issues'."""
    data = ("Risk ID,Risk Description,Probability,Impact,Status\n"
            "R1,Vendor may deliver late,3,3,Mitigated - no issue\n"
            "R2,Key staff may leave,3,3,Closed - no issues\n"
            "R3,Data may be dirty,3,3,Closed (became issue I-04)\n"
            "R4,UAT may slip,3,3,Materialised - no issues remaining\n"
            "R5,Cutover may overrun,3,3,\"Occurred, issue raised - no issues outstanding\"\n").encode()
    risks = parse_bytes("NOI-1_risk_register.csv", data, ParseContext()).risks
    assert [(r.status, r.materialised) for r in risks] == [("closed", False), ("closed", False),
                                                          ("materialised", True), ("materialised", True),
                                                          ("materialised", True)]


def test_common_header_variants_are_read():
    """'Description of Risk' rejected the file; 'Risk Probability', 'Did it occur?', 'Open/Closed' and others were
    not read, and the register was said to have no Probability column."""
    data = ("Risk ID,Description of Risk,Risk Probability,Overall Impact,Mitigation Owner,Contingency Plan,"
            "Mitigation Action(s),Did it occur?,Open/Closed,RAG Status\n"
            "R1,Vendor may go into administration,High,Very high,Ann,Second supplier,Monthly credit checks,Yes,"
            "Closed,Red\n").encode()
    parsed = parse_bytes("HDR-1_risk_register.csv", data, ParseContext())
    risk = parsed.risks[0]
    assert (risk.description, risk.probability, risk.impact, risk.owner) == (
        "Vendor may go into administration", 4, 5, "Ann")
    assert risk.response == "Monthly credit checks\nSecond supplier"
    assert (risk.status, risk.materialised) == ("closed", True)
    assert not any("Columns not read" in w or "has no 'Probability'" in w for w in parsed.warnings), parsed.warnings


@pytest.mark.parametrize("header", ["Probability of Occurrence", "Likelihood %", "Likelihood of occurrence"])
def test_more_names_of_a_probability_column(header):
    """These headers were not read: the risk had no probability and a warning said the column was missing."""
    data = f"Risk ID,Risk Description,{header},Risk Impact\nR1,Vendor may deliver late,70%,Low\n".encode()
    parsed = parse_bytes("HDR-2_risk_register.csv", data, ParseContext())
    assert (parsed.risks[0].probability, parsed.risks[0].impact) == (4, 2)
    assert not any("has no 'Probability'" in w for w in parsed.warnings)


def test_inherent_ratings_are_preferred_to_residual_ones():
    """With both, neither was read; the inherent (before mitigation) rating is the one a register compares."""
    data = ("Risk ID,Risk Description,Residual Likelihood,Inherent Likelihood,Residual Impact,Inherent Impact\n"
            "R1,Vendor may deliver late,2,4,1,5\n").encode()
    risk = parse_bytes("INH-1_risk_register.csv", data, ParseContext()).risks[0]
    assert (risk.probability, risk.impact) == (4, 5)


def test_a_likelihood_band_reads_by_its_word():
    """'Unlikely (10-30%)' was stored as probability 5 and 'Rare (0-10%)' as none."""
    data = ("Risk ID,Risk Description,Likelihood,Impact\n"
            "R1,Rare band,Rare (0-10%),Low\nR2,Unlikely band,Unlikely (10-30%),Low\n"
            "R3,Possible band,Possible (30-50%),Low\nR4,Likely band,Likely (>50%),Low\n").encode()
    risks = parse_bytes("BND-1_risk_register.csv", data, ParseContext()).risks
    assert [r.probability for r in risks] == [1, 2, 3, 4]


def test_a_sentence_in_the_impact_column_is_the_effect_not_a_rating():
    """'Go-live slips by 6 weeks…' was stored as impact 3 (from '6 weeks') and the sentence was lost."""
    data = ("Risk,Impact,Likelihood,Mitigation,Owner,Status\n"
            "Key supplier may miss the hardware date,Go-live slips by 6 weeks and costs £40k in extra contractor "
            "time,Medium,Order hardware in January,Ann,Open\n"
            "Payroll may not join UAT,High,High,Book payroll staff,Bob,Open\n").encode()
    parsed = parse_bytes("IMP-1_risk_log.csv", data, ParseContext())
    sentence, rated = parsed.risks
    assert sentence.impact is None
    assert sentence.effect == "Go-live slips by 6 weeks and costs £40k in extra contractor time"
    assert (rated.impact, rated.effect) == (4, None)
    assert not any("impact values could not be read" in w for w in parsed.warnings)


def test_an_amount_in_the_impact_column_is_kept_as_the_effect_not_a_rating():
    """'£80k' in an 'Impact (£)' column was stored as impact 5."""
    data = ("Risk ID,Risk Description,Probability,Impact (£),Status\n"
            "R1,Supplier insolvency,0.3,£80k,Open\nR2,Licence cost increase,0.2,5000,Open\n").encode()
    parsed = parse_bytes("AMT-1_risk_register.csv", data, ParseContext())
    assert [(r.impact, r.effect) for r in parsed.risks] == [(None, "Impact (£): £80k"), (None, "Impact (£): 5000")]
    assert ("The 'Impact (£)' column holds amounts, not 1-5 ratings, so the impact was left empty and the amount "
            "kept as the effect. Add an impact column rated 1-5 (or very low to very high) to rate it.") \
        in parsed.warnings


def test_a_numeric_column_is_read_on_one_scale():
    """A 1-10 column without a header scale read 5 as 5 of 5 but 6 as 3 of 5."""
    data = ("Risk ID,Risk Description,Probability,Impact\n"
            "R1,Five,5,5\nR2,Six,6,6\nR3,Nine,9,9\nR4,Ten,10,2\n").encode()
    risks = parse_bytes("SCL-1_risk_register.csv", data, ParseContext()).risks
    assert [r.probability for r in risks] == [2.8, 3.2, 4.6, 5]
    assert [r.impact for r in risks] == [2.8, 3.2, 4.6, 1.4]
    assert risks[0].score == 7.84  # not 7.839999999999999


def test_a_percentage_cell_of_100_percent_is_almost_certain():
    """An Excel cell formatted 0% holding 1.0 (it shows 100%) was stored as probability 1."""
    rows = [["Risk ID", "Risk Description", "Probability", "Impact"], ["R1", "Vendor may deliver late", 1.0, 4]]
    parsed = parse_bytes("PCT-1_risk_register.xlsx", _workbook(("Risks", rows), percent="Probability"),
                         ParseContext())
    assert parsed.risks[0].probability == 5
    assert parsed.document.rows[0]["Probability"] == "100%"  # as Excel shows it


def test_a_dashboard_sheet_before_the_register_is_passed_over():
    """A first sheet of counts (Category | Status | Count) rejected the workbook: 'None of the 2 rows has a title'."""
    dashboard = [["Risk dashboard"], ["Category", "Status", "Count"], ["Vendor", "Open", 3], ["Staff", "Closed", 1]]
    register = [["Risk ID", "Risk Description", "Probability", "Impact", "Owner", "Status", "Category"],
                ["R1", "Vendor may deliver late", "High", "High", "Ann", "Open", "Vendor"]]
    parsed = parse_bytes("DSH-1_risk_register.xlsx", _workbook(("Dashboard", dashboard), ("Register", register)),
                         ParseContext())
    assert [r.external_id for r in parsed.risks] == ["R1"]
    assert ("Sheet 'Register' was read, not 'Dashboard' before it: None of the 2 rows has a title or description "
            "(columns such as Description, Risk or Title).") in parsed.warnings
    with pytest.raises(InvalidRegister, match="No sheet holds rows we can read as risks or lessons. sheet 'Dashboard'"):
        parse_bytes("DSH-2_risk_register.xlsx", _workbook(("Dashboard", dashboard), ("Notes", [["Read me"]])),
                    ParseContext())


def test_lessons_columns_win_over_risk_or_status_in_the_file_name():
    """A lessons log named 'Credit Risk Engine - …' was stored as a risk register; '… status at June.xlsx' was
    rejected as a status report without a period."""
    rows = [["Lesson ID", "Title", "What happened", "Lesson learned", "Recommendation", "Category", "Type"],
            ["L1", "Validation started late", "Validators engaged in month 9", "Engage them at design",
             "Book validators at initiation", "Governance", "Negative"]]
    text = "\n".join(",".join(row) for row in rows).encode()
    for name, data in (("Credit Risk Engine - Lessons Log.csv", text),
                       ("Lessons log - status at June.xlsx", _workbook(("Log", rows)))):
        parsed = parse_bytes(name, data, ParseContext())
        assert parsed.document.kind == "lessons register", name
        assert [(l.title, l.polarity) for l in parsed.lessons] == [("Validation started late", "went wrong")]
    risky = b"Risk ID,Risk,Probability,Impact,Owner\nR1,Vendor may deliver late,High,High,Ann\n"
    assert parse_bytes("Lessons from ERP.csv", risky, ParseContext()).document.kind == "risk register"


def test_polarity_labels_of_strengths_and_weaknesses_are_read():
    """'Strength', 'Weakness', '+', '-', 'Lesson (negative)' were all stored as improvements."""
    data = ("Lesson ID,Title,Description,Type,Recommendation\n"
            "L1,Vendor SLA,Vendor hit every SLA,Strength,Reuse the SLA\n"
            "L2,Handover docs,Handover was thin,Weakness,Template\n"
            "L3,Cutover rehearsal,Two rehearsals,+,Rehearse twice\n"
            "L4,Scope control,Scope crept,-,Change board\n"
            "L5,Sponsor,Sponsor did not attend,Lesson (negative),Brief the sponsor\n"
            "L6,Budget,Under budget,Lesson (positive),Keep the cost reviews\n"
            "L7,Data migration,No delays on the data migration,Observation,Keep the runbook\n").encode()
    lessons = parse_bytes("POL-1_lessons_log.csv", data, ParseContext()).lessons
    assert [l.polarity for l in lessons] == ["went well", "went wrong", "went well", "went wrong", "went wrong",
                                             "went well", "improvement"]  # 'No delays' made L7 go wrong
    # Without '+' beside it, '-' is an empty cell, as anywhere else: the lesson's words decide.
    dashes = b"Title,Description,Type,Recommendation\nVendor SLA,Vendor hit every SLA on time,-,Reuse it\n"
    assert parse_bytes("POL-2_lessons_log.csv", dashes, ParseContext()).lessons[0].polarity == "went well"


def test_an_impact_rating_column_beside_a_described_impact_is_read():
    """With 'Impact' describing the effect and 'Impact rating' rating it, the rating column must still be read."""
    data = ("Risk ID,Risk Description,Impact,Impact rating,Likelihood\n"
            "R1,Vendor may deliver late,Go-live slips by six weeks,Major,Likely\n"
            "R2,Key staff may leave,High - two weeks lost to handover,,Unlikely\n"
            "R3,Supplier may fail,Low-cost supplier fails and we rebuy hardware,,Unlikely\n").encode()
    risks = parse_bytes("IMP-2_risk_register.csv", data, ParseContext()).risks
    assert [(r.impact, r.effect) for r in risks] == [(4, "Go-live slips by six weeks"),
                                                     (4, "High - two weeks lost to handover"),
                                                     (None, "Low-cost supplier fails and we rebuy hardware")]


def test_one_stray_value_does_not_rescale_its_column_and_a_rated_description_keeps_its_rating():
    """Impact 4, 3, 15, 5 read the column as percentages (4 → 1); '4 (Major) - 3-month delay' lost its 4."""
    data = ("Risk ID,Risk Description,Probability,Impact,Status\n"
            "R1,Vendor may deliver late,4,4,Open\nR2,Key staff may leave,2,3,Open\nR3,Data may be dirty,3,15,Open\n"
            "R4,UAT may slip,5,5,Open\nR5,Security review may take longer,3,4 (Major) - 3-month delay to programme,"
            "Open\n").encode()
    risks = parse_bytes("STR-1_risk_register.csv", data, ParseContext()).risks
    assert [r.impact for r in risks[:2]] + [risks[3].impact] == [4, 3, 5]
    assert (risks[4].impact, risks[4].effect) == (4, "4 (Major) - 3-month delay to programme")
    # a stray 6 beside 1-4 is at the top of their scale, not below the 4; a duration is no rating
    ranked = parse_bytes("STR-2_risk_register.csv", ("Risk ID,Risk Description,Probability,Impact\n" + "".join(
        f"R{n},Risk {n} may happen,{p},2 – 3 weeks delay to go-live\n" for n, p in enumerate([1, 2, 3, 4, 6]))).encode(),
        ParseContext()).risks
    assert [r.probability for r in ranked] == [1, 2, 3, 4, 5] and {r.impact for r in ranked} == {None}


def test_a_weekly_status_workbook_opening_on_its_raid_log_is_a_status_report():
    """The columns of a first sheet of risks outweighed the name 'weekly status report': it became a register."""
    raid = [["Risk", "Probability", "Impact", "Owner", "Status"], ["Vendor may deliver late", "High", "High", "Ann",
                                                                   "Open"]]
    summary = [["Project code", "RAID-2024"], ["Reporting period", "2024-06-03 to 2024-06-07"],
               ["Overall RAG", "Amber"], ["Percent complete", "40%"]]
    parsed = parse_bytes("RAID-2024 weekly status report.xlsx", _workbook(("RAID", raid), ("Summary", summary)),
                         ParseContext())
    assert parsed.document.kind == "status report"


def test_a_risk_withdrawn_superseded_or_handed_over_is_closed():
    """'Withdrawn', 'Superseded' and 'Handed over to BAU' were unreadable statuses, left empty with a warning."""
    data = ("Risk ID,Risk Description,Probability,Impact,Status\n"
            "R1,Vendor may deliver late,3,3,Withdrawn\nR2,Key staff may leave,3,3,Superseded\n"
            "R3,Support may be unready,3,3,Handed over to BAU\n").encode()
    parsed = parse_bytes("WDN-1_risk_register.csv", data, ParseContext())
    assert [(r.status, r.materialised) for r in parsed.risks] == [("closed", False)] * 3
    assert not any("status" in w.lower() and "could not be read" in w for w in parsed.warnings)
