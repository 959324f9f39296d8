"""Build the binary files of the demo corpus (DOCX, PDF, XLSX) from their plain-text sources.

Sources live in `demo/_src/` (names starting with `_` are skipped by the ingester):

- `_src/closure-reports/*.md`: closure reports written as Markdown with YAML front matter.
  Each becomes a DOCX or a PDF in `demo/closure-reports/` (see `DOCX_REPORTS` and `PDF_REPORTS`).
- `_src/risk-registers/*.csv`: risk registers, including any title rows above the header.
  Each becomes an XLSX in `demo/risk-registers/`.
- `_src/registers/*.csv`: PMO lessons registers, each becomes an XLSX in `demo/registers/`.
- `_status_reports.py`: the six active projects' plans. Each gives weekly status reports in
  `demo/status-reports/` (Markdown, DOCX or XLSX) and a live risk register (a CSV in
  `demo/risk-registers/`, or a source CSV in `_src/risk-registers/` built as XLSX).

The output is deterministic: document metadata and zip entry timestamps are fixed, so
re-running the script on unchanged sources gives byte-identical files.

    .venv/bin/python demo/_build.py
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import yaml
from docx import Document
from docx.enum.text import WD_BREAK
from docx.shared import Pt
from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

DEMO = Path(__file__).resolve().parent
SRC = DEMO / "_src"
AUTHOR = "Northwind Group PMO"
FIXED_TIME = datetime(2026, 10, 30, 9, 0, 0)
ZIP_TIME = (2026, 10, 30, 9, 0, 0)

# Which closure reports are published as Word documents and which as PDFs.
DOCX_REPORTS = {"LOG-ERP-2019", "RET-ERP-2022", "GRP-CLD-2021", "RET-WEB-2023", "GRP-BI-2020", "FIN-MNA-2022",
                "CHN-CRM-2023", "CHN-BI-2022"}
PDF_REPORTS = {"MFG-ERP-2020", "ENR-CRM-2023", "FIN-REG-2020", "LOG-OFF-2022", "LOG-NET-2019", "GRP-MNA-2020"}
# Word reports whose metadata is a two-column table; the others use `Key: value` paragraphs.
DOCX_TABLE_METADATA = {"LOG-ERP-2019", "GRP-CLD-2021", "RET-WEB-2023", "CHN-BI-2022"}

# How each front-matter key is labelled in the generated documents, as a PMO template would.
LABELS = {
    "project": "Project name",
    "code": "Project code",
    "portfolio": "Portfolio",
    "project_type": "Project type",
    "industry": "Industry",
    "methodology": "Methodology",
    "sponsor": "Sponsor",
    "manager": "Project manager",
    "planned_start": "Baseline start",
    "planned_end": "Baseline finish",
    "actual_start": "Actual start",
    "actual_end": "Actual finish",
    "planned_budget": "Budget",
    "actual_budget": "Final cost",
    "currency": "Currency",
    "outcome": "Outcome",
    "planned_value": "PV",
    "earned_value": "EV",
    "actual_cost": "AC",
    "report_date": "Report date",
}
# The labels of a Chinese PMO template (项目收尾报告), for reports whose project name is Chinese.
ZH_LABELS = {
    "project": "项目名称", "code": "项目编号", "portfolio": "项目群", "project_type": "项目类型", "industry": "所属行业",
    "methodology": "交付方法", "sponsor": "项目发起人", "manager": "项目经理", "planned_start": "计划开始日期",
    "planned_end": "计划结束日期", "actual_start": "实际开始日期", "actual_end": "实际完成日期",
    "planned_budget": "预算", "actual_budget": "实际成本", "currency": "币种", "outcome": "项目结果",
    "report_date": "报告日期",
}
SKIP_KEYS = {"kind"}


# --- Markdown source --------------------------------------------------------------------------

def read_source(path: Path) -> tuple[dict, list[str]]:
    """Front matter and body lines of a Markdown source file."""
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    return {k: str(v) for k, v in meta.items()}, body.strip("\n").splitlines()


def blocks(lines: list[str]) -> list[tuple[str, object]]:
    """Group Markdown lines into blocks: heading, para, bullet, number, table."""
    out: list[tuple[str, object]] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            out.append(("para", " ".join(para)))
            para.clear()

    for line in lines:
        stripped = line.strip()
        if not stripped:
            flush()
        elif m := re.match(r"^(#{1,6})\s+(.*)$", line):
            flush()
            out.append((f"h{len(m.group(1))}", m.group(2)))
        elif m := re.match(r"^[-*]\s+(.*)$", line):
            flush()
            out.append(("bullet", [m.group(1)]))
        elif m := re.match(r"^\d+\.\s+(.*)$", line):
            flush()
            out.append(("number", [m.group(1)]))
        elif stripped.startswith("|"):
            flush()
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if all(re.fullmatch(r":?-+:?", c) for c in cells):
                continue
            if out and out[-1][0] == "table":
                out[-1][1].append(cells)
            else:
                out.append(("table", [cells]))
        elif line.startswith("  ") and out and out[-1][0] in ("bullet", "number") and not para:
            out[-1][1].append(stripped)
        else:
            para.append(stripped)
    flush()
    return out


def runs(text: str) -> list[tuple[str, bool]]:
    """Split `**bold**` markup into (text, bold) runs."""
    parts = re.split(r"\*\*(.+?)\*\*", text)
    return [(part, i % 2 == 1) for i, part in enumerate(parts) if part]


def plain(text: str) -> str:
    return text.replace("**", "")


def doc_date(meta: dict) -> datetime:
    """A fixed document date: the report's actual finish when it parses, else a constant."""
    raw = meta.get("actual_end", "")
    for fmt in ("%Y-%m-%d", "%d %B %Y"):
        try:
            day = datetime.strptime(raw, fmt).date()
            return datetime.combine(day, datetime.min.time()).replace(hour=17)
        except ValueError:
            continue
    return FIXED_TIME


def metadata_items(meta: dict) -> list[tuple[str, str]]:
    labels = ZH_LABELS if re.search(r"[\u4e00-\u9fff]", meta.get("project", "")) else LABELS
    return [(labels.get(k, k), v) for k, v in meta.items() if k not in SKIP_KEYS]


# --- DOCX ---------------------------------------------------------------------------------

def build_docx(code: str, meta: dict, lines: list[str], target: Path) -> None:
    doc = Document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(11)
    set_docx_properties(doc, meta)
    body = blocks(lines)
    title = body.pop(0)[1] if body and body[0][0] == "h1" else meta["project"]
    doc.add_heading(plain(title), level=1)
    if code in DOCX_TABLE_METADATA:
        add_docx_table(doc, metadata_items(meta), header=False)
    else:
        for label, value in metadata_items(meta):
            p = doc.add_paragraph()
            p.add_run(f"{label}：" if re.search(r"[\u4e00-\u9fff]", label) else f"{label}: ").bold = True
            p.add_run(value)
    for kind, content in body:
        add_docx_block(doc, kind, content)
    buffer = io.BytesIO()
    doc.save(buffer)
    write_normalised_zip(buffer.getvalue(), target, doc_date(meta))


def set_docx_properties(doc, meta: dict) -> None:
    props = doc.core_properties
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.title = f"{meta['project']} - closure report"
    props.subject = meta["code"]
    props.keywords = f"closure report; {meta['code']}"
    props.created = doc_date(meta)
    props.modified = doc_date(meta)
    props.last_printed = doc_date(meta)
    props.revision = 1


def add_docx_block(doc, kind: str, content) -> None:
    if kind.startswith("h"):
        doc.add_heading(plain(content), level=min(int(kind[1]), 4))
    elif kind == "para":
        add_runs(doc.add_paragraph(), content)
    elif kind in ("bullet", "number"):
        p = doc.add_paragraph(style="List Bullet" if kind == "bullet" else "List Number")
        add_runs(p, content[0])
        for extra in content[1:]:
            p.add_run().add_break(WD_BREAK.LINE)
            add_runs(p, extra)
    elif kind == "table":
        add_docx_table(doc, content, header=True)


def add_runs(paragraph, text: str) -> None:
    for part, bold in runs(text):
        paragraph.add_run(part).bold = bold


def add_docx_table(doc, rows, header: bool) -> None:
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            cell.text = ""
            run = cell.paragraphs[0].add_run(plain(value))
            run.bold = (header and r == 0) or (not header and c == 0)
    doc.add_paragraph()


# --- PDF ----------------------------------------------------------------------------------

class ReportPDF(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, f"Page {self.page_no()} of {{nb}}", align="C")


def build_pdf(meta: dict, lines: list[str], target: Path) -> None:
    pdf = ReportPDF(format="A4")
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(latin1(f"{meta['project']} - closure report"))
    pdf.set_author(AUTHOR)
    pdf.set_creator(AUTHOR)
    pdf.set_subject(meta["code"])
    pdf.set_creation_date(doc_date(meta).replace(tzinfo=timezone.utc))
    pdf.add_page()
    body = blocks(lines)
    title = body.pop(0)[1] if body and body[0][0] == "h1" else meta["project"]
    pdf_text(pdf, plain(title), size=16, bold=True, gap=4)
    for label, value in metadata_items(meta):
        pdf_text(pdf, f"{label}: {value}", size=10)
    pdf.ln(4)
    numbers = [0, 0]
    for kind, content in body:
        if kind in ("h2", "h3"):
            content = number_heading(numbers, kind, content)
        keep_together(pdf, kind, content)
        add_pdf_block(pdf, kind, content)
    target.write_bytes(bytes(pdf.output()))


def number_heading(numbers: list[int], kind: str, text: str) -> str:
    """PDF reports number their sections ('2. What went well', '3.1 ...'), as PMO templates do."""
    if kind == "h2":
        numbers[0], numbers[1] = numbers[0] + 1, 0
        return f"{numbers[0]}. {text}"
    numbers[1] += 1
    return f"{numbers[0]}.{numbers[1]} {text}"


def keep_together(pdf: FPDF, kind: str, content) -> None:
    """Start a new page rather than split a heading, paragraph or list item across two pages."""
    texts = [content] if isinstance(content, str) else ["- " + content[0], *content[1:]]
    lines = sum(len(pdf.multi_cell(pdf.epw - 8, 5.25, latin1(plain(t)), dry_run=True, output="LINES"))
                for t in texts)
    needed = lines * 5.25 + (12 if kind.startswith("h") else 3)
    if pdf.get_y() + needed > pdf.page_break_trigger:
        pdf.add_page()


def add_pdf_block(pdf: FPDF, kind: str, content) -> None:
    if kind.startswith("h"):
        pdf.ln(3)
        pdf_text(pdf, plain(content), size=13 if kind == "h2" else 11.5, bold=True, gap=1)
    elif kind == "para":
        pdf_text(pdf, plain(content), size=10.5, gap=2)
    elif kind in ("bullet", "number"):
        pdf_text(pdf, "- " + plain(content[0]), size=10.5, indent=4)
        for extra in content[1:]:
            pdf_text(pdf, plain(extra), size=10.5, indent=8)
        pdf.ln(1)
    elif kind == "table":
        for row in content:
            pdf_text(pdf, " | ".join(plain(c) for c in row), size=10)
        pdf.ln(2)


def pdf_text(pdf: FPDF, text: str, size: float, bold: bool = False, indent: float = 0, gap: float = 0) -> None:
    pdf.set_font("Helvetica", "B" if bold else "", size)
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(pdf.epw - indent, size * 0.5, latin1(text), new_x="LMARGIN", new_y="NEXT")
    if gap:
        pdf.ln(gap)


def latin1(text: str) -> str:
    """The core PDF fonts only know latin-1; fail loudly rather than print boxes."""
    text.encode("latin-1")
    return text


# --- XLSX ---------------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="1F3864")


def build_xlsx(source: Path, target: Path, sheet: str) -> None:
    with source.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header_row = next(i for i, row in enumerate(rows) if len([c for c in row if c]) >= 4)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value != "":
                ws.cell(row=r, column=c, value=typed(value))
    style_sheet(ws, rows, header_row + 1)
    wb.properties.creator = AUTHOR
    wb.properties.lastModifiedBy = AUTHOR
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    write_normalised_zip(buffer.getvalue(), target, FIXED_TIME)


def typed(value: str):
    """Numbers as numbers, ISO dates as dates, everything else as text."""
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value)
    return value


def style_sheet(ws, rows: list[list[str]], header: int) -> None:
    if header > 1:
        ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    for cell in ws[header]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(row=header + 1, column=1)
    for c, _ in enumerate(rows[header - 1], start=1):
        longest = max((len(r[c - 1]) for r in rows[header - 1:] if len(r) >= c), default=8)
        letter = ws.cell(row=header, column=c).column_letter
        ws.column_dimensions[letter].width = min(max(10, longest * 0.9), 60)
    for row in ws.iter_rows(min_row=header + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in ws[header]:
        if cell.value in ("Date Raised", "Date") or str(cell.value).startswith("Date"):
            for below in ws.iter_rows(min_row=header + 1, min_col=cell.column, max_col=cell.column):
                below[0].number_format = "yyyy-mm-dd"


# --- Determinism --------------------------------------------------------------------------

def write_normalised_zip(data: bytes, target: Path, when: datetime) -> None:
    """Rewrite an Office zip with fixed entry timestamps and a fixed modified date."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            content = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                                 rb"\g<1>" + stamp.encode() + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            zout.writestr(entry, content)
    target.write_bytes(out.getvalue())


# --- Main ---------------------------------------------------------------------------------

def build_closure_reports() -> list[Path]:
    built = []
    for source in sorted((SRC / "closure-reports").glob("*.md")):
        meta, lines = read_source(source)
        code = meta["code"]
        if code in DOCX_REPORTS:
            target = DEMO / "closure-reports" / f"{source.stem}.docx"
            build_docx(code, meta, lines, target)
        elif code in PDF_REPORTS:
            target = DEMO / "closure-reports" / f"{source.stem}.pdf"
            build_pdf(meta, lines, target)
        else:
            raise SystemExit(f"{source.name}: {code} is in neither DOCX_REPORTS nor PDF_REPORTS")
        built.append(target)
    return built


def build_registers() -> list[Path]:
    built = []
    for folder, sheet in (("risk-registers", "Risk register"), ("registers", "Lessons register")):
        for source in sorted((SRC / folder).glob("*.csv")):
            target = DEMO / folder / f"{source.stem}.xlsx"
            build_xlsx(source, target, sheet)
            built.append(target)
    return built


# --- Status reports of the active projects -------------------------------------------------

def build_status_reports() -> list[Path]:
    """Weekly status reports and live risk registers from `_status_reports.py` (run before the
    registers, which build the XLSX ones from the CSV sources written here)."""
    from _status_reports import PLANS, weekly_reports

    folder = DEMO / "status-reports"
    folder.mkdir(exist_ok=True)
    built = []
    for plan in PLANS:
        for report in weekly_reports(plan):
            target = folder / f"{report.file_stem}.{plan.fmt}"
            {"md": write_status_md, "docx": write_status_docx, "xlsx": write_status_xlsx}[plan.fmt](report, target)
            built.append(target)
        built.append(write_live_register(plan))
    return built


def status_fields(r) -> list[tuple[str, str]]:
    p = r.plan
    money = lambda amount: f"{amount:,.0f}"  # noqa: E731
    return [("Project code", p.code), ("Project name", p.name), ("Project type", p.project_type),
            ("Industry", p.industry), ("Portfolio", p.portfolio), ("Sponsor", p.sponsor), ("Project manager", p.manager),
            ("Baseline start", p.start.isoformat()),
            ("Baseline finish", (p.start + timedelta(weeks=p.planned_weeks) - timedelta(days=3)).isoformat()),
            ("Reporting period", f"{r.start.isoformat()} to {r.end.isoformat()}"),
            ("Overall RAG", p.spelling[r.overall]), ("Percent complete", f"{r.percent}%"), ("Currency", p.currency),
            ("Budget at completion", money(p.budget)), ("Planned value", money(r.pv)), ("Earned value", money(r.ev)),
            ("Actual cost", money(r.ac)), ("Estimate at completion", money(r.eac)),
            ("Forecast end", r.forecast_end.isoformat())]


def _day(value) -> str:
    return value.isoformat() if value else ""


def status_markdown(r) -> str:
    p = r.plan
    fields = status_fields(r)
    lines = [f"# {p.name}: weekly status report", "", r.summary, "", "## Details", "",
             "| Field | Value |", "|---|---|", *[f"| {k} | {v} |" for k, v in fields], ""]
    if p.code.startswith("ENR"):  # this PMO writes the dimensions as a list
        lines += ["## RAG by dimension", "", *[f"- {d.capitalize()}: {p.spelling[r.rag[d]]}" for d in r.rag], ""]
    else:
        lines += ["## RAG by dimension", "", "| Dimension | RAG |", "|---|---|",
                  *[f"| {d.capitalize()} | {p.spelling[r.rag[d]]} |" for d in r.rag], ""]
    lines += ["## Milestones", "", "| Milestone | Planned | Forecast | Actual |", "|---|---|---|---|",
              *[f"| {n} | {_day(pl)} | {_day(fc)} | {_day(ac)} |" for n, pl, fc, ac in r.milestones], ""]
    lines += ["## Top risks", "", *[f"- {i.severity.capitalize()}: {i.text}" for i in r.risks], ""]
    if r.issues:
        lines += ["## Issues", "", *[f"- {i.text} ({i.severity})" for i in r.issues], ""]
    if r.escalations:
        lines += ["## Decisions needed", "", *[f"- {e}" for e in r.escalations], ""]
    return "\n".join(lines)


def write_status_md(r, target: Path) -> None:
    front = f"---\nkind: status report\ncode: {r.plan.code}\n---\n\n"
    target.write_text(front + status_markdown(r), encoding="utf-8")


def write_status_docx(r, target: Path) -> None:
    doc = Document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(11)
    props = doc.core_properties
    props.author = props.last_modified_by = AUTHOR
    props.title, props.subject, props.revision = f"{r.plan.name} - status report", r.plan.code, 1
    when = datetime.combine(r.end, datetime.min.time()).replace(hour=17)
    props.created = props.modified = props.last_printed = when
    body = blocks(status_markdown(r).splitlines())
    doc.add_heading(plain(body.pop(0)[1]), level=1)
    for kind, content in body:
        if kind == "table" and content[0] == ["Field", "Value"]:
            add_docx_table(doc, content[1:], header=False)
        else:
            add_docx_block(doc, kind, content)
    buffer = io.BytesIO()
    doc.save(buffer)
    write_normalised_zip(buffer.getvalue(), target, when)


def write_status_xlsx(r, target: Path) -> None:
    p = r.plan
    wb = Workbook()
    sheets = [("Status", [("Field", "Value"), *status_fields(r), *[(f"{d.capitalize()} RAG", p.spelling[r.rag[d]])
                                                                   for d in r.rag], ("Summary", r.summary)]),
              ("Milestones", [("Milestone", "Planned", "Forecast", "Actual"), *r.milestones]),
              ("Risks and issues", [("Type", "Description", "Severity"), *[("Risk", i.text, i.severity.capitalize())
                                                                          for i in r.risks],
                                    *[("Issue", i.text, i.severity.capitalize()) for i in r.issues]])]
    if r.escalations:
        sheets.append(("Decisions needed", [("Decision", "Owner"), *[(e, p.sponsor) for e in r.escalations]]))
    for index, (title, rows) in enumerate(sheets):
        ws = wb.active if index == 0 else wb.create_sheet()
        ws.title = title
        for row in rows:
            ws.append(list(row))
        style_sheet(ws, [[str(c or "") for c in row] for row in rows], 1)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
    wb.properties.creator = wb.properties.lastModifiedBy = AUTHOR
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    write_normalised_zip(buffer.getvalue(), target, FIXED_TIME)


REGISTER_HEADER = ("Risk ID", "Project Code", "Risk Category", "Risk Description", "Cause", "Effect", "Probability",
                   "Impact", "Risk Owner", "Response", "Risk Status")


def write_live_register(plan) -> Path:
    """The project's live risk register: a CSV in demo/risk-registers/, or the source of an XLSX."""
    where = SRC / "risk-registers" if plan.register_fmt == "xlsx" else DEMO / "risk-registers"
    target = where / f"{plan.code}_risk-register.csv"
    with target.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        # Title rows name the project: the register is ingested before the project's first status report.
        out.writerows([(plan.name,), (f"Project code: {plan.code}",), ("Live risk register",), ()])
        out.writerow(REGISTER_HEADER)
        for rid, category, text, cause, effect, prob, impact, owner, response, status in plan.register:
            out.writerow((rid, plan.code, category, text, cause, effect, prob, impact, owner, response, status))
    return target


def main() -> None:
    built = build_status_reports() + build_closure_reports() + build_registers()
    for path in built:
        print(f"built {path.relative_to(DEMO)} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
