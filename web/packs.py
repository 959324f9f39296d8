"""Kickoff packs as Markdown, for export."""

from __future__ import annotations

from search.models import KickoffPackResult

BOXES = {"open": "[ ]", "done": "[x]", "dismissed": "[x] ~~dismissed~~", "action": "[ ] **action**"}


def pack_markdown(pack: KickoffPackResult, lines: dict | None = None) -> str:
    """The pack as a Markdown checklist a project manager can paste into their plan; with the
    project's checklist `lines` ((kind, item id) -> line), each line shows where it stands."""
    lines = lines or {}
    p = pack.profile
    out = [f"# Kickoff pack: {p.name or 'new project'}", ""]
    facts = [("Project type", p.project_type), ("Industry", p.industry), ("Size", p.size),
             ("Budget", f"{p.budget:,.0f}" if p.budget else None)]
    out += [f"- **{k}:** {v}" for k, v in facts if v]
    if p.description:
        out += ["", p.description]
    if pack.similar_projects:
        out += ["", "## Similar past projects", ""]
        for m in pack.similar_projects:
            why = f" — {'; '.join(m.reasons)}" if m.reasons else ""
            out.append(f"- {m.project.name} ({m.project.code}){', ' + m.project.outcome if m.project.outcome else ''}{why}")
    for section in pack.sections:
        out += ["", f"## {section.category.capitalize()}", ""]
        for item in section.items:
            seen = f"; seen in {item.hit.project_count} projects" if item.hit.project_count > 1 else ""
            text = f"{item.checklist[:1].upper()}{item.checklist[1:]}"
            out.append(f"- {_box(lines, 'lesson', item.hit.id)} {text} _(from {_cite(item.hit)}{seen})_"
                       + _state(lines, "lesson", item.hit.id))
    if pack.risks or pack.materialised_risks:
        out += ["", "## Risks that materialised on similar projects", ""]
        for r in pack.risks:
            score = f"P {_n(r.probability)} × I {_n(r.impact)}" + (f" = {_n(r.score)}" if r.score is not None else "")
            out.append(f"- {_box(lines, 'risk', r.hit.id)} {r.hit.title} _(from {_cite(r.hit)})_ — {score}; "
                       f"response: {r.response or 'none recorded'}; what happened: {r.what_happened or 'not recorded'}"
                       + _state(lines, "risk", r.hit.id))
        if not pack.risks:  # a pack recorded before risk details were kept
            out += [f"- {_box(lines, 'risk', h.id)} {h.title} _(from {_cite(h)})_" for h in pack.materialised_risks]
    return "\n".join(out).rstrip() + "\n"


def _box(lines: dict, kind: str, item_id: int) -> str:
    line = lines.get((kind, item_id))
    return BOXES.get(line.state, "[ ]") if line else "[ ]"


def _state(lines: dict, kind: str, item_id: int) -> str:
    line = lines.get((kind, item_id))
    if line and line.state == "dismissed":
        return f" — dismissed: {line.reason}"
    if line and line.state == "action":
        return f" — action: {line.action} ({line.owner}, due {line.due})"
    return ""


def _n(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _cite(hit) -> str:
    src = hit.source
    where = f"{src.document}, {src.location}" if src.location else src.document
    return f"{src.project_code} · {where}" if src.project_code else where
