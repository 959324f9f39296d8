"""Recurring failure themes on a portfolio with four planted causes.

Ten projects, one a year from 2015 (P1 overlaps P0), 45 "went wrong" lessons:
four causes, each worded ten different ways, plus five one-off lessons.
Repeat failures expected per cause (a project started after another
project's lesson on the cause was known):

- data migration: P0, P2, P3, P5, P7, P9 → P0's lessons are known at its end
  (2015-09-30); P2, P3, P5, P7, P9 start later → 5 (P9 also has a
  materialised risk on it, same project: still 5).
- late vendor: P1, P4, P6, P8 → P1 ends 2016-09-30; P4, P6, P8 → 3.
- key staff: P0, P1, P6, P8 → P1 started (2015-06-01) before P0 ended, and P0
  before P1 did, so neither repeats; P6, P8 → 2.
- cutover: lessons in P2, P4, P5, P9 dated 2017-04-01 onwards, plus a
  materialised risk in P3 (started 2018) → P3, P4, P5, P9 → 4.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from kb.drafts import ParsedDocument
from kb.models import DocumentCreate, LessonCreate, ThemeOverride
from search import themes as T
from tests.factories import CAUSES, NOISE, PROJECTS_OF, planted_documents, project

EXPECTED_REPEATS = {"data migration": 5, "late vendor": 3, "key staff": 2, "cutover": 4}


def cause_of(title: str) -> str:
    for cause, sentences in CAUSES.items():
        if title in sentences:
            return cause
    return "cutover" if "Cutover" in title else "data migration" if "legacy data" in title else "noise"


@pytest.fixture(scope="module")
def planted(tmp_path_factory, embedder):
    """The planted portfolio, stored once for the module (clustering is deterministic)."""
    from kb.settings import Settings
    from kb.store import KnowledgeBase

    settings = Settings(data_dir=tmp_path_factory.mktemp("themes") / "data", database_url="", chroma_url="",
                        _env_file=None)
    kb = KnowledgeBase.open(settings, embedder=embedder)
    for parsed in planted_documents():
        kb.save_document(parsed, parsed.document.source_name.encode())
    return kb


def theme_of_cause(report, cause):
    """The theme holding most of a cause's items, and the share of them it holds."""
    where = Counter(t.id for t in report.themes for m in t.members if cause_of(m.title) == cause)
    best, count = where.most_common(1)[0]
    return report.get(best), count / sum(where.values())


def test_each_planted_cause_lands_mostly_in_one_theme(planted):
    report = T.compute_themes(planted, use_cache=False)
    for cause in CAUSES:
        theme, share = theme_of_cause(report, cause)
        majority = Counter(cause_of(m.title) for m in theme.members).most_common(1)[0][0]
        assert share >= 0.8, (cause, share)
        assert majority == cause, (cause, theme.name)


def test_themes_are_named_by_their_distinctive_terms(planted):
    report = T.compute_themes(planted)
    words = {cause: set(" ".join(theme_of_cause(report, cause)[0].terms).split()) for cause in CAUSES}
    assert words["data migration"] & {"data", "migration", "legacy", "reconciliation"}
    assert words["cutover"] & {"cutover", "rehearsal", "rehearsed"}
    assert words["late vendor"] & {"vendor", "supplier", "delivery", "late"}
    # The distinctive terms now form the secondary line under the name (issue 10); the name is a phrase.
    assert all(" · " in theme.keywords for theme in report.themes if len(theme.members) > 2)


def test_theme_names_are_phrases_from_a_central_title_not_keyword_lists(planted):
    report = T.compute_themes(planted)
    for theme in report.themes:
        assert " · " not in theme.name and len(theme.name.split()) >= 2, theme.name
        # Extractive: the name is the start of one of the theme's own titles (its first clause, maybe cut).
        stem = theme.name.rstrip("…").lower()
        assert any(m.title.lower().startswith(stem) for m in theme.members), theme.name
    cutover = theme_of_cause(report, "cutover")[0]
    assert re.search(r"cutover|rehears", cutover.name, re.I), cutover.name


def test_a_shortened_name_keeps_the_first_clause_and_says_it_was_cut():
    assert T.naming.shorten("We found the duplicates far too late; nobody looked") == \
        "We found the duplicates far too late"
    assert T.naming.shorten("Key subject matter experts quit, leaving nobody who understood the old system") == \
        "Key subject matter experts quit"
    assert T.naming.shorten("The two business analysts who knew the legacy billing rules resigned in January") == \
        "The two business analysts who knew the legacy…"
    assert T.naming.shorten("Nobody had agreed who owned the data and the reports") == \
        "Nobody had agreed who owned the data…"
    assert T.naming.shorten("scope kept growing.") == "Scope kept growing"


def test_only_went_wrong_lessons_and_materialised_risks_are_themed(planted):
    report = T.compute_themes(planted)
    titles = {m.title for t in report.themes for m in t.members}
    assert "Daily stand-ups kept the team aligned." not in titles
    assert "Office move clashes with go-live" not in titles
    assert {"Cutover dress rehearsal skipped", "Poor legacy data quality"} <= titles
    assert sum(len(t.members) for t in report.themes) == 40 + len(NOISE) + 2


def test_repeat_failures_follow_the_planted_sequence(planted):
    report = T.compute_themes(planted)
    code = {p.id: p.code for p in report.projects.values()}
    for cause, expected in EXPECTED_REPEATS.items():
        theme, _ = theme_of_cause(report, cause)
        planted_projects = {f"P{i}" for i in PROJECTS_OF[cause]} | ({"P3"} if cause == "cutover" else set())
        repeats = {code[r.project_id] for r in theme.repeats}
        # Projects that are in the theme only through a stray (noise) lesson may add repeats; the planted
        # projects must repeat exactly as worked out in the module docstring.
        assert len(repeats & planted_projects) == expected, (cause, sorted(repeats))
        strays = {code[m.project_id] for m in theme.members if cause_of(m.title) != cause}
        assert repeats - planted_projects <= strays


def test_repeat_failure_definition_on_hand_built_items():
    projects = {1: T.DatedProject(1, "A", "A", "ERP migration", date(2020, 1, 1), date(2020, 6, 30), date(2020, 6, 30)),
                2: T.DatedProject(2, "B", "B", "ERP migration", date(2020, 3, 1), date(2020, 12, 31), None),
                3: T.DatedProject(3, "C", "C", "CRM rollout", date(2020, 7, 1), None, None),
                4: T.DatedProject(4, "D", "D", "CRM rollout", None, None, None)}

    def item(n, pid, known, kind="lesson"):
        return T.Item(f"{kind}-{n}", kind, n, "t", "t", pid, known, known)

    members = [item(1, 1, date(2020, 6, 30)),           # A's lesson, known when A closed
               item(2, 2, date(2020, 8, 1)),            # B started before A closed: not a repeat
               item(3, 3, None, kind="risk"),           # C started 2020-07-01 > 2020-06-30: repeat
               item(4, 4, date(2021, 1, 1))]            # D has no start date: cannot tell
    repeats = T.repeat_failures(members, projects)
    assert [(r.project_id, r.earlier_vid) for r in repeats] == [(3, "lesson-1")]


def test_each_repeat_cites_the_closest_earlier_lesson_from_another_project(planted):
    report = T.compute_themes(planted)
    base = T.compute_clustering(planted)
    row = {item.vid: n for n, item in enumerate(base.items)}
    cited = []
    for theme in report.themes:
        for r in theme.repeats:
            own = [m for m in theme.members if m.project_id == r.project_id]
            earlier = [m for m in theme.members if m.kind == "lesson" and m.known and m.known < r.start
                       and m.project_id != r.project_id]
            sims = base.vectors[[row[m.vid] for m in own]] @ base.vectors[[row[m.vid] for m in earlier]].T
            assert r.similarity == pytest.approx(float(sims.max()), abs=1e-3)    # the closest pair, not the first
            assert r.item_vid in {m.vid for m in own}
            if not r.cited:
                assert r.similarity < T.PRECEDENT_THRESHOLD
                continue
            precedent = report.items[r.earlier_vid]
            assert precedent.project_id != r.project_id and precedent.known < r.start
            assert r.similarity >= T.PRECEDENT_THRESHOLD and r.earlier_known == precedent.known
            cited.append((theme.id, r.earlier_vid))
    assert cited, "the planted paraphrases are close enough to cite"
    # Different repeat failures of one theme cite different precedents (no single lesson for all of them).
    assert any(len({vid for t, vid in cited if t == theme.id}) >= 2 for theme in report.themes)


def test_a_weak_match_is_no_close_precedent():
    import numpy as np

    projects = {1: T.DatedProject(1, "A", "A", "ERP", date(2019, 1, 1), date(2019, 6, 30), date(2019, 6, 30)),
                2: T.DatedProject(2, "B", "B", "ERP", date(2019, 2, 1), date(2019, 6, 30), date(2019, 6, 30)),
                3: T.DatedProject(3, "C", "C", "CRM", date(2020, 1, 1), None, None),
                4: T.DatedProject(4, "D", "D", "CRM", date(2020, 1, 1), None, None),
                5: T.DatedProject(5, "E", "E", "CRM", date(2020, 1, 1), None, None)}
    members = [T.Item(f"lesson-{n}", "lesson", n, "t", "t", n, None, date(2019, 6, 30) if n < 3 else None)
               for n in range(1, 6)]
    unit = lambda *xs: np.array(xs, dtype=np.float32) / np.linalg.norm(xs)  # noqa: E731
    vectors = np.stack([unit(1, 0, 0), unit(0, 1, 0), unit(0.9, 0.1, 0.1), unit(0.1, 0.9, 0.1), unit(0, 0, 1)])
    repeats = {r.project_id: r for r in T.repeat_failures(members, projects, vectors)}
    assert set(repeats) == {3, 4, 5}                         # all three repeat: the theme was on record
    assert repeats[3].earlier_vid == "lesson-1" and repeats[4].earlier_vid == "lesson-2"
    assert repeats[5].earlier_vid is None and repeats[5].similarity == 0.0   # orthogonal: nothing to cite
    assert repeats[5].first_known == date(2019, 6, 30)


def test_repeat_counts_say_what_they_count(planted):
    report = T.compute_themes(planted)
    counts = T.repeat_counts(report)
    pairs = [(t.id, r.project_id) for t in report.themes for r in t.repeats]
    assert counts["pairs"] == len(pairs) == len(set(pairs))
    assert counts["projects"] == len({p for _, p in pairs}) < counts["pairs"]
    assert counts["of_projects"] == len(report.covered) == len(report.projects)   # every planted project is over
    assert counts["text"] == f"{len(pairs)} project–theme pairs in {counts['projects']} of {len(report.covered)} projects"


def test_foreseeable_failures_carry_both_titles(planted):
    from search.foreseeable import foreseeable_risks

    found = foreseeable_risks(planted, use_cache=False)
    assert found, "the planted portfolio has a materialised risk an earlier lesson described"
    from kb.models import Lesson, Risk

    with planted.session() as session:
        for f in found.values():
            assert f.risk_title == session.get(Risk, f.risk_id).title
            lesson = session.get(Lesson, f.lesson_id)
            assert f.lesson_title == lesson.title and f.lesson_project_id == lesson.project_id != f.project_id


def test_trend_is_the_sign_of_a_least_squares_slope():
    assert T.trend([1, 2, 3, 4])[1] == "rising"
    assert T.trend([4, 3, 2, 1])[1] == "falling"
    assert T.trend([2, 2, 2, 2]) == (0.0, "flat")
    assert T.trend([0, 5]) == (0.0, "flat")             # fewer than three years
    assert T.trend([2, 2, 2, 3])[1] == "rising"         # slope 0.3 ≥ 10% of mean 2.25


def test_counts_by_year_and_type_add_up(planted):
    report = T.compute_themes(planted)
    for theme in report.themes:
        assert sum(theme.projects_by_type.values()) == len(theme.projects)
        assert sum(theme.items_by_year.values()) == len(theme.members)
        assert set(theme.projects_by_year) <= set(report.years)
    assert report.years == list(range(2015, 2025))


def test_clustering_is_deterministic(planted):
    first = T.compute_themes(planted, use_cache=False)
    second = T.compute_themes(planted, use_cache=False)
    assert [(t.id, t.name, [m.vid for m in t.members]) for t in first.themes] == \
           [(t.id, t.name, [m.vid for m in t.members]) for t in second.themes]
    assert T.compute_themes(planted).cached


def test_pmo_edits_survive_recomputation(kb):
    for parsed in planted_documents():
        kb.save_document(parsed, parsed.document.source_name.encode())
    report = T.compute_themes(kb)
    cutover, vendor, staff, data = (theme_of_cause(report, c)[0] for c in ("cutover", "late vendor", "key staff",
                                                                           "data migration"))
    T.rename_theme(kb, cutover.id, "Cutover never rehearsed")
    T.merge_themes(kb, [vendor.id, staff.id], name="Supply and people")
    strays = [m.vid for m in data.members if cause_of(m.title) != "data migration"]
    T.split_theme(kb, data.id, strays, names=[None, "Odds and ends"])
    edited = T.compute_themes(kb)
    assert len(edited.themes) == len(report.themes)          # one merge, one split

    # A new project brings new lessons: the index generation changes and the themes are recomputed.
    new = ParsedDocument(
        document=DocumentCreate(kind="closure report", source_name="P10_closure.md", sha256="", content="p10"),
        project_code="P10", projects=[project(10)],
        lessons=[LessonCreate(title="Legacy records were riddled with duplicates and failed data reconciliation.",
                              polarity="went wrong"),
                 LessonCreate(title="Nobody rehearsed the cutover, so the go-live weekend overran.",
                              polarity="went wrong")])
    kb.save_document(new, b"p10")
    after = T.compute_themes(kb)
    assert not after.cached and not after.unmatched_edits
    by_name = {t.name: t for t in after.themes}
    assert "Cutover never rehearsed" in by_name and "Supply and people" in by_name and "Odds and ends" in by_name
    titles = lambda name: {m.title for m in by_name[name].members}  # noqa: E731
    assert "Nobody rehearsed the cutover, so the go-live weekend overran." in titles("Cutover never rehearsed")
    assert set(CAUSES["late vendor"]) | set(CAUSES["key staff"]) <= titles("Supply and people")
    assert {m.vid for m in by_name["Odds and ends"].members} >= set(strays)
    data_after = theme_of_cause(after, "data migration")[0]
    assert data_after.name != "Odds and ends"
    assert "Legacy records were riddled with duplicates and failed data reconciliation." in \
           {m.title for m in data_after.members}


def test_edits_that_no_longer_match_are_reported(planted):
    from sqlmodel import select

    with planted.session() as session:
        session.add(ThemeOverride(action="rename", payload={"theme": {"members": ["lesson-99999"]}, "name": "x"}))
        session.commit()
    try:
        report = T.compute_themes(planted)
        assert [o.payload["name"] for o in report.unmatched_edits] == ["x"]
    finally:
        with planted.session() as session:
            for row in session.exec(select(ThemeOverride)):
                session.delete(row)
            session.commit()


def test_bad_edits_are_refused_with_a_reason(planted):
    report = T.compute_themes(planted)
    with pytest.raises(T.InvalidThemeEdit, match="at least two"):
        T.merge_themes(planted, [report.themes[0].id])
    with pytest.raises(T.InvalidThemeEdit, match="name"):
        T.rename_theme(planted, report.themes[0].id, "  ")
    with pytest.raises(T.ThemeNotFound):
        T.rename_theme(planted, "nope", "x")


# --- the demo corpus ----------------------------------------------------------------------

DEMO = Path(__file__).resolve().parents[2] / "demo"
# Words that mark a lesson or risk as being about each recurring cause listed in demo/README.md.
CAUSE_WORDS = {
    "Data migration": r"data quality|reconcil|legacy (data|records|postings)|duplicat|cleans|dirty|data migration",
    "Underestimated testing": r"\buat\b|regression|performance test|load test|acceptance test|testing",
    "Late vendor": r"\blate\b.*(deliver|ship|arriv|supplier|vendor)|(deliver|supplier|vendor|ordered).*\blate\b|slipped",
    "Scope creep": r"change control|scope",
    "Key staff": r"\b(left|resign|leav|quit|departure|retention)",
    "Late or mistimed user training": r"train",
    "Weak executive sponsorship": r"sponsor",
    "Unclear requirements": r"requirement",
    "Cutover not rehearsed": r"cutover|rehears",
    "Integration interfaces": r"interface",
}


def demo_causes() -> dict[str, set[str]]:
    """Cause -> project codes, from the ground-truth table in demo/README.md."""
    text = (DEMO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Recurring causes", 1)[1].split("\n## ", 1)[0].split("Recurring positives")[0]
    out = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and re.search(r"[A-Z]{3}-[A-Z]+-\d{4}", cells[1]):
            out[cells[0]] = set(re.findall(r"[A-Z]{3}-[A-Z]+-\d{4}", cells[1]))
    return out


@pytest.fixture(scope="module")
def demo_themes(demo_store):
    return T.compute_themes(demo_store[0])


@pytest.mark.slow
def test_demo_recurring_causes_are_found(demo_themes):
    report = demo_themes
    code = {p.id: p.code for p in report.projects.values()}
    causes = demo_causes()
    assert len(causes) >= 8
    # The reviewer's demo gave 2 themes, one English and one Chinese, each holding every cause.
    assert len(report.themes) >= 6, [t.name for t in report.themes]
    found, homes = 0, set()
    for cause, projects in causes.items():
        words = next(w for prefix, w in CAUSE_WORDS.items() if cause.lower().startswith(prefix.lower()))
        where = Counter(t.id for t in report.themes for m in t.members
                        if code.get(m.project_id) in projects and re.search(words, m.text, re.I))
        if not where:
            continue
        theme = report.get(where.most_common(1)[0][0])
        spanned = {code.get(m.project_id) for m in theme.members} & projects
        # The cause's theme gathers its lessons from several of the projects that suffered it.
        if len(spanned) >= 3 and where.most_common(1)[0][1] / sum(where.values()) >= 0.4:
            found += 1
            homes.add(theme.id)
    print(f"demo: {found} of {len(causes)} recurring causes found as themes")
    assert found >= 7, found
    assert len(homes) >= 6, [report.get(h).name for h in homes]   # causes have themes of their own
    assert sum(t.repeat_failures for t in report.themes) > 0


@pytest.mark.slow
def test_demo_repeats_cite_their_own_precedents_and_names_read_as_phrases(demo_themes):
    report = demo_themes
    top = report.themes[0]
    cited = [r.earlier_vid for r in top.repeats if r.cited]
    # Issue 10: all 12 repeats of the top theme cited one unrelated lesson; now each cites its closest.
    assert len(set(cited)) >= 2, cited
    assert any(not r.cited for t in report.themes for r in t.repeats)    # weak matches are not cited
    for theme in report.themes:
        assert " · " not in theme.name and " · " in theme.keywords, theme.name


@pytest.mark.slow
def test_demo_themes_are_english_failures_of_closed_projects(demo_store):
    """Without the multilingual model (with it: tests/search/test_multilingual.py)."""
    from kb.language import has_han, language_of
    from kb.models import Project
    from kb.open_risks import is_active
    from kb.store import KnowledgeBase

    english_only = KnowledgeBase.open(demo_store[0].settings, embedder=demo_store[0].embedder, multilingual=None)
    report = T.compute_themes(english_only, use_cache=False)
    with demo_store[0].session() as session:
        projects = list(session.exec(select(Project)))
    active = {p.id for p in projects if is_active(p)}
    chinese = {p.id for p in projects if p.code.startswith("CHN-")}
    assert len(active) == 6 and len(chinese) == 8
    for theme in report.themes:
        # One language per theme, and not Chinese: the English-only model cannot read it.
        assert {language_of(m.text) for m in theme.members} == {"en"}, theme.name
        assert not any(has_han(m.text) for m in theme.members), theme.name
        assert not {m.project_id for m in theme.members} & (active | chinese), theme.name
    assert not report.covered & (active | chinese) and len(report.covered) == 35
    assert T.compute_clustering(english_only, use_cache=False).unread > 0
