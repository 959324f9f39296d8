"""Template compliance: what a document leaves out of its PMO template (ingest.templates).

Each gap is one specific warning on the ingest report and the document page, naming what to add and
the template to copy it from. Only what the template marks required is checked; a section counts as
present when any heading the parsers read the same way is there ('Challenges' is a 'What went wrong').
Lessons registers exported from other systems (NASA LLIS) follow their own form and are not checked.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

from kb.i18n import N_, _, ngettext
from ingest import kinds, llis
from ingest.outline import classify
from ingest.templates import BY_KIND, URL_PREFIX, Template

MAX_ROWS_NAMED = 5

# The fields of a parsed project each required metadata key fills (ingest.project_meta names).
_PROJECT_FIELD = {"project": "name", "code": "code", "project type": "project_type", "manager": "manager",
                  "planned end": "planned_end", "actual end": "actual_end", "planned budget": "planned_budget",
                  "actual budget": "actual_budget", "outcome": "outcome"}


TITLES = (N_("Closure report"), N_("Retrospective"), N_("Risk register"), N_("Lessons register"),
          N_("Status report"))
"""The templates' titles (ingest.templates), for the catalogue: a gap names its template in the reader's language.
The headings, keys and columns to add are quoted as the template writes them, since that is what to type."""


def _where(template: Template) -> str:
    return _("(template: %(url)s)") % {"url": template.url(template.formats[0])}


def _missing_section(template: Template, heading: str) -> str:
    return _("%(template)s has no '%(heading)s' section: add it %(where)s.") % {
        "template": _(template.title), "heading": heading, "where": _where(template)}


def _empty_field(template: Template, key: str, guidance: str) -> str:
    return _("%(template)s gives no '%(key)s': add it (%(guidance)s) %(where)s.") % {
        "template": _(template.title), "key": key, "guidance": guidance.rstrip("."), "where": _where(template)}


def report_gaps(kind: str, polarities: set[str], project, meta: dict, code: str | None) -> list[str]:
    """Closure reports and retrospectives: required lesson sections (matched by the polarity of the
    sections found) and required details. `project` is the parsed project (a ProjectCreate) or None,
    `meta` the details read, `code` the project code however it was found (front matter or file name)."""
    template = BY_KIND.get(kind)
    if template is None or kind not in (kinds.CLOSURE, kinds.RETRO):
        return []
    gaps = [_missing_section(template, s.heading) for s in template.sections
            if s.required and (role := classify(s.heading)) and role.polarity not in polarities]
    for f in template.fields:
        if f.required and not (f.key == "code" and code) and not _has_detail(f.key, project, meta):
            gaps.append(_empty_field(template, f.key, f.guidance))
    return gaps


def _has_detail(key: str, project, meta: dict) -> bool:
    if key == "kind":
        return True  # the kind was found, or the document would not be read as this template's kind
    name = _PROJECT_FIELD.get(key)
    if name and project is not None and getattr(project, name, None) not in (None, ""):
        return True
    return meta.get(name or key) not in (None, "")


def status_gaps(draft, code: str | None) -> list[str]:
    """Status reports: the overall RAG, percent complete, a summary, milestones and top risks."""
    template = BY_KIND[kinds.STATUS]
    # The code is not checked: a report that names no project is rejected unless its uploader names one.
    present = {"overall rag": draft.overall_rag, "percent complete": draft.percent_complete, "code": code or "-",
               "period": draft.period_end}
    gaps = [_empty_field(template, f.key, f.guidance) for f in template.fields
            if f.required and present.get(f.key) in (None, "")]
    lists = {"Summary": draft.summary, "Milestones": draft.milestones,
             "Top risks": [i for i in draft.items if i.get("kind") == "risk"],
             "Issues": [i for i in draft.items if i.get("kind") == "issue"], "Decisions needed": draft.escalations}
    gaps += [_missing_section(template, s.heading) for s in template.sections if s.required and not lists[s.heading]]
    return gaps


def register_gaps(kind: str, columns: dict[str, list[str]], records: list[tuple[int, dict]], row_label: str,
                  is_blank) -> list[str]:
    """Registers: required columns missing, and rows leaving a required column empty."""
    template = BY_KIND.get(kind)
    if template is None:
        return []
    gaps = []
    for column in template.columns:
        if not column.required:
            continue
        headers = columns.get(column.name)
        if not headers:
            gaps.append(_("%(template)s has no '%(column)s' column: add it (%(guidance)s) %(where)s.") % {
                "template": _(template.title), "column": column.header, "guidance": column.guidance.rstrip("."),
                "where": _where(template)})
            continue
        empty = [n for n, record in records if all(is_blank(record.get(h)) for h in headers)]
        if empty:
            gaps.append(_empty_rows(template, column.header, empty, row_label))
    return gaps


def _empty_rows(template: Template, header: str, empty: list[int], row_label: str) -> str:
    shown = ", ".join(str(n) for n in empty[:MAX_ROWS_NAMED]) + (" …" if len(empty) > MAX_ROWS_NAMED else "")
    values = {"template": _(template.title), "num": len(empty), "column": header, "which": shown,
              "where": _where(template)}
    if row_label == "line":
        return ngettext("%(template)s: %(num)s line leaves '%(column)s' empty (lines %(which)s): fill it in %(where)s.",
                        "%(template)s: %(num)s lines leave '%(column)s' empty (lines %(which)s): fill them in "
                        "%(where)s.", len(empty)) % values
    return ngettext("%(template)s: %(num)s row leaves '%(column)s' empty (rows %(which)s): fill it in %(where)s.",
                    "%(template)s: %(num)s rows leave '%(column)s' empty (rows %(which)s): fill them in %(where)s.",
                    len(empty)) % values


_NAMES_TEMPLATE = re.compile(rf"[(（][^()（）]*{re.escape(URL_PREFIX)}[\w-]+\.\w+[)）]")


def is_gap(message: str) -> bool:
    """A warning of this module (every one names its template, in either language), as against a problem
    reading the file."""
    return bool(_NAMES_TEMPLATE.search(message))


_GAPS: OrderedDict[tuple, list[str]] = OrderedDict()
_GAPS_LOCK = threading.Lock()
GAPS_KEPT = 512
"""Documents whose gaps are kept in memory: a page view reads a version's original once, not on every view."""


def recorded_gaps(name: str, parsed) -> list[str] | None:
    """What a parsed document records as its template gaps (`Document.template_gaps`): its gap warnings,
    or None when it has no PMO template to follow (another system's export: NASA LLIS, JSONL)."""
    if parsed.document.kind not in BY_KIND or name.lower().endswith(".jsonl"):
        return None
    rows = parsed.document.rows or []
    if rows and llis.is_llis(list(rows[0].keys())):
        return None
    return [w for w in parsed.warnings if is_gap(w)]


def stored_gaps(kb, document) -> list[str]:
    """The template gaps of a stored document, for its page: those recorded at ingest; for a document
    stored before they were recorded, its original file read again, once per version (kept by its
    content hash). PDFs are left out of that: reading one takes a worker process, too slow for a page
    view; their gaps are on the ingest report."""
    if document.template_gaps is not None:
        return list(document.template_gaps)
    if document.source_name.lower().endswith(".pdf"):
        return []
    key = (str(kb.settings.data_dir), document.id, document.version, document.sha256)
    with _GAPS_LOCK:
        if key in _GAPS:
            _GAPS.move_to_end(key)
            return list(_GAPS[key])
    gaps = _read_gaps(kb, document)
    with _GAPS_LOCK:
        _GAPS[key] = gaps
        while len(_GAPS) > GAPS_KEPT:
            _GAPS.popitem(last=False)
    return list(gaps)


def _read_gaps(kb, document) -> list[str]:
    from ingest.pipeline import context_for, parse_bytes

    try:
        path, name, _media = kb.version_file(document.id, document.version)
        parsed = parse_bytes(name, path.read_bytes(), context_for(kb, kind_hint=document.kind))
    except Exception:  # a file that no longer parses (the parsers changed) has no gaps to show  # noqa: BLE001
        return []
    return [w for w in parsed.warnings if is_gap(w)]
