"""The text of a lesson or risk that is embedded and keyword-indexed.

One definition, so the dense index, the keyword index and `kb reindex` can
never disagree about what an item says. Also `match_key`, the one way two
spellings of a name, title or query are judged the same."""

from __future__ import annotations

import hashlib
import re
from typing import Protocol

from kb.i18n import _


class LessonWording(Protocol):
    """What `lesson_text` reads: a lesson model, or a query row selecting these columns."""

    title: str
    what_happened: str | None
    cause: str | None
    impact: str | None
    recommendation: str | None


class RiskWording(Protocol):
    """What `risk_text` reads: a risk model, or a query row selecting these columns."""

    title: str
    description: str
    cause: str | None
    effect: str | None
    response: str | None


def lesson_text(lesson: LessonWording) -> str:
    parts = [lesson.title, lesson.what_happened, lesson.cause, lesson.impact, lesson.recommendation]
    return _join(parts)


def risk_text(risk: RiskWording) -> str:
    parts = [risk.title, risk.description, risk.cause, risk.effect, risk.response]
    return _join(parts)


def item_text(kind: str, item: LessonWording | RiskWording) -> str:
    """The embedded text of a lesson or risk, by its kind ("lesson" or "risk")."""
    return lesson_text(item) if kind == "lesson" else risk_text(item)


def _join(parts: list[str | None]) -> str:
    seen: list[str] = []
    for part in parts:
        part = (part or "").strip()
        # Titles are often the first sentence of the body: don't count it twice.
        if part and not any(part in other for other in seen):
            seen.append(part)
    return "\n".join(seen)


def match_key(text: str | None) -> str:
    """Lower-case words separated by single spaces: "ERP-Migration " and "erp migration" match."""
    return re.sub(r"\W+", " ", (text or "").lower()).strip()


def vector_id(kind: str, item_id: int) -> str:
    return f"{kind}-{item_id}"


def parse_vector_id(vid: str) -> tuple[str, int]:
    kind, _, num = vid.partition("-")
    return kind, int(num)


def text_sha256(text: str) -> str:
    """What a vector records of the text it was made from: a changed text means a stale vector."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_ROW_LOCATION = re.compile(r"(?:(?P<within>.+), )?(?P<label>row|line) (?P<number>\d+)")


def row_location(row_label: str, number: int, within: str | None = None) -> str:
    """Where a register's lesson or risk sits, as stored: 'row 12', 'line 12' of a JSONL file, or
    'Risks and issues, row 12' of a table within a status report's section or sheet. Stored in
    English whatever the language of the upload; `location_label` shows it to a reader."""
    return f"{within}, {row_label} {number}" if within else f"{row_label} {number}"


def row_name(row_label: str, number: int) -> str:
    """'row 12' or 'line 12' in the reader's language."""
    return (_("line %(number)s") if row_label == "line" else _("row %(number)s")) % {"number": number}


def location_label(location: str | None) -> str | None:
    """A stored source location as a reader reads it: a row in their language (a Chinese page
    showed 'row 12'); a report's section or sheet is the document's own heading, shown as written."""
    found = _ROW_LOCATION.fullmatch(location or "")
    if not found:
        return location
    row = row_name(found["label"], int(found["number"]))
    return _("%(section)s, %(row)s") % {"section": found["within"], "row": row} if found["within"] else row
