"""Which parser reads a file, chosen by its suffix."""

from __future__ import annotations

from types import ModuleType

from kb.errors import UnsupportedFormat
from kb.i18n import N_, _
from ingest.parsers import csv, docx, jsonl, markdown, pdf, xlsx

PARSERS: tuple[ModuleType, ...] = (markdown, docx, pdf, csv, xlsx, jsonl)
BY_SUFFIX: dict[str, ModuleType] = {suffix: module for module in PARSERS for suffix in module.SUFFIXES}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(BY_SUFFIX)

_ADVICE = {
    ".doc": N_("Open it in Word and save it as .docx."),
    ".xls": N_("Open it in Excel and save it as .xlsx."),
    ".xlsm": N_("Save a copy as .xlsx (without macros)."),
    ".txt": N_("If it is Markdown, rename it to .md."),
    ".json": N_("Write one JSON object per line and name it .jsonl."),
    ".pptx": N_("Export the lessons slide as PDF, or copy its text into a .md file."),
    ".odt": N_("Save it as .docx."),
    ".ods": N_("Save it as .xlsx."),
    ".rtf": N_("Save it as .docx."),
}


def parser_for(name: str) -> ModuleType:
    """The parser module for a file name; raises UnsupportedFormat with advice for other suffixes."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in BY_SUFFIX:
        return BY_SUFFIX[suffix]
    shown = suffix or _("files without a suffix")
    advice = _(_ADVICE[suffix]) if suffix in _ADVICE else ""
    raise UnsupportedFormat((_("%(suffix)s is not a format we read. Supported: %(supported)s.")
                             % {"suffix": shown, "supported": ", ".join(SUPPORTED_SUFFIXES)} + " " + advice).strip())
