"""Chinese and English through the multilingual model (USE multilingual v3) beside all-MiniLM-L6-v2:
cross-language search, English ranking untouched, early warnings on Chinese risks, and the second
vectors checked by `kb doctor` and repaired by `kb reindex`. Real models, real SQLite and Chroma."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import delete, select

from kb.errors import KBError
from kb.language import has_han
from kb.models import MultilingualVector, Project, ProjectCreate, Risk, RiskCreate
from search import SearchEngine, SearchRequest
from search import warnings as W
from tests.factories import _past, _register, warning_documents

DEMO = Path(__file__).parent.parent.parent / "demo"


def first_page(engine, q: str):
    return engine.search(SearchRequest(q=q), log=False).hits


@pytest.fixture(scope="module")
def demo_engine(demo_store):
    kb, _ = demo_store
    assert kb.multilingual is not None  # the packaged default
    return SearchEngine(kb)


def test_a_chinese_question_finds_the_english_lessons_on_data_migration_testing(demo_engine):
    hits = first_page(demo_engine, "数据迁移测试不充分导致上线延期")
    english = [h.title for h in hits if not has_han(h.title)]
    migration = [t for t in english if "migrat" in t.lower()]
    assert len(migration) >= 2, [h.title for h in hits]
    assert any(has_han(h.title) and "迁移" in h.title for h in hits[:3])  # and the Chinese ones still lead


@pytest.mark.parametrize("question, chinese", [
    ("cloud costs exceeded the budget", "云资源费用超出预算"),
    ("the vendor's key developers left the project", "供应商关键开发人员离职"),
])
def test_an_english_question_finds_the_chinese_lessons_on_its_topic(demo_engine, question, chinese):
    titles = [h.title for h in first_page(demo_engine, question)]
    assert any(t.startswith(chinese) for t in titles), titles


def test_an_unrelated_question_in_either_language_is_not_answered_by_the_other(demo_engine):
    for q in ("月球尘埃如何处理", "how do we handle lunar dust"):
        resp = demo_engine.search(SearchRequest(q=q), log=False)
        assert not resp.answered, [(h.title, h.confidence) for h in resp.hits[:3]]


def test_english_questions_keep_exactly_the_english_models_scores_on_english_rows(demo_engine):
    kb = demo_engine.kb
    snap = demo_engine.snapshot()
    q = "What went wrong on past ERP migrations?"
    dense = demo_engine.dense_scores(snap, q)
    english = ~snap.chinese
    assert (dense[english] == snap.dense[english] @ demo_engine.query_vector(q)).all()
    assert snap.chinese.sum() > 50 and not (dense[snap.chinese] == (snap.dense @ kb.embedder.embed_query(q))[
        snap.chinese]).all()


@pytest.fixture(scope="module")
def english_store(tmp_path_factory, embedder):
    """The demo's English Markdown reports and registers, stored once with the multilingual model on."""
    from ingest import collect_files, ingest_file
    from kb.settings import Settings
    from kb.store import KnowledgeBase

    settings = Settings(data_dir=tmp_path_factory.mktemp("english") / "data", database_url="", chroma_url="",
                        _env_file=None)
    kb = KnowledgeBase.open(settings, embedder=embedder)
    files = [p for p in collect_files([DEMO]) if not p.name.startswith("CHN-") and p.suffix in (".md", ".csv", ".xlsx")]
    assert len(files) > 20
    for path in files:
        ingest_file(kb, path)
    return settings


def test_english_ranking_is_byte_identical_with_the_multilingual_model_on_or_off(english_store, embedder):
    from kb.store import KnowledgeBase

    on = SearchEngine(KnowledgeBase.open(english_store, embedder=embedder))
    off = SearchEngine(KnowledgeBase.open(english_store, embedder=embedder, multilingual=None))
    assert on.kb.multilingual is not None and off.kb.multilingual is None
    with on.kb.session() as session:
        assert len(session.exec(select(MultilingualVector.item_id)).all()) > 300
    questions = ["What went wrong on past ERP migrations?", "vendor delivered late", "data migration testing",
                 "users were trained too early", "cloud costs exceeded the budget", "how do we handle lunar dust"]
    for q in questions:
        for request in (SearchRequest(q=q, limit=50), SearchRequest(q=q, filters={"kind": ["lesson"]})):
            a, b = on.search(request, log=False), off.search(request, log=False)
            a.took_ms = b.took_ms = 0
            assert a.model_dump_json() == b.model_dump_json(), q
    lesson = on.search(SearchRequest(q="vendor"), log=False).hits[0]
    assert [h.model_dump() for h in on.more_like_this("lesson", lesson.id)] == \
        [h.model_dump() for h in off.more_like_this("lesson", lesson.id)]


# --- early warnings on Chinese risks -------------------------------------------------------------

@pytest.fixture(scope="module")
def chinese_live_kb(tmp_path_factory, embedder):
    from kb.settings import Settings
    from kb.store import KnowledgeBase

    settings = Settings(data_dir=tmp_path_factory.mktemp("zhwarn") / "data", database_url="", chroma_url="",
                        _env_file=None)
    kb = KnowledgeBase.open(settings, embedder=embedder)
    live = ProjectCreate(code="LIVE-ZH", name="华东财务 ERP 替换", project_type="ERP migration",
                         planned_start=date(2026, 1, 5), planned_end=date(2026, 12, 18))
    register = _register("LIVE-ZH", [
        RiskCreate(title="物料主数据可能包含重复和过时的记录，导致试加载失败",
                   description="物料主数据可能包含重复和过时的记录，导致试加载失败", status="open",
                   probability=4, impact=4),
        RiskCreate(title="员工食堂春季可能装修关闭", description="员工食堂春季可能因装修关闭", status="open",
                   probability=2, impact=1)], live)
    # Precedents told in nearly the same words, in Chinese and in English (the multilingual model's bar
    # for a warning sits above every unrelated pair of the demo: search.warnings).
    past_zh = _register("PAST-ZH", [
        RiskCreate(title="物料主数据存在大量重复和过时的记录，试加载失败",
                   description="物料主数据存在大量重复和过时的记录，前两次试加载失败", status="materialised",
                   materialised=True)], _past("PAST-ZH", "华南工厂 ERP 上线", "ERP migration", 2021))
    past_en = _register("PAST-ERP-3", [
        RiskCreate(title="Material master data contained duplicate and obsolete records that failed trial loads",
                   description="Material master data contained duplicate and obsolete records that failed trial "
                               "loads", status="materialised", materialised=True)],
        _past("PAST-ERP-3", "Distribution ERP", "ERP migration", 2022))
    for n, doc in enumerate([*warning_documents(), past_zh, past_en, register]):
        assert kb.save_document(doc, f"document {n}".encode()).outcome == "ingested"
    return kb


def test_a_chinese_open_risk_is_warned_of_by_its_english_precedents_and_an_unrelated_one_is_not(chinese_live_kb):
    engine = SearchEngine(chinese_live_kb)
    with chinese_live_kb.session() as session:
        project = session.exec(select(Project).where(Project.code == "LIVE-ZH")).one()
        risks = {r.title: r.id for r in session.exec(select(Risk).where(Risk.project_id == project.id))}
    found = W.project_warnings(engine, project.id)
    assert [w.title for w in found.warnings] == ["物料主数据可能包含重复和过时的记录，导致试加载失败"]
    [warning] = found.warnings
    assert {p.project.code for p in warning.precedents} == {"PAST-ZH", "PAST-ERP-3"}
    assert warning.same_type_count == 2
    assert W.risk_warning(engine, risks["员工食堂春季可能装修关闭"]) is None
    assert risks["物料主数据可能包含重复和过时的记录，导致试加载失败"] in W.high_risk_precedents(chinese_live_kb)


def test_without_the_multilingual_model_chinese_risks_get_no_warning(chinese_live_kb, embedder):
    from kb.store import KnowledgeBase

    off = KnowledgeBase.open(chinese_live_kb.settings, embedder=embedder, multilingual=None)
    with off.session() as session:
        project = session.exec(select(Project).where(Project.code == "LIVE-ZH")).one()
    assert W.project_warnings(SearchEngine(off), project.id).warnings == []


# --- similar past projects ------------------------------------------------------------------------

def test_a_chinese_project_description_finds_the_past_projects_on_its_topic(demo_engine):
    """Compared by MiniLM, which cannot read Chinese, every Chinese project came out alike (about 0.69)
    whatever the description said; the multilingual model tells them apart, English ones included."""
    from search.models import ProjectProfile
    from search.projects import similar_projects

    move = similar_projects(demo_engine, ProjectProfile(description="数据中心搬迁，机房设备迁移到新机房，需要安排切换窗口和停机时间"))
    assert move[0].project.code == "CHN-DC-2021"
    app = similar_projects(demo_engine, ProjectProfile(description="新建移动应用，面向客户的手机App，需要应用商店审核"),
                           limit=2)
    assert {m.project.code for m in app} == {"RET-APP-2019", "CHN-APP-2024"}  # an English app project and a Chinese one


def test_similar_projects_say_why_in_the_readers_language(demo_engine):
    from kb import i18n
    from search.models import ProjectProfile
    from search.projects import similar_projects

    profile = ProjectProfile(project_type="ERP migration", industry="Manufacturing", size="large",
                             description="SAP S/4HANA rollout with legacy data migration and user training")
    with i18n.using("zh_CN"):
        reasons = [r for m in similar_projects(demo_engine, profile) for r in m.reasons]
    assert "同一项目类型（ERP 迁移）" in reasons  # the stored English value shown in Chinese too
    assert any(r.startswith("同一行业（") for r in reasons)
    assert not any("same" in r or "similar" in r for r in reasons)


# --- doctor and reindex --------------------------------------------------------------------------

def test_doctor_finds_missing_multilingual_vectors_and_reindex_makes_them(fast_kb):
    from tests.factories import closure

    assert fast_kb.save_document(closure(), b"v1").outcome == "ingested"
    assert fast_kb.doctor().ok
    with fast_kb.session() as session:
        stored = len(session.exec(select(MultilingualVector.item_id)).all())
        session.exec(delete(MultilingualVector))
        session.commit()
    assert stored >= 2
    report = fast_kb.doctor()
    [problem] = report.problems()
    assert problem.what.startswith("use-multilingual-v3: Lessons/risks with no vector in SQL")
    assert "kb reindex" in problem.todo
    done = fast_kb.reindex()
    assert done.embedded == stored and fast_kb.doctor().ok


def test_the_multilingual_model_is_a_setting(tmp_path):
    from kb.embedding import create_multilingual_embedder
    from kb.settings import Settings

    assert create_multilingual_embedder(Settings(data_dir=tmp_path, _env_file=None)).name == "use-multilingual-v3"
    assert create_multilingual_embedder(Settings(data_dir=tmp_path, multilingual_model="", _env_file=None)) is None
    with pytest.raises(KBError, match="KB_MULTILINGUAL_MODEL"):
        create_multilingual_embedder(Settings(data_dir=tmp_path, multilingual_model="labse", _env_file=None))


# --- themes --------------------------------------------------------------------------------------

@pytest.mark.slow
def test_demo_chinese_failures_get_themes_of_their_own_and_the_english_themes_stay_as_they_were(demo_store):
    from kb.open_risks import is_active
    from kb.store import KnowledgeBase
    from search import themes as T

    kb = demo_store[0]
    english_only = KnowledgeBase.open(kb.settings, embedder=kb.embedder, multilingual=None)
    on, off = T.compute_themes(kb, use_cache=False), T.compute_themes(english_only, use_cache=False)
    shape = lambda report: sorted((t.name, [m.vid for m in t.members]) for t in report.themes  # noqa: E731
                                  if not any(has_han(m.text) for m in t.members))
    assert shape(on) == shape(off)
    chinese = [t for t in on.themes if any(has_han(m.text) for m in t.members)]
    assert len(chinese) >= 3 and len(on.themes) == len(off.themes) + len(chinese)
    for theme in chinese:  # one language per theme
        assert all(has_han(m.text) for m in theme.members), theme.name
    with kb.session() as session:
        active = {p.id for p in session.exec(select(Project)) if is_active(p)}
    assert not any(m.project_id in active for t in on.themes for m in t.members)
    assert T.compute_clustering(kb, use_cache=False).unread == 0
    # The data migrations that slipped, told by two projects, share a theme.
    homes = {t.id for t in chinese for m in t.members
             if m.title.startswith(("数据迁移比计划晚了九周", "历史库存数据质量差导致迁移延误"))}
    assert len(homes) == 1
