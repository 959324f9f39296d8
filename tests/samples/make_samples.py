"""Regenerates the binary sample files (DOCX, PDF, XLSX) in this folder.

The generated files are committed; tests never regenerate them. Run with the
project's virtualenv: `python tests/samples/make_samples.py`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

HERE = Path(__file__).parent


def closure_docx(path: Path) -> None:
    from docx import Document

    doc = Document()
    doc.add_heading("CRM Rollout — Closure Report", level=0)
    table = doc.add_table(rows=0, cols=2)
    for key, value in [("Project name", "Sales CRM Rollout"), ("Project code", "CRM-2022"),
                       ("Project type", "Salesforce CRM"), ("Sponsor", "Dana Reyes"),
                       ("Project manager", "Lee Chen"), ("Budget", "$850k"), ("Actual cost", "$910,000"),
                       ("Go-live", "2022-11-07"), ("Outcome", "Successful")]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = key, value
    doc.add_paragraph("Methodology: Agile (Scrum)")
    doc.add_heading("Summary", level=1)
    doc.add_paragraph("Salesforce Sales Cloud replaced three regional contact databases for 400 sales staff.")
    doc.add_heading("What went well", level=1)
    _bullet(doc, "Sales managers as product owners.", " Each region's manager prioritised the backlog, "
                 "so adoption was high from day one.")
    _bullet(doc, "", "Weekly demos kept stakeholders engaged and expectations realistic.")
    doc.add_heading("What did not go well", level=1)
    _bullet(doc, "Duplicate contacts.", " The three databases held 120,000 duplicate contacts.")
    doc.add_paragraph("Cause: no data-quality rules existed before migration.")
    doc.add_paragraph("Impact: two extra migration cycles and a four-week delay.", style="List Bullet 2")
    _bullet(doc, "Late user training.", " Training started one week before go-live.")
    doc.add_heading("Lessons learned", level=1)
    doc.add_heading("Plan data cleansing early", level=2)
    doc.add_paragraph("Deduplication tooling should be in place before the first trial migration.")
    doc.add_paragraph("Recommendation: make data-quality rules an exit criterion of the design phase.")
    doc.save(path)


def _bullet(doc, lead: str, rest: str) -> None:
    paragraph = doc.add_paragraph(style="List Bullet")
    if lead:
        paragraph.add_run(lead).bold = True
    paragraph.add_run(rest)


def closure_pdf(path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Network Upgrade Closure Report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    for line in ["Project: Branch Network Upgrade", "Project code: NET-UPG-2020", "Project type: SD-WAN",
                 "Sponsor: Alex Murray", "Planned budget: EUR 600,000", "Actual cost: EUR 640,000",
                 "Planned end: 30/09/2020", "Actual end: 15/10/2020", "Outcome: challenged"]:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    _pdf_section(pdf, "1. Summary", ["The project replaced MPLS links at 48 branches with SD-WAN."])
    _pdf_section(pdf, "2. What went well", [
        "- Pilot branches first. Running two pilot branches for a month surfaced firewall rule gaps "
        "before the mass rollout began.",
        "- The carrier's project manager joined our weekly status call.",
    ])
    _pdf_section(pdf, "3. What went wrong", [
        "- Late circuit deliveries. Eleven circuits arrived after their planned install date.",
        "Cause: the carrier's lead times were not in the contract.",
        "- Branch staff were not told when their site would be offline.",
    ])
    _pdf_section(pdf, "4. Recommendations", [
        "- Put circuit lead times and penalties into the supplier contract.",
    ])
    pdf.output(str(path))


def _pdf_section(pdf, heading: str, lines: list[str]) -> None:
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")


def scanned_pdf(path: Path) -> None:
    """A PDF with a drawing and no text layer, like a scan."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    pdf.output(str(path))


def prince2_risk_xlsx(path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Risk Register"
    ws.append(["CRM Rollout — Risk Register"])
    ws.append(["Project code:", "CRM-2022"])
    ws.append([])
    ws.append(["Risk Identifier", "Risk Author", "Date Registered", "Risk Category", "Risk Description",
               "Probability", "Impact", "Proximity", "Risk Response Category", "Risk Response", "Risk Status",
               "Risk Owner", "Materialised?"])
    ws.append(["R-01", "Lee Chen", date(2022, 3, 1), "Resource", "Key Salesforce developer may leave before "
               "go-live, delaying the configuration work.", "Medium", "High", "Within 3 months", "Reduce",
               "Document configuration; cross-train a second developer.", "Open", "Lee Chen", "No"])
    ws.append(["R-02", "Lee Chen", date(2022, 3, 1), "Data", "Duplicate contacts in regional databases may "
               "corrupt the migrated data.", 4, 5, "Next stage", "Reduce", "Run a deduplication sprint before "
               "trial migration.", "Closed", "Data lead", "Yes"])
    ws.append(["R-03", "Dana Reyes", date(2022, 4, 12), "Commercial", "Licence costs may rise at renewal.",
               "20%", "Minor", "Next year", "Accept", "", "Open", "Procurement", ""])
    wb.save(path)


def prince2_lessons_xlsx(path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Lessons Log"
    ws.append(["Lessons log"])
    ws.append(["Lesson ID", "Project", "Lesson type", "Event", "Effect", "Causes/Trigger",
               "Early-warning indicators", "Recommendations", "Date logged", "Logged by", "Priority"])
    ws.append(["L-001", "CRM-2022", "Project", "Go-live training was delivered one week before launch.",
               "Sales staff logged calls in spreadsheets for a month.", "Training vendor booked late.",
               "Training dates still TBC four weeks out.", "Book training before the build starts.",
               date(2022, 11, 30), "Lee Chen", "High"])
    ws.append(["L-002", "NET-UPG-2020", "Corporate", "Circuit deliveries from the carrier were late.",
               "Eleven branch cutovers were rescheduled.", "Lead times not in the contract.", "",
               "Put lead times and penalties into carrier contracts.", "not known", "Alex Murray", "Medium"])
    wb.save(path)


def main() -> None:
    closure_docx(HERE / "CRM-2022_closure_report.docx")
    closure_pdf(HERE / "NET-UPG-2020_closure_report.pdf")
    scanned_pdf(HERE / "scanned_closure_report.pdf")
    prince2_risk_xlsx(HERE / "CRM-2022_risk_register.xlsx")
    prince2_lessons_xlsx(HERE / "prince2_lessons_log.xlsx")


if __name__ == "__main__":
    main()
