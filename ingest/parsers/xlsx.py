"""Excel (.xlsx) risk registers and lessons registers: the first sheet with a recognisable header row."""

from __future__ import annotations

import io
import zipfile

from kb.drafts import ParsedDocument
from kb.errors import InvalidDocument, InvalidRegister
from ingest.context import ParseContext
from ingest.parsers.package import check_package
from ingest.registers import build_register, register_from_rows

SUFFIXES = (".xlsx",)
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 200_000
"""More rows than this is not a register someone maintains by hand."""


def parse(name: str, data: bytes, context: ParseContext) -> ParsedDocument:
    workbook = _open(data)
    try:
        return build_register(_first_register(name, workbook), context)
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
    rows = []
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS:
            raise InvalidRegister(f"Sheet '{sheet.title}' has more than {MAX_ROWS:,} rows; split the register.")
        rows.append((number, list(cells)))
    return rows

