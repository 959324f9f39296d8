"""Excel (.xlsx) risk registers and lessons registers (the first sheet with a recognisable header
row and rows under it), and status reports (every sheet: a details sheet of key/value rows, then
sheets such as Milestones, Risks and issues, Decisions needed)."""

from __future__ import annotations

import io
import re
import zipfile

from kb.drafts import ParsedDocument
from kb.errors import InvalidDocument, InvalidRegister
from kb.i18n import _, ngettext
from ingest.context import ParseContext
from ingest.parsers.limits import check_row_count, check_width
from ingest.parsers.package import check_package
from ingest import kinds
from ingest.headers import HEADER_SCAN_ROWS, cell_value, find_header, is_empty_cell
from ingest.outline import Block
from ingest.registers import build_register, columns_kind, register_from_rows
from ingest.render import render_markdown
from ingest.status import build_status, looks_like_status

SUFFIXES = (".xlsx",)
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def parse(name: str, data: bytes, context: ParseContext) -> ParsedDocument:
    from xml.etree.ElementTree import ParseError

    from lxml import etree

    workbook = _open(data)
    unsaved = _unsaved_formulas(data)
    try:
        if _is_status_report(name, workbook, context):
            parsed = _status_report(name, workbook, context)
        else:
            parsed = _register(name, workbook, context)
        if unsaved:
            parsed.warnings.insert(0, ngettext(
                "%(num)s cell holds a formula with no saved value (the file was written by a program, not saved "
                "in Excel), so it reads as empty. Open the file in Excel, save it, and upload it again.",
                "%(num)s cells hold formulas with no saved value (the file was written by a program, not saved "
                "in Excel), so they read as empty. Open the file in Excel, save it, and upload it again.",
                unsaved) % {"num": unsaved})
        return parsed
    except (ParseError, etree.XMLSyntaxError) as exc:  # openpyxl reads sheets lazily, so broken XML shows here
        raise InvalidDocument(_("This Excel file is damaged: a sheet's XML is broken (%(error)s). Open it in Excel "
                                "(which offers to repair it) and save it again.") % {"error": exc}) from exc
    finally:
        workbook.close()


_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*)>(.*?)</(?:\w+:)?c>", re.DOTALL)
_TYPED_RESULT = re.compile(rb"""\bt=["'](?:str|e|b)["']""")
"""A formula cell Excel saved with a text, error or true/false result: its value may be empty text."""
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]+</(?:\w+:)?v>")


def _unsaved_formulas(data: bytes) -> int:
    """Cells with a formula and no value: what openpyxl and other libraries write, until Excel computes and
    saves them. Read for their values, as a person sees them, they are empty."""
    count = 0
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for member in package.namelist():
            if member.startswith("xl/worksheets/") and member.endswith(".xml"):
                count += sum(1 for cell in _CELL.finditer(package.read(member))
                             if _FORMULA.search(cell[2]) and not _VALUE.search(cell[2])
                             and not _TYPED_RESULT.search(cell[1]))
    return count


def _open(data: bytes):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_package(data, _("an Excel .xlsx workbook"), _("Excel .xlsx workbook"),
                  _("If it is an old .xls file or password-protected, open it in Excel and save an unprotected .xlsx."))
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, ValueError, zipfile.BadZipFile, OSError) as exc:
        raise InvalidDocument(_("This zip file is not an Excel workbook (%(error)s). Save it from Excel as .xlsx.")
                              % {"error": exc}) from exc


def _is_status_report(name: str, workbook, context: ParseContext) -> bool:
    kind = context.kind_hint or kinds.kind_from_name(name)
    sheets = _visible_sheets(workbook)
    first = _rows(sheets[0])[:HEADER_SCAN_ROWS] if sheets and kind in (None, kinds.STATUS) else []
    if kind == kinds.STATUS and not context.kind_hint:
        # 'Lessons log - status at June.xlsx' with Lesson learned and Recommendation columns is a lessons register,
        # 'risk status June.xlsx' of risk columns a risk register; a 'weekly status report' opening on its RAID
        # log is a status report still
        found = _register_columns_kind(first)
        return found is None or (found == kinds.RISKS and bool(re.search(r"status[\s_-]*report", name, re.I)))
    if kind is not None:
        return kind == kinds.STATUS
    return looks_like_status([(cells[0], cells[1]) for _, cells in first if len(cells) >= 2])


def _register_columns_kind(rows: list[tuple[int, list[object]]]) -> str | None:
    """The register kind the header row among `rows` clearly names (registers.columns_kind), if there is one."""
    try:
        at = find_header(rows)
    except InvalidRegister:
        return None
    return columns_kind([str(cell) for cell in rows[at][1] if not is_empty_cell(cell)])


def _status_report(name: str, workbook, context: ParseContext) -> ParsedDocument:
    """Each sheet as a section: its name a heading, its rows a table."""
    blocks = []
    for sheet in _visible_sheets(workbook):
        rows = [[_text(cell) for cell in cells] for _, cells in _rows(sheet, shown=True)]
        width = max((max((i + 1 for i, c in enumerate(row) if c), default=0) for row in rows), default=0)
        if width:
            blocks += [Block("heading", sheet.title, level=2), Block("table", rows=[row[:width] for row in rows])]
    return build_status(name, blocks, render_markdown(blocks), MEDIA_TYPE, context, warnings=_hidden_warnings(workbook))


def _shown(cell) -> object:
    value = getattr(cell, "value", None)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (getattr(cell, "number_format", "") or ""):
        return f"{value * 100:.6g}%"
    return value


def _text(cell: object) -> str:
    value = cell_value(cell)
    return "" if value is None else str(value)


def _register(name: str, workbook, context: ParseContext) -> ParsedDocument:
    """The first visible sheet that reads as a register with rows in it; a warning names any other sheet
    that holds one too (its rows are not read) and every hidden sheet (not read either).

    A sheet whose header gives no risk or lesson (a dashboard: Category | Status | Count) is passed over
    for the next one, with a warning naming the sheet read: it used to reject the whole workbook."""
    problems, failed = [], []
    sheets = _visible_sheets(workbook)
    for at, sheet in enumerate(sheets):
        try:
            register = register_from_rows(name, MEDIA_TYPE, _rows(sheet, shown=True), _hidden_warnings(workbook))
        except InvalidRegister as exc:
            problems.append(_sheet_problem(sheet, exc))
            continue
        register.warnings += _passed_over(sheet, failed) + _other_registers(name, sheet, sheets[at + 1:])
        try:
            return build_register(register, context)
        except InvalidRegister as exc:
            failed.append((sheet, exc))
    if len(sheets) == 1 and failed:
        raise failed[0][1]
    if failed:
        raise InvalidRegister(_("No sheet holds rows we can read as risks or lessons. %(problems)s")
                              % {"problems": " ".join([_sheet_problem(*f) for f in failed] + problems)[:600]})
    hidden = " ".join(_hidden_warnings(workbook))
    raise InvalidRegister(_("No sheet has a header row we recognise. %(problems)s")
                          % {"problems": " ".join(problems[:3])} + (" " + hidden if hidden else ""))


def _sheet_problem(sheet, exc: InvalidRegister) -> str:
    return _("sheet '%(sheet)s': %(problem)s") % {"sheet": sheet.title, "problem": exc}


def _passed_over(sheet, failed: list) -> list[str]:
    if not failed:
        return []
    return [_("Sheet '%(sheet)s' was read, not %(skipped)s before it: %(problem)s")
            % {"sheet": sheet.title, "skipped": ", ".join(f"'{s.title}'" for s, _e in failed), "problem": failed[0][1]}]


def _other_registers(name: str, sheet, later: list) -> list[str]:
    """A warning for each later sheet that holds a register of its own, which is not read."""
    out = []
    for other in later:
        try:
            found = register_from_rows(name, MEDIA_TYPE, _rows(other))
        except InvalidRegister:
            continue
        if not _holds_items(found):  # a pivot of counts, a sheet of dropdown lists
            continue
        out.append(_("Sheet '%(other)s' holds a register too, and only the first one, '%(sheet)s', was read. Put "
                     "every row on one sheet, or upload the other sheet as a file of its own.")
                   % {"other": other.title, "sheet": sheet.title})
    return out


def _holds_items(register) -> bool:
    """Whether a sheet's register has a column of lessons' or risks' text (a title or a description) with
    something written in it: a summary of counts or a list of dropdown values has none."""
    from ingest.columns import COLUMN_TABLES, column_field

    text_columns = [h for h in register.headers if h and any(
        (field := column_field(h, table)) and field[0] in ("title", "description") for table in COLUMN_TABLES.values())]
    return any(isinstance(record.get(h), str) and len(record[h].split()) >= 3
               for _, record in register.records for h in text_columns)


def _visible_sheets(workbook) -> list:
    """The sheets someone sees in Excel: a hidden sheet (an archive, a lookup list) is not read."""
    return [sheet for sheet in workbook.worksheets if getattr(sheet, "sheet_state", "visible") == "visible"]


def _hidden_warnings(workbook) -> list[str]:
    return [_("Sheet '%(sheet)s' is hidden, so it was not read; unhide it in Excel if it should be.")
            % {"sheet": sheet.title} for sheet in workbook.worksheets if sheet not in _visible_sheets(workbook)]


def _rows(sheet, shown: bool = False) -> list[tuple[int, list[object]]]:
    """(row number, values) of every row that holds something. With `shown`, a number formatted as a
    percentage is the text Excel shows ("100%" for 1.0, which as a bare number would read as 1%)."""
    # The sheet's stated dimensions are not trusted: a tiny file claiming A1:XFD1048576 would
    # otherwise be padded out to 17 billion empty cells. Blank rows are skipped, not counted.
    sheet.reset_dimensions()
    rows = []
    lines = (map(_shown, cells) for cells in sheet.iter_rows()) if shown else sheet.iter_rows(values_only=True)
    for number, cells in enumerate(lines, start=1):
        cells = tuple(cells)
        if not any(cell is not None and cell != "" for cell in cells):
            continue
        check_row_count(len(rows) + 1, sheet.title)
        check_width(number, list(cells))
        rows.append((number, list(cells)))
    return rows

