"""JSON Lines lessons registers (one object per line), including NASA LLIS exports."""

from __future__ import annotations

import json

from kb.drafts import ParsedDocument
from kb.errors import InvalidRegister
from ingest.context import ParseContext
from ingest.parsers.text import decode
from ingest.registers import Register, build_register, cell_value

SUFFIXES = (".jsonl",)
MEDIA_TYPE = "application/jsonl"


def parse(name: str, data: bytes, context: ParseContext) -> ParsedDocument:
    text, warnings = decode(data)
    records = read_records(text)
    headers = _headers(records)
    register = Register(name, MEDIA_TYPE, headers, records, row_label="line", warnings=warnings)
    return build_register(register, context)


def read_records(text: str) -> list[tuple[int, dict[str, object]]]:
    """(line number, object) per non-blank line. One bad line rejects the file, naming the line."""
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidRegister(f"Line {number} is not valid JSON ({exc.msg} at column {exc.colno}). "
                                  "Fix or remove that line; nothing from this file was stored.") from exc
        if not isinstance(value, dict):
            raise InvalidRegister(f"Line {number} is a JSON {type(value).__name__}, not an object. "
                                  "Each line must be one lesson as {\"Title\": ..., ...}.")
        records.append((number, {str(k): cell_value(v) for k, v in value.items()}))
    if not records:
        raise InvalidRegister("The file has no JSON lines.")
    return records


def _headers(records: list[tuple[int, dict[str, object]]]) -> list[str]:
    headers: dict[str, None] = {}
    for _, record in records:
        headers.update(dict.fromkeys(str(k) for k in record))
    return list(headers)
