"""Similar past projects and the kickoff pack built from them."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import TYPE_CHECKING

import numpy as np

from sqlmodel import select

from kb.access import EVERYTHING, Visibility
from kb.queries import visible_pack
from kb.i18n import _, format_number, pgettext
from kb.language import has_han
from kb.models import KickoffPack, Lesson
from kb.vocab import PROJECT_TYPE, shown
from search.facets import detect
from search.hits import fetch_rows, make_hit, project_ref
from search.index import RISK, Snapshot
from search.multilingual import QUESTION_MAP, on_main_scale
from search.models import (
    Hit, KickoffPackResult, PackItem, PackRisk, PackSection, ProjectMatch, ProjectProfile, SearchRequest,
)
from search.text import sentences, term_counts

if TYPE_CHECKING:
    from search.engine import SearchEngine  # which imports this module

# How much each kind of likeness counts; the parts a profile leaves empty are left out.
WEIGHTS = {"type": 0.35, "industry": 0.15, "size": 0.1, "text": 0.4}
SIMILAR_TEXT = 0.4
"""A past project is similar by its type, its industry, or lessons and a description this close to the new one's
(cosine). Its size alone is no likeness: a canteen chatbot's pack listed five projects at 0.11-0.13 with no reason
given, and their risks as "materialised on similar projects"."""
SIZES = ((500_000, "small"), (5_000_000, "medium"), (float("inf"), "large"))


def size_words() -> dict[str, str]:
    """A project's size (stored and sent in English) in the reader's words (context: "medium" is also a
    risk severity)."""
    return {"small": pgettext("project size", "small"), "medium": pgettext("project size", "medium"),
            "large": pgettext("project size", "large")}


def size_of(budget: float | None) -> str | None:
    if budget is None:
        return None
    return next(label for limit, label in SIZES if budget < limit)


def project_vectors(engine: SearchEngine, snap: Snapshot, multilingual: bool = False) -> tuple[list[int], np.ndarray]:
    """One unit vector per project: the mean of its lessons and risks plus its description; by the
    multilingual model when `multilingual` (rows without that model's vector left out)."""
    key = "projects:multilingual" if multilingual else "projects"
    if key in snap.cache:
        return snap.cache[key]
    pids = sorted(snap.projects)
    index = {pid: i for i, pid in enumerate(pids)}
    matrix = snap.multilingual if multilingual else snap.dense
    dim = matrix.shape[1] if snap.size else 1
    sums = np.zeros((len(pids), dim), dtype=np.float32)
    counted = snap.project_ids >= 0
    if multilingual:
        counted &= snap.multilingual_ok
    rows = np.flatnonzero(counted)
    np.add.at(sums, [index[int(p)] for p in snap.project_ids[rows]], matrix[rows])
    counts = np.bincount([index[int(p)] for p in snap.project_ids[rows]], minlength=len(pids))
    means = sums / np.maximum(counts, 1)[:, None]
    described = [pid for pid in pids if snap.projects[pid].description]
    if described and snap.size:
        desc = engine.text_vectors([snap.projects[p].description for p in described], multilingual=multilingual)
        means[[index[p] for p in described]] += desc
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    snap.cache[key] = (pids, means / np.where(norms == 0, 1, norms))
    return snap.cache[key]


def text_similarity(engine: SearchEngine, snap: Snapshot, vectors: np.ndarray, text: str) -> np.ndarray:
    """Each project's cosine with `text`, on the main model's scale. A Chinese text is compared with
    every project by the multilingual model (MiniLM cannot read it: before, every Chinese project came
    out alike, whatever it was about); an English one by the main model, as before."""
    if has_han(text) and snap.multilingual is not None and getattr(engine.kb, "multilingual", None) is not None:
        _, vectors = project_vectors(engine, snap, multilingual=True)
        return on_main_scale(vectors @ engine.query_vector(text, multilingual=True), QUESTION_MAP)
    return vectors @ engine.query_vector(text)


def profile_text(profile: ProjectProfile) -> str:
    return " ".join(x for x in (profile.project_type, profile.industry, profile.description) if x).strip()


def similar_projects(engine: SearchEngine, profile: ProjectProfile, limit: int = 5, *,
                     visible: Visibility = EVERYTHING) -> list[ProjectMatch]:
    """Past projects ranked by type and industry match, size and what their lessons say (never one
    the audience may not see)."""
    snap = engine.snapshot()
    if not snap.projects:
        return []
    pids, vectors = project_vectors(engine, snap)
    ptype = PROJECT_TYPE.canonical(profile.project_type) or profile.project_type
    size = profile.size or size_of(profile.budget)
    text = profile_text(profile)
    sims = text_similarity(engine, snap, vectors, text) if text else None
    matches = []
    recorded = set(np.unique(snap.project_ids[snap.project_ids >= 0]).tolist())
    for i, pid in enumerate(pids):
        if pid not in recorded or pid == profile.project_id or visible.hides_project(pid):
            continue  # a project with nothing recorded yet (a new one) is not a past project to learn from
        p = snap.projects[pid]
        parts, reasons = {}, []
        if ptype:
            parts["type"] = float(_same(p.project_type, ptype))
            if parts["type"]:
                reasons.append(_("same project type (%(type)s)") % {"type": shown(p.project_type)})
        if profile.industry:
            parts["industry"] = float(_same(p.industry, profile.industry))
            if parts["industry"]:
                reasons.append(_("same industry (%(industry)s)") % {"industry": p.industry})
        if size:
            parts["size"] = float(size_of(p.budget) == size)
            if parts["size"]:
                reasons.append(_("similar size (%(size)s)") % {"size": size_words()[size]})
        if sims is not None:
            parts["text"] = max(0.0, float(sims[i]))
            if parts["text"] >= SIMILAR_TEXT:
                reasons.append(_("similar lessons and description (%(closeness)s)")
                               % {"closeness": format_number(parts["text"], 2)})
        if parts and (parts.get("type") or parts.get("industry") or parts.get("text", 0.0) >= SIMILAR_TEXT):
            score = sum(WEIGHTS[k] * v for k, v in parts.items()) / sum(WEIGHTS[k] for k in parts)
            matches.append(ProjectMatch(project=project_ref(snap, pid), score=round(score, 4), reasons=reasons))
    matches.sort(key=lambda m: -m.score)
    return matches[:limit]


def _same(a: str | None, b: str | None) -> bool:
    return bool(a and b and a.strip().lower() == b.strip().lower())


# --- the kickoff pack ---------------------------------------------------------

# A lesson from another type of project joins the pack only when it is no closer to its own type's
# lessons than to the new project's type by more than this (cosine to the type centroids). Read off
# the demo corpus: hardware lead-time and plant-cutover lessons sit 0.08-0.2 closer to their own
# type; stakeholder, sponsor and vendor lessons sit within 0.05 of both.
TYPE_BOUND_MARGIN = 0.06
# "Use the X plan as the template for ...": an instruction that only makes sense on a project of X's kind.
TEMPLATE_INSTRUCTION = re.compile(
    r"\b(?:use|reuse|adopt|follow|copy)\b[^.;]{0,80}?\bas\s+(?:the|a|our)\b[^.;]{0,30}?"
    r"\b(?:template|standard|blueprint|baseline|playbook)s?\b", re.I)
PROJECT_CODE = re.compile(r"\b[A-Z]{2,6}-[A-Z]{2,6}-\d{2,4}\b")
# A capitalised word inside a sentence (after a word and a space, not after a full stop, colon,
# semicolon, bracket, quote or bullet): a name, not the first word of a sentence or list item.
CAPITALISED = re.compile(r"(?<=[^\s.!?:;(\"'•*\-]\s)([A-Z][a-z]{3,})\b")
PACK_DUPLICATE_COSINE = 0.85
"""Looser than search's duplicate folding: a pack line stands for every lesson that says the same thing."""
LINE_DUPLICATE_COSINE = 0.7
"""On the demo, lines asking for the same action sit at 0.70-0.84 (KPI dictionary, retention agreements,
milestone payments in integrator contracts, account lists signed off before migration); lines that only
share a topic sit below 0.68 ("Staff were consulted on the layout" / "Continue staff workshops")."""
SAME_PROJECT_COSINE = 0.66
"""One project's closure report, retrospective and lessons log telling one story sit at 0.67-0.75 on the demo
(FIN-CRM-2020's duplicate brokers, LOG-ERP-2019's integrator contracts); lessons of one document are
distinct by construction, so only lessons of different documents of one project fold at this level."""


def kickoff_pack(engine: SearchEngine, profile: ProjectProfile, *, record: bool = True,
                 limit: int = 30, visible: Visibility = EVERYTHING, author: str | None = None) -> KickoffPackResult:
    """Lessons worth reading before a new project starts, as a checklist by category,
    plus the risks that materialised on similar past projects (all of them ones `visible` shows).
    `author`: who made it, recorded with it (a pack for no project is theirs and the PMO's alone)."""
    profile = profile.model_copy(update={"project_type": known_type(profile.project_type)})
    similar = similar_projects(engine, profile, limit=5, visible=visible)
    snap = engine.snapshot()
    hits, left_out = _pack_lessons(engine, snap, profile, limit, visible)
    items = fetch_rows(engine.kb, snap, [snap.row("lesson", h.id) for h in hits])
    sections: OrderedDict[str, list[PackItem]] = OrderedDict()
    for hit in hits:
        row = items.get(snap.row("lesson", hit.id))
        sections.setdefault(hit.category or "general", []).append(PackItem(hit=hit, checklist=checklist_line(hit, row)))
    ordered = sorted(sections.items(), key=lambda kv: -len(kv[1]))
    risks = _materialised_risks(engine, snap, profile, similar, visible)
    result = KickoffPackResult(profile=profile, similar_projects=similar,
                               sections=[PackSection(category=c, items=i) for c, i in ordered],
                               materialised_risks=[r.hit for r in risks], risks=risks, left_out=left_out)
    if record:
        result.pack_id = _record(engine, result, author)
    return result


def known_type(typed: str | None) -> str | None:
    """The project type as the knowledge base names it: "ERP" and "erp migration" are ERP migration, and a
    type written in other words is read as search reads it ("data centre move" is cloud migration). A type it
    cannot read stays as typed."""
    if not typed or not typed.strip():
        return None
    canonical = PROJECT_TYPE.canonical(typed)
    if canonical:
        return canonical
    read = [f.value for f in detect(typed).facets if f.facet == "project_type" and not f.excluded]
    if not read and len(typed.split()) <= 4:  # "data centre move": read it as the type of such projects
        read = [f.value for f in detect(typed.strip() + " projects").facets if f.facet == "project_type"]
    return read[0] if len(read) == 1 else typed.strip()


def _pack_lessons(engine: SearchEngine, snap: Snapshot, profile: ProjectProfile, limit: int,
                  visible: Visibility) -> tuple[list[Hit], int]:
    """Lessons from projects of the same type first, then lessons from other types that transfer;
    near-duplicates merged into one line. Returns the lessons and how many were left out."""
    ptype = PROJECT_TYPE.canonical(profile.project_type) or profile.project_type
    local_names(engine, snap)
    chinese = has_han(profile_text(profile) + " " + (profile.name or ""))
    cap = max(3, limit // 5)
    own = _search_lessons(engine, profile, {"project_type": [ptype]}, 100, visible) if ptype else []
    if ptype:  # then the type's other lessons, so that causes the profile's words do not name have their turn
        seen = {h.id for h in own}
        own += [h for h in _search_lessons(engine, ProjectProfile(), {"project_type": [ptype]}, 100, visible)
                if h.id not in seen]
    own = spread(in_language_first(own, chinese), cap)
    others = [h for h in _search_lessons(engine, profile, {}, 100, visible) if not _same(_type_of(h), ptype)]
    items = fetch_rows(engine.kb, snap, [snap.row("lesson", h.id) for h in others])
    transfer = [h for h in others if transfers(snap, items.get(snap.row("lesson", h.id)), ptype)]
    transfer = spread(in_language_first(transfer, chinese), cap)
    keep = limit * 2 // 3 if transfer else limit
    chosen = own[:keep] + transfer[:limit - min(len(own), keep)]
    chosen += own[keep:keep + limit - len(chosen)]
    merged = merge_duplicates(engine, snap, chosen)
    return merged, len(others) - len(transfer)


def spread(hits: list[Hit], cap: int) -> list[Hit]:
    """`hits` in their order, but no cause (category) and no project more than `cap` times before every other
    has had its turn: an ERP pack was 16 lines of data migration out of 26, several of them one action ("a
    dedicated data team"), and no line on cutover, scope or sponsorship."""
    first, rest, causes, projects = [], [], {}, {}
    for hit in hits:
        project = hit.project.code if hit.project else None
        if causes.get(hit.category, 0) < cap and projects.get(project, 0) < cap:
            causes[hit.category] = causes.get(hit.category, 0) + 1
            projects[project] = projects.get(project, 0) + 1
            first.append(hit)
        else:
            rest.append(hit)
    return first + rest


def in_language_first(hits: list[Hit], chinese: bool) -> list[Hit]:
    """Lessons in the profile's language first, the others after them: an English pack read "Guard against a
    repeat: 源系统数据质量差" beside the English lesson it echoes."""
    return sorted(hits, key=lambda h: has_han(h.title) != chinese)


def _search_lessons(engine: SearchEngine, profile: ProjectProfile, extra: dict, limit: int,
                    visible: Visibility) -> list[Hit]:
    request = SearchRequest(q=profile_text(profile), filters={"kind": ["lesson"], **extra}, limit=min(limit, 100),
                            detect_facets=False)
    return engine.search(request, log=False, visible=visible).hits


def _type_of(hit: Hit) -> str | None:
    return hit.project.project_type if hit.project else None


def transfers(snap: Snapshot, lesson, ptype: str | None) -> bool:
    """Whether a lesson from another type of project is general enough for this one: it names no
    project, site or plan of its own, and it is not about its own type's work."""
    if lesson is None or specific_reason(snap, lesson, ptype) is not None:
        return False
    if not ptype:
        return True
    return type_bias(snap, snap.row("lesson", lesson.id), ptype) <= TYPE_BOUND_MARGIN


def lesson_words(lesson) -> str:
    # Fields joined as sentences, so the first word of each is not read as a name.
    return ". ".join(x.strip().rstrip(".") for x in (lesson.title, lesson.what_happened, lesson.recommendation) if x)


def specific_reason(snap: Snapshot, lesson, ptype: str | None = None) -> str | None:
    """Why a lesson only applies to projects like its own, or None: it tells the reader to reuse a
    named plan as the template, or it names a project by its code or a site or name of its own."""
    text = lesson_words(lesson)
    if TEMPLATE_INSTRUCTION.search(text):
        return "tells you to reuse one project's plan as the template"
    named = PROJECT_TYPE.detect(f"{lesson.title}. {lesson.recommendation or ''}")
    if named and not any(_same(n, ptype) for n in named):
        return f"recommends something for {named[0]} projects"
    codes, names = _project_markers(snap)
    for code in PROJECT_CODE.findall(text):
        if code.upper() in codes:
            return f"names the project {code}"
    local = snap.cache.get("local_names", {})
    for word in re.findall(r"\b[A-Z][a-z]{3,}\b", text):  # a known name, wherever it stands
        if word in names:
            return f"names {word}, a site or system of {names[word]}"
        if word in local:
            return f"names {word}, which only {snap.projects[local[word]].code} mentions"
    return None


def local_names(engine: SearchEngine, snap: Snapshot) -> dict[str, int]:
    """Capitalised words written mid-sentence in the lessons of one project only (a plant, a town, a
    team's tool): a lesson from another project naming one is about that project's place or kit."""
    if "local_names" in snap.cache:
        return snap.cache["local_names"]
    seen: dict[str, set[int]] = {}
    lower: set[str] = set()
    with engine.kb.session() as session:
        rows = session.exec(select(Lesson.project_id, Lesson.title, Lesson.what_happened, Lesson.recommendation)
                            .where(Lesson.project_id.is_not(None))).all()
    for pid, *texts in rows:
        for text in filter(None, texts):  # each field starts a sentence
            lower.update(re.findall(r"\b[a-z]{4,}\b", text))
            for word in CAPITALISED.findall(text):
                seen.setdefault(word, set()).add(pid)
    # A proper noun is never written in lower case: "Apply" at the start of a bullet is not a name.
    snap.cache["local_names"] = {w: next(iter(p)) for w, p in seen.items()
                                 if len(p) == 1 and w.lower() not in lower | COMMON_NAME_WORDS | CALENDAR_WORDS
                                 and next(iter(p)) in snap.projects}
    return snap.cache["local_names"]


CALENDAR_WORDS = {"january", "february", "march", "april", "june", "july", "august", "september", "october",
                  "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                  "sunday", "christmas", "easter"}


def _project_markers(snap: Snapshot) -> tuple[set[str], dict[str, str]]:
    """Project codes, and the capitalised words that name one project only (a site, a product, an
    acquired company), read from the project names."""
    if "pack_markers" in snap.cache:
        return snap.cache["pack_markers"]
    seen: dict[str, set[int]] = {}
    for p in snap.projects.values():
        for word in re.findall(r"\b[A-Z][a-z]{3,}\b", p.name):
            seen.setdefault(word, set()).add(p.id)
    generic = {w.lower() for t in PROJECT_TYPE.values for w in re.findall(r"[A-Za-z]+", t)}
    names = {w: snap.projects[next(iter(ids))].code for w, ids in seen.items()
             if len(ids) == 1 and w.lower() not in generic and w.lower() not in COMMON_NAME_WORDS}
    snap.cache["pack_markers"] = ({p.code.upper() for p in snap.projects.values()}, names)
    return snap.cache["pack_markers"]


# Words of project names that say what, not where or whose: not a sign that a lesson is specific.
COMMON_NAME_WORDS = {
    "customer", "service", "services", "platform", "replacement", "programme", "program", "project", "system",
    "systems", "group", "finance", "financial", "data", "mobile", "portal", "reporting", "integration",
    "upgrade", "rollout", "implementation", "compliance", "readiness", "analytics", "management", "account",
    "office", "head", "regional", "network", "centre", "center", "exit", "wave", "sales", "store", "field",
    "self", "operational", "resilience", "policy", "book", "claims", "cloud", "hybrid", "plant", "plants",
    "contact", "move", "refresh", "home", "logistics", "manufacturing", "ledger", "harmonisation", "replatforming",
    "telephony", "freight", "northwind", "consolidation", "relocation", "warehouse", "commerce", "app",
}


def type_bias(snap: Snapshot, row: int, ptype: str) -> float:
    """How much closer a lesson sits to its own type's lessons than to `ptype`'s (cosine to centroids)."""
    centroids = _type_centroids(snap)
    code = int(snap.codes["project_type"][row])
    own = snap.labels["project_type"][code].lower() if code >= 0 else None
    target = centroids.get(ptype.lower(), centroids.get(None))
    if own is None or own not in centroids or target is None:
        return 0.0
    vec = snap.dense[row]
    return float(vec @ centroids[own] - vec @ target)


def _type_centroids(snap: Snapshot) -> dict[str | None, np.ndarray]:
    """Unit mean vector of each project type's published lessons; None holds the whole corpus's."""
    if "type_centroids" in snap.cache:
        return snap.cache["type_centroids"]
    lessons = (snap.kinds != RISK) & snap.published
    out: dict[str | None, np.ndarray] = {}
    for code, label in enumerate(snap.labels["project_type"]):
        rows = np.flatnonzero(lessons & (snap.codes["project_type"] == code))
        if len(rows):
            out[label.lower()] = _unit(snap.dense[rows].mean(axis=0))
    if lessons.any():
        out[None] = _unit(snap.dense[np.flatnonzero(lessons)].mean(axis=0))
    snap.cache["type_centroids"] = out
    return out


def _unit(vec: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(vec)
    return vec / norm if norm else vec


def merge_duplicates(engine: SearchEngine, snap: Snapshot, hits: list[Hit]) -> list[Hit]:
    """One line per lesson said more than once: near-duplicates (also across the two passes, and one
    project's closure report and retrospective telling the same story) fold into the first, which then
    lists every source and counts every project."""
    reps = [snap.row("lesson", h.id) for h in hits]
    rows_of = {r: [snap.row("lesson", s.item_id) for s in h.seen_in if s.item_id is not None] or [r]
               for r, h in zip(reps, hits)}
    items = fetch_rows(engine.kb, snap, [r for rows in rows_of.values() for r in rows if r is not None] + reps)
    out = []
    for group in _duplicate_groups(snap, reps, _line_similarity(engine, hits, [items.get(r) for r in reps])):
        first = hits[reps.index(group[0])]
        rows = list(dict.fromkeys(r for g in group for r in rows_of[g] if r is not None and r in items))
        if len(rows) < 2 or group[0] not in items:
            out.append(first)
            continue
        merged = make_hit(snap, [group[0]] + [r for r in rows if r != group[0]], items, first.score, {})
        out.append(merged.model_copy(update={"snippet": first.snippet, "highlights": first.highlights}))
    return out


def _line_similarity(engine: SearchEngine, hits: list[Hit], rows: list) -> np.ndarray:
    """Cosine between the checklist lines themselves: two lessons can tell different stories yet ask
    for the same action ("A KPI dictionary agreed before build" / "Agree a KPI dictionary signed by
    the business before building anything")."""
    if not hits:
        return np.zeros((0, 0))
    # The action without its "Repeat what worked:" frame, which would make every such line look alike.
    texts = [checklist_line(h, r) if getattr(r, "recommendation", None) else h.title for h, r in zip(hits, rows)]
    vecs = engine.text_vectors(texts)
    return vecs @ vecs.T


def _duplicate_groups(snap: Snapshot, rows: list[int], line_sims: np.ndarray) -> list[list[int]]:
    """Rows folded into the first that says the same: lessons across projects above
    PACK_DUPLICATE_COSINE, across one project's documents above SAME_PROJECT_COSINE, or whose
    checklist lines sit above LINE_DUPLICATE_COSINE."""
    sims = snap.dense[rows] @ snap.dense[rows].T if rows else np.zeros((0, 0))
    taken = [False] * len(rows)
    groups = []
    for i, row in enumerate(rows):
        if taken[i]:
            continue
        group = [row]
        for j in range(i + 1, len(rows)):
            same = (snap.project_ids[row] >= 0 and snap.project_ids[row] == snap.project_ids[rows[j]]
                    and snap.document_ids[row] != snap.document_ids[rows[j]])
            alike = sims[i, j] >= (SAME_PROJECT_COSINE if same else PACK_DUPLICATE_COSINE)
            if not taken[j] and (alike or line_sims[i, j] >= LINE_DUPLICATE_COSINE):
                taken[j] = True
                group.append(rows[j])
        groups.append(group)
    return groups


def checklist_line(hit: Hit, row) -> str:
    """The action, phrased once: the lesson's first recommendation sentence, else its title as an action."""
    recommendation = getattr(row, "recommendation", None) if row is not None else None
    if recommendation:
        first = (sentences(recommendation) or [recommendation])[0].rstrip(" ;,:；，：")
        return first[:1].upper() + first[1:]
    if hit.title.split(" ", 1)[0].lower().strip(",:;") in ACTION_VERBS:
        return hit.title  # already an action ("Stop leaving debug logging on"): no frame before it
    source = getattr(hit, "source", None)
    section = (source.location or "").strip().rstrip(":：").lower() if source is not None else ""
    if section in LACKED_SECTIONS:  # what a team lacked is a thing to have, not a failure to repeat
        return _("Plan for what was missing last time: %(title)s") % {"title": hit.title}
    if hit.polarity == "went wrong":
        return _("Guard against a repeat: %(title)s") % {"title": hit.title}
    if hit.polarity == "went well":
        return _("Repeat what worked: %(title)s") % {"title": hit.title}
    return hit.title


LACKED_SECTIONS = frozenset({"lacked", "what we lacked", "missing", "what was missing", "longed for",
                             "what we longed for", "wish list", "wishes", "缺少", "缺失", "欠缺", "期望", "希望有"})
"""Retrospective sections (4Ls' Lacked) whose items name something the team did not have ("A second cloud
engineer from the start"): "Guard against a repeat" before them read as if having it had gone wrong."""

ACTION_VERBS = frozenset(
    "stop start continue keep avoid use make plan agree ensure do don't never always treat involve book run test "
    "budget build check confirm define document engage get give hold include insist name put record reserve "
    "schedule set share sign split staff track train write".split())
"""First words that make a lesson's title an instruction already (retrospectives' start / stop / continue)."""


def _materialised_risks(engine: SearchEngine, snap: Snapshot, profile: ProjectProfile, similar: list[ProjectMatch],
                        visible: Visibility, limit: int = 10) -> list[PackRisk]:
    code = snap.code_of("status", "materialised")
    if code is None:
        return []
    pids = [m.project.id for m in similar]
    ptype = PROJECT_TYPE.canonical(profile.project_type) or profile.project_type
    from search.engine import visible_rows  # which imports this module

    mask = (snap.kinds == RISK) & (snap.codes["status"] == code) & visible_rows(snap, visible)
    near = np.isin(snap.project_ids, pids)
    type_code = snap.code_of("project_type", ptype) if ptype else None
    if type_code is not None:
        near |= snap.codes["project_type"] == type_code
    rows = np.flatnonzero(mask & near)
    text = profile_text(profile)
    # The same type's risks first, each by closeness to the description, then the most similar project's: a
    # head-office move's pack led with a policy-data risk of a project similar at 0.20.
    likeness = {m.project.id: m.score for m in similar}
    same_type = (snap.codes["project_type"][rows] == type_code) if type_code is not None else np.zeros(len(rows), bool)
    project_score = np.array([likeness.get(int(pid), 0.0) for pid in snap.project_ids[rows]], dtype=np.float32)
    closeness = engine.dense_scores(snap, text)[rows] if text and len(rows) else np.zeros(len(rows), np.float32)
    rows = rows[np.lexsort((-project_score, -closeness, ~same_type))]
    rows = rows[:limit].tolist()
    items = fetch_rows(engine.kb, snap, rows)
    terms = {t: 1.0 for t in term_counts(text)}
    return [pack_risk(make_hit(snap, [r], items, 0.0, terms), items[r]) for r in rows if r in items]


def pack_risk(hit: Hit, risk) -> PackRisk:
    """A risk line with what the register says: probability, impact, score, response and what happened."""
    score = risk.score if risk.score is not None else (
        risk.probability * risk.impact if risk.probability is not None and risk.impact is not None else None)
    happened = risk.effect or (risk.description if risk.description and risk.description != risk.title else None)
    return PackRisk(hit=hit, probability=risk.probability, impact=risk.impact, score=score,
                    response=risk.response, what_happened=happened)


def _record(engine: SearchEngine, pack: KickoffPackResult, author: str | None = None) -> int:
    """Keep the pack as generated: it is read back exactly, and it counts towards reuse."""
    profile = pack.profile
    row = KickoffPack(project_name=profile.name, project_id=profile.project_id, project_type=profile.project_type, industry=profile.industry,
                      size=profile.size or size_of(profile.budget), budget=profile.budget,
                      description=profile.description or None,
                      lesson_ids=[item.hit.id for section in pack.sections for item in section.items],
                      risk_ids=[h.id for h in pack.materialised_risks], author=author)
    with engine.kb.session() as session:
        session.add(row)
        session.flush()
        pack.pack_id = row.id
        row.content = pack.model_dump(mode="json")
        session.commit()
        return row.id


def load_pack(engine: SearchEngine, pack_id: int, *, visible: Visibility = EVERYTHING) -> KickoffPackResult:
    """A recorded pack as it was generated, less the lines and projects `visible` hides (a pack made
    by the PMO may cite a confidential project); packs recorded before content was kept are rebuilt.
    A pack made for a project the audience may not see is not found."""
    with engine.kb.session() as session:
        row = visible_pack(session, pack_id, visible)
    if row.content:
        pack = KickoffPackResult.model_validate(row.content)
        pack.profile.project_id = row.project_id  # linked (or unlinked by a deletion) after it was made
        return redact_pack(engine.snapshot(), pack, visible) if visible.restricted else pack
    profile = ProjectProfile(name=row.project_name, project_type=row.project_type, industry=row.industry,
                             budget=row.budget, size=row.size, description=row.description or "",
                             project_id=row.project_id)
    pack = kickoff_pack(engine, profile, record=False, visible=visible)
    pack.pack_id = pack_id
    return pack


def redact_pack(snap: Snapshot, pack: KickoffPackResult, visible: Visibility) -> KickoffPackResult:
    """A recorded pack without the lessons, risks, sources and similar projects `visible` hides."""
    from search.engine import visible_rows  # which imports this module

    shown = visible_rows(snap, visible)
    hidden_codes = {snap.projects[p].code for p in visible.hidden_projects if p in snap.projects}

    def ok(kind: str, item_id: int | None, project_code: str | None = None) -> bool:
        row = snap.row(kind, item_id) if item_id is not None else None
        # An item no longer indexed (deleted since) is judged by the project it was recorded with.
        return bool(shown[row]) if row is not None else project_code not in hidden_codes

    def clean(hit: Hit, kind: str) -> Hit | None:
        if not ok(kind, hit.id, hit.project.code if hit.project else None):
            return None
        seen = [s for s in hit.seen_in if ok(kind, s.item_id, s.project_code)] or [hit.source]
        projects = {s.project_code or f"doc:{s.document_id}" for s in seen}
        return hit.model_copy(update={"seen_in": seen, "project_count": len(projects)})

    sections = []
    for section in pack.sections:
        items = [item.model_copy(update={"hit": h}) for item in section.items if (h := clean(item.hit, "lesson"))]
        if items:
            sections.append(section.model_copy(update={"items": items}))
    risks = [r.model_copy(update={"hit": h}) for r in pack.risks if (h := clean(r.hit, "risk"))]
    return pack.model_copy(update={
        "sections": sections, "risks": risks,
        "materialised_risks": [h for h in (clean(x, "risk") for x in pack.materialised_risks) if h],
        "similar_projects": [m for m in pack.similar_projects if not visible.hides_project(m.project.id)],
    })
