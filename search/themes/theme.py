"""A theme: a group of failure items, its centre, and what the report says about it."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

import numpy as np

from search.failures import Item
from search.themes.naming import name_themes


@dataclass
class RepeatFailure:
    project_id: int
    start: date
    earlier_vid: str | None
    """The precedent: of the theme's lessons from other projects known before this project started, the one
    closest in meaning to this project's own failures in the theme; None when even that one is not close
    enough to cite (`search.themes.report.PRECEDENT_THRESHOLD`)."""
    earlier_known: date | None
    similarity: float | None = None
    """Cosine of the closest pair (this project's item, earlier lesson); None when vectors were not given."""
    item_vid: str | None = None
    """This project's failure in the theme that the precedent is closest to."""
    first_known: date | None = None
    """When the theme was first on record from another project: what makes this project a repeat."""

    @property
    def cited(self) -> bool:
        return self.earlier_vid is not None


@dataclass
class Theme:
    id: str
    name: str
    terms: list[str]
    members: list[Item]
    centroid: np.ndarray
    renamed: bool = False
    edits: list[str] = field(default_factory=list)
    """What the PMO did to this theme ("renamed", "merged 2 themes", "split from …")."""
    projects: list[int] = field(default_factory=list)
    items_by_year: dict[int, int] = field(default_factory=dict)
    projects_by_year: dict[int, int] = field(default_factory=dict)
    projects_by_type: dict[str, int] = field(default_factory=dict)
    items_by_type: dict[str, int] = field(default_factory=dict)
    trend: str = "flat"
    slope: float = 0.0
    """Projects per year, per year (least squares)."""
    repeats: list[RepeatFailure] = field(default_factory=list)

    @property
    def keywords(self) -> str:
        """The distinctive terms as one line, shown under the name."""
        return " · ".join(self.terms)

    @property
    def cited_repeats(self) -> int:
        """Repeat failures with a precedent close enough to cite."""
        return sum(r.cited for r in self.repeats)

    @property
    def lessons(self) -> int:
        return sum(m.kind == "lesson" for m in self.members)

    @property
    def risks(self) -> int:
        return sum(m.kind == "risk" for m in self.members)

    @property
    def lesson_ids(self) -> list[int]:
        return [m.id for m in self.members if m.kind == "lesson"]

    @property
    def risk_ids(self) -> list[int]:
        return [m.id for m in self.members if m.kind == "risk"]

    @property
    def repeat_failures(self) -> int:
        return len(self.repeats)

    def ref(self, sample: int = 1000) -> dict:
        """What an override records about this theme, to find it again after a recomputation."""
        members = sorted((m for m in self.members), key=lambda m: m.order)[:sample]
        return {"id": self.id, "name": self.name, "members": [m.vid for m in members],
                "centroid": [round(float(x), 4) for x in self.centroid]}


def theme_id(members: Iterable[Item]) -> str:
    """Named after its oldest lesson (else risk), so it stays put while that member does."""
    anchor = min(members, key=lambda m: m.order)
    return hashlib.sha1(anchor.vid.encode()).hexdigest()[:8]


def centroid(vectors: np.ndarray) -> np.ndarray:
    c = vectors.mean(axis=0)
    norm = np.linalg.norm(c)
    return c / norm if norm else c


def build_themes(items: list[Item], vectors: np.ndarray, labels: np.ndarray) -> list[Theme]:
    groups: dict[int, list[int]] = defaultdict(list)
    for row, label in enumerate(labels):
        groups[int(label)].append(row)
    themes = [make_theme([items[r] for r in rows], vectors[rows]) for _, rows in sorted(groups.items())]
    name_themes(themes, items, vectors)
    return themes


def make_theme(members: list[Item], vectors: np.ndarray, name: str = "", terms=None) -> Theme:
    return Theme(theme_id(members), name, list(terms or []), sorted(members, key=lambda m: m.order),
                 centroid(vectors))
