"""Kickoff packs by id: generated packs are kept in memory; an older one is
rebuilt from its recorded profile (lessons may have changed since)."""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlmodel import Session

from kb import queries
from search.models import KickoffPackResult, ProjectProfile

KEEP = 200


class PackCache:
    def __init__(self) -> None:
        self._packs: OrderedDict[int, KickoffPackResult] = OrderedDict()
        self._lock = threading.Lock()

    def build(self, engine, profile: ProjectProfile) -> KickoffPackResult:
        """Generate a pack and record it (it counts toward the reuse metrics)."""
        pack = engine.kickoff_pack(profile, record=True)
        if pack.pack_id is not None:
            self._keep(pack)
        return pack

    def get(self, engine, session: Session, pack_id: int) -> KickoffPackResult:
        with self._lock:
            if pack_id in self._packs:
                self._packs.move_to_end(pack_id)
                return self._packs[pack_id]
        row = queries.get_kickoff_pack(session=session, pack_id=pack_id)
        profile = ProjectProfile(name=row.project_name, project_type=row.project_type, industry=row.industry,
                                 size=row.size, description=row.description or "")
        pack = engine.kickoff_pack(profile, record=False)
        pack.pack_id = pack_id
        self._keep(pack)
        return pack

    def _keep(self, pack: KickoffPackResult) -> None:
        with self._lock:
            self._packs[pack.pack_id] = pack
            while len(self._packs) > KEEP:
                self._packs.popitem(last=False)


def pack_markdown(pack: KickoffPackResult) -> str:
    """The pack as a Markdown checklist a project manager can paste into their plan."""
    p = pack.profile
    lines = [f"# Kickoff pack: {p.name or 'new project'}", ""]
    facts = [("Project type", p.project_type), ("Industry", p.industry), ("Size", p.size),
             ("Budget", f"{p.budget:,.0f}" if p.budget else None)]
    lines += [f"- **{k}:** {v}" for k, v in facts if v]
    if p.description:
        lines += ["", p.description]
    if pack.similar_projects:
        lines += ["", "## Similar past projects", ""]
        for m in pack.similar_projects:
            why = f" — {'; '.join(m.reasons)}" if m.reasons else ""
            lines.append(f"- {m.project.name} ({m.project.code}){', ' + m.project.outcome if m.project.outcome else ''}{why}")
    for section in pack.sections:
        lines += ["", f"## {section.category.capitalize()}", ""]
        for item in section.items:
            lines.append(f"- [ ] {item.checklist[:1].upper()}{item.checklist[1:]} _(from {_cite(item.hit)})_")
    if pack.materialised_risks:
        lines += ["", "## Risks that materialised on similar projects", ""]
        lines += [f"- [ ] {hit.title} _(from {_cite(hit)})_" for hit in pack.materialised_risks]
    return "\n".join(lines).rstrip() + "\n"


def _cite(hit) -> str:
    src = hit.source
    where = f"{src.document}, {src.location}" if src.location else src.document
    return f"{src.project_code} · {where}" if src.project_code else where
