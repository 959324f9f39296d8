"""Register columns: the names PMBOK, PRINCE2 and LLIS templates give them, and the field each feeds.

Several headers may feed one field (e.g. 'Response strategy' and 'Actions'); the
position of a name in its alias tuple decides which column is read first.
"""

from __future__ import annotations

import re

from ingest import kinds
from ingest.values import normalise_key, shorten

RISK_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("id", "risk id", "ref", "risk ref", "reference", "risk no", "risk number", "#", "no",
                    "risk identifier", "risk #"),
    "title": ("title", "risk title", "short name", "name", "risk name"),
    "description": ("description", "risk", "risk statement", "risk description", "event", "risk event", "details"),
    "cause": ("cause", "causes", "trigger", "triggers", "source", "risk cause", "risk trigger", "cause/trigger"),
    "effect": ("effect", "effects", "consequence", "consequences", "impact description", "risk effect"),
    "category": ("category", "risk category", "type", "risk type"),
    "probability": ("probability", "likelihood", "p", "prob", "probability rating", "likelihood rating"),
    "impact": ("impact", "severity", "i", "consequence rating", "impact rating", "impact score"),
    "score": ("score", "risk score", "rating", "p x i", "pxi", "exposure", "risk rating", "risk exposure",
              "priority score", "risk level"),
    "owner": ("owner", "risk owner", "action owner"),
    "response": ("response strategy", "risk response category", "response", "risk response", "mitigation",
                 "actions", "treatment", "countermeasures", "mitigation actions", "response actions",
                 "mitigation plan", "planned response", "action", "mitigation strategy"),
    "status": ("status", "risk status", "state"),
    "phase": ("phase", "stage", "project phase"),
    "materialised": ("materialised", "materialized", "occurred", "became issue", "became an issue", "realised",
                     "realized", "issue raised"),
    "project": ("project code", "project id", "project", "project/program", "programme", "program"),
}
LESSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("lesson id", "id", "ref", "reference", "lesson ref", "lesson no", "lesson number", "#", "no"),
    "title": ("title", "subject", "lesson", "summary", "lesson title", "headline", "name"),
    "what_happened": ("description", "what happened", "situation", "description of the situation", "abstract",
                      "event", "driving event", "details", "observation", "issue"),
    "cause": ("cause", "causes", "causes/trigger", "cause/trigger", "root cause", "root causes", "trigger"),
    "impact": ("impact", "effect", "effects", "consequence", "consequences", "impact description"),
    "lesson_text": ("lesson learned", "lessons learned", "lesson learnt", "lessons learnt", "learning",
                    "key learning", "lesson text"),
    "recommendation": ("recommendation", "recommendations", "proposed action", "proposed actions", "action",
                       "actions", "recommended action", "recommended actions", "next time"),
    "category": ("category", "topics", "topic", "lesson type", "area", "knowledge area", "theme", "tags"),
    "polarity": ("polarity", "type", "went well", "good practice", "positive/negative", "lesson polarity",
                 "positive or negative"),
    "phase": ("phase", "program/project phase", "stage", "project phase"),
    "project": ("project code", "project id", "project", "project/program", "programme", "program"),
    "date": ("date", "date logged", "date lesson occurred", "publish date", "date raised", "date identified",
             "logged on", "lesson date"),
    "organization": ("organization", "organisation", "centre", "center", "department", "business unit"),
}
COLUMN_TABLES = {kinds.RISKS: RISK_COLUMNS, kinds.LESSONS: LESSON_COLUMNS}
# Fields only one kind of register has: they tell the kinds apart when the file name does not.
RISK_MARKS = {"probability", "score", "owner", "response", "status", "materialised"}
LESSON_MARKS = {"lesson_text", "recommendation", "polarity", "what_happened"}
MULTI_VALUE_HEADERS = ("topics", "topic", "tags")
CODE_HEADERS = ("project code", "project id")


def column_field(header: object, table: dict[str, tuple[str, ...]]) -> tuple[str, int] | None:
    """(field, priority) a header maps to in a column table; lower priority wins among several columns."""
    key = normalise_key(header)
    for name, aliases in table.items():
        if key in aliases:
            return name, aliases.index(key)
    if table is LESSON_COLUMNS:
        return _fuzzy_lesson_column(key)
    return None


def _fuzzy_lesson_column(key: str) -> tuple[str, int] | None:
    # LLIS headers are whole questions ('From what phase of the program or project was this lesson learned captured?').
    if re.search(r"\bphase\b", key):
        return "phase", 50
    if re.search(r"\blessons? learn", key):
        return "lesson_text", 50
    if key.startswith("recommend"):
        return "recommendation", 50
    return None


def map_columns(headers: list[str], kind: str) -> tuple[dict[str, list[str]], list[str]]:
    """(field → headers best first, headers not used)."""
    found: dict[str, list[tuple[int, int, str]]] = {}
    unused = []
    for position, header in enumerate(headers):
        match = column_field(header, COLUMN_TABLES[kind]) if header else None
        if match is None:
            if header:
                unused.append(header)
            continue
        found.setdefault(match[0], []).append((match[1], position, header))
    return {name: [h for _, _, h in sorted(items)] for name, items in found.items()}, unused


# Standard columns of PRINCE2 and PMBOK templates that we keep with the rows but do not
# map to a field; they are expected, so they are not worth a warning.
KNOWN_UNMAPPED = {"date raised", "proximity", "logged by", "raised by", "priority", "early-warning indicators",
                  "early warning indicators", "previously identified as a risk", "date closed", "last updated",
                  "author", "comments", "notes", "wbs", "wbs reference", "timing", "url", "trigger date"}


def unused_columns_warning(unused: list[str]) -> list[str]:
    """A warning naming the columns no field reads, unless they are standard ones we expect."""
    unused = [u for u in unused if normalise_key(u) not in KNOWN_UNMAPPED]
    if not unused:
        return []
    shown = ", ".join(shorten(u, 40) for u in unused[:6]) + (" …" if len(unused) > 6 else "")
    return [f"Columns not read: {shown} (kept with the document rows)."]
