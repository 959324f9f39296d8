"""Excel (.xlsx) risk registers and lessons registers: the first sheet with a recognisable header row."""

from __future__ import annotations

import io
import zipfile

from kb.drafts import ParsedDocument
from kb.errors import InvalidDocument, InvalidRegister
from ingest.context import ParseContext
from ingest.parsers.limits import check_row_count, check_width
from ingest.parsers.package import check_package
from ingest.registers import build_register, register_from_rows

SUFFIXES = (".xlsx",)
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def parse(name: str, data: bytes, context: ParseContext) -> ParsedDocument:
    from xml.etree.ElementTree import ParseError

    from lxml import etree

    workbook = _open(data)
    try:
        return build_register(_first_register(name, workbook), context)
    except (ParseError, etree.XMLSyntaxError) as exc:  # openpyxl reads sheets lazily, so broken XML shows here
        raise InvalidDocument(f"This Excel file is damaged: a sheet's XML is broken ({exc}). Open it in Excel "
                              "(which offers to repair it) and save it again.") from exc
    finally:
        workbook.close()


def _open(data: bytes):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_package(data, "an Excel .xlsx workbook", "If it is an old .xls file or password-protected, open it "
                  "in Excel and save an unprotected .xlsx.")
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, ValueError, zipfile.BadZipFile, OSError) as exc:
        raise InvalidDocument(f"This zip file is not an Excel workbook ({exc}). Save it from Excel as .xlsx.") \
            from exc


def _first_register(name: str, workbook):
    """The first sheet whose top rows hold a header we recognise."""
    problems = []
    for sheet in workbook.worksheets:
        rows = _rows(sheet)
        try:
            return register_from_rows(name, MEDIA_TYPE, rows)
        except InvalidRegister as exc:
            problems.append(f"sheet '{sheet.title}': {exc}")
    raise InvalidRegister("No sheet has a header row we recognise. " + " ".join(problems[:3]))


def _rows(sheet) -> list[tuple[int, list[object]]]:
    # The sheet's stated dimensions are not trusted: a tiny file claiming A1:XFD1048576 would
    # otherwise be padded out to 17 billion empty cells. Blank rows are skipped, not counted.
    sheet.reset_dimensions()
    rows = []
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        if not any(cell is not None and cell != "" for cell in cells):
            continue
        check_row_count(len(rows) + 1, f"Sheet '{sheet.title}'")
        check_width(number, list(cells))
        rows.append((number, list(cells)))
    return rows

