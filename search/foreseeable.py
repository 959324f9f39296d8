"""Foreseeable failures: materialised risks that an earlier lesson had already described.

A materialised risk is *foreseeable* when some published lesson that warns
(polarity "went wrong", or any lesson with a recommendation; never a
"went well" one) from another project was known before the risk's project
started and says the same thing: the cosine similarity of their embeddings is at
least `THRESHOLD` (users read "similar in meaning"; the exact rule sits behind
"How this is computed"). "Known" is defined in `search.failures` and worded for
users in `search.themes.DEFINITIONS` (lesson date, else its project's actual
end, else ingestion). A risk whose
project has no start date cannot be judged and counts as not foreseeable.
A pair with a Chinese side is compared by the multilingual model, mapped onto
the main model's scale (`search.failures.Readings`); with that model off,
Chinese texts are left out on both sides (`search.failures.model_reads`).

`kb.metrics` takes the ids this module finds as `foreseeable_risk_ids`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

import numpy as np

from kb.access import EVERYTHING, Visibility
from kb.db import generation
from search.failures import Item, Readings, item_readings, load_items, load_projects, model_reads

THRESHOLD = 0.55
"""Cosine similarity (all-MiniLM-L6-v2) from which a lesson counts as describing a risk."""
_FAR_FUTURE = date.max.toordinal()


@dataclass(frozen=True)
class Foresight:
    risk_id: int
    project_id: int
    lesson_id: int
    similarity: float
    lesson_known: date
    project_start: date
    risk_title: str = ""
    lesson_title: str = ""
    lesson_project_id: int | None = None


_cache: dict[tuple, tuple[int, dict[int, Foresight]]] = {}
CACHED_AUDIENCES = 16
_lock = threading.Lock()


def foreseeable_risks(kb, *, threshold: float = THRESHOLD, use_cache: bool = True,
                      visible: Visibility = EVERYTHING) -> dict[int, Foresight]:
    """Materialised risk id -> the most similar earlier lesson, for risks an earlier lesson described;
    computed as if the projects `visible` hides did not exist (cached per hidden set)."""
    second = getattr(kb, "multilingual", None)  # it decides which items are compared, and how
    key = (kb.settings.sqlalchemy_url, kb.settings.chroma_collection, threshold, visible.hidden_projects,
           second.name if second is not None else "")
    with kb.session() as session:
        gen = generation(session)
        with _lock:
            hit = _cache.get(key)
        if use_cache and hit and hit[0] == gen:
            return hit[1]
        projects = load_projects(session, visible.hidden_projects)
        items = load_items(session, projects, polarity=None, risks=True)
    items = [i for i in items if model_reads(i.text, kb)]
    lessons = [i for i in items if i.kind == "lesson" and warns(i)]
    risks = [i for i in items if i.kind == "risk"]
    starts = {pid: p.start for pid, p in projects.items()}
    found = match(risks, lessons, item_readings(kb, risks), item_readings(kb, lessons), starts, threshold)
    with _lock:
        _cache[key] = (gen, found)
        while len(_cache) > CACHED_AUDIENCES:  # one entry per distinct hidden set: keep the newest
            _cache.pop(next(iter(_cache)))
    return found


def warns(lesson: Item) -> bool:
    """A lesson that could have foreseen a failure: one about something that went wrong, or one that
    recommends something. "We cut over in waves and it lowered the risk" went well: it foresees nothing."""
    return lesson.polarity != "went well" and (lesson.polarity == "went wrong" or lesson.advice)


def match(risks: list[Item], lessons: list[Item], risk_vecs: np.ndarray | Readings, lesson_vecs: np.ndarray | Readings,
          starts: dict[int, date | None], threshold: float, chunk: int = 256) -> dict[int, Foresight]:
    """For each risk, the most similar lesson known before its project started, if similar enough
    (`Readings`, or plain unit vectors of one model)."""
    if not risks or not lessons:
        return {}
    known = np.array([l.known.toordinal() if l.known else _FAR_FUTURE for l in lessons])
    lesson_project = np.array([l.project_id if l.project_id is not None else -1 for l in lessons])
    out: dict[int, Foresight] = {}
    for lo in range(0, len(risks), chunk):
        part = risks[lo:lo + chunk]
        start = np.array([_ordinal(starts.get(r.project_id)) for r in part])
        project = np.array([r.project_id if r.project_id is not None else -2 for r in part])
        sims = _similarities(risk_vecs, lesson_vecs, lo, lo + chunk)
        allowed = (known[None, :] < start[:, None]) & (lesson_project[None, :] != project[:, None])
        sims = np.where(allowed, sims, -1.0)
        best = sims.argmax(axis=1)
        for row, risk in enumerate(part):
            score = float(sims[row, best[row]])
            if score >= threshold:
                lesson = lessons[best[row]]
                out[risk.id] = Foresight(risk.id, risk.project_id, lesson.id, round(score, 4), lesson.known,
                                         starts[risk.project_id], risk.title, lesson.title, lesson.project_id)
    return out


def _similarities(risks: np.ndarray | Readings, lessons: np.ndarray | Readings, lo: int, hi: int) -> np.ndarray:
    if isinstance(risks, Readings):
        part = Readings(risks.main[lo:hi], None if risks.second is None else risks.second[lo:hi], risks.chinese[lo:hi])
        return part.on_main_scale(lessons)
    return risks[lo:hi] @ lessons.T


def _ordinal(day: date | None) -> int:
    return day.toordinal() if day else -1  # no start: nothing can be earlier
