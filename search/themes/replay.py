"""Replaying the PMO's edits (rename, merge, split) over freshly computed themes.

Edits are `ThemeOverride` rows, replayed in the order they were made. Each
edit records the members of the themes it touched (and their centres); after
a recomputation it applies to the theme that now holds most of those members
(at least `MATCH_OVERLAP`), else to the theme whose centre is nearest (cosine
≥ `MATCH_COSINE`), else it is reported as no longer matching.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence

import numpy as np

from kb.models import ThemeOverride
from search.failures import Item
from search.themes.naming import name_themes
from search.themes.theme import Theme, centroid, make_theme

MATCH_OVERLAP = 0.5
MATCH_COSINE = 0.9


class _Editor:
    """Replays ThemeOverride rows over freshly computed themes."""

    def __init__(self, themes: list[Theme], items: list[Item], vectors: np.ndarray) -> None:
        self.themes = themes
        self.items = items
        self.vectors = vectors
        self.row = {item.vid: i for i, item in enumerate(items)}
        self.unmatched: list[ThemeOverride] = []

    def apply(self, override: ThemeOverride) -> None:
        handler = {"rename": self.rename, "merge": self.merge, "split": self.split}.get(override.action)
        if handler is None or not handler(override.payload or {}):
            self.unmatched.append(override)

    def find(self, ref: dict) -> Theme | None:
        recorded = [v for v in ref.get("members", []) if v in self.row]
        if recorded:
            where = {m.vid: t for t in self.themes for m in t.members}
            votes = Counter(id(where[v]) for v in recorded if v in where)
            if votes:
                best, count = votes.most_common(1)[0]
                if count / len(recorded) >= MATCH_OVERLAP:
                    return next(t for t in self.themes if id(t) == best)
        centroid = np.asarray(ref.get("centroid") or [], dtype=np.float32)
        if centroid.size and self.themes and centroid.size == self.themes[0].centroid.size:
            sims = [float(t.centroid @ centroid) / (np.linalg.norm(centroid) or 1) for t in self.themes]
            best = int(np.argmax(sims))
            if sims[best] >= MATCH_COSINE:
                return self.themes[best]
        return None

    def rename(self, payload: dict) -> bool:
        theme = self.find(payload.get("theme", {}))
        name = (payload.get("name") or "").strip()
        if theme is None or not name:
            return False
        theme.name, theme.renamed = name, True
        theme.edits.append("renamed by the PMO")
        return True

    def merge(self, payload: dict) -> bool:
        found = []
        for ref in payload.get("themes", []):
            theme = self.find(ref)
            if theme is not None and all(theme is not t for t in found):
                found.append(theme)
        if not found:
            return False
        if len(found) > 1:
            members = [m for t in found for m in t.members]
            merged = self._make(members, found[0].name, found[0].terms)
            merged.renamed = any(t.renamed for t in found)
            merged.edits = [e for t in found for e in t.edits] + [f"merged {len(found)} themes"]
            self.themes = [t for t in self.themes if all(t is not f for f in found)] + [merged]
            found = [merged]
        found[0] = self._gather(found[0], [v for ref in payload.get("themes", []) for v in ref.get("members", [])])
        if (payload.get("name") or "").strip():
            found[0].name, found[0].renamed = payload["name"].strip(), True
        return True

    def split(self, payload: dict) -> bool:
        theme = self.find(payload.get("theme", {}))
        parts = payload.get("parts") or []
        if theme is None or len(parts) != 2:
            return False
        theme = self._gather(theme, parts[1])
        moved = set(parts[1])
        centres = [self._part_centre(part, c) for part, c in zip(parts, payload.get("centroids") or [None, None])]
        keep, out = [], []
        for m in theme.members:
            if m.vid in moved:
                out.append(m)
            elif m.vid in set(parts[0]) or centres[1] is None or centres[0] is None:
                keep.append(m)
            else:  # new since the split: goes with the nearer part
                v = self.vectors[self.row[m.vid]]
                (out if v @ centres[1] > v @ centres[0] else keep).append(m)
        if not out or not keep:
            return False
        names = (payload.get("names") or [None, None]) + [None, None]
        first = self._make(keep, theme.name, theme.terms)
        second = self._make(out, "", [])
        first.renamed, first.edits = theme.renamed, theme.edits + ["split by the PMO"]
        second.edits = [f"split from “{theme.name}” by the PMO"]
        for part, name in zip((first, second), names[:2]):
            if (name or "").strip():
                part.name, part.renamed = name.strip(), True
        index = next(i for i, t in enumerate(self.themes) if t is theme)
        self.themes[index:index + 1] = [first, second]
        name_themes(self.themes, self.items, self.vectors, only=[t for t in (first, second) if not t.renamed])
        return True

    def _gather(self, target: Theme, vids: Iterable[str]) -> Theme:
        """Pull members an edit recorded back into `target` when a recomputation put them elsewhere:
        what the PMO grouped stays grouped."""
        wanted = set(vids) - {m.vid for m in target.members}
        pulled, kept = [], []
        for theme in self.themes:
            stay = [m for m in theme.members if m.vid not in wanted]
            pulled += [m for m in theme.members if m.vid in wanted]
            if theme is target or len(stay) == len(theme.members):
                kept.append(theme)
            elif stay:
                kept.append(self._remake(theme, stay))
        if not pulled:
            return target
        grown = self._remake(target, target.members + pulled)
        self.themes = [grown if t is target else t for t in kept]
        return grown

    def _remake(self, theme: Theme, members: list[Item]) -> Theme:
        new = self._make(members, theme.name, theme.terms)
        new.renamed, new.edits = theme.renamed, list(theme.edits)
        return new

    def _part_centre(self, vids: list[str], stored) -> np.ndarray | None:
        rows = [self.row[v] for v in vids if v in self.row]
        if rows:
            return centroid(self.vectors[rows])
        return np.asarray(stored, dtype=np.float32) if stored else None

    def _make(self, members: list[Item], name: str, terms) -> Theme:
        return make_theme(members, self.vectors[[self.row[m.vid] for m in members]], name, terms)


def apply_overrides(themes: list[Theme], overrides: Sequence[ThemeOverride], items: list[Item],
                    vectors: np.ndarray) -> tuple[list[Theme], list[ThemeOverride]]:
    editor = _Editor(list(themes), items, vectors)
    for override in sorted(overrides, key=lambda o: o.id or 0):
        editor.apply(override)
    return editor.themes, editor.unmatched
