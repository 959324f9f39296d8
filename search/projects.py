"""Similar past projects and the kickoff pack built from them."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

import numpy as np

from kb.errors import NotFound
from kb.models import KickoffPack
from kb.vocab import PROJECT_TYPE
from search.hits import fetch_rows, make_hit, project_ref
from search.index import RISK, Snapshot
from search.models import (
    Hit, KickoffPackResult, PackItem, PackSection, ProjectMatch, ProjectProfile, SearchRequest,
)
from search.text import sentences, term_counts

if TYPE_CHECKING:
    from search.engine import SearchEngine  # which imports this module

# How much each kind of likeness counts; the parts a profile leaves empty are left out.
WEIGHTS = {"type": 0.35, "industry": 0.15, "size": 0.1, "text": 0.4}
SIZES = ((500_000, "small"), (5_000_000, "medium"), (float("inf"), "large"))


def size_of(budget: float | None) -> str | None:
    if budget is None:
        return None
    return next(label for limit, label in SIZES if budget < limit)


def project_vectors(engine: SearchEngine, snap: Snapshot) -> tuple[list[int], np.ndarray]:
    """One unit vector per project: the mean of its lessons and risks plus its description."""
    if "projects" in snap.cache:
        return snap.cache["projects"]
    pids = sorted(snap.projects)
    index = {pid: i for i, pid in enumerate(pids)}
    dim = snap.dense.shape[1] if snap.size else 1
    sums = np.zeros((len(pids), dim), dtype=np.float32)
    rows = np.flatnonzero(snap.project_ids >= 0)
    np.add.at(sums, [index[int(p)] for p in snap.project_ids[rows]], snap.dense[rows])
    counts = np.bincount([index[int(p)] for p in snap.project_ids[rows]], minlength=len(pids))
    means = sums / np.maximum(counts, 1)[:, None]
    described = [pid for pid in pids if snap.projects[pid].description]
    if described and snap.size:
        desc = engine.kb.embedder.embed_batch([snap.projects[p].description for p in described])
        means[[index[p] for p in described]] += desc
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    snap.cache["projects"] = (pids, means / np.where(norms == 0, 1, norms))
    return snap.cache["projects"]


def profile_text(profile: ProjectProfile) -> str:
    return " ".join(x for x in (profile.project_type, profile.industry, profile.description) if x).strip()


def similar_projects(engine: SearchEngine, profile: ProjectProfile, limit: int = 5) -> list[ProjectMatch]:
    """Past projects ranked by type and industry match, size and what their lessons say."""
    snap = engine.snapshot()
    if not snap.projects:
        return []
    pids, vectors = project_vectors(engine, snap)
    ptype = PROJECT_TYPE.canonical(profile.project_type) or profile.project_type
    size = profile.size or size_of(profile.budget)
    text = profile_text(profile)
    sims = vectors @ engine.query_vector(text) if text else None
    matches = []
    for i, pid in enumerate(pids):
        p = snap.projects[pid]
        parts, reasons = {}, []
        if ptype:
            parts["type"] = float(_same(p.project_type, ptype))
            if parts["type"]:
                reasons.append(f"same project type ({p.project_type})")
        if profile.industry:
            parts["industry"] = float(_same(p.industry, profile.industry))
            if parts["industry"]:
                reasons.append(f"same industry ({p.industry})")
        if size:
            parts["size"] = float(size_of(p.budget) == size)
            if parts["size"]:
                reasons.append(f"similar size ({size})")
        if sims is not None:
            parts["text"] = max(0.0, float(sims[i]))
            if parts["text"] >= 0.4:
                reasons.append(f"similar lessons and description ({parts['text']:.2f})")
        if parts:
            score = sum(WEIGHTS[k] * v for k, v in parts.items()) / sum(WEIGHTS[k] for k in parts)
            matches.append(ProjectMatch(project=project_ref(snap, pid), score=round(score, 4), reasons=reasons))
    matches.sort(key=lambda m: -m.score)
    return [m for m in matches if m.score > 0][:limit]


def _same(a: str | None, b: str | None) -> bool:
    return bool(a and b and a.strip().lower() == b.strip().lower())


def kickoff_pack(engine: SearchEngine, profile: ProjectProfile, *, record: bool = True,
                 limit: int = 30) -> KickoffPackResult:
    """Lessons worth reading before a new project starts, as a checklist by category,
    plus the risks that materialised on similar past projects."""
    similar = similar_projects(engine, profile, limit=5)
    hits = _pack_lessons(engine, profile, limit)
    snap = engine.snapshot()
    items = fetch_rows(engine.kb, snap, [snap.row("lesson", h.id) for h in hits])
    sections: OrderedDict[str, list[PackItem]] = OrderedDict()
    for hit in hits:
        row = items.get(snap.row("lesson", hit.id))
        sections.setdefault(hit.category or "general", []).append(PackItem(hit=hit, checklist=checklist_line(hit, row)))
    ordered = sorted(sections.items(), key=lambda kv: -len(kv[1]))
    risks = _materialised_risks(engine, snap, profile, similar)
    result = KickoffPackResult(profile=profile, similar_projects=similar,
                               sections=[PackSection(category=c, items=i) for c, i in ordered], materialised_risks=risks)
    if record:
        result.pack_id = _record(engine, result)
    return result


def _pack_lessons(engine: SearchEngine, profile: ProjectProfile, limit: int) -> list[Hit]:
    """Lessons from projects of the same type first, then from any project."""
    query = profile_text(profile)
    ptype = PROJECT_TYPE.canonical(profile.project_type) or profile.project_type
    attempts = ([{"project_type": [ptype]}] if ptype else []) + [{}]
    hits: dict[int, Hit] = {}
    for extra in attempts:
        request = SearchRequest(q=query, filters={"kind": ["lesson"], **extra}, limit=min(limit, 100),
                                detect_facets=False)
        for hit in engine.search(request, log=False).hits:
            hits.setdefault(hit.id, hit)
        if len(hits) >= limit:
            break
    return list(hits.values())[:limit]


def checklist_line(hit: Hit, row) -> str:
    recommendation = getattr(row, "recommendation", None) if row is not None else None
    if recommendation:
        first = sentences(recommendation)
        return first[0] if first else recommendation
    if hit.polarity == "went wrong":
        return f"Guard against a repeat: {hit.title}"
    if hit.polarity == "went well":
        return f"Repeat what worked: {hit.title}"
    return hit.title


def _materialised_risks(engine: SearchEngine, snap: Snapshot, profile: ProjectProfile, similar: list[ProjectMatch],
                        limit: int = 10) -> list[Hit]:
    code = snap.code_of("status", "materialised")
    if code is None:
        return []
    pids = [m.project.id for m in similar]
    ptype = PROJECT_TYPE.canonical(profile.project_type) or profile.project_type
    mask = (snap.kinds == RISK) & (snap.codes["status"] == code) & snap.published
    near = np.isin(snap.project_ids, pids)
    type_code = snap.code_of("project_type", ptype) if ptype else None
    if type_code is not None:
        near |= snap.codes["project_type"] == type_code
    rows = np.flatnonzero(mask & near)
    text = profile_text(profile)
    if text and len(rows):
        rows = rows[np.argsort(-(snap.dense[rows] @ engine.query_vector(text)), kind="stable")]
    rows = rows[:limit].tolist()
    items = fetch_rows(engine.kb, snap, rows)
    terms = {t: 1.0 for t in term_counts(text)}
    return [make_hit(snap, [r], items, 0.0, terms) for r in rows if r in items]


def _record(engine: SearchEngine, pack: KickoffPackResult) -> int:
    """Keep the pack as generated: it is read back exactly, and it counts towards reuse."""
    profile = pack.profile
    row = KickoffPack(project_name=profile.name, project_type=profile.project_type, industry=profile.industry,
                      size=profile.size or size_of(profile.budget), budget=profile.budget,
                      description=profile.description or None,
                      lesson_ids=[item.hit.id for section in pack.sections for item in section.items],
                      risk_ids=[h.id for h in pack.materialised_risks])
    with engine.kb.session() as session:
        session.add(row)
        session.flush()
        pack.pack_id = row.id
        row.content = pack.model_dump(mode="json")
        session.commit()
        return row.id


def load_pack(engine: SearchEngine, pack_id: int) -> KickoffPackResult:
    """A recorded pack as it was generated; packs recorded before content was kept are rebuilt."""
    with engine.kb.session() as session:
        row = session.get(KickoffPack, pack_id)
    if row is None:
        raise NotFound(f"No kickoff pack with id {pack_id}.")
    if row.content:
        return KickoffPackResult.model_validate(row.content)
    profile = ProjectProfile(name=row.project_name, project_type=row.project_type, industry=row.industry,
                             budget=row.budget, size=row.size, description=row.description or "")
    pack = kickoff_pack(engine, profile, record=False)
    pack.pack_id = pack_id
    return pack
