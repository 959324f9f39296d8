"""An extractive summary of a result set, without a generative model:
counts, the commonest categories with examples, and the lessons closest
to the centre of the best results. Every statement carries citations."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from kb.i18n import N_, _, ngettext
from kb.texts import location_label
from search.hits import source_of
from search.index import KINDS, Snapshot
from search.models import Citation, Source, Summary, SummaryPoint

TOP_FOR_THEMES = 50
TOP_FOR_CENTROID = 20


def summary_rows(snap: Snapshot, groups: list[list[int]]) -> tuple[list[int], list[int]]:
    """The rows the summary will cite (so the caller can fetch them in one read)."""
    top = [g[0] for g in groups[:TOP_FOR_THEMES]]
    return top, representative_rows(snap, [g[0] for g in groups[:TOP_FOR_CENTROID]])


def representative_rows(snap: Snapshot, rows: list[int], n: int = 3) -> list[int]:
    """Lessons closest to the centroid of the best results."""
    lessons = [r for r in rows if int(snap.kinds[r]) == 0] or rows
    if len(lessons) <= 1:
        return lessons
    vecs = snap.dense[lessons]
    if snap.multilingual is not None and snap.chinese[lessons].any() and snap.multilingual_ok[lessons].all():
        vecs = snap.multilingual[lessons]  # one space that reads both languages
    centre = vecs.mean(axis=0)
    order = np.argsort(-(vecs @ centre), kind="stable")
    return [lessons[i] for i in order[:n]]


def build_summary(snap: Snapshot, strong: np.ndarray, groups: list[list[int]], items: dict,
                  query: str, *, filtered: bool = False) -> Summary:
    """The answer built from the strong matches (`strong`, `groups`); when there are none,
    a plain "nothing answers this" with what to try instead."""
    lessons = int((strong & (snap.kinds == 0)).sum())
    risks = int((strong & (snap.kinds == 1)).sum())
    if query.strip() and not lessons and not risks:
        return Summary(headline=_(NOT_ANSWERED), answered=False, suggestions=suggestions(query, filtered))
    pids = np.unique(snap.project_ids[strong])
    projects = int((pids >= 0).sum())
    top, rep = summary_rows(snap, groups)
    causes = _top_categories(snap, top, items)
    representative = [SummaryPoint(text=items[r].title, count=1, citations=[_cite(snap, r, items)])
                      for r in rep if r in items]
    return Summary(headline=_headline(query, lessons, risks, projects, causes), lessons=lessons, risks=risks,
                   projects=projects, top_causes=causes, representative=representative)


NOT_ANSWERED = N_("Nothing in the knowledge base answers this question.")


def no_words_summary() -> Summary:
    """For a question with no word to search for and no filter ("the", "?")."""
    return Summary(headline=_("This question has no words to search for."), answered=False, searchable=False,
                   suggestions=[_("Ask about a topic, as a project report would put it (e.g. \"cutover rehearsal\", "
                                  "\"vendor delay\", \"what went wrong on ERP migrations\")."),
                                _("Browse the recurring themes to see what the knowledge base does cover.")])
"""In English; the summary shows `_(NOT_ANSWERED)`."""


def suggestions(query: str, filtered: bool) -> list[str]:
    """What to try when no result is a confident match."""
    tips = []
    if filtered:
        tips.append(_("Remove a filter: the answer may sit in another project type, year or category."))
    if len(query.split()) > 3:
        tips.append(_("Use fewer words, or the words a project report would use (e.g. \"data migration\", "
                      "\"vendor delay\")."))
    else:
        tips.append(_("Try other words, as a project report would put it (e.g. \"cutover rehearsal\", "
                      "\"scope change\")."))
    tips.append(_("Browse the recurring themes to see what the knowledge base does cover."))
    tips.append(_("If projects should have learned this, it is a knowledge gap: the PMO sees it on the metrics page."))
    return tips


def _top_categories(snap: Snapshot, rows: list[int], items: dict, n: int = 3) -> list[SummaryPoint]:
    codes = snap.codes["category"]
    counts = Counter(int(codes[r]) for r in rows if codes[r] >= 0)
    points = []
    for code, count in counts.most_common(n):
        examples = [r for r in rows if codes[r] == code and r in items][:3]
        points.append(SummaryPoint(text=snap.labels["category"][code], count=count,
                                   citations=[_cite(snap, r, items) for r in examples]))
    return points


def _cite(snap: Snapshot, row: int, items: dict) -> Citation:
    item = items[row]
    source = source_of(snap, item)
    return Citation(kind=KINDS[int(snap.kinds[row])], id=item.id, title=item.title, source=source,
                    label=citation_label(source))


_PROJECT_DOCUMENTS = ("closure report", "retrospective")
_BULLET = re.compile(r"-item-(\d+)$")


def citation_label(source: Source) -> str:
    """The document and the section or row it cites, each named once: 'FIN-ERP-2021 closure report ·
    What went wrong, point 2'. A project's own report is named by its code and kind, registers (which may
    span projects) by file name; the point number tells apart several bullets of one section."""
    if source.project_code and source.kind in _PROJECT_DOCUMENTS:
        document = _("%(code)s %(kind)s") % {"code": source.project_code, "kind": _(source.kind)}
    else:
        document = source.document.rsplit(".", 1)[0]
    where = location_label(source.location) or ""
    bullet = _BULLET.search(source.anchor or "")
    if where and bullet:
        where = _("%(section)s, point %(point)s") % {"section": where, "point": bullet[1]}
    return f"{document} · {where}" if where else document


def _headline(query: str, lessons: int, risks: int, projects: int, causes: list[SummaryPoint]) -> str:
    if not lessons and not risks:
        return _("Nothing in the knowledge base matches yet.")
    counts = {"lessons": ngettext("%(num)s lesson", "%(num)s lessons", lessons) % {"num": lessons},
              "risks": ngettext("%(num)s risk", "%(num)s risks", risks) % {"num": risks},
              "projects": ngettext("%(num)s project", "%(num)s projects", projects) % {"num": projects}}
    if query.strip():
        lead = (_("%(lessons)s and %(risks)s from %(projects)s match closely") if projects
                else _("%(lessons)s and %(risks)s match closely")) % counts
    else:
        lead = (_("The knowledge base holds %(lessons)s and %(risks)s from %(projects)s") if projects
                else _("The knowledge base holds %(lessons)s and %(risks)s")) % counts
    if causes:
        themes = _(", ").join(_("%(category)s (%(count)s)") % {"category": _(p.text), "count": p.count}
                              for p in causes)  # p.text is a category (kb.vocab)
        return _("%(lead)s. The commonest categories among the best results are %(categories)s.") % {
            "lead": lead, "categories": themes}
    return _("%(lead)s.") % {"lead": lead}
