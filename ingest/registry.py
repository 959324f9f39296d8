"""Which parser reads a file, chosen by its suffix."""

from __future__ import annotations

from types import ModuleType

from kb.errors import UnsupportedFormat
from ingest.parsers import csv, docx, jsonl, markdown, pdf, xlsx

PARSERS: tuple[ModuleType, ...] = (markdown, docx, pdf, csv, xlsx, jsonl)
BY_SUFFIX: dict[str, ModuleType] = {suffix: module for module in PARSERS for suffix in module.SUFFIXES}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(BY_SUFFIX)

_ADVICE = {
    ".doc": "Open it in Word and save it as .docx.",
    ".xls": "Open it in Excel and save it as .xlsx.",
    ".xlsm": "Save a copy as .xlsx (without macros).",
    ".txt": "If it is Markdown, rename it to .md.",
    ".json": "Write one JSON object per line and name it .jsonl.",
    ".pptx": "Export the lessons slide as PDF, or copy its text into a .md file.",
    ".odt": "Save it as .docx.",
    ".ods": "Save it as .xlsx.",
    ".rtf": "Save it as .docx.",
}


def parser_for(name: str) -> ModuleType:
    """The parser module for a file name; raises UnsupportedFormat with advice for other suffixes."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in BY_SUFFIX:
        return BY_SUFFIX[suffix]
    shown = suffix or "files without a suffix"
    advice = _ADVICE.get(suffix, "")
    raise UnsupportedFormat(f"{shown} is not a format we read. Supported: {', '.join(SUPPORTED_SUFFIXES)}. "
                            f"{advice}".strip())
