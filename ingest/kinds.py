"""Which of the five document kinds a file is: front matter, then file name, then content."""

from __future__ import annotations

import re

from kb.vocab import DOCUMENT_KINDS

CLOSURE, RETRO, RISKS, LESSONS, STATUS = DOCUMENT_KINDS

_KIND_WORDS = {
    CLOSURE: ("closure report", "closure", "end project report", "project closure", "post implementation review",
              "pir", "lessons report"),
    RETRO: ("retrospective", "retro", "sprint retrospective"),
    RISKS: ("risk register", "risks", "risk log", "risk"),
    STATUS: ("status report", "status", "weekly status report", "monthly status report", "weekly report",
             "progress report", "highlight report", "project status report", "状态报告", "项目周报", "周报", "项目月报"),
    LESSONS: ("lessons register", "lessons log", "lessons learned register", "lessons", "llis", "register"),
}
_NAME_HINTS = (  # checked in this order: 'risk_register' is a risk register, not a lessons register
    (CLOSURE, r"closure|end[-_ ]?project|post[-_ ]?implementation"),
    (RETRO, r"retro"),
    (RISKS, r"risk"),  # 'risk_status_log' is a risk register
    (STATUS, r"status|weekly[-_ ]?report|highlight[-_ ]?report|progress[-_ ]?report|周报|月报"),
    (LESSONS, r"lesson|llis|register"),
)


def kind_from_label(label: object) -> str | None:
    """The kind a `kind:` front-matter value names ('retro' → retrospective), or None."""
    text = re.sub(r"[_\-\s]+", " ", str(label or "")).strip().lower()
    for kind, words in _KIND_WORDS.items():
        if text in words:
            return kind
    return None


def kind_from_name(name: str) -> str | None:
    """The kind a file name suggests ('FIN-ERP-2021_risk_register.xlsx' → risk register), or None."""
    stem = name.rsplit(".", 1)[0].lower()
    for kind, pattern in _NAME_HINTS:
        if re.search(pattern, stem):
            return kind
    return None


def code_from_file_name(name: str, known_codes) -> str | None:
    """A known project code that prefixes the file name up to the first '_' or ' - '."""
    stem = name.rsplit(".", 1)[0]
    prefix = re.split(r"_| - ", stem, maxsplit=1)[0].strip()
    wanted = prefix.upper()
    return next((code for code in known_codes if code.upper() == wanted), None)
