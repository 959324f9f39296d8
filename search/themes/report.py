"""The themes report: each theme counted by year and project type, its trend and its repeat failures.

`compute_themes` is the entry point; the clustering behind it is cached per
index generation. `DEFINITIONS` (shown on the themes page) is the contract for
what the numbers mean.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

import numpy as np
from sqlmodel import select

from kb.access import EVERYTHING, Visibility
from kb.db import generation
from kb.errors import NotFound
from kb.i18n import N_, _
from kb.models import ThemeOverride
from search.failures import (
    UNTYPED, DatedProject, Item, item_readings, load_items, load_projects, model_reads, past_projects,
)
from search.themes.clustering import MAX_THEMES, cluster_by_language
from search.themes.replay import apply_overrides
from search.themes.theme import RepeatFailure, Theme, build_themes

PRECEDENT_THRESHOLD = 0.485
"""Cosine (all-MiniLM-L6-v2) from which an earlier lesson is cited as a repeat failure's precedent."""

TREND_THRESHOLD = 0.10
"""A theme is rising (falling) when its least-squares slope is at least 10% of its mean per year up (down)."""

DEFINITIONS = {
    "items": N_("Published lessons whose polarity is “went wrong”, and published risks that materialised, of "
             "projects that are over (a running project's register is watched, not yet a past failure). "
             "Each language is grouped on its own, so no theme mixes languages. Lessons and risks written "
             "in Chinese are left out for now: the language model that judges meaning reads English only."),
    "occurred": N_("When a failure occurred: the lesson's own date if it has one; otherwise its project's "
                "end date (actual, else planned), else its start; otherwise the day its document was ingested."),
    "known": N_("When the organisation knew a lesson: the lesson's own date if it has one; otherwise its "
             "project's actual end date (lessons are captured at closure); otherwise the day its document "
             "was ingested."),
    "repeat": N_("A repeat failure is a project in the theme that started (actual start, else planned start) "
              "after a lesson on the same theme from another project was already known. Each project "
              "counts once per theme."),
    "trend": N_("Least-squares slope of the number of projects hit per year, over every year the data covers "
             "(years without any occurrence count as 0). Rising when the slope is at least a tenth of the "
             "theme's mean per year, falling at minus a tenth or below, otherwise flat; flat when fewer than 3 "
             "years are covered."),
    "projects": N_("Distinct projects with at least one lesson or materialised risk in the theme."),
    "precedent": N_("For each repeat failure, the earlier lesson (from another project, known before this project "
                 "started) that is closest in meaning to this project's own lessons and risks in the theme. "
                 "When none is close enough, the page says “no close precedent” instead of citing a weak one."),
    "counts": N_("Repeat failures are counted as project–theme pairs: a project that repeats three themes counts "
                 "three times. The number of distinct projects is given alongside."),
}
"""What the numbers mean, in plain words; `METHOD` is the exact method, shown one click away."""

# The precedent's method quotes its threshold: the catalogue holds it with a placeholder, filled where shown.
PRECEDENT_METHOD = N_(
    "Precedent = the earlier lesson maximising the cosine of the embeddings over (this project's item, earlier "
    "lesson) pairs within the theme; cited only when that cosine ≥ %(threshold)s. The threshold was read off the "
    "demo corpus: at or above it 32 of 34 pairs describe the same failure, between 0.44 and it only 7 of 20 do.")
METHOD_VALUES = {"threshold": PRECEDENT_THRESHOLD}

METHOD = {
    "themes": N_("Spherical k-means on the sentence embeddings (all-MiniLM-L6-v2) of each text, each language "
                 "apart, the number of themes chosen per language by cosine silhouette; Han-script texts are left "
                 "out while the model is English-only. A theme is named by the title of a member near its centre "
                 "that uses most of its distinctive terms; the terms are the top class-based TF-IDF (c-TF-IDF) "
                 "unigrams and bigrams of the members nearest the centre, used by at least two projects."),
    "precedent": PRECEDENT_METHOD % METHOD_VALUES,
    "edits": N_("The PMO's renames, merges and splits are kept and re-applied whenever the themes are recomputed; "
                "a renamed theme keeps the PMO's name."),
}


@dataclass
class Clustering:
    """The expensive part, cached per index generation: items, their vectors and labels."""

    generation: int
    items: list[Item]
    vectors: np.ndarray
    labels: np.ndarray
    projects: dict[int, DatedProject]
    took_s: float
    from_cache: bool = False
    unread: int = 0
    """Failures left out because the model cannot judge their meaning (`search.failures.model_reads`)."""
    covered: frozenset[int] = frozenset()
    """The projects whose failures the themes read: over, and not all of their failures unreadable.
    `projects` holds every visible project, so a page can still name a running one."""
    repeats: dict[tuple[str, ...], list[RepeatFailure]] = field(default_factory=dict)
    """Repeat failures per theme (by its members), kept with the clustering: finding each precedent compares
    every member with every earlier lesson, too slow to redo on every page view of 50,000 lessons."""


@dataclass
class ThemeReport:
    themes: list[Theme]
    projects: dict[int, DatedProject]
    years: list[int]
    project_types: list[str]
    projects_per_type: dict[str, int]
    generation: int
    unmatched_edits: list[ThemeOverride] = field(default_factory=list)
    took_s: float = 0.0
    cached: bool = False
    items: dict[str, Item] = field(default_factory=dict)
    covered: frozenset[int] = frozenset()
    """The projects whose failures the themes read (`Clustering.covered`): what repeat counts are out of."""

    def get(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise ThemeNotFound(_("No theme %(theme)s. Themes are recomputed when lessons change; "
                              "pick it again from the themes page.") % {"theme": repr(theme_id)})


class ThemeNotFound(NotFound):
    pass




def describe(theme: Theme, projects: dict[int, DatedProject], years: list[int],
             vectors: np.ndarray | None = None, repeats: list[RepeatFailure] | None = None) -> None:
    """Fill in counts by year and type, trend and repeat failures (`vectors`: unit rows aligned with
    `theme.members`, to pick each repeat's precedent; `repeats`: found before for these members)."""
    members = theme.members
    theme.projects = sorted({m.project_id for m in members if m.project_id is not None})
    theme.items_by_year = dict(sorted(Counter(m.occurred.year for m in members if m.occurred).items()))
    per_year: dict[int, set[int]] = defaultdict(set)
    for m in members:
        if m.occurred and m.project_id is not None:
            per_year[m.occurred.year].add(m.project_id)
    theme.projects_by_year = {y: len(per_year[y]) for y in sorted(per_year)}
    theme.projects_by_type = dict(sorted(Counter(projects[p].project_type for p in theme.projects).items()))
    theme.items_by_type = dict(sorted(Counter(
        projects[m.project_id].project_type if m.project_id in projects else UNTYPED for m in members).items()))
    theme.slope, theme.trend = trend([theme.projects_by_year.get(y, 0) for y in years])
    theme.repeats = repeats if repeats is not None else repeat_failures(members, projects, vectors)


def trend(counts: list[int]) -> tuple[float, str]:
    """(slope, rising|falling|flat) of yearly counts; see DEFINITIONS["trend"]."""
    if len(counts) < 3 or not any(counts):
        return 0.0, "flat"
    x = np.arange(len(counts), dtype=float)
    y = np.asarray(counts, dtype=float)
    slope = round(float(((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()), 6)
    relative = slope / float(y.mean())
    return slope, "rising" if relative >= TREND_THRESHOLD else "falling" if relative <= -TREND_THRESHOLD else "flat"


def repeat_failures(members: list[Item], projects: dict[int, DatedProject], vectors: np.ndarray | None = None,
                    threshold: float = PRECEDENT_THRESHOLD) -> list[RepeatFailure]:
    """Projects of the theme that started after another project's lesson on it was known, each with its
    precedent: the earlier lesson closest in meaning to the project's own items in the theme (`vectors`,
    unit rows aligned with `members`), cited only at cosine ≥ `threshold`. Without vectors the earliest
    such lesson is cited."""
    lessons = [n for _, _, n in sorted((m.known, m.order, n) for n, m in enumerate(members)
                                       if m.kind == "lesson" and m.known)]
    # Every member against every dated lesson, once per theme (not once per project: 50,000 lessons).
    sims = vectors @ vectors[lessons].T if vectors is not None and lessons else None
    order = np.array(lessons, dtype=np.int64)
    known = np.array([members[n].known.toordinal() for n in lessons], dtype=np.int64)
    source = np.array([-1 if members[n].project_id is None else members[n].project_id for n in lessons])
    own_items: dict[int, list[int]] = defaultdict(list)
    for n, m in enumerate(members):
        if m.project_id is not None:
            own_items[m.project_id].append(n)
    out = []
    for pid, own in sorted(own_items.items()):
        start = projects[pid].start if pid in projects else None
        if start is None:
            continue
        cut = int(np.searchsorted(known, start.toordinal(), side="left"))   # lessons known before the start
        earlier = np.flatnonzero(source[:cut] != pid)
        if not len(earlier):
            continue
        repeat = RepeatFailure(pid, start, None, None, first_known=members[lessons[earlier[0]]].known)
        out.append(_with_precedent(repeat, members, own, order[earlier],
                                   None if sims is None else sims[own][:, earlier], threshold))
    return out


def _with_precedent(repeat: RepeatFailure, members: list[Item], own: list[int], earlier: np.ndarray,
                    sims: np.ndarray | None, threshold: float) -> RepeatFailure:
    """`sims`: cosine of this project's items (rows) × the earlier lessons (columns, earliest first)."""
    if sims is None:
        first = members[int(earlier[0])]
        return replace(repeat, earlier_vid=first.vid, earlier_known=first.known)
    i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)  # ties: earliest lesson, first own item
    best, precedent = float(sims[i, j]), members[int(earlier[j])]
    repeat = replace(repeat, similarity=round(best, 4), item_vid=members[own[i]].vid)
    if best < threshold:
        return repeat
    return replace(repeat, earlier_vid=precedent.vid, earlier_known=precedent.known)


def repeat_counts(report: "ThemeReport") -> dict:
    """Repeat failures counted both ways, with a sentence that says which is which."""
    repeats = [r for t in report.themes for r in t.repeats]
    projects = len({r.project_id for r in repeats})
    cited = sum(r.cited for r in repeats)
    covered = len(report.covered)
    return {"pairs": len(repeats), "projects": projects, "of_projects": covered, "cited": cited,
            "text": f"{len(repeats)} project–theme pair{'s' if len(repeats) != 1 else ''} in {projects} of "
                    f"{covered} projects"}


# --- the entry point ------------------------------------------------------------------

_cache: dict[tuple, Clustering] = {}
CACHED_AUDIENCES = 16
_lock = threading.Lock()


def compute_clustering(kb, *, max_themes: int = MAX_THEMES, use_cache: bool = True,
                       visible: Visibility = EVERYTHING) -> Clustering:
    """Items, vectors and theme labels, recomputed only when the index generation changed. The items
    of projects `visible` hides are left out before clustering (cached per hidden set), so an audience's
    themes are those of a knowledge base without those projects."""
    key = (kb.settings.sqlalchemy_url, kb.settings.chroma_url or str(kb.settings.chroma_path),
           kb.settings.chroma_collection, max_themes, visible.hidden_projects, _second_model(kb))
    with kb.session() as session:
        gen = generation(session)
        with _lock:
            hit = _cache.get(key)
        if use_cache and hit is not None and hit.generation == gen:
            return replace(hit, from_cache=True)
        started = time.perf_counter()
        projects = load_projects(session, visible.hidden_projects)
        past = past_projects(projects)
        failures = load_items(session, past)
    items = [i for i in failures if model_reads(i.text, kb)]
    # A project whose every failure is unreadable (a Chinese project) is not among those the themes cover.
    unread_only = {i.project_id for i in failures} - {i.project_id for i in items}
    covered = frozenset(pid for pid in past if pid not in unread_only)
    vectors = item_readings(kb, items).by_language()  # each language in the model that reads it
    labels = (cluster_by_language(vectors, [i.language for i in items], max_themes=max_themes) if items
              else np.zeros(0, dtype=int))
    result = Clustering(gen, items, vectors, labels, projects, time.perf_counter() - started,
                        unread=len(failures) - len(items), covered=covered)
    with _lock:
        _cache[key] = result
        while len(_cache) > CACHED_AUDIENCES:  # one entry per distinct hidden set: keep the newest
            _cache.pop(next(iter(_cache)))
    return result


def _second_model(kb) -> str:
    """The multilingual model's name ('' when off): it decides which items the themes read."""
    second = getattr(kb, "multilingual", None)
    return second.name if second is not None else ""


def compute_themes(kb, *, max_themes: int = MAX_THEMES, use_cache: bool = True,
                   visible: Visibility = EVERYTHING) -> ThemeReport:
    """Recurring failure themes with the PMO's edits applied, most repeated first (of what `visible` shows)."""
    started = time.perf_counter()
    base = compute_clustering(kb, max_themes=max_themes, use_cache=use_cache, visible=visible)
    with kb.session() as session:
        overrides = list(session.exec(select(ThemeOverride).order_by(ThemeOverride.id)))
    themes = build_themes(base.items, base.vectors, base.labels) if base.items else []
    themes, unmatched = apply_overrides(themes, overrides, base.items, base.vectors)
    years = _year_span(base.items)
    row = {item.vid: n for n, item in enumerate(base.items)}
    for theme in themes:
        key = tuple(m.vid for m in theme.members)
        known = base.repeats.get(key)
        vectors = base.vectors[[row[v] for v in key]] if known is None else None
        describe(theme, base.projects, years, vectors, repeats=known)
        with _lock:
            base.repeats[key] = theme.repeats
    themes.sort(key=lambda t: (-t.repeat_failures, -len(t.projects), -len(t.members), t.id))
    types = Counter(base.projects[pid].project_type for pid in base.covered)
    used = sorted({t for theme in themes for t in theme.projects_by_type})
    return ThemeReport(themes, base.projects, years, used, dict(types), base.generation, unmatched,
                       time.perf_counter() - started, base.from_cache, {i.vid: i for i in base.items},
                       base.covered)


def _year_span(items: list[Item]) -> list[int]:
    years = [i.occurred.year for i in items if i.occurred]
    return list(range(min(years), max(years) + 1)) if years else []
