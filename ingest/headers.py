"""Finding the header row of a register and reading the records under it.

Spreadsheets often carry title rows ('Project code: X') above the header row, so the
header is the best-scoring of the first rows, scored by how many known columns it names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from kb.errors import InvalidRegister
from kb.i18n import _, ngettext
from ingest.columns import COLUMN_TABLES, column_field
from ingest.values import clean_text, is_blank

HEADER_SCAN_ROWS = 15
"""How many rows from the top may hold title rows before the header row."""


@dataclass
class Register:
    """The rows a register parser read, before they mean anything."""

    name: str
    media_type: str
    headers: list[str]
    records: list[tuple[int, dict[str, object]]]
    """(row number as the user sees it, header → value) for every non-empty row under the header."""
    preamble: list[list[object]] = field(default_factory=list)
    """Rows above the header row (titles, 'Project code: X')."""
    row_label: str = "row"
    """How citations name a row: 'row 12' (spreadsheets) or 'line 12' (JSONL)."""
    warnings: list[str] = field(default_factory=list)


def header_score(cells: list[object]) -> int:
    """How many cells name a known column of either register kind."""
    best = 0
    for table in COLUMN_TABLES.values():
        fields = {found[0] for cell in cells if not is_blank(cell) and (found := column_field(cell, table))}
        best = max(best, len(fields))
    return best


def find_header(rows: list[tuple[int, list[object]]]) -> int:
    """Index in `rows` of the header row: the best-scoring of the first rows, at least two known columns."""
    candidates = [(header_score(cells), -i) for i, (_, cells) in enumerate(rows[:HEADER_SCAN_ROWS])]
    if not candidates or max(candidates)[0] < 2:
        seen = clean_text(", ".join(str(c) for c in (rows[0][1] if rows else []) if not is_blank(c)))[:200]
        raise InvalidRegister(
            _("No header row found in the first %(rows)s rows (first row: %(first)s). A risk register needs columns "
              "such as Risk, Probability, Impact, Owner; a lessons register columns such as Title, Lesson learned, "
              "Recommendation. See docs/FORMATS.md.") % {"rows": HEADER_SCAN_ROWS, "first": seen or _("empty")})
    return -max(candidates)[1]


def register_from_rows(name: str, media_type: str, rows: list[tuple[int, list[object]]],
                       warnings: list[str] | None = None) -> Register:
    """Split spreadsheet rows into preamble, header and records (blank rows dropped)."""
    rows = [(n, cells) for n, cells in rows if any(not is_empty_cell(c) for c in cells)]
    at = find_header(rows)
    headers = _unique_headers(rows[at][1])
    last = max((i for i, h in enumerate(headers) if h), default=-1)
    records, beyond = [], []
    for number, cells in rows[at + 1:]:
        record = {h: cell_value(cells[i]) if i < len(cells) else None for i, h in enumerate(headers) if h}
        if any(not is_empty_cell(v) for v in record.values()):
            records.append((number, record))
        if any(not is_empty_cell(c) for c in cells[last + 1:]):
            beyond.append(number)
    preamble = [cells for _, cells in rows[:at]]
    warnings = list(warnings or [])
    if beyond:  # a comma inside an unquoted cell shifts every cell after it one column right
        warnings.append(ngettext("Row %(rows)s has values past the last named column, which were left out: if a cell "
                                 "holds a comma or semicolon, put the cell in quotes, or name the column.",
                                 "Rows %(rows)s have values past the last named column, which were left out: if a "
                                 "cell holds a comma or semicolon, put the cell in quotes, or name the column.",
                                 len(beyond)) % {"rows": _numbers(beyond)})
    return Register(name, media_type, headers, records, preamble, warnings=warnings)


def _numbers(rows: list[int], shown: int = 5) -> str:
    """"4, 9 and 12" or "4, 9, 12, 15, 20 and 3 more"."""
    text = ", ".join(str(n) for n in rows[:shown])
    return text + (_(" and %(n)s more") % {"n": len(rows) - shown} if len(rows) > shown else "")


def is_empty_cell(value: object) -> bool:
    """Nothing in the cell but whitespace (a cell saying 'n/a' is not empty here)."""
    return value is None or str(value).strip() == ""


def _unique_headers(cells: list[object]) -> list[str]:
    out: list[str] = []
    for i, cell in enumerate(cells):
        text = " ".join(str(cell).split()) if not is_empty_cell(cell) else ""
        if not text:
            out.append("")
            continue
        base, n = text, 1
        while text in out:
            n += 1
            text = f"{base} ({n})"
        out.append(text)
    return out


def cell_value(value: object) -> object:
    """A cell as JSON can hold it: dates as ISO text, whole floats as ints, lists joined with '; '."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return value.strip()
    return value
