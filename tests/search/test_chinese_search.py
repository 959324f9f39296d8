"""Keyword search over Chinese text (jieba segmentation), Chinese plain-language facets,
and the language facet. Hashing embedder: these tests are about words and facets, not meaning."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from search import SearchRequest
from search.facets import detect
from search.index import build_bm25
from search.text import chinese_segmenter, pmo_words, term_counts

REPORT = """# 华东仓储 ERP 迁移项目收尾报告

项目名称：华东仓储 ERP 迁移
项目编号：CHN-ERP-2022
项目类型：ERP 迁移
计划开始日期：2022年3月1日
实际完成日期：2023年5月8日
项目结果：部分成功

## 存在的问题

- 数据迁移比计划晚了九周，重复的物料编码超过四千条。
- 根据库存数量统计，月结报表的数字有偏差。
- 供应商关键开发人员中途离职，交接文档不全。
"""
RISKS = """项目编号：CHN-ERP-2022
风险编号,风险描述,原因,风险类别,可能性,影响程度,责任人,状态
R1,供应商交付的接口延期,集成商人员不足,供应商,高,高,王磊,已发生
R2,供应商许可证费用上涨,合同到期,供应商,中,中,王磊,处理中
"""
ENGLISH = """# Closure report

Project code: FIN-ERP-2019
Project type: ERP migration
Actual start: 2019-02-01

## What went wrong

- The data migration slipped by nine weeks because legacy data was dirty.
- The vendor's key developers left in the middle of system testing.
"""


@pytest.fixture
def engine(fast_kb):
    from ingest import ingest_bytes
    from search import SearchEngine

    for name, data in (("CHN-ERP-2022_closure-report.md", REPORT), ("CHN-ERP-2022_risks.csv", RISKS),
                       ("FIN-ERP-2019_closure-report.md", ENGLISH)):
        report = ingest_bytes(fast_kb, name, data.encode("utf-8"))
        assert report.outcome == "ingested" and not report.warnings, report
    return SearchEngine(fast_kb)


def search(engine, q="", **kw):
    return engine.search(SearchRequest(q=q, **kw), log=False)


def test_a_chinese_word_matches_the_word_not_its_characters():
    texts = ["数据迁移比计划晚了九周", "根据库存数量统计，月结报表的数字有偏差", "The data migration slipped"]
    matrix, vocab, _ = build_bm25(texts)
    query = [vocab[t] for t in term_counts("数据迁移") if t in vocab]
    scores = np.asarray(matrix[:, query].sum(axis=1)).ravel()
    assert scores[0] > 0 and scores[1] == 0 and scores[2] == 0  # 数 and 据 alone do not match
    assert {"数据迁移", "数据", "迁移"} <= set(term_counts("数据迁移"))


def test_pmo_vocabulary_is_the_segmenter_user_dictionary():
    assert {"数据迁移", "干系人", "范围蔓延", "需求变更"} <= set(pmo_words())
    assert "干系人" in chinese_segmenter().lcut("干系人期望没有管理好")


def test_english_and_mixed_text_tokenise_as_before():
    assert term_counts("The vendor delayed the data migrations") == {"vendor": 1, "delay": 1, "data": 1, "migrat": 1}
    mixed = term_counts("SAP迁移的数据核对")
    assert mixed["sap"] == 1 and mixed["数据核对"] == 1 and "的" not in mixed


def test_chinese_keyword_search_ranks_the_lesson_that_says_it(engine):
    resp = search(engine, "数据迁移")
    assert resp.hits[0].title.startswith("数据迁移比计划晚了九周")
    assert "数据迁移" in resp.hits[0].highlights


@pytest.mark.parametrize("question, expected, years", [
    ("ERP迁移项目出过哪些问题", {("project_type", "ERP migration"), ("polarity", "went wrong")}, (None, None)),
    ("2022年以来供应商相关的已发生风险", {("kind", "risk"), ("status", "materialised"),
                                     ("category", "vendor and procurement")}, (2022, None)),
    ("2019年到2021年做得好的CRM项目", {("polarity", "went well"), ("project_type", "CRM rollout")}, (2019, 2021)),
    ("2021年以前的数据中心迁移", {("project_type", "cloud migration")}, (None, 2020)),
])
def test_chinese_questions_imply_facets(question, expected, years):
    found = detect(question, today=date(2026, 11, 30))
    assert expected <= {(f.facet, f.value) for f in found.facets}
    assert (found.year_from, found.year_to) == years


def test_a_chinese_risk_question_filters_like_its_english_twin(engine):
    resp = search(engine, "2022年以来供应商相关的已发生风险")
    assert [h.title for h in resp.hits] == ["供应商交付的接口延期"]  # the open risk and the lessons are filtered out
    assert resp.hits[0].status == "materialised"


def test_erp_question_in_chinese_finds_what_went_wrong_in_both_languages(engine):
    resp = search(engine, "ERP迁移项目出过哪些问题")
    titles = {h.title for h in resp.hits}
    assert "供应商关键开发人员中途离职，交接文档不全" in titles
    assert any(t.startswith("The vendor's key developers left") for t in titles)  # same facets, English lesson


def test_language_is_a_facet(engine):
    counts = {v.value: v.count for v in search(engine).facets["language"]}
    assert counts == {"Chinese": 5, "English": 2}
    chinese = search(engine, filters={"language": ["Chinese"]}, limit=50)
    assert len(chinese.hits) == 5 and all(not h.title.startswith("The") for h in chinese.hits)
    asked = search(engine, "中文的经验教训")
    assert ("language", "Chinese") in {(d.facet, d.value) for d in asked.detected}


def test_a_chinese_question_of_filters_only_is_answered_by_them(engine):
    # Its words (已发生, 以来) are in no row: they name filters, which no row needs to contain.
    for question in ("已发生的风险", "2022年以来已发生的风险"):
        resp = search(engine, question)
        assert resp.answered, question
        assert [h.title for h in resp.hits] == ["供应商交付的接口延期"] and resp.hits[0].strong


def test_a_chinese_word_cut_around_a_facet_phrase_counts_as_the_facets():
    from search.engine import FACET_WORD_WEIGHT, query_weights

    question = "上云项目做得好的经验"  # jieba cuts 做得好的 in the question, 做得好 in the phrase
    weights = query_weights(question, detect(question, today=date(2026, 11, 30)))
    assert "做得好的" in weights and set(weights.values()) == {FACET_WORD_WEIGHT}


def test_an_industry_is_read_in_either_language():
    from search.facets import value_rules

    extra = value_rules("industry", ["Retail", "零售", "Financial services"])

    def industries(question):
        return sorted(f.value for f in detect(question, extra, today=date(2026, 11, 30)).facets if f.facet == "industry")

    assert industries("零售项目出过哪些问题") == ["Retail", "零售"]
    assert industries("what went wrong in retail") == ["Retail", "零售"]
    assert industries("vendor problems on retail CRM projects") == ["Retail", "零售"]
    assert industries("lessons from 金融服务 projects") == ["Financial services"]
    assert industries("retail") == []  # a bare word is not enough
    assert industries("由于零售门店延误导致搬迁推迟") == []  # 由于 is "because of", not "in"
    assert industries("what went wrong on retail efficiency") == []


def test_a_chinese_industry_question_finds_the_projects_written_up_in_english(fast_kb):
    from ingest import ingest_bytes
    from search import SearchEngine

    english = ("---\ncode: RET-WEB-2021\nindustry: Retail\nproject_type: web or mobile app\n---\n# Closure report\n\n"
               "## What went wrong\n\n- The store stock feed was late every night during the peak.\n")
    chinese = ("---\ncode: CHN-APP-2024\nindustry: 零售\nproject_type: web or mobile app\n---\n# 项目收尾报告\n\n"
               "## 存在的问题\n\n- 门店库存接口每晚延迟，高峰期缺货。\n")
    energy = ("---\ncode: ENR-APP-2022\nindustry: Energy\nproject_type: web or mobile app\n---\n# Closure report\n\n"
              "## What went wrong\n\n- The meter reading app crashed on old phones.\n")
    for name, text in (("a.md", english), ("b.md", chinese), ("c.md", energy)):
        assert ingest_bytes(fast_kb, name, text.encode()).outcome == "ingested"
    resp = search(SearchEngine(fast_kb), "零售项目出过哪些问题")
    assert sorted(resp.applied_filters["industry"]) == ["Retail", "零售"]
    assert {h.project.code for h in resp.hits} == {"RET-WEB-2021", "CHN-APP-2024"}
