"""Risk registers and lessons registers: from rows of cells to a ParsedDocument.

Shared by the CSV, XLSX and JSONL parsers: finding the header row, mapping
PMBOK / PRINCE2 / LLIS column names, deciding which kind of register it is,
and turning each row into a risk or a lesson cited as 'row N'.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from kb.drafts import ParsedDocument
from kb.errors import InvalidRegister
from kb.models import DocumentCreate, LessonCreate, ProjectCreate, RiskCreate
from ingest import kinds, llis, scales
from ingest.anchors import row_anchor
from ingest.context import ParseContext
from ingest.tagging import polarity_from_label, polarity_from_words, tag
from ingest.values import (
    clean_text, code_from_name, first_sentence, is_blank, looks_like_code, normalise_key, parse_date,
    parse_yes_no, shorten, slash_order,
)

HEADER_SCAN_ROWS = 15
"""How many rows from the top may hold title rows before the header row."""

RISK_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("id", "risk id", "ref", "risk ref", "reference", "risk no", "risk number", "#", "no",
                    "risk identifier", "risk #"),
    "title": ("title", "risk title", "short name", "name", "risk name"),
    "description": ("description", "risk", "risk statement", "risk description", "event", "risk event", "details"),
    "cause": ("cause", "causes", "trigger", "triggers", "source", "risk cause", "risk trigger", "cause/trigger"),
    "effect": ("effect", "effects", "consequence", "consequences", "impact description", "risk effect"),
    "category": ("category", "risk category", "type", "risk type"),
    "probability": ("probability", "likelihood", "p", "prob", "probability rating", "likelihood rating"),
    "impact": ("impact", "severity", "i", "consequence rating", "impact rating", "impact score"),
    "score": ("score", "risk score", "rating", "p x i", "pxi", "exposure", "risk rating", "risk exposure",
              "priority score", "risk level"),
    "owner": ("owner", "risk owner", "action owner"),
    "response": ("response strategy", "risk response category", "response", "risk response", "mitigation",
                 "actions", "treatment", "countermeasures", "mitigation actions", "response actions",
                 "mitigation plan", "planned response", "action", "mitigation strategy"),
    "status": ("status", "risk status", "state"),
    "phase": ("phase", "stage", "project phase"),
    "materialised": ("materialised", "materialized", "occurred", "became issue", "became an issue", "realised",
                     "realized", "issue raised"),
    "project": ("project code", "project id", "project", "project/program", "programme", "program"),
}
LESSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("lesson id", "id", "ref", "reference", "lesson ref", "lesson no", "lesson number", "#", "no"),
    "title": ("title", "subject", "lesson", "summary", "lesson title", "headline", "name"),
    "what_happened": ("description", "what happened", "situation", "description of the situation", "abstract",
                      "event", "driving event", "details", "observation", "issue"),
    "cause": ("cause", "causes", "causes/trigger", "cause/trigger", "root cause", "root causes", "trigger"),
    "impact": ("impact", "effect", "effects", "consequence", "consequences", "impact description"),
    "lesson_text": ("lesson learned", "lessons learned", "lesson learnt", "lessons learnt", "learning",
                    "key learning", "lesson text"),
    "recommendation": ("recommendation", "recommendations", "proposed action", "proposed actions", "action",
                       "actions", "recommended action", "recommended actions", "next time"),
    "category": ("category", "topics", "topic", "lesson type", "area", "knowledge area", "theme", "tags"),
    "polarity": ("polarity", "type", "went well", "good practice", "positive/negative", "lesson polarity",
                 "positive or negative"),
    "phase": ("phase", "program/project phase", "stage", "project phase"),
    "project": ("project code", "project id", "project", "project/program", "programme", "program"),
    "date": ("date", "date logged", "date lesson occurred", "publish date", "date raised", "date identified",
             "logged on", "lesson date"),
    "organization": ("organization", "organisation", "centre", "center", "department", "business unit"),
}
_TABLES = {kinds.RISKS: RISK_COLUMNS, kinds.LESSONS: LESSON_COLUMNS}
_RISK_MARKS = {"probability", "score", "owner", "response", "status", "materialised"}
_LESSON_MARKS = {"lesson_text", "recommendation", "polarity", "what_happened"}
_MULTI_VALUE = ("topics", "topic", "tags")
_CODE_HEADERS = ("project code", "project id")


@dataclass
class Register:
    """The rows a register parser read, before they mean anything."""

    name: str
    media_type: str
    headers: list[str]
    records: list[tuple[int, dict[str, object]]]
    """(row number as the user sees it, header → value) for every non-empty row under the header."""
    preamble: list[list[object]] = field(default_factory=list)
    """Rows above the header row (titles, 'Project code: X')."""
    row_label: str = "row"
    """How citations name a row: 'row 12' (spreadsheets) or 'line 12' (JSONL)."""
    warnings: list[str] = field(default_factory=list)


# --- the header row ------------------------------------------------------------

def column_field(header: object, table: dict[str, tuple[str, ...]]) -> tuple[str, int] | None:
    """(field, priority) a header maps to in a column table; lower priority wins among several columns."""
    key = normalise_key(header)
    for name, aliases in table.items():
        if key in aliases:
            return name, aliases.index(key)
    if table is LESSON_COLUMNS:
        return _fuzzy_lesson_column(key)
    return None


def _fuzzy_lesson_column(key: str) -> tuple[str, int] | None:
    # LLIS headers are whole questions ('From what phase of the program or project was this lesson learned captured?').
    if re.search(r"\bphase\b", key):
        return "phase", 50
    if re.search(r"\blessons? learn", key):
        return "lesson_text", 50
    if key.startswith("recommend"):
        return "recommendation", 50
    return None


def header_score(cells: list[object]) -> int:
    """How many cells name a known column of either register kind."""
    best = 0
    for table in _TABLES.values():
        fields = {found[0] for cell in cells if not is_blank(cell) and (found := column_field(cell, table))}
        best = max(best, len(fields))
    return best


def find_header(rows: list[tuple[int, list[object]]]) -> int:
    """Index in `rows` of the header row: the best-scoring of the first rows, at least two known columns."""
    candidates = [(header_score(cells), -i) for i, (_, cells) in enumerate(rows[:HEADER_SCAN_ROWS])]
    if not candidates or max(candidates)[0] < 2:
        seen = ", ".join(str(c) for c in (rows[0][1] if rows else []) if not is_blank(c))[:200]
        raise InvalidRegister(
            f"No header row found in the first {HEADER_SCAN_ROWS} rows (first row: {seen or 'empty'}). "
            "A risk register needs columns such as Risk, Probability, Impact, Owner; a lessons register "
            "columns such as Title, Lesson learned, Recommendation. See docs/FORMATS.md.")
    return -max(candidates)[1]


def register_from_rows(name: str, media_type: str, rows: list[tuple[int, list[object]]],
                       warnings: list[str] | None = None) -> Register:
    """Split spreadsheet rows into preamble, header and records (blank rows dropped)."""
    rows = [(n, cells) for n, cells in rows if any(not _empty(c) for c in cells)]
    at = find_header(rows)
    headers = _unique_headers(rows[at][1])
    records = []
    for number, cells in rows[at + 1:]:
        record = {h: cell_value(cells[i]) if i < len(cells) else None for i, h in enumerate(headers) if h}
        if any(not _empty(v) for v in record.values()):
            records.append((number, record))
    preamble = [cells for _, cells in rows[:at]]
    return Register(name, media_type, headers, records, preamble, warnings=list(warnings or []))


def _empty(value: object) -> bool:
    return value is None or str(value).strip() == ""


def _unique_headers(cells: list[object]) -> list[str]:
    out: list[str] = []
    for i, cell in enumerate(cells):
        text = " ".join(str(cell).split()) if not _empty(cell) else ""
        if not text:
            out.append("")
            continue
        base, n = text, 1
        while text in out:
            n += 1
            text = f"{base} ({n})"
        out.append(text)
    return out


def cell_value(value: object) -> object:
    """A cell as JSON can hold it: dates as ISO text, whole floats as ints, lists joined with '; '."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return value.strip()
    return value


# --- which kind -------------------------------------------------------------------

def register_kind(register: Register, context: ParseContext) -> str:
    """risk register or lessons register: the caller's hint, then the file name, then the columns."""
    hint = context.kind_hint or kinds.kind_from_name(register.name)
    if hint in _TABLES and _has_text_column(register.headers, hint):
        return hint
    marks = {kind: _marks(register.headers, kind) for kind in _TABLES}
    if marks[kinds.RISKS] != marks[kinds.LESSONS]:
        return max(marks, key=marks.get)
    raise InvalidRegister(
        f"Cannot tell whether this is a risk register or a lessons register from its columns "
        f"({', '.join(h for h in register.headers if h)[:200]}). Put 'risk' or 'lessons' in the file name, "
        "e.g. PROJ-1_risk_register.csv.")


def _marks(headers: list[str], kind: str) -> int:
    table, distinctive = _TABLES[kind], (_RISK_MARKS if kind == kinds.RISKS else _LESSON_MARKS)
    word = "risk" if kind == kinds.RISKS else "lesson"
    return sum(1 for h in headers if h and (((f := column_field(h, table)) and f[0] in distinctive)
                                            or word in h.lower()))


def _has_text_column(headers: list[str], kind: str) -> bool:
    wanted = {"description", "title"} if kind == kinds.RISKS else {"title", "what_happened", "lesson_text"}
    return any((f := column_field(h, _TABLES[kind])) and f[0] in wanted for h in headers if h)


# --- reading rows ------------------------------------------------------------------

class Row:
    """One record seen through the column mapping of its register."""

    def __init__(self, record: dict[str, object], columns: dict[str, list[str]]) -> None:
        self.record = record
        self.columns = columns

    def first(self, name: str) -> object:
        """The value of the best column for `name` that is filled in this row."""
        for header in self.columns.get(name, ()):
            value = self.record.get(header)
            if not is_blank(value):
                return value
        return None

    def text(self, name: str) -> str:
        return clean_text(self.first(name))

    def joined(self, name: str) -> str:
        """All filled columns for `name`, one per line (e.g. Response strategy and Actions)."""
        values = [clean_text(self.record.get(h)) for h in self.columns.get(name, ())]
        return "\n".join(unique_texts(v for v in values if v and not is_blank(v)))

    def headers(self, name: str) -> list[str]:
        return self.columns.get(name, [])


def unique_texts(values) -> list[str]:
    out: list[str] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


def map_columns(headers: list[str], kind: str) -> tuple[dict[str, list[str]], list[str]]:
    """(field → headers best first, headers not used)."""
    found: dict[str, list[tuple[int, int, str]]] = {}
    unused = []
    for position, header in enumerate(headers):
        match = column_field(header, _TABLES[kind]) if header else None
        if match is None:
            if header:
                unused.append(header)
            continue
        found.setdefault(match[0], []).append((match[1], position, header))
    return {name: [h for _, _, h in sorted(items)] for name, items in found.items()}, unused


@dataclass
class Collector:
    """Facts gathered over the rows: projects named in the register and problems worth a warning."""

    context: ParseContext
    row_label: str
    projects: dict[str, ProjectCreate] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)

    def problem(self, what: str, where: int, value: object) -> None:
        self.problems.setdefault(what, []).append(f"{self.row_label} {where}: '{shorten(str(value), 40)}'")

    def project_code(self, row: Row) -> str | None:
        """The project a row names: a code as written, or a code made from a project name."""
        for header in row.headers("project"):
            value = row.record.get(header)
            if is_blank(value):
                continue
            text = clean_text(value)
            known = self.context.known_code(text)
            if known or normalise_key(header) in _CODE_HEADERS or looks_like_code(text):
                return known or text
            code = code_from_name(text)
            self.projects.setdefault(code, ProjectCreate(code=code, name=text))
            return code
        return None

    def warnings(self) -> list[str]:
        out = []
        if self.skipped:
            shown = ", ".join(map(str, self.skipped[:10])) + (" …" if len(self.skipped) > 10 else "")
            out.append(f"{len(self.skipped)} {self.row_label}s without a title or description were skipped "
                       f"({self.row_label} {shown}).")
        for what, examples in self.problems.items():
            out.append(f"{len(examples)} {what} could not be read and were left empty "
                       f"(e.g. {'; '.join(examples[:3])}).")
        return out


def risk_from(row: Row, number: int, found: Collector, doc_code: str | None) -> RiskCreate | None:
    description = row.text("description") or row.text("title")
    if not description:
        found.skipped.append(number)
        return None
    title = row.text("title") or _title_from(description)
    probability, impact = _rating(row, "probability", number, found), _rating(row, "impact", number, found)
    status = scales.risk_status(row.first("status"))
    materialised = scales.materialised(status, row.first("materialised"))
    code = found.project_code(row)
    cause, effect, response = row.joined("cause"), row.joined("effect"), row.joined("response")
    tagged = tag(title, cause=cause, body=" ".join([description, effect, response]),
                 category_label=row.text("category"), phase_label=row.text("phase"),
                 project_type=found.context.project_types.get(code or doc_code or ""))
    return RiskCreate(
        external_id=_identifier(row.first("external_id")), title=title, description=description,
        cause=cause or None, effect=effect or None, category=tagged.category, phase=tagged.phase,
        probability=probability, impact=impact, score=scales.score(row.first("score"), probability, impact),
        owner=row.text("owner") or None, response=response or None,
        status=status or ("materialised" if materialised else None), materialised=materialised,
        tags=tagged.tags, source_location=f"{found.row_label} {number}", source_anchor=row_anchor(number),
        project_code=code,
    )


def _rating(row: Row, name: str, number: int, found: Collector) -> float | None:
    raw = row.first(name)
    value = scales.rating(raw)
    if raw is not None and value is None:
        found.problem(f"{name} values", number, raw)
    return value


def _title_from(text: str) -> str:
    return shorten(first_sentence(text)[0].rstrip("."), 140)


def _identifier(value: object) -> str | None:
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass
class LessonRules:
    """How this register's columns are read, decided once for all rows."""

    day_first: bool = True
    llis: bool = False


def lesson_from(row: Row, number: int, found: Collector, rules: LessonRules, doc_code: str | None
                ) -> LessonCreate | None:
    what, learned = row.text("what_happened"), row.joined("lesson_text")
    recommendation = row.joined("recommendation")
    title = row.text("title") or _title_from(what or learned or recommendation)
    if not title:
        found.skipped.append(number)
        return None
    cause, impact = row.joined("cause"), row.joined("impact")
    what_happened = "\n\n".join(filter(None, [what, f"Lesson learned: {learned}" if learned else ""])) or None
    labels = _category_labels(row)
    code = found.project_code(row)
    tagged = tag(title, cause=cause, body=" ".join(filter(None, [what, learned, impact, recommendation])),
                 category_label=next((l for l in labels if l), None), phase_label=_phase_label(row, rules),
                 project_type=found.context.project_types.get(code or doc_code or ""), extra=labels)
    return LessonCreate(
        external_id=_identifier(row.first("external_id")), title=title, what_happened=what_happened,
        cause=cause or None, impact=impact or None, recommendation=recommendation or None,
        polarity=_polarity(row) or polarity_from_words(" ".join([title, what, learned, impact])),
        category=tagged.category, phase=tagged.phase, tags=tagged.tags,
        source_location=f"{found.row_label} {number}", source_anchor=row_anchor(number),
        lesson_date=_date(row, number, found, rules), organization=row.text("organization") or None,
        project_code=code,
    )


def _category_labels(row: Row) -> list[str]:
    labels: list[str] = []
    for header in row.headers("category"):
        value = clean_text(row.record.get(header))
        if is_blank(value):
            continue
        multi = normalise_key(header) in _MULTI_VALUE
        labels.extend(llis.split_topics(value) if multi else [v.strip() for v in re.split(r"[;\n]", value)])
    return unique_texts(l for l in labels if l)


def _phase_label(row: Row, rules: LessonRules) -> str | None:
    label = row.text("phase")
    if not label:
        return None
    return (llis.nasa_phase(label) if rules.llis else None) or label


def _polarity(row: Row) -> str | None:
    for header in row.headers("polarity"):
        value = row.record.get(header)
        if is_blank(value):
            continue
        if normalise_key(header) in ("went well", "good practice"):
            yes = parse_yes_no(value)
            if yes is not None:
                return "went well" if yes else "went wrong"
        found = polarity_from_label(value)
        if found:
            return found
    return None


def _date(row: Row, number: int, found: Collector, rules: LessonRules):
    raw = row.first("date")
    if raw is None:
        return None
    value = parse_date(raw, day_first=rules.day_first)
    if value is None:
        found.problem("dates", number, raw)
    return value


# --- the document -----------------------------------------------------------------

def build_register(register: Register, context: ParseContext) -> ParsedDocument:
    """A risk register or lessons register with one risk or lesson per usable row."""
    if not register.records:
        raise InvalidRegister("The header row was found but there are no rows under it.")
    kind = register_kind(register, context)
    columns, unused = map_columns(register.headers, kind)
    doc_code = _document_code(register, context)
    found = Collector(context, register.row_label)
    items = _items(register, kind, columns, found, doc_code)
    if not items:
        raise InvalidRegister(f"None of the {len(register.records)} rows has a title or description "
                              f"({_text_columns_hint(kind)}).")
    warnings = register.warnings + found.warnings() + _unused_warning(unused)
    document = DocumentCreate(kind=kind, source_name=register.name, title=_title(register), sha256="",
                              media_type=register.media_type, content=f"# {_title(register)}\n",
                              rows=[{"_row": n, **record} for n, record in register.records])
    lessons = items if kind == kinds.LESSONS else []
    risks = items if kind == kinds.RISKS else []
    return ParsedDocument(document=document, project_code=doc_code, projects=list(found.projects.values()),
                          lessons=lessons, risks=risks, warnings=warnings)


def _items(register: Register, kind: str, columns, found: Collector, doc_code: str | None) -> list:
    if kind == kinds.RISKS:
        rows = (risk_from(Row(rec, columns), n, found, doc_code) for n, rec in register.records)
    else:
        rules = _lesson_rules(register, columns)
        rows = (lesson_from(Row(rec, columns), n, found, rules, doc_code) for n, rec in register.records)
    return [item for item in rows if item is not None]


def _lesson_rules(register: Register, columns) -> LessonRules:
    is_llis = llis.is_llis(register.headers)
    values = [rec.get(h) for h in columns.get("date", []) for _, rec in register.records]
    order = slash_order(values)
    return LessonRules(day_first=(not is_llis) if order is None else order, llis=is_llis)


def _document_code(register: Register, context: ParseContext) -> str | None:
    """'Project code: X' above the header row, else a known code prefixing the file name."""
    for cells in register.preamble:
        texts = [clean_text(c) for c in cells if not _empty(c)]
        for i, text in enumerate(texts):
            match = re.match(r"^project(?: code| id)?\s*:\s*(.*)$", text, re.IGNORECASE)
            if not match:
                continue
            value = match[1].strip() or (texts[i + 1] if i + 1 < len(texts) else "")
            if value:
                return context.known_code(value) or value
    return kinds.code_from_file_name(register.name, context.known_project_codes)


def _title(register: Register) -> str:
    if llis.is_llis(register.headers):
        return "NASA LLIS lessons"
    for cells in register.preamble:
        for cell in cells:
            text = clean_text(cell)
            if text and ":" not in text:
                return shorten(text, 120)
    return register.name.rsplit(".", 1)[0].replace("_", " ")


def _text_columns_hint(kind: str) -> str:
    return ("columns such as Description, Risk or Title" if kind == kinds.RISKS
            else "columns such as Title, Description or Lesson learned")


# Standard columns of PRINCE2 and PMBOK templates that we keep with the rows but do not
# map to a field; they are expected, so they are not worth a warning.
KNOWN_UNMAPPED = {"date raised", "proximity", "logged by", "raised by", "priority", "early-warning indicators",
                  "early warning indicators", "previously identified as a risk", "date closed", "last updated",
                  "author", "comments", "notes", "wbs", "wbs reference", "timing", "url", "trigger date"}


def _unused_warning(unused: list[str]) -> list[str]:
    unused = [u for u in unused if normalise_key(u) not in KNOWN_UNMAPPED]
    if not unused:
        return []
    shown = ", ".join(shorten(u, 40) for u in unused[:6]) + (" …" if len(unused) > 6 else "")
    return [f"Columns not read: {shown} (kept with the document rows)."]
