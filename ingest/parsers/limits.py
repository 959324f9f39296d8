"""Size limits for registers, shared by the CSV, XLSX and JSONL parsers.

A register past these is not one someone keeps by hand; refusing it early with
a clear message beats an ingest that holds the ingest lock for an hour (every
row is embedded: about 30 a second on two cores)."""

from __future__ import annotations

from kb.errors import InvalidRegister
from kb.i18n import _

MAX_ROWS = 20_000
"""Rows (lines of a JSONL file) per register, header included."""
MAX_COLUMNS = 1_000
"""Filled columns per row; real registers have tens."""


def check_row_count(count: int, sheet: str | None = None) -> None:
    """`sheet` names the workbook sheet being read, if any."""
    if count <= MAX_ROWS:
        return
    if sheet is not None:
        raise InvalidRegister(_("Sheet '%(sheet)s' has more than %(max)s rows; the limit is %(max)s rows per file. "
                                "Split it into several files.") % {"sheet": sheet, "max": f"{MAX_ROWS:,}"})
    raise InvalidRegister(_("The register has more than %(max)s rows; the limit is %(max)s rows per file. Split it "
                            "into several files.") % {"max": f"{MAX_ROWS:,}"})


def check_width(number: int, cells: list[object]) -> None:
    """Refuse a row filled past MAX_COLUMNS (trailing empty cells do not count), saying where its
    last value is: often one stray cell far to the right, which Excel's Ctrl+End finds."""
    if len(cells) <= MAX_COLUMNS:
        return
    width = next((i for i in range(len(cells), 0, -1) if cells[i - 1] not in (None, "")), 0)
    if width > MAX_COLUMNS:
        filled = sum(1 for cell in cells if cell not in (None, ""))
        raise InvalidRegister(_("Row %(row)s has a value as far out as column %(letter)s (column %(width)s; %(filled)s "
                                "filled cells in that row); registers are read up to column %(max)s. Delete the "
                                "cells past the register's own columns (in Excel, Ctrl+End jumps to the last one) "
                                "and save it again.")
                              % {"row": f"{number:,}", "letter": column_letter(width), "width": f"{width:,}",
                                 "filled": f"{filled:,}", "max": f"{MAX_COLUMNS:,}"})


def column_letter(number: int) -> str:
    """Excel's name of a column: 1 → A, 27 → AA, 16,384 → XFD."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
