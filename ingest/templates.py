"""The PMO's standard templates: closure report, retrospective, risk register, lessons register and
status report, as Markdown, DOCX, XLSX and CSV.

Every key, heading and column is the canonical (first) name the parsers accept, taken from their
own tables (ingest.project_meta, ingest.columns, ingest.status), so that a filled template always
ingests cleanly; the sections' headings are checked against ingest.outline in the tests. The same
definitions drive the compliance check (`compliance_warnings`): what a template marks required must
be in every document of its kind.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from ingest import kinds
from ingest.columns import LESSON_COLUMNS, RISK_COLUMNS
from ingest.project_meta import KEY_TO_FIELD
from ingest.status import _COLUMN_WORDS, _DIMENSION_WORDS, _FIELDS  # the status parser's own vocabulary

URL_PREFIX = "/templates/"


def meta_key(name: str) -> str:
    """The canonical key of a project-metadata field: the first alias the parser lists for it."""
    return next(alias for alias, field_name in KEY_TO_FIELD.items() if field_name == name)


def status_key(name: str) -> str:
    """The canonical key of a status-report field ('period', 'overall rag', 'schedule rag')."""
    if name.startswith("rag:"):
        return f"{_DIMENSION_WORDS[name[4:]][0]} rag"
    return _FIELDS[name][0]


def column_header(table: dict[str, tuple[str, ...]], name: str) -> str:
    """A register column's canonical header with capitals, as people write it: 'lesson id' → 'Lesson ID'."""
    return " ".join(w.upper() if w == "id" else w.capitalize() for w in table[name][0].split())


def _label(key: str) -> str:
    """A key as a Word or Excel label: 'overall rag' → 'Overall RAG'."""
    return (key[0].upper() + key[1:]).replace(" rag", " RAG")


@dataclass(frozen=True)
class Field:
    """A `key: value` line of the details block."""

    key: str
    required: bool
    guidance: str
    example: str


@dataclass(frozen=True)
class Section:
    """A heading and what goes under it: bullet items, or a table with these columns."""

    heading: str
    required: bool
    guidance: str
    examples: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Column:
    """A register column."""

    name: str
    """The field it feeds (ingest.columns)."""
    header: str
    required: bool
    guidance: str
    example: str


@dataclass(frozen=True)
class Template:
    name: str
    """The file stem: closure-report, retrospective, risk-register, lessons-register, status-report."""
    kind: str
    title: str
    purpose: str
    formats: tuple[str, ...]
    fields: tuple[Field, ...] = ()
    sections: tuple[Section, ...] = ()
    columns: tuple[Column, ...] = ()

    def url(self, ext: str) -> str:
        return f"{URL_PREFIX}{self.name}.{ext}"

    @property
    def required(self) -> list[str]:
        """What a document of this kind must have, in words for the Templates page."""
        return ([_label(f.key) for f in self.fields if f.required] + [s.heading for s in self.sections if s.required]
                + [c.header for c in self.columns if c.required])


# --- the definitions -----------------------------------------------------------------------

def _f(name: str, required: bool, guidance: str, example: str, status: bool = False) -> Field:
    return Field(status_key(name) if status else meta_key(name), required, guidance, example)


_PROJECT_FIELDS = (
    _f("name", False, "The project's name as the portfolio knows it.", "Finance ERP replacement"),
    _f("code", True, "The project code, e.g. FIN-ERP-2021: it links every document to the project.", "FIN-ERP-2021"),
)

CLOSURE_REPORT = Template(
    "closure-report", kinds.CLOSURE, "Closure report",
    "Written when a project closes: its outcome, dates and budget feed the delivery metrics, and each bullet of "
    "the lesson sections becomes a lesson.",
    ("md", "docx"),
    fields=_PROJECT_FIELDS + (
        _f("portfolio", False, "The portfolio or programme.", "Finance transformation"),
        _f("project_type", True, "e.g. ERP migration, CRM rollout, cloud migration.", "ERP migration"),
        _f("industry", False, "e.g. retail, banking.", "retail"),
        _f("methodology", False, "waterfall, agile or hybrid.", "waterfall"),
        _f("sponsor", False, "The executive sponsor.", "Dana Whitfield"),
        _f("manager", False, "The project manager.", "Sam Okafor"),
        _f("planned_start", False, "Baseline start, as 2024-01-15.", "2021-01-11"),
        _f("planned_end", False, "Baseline finish, as 2024-12-20.", "2021-12-17"),
        _f("actual_start", False, "Actual start date.", "2021-01-25"),
        _f("actual_end", False, "Actual finish (go-live or closure) date.", "2022-03-04"),
        _f("planned_budget", False, "The approved budget, e.g. £1.2m or 1200000.", "£1,200,000"),
        _f("actual_budget", False, "The final cost.", "£1,450,000"),
        _f("outcome", False, "successful, challenged or failed.", "challenged"),
    ),
    sections=(
        Section("Summary", False, "Two or three sentences: what the project delivered and how it ended. "
                "This section is kept in the document but produces no lessons.",
                ("The new ERP went live ten weeks late and 21% over budget; finance closed its first month on it.",)),
        Section("What went well", False, "One bullet per thing that worked. Start with a short bold title, then say "
                "what happened; add 'Recommendation:' to say what others should repeat.",
                ("**Early finance sign-off.** The finance director signed off the chart of accounts before build "
                 "started, so no rework followed. Recommendation: get the chart of accounts signed before build.",)),
        Section("What went wrong", True, "One bullet per problem. Bold title, what happened, then 'Cause:' and "
                "'Impact:' lines.",
                ("**Data migration started late.** Legacy supplier data was cleansed only in the last month. "
                 "Cause: no data owner was named. Impact: go-live slipped by six weeks.",)),
        Section("Lessons learned", False, "One bullet per lesson for future projects, with 'Recommendation:'.",
                ("**Name data owners at kickoff.** Every master-data object needs an owner from the business. "
                 "Recommendation: name data owners in the project charter.",)),
        Section("Recommendations", False, "Actions for the PMO or the next project of this type.",
                ("Run two full trial migrations before the cutover weekend.",)),
    ),
)

RETROSPECTIVE = Template(
    "retrospective", kinds.RETRO, "Retrospective",
    "A sprint or phase retrospective: each bullet of its three sections becomes a lesson (went well, went "
    "wrong, improvement).",
    ("md", "docx"),
    fields=(
        Field(meta_key("kind"), True, "Leave as 'retrospective'.", "retrospective"),
        _f("code", True, "The project code, e.g. FIN-ERP-2021.", "FIN-ERP-2021"),
        _f("sprint", False, "The sprint or iteration.", "Sprint 14"),
        _f("date", True, "The date of the retrospective, as 2024-05-17.", "2021-06-18"),
        _f("team", False, "The team.", "Finance build squad"),
    ),
    sections=(
        Section("What went well", False, "One bullet per thing to keep doing.",
                ("Daily stand-ups with the finance key users kept questions short.",)),
        Section("What didn't go well", True, "One bullet per problem, with 'Cause:' if it is known.",
                ("Test data was refreshed late, so two days of testing were lost. Cause: no environment owner.",)),
        Section("Actions", False, "One bullet per action for the next sprint, with an owner.",
                ("Name an owner for the test environment refresh before the next sprint.",)),
    ),
)


def _c(table: dict, name: str, required: bool, guidance: str, example: str) -> Column:
    return Column(name, column_header(table, name), required, guidance, example)


RISK_REGISTER = Template(
    "risk-register", kinds.RISKS, "Risk register",
    "The live register of a running project (open risks are matched against past projects for early warnings) "
    "and, once closed, its record of what materialised.",
    ("xlsx", "csv"),
    columns=(
        _c(RISK_COLUMNS, "external_id", True, "A reference unique in the register, e.g. R-01.", "R-01"),
        _c(RISK_COLUMNS, "project", False, "The project code (or give it above the header row).", "FIN-ERP-2021"),
        _c(RISK_COLUMNS, "description", True, "The risk: 'If …, then …'.",
           "If legacy supplier data is not cleansed in time, the cutover slips"),
        _c(RISK_COLUMNS, "cause", False, "What could make it happen.", "No data owner named in the business"),
        _c(RISK_COLUMNS, "effect", False, "What would follow.", "Go-live delayed by a month"),
        _c(RISK_COLUMNS, "category", False, "e.g. data migration, vendor and procurement.", "data migration"),
        _c(RISK_COLUMNS, "probability", True, "1-5, or very low / low / medium / high / very high.", "4"),
        _c(RISK_COLUMNS, "impact", True, "1-5, or very low / low / medium / high / very high.", "4"),
        _c(RISK_COLUMNS, "owner", True, "The person who manages the risk.", "Sam Okafor"),
        _c(RISK_COLUMNS, "response", False, "What is being done about it.",
           "Name data owners; run two trial migrations"),
        _c(RISK_COLUMNS, "status", True, "open, closed, or materialised (it happened).", "open"),
        _c(RISK_COLUMNS, "phase", False, "e.g. planning, execution, deployment.", "execution"),
    ),
)

LESSONS_REGISTER = Template(
    "lessons-register", kinds.LESSONS, "Lessons register",
    "A lessons log kept during the project (PRINCE2 lessons log, PMBOK lessons register): one lesson per row.",
    ("xlsx", "csv"),
    columns=(
        _c(LESSON_COLUMNS, "external_id", False, "A reference unique in the register, e.g. L-01.", "L-01"),
        _c(LESSON_COLUMNS, "project", False, "The project code (or give it above the header row).", "FIN-ERP-2021"),
        _c(LESSON_COLUMNS, "title", True, "One line that says the lesson.", "Name data owners at kickoff"),
        _c(LESSON_COLUMNS, "what_happened", True, "What happened.",
           "Supplier data was cleansed only in the last month before cutover"),
        _c(LESSON_COLUMNS, "cause", False, "Why it happened.", "No data owner was named in the business"),
        _c(LESSON_COLUMNS, "impact", False, "What it led to.", "Go-live slipped by six weeks"),
        _c(LESSON_COLUMNS, "recommendation", True, "What the next project should do.",
           "Name data owners in the project charter"),
        _c(LESSON_COLUMNS, "polarity", False, "went well, went wrong, or improvement.", "went wrong"),
        _c(LESSON_COLUMNS, "category", False, "e.g. data migration, testing.", "data migration"),
        _c(LESSON_COLUMNS, "phase", False, "e.g. planning, execution.", "execution"),
        _c(LESSON_COLUMNS, "date", False, "When it was logged, as 2024-05-17.", "2021-09-30"),
    ),
)

_MILESTONE_COLUMNS = tuple(_COLUMN_WORDS[n][0].capitalize() for n in ("name", "planned", "forecast", "actual"))
_TEXT_HEADER = next(w for w in _COLUMN_WORDS["text"] if w == "description").capitalize()
_ITEM_COLUMNS = (_TEXT_HEADER, *(_COLUMN_WORDS[n][0].capitalize() for n in ("severity", "owner")))

STATUS_REPORT = Template(
    "status-report", kinds.STATUS, "Status report",
    "The weekly or monthly report of a running project: RAG, earned value, milestones, top risks and issues, "
    "and the decisions it needs. It feeds the project's status history and the portfolio.",
    ("md", "docx", "xlsx"),
    fields=(
        _f("name", False, "The project's name.", "Finance ERP replacement"),
        _f("code", True, "The project code.", "FIN-ERP-2021"),
        _f("period", True, "The reporting period, as 2026-03-02 to 2026-03-08.", "2026-03-02 to 2026-03-08",
           status=True),
        _f("overall_rag", True, "Red, Amber or Green.", "Amber", status=True),
        *(_f(f"rag:{d}", False, f"The {d} RAG: Red, Amber or Green.", "Green", status=True)
          for d in ("schedule", "cost", "scope", "quality", "resources", "risks")),
        _f("percent_complete", True, "Work done, as 45%.", "45%", status=True),
        _f("planned_value", False, "Planned value (PV) to date.", "£400,000", status=True),
        _f("earned_value", False, "Earned value (EV) to date.", "£360,000", status=True),
        _f("actual_cost", False, "Actual cost (AC) to date.", "£420,000", status=True),
        _f("budget_at_completion", False, "Budget at completion (BAC).", "£1,200,000", status=True),
        _f("estimate_at_completion", False, "Estimate at completion (EAC).", "£1,350,000", status=True),
        _f("forecast_end", False, "Forecast end date.", "2026-11-27", status=True),
    ),
    sections=(
        Section("Summary", False, "Two or three sentences on progress this period.",
                ("Build is 45% complete; supplier data cleansing is two weeks behind plan.",)),
        Section("Milestones", True, "One row per milestone: planned, forecast and actual dates as 2026-03-16.",
                columns=_MILESTONE_COLUMNS, rows=(("Design sign-off", "2026-03-02", "2026-03-16", ""),)),
        Section("Top risks", False, "The top open risks; Severity is High, Medium or Low.",
                columns=_ITEM_COLUMNS,
                rows=(("Legacy supplier data may not be cleansed in time for cutover", "High", "Sam Okafor"),)),
        Section("Issues", False, "Open issues; Severity is High, Medium or Low.", columns=_ITEM_COLUMNS,
                rows=(("Test environment refresh failed twice", "Medium", "Priya Shah"),)),
        Section("Decisions needed", False, "What the board must decide or help with, and by when.",
                ("Approve two extra data analysts for six weeks.",)),
    ),
)

TEMPLATES: tuple[Template, ...] = (CLOSURE_REPORT, RETROSPECTIVE, RISK_REGISTER, LESSONS_REGISTER, STATUS_REPORT)
BY_NAME = {t.name: t for t in TEMPLATES}
BY_KIND = {t.kind: t for t in TEMPLATES}
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _mark(required: bool) -> str:
    return "required" if required else "optional"


# --- rendering ---------------------------------------------------------------------------------
# `filled` maps a field key, section heading or column name to the content to write instead of
# the placeholder: the round-trip test fills templates this way, so the structure is the template's own.

@dataclass
class Filled:
    fields: dict[str, str] = field(default_factory=dict)
    sections: dict[str, list[str] | list[tuple[str, ...]]] = field(default_factory=dict)
    rows: list[dict[str, str]] = field(default_factory=list)
    """Register rows: column name → value."""


def _placeholder_fields(template: Template) -> dict[str, str]:
    # The kind is not a placeholder: it tells the parser what the document is.
    return {f.key: f.example if f.key == "kind" else f"[{f.example}]" for f in template.fields}


def render(template: Template, ext: str, filled: Filled | None = None) -> bytes:
    """The template in one of its formats; raises KeyError for a format it is not offered in."""
    if ext not in template.formats:
        raise KeyError(ext)
    return {"md": _markdown, "docx": _docx, "xlsx": _xlsx, "csv": _csv}[ext](template, filled)


def _values(template: Template, filled: Filled | None) -> dict[str, str]:
    return {**_placeholder_fields(template), **(filled.fields if filled else {})}


def _section_content(section: Section, filled: Filled | None):
    if filled and section.heading in filled.sections:
        return filled.sections[section.heading]
    if section.columns:
        return [tuple(f"[{c}]" if c else "" for c in row) for row in section.rows]
    return [f"[{e}]" for e in section.examples]


def _markdown(template: Template, filled: Filled | None) -> bytes:
    values = _values(template, filled)
    lines = ["---"]
    if template.kind in (kinds.CLOSURE, kinds.STATUS) and not any(f.key == "kind" for f in template.fields):
        lines.append(f"kind: {template.kind}")
    lines += [f"{f.key}: {_yaml_text(values[f.key])}  # {_mark(f.required)}: {f.guidance}" for f in template.fields]
    lines += ["---", "", f"# {template.title}", "",
              _note(f"Template: {template.title}. {template.purpose} Replace every [bracketed placeholder]; "
                    "headings and the front matter's keys are read by Lessons KB, so keep their wording."), ""]
    for section in template.sections:
        lines += [f"## {section.heading}", "", _note(f"{_mark(section.required).capitalize()}. {section.guidance}"), ""]
        content = _section_content(section, filled)
        if section.columns:
            lines += ["| " + " | ".join(section.columns) + " |", "|" + "---|" * len(section.columns)]
            lines += ["| " + " | ".join(row) + " |" for row in content]
        else:
            lines += [f"- {item}" for item in content]
        lines.append("")
    return "\n".join(lines).encode("utf-8")


def _yaml_text(value: str) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _note(text: str) -> str:
    """Guidance as a Markdown comment: a link reference definition, which no renderer or parser shows
    (HTML comments are shown as text, since HTML in a report is kept as text)."""
    return '[//]: # "' + text.replace('"', "'") + '"'


def _docx(template: Template, filled: Filled | None) -> bytes:
    """Guidance goes in Word comments (the parser reads only the body), so a filled report reads clean."""
    import docx

    values = _values(template, filled)
    document = docx.Document()
    title = document.add_heading(template.title, level=1)
    _comment(document, title, f"{template.purpose} Replace every [bracketed placeholder]; keep the headings and "
                              "the keys of the details table, which Lessons KB reads.")
    rows = ([("kind", template.kind)] if template.kind == kinds.CLOSURE else []) + \
        [(f.key, values[f.key]) for f in template.fields]
    guidance = {f.key: f for f in template.fields}
    table = document.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    for (key, value), row in zip(rows, table.rows):
        row.cells[0].text, row.cells[1].text = _label(key), str(value)
        if key in guidance:
            _comment(document, row.cells[0].paragraphs[0],
                     f"{_mark(guidance[key].required).capitalize()}. {guidance[key].guidance}")
    for section in template.sections:
        heading = document.add_heading(section.heading, level=2)
        _comment(document, heading, f"{_mark(section.required).capitalize()}. {section.guidance}")
        content = _section_content(section, filled)
        if section.columns:
            grid = document.add_table(rows=1 + len(content), cols=len(section.columns))
            grid.style = "Table Grid"
            for cells, row in zip(grid.rows, [section.columns, *content]):
                for cell, text in zip(cells.cells, row):
                    cell.text = text
        else:
            for item in content:
                _bullet(document, item)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _bullet(document, item: str) -> None:
    """A list item; a '**Bold lead.**' becomes a bold run, as people write it in Word."""
    paragraph = document.add_paragraph(style="List Bullet")
    lead, _, rest = item[2:].partition("**") if item.startswith("**") else ("", "", item)
    if lead:
        paragraph.add_run(lead).bold = True
        rest = " " + rest.lstrip()
    paragraph.add_run(rest)


def _comment(document, paragraph, text: str) -> None:
    document.add_comment(paragraph.runs, text=text, author="PMO", initials="PMO")


def _register_rows(template: Template, filled: Filled | None) -> list[list[str]]:
    if filled is not None:
        return [[row.get(c.name, "") for c in template.columns] for row in filled.rows]
    return [[f"[{c.example}]" for c in template.columns]]


def _csv(template: Template, filled: Filled | None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.header for c in template.columns])
    writer.writerows(_register_rows(template, filled))
    return out.getvalue().encode("utf-8-sig")


def _xlsx(template: Template, filled: Filled | None) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    if template.columns:
        _register_sheet(book.active, template, filled)
    else:
        _status_sheets(book, template, filled)
    _guidance_sheet(book.create_sheet("Guidance"), template)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _register_sheet(sheet, template: Template, filled: Filled | None) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    sheet.title = template.title
    sheet.append([template.title])
    sheet.append(["Project code: " + (filled.fields.get("code", "") if filled else "[FIN-ERP-2021]")])
    sheet.append([c.header for c in template.columns])
    for cell, column in zip(sheet[3], template.columns):
        cell.font = Font(bold=column.required)
        cell.comment = Comment(f"{_mark(column.required).capitalize()}. {column.guidance}", "PMO")
    for row in _register_rows(template, filled):
        sheet.append(row)


def _status_sheets(book, template: Template, filled: Filled | None) -> None:
    values = _values(template, filled)
    details = book.active
    details.title = "Status"
    details.append(["Field", "Value", "Required", "Guidance"])
    for f in template.fields:
        details.append([_label(f.key), values[f.key], _mark(f.required), f.guidance])
    for section in template.sections:
        content = _section_content(section, filled)
        if section.heading == "Summary":  # one text: a row of the Status sheet, not a sheet of its own
            details.append([_FIELDS["summary"][0].capitalize(), " ".join(content), _mark(section.required),
                            section.guidance])
            continue
        sheet = book.create_sheet(section.heading)
        sheet.append(list(section.columns) if section.columns else [_TEXT_HEADER])
        for row in content:
            sheet.append(list(row) if section.columns else [row])


def _guidance_sheet(sheet, template: Template) -> None:
    sheet.append([f"{template.title}: {template.purpose}"])
    sheet.append(["What", "Required", "Guidance"])
    for f in template.fields:
        sheet.append([_label(f.key), _mark(f.required), f.guidance])
    for s in template.sections:
        sheet.append([s.heading, _mark(s.required), s.guidance])
    for c in template.columns:
        sheet.append([c.header, _mark(c.required), c.guidance])
