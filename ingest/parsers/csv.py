"""CSV risk registers and lessons registers (any common delimiter and encoding)."""

from __future__ import annotations

import csv
import io

from kb.drafts import ParsedDocument
from kb.errors import InvalidRegister
from kb.i18n import _
from ingest.context import ParseContext
from ingest.parsers.limits import check_row_count, check_width
from ingest.parsers.text import decode
from ingest.registers import build_register, register_from_rows

SUFFIXES = (".csv",)
MEDIA_TYPE = "text/csv"
DELIMITERS = ",;\t|"


def parse(name: str, data: bytes, context: ParseContext) -> ParsedDocument:
    text, warnings = decode(data)
    rows = read_rows(text)
    dialect = _dialect(text)
    if text.count(dialect.quotechar) % 2 and rows:  # an opening quote never closed reads the rest of the file as one cell
        warnings.append(_("A quote (%(quote)s) in row %(row)s is never closed, so the rows after it may have been read "
                          "as part of that row's cell. Check that row, close the quote, and upload the file again.")
                        % {"quote": dialect.quotechar, "row": _first_open_quote(rows)})
    return build_register(register_from_rows(name, MEDIA_TYPE, rows, warnings), context)


def _first_open_quote(rows: list[tuple[int, list[object]]]) -> int:
    """The record whose cell swallowed the lines after it: the first holding a line break, else the last."""
    return next((n for n, cells in rows if any("\n" in str(c) for c in cells)), rows[-1][0])


def read_rows(text: str) -> list[tuple[int, list[object]]]:
    """(record number as Excel would show it, cells) for every record."""
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text))
    rows = []
    try:
        for number, cells in enumerate(reader, start=1):
            check_row_count(number)
            check_width(number, cells)
            rows.append((number, cells))
    except csv.Error as exc:
        raise InvalidRegister(_("The CSV is malformed near line %(line)s (%(error)s). Open it in a spreadsheet "
                                "program and save it as CSV again.") % {"line": reader.line_num, "error": exc}) from exc
    return rows


def _dialect(text: str):
    """The sniffed dialect, unless its delimiter is missing from the first line (a header row) that
    holds another: a long quoted cell cut short by the sample can make the sniffer pick a character
    inside it, such as the | in "a | b"."""
    sample = "\n".join(text[:20000].splitlines()[:30])
    first = next((line for line in sample.splitlines() if line.strip()), "")
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
        if dialect.delimiter in first or not any(d in first for d in DELIMITERS):
            return dialect
    except csv.Error:
        pass
    best = max(DELIMITERS, key=lambda d: (first.count(d), sample.count(d)))

    class Fallback(csv.excel):
        delimiter = best

    return Fallback
