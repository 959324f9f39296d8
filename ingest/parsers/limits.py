"""Size limits for registers, shared by the CSV, XLSX and JSONL parsers.

A register past these is not one someone keeps by hand; refusing it early with
a clear message beats an ingest that holds the ingest lock for an hour (every
row is embedded: about 30 a second on two cores)."""

from __future__ import annotations

from kb.errors import InvalidRegister

MAX_ROWS = 20_000
"""Rows (lines of a JSONL file) per register, header included."""
MAX_COLUMNS = 1_000
"""Filled columns per row; real registers have tens."""


def check_row_count(count: int, where: str = "The register") -> None:
    if count > MAX_ROWS:
        raise InvalidRegister(f"{where} has more than {MAX_ROWS:,} rows; the limit is {MAX_ROWS:,} rows per "
                              "file. Split it into several files.")


def check_width(number: int, cells: list[object]) -> None:
    """Refuse a row filled past MAX_COLUMNS (trailing empty cells do not count)."""
    if len(cells) <= MAX_COLUMNS:
        return
    width = next((i for i in range(len(cells), 0, -1) if cells[i - 1] not in (None, "")), 0)
    if width > MAX_COLUMNS:
        raise InvalidRegister(f"Row {number} has {width:,} filled columns; the limit is {MAX_COLUMNS:,}. "
                              "Keep the register's own columns and remove the rest.")
