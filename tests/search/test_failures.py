"""Which failures the embedding-based analyses read: no Han-script text while the model is English-only
(`KB_MULTILINGUAL_MODEL` empty; with it on, tests/search/test_multilingual.py), no running project's
register among past failures, and no "went well" lesson as a failure's forerunner."""

from __future__ import annotations

from datetime import date

import pytest

from kb.drafts import ParsedDocument
from kb.models import DocumentCreate, LessonCreate, ProjectCreate, RiskCreate
from search import themes as T
from search.failures import item_vectors, load_items, load_projects, model_reads
from search.foreseeable import THRESHOLD, foreseeable_risks, warns
from tests.factories import planted_documents


def _doc(code: str, start: int, *, closed: bool = True, lessons=(), risks=()) -> ParsedDocument:
    project = ProjectCreate(code=code, name=f"Project {code}", project_type="ERP migration",
                            planned_start=date(start, 1, 1), actual_start=date(start, 1, 1),
                            planned_end=date(start, 12, 31), actual_end=date(start, 12, 31) if closed else None,
                            outcome="challenged" if closed else None)
    return ParsedDocument(document=DocumentCreate(kind="closure report", source_name=f"{code}.md", sha256="",
                                                  content=f"closure report of {code}"),
                          project_code=code, projects=[project], lessons=list(lessons), risks=list(risks))


@pytest.fixture
def english_only_kb(settings, embedder):
    """The real model without the multilingual one: Chinese text is then unreadable to every analysis."""
    from kb.store import KnowledgeBase

    return KnowledgeBase.open(settings, embedder=embedder, multilingual=None)


def _save(kb, parsed: ParsedDocument) -> None:
    kb.save_document(parsed, parsed.document.source_name.encode())


def test_the_model_reads_english_but_not_han_script():
    assert model_reads("Cutover was not rehearsed") and model_reads("") and model_reads(None)
    assert not model_reads("性能测试不充分") and not model_reads("SAP 迁移项目的数据核对")


def test_only_warning_lessons_foresee():
    from search.failures import Item

    def lesson(polarity, advice=False):
        return Item("lesson:1", "lesson", 1, "t", "t", 1, None, None, "en", polarity, advice)

    assert warns(lesson("went wrong")) and warns(lesson("improvement", advice=True)) and warns(lesson(None, True))
    assert not warns(lesson("went well")) and not warns(lesson("went well", advice=True))
    assert not warns(lesson("improvement")) and not warns(lesson(None))


def test_went_well_and_chinese_lessons_foresee_nothing(english_only_kb):
    kb = english_only_kb
    went_well = LessonCreate(title="Rehearsing the cutover twice made the go-live weekend run to plan.",
                             polarity="went well")
    chinese = LessonCreate(title="小程序审核被退回，上线推迟了两周。", polarity="went wrong")
    _save(kb, _doc("PAST", 2019, lessons=[went_well, chinese]))
    _save(kb, _doc("NEW", 2021, risks=[
        RiskCreate(title="Cutover not rehearsed", status="materialised", materialised=True,
                   description="The go-live weekend overran because the cutover was never rehearsed."),
        RiskCreate(title="性能测试不充分", description="高峰期系统崩溃。", status="materialised", materialised=True)]))
    with kb.session() as session:
        items = load_items(session, load_projects(session), polarity=None)
    lessons = sorted((i for i in items if i.kind == "lesson"), key=lambda i: i.title)
    risks = sorted((i for i in items if i.kind == "risk"), key=lambda i: i.title)
    sims = item_vectors(kb, risks) @ item_vectors(kb, lessons).T
    # Both pairs are "similar" to the model (the Chinese one by noise), so only the rules keep them out.
    assert sims[0, 0] >= THRESHOLD and sims[1, 1] >= THRESHOLD, sims
    assert foreseeable_risks(kb, use_cache=False) == {}

    warning = LessonCreate(title="The go-live cutover had never been rehearsed end to end and overran by two days.",
                           polarity="went wrong")
    _save(kb, _doc("EARLIER", 2019, lessons=[warning]))
    found = foreseeable_risks(kb, use_cache=False)
    assert [f.lesson_title for f in found.values()] == [warning.title]
    assert [f.risk_title for f in found.values()] == ["Cutover not rehearsed"]


def test_unrelated_uploads_leave_the_themes_as_they_were(english_only_kb):
    kb = english_only_kb
    for parsed in planted_documents():
        _save(kb, parsed)
    before = T.compute_themes(kb)
    # A Chinese closure report and a running project's live register whose risks already occurred.
    _save(kb, _doc("CHN", 2020, lessons=[
        LessonCreate(title="历史数据没有清洗，迁移对账失败了两次。", polarity="went wrong"),
        LessonCreate(title="上线切换没有演练，周末割接超时两天。", polarity="went wrong")],
        risks=[RiskCreate(title="供应商交付延迟", description="硬件晚到六周。", status="materialised", materialised=True)]))
    _save(kb, _doc("LIVE", 2026, closed=False, risks=[
        RiskCreate(title="Legacy records full of duplicates", status="materialised", materialised=True,
                   description="Customer records fail data migration reconciliation."),
        RiskCreate(title="Cutover not rehearsed", description="The cutover may not be rehearsed.", status="open")]))
    after = T.compute_themes(kb)
    assert not after.cached
    shape = lambda report: [(t.id, t.name, [m.vid for m in t.members]) for t in report.themes]  # noqa: E731
    assert shape(after) == shape(before)
    codes = {after.projects[pid].code for pid in after.covered}
    assert "LIVE" not in codes and "CHN" not in codes and len(codes) == 10
    assert T.repeat_counts(after) == T.repeat_counts(before)
    assert T.compute_clustering(kb).unread == 3
