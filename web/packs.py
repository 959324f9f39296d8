"""Kickoff packs as Markdown, for export."""

from __future__ import annotations

from search.models import KickoffPackResult


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
