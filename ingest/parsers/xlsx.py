"""Excel (.xlsx) risk registers and lessons registers (the first sheet with a recognisable header
row), and status reports (every sheet: a details sheet of key/value rows, then sheets such as
Milestones, Risks and issues, Decisions needed)."""

from __future__ import annotations

import io
import zipfile

from kb.drafts import ParsedDocument
from kb.errors import InvalidDocument, InvalidRegister
from kb.i18n import _
from ingest.context import ParseContext
from ingest.parsers.limits import check_row_count, check_width
from ingest.parsers.package import check_package
from ingest import kinds
from ingest.headers import HEADER_SCAN_ROWS, cell_value
from ingest.outline import Block
from ingest.registers import build_register, register_from_rows
from ingest.render import render_markdown
from ingest.status import build_status, looks_like_status

SUFFIXES = (".xlsx",)
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def parse(name: str, data: bytes, context: ParseContext) -> ParsedDocument:
    from xml.etree.ElementTree import ParseError

    from lxml import etree

    workbook = _open(data)
    try:
        if _is_status_report(name, workbook, context):
            return _status_report(name, workbook, context)
        return build_register(_first_register(name, workbook), context)
    except (ParseError, etree.XMLSyntaxError) as exc:  # openpyxl reads sheets lazily, so broken XML shows here
        raise InvalidDocument(_("This Excel file is damaged: a sheet's XML is broken (%(error)s). Open it in Excel "
                                "(which offers to repair it) and save it again.") % {"error": exc}) from exc
    finally:
        workbook.close()


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
    if kind is not None:
        return kind == kinds.STATUS
    first = _rows(workbook.worksheets[0])[:HEADER_SCAN_ROWS] if workbook.worksheets else []
    return looks_like_status([(cells[0], cells[1]) for _, cells in first if len(cells) >= 2])


def _status_report(name: str, workbook, context: ParseContext) -> ParsedDocument:
    """Each sheet as a section: its name a heading, its rows a table."""
    blocks = []
    for sheet in workbook.worksheets:
        rows = [[_text(cell) for cell in cells] for _, cells in _rows(sheet)]
        width = max((max((i + 1 for i, c in enumerate(row) if c), default=0) for row in rows), default=0)
        if width:
            blocks += [Block("heading", sheet.title, level=2), Block("table", rows=[row[:width] for row in rows])]
    return build_status(name, blocks, render_markdown(blocks), MEDIA_TYPE, context)


def _text(cell: object) -> str:
    value = cell_value(cell)
    return "" if value is None else str(value)


def _first_register(name: str, workbook):
    """The first sheet whose top rows hold a header we recognise."""
    problems = []
    for sheet in workbook.worksheets:
        rows = _rows(sheet)
        try:
            return register_from_rows(name, MEDIA_TYPE, rows)
        except InvalidRegister as exc:
            problems.append(_("sheet '%(sheet)s': %(problem)s") % {"sheet": sheet.title, "problem": exc})
    raise InvalidRegister(_("No sheet has a header row we recognise. %(problems)s")
                          % {"problems": " ".join(problems[:3])})


def _rows(sheet) -> list[tuple[int, list[object]]]:
    # The sheet's stated dimensions are not trusted: a tiny file claiming A1:XFD1048576 would
    # otherwise be padded out to 17 billion empty cells. Blank rows are skipped, not counted.
    sheet.reset_dimensions()
    rows = []
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        if not any(cell is not None and cell != "" for cell in cells):
            continue
        check_row_count(len(rows) + 1, sheet.title)
        check_width(number, list(cells))
        rows.append((number, list(cells)))
    return rows

