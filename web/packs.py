"""Kickoff packs as Markdown, for export."""

from __future__ import annotations

from kb.i18n import N_, _
from kb.texts import location_label
from search.models import KickoffPackResult
from search.projects import size_words
from web.templating import label, money

BOXES = {"open": "[ ]", "done": "[x]", "dismissed": N_("[x] ~~dismissed~~"), "action": N_("[ ] **action**")}
"""How each line state is ticked; the words in it are translated where the pack is written."""
def pack_markdown(pack: KickoffPackResult, lines: dict | None = None) -> str:
    """The pack as a Markdown checklist a project manager can paste into their plan; with the
    project's checklist `lines` ((kind, item id) -> line), each line shows where it stands."""
    lines = lines or {}
    p = pack.profile
    out = ["# " + _("Kickoff pack: %(name)s") % {"name": p.name or _("new project")}, ""]
    facts = [(_("Project type"), label(p.project_type)), (_("Industry"), p.industry),
             (_("Size"), size_words().get(p.size, p.size)),
             (_("Budget"), money(p.budget) if p.budget else None)]
    out += [f"- **{k}:** {v}" for k, v in facts if v]
    if p.description:
        out += ["", p.description]
    if pack.similar_projects:
        out += ["", "## " + _("Similar past projects"), ""]
        for m in pack.similar_projects:
            why = f" — {'; '.join(m.reasons)}" if m.reasons else ""
            outcome = f", {label(m.project.outcome)}" if m.project.outcome else ""
            out.append(f"- {m.project.name} ({m.project.code}){outcome}{why}")
    elif pack.sections:
        out += ["", "## " + _("Similar past projects"), "",
                _("No past project is like this one: none of the same type or industry, and none whose lessons read "
                  "close to its description. The lessons below come from other types of project; check that each "
                  "applies.")]
    for section in pack.sections:
        out += ["", f"## {label(section.category).capitalize()}", ""]
        for item in section.items:
            text = f"{item.checklist[:1].upper()}{item.checklist[1:]}"
            if item.hit.project_count > 1:
                where = _("from %(source)s; seen in %(n)s projects") % {"source": _cite(item.hit),
                                                                       "n": item.hit.project_count}
            else:
                where = _("from %(source)s") % {"source": _cite(item.hit)}
            out.append(f"- {_box(lines, 'lesson', item.hit.id)} {text} _({where})_" + _state(lines, "lesson", item.hit.id))
    if pack.risks or pack.materialised_risks:
        out += ["", "## " + _("Risks that materialised on similar projects"), ""]
        for r in pack.risks:
            score = f"P {_n(r.probability)} × I {_n(r.impact)}" + (f" = {_n(r.score)}" if r.score is not None else "")
            facts = _("response: %(response)s; what happened: %(what_happened)s") % {
                "response": r.response or _("none recorded"), "what_happened": r.what_happened or _("not recorded")}
            out.append(f"- {_box(lines, 'risk', r.hit.id)} {r.hit.title} _({_from(r.hit)})_ — {score}; {facts}"
                       + _state(lines, "risk", r.hit.id))
        if not pack.risks:  # a pack recorded before risk details were kept
            out += [f"- {_box(lines, 'risk', h.id)} {h.title} _({_from(h)})_" for h in pack.materialised_risks]
    return "\n".join(out).rstrip() + "\n"


def _box(lines: dict, kind: str, item_id: int) -> str:
    line = lines.get((kind, item_id))
    return _(BOXES[line.state]) if line and line.state in BOXES else "[ ]"


def _state(lines: dict, kind: str, item_id: int) -> str:
    line = lines.get((kind, item_id))
    if line and line.state == "dismissed":
        return " — " + _("dismissed: %(reason)s") % {"reason": line.reason}
    if line and line.state == "action":
        return " — " + _("action: %(action)s (%(owner)s, due %(due)s)") % {"action": line.action, "owner": line.owner,
                                                                           "due": line.due}
    return ""


def _n(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _from(hit) -> str:
    return _("from %(source)s") % {"source": _cite(hit)}


def _cite(hit) -> str:
    src = hit.source
    where = f"{src.document}, {location_label(src.location)}" if src.location else src.document
    return f"{src.project_code} · {where}" if src.project_code else where
