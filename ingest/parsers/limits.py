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
    """Refuse a row filled past MAX_COLUMNS (trailing empty cells do not count)."""
    if len(cells) <= MAX_COLUMNS:
        return
    width = next((i for i in range(len(cells), 0, -1) if cells[i - 1] not in (None, "")), 0)
    if width > MAX_COLUMNS:
        raise InvalidRegister(_("Row %(row)s has %(width)s filled columns; the limit is %(max)s. Keep the register's "
                                "own columns and remove the rest.")
                              % {"row": number, "width": f"{width:,}", "max": f"{MAX_COLUMNS:,}"})
