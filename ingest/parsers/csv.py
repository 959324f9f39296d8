"""CSV risk registers and lessons registers (any common delimiter and encoding)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from itertools import islice

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
    swallowed = _swallowing_row(rows, dialect.delimiter)
    if swallowed is not None:  # an opening quote never closed reads the following lines as one cell
        warnings.append(_("A quote (%(quote)s) in row %(row)s is never closed, so the rows after it may have been read "
                          "as part of that row's cell. Check that row, close the quote, and upload the file again.")
                        % {"quote": dialect.quotechar, "row": swallowed})
    return build_register(register_from_rows(name, MEDIA_TYPE, rows, warnings), context)


def _swallowing_row(rows: list[tuple[int, list[object]]], delimiter: str) -> int | None:
    """The first record with a cell whose later lines look like records themselves (as many delimiters as a
    record has, less one): what an unclosed quote leaves. A cell with line breaks of its own has none."""
    widths = Counter(len(cells) for _, cells in rows)
    width = widths.most_common(1)[0][0] if widths else 0
    if width < 3:
        return None
    for number, cells in rows:
        for cell in cells:
            lines = str(cell).split("\n")[1:]
            if any(line.count(delimiter) >= width - 2 for line in lines):
                return number
    return None


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
    """The sniffed dialect, unless another delimiter splits the file's first records more consistently: a long
    quoted cell cut short by the sniffer's sample can make it pick a character inside it (the | of a pasted
    table), and a title line above the header ("Risk register, Q3 2026") can hide a semicolon file's delimiter."""
    sample = "\n".join(text[:20000].splitlines()[:30])
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
    except csv.Error:
        sniffed = None
    best = _most_consistent(text, preferred=sniffed.delimiter if sniffed else None)
    if sniffed is not None and best in (None, sniffed.delimiter):
        return sniffed
    chosen = best or max(DELIMITERS, key=sample.count)

    class Chosen(csv.excel):
        delimiter = chosen

    return Chosen


def _most_consistent(text: str, preferred: str | None, records: int = 60) -> str | None:
    """The delimiter that gives most of the first records one and the same width of two cells or more."""
    prefix = text[:200_000]
    scores = {}
    for delimiter in DELIMITERS:
        try:
            rows = list(islice(csv.reader(io.StringIO(prefix, newline=""), delimiter=delimiter), records + 1))
        except csv.Error:
            continue
        widths = [len(row) for row in rows[:records] if any(cell.strip() for cell in row)]
        if not widths:
            continue
        width, count = max(Counter(widths).items(), key=lambda wc: (wc[1], wc[0]))
        scores[delimiter] = (count, width) if width >= 2 else (0, 0)  # on a tie, the one giving more columns
    if not scores or max(scores.values())[0] == 0:
        return None
    top = max(scores.values())
    return preferred if scores.get(preferred) == top else max(scores, key=lambda d: scores[d])
