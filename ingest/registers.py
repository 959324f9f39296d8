"""Risk registers and lessons registers: from the records under the header row to a ParsedDocument.

Shared by the CSV, XLSX and JSONL parsers: deciding which kind of register it is and
turning each row into a risk or a lesson cited as 'row N'. The column names live in
ingest/columns.py, finding the header row in ingest/headers.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.drafts import ParsedDocument
from kb.errors import InvalidRegister
from kb.i18n import N_, _, ngettext
from kb.models import PROJECT_CODE, DocumentCreate, LessonCreate, ProjectCreate, RiskCreate
from kb.texts import row_location, row_name
from ingest import kinds, llis, scales
from ingest.anchors import row_anchor
from ingest.columns import (
    CODE_HEADERS, COLUMN_TABLES, LESSON_MARKS, MULTI_VALUE_HEADERS, RISK_MARKS, column_field, map_columns,
    unused_columns_warning,
)
from ingest.context import ParseContext
from ingest.headers import Register, is_empty_cell
from ingest.tagging import polarity_from_label, polarity_from_words, tag
from ingest.values import (
    clean_text, code_from_name, first_sentence, is_blank, looks_like_code, normalise_key, parse_date,
    parse_yes_no, shorten, slash_order,
)

# Names this module held before the columns and the header row got modules of their own;
# the parsers import them from here.
from ingest.columns import KNOWN_UNMAPPED, LESSON_COLUMNS, RISK_COLUMNS  # noqa: F401
from ingest.headers import HEADER_SCAN_ROWS, cell_value, find_header, header_score, register_from_rows  # noqa: F401


# --- which kind -------------------------------------------------------------------

def register_kind(register: Register, context: ParseContext) -> str:
    """risk register or lessons register: the caller's hint, then columns that clearly say which, then the file
    name, then the columns."""
    hint = context.kind_hint or columns_kind(register.headers) or kinds.kind_from_name(register.name)
    if hint in COLUMN_TABLES and _has_text_column(register.headers, hint):
        return hint
    marks = {kind: _marks(register.headers, kind) for kind in COLUMN_TABLES}
    if marks[kinds.RISKS] != marks[kinds.LESSONS]:
        return max(marks, key=marks.get)
    raise InvalidRegister(
        _("Cannot tell whether this is a risk register or a lessons register from its columns (%(columns)s). Put "
          "'risk' or 'lessons' in the file name, e.g. PROJ-1_risk_register.csv.")
        % {"columns": ", ".join(h for h in register.headers if h)[:200]})


def columns_kind(headers: list[str]) -> str | None:
    """The kind of register the columns clearly name, which outweighs a word in the file name: 'Credit Risk
    Engine - Lessons Log.csv' with Lesson learned and Recommendation columns was stored as a risk register.
    Clearly: a text column of that kind, two columns only that kind has, and none only the other has."""
    marks = {kind: _marks(headers, kind) for kind in COLUMN_TABLES}
    for kind, other in ((kinds.RISKS, kinds.LESSONS), (kinds.LESSONS, kinds.RISKS)):
        if marks[kind] >= 2 and marks[other] == 0 and _has_text_column(headers, kind):
            return kind
    return None


def _marks(headers: list[str], kind: str) -> int:
    table, distinctive = COLUMN_TABLES[kind], (RISK_MARKS if kind == kinds.RISKS else LESSON_MARKS)
    word = "risk" if kind == kinds.RISKS else "lesson"
    return sum(1 for h in headers if h and (((f := column_field(h, table)) and f[0] in distinctive)
                                            or word in h.lower()))


def _has_text_column(headers: list[str], kind: str) -> bool:
    wanted = {"description", "title"} if kind == kinds.RISKS else {"title", "what_happened", "lesson_text"}
    return any((f := column_field(h, COLUMN_TABLES[kind])) and f[0] in wanted for h in headers if h)


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


@dataclass
class Collector:
    """Facts gathered over the rows: projects named in the register and problems worth a warning."""

    context: ParseContext
    row_label: str
    projects: dict[str, ProjectCreate] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)
    amount_columns: list[str] = field(default_factory=list)
    """Rating columns found holding money ('Impact (£)': '£80k'), named in one warning."""

    def problem(self, what: str, where: int, value: object) -> None:
        """`what` is one of PROBLEMS: the values of a column that could not be read."""
        self.problems.setdefault(what, []).append((where, shorten(str(value), 40)))

    def project_code(self, row: Row) -> str | None:
        """The project a row names: a code as written, or a code made from a project name."""
        for header in row.headers("project"):
            value = row.record.get(header)
            if is_blank(value):
                continue
            text = clean_text(value)
            known = self.context.known_code(text) or self.context.code_named(text)
            if known or looks_like_code(text):
                return known or text
            if normalise_key(header) in CODE_HEADERS and PROJECT_CODE.fullmatch(text):
                return text
            code = code_from_name(text)
            self.projects.setdefault(code, ProjectCreate(code=code, name=text))
            return code
        return None

    def warnings(self) -> list[str]:
        out = []
        if self.skipped:
            n = len(self.skipped)
            shown = ", ".join(map(str, self.skipped[:10])) + (" …" if n > 10 else "")
            if self.row_label == "line":
                out.append(ngettext("%(num)s line without a title or description was skipped (line %(which)s).",
                                    "%(num)s lines without a title or description were skipped (line %(which)s).",
                                    n) % {"num": n, "which": shown})
            else:
                out.append(ngettext("%(num)s row without a title or description was skipped (row %(which)s).",
                                    "%(num)s rows without a title or description were skipped (row %(which)s).",
                                    n) % {"num": n, "which": shown})
        for what, examples in self.problems.items():
            shown = _("; ").join(_("%(row)s: '%(value)s'") % {"row": row_name(self.row_label, where), "value": value}
                                 for where, value in examples[:3])
            out.append(_(what) % {"num": len(examples), "examples": shown})
        for header in self.amount_columns:
            out.append(_("The '%(column)s' column holds amounts, not 1-5 ratings, so the impact was left empty and the "
                         "amount kept as the effect. Add an impact column rated 1-5 (or very low to very high) to "
                         "rate it.") % {"column": shorten(header, 40)})
        return out


PROBLEMS = {"probability": N_("%(num)s probability values could not be read and were left empty (e.g. %(examples)s)."),
            "impact": N_("%(num)s impact values could not be read and were left empty (e.g. %(examples)s)."),
            "dates": N_("%(num)s dates could not be read and were left empty (e.g. %(examples)s)."),
            "status": N_("%(num)s risk statuses are not open, closed or materialised in any spelling we know, and were "
                         "left empty (e.g. %(examples)s).")}
"""The warning for each column whose unreadable values are left empty."""


@dataclass
class RiskRules:
    """How this register's columns are read, decided once for all rows."""

    scales: dict[str, int | None] = field(default_factory=dict)
    """Rating column → the top of its scale (scales.column_scale)."""


def risk_from(row: Row, number: int, found: Collector, rules: RiskRules, doc_code: str | None) -> RiskCreate | None:
    description = row.text("description") or row.text("title")
    if not description:
        found.skipped.append(number)
        return None
    title = row.text("title") or _title_from(description)
    probability = _rating(row, "probability", number, found, rules)[0]
    impact, said = _rating(row, "impact", number, found, rules)
    status = scales.risk_status(row.first("status"))
    if status is None and not is_blank(row.first("status")):
        found.problem(PROBLEMS["status"], number, row.first("status"))
    materialised = scales.materialised(status, row.first("materialised"))
    code = found.project_code(row)
    cause, response = row.joined("cause"), row.joined("response")
    effect = "\n".join(unique_texts(t for t in (row.joined("effect"), *said) if t))
    tagged = tag(title, cause=cause, body=" ".join([description, effect, response]),
                 category_label=row.text("category"), phase_label=row.text("phase"),
                 project_type=found.context.project_types.get(code or doc_code or ""))
    return RiskCreate(
        external_id=_identifier(row.first("external_id")), title=title, description=description,
        cause=cause or None, effect=effect or None, category=tagged.category, phase=tagged.phase,
        probability=probability, impact=impact, score=scales.score(row.first("score"), probability, impact),
        owner=row.text("owner") or None, response=response or None,
        status=status or ("materialised" if materialised else None), materialised=materialised,
        tags=tagged.tags, source_location=row_location(found.row_label, number), source_anchor=row_anchor(number),
        project_code=code,
    )


def _rating(row: Row, name: str, number: int, found: Collector, rules: RiskRules) -> tuple[float | None, list[str]]:
    """(rating, what the cells say instead of a rating). An impact cell may describe the effect ('Go-live slips
    by 6 weeks', once read as 3 from '6 weeks') or give its cost ('£80k', once read as 5): that is kept as
    text, and the next impact column (say 'Impact rating') is read for the rating."""
    texts = []
    for header in (h for h in row.headers(name) if not is_blank(row.record.get(h))):
        raw = row.record.get(header)
        said = _said_instead(raw, header, found) if name == "impact" else None
        if said is None:
            value = scales.rating(raw, rules.scales.get(header))
            if value is None:
                found.problem(PROBLEMS[name], number, raw)
            return value, texts
        texts.append(said)
        if (lead := scales.leading_rating(raw)) is not None:  # 'High - go-live slips by 6 weeks'
            return lead, texts
    return None, texts


def _said_instead(raw: object, header: str, found: Collector) -> str | None:
    """The text an impact cell holds in place of a rating: a description, or an amount with its column's name."""
    if scales.is_description(raw):
        return clean_text(raw)
    if scales.is_amount(raw, header):
        if header not in found.amount_columns:
            found.amount_columns.append(header)
        return f"{header}: {clean_text(raw)}"
    return None


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
    signs: bool = False
    """Whether the polarity column marks lessons '+' and '-': only then is '-' a negative and not a blank."""


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
        polarity=_polarity(row, rules) or polarity_from_words(" ".join([title, what, learned, impact])),
        category=tagged.category, phase=tagged.phase, tags=tagged.tags,
        source_location=row_location(found.row_label, number), source_anchor=row_anchor(number),
        lesson_date=_date(row, number, found, rules), organization=row.text("organization") or None,
        project_code=code,
    )


def _category_labels(row: Row) -> list[str]:
    labels: list[str] = []
    for header in row.headers("category"):
        value = clean_text(row.record.get(header))
        if is_blank(value):
            continue
        multi = normalise_key(header) in MULTI_VALUE_HEADERS
        labels.extend(llis.split_topics(value) if multi else [v.strip() for v in re.split(r"[;\n]", value)])
    return unique_texts(l for l in labels if l)


def _phase_label(row: Row, rules: LessonRules) -> str | None:
    label = row.text("phase")
    if not label:
        return None
    return (llis.nasa_phase(label) if rules.llis else None) or label


def _polarity(row: Row, rules: LessonRules) -> str | None:
    for header in row.headers("polarity"):
        value = row.record.get(header)
        if is_blank(value) and not (rules.signs and polarity_from_label(value)):
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
        found.problem(PROBLEMS["dates"], number, raw)
    return value


# --- the document -----------------------------------------------------------------

def build_register(register: Register, context: ParseContext) -> ParsedDocument:
    """A risk register or lessons register with one risk or lesson per usable row."""
    if not register.records:
        raise InvalidRegister(_("The header row was found but there are no rows under it."))
    kind = register_kind(register, context)
    columns, unused = map_columns(register.headers, kind)
    doc_code = _document_code(register, context)
    found = Collector(context, register.row_label)
    items = _items(register, kind, columns, found, doc_code)
    if not items:
        raise InvalidRegister(_("None of the %(num)s rows has a title or description (%(hint)s).")
                              % {"num": len(register.records), "hint": _text_columns_hint(kind)})
    if doc_code is None:  # a project its own rows name, not yet stored, prefixing the file name
        doc_code = kinds.code_from_file_name(register.name, {i.project_code for i in items if i.project_code})
    warnings = register.warnings + found.warnings() + unused_columns_warning(unused) + _gaps(register, kind, columns) \
        + _repeated_rows(register)
    document = DocumentCreate(kind=kind, source_name=register.name, title=_title(register), sha256="",
                              media_type=register.media_type, content=f"# {_title(register)}\n",
                              rows=[{"_row": n, **record} for n, record in register.records])
    lessons = items if kind == kinds.LESSONS else []
    risks = items if kind == kinds.RISKS else []
    return ParsedDocument(document=document, project_code=doc_code, projects=list(found.projects.values()),
                          lessons=lessons, risks=risks, warnings=warnings)


def _repeated_rows(register: Register) -> list[str]:
    """A row that repeats an earlier one word for word (a copy and paste) is stored twice: say so."""
    seen: set[tuple] = set()
    repeats = []
    for number, record in register.records:
        key = tuple(sorted((k, str(v).strip()) for k, v in record.items() if not is_blank(v)))
        if key in seen:
            repeats.append(number)
        seen.add(key)
    if not repeats:
        return []
    shown = ", ".join(str(n) for n in repeats[:10]) + ("…" if len(repeats) > 10 else "")
    return [ngettext("Row %(rows)s repeats an earlier row word for word, so that lesson or risk is there twice: "
                     "delete the copy if it is one.",
                     "Rows %(rows)s repeat earlier rows word for word, so those lessons or risks are there twice: "
                     "delete the copies if they are.", len(repeats)) % {"rows": shown}]


def _gaps(register: Register, kind: str, columns) -> list[str]:
    """What the register leaves out of the PMO's template; exports of other systems (LLIS, JSONL) have their own."""
    from ingest.compliance import register_gaps  # ingest.templates reads this module's column tables

    if llis.is_llis(register.headers) or register.name.lower().endswith(".jsonl"):
        return []
    return register_gaps(kind, columns, register.records, register.row_label, is_blank)


def _items(register: Register, kind: str, columns, found: Collector, doc_code: str | None) -> list:
    if kind == kinds.RISKS:
        rules = _risk_rules(register, columns)
        rows = (risk_from(Row(rec, columns), n, found, rules, doc_code) for n, rec in register.records)
    else:
        rules = _lesson_rules(register, columns)
        rows = (lesson_from(Row(rec, columns), n, found, rules, doc_code) for n, rec in register.records)
    return [item for item in rows if item is not None]


def _risk_rules(register: Register, columns) -> RiskRules:
    headers = columns.get("probability", []) + columns.get("impact", [])
    return RiskRules(scales={h: scales.column_scale(h, [rec.get(h) for _, rec in register.records]) for h in headers})


def _lesson_rules(register: Register, columns) -> LessonRules:
    is_llis = llis.is_llis(register.headers)
    values = [rec.get(h) for h in columns.get("date", []) for _, rec in register.records]
    order = slash_order(values)
    signs = any(str(rec.get(h)).strip() == "+" for h in columns.get("polarity", []) for _, rec in register.records)
    return LessonRules(day_first=(not is_llis) if order is None else order, llis=is_llis, signs=signs)


def _document_code(register: Register, context: ParseContext) -> str | None:
    """'Project code: X' above the header row, else a known code prefixing the file name."""
    for cells in register.preamble:
        texts = [clean_text(c) for c in cells if not is_empty_cell(c)]
        for i, text in enumerate(texts):
            match = re.match(r"^(?:project(?: code| id)?|项目编号|项目代码)\s*[:：]\s*(.*)$", text, re.IGNORECASE)
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
            if text and ":" not in text and "：" not in text:
                return shorten(text, 120)
    return register.name.rsplit(".", 1)[0].replace("_", " ")


def _text_columns_hint(kind: str) -> str:
    return (_("columns such as Description, Risk or Title") if kind == kinds.RISKS
            else _("columns such as Title, Description or Lesson learned"))
