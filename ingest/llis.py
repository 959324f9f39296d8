"""What is particular to NASA Lessons Learned (LLIS) exports.

The export keeps LLIS column names ('Lesson ID', 'Driving Event',
'Lesson(s) Learned', 'Recommendation(s)', 'Project / Program', 'Topics',
'From what phase of the program or project...'), writes dates as MM/DD/YYYY
and joins topics with commas although two topic names contain commas.
"""

from __future__ import annotations

import re

from ingest.values import normalise_key

# Topic names that themselves contain commas (checked against the 2021 export).
COMPOUND_TOPICS = ("Parts, Materials, & Processes", "Procurement, Small Business & Industrial Relations")

# NASA life-cycle phases (NPR 7120.5) on the PMO phase vocabulary.
_NASA_PHASES = (
    (r"pre-phase a|phase a\b", "initiation"),
    (r"phase b\b|formulation|approval", "planning"),
    (r"phase c\b|implementation", "execution"),
    (r"phase d\b", "testing"),
    (r"phase e\b|operations", "deployment"),
    (r"phase f\b|evaluation|closeout|decommission", "closure"),
)


def is_llis(headers: list[str]) -> bool:
    names = {normalise_key(h) for h in headers}
    return {"lesson id", "driving event"} <= names


def split_topics(value: str) -> list[str]:
    """Topic names from a Topics cell, split on newlines, semicolons or commas but keeping
    compound names such as 'Parts, Materials, & Processes' whole."""
    text = value.strip()
    if re.search(r"[;\n]", text):
        return [t.strip() for t in re.split(r"[;\n]+", text) if t.strip()]
    kept: dict[str, str] = {}
    for i, compound in enumerate(COMPOUND_TOPICS):
        if compound in text:
            kept[f"\x00{i}\x00"] = compound
            text = text.replace(compound, f"\x00{i}\x00")
    parts = [p.strip() for p in text.split(",") if p.strip()]
    return [kept.get(p, p) for p in parts]


def nasa_phase(label: str) -> str | None:
    """'Implementation » Phase D' → testing; the most specific (last) part wins."""
    for part in reversed(re.split(r"»|>", label.lower())):
        for pattern, phase in _NASA_PHASES:
            if re.search(pattern, part):
                return phase
    return None
