"""Status reports in each format, built in memory for the tests (ingest, web)."""

from __future__ import annotations

import io
from datetime import date, timedelta

DIMENSIONS = ("Schedule", "Cost", "Scope", "Quality", "Resources", "Risks")


def status_md(code: str = "POS-1", end: date = date(2026, 3, 8), *, overall: str = "Amber", rag: str = "Green",
              pv: float = 420_000, ev: float = 378_000, ac: float = 400_000, name: str = "Store POS Replacement",
              extra: str = "") -> bytes:
    rows = "\n".join(f"| {d} | {rag} |" for d in DIMENSIONS)
    return f"""---
kind: status report
code: {code}
project: {name}
period: {(end - timedelta(days=6)).isoformat()} to {end.isoformat()}
overall rag: {overall}
---

# {name}: weekly status

Pilot store cut-over slipped a week.

| Dimension | RAG |
|---|---|
{rows}

## Earned value

| Measure | Value |
|---|---|
| Percent complete | 35% |
| Planned value | {pv} |
| Earned value | {ev} |
| Actual cost | {ac} |
| Forecast end | 2026-09-30 |

## Milestones

| Milestone | Planned | Forecast | Actual |
|---|---|---|---|
| Design sign-off | 2026-02-13 | | 2026-02-16 |
| Pilot store live | 2026-03-09 | 2026-03-16 | |

## Top risks

- High: Card terminal certification by the payment provider may take longer than planned.
- Store staff availability for training during the spring sale (medium)

## Issues

- Test environment outages cost three days this week

## Decisions needed

- Approve a second pilot store so that rollout can start in April
{extra}""".encode()


def status_docx(code: str = "POS-1", end: date = date(2026, 3, 8), *, overall: str = "Red") -> bytes:
    import docx

    doc = docx.Document()
    doc.add_heading("Weekly status report", level=1)
    table = doc.add_table(rows=0, cols=2)
    for key, value in (("Project code", code), ("Week ending", end.isoformat()), ("Overall status", overall),
                       ("Schedule", "R"), ("Cost", "A"), ("Percent complete", "52%"), ("PV", "200000"),
                       ("EV", "150000"), ("AC", "180000")):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = key, value
    doc.add_heading("Milestones", level=2)
    doc.add_paragraph("Data migration dress rehearsal — planned 2026-03-01, forecast 2026-03-22",
                      style="List Bullet")
    doc.add_heading("Risks and issues", level=2)
    doc.add_paragraph("High: Legacy customer data fails validation in the migration", style="List Bullet")
    doc.add_heading("Help needed", level=2)
    doc.add_paragraph("Steering committee to release two data stewards from Finance", style="List Bullet")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def status_xlsx(code: str = "POS-1", end: date = date(2026, 3, 8), *, overall: str = "Green") -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Status"
    for row in (("Field", "Value"), ("Project code", code), ("Period start", end - timedelta(days=6)),
                ("Period end", end), ("Overall RAG", overall), ("Schedule RAG", "Green"),
                ("Cost RAG", "Amber"), ("Percent complete", 0.6), ("Planned value", 300_000),
                ("Earned value", 330_000), ("Actual cost", 300_000), ("EAC", 950_000)):
        sheet.append(row)
    milestones = book.create_sheet("Milestones")
    for row in (("Milestone", "Planned", "Forecast", "Actual"), ("Go-live", date(2026, 6, 1), date(2026, 6, 15), None)):
        milestones.append(row)
    risks = book.create_sheet("Risks and issues")
    for row in (("Type", "Description", "Severity"), ("Risk", "Key vendor architect may leave", "High"),
                ("Issue", "Interface spec late", "Medium")):
        risks.append(row)
    asks = book.create_sheet("Decisions needed")
    for row in (("Decision", "Owner", "Needed by"), ("Approve change request CR-12", "Sponsor", "2026-03-15")):
        asks.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
