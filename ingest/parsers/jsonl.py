"""JSON Lines lessons registers (one object per line), including NASA LLIS exports."""

from __future__ import annotations

import json
import re

from kb.drafts import ParsedDocument
from kb.errors import InvalidRegister
from kb.i18n import _
from ingest.context import ParseContext
from ingest.parsers.limits import MAX_ROWS
from ingest.parsers.text import decode
from ingest.registers import Register, build_register, cell_value

SUFFIXES = (".jsonl",)
MEDIA_TYPE = "application/jsonl"
MAX_RECORDS = MAX_ROWS


def parse(name: str, data: bytes, context: ParseContext) -> ParsedDocument:
    text, warnings = decode(data)
    records = read_records(text)
    headers = _headers(records)
    register = Register(name, MEDIA_TYPE, headers, records, row_label="line", warnings=warnings)
    return build_register(register, context)


def read_records(text: str) -> list[tuple[int, dict[str, object]]]:
    """(line number, object) per non-blank line. One bad line rejects the file, naming the line."""
    records = []
    # Only \n ends a JSON line: str.splitlines() would also split inside strings holding
    # U+2028, U+0085 or form feeds, which JSON allows unescaped.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if len(records) >= MAX_RECORDS:
            raise InvalidRegister(_("The file has more than %(max)s lessons; the limit is %(max)s per file. Split "
                                    "it into several files.") % {"max": f"{MAX_RECORDS:,}"})
        value = _load_line(number, line)
        if not isinstance(value, dict):
            raise InvalidRegister(_("Line %(line)s is a JSON %(type)s, not an object. Each line must be one lesson "
                                    "as {\"Title\": ..., ...}.") % {"line": number, "type": type(value).__name__})
        records.append((number, {str(k): cell_value(v) for k, v in value.items()}))
    if not records:
        raise InvalidRegister(_("The file has no JSON lines."))
    return records


def _load_line(number: int, line: str) -> object:
    try:
        value = json.loads(line, parse_constant=lambda constant: None)  # NaN, Infinity: a missing value
    except json.JSONDecodeError as exc:
        raise InvalidRegister(_("Line %(line)s is not valid JSON (%(error)s at column %(column)s). Fix or remove "
                                "that line; nothing from this file was stored.")
                              % {"line": number, "error": exc.msg, "column": exc.colno}) from exc
    except RecursionError as exc:
        raise InvalidRegister(_("Line %(line)s is nested too deeply to be a lesson. Fix or remove that line; "
                                "nothing from this file was stored.") % {"line": number}) from exc
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise InvalidRegister(_("Line %(line)s holds a value we cannot read (%(error)s). Fix or remove that line; "
                                "nothing from this file was stored.") % {"line": number, "error": exc}) from exc
    if _LONE_SURROGATE.search(line if "\\u" in line else "") and _has_lone_surrogate(value):
        raise InvalidRegister(_("Line %(line)s holds a broken character (an unpaired \\ud800-\\udfff escape). "
                                "Export the file again or remove that escape; nothing from this file was stored.")
                              % {"line": number})
    return value


_LONE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]", re.ASCII)


def _has_lone_surrogate(value: object) -> bool:
    """Text SQL and the index can store is valid Unicode: JSON can escape half a UTF-16 pair."""
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def _headers(records: list[tuple[int, dict[str, object]]]) -> list[str]:
    headers: dict[str, None] = {}
    for _number, record in records:
        headers.update(dict.fromkeys(str(k) for k in record))
    return list(headers)
