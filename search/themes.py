"""Recurring failure themes: which failures keep coming back.

The "went wrong" lessons and the materialised risks of every project are
grouped by meaning into themes, and each theme is counted by year and by
project type, given a trend, and checked for *repeat failures*.

Algorithm (deterministic: the same data always gives the same themes):

1. Items are the published lessons with polarity "went wrong" and the
   published risks that materialised, in id order. Their vectors come from
   the vector index; an item missing there is embedded from its SQL text.
2. Spherical k-means (k-means on unit vectors) with a fixed seed. k is the
   value in a small grid from 2 to √(n/2) (at most `max_themes`) with the
   best cosine silhouette, measured on a sample of at most `SAMPLE` items
   (silhouette is quadratic). Above `SAMPLE` items the final k-means starts
   from the sample's centres, so 50,000 lessons take seconds, not hours
   (agglomerative clustering would need a 50,000² distance matrix).
3. Each theme is named by its three most distinctive terms: class-based
   TF-IDF (c-TF-IDF) over the texts of the members nearest its centre.
4. PMO edits (rename, merge, split) are `ThemeOverride` rows, replayed in the
   order they were made. Each edit records the members of the themes it
   touched (and their centres); after a recomputation it applies to the
   theme that now holds most of those members (at least half), else to the
   theme whose centre is nearest (cosine ≥ 0.9), else it is reported as no
   longer matching.

Definitions shown on the themes page (`DEFINITIONS`) are the contract for
what the numbers mean.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import SimpleNamespace
from typing import Iterable, Sequence

import numpy as np
from sqlmodel import Session, select

from kb.db import generation
from kb.errors import KBError, NotFound
from kb.models import Document, Lesson, Project, Risk, ThemeOverride
from kb.texts import lesson_text, risk_text, vector_id

MAX_THEMES = 40
SAMPLE = 2000
"""Items used to choose the number of themes (silhouette is quadratic in this)."""
NAME_DOCS = 300
"""Members nearest the centre whose text names a theme."""
MATCH_OVERLAP = 0.5
MATCH_COSINE = 0.9
TREND_THRESHOLD = 0.10
"""A theme is rising (falling) when its least-squares slope is at least 10% of its mean per year up (down)."""
UNTYPED = "(unspecified)"

DEFINITIONS = {
    "items": "Published lessons whose polarity is “went wrong”, and published risks that materialised.",
    "occurred": "When a failure occurred: the lesson's own date if it has one; otherwise its project's "
                "end date (actual, else planned), else its start; otherwise the day its document was ingested.",
    "known": "When the organisation knew a lesson: the lesson's own date if it has one; otherwise its "
             "project's actual end date (lessons are captured at closure); otherwise the day its document "
             "was ingested.",
    "repeat": "A repeat failure is a project in the theme that started (actual start, else planned start) "
              "after a lesson on the same theme from another project was already known. Each project "
              "counts once per theme.",
    "trend": "Least-squares slope of the number of projects hit per year, over every year the data covers "
             "(years without any occurrence count as 0). Rising when the slope is at least +10% of the "
             "theme's mean per year, falling at −10% or below, otherwise flat; flat when fewer than 3 years "
             "are covered.",
    "projects": "Distinct projects with at least one lesson or materialised risk in the theme.",
}


# --- items -------------------------------------------------------------------

@dataclass
class ProjectInfo:
    id: int
    code: str
    name: str
    project_type: str
    start: date | None
    end: date | None
    """Actual end, else planned end."""
    actual_end: date | None


@dataclass
class Item:
    """A lesson or a materialised risk, as the themes see it."""

    vid: str
    kind: str
    id: int
    title: str
    text: str
    project_id: int | None
    occurred: date | None
    known: date | None

    @property
    def order(self) -> tuple[int, int]:
        return (self.kind == "risk", self.id)


def load_projects(session: Session) -> dict[int, ProjectInfo]:
    cols = (Project.id, Project.code, Project.name, Project.project_type, Project.actual_start,
            Project.planned_start, Project.actual_end, Project.planned_end)
    return {pid: ProjectInfo(pid, code, name, ptype or UNTYPED, a_start or p_start, a_end or p_end, a_end)
            for pid, code, name, ptype, a_start, p_start, a_end, p_end in session.exec(select(*cols))}


def load_items(session: Session, projects: dict[int, ProjectInfo], *, polarity: str | None = "went wrong",
               risks: bool = True) -> list[Item]:
    """Lessons (of one polarity; None for all) and, if `risks`, materialised risks, in id order."""
    ingested = {did: _day(at) for did, at in session.exec(select(Document.id, Document.ingested_at))}
    query = select(Lesson.id, Lesson.title, Lesson.what_happened, Lesson.cause, Lesson.impact,
                   Lesson.recommendation, Lesson.lesson_date, Lesson.project_id, Lesson.document_id
                   ).where(Lesson.published == True)  # noqa: E712 (SQL expression)
    if polarity:
        query = query.where(Lesson.polarity == polarity)
    items = []
    for lid, title, happened, cause, impact, rec, when, pid, did in session.exec(query.order_by(Lesson.id)):
        text = lesson_text(SimpleNamespace(title=title, what_happened=happened, cause=cause, impact=impact,
                                           recommendation=rec))
        items.append(_item("lesson", lid, title, text, projects.get(pid), when, ingested.get(did)))
    if risks:
        query = select(Risk.id, Risk.title, Risk.description, Risk.cause, Risk.effect, Risk.response,
                       Risk.project_id, Risk.document_id).where(
            Risk.published == True, (Risk.materialised == True) | (Risk.status == "materialised"))  # noqa: E712
        for rid, title, desc, cause, effect, resp, pid, did in session.exec(query.order_by(Risk.id)):
            text = risk_text(SimpleNamespace(title=title, description=desc, cause=cause, effect=effect,
                                             response=resp))
            items.append(_item("risk", rid, title, text, projects.get(pid), None, ingested.get(did)))
    return items


def _item(kind, item_id, title, text, project: ProjectInfo | None, own: date | None, ingested: date | None) -> Item:
    occurred = own or (project and (project.end or project.start)) or ingested
    known = own or (project and project.actual_end) or ingested
    return Item(vector_id(kind, item_id), kind, item_id, title, text, project.id if project else None,
                occurred, known)


def item_vectors(kb, items: Sequence[Item]) -> np.ndarray:
    """Unit vectors for `items`, from the index; items missing there are embedded from their text."""
    if not items:
        return np.zeros((0, 1), dtype=np.float32)
    found = _vectors_from_index(kb, [i.vid for i in items])
    missing = [i for i in items if i.vid not in found]
    if missing:
        fresh = kb.embedder.embed_batch([i.text for i in missing])
        found.update({i.vid: v for i, v in zip(missing, fresh)})
    matrix = np.vstack([found[i.vid] for i in items]).astype(np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def _vectors_from_index(kb, vids: list[str]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    try:
        wanted = set(vids)
        if len(vids) * 2 > kb.vectors.count():  # reading everything beats many lookups
            for batch in kb.vectors.iter_batches():
                out.update((vid, vec) for vid, vec in zip(batch.ids, batch.embeddings) if vid in wanted)
        else:
            for start in range(0, len(vids), 2000):
                batch = kb.vectors.get(vids[start:start + 2000])
                out.update(zip(batch.ids, batch.embeddings))
    except Exception:
        return {}  # the index is unreachable: embed everything from SQL instead
    return out


# --- clustering ----------------------------------------------------------------

def k_candidates(n: int, max_themes: int = MAX_THEMES) -> list[int]:
    """Numbers of themes to try: 2 up to the rule-of-thumb √(n/2), at most `max_themes`.

    Silhouette alone keeps rising with k on short texts (smaller clusters are always tighter), so the
    rule of thumb bounds it; within the bound silhouette picks."""
    top = max(2, min(max_themes, round(math.sqrt(n / 2)), n - 1))
    grid = {k for k in (2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 20, 25, 30, 35, 40, 50, 60) if k < top}
    return sorted(grid | {top})


def cluster(vectors: np.ndarray, *, max_themes: int = MAX_THEMES, seed: int = 0) -> np.ndarray:
    """A theme label per row of unit `vectors` (spherical k-means, k by silhouette)."""
    from sklearn.cluster import KMeans

    n = len(vectors)
    if n < 4:
        return np.arange(n)
    k, centres = choose_k(vectors, max_themes=max_themes, seed=seed)
    if n <= SAMPLE:
        return KMeans(n_clusters=k, n_init=4, random_state=seed).fit(vectors).labels_
    # Large: start from the centres found on the sample; a few Lloyd passes over everything finish the job.
    return KMeans(n_clusters=k, init=centres, n_init=1, max_iter=50, random_state=seed).fit(vectors).labels_


def choose_k(vectors: np.ndarray, *, max_themes: int = MAX_THEMES, seed: int = 0) -> tuple[int, np.ndarray]:
    """The number of themes with the best cosine silhouette on a sample, and that fit's centres."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    rng = np.random.RandomState(seed)
    sample = vectors if len(vectors) <= SAMPLE else vectors[np.sort(rng.choice(len(vectors), SAMPLE, replace=False))]
    distances = np.clip(1.0 - sample @ sample.T, 0.0, 2.0)
    np.fill_diagonal(distances, 0.0)
    best = (-2.0, 2, None)
    n_init = 4 if len(sample) <= 1000 else 1  # restarts are cheap on small samples and steady the choice
    for k in k_candidates(len(sample), max_themes):
        model = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(sample)
        if len(set(model.labels_)) < 2:
            continue
        score = silhouette_score(distances, model.labels_, metric="precomputed")
        if score > best[0] + 1e-9:
            best = (score, k, model.cluster_centers_)
    return best[1], best[2]


# --- naming (c-TF-IDF) -----------------------------------------------------------

DOMAIN_STOP_WORDS = frozenset("""
project projects team teams went wrong lesson lessons learned issue issues problem problems risk risks
caused cause causes impact impacts recommendation recommendations result resulted resulting did didn does
make made using used use like just also new week weeks month months day days time times phase lot got
need needed needs way ways work worked working really many much later early led twice once still able
""".split())


def name_terms(texts_by_theme: Sequence[Sequence[str]], weights_by_theme: Sequence[Sequence[float]] | None = None,
               sources_by_theme: Sequence[Sequence[object]] | None = None, n_terms: int = 3) -> list[list[str]]:
    """The most distinctive terms of each group of texts, by c-TF-IDF over unigrams and bigrams.

    A text's words count `weight` times (its cosine to the theme centre), so stray members sway the name
    less. A term must occur in texts from at least two sources (projects) of a theme that has two or
    more, and scores more the more of them use it: a project's own jargon does not name a theme.
    """
    from scipy import sparse
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    texts = [t for group in texts_by_theme for t in group]
    if not any(t.strip() for t in texts):
        return [[] for _ in texts_by_theme]
    vectorizer = CountVectorizer(ngram_range=(1, 2), stop_words=sorted(ENGLISH_STOP_WORDS | DOMAIN_STOP_WORDS),
                                 token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z-]+\b")
    try:
        counts = vectorizer.fit_transform(texts).tocsr().astype(np.float64)
    except ValueError:  # nothing but stop words
        return [[] for _ in texts_by_theme]
    weights = weights_by_theme or [[1.0] * len(g) for g in texts_by_theme]
    sources = sources_by_theme or [list(range(len(g))) for g in texts_by_theme]
    rows = [i for i, group in enumerate(texts_by_theme) for _ in group]
    flat = np.clip([w for group in weights for w in group], 0.05, None)
    assign = sparse.csr_matrix((flat, (rows, range(len(texts)))), shape=(len(texts_by_theme), len(texts)))
    per_theme = np.asarray((assign @ counts).todense())
    spread, n_sources = _source_spread(counts, rows, sources, len(texts_by_theme))
    tf = per_theme / np.maximum(per_theme.sum(axis=1, keepdims=True), 1e-9)
    avg_words = per_theme.sum() / len(texts_by_theme)
    idf = np.log(1 + avg_words / np.maximum(per_theme.sum(axis=0), 1e-9))
    scores = tf * idf * np.sqrt(spread / np.maximum(n_sources, 1)[:, None])
    terms = vectorizer.get_feature_names_out()
    return [_top_terms(terms, scores[i], spread[i], n_sources[i], n_terms) for i in range(len(texts_by_theme))]


def _source_spread(counts, rows: list[int], sources: Sequence[Sequence[object]], n_themes: int):
    """(themes × terms) number of distinct sources using each term, and the number of sources per theme."""
    from scipy import sparse

    pair_of: dict[tuple[int, object], int] = {}
    flat_sources = [src if src is not None else ("text", n) for n, src in
                    enumerate(x for group in sources for x in group)]
    pairs = [pair_of.setdefault((theme, src), len(pair_of)) for theme, src in zip(rows, flat_sources)]
    to_pair = sparse.csr_matrix((np.ones(len(pairs)), (pairs, range(len(pairs)))), shape=(len(pair_of), len(pairs)))
    used = ((to_pair @ (counts > 0).astype(np.float64)) > 0).astype(np.float64)
    theme_of_pair = [theme for theme, _ in pair_of]
    to_theme = sparse.csr_matrix((np.ones(len(pair_of)), (theme_of_pair, range(len(pair_of)))),
                                 shape=(n_themes, len(pair_of)))
    return np.asarray((to_theme @ used).todense()), np.bincount(theme_of_pair, minlength=n_themes)


def _top_terms(terms, scores, spread, n_sources: int, n_terms: int) -> list[str]:
    chosen: list[tuple[str, ...]] = []
    names: list[str] = []
    need = 2 if n_sources > 1 else 1
    for j in np.lexsort((terms, -scores)):
        term = str(terms[j])
        if spread[j] < need or scores[j] <= 0:
            continue
        stems = tuple(_stem(w) for w in term.split())
        if any(_contains(" ".join(stems), " ".join(c)) or _contains(" ".join(c), " ".join(stems)) for c in chosen):
            continue
        chosen.append(stems)
        names.append(term)
        if len(names) == n_terms:
            break
    return names


def _stem(word: str) -> str:
    """Just enough stemming to see that "interface" and "interfaces", "testing" and "test" are one term."""
    for suffix in ("ing", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _contains(longer: str, shorter: str) -> bool:
    return f" {shorter} " in f" {longer} "


# --- themes ---------------------------------------------------------------------

@dataclass
class RepeatFailure:
    project_id: int
    start: date
    earlier_vid: str
    """The earliest lesson on the theme from another project that was known before this project started."""
    earlier_known: date


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


@dataclass
class Clustering:
    """The expensive part, cached per index generation: items, their vectors and labels."""

    generation: int
    items: list[Item]
    vectors: np.ndarray
    labels: np.ndarray
    projects: dict[int, ProjectInfo]
    took_s: float
    from_cache: bool = False


@dataclass
class ThemeReport:
    themes: list[Theme]
    projects: dict[int, ProjectInfo]
    years: list[int]
    project_types: list[str]
    projects_per_type: dict[str, int]
    generation: int
    unmatched_edits: list[ThemeOverride] = field(default_factory=list)
    took_s: float = 0.0
    cached: bool = False
    items: dict[str, Item] = field(default_factory=dict)

    def get(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise ThemeNotFound(f"No theme {theme_id!r}. Themes are recomputed when lessons change; "
                            "pick it again from the themes page.")


class ThemeNotFound(NotFound):
    pass


def theme_id(members: Iterable[Item]) -> str:
    """Named after its oldest lesson (else risk), so it stays put while that member does."""
    anchor = min(members, key=lambda m: m.order)
    return hashlib.sha1(anchor.vid.encode()).hexdigest()[:8]


def _centroid(vectors: np.ndarray) -> np.ndarray:
    c = vectors.mean(axis=0)
    norm = np.linalg.norm(c)
    return c / norm if norm else c


def build_themes(items: list[Item], vectors: np.ndarray, labels: np.ndarray) -> list[Theme]:
    groups: dict[int, list[int]] = defaultdict(list)
    for row, label in enumerate(labels):
        groups[int(label)].append(row)
    themes = [_theme([items[r] for r in rows], vectors[rows]) for _, rows in sorted(groups.items())]
    _name(themes, items, vectors)
    return themes


def _theme(members: list[Item], vectors: np.ndarray, name: str = "", terms=None) -> Theme:
    return Theme(theme_id(members), name, list(terms or []), sorted(members, key=lambda m: m.order),
                 _centroid(vectors))


def _name(themes: list[Theme], items: list[Item], vectors: np.ndarray, only: Iterable[Theme] | None = None) -> None:
    """Name themes from the text of the members nearest their centre (all themes take part in the IDF)."""
    row = {item.vid: i for i, item in enumerate(items)}
    texts, weights, sources = [], [], []
    for theme in themes:
        sims = vectors[[row[m.vid] for m in theme.members]] @ theme.centroid
        nearest = np.argsort(-sims, kind="stable")[:NAME_DOCS]
        texts.append([theme.members[i].text for i in nearest])
        weights.append([float(sims[i]) for i in nearest])
        sources.append([theme.members[i].project_id for i in nearest])
    wanted = {id(t) for t in (only if only is not None else themes)}
    for theme, terms in zip(themes, name_terms(texts, weights, sources)):
        if id(theme) in wanted and not theme.renamed:
            theme.terms = terms
            theme.name = " · ".join(terms) or theme.members[0].title[:60]


# --- PMO edits --------------------------------------------------------------------

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
        _name(self.themes, self.items, self.vectors, only=[t for t in (first, second) if not t.renamed])
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
            return _centroid(self.vectors[rows])
        return np.asarray(stored, dtype=np.float32) if stored else None

    def _make(self, members: list[Item], name: str, terms) -> Theme:
        return _theme(members, self.vectors[[self.row[m.vid] for m in members]], name, terms)


def apply_overrides(themes: list[Theme], overrides: Sequence[ThemeOverride], items: list[Item],
                    vectors: np.ndarray) -> tuple[list[Theme], list[ThemeOverride]]:
    editor = _Editor(list(themes), items, vectors)
    for override in sorted(overrides, key=lambda o: o.id or 0):
        editor.apply(override)
    return editor.themes, editor.unmatched


# --- statistics -------------------------------------------------------------------

def describe(theme: Theme, projects: dict[int, ProjectInfo], years: list[int]) -> None:
    """Fill in counts by year and type, trend and repeat failures."""
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
    theme.repeats = repeat_failures(members, projects)


def trend(counts: list[int]) -> tuple[float, str]:
    """(slope, rising|falling|flat) of yearly counts; see DEFINITIONS["trend"]."""
    if len(counts) < 3 or not any(counts):
        return 0.0, "flat"
    x = np.arange(len(counts), dtype=float)
    y = np.asarray(counts, dtype=float)
    slope = round(float(((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()), 6)
    relative = slope / float(y.mean())
    return slope, "rising" if relative >= TREND_THRESHOLD else "falling" if relative <= -TREND_THRESHOLD else "flat"


def repeat_failures(members: list[Item], projects: dict[int, ProjectInfo]) -> list[RepeatFailure]:
    """Projects of the theme that started after another project's lesson on it was known."""
    known = sorted((m.known, m.order, m) for m in members if m.kind == "lesson" and m.known)
    out = []
    for pid in sorted({m.project_id for m in members if m.project_id is not None}):
        start = projects[pid].start if pid in projects else None
        if start is None:
            continue
        earlier = next((m for when, _, m in known if when < start and m.project_id != pid), None)
        if earlier is not None:
            out.append(RepeatFailure(pid, start, earlier.vid, earlier.known))
    return out


# --- the entry point ------------------------------------------------------------------

_cache: dict[tuple, Clustering] = {}
_lock = threading.Lock()


def compute_clustering(kb, *, max_themes: int = MAX_THEMES, use_cache: bool = True) -> Clustering:
    """Items, vectors and theme labels, recomputed only when the index generation changed."""
    key = (kb.settings.sqlalchemy_url, kb.settings.chroma_url or str(kb.settings.chroma_path),
           kb.settings.chroma_collection, max_themes)
    with kb.session() as session:
        gen = generation(session)
        with _lock:
            hit = _cache.get(key)
        if use_cache and hit is not None and hit.generation == gen:
            return replace(hit, from_cache=True)
        started = time.perf_counter()
        projects = load_projects(session)
        items = load_items(session, projects)
    vectors = item_vectors(kb, items)
    labels = cluster(vectors, max_themes=max_themes) if items else np.zeros(0, dtype=int)
    result = Clustering(gen, items, vectors, labels, projects, time.perf_counter() - started)
    with _lock:
        _cache[key] = result
    return result


def compute_themes(kb, *, max_themes: int = MAX_THEMES, use_cache: bool = True) -> ThemeReport:
    """Recurring failure themes with the PMO's edits applied, most repeated first."""
    started = time.perf_counter()
    base = compute_clustering(kb, max_themes=max_themes, use_cache=use_cache)
    with kb.session() as session:
        overrides = list(session.exec(select(ThemeOverride).order_by(ThemeOverride.id)))
    themes = build_themes(base.items, base.vectors, base.labels) if base.items else []
    themes, unmatched = apply_overrides(themes, overrides, base.items, base.vectors)
    years = _year_span(base.items)
    for theme in themes:
        describe(theme, base.projects, years)
    themes.sort(key=lambda t: (-t.repeat_failures, -len(t.projects), -len(t.members), t.id))
    types = Counter(p.project_type for p in base.projects.values())
    used = sorted({t for theme in themes for t in theme.projects_by_type})
    return ThemeReport(themes, base.projects, years, used, dict(types), base.generation, unmatched,
                       time.perf_counter() - started, base.from_cache, {i.vid: i for i in base.items})


def _year_span(items: list[Item]) -> list[int]:
    years = [i.occurred.year for i in items if i.occurred]
    return list(range(min(years), max(years) + 1)) if years else []


# --- recording PMO edits ------------------------------------------------------------

def rename_theme(kb, theme_id: str, name: str) -> ThemeOverride:
    name = (name or "").strip()
    if not name:
        raise InvalidThemeEdit("Give the theme a name.")
    theme = compute_themes(kb).get(theme_id)
    return _record(kb, "rename", {"theme": theme.ref(), "name": name[:200]})


def merge_themes(kb, theme_ids: Sequence[str], name: str | None = None) -> ThemeOverride:
    ids = list(dict.fromkeys(theme_ids))
    if len(ids) < 2:
        raise InvalidThemeEdit("Pick at least two themes to merge.")
    report = compute_themes(kb)
    refs = [report.get(t).ref() for t in ids]
    return _record(kb, "merge", {"themes": refs, "name": (name or "").strip()[:200] or None})


def split_theme(kb, theme_id: str, member_vids: Sequence[str] | None = None,
                names: Sequence[str | None] = (None, None)) -> ThemeOverride:
    """Split out `member_vids` (e.g. "lesson-12") into a new theme; without them, split in two by meaning."""
    report = compute_themes(kb)
    theme = report.get(theme_id)
    if len(theme.members) < 2:
        raise InvalidThemeEdit("A theme with one lesson cannot be split.")
    vids = [m.vid for m in theme.members]
    moved = [v for v in (member_vids or []) if v in set(vids)]
    if member_vids and not moved:
        raise InvalidThemeEdit("None of the selected lessons belong to this theme.")
    if not moved:
        moved = _auto_split(theme, kb)
    if len(moved) == len(vids):
        raise InvalidThemeEdit("Leave at least one lesson in the original theme.")
    keep = [v for v in vids if v not in set(moved)]
    base = compute_clustering(kb)
    row = {i.vid: n for n, i in enumerate(base.items)}
    centroids = [[round(float(x), 4) for x in _centroid(base.vectors[[row[v] for v in part]])] for part in (keep, moved)]
    payload = {"theme": theme.ref(), "parts": [keep, moved], "centroids": centroids,
               "names": [(n or "").strip()[:200] or None for n in list(names)[:2]]}
    return _record(kb, "split", payload)


def _auto_split(theme: Theme, kb) -> list[str]:
    base = compute_clustering(kb)
    row = {i.vid: n for n, i in enumerate(base.items)}
    vectors = base.vectors[[row[m.vid] for m in theme.members]]
    from sklearn.cluster import KMeans

    labels = KMeans(n_clusters=2, n_init=4, random_state=0).fit(vectors).labels_
    # The part without the theme's anchor moves, so the theme keeps its id.
    anchor_label = labels[0]
    return [m.vid for m, label in zip(theme.members, labels) if label != anchor_label]


def undo_last_edit(kb) -> ThemeOverride | None:
    with kb.session() as session:
        last = session.exec(select(ThemeOverride).order_by(ThemeOverride.id.desc())).first()
        if last is not None:
            session.delete(last)
            session.commit()
        return last


def _record(kb, action: str, payload: dict) -> ThemeOverride:
    with kb.session() as session:
        row = ThemeOverride(action=action, payload=payload)
        session.add(row)
        session.commit()
        return row


class InvalidThemeEdit(KBError):
    """A rename, merge or split that cannot be done as asked."""


def _day(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.date() if isinstance(value, datetime) else value
