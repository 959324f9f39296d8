"""Chinese closure reports, retrospectives and registers read like their English twins:
headings, key/value metadata, register columns, ratings, statuses, dates, money,
encodings, tags and the language each document and lesson is written in."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlmodel import select

from ingest import ParseContext, parse_bytes
from ingest.scales import rating, risk_status
from ingest.tagging import tag
from ingest.values import parse_date, parse_money, parse_yes_no
from kb.language import language_of
from kb.models import Document, Lesson, Risk

REPORT = """# 华东仓储 ERP 迁移项目收尾报告

项目名称：华东仓储 ERP 迁移
项目编号：CHN-ERP-2099
项目经理：王磊
项目类型：ERP 迁移
所属行业：物流
计划开始日期：2022年3月1日
计划结束日期：2023/1/31
实际完成日期：2023年5月8日
预算：680万元
实际成本：¥8,150,000
项目结果：部分成功

## 一、项目概况

本项目把六个仓库从老系统迁移到 SAP。

## 二、项目目标与完成情况

六个仓库全部切换，比计划晚三个月。

## 三、做得好的

- **关键用户全程参与。** 每个仓库指定两名关键用户，上线后的支持工单少了一半。

## 四、存在的问题

- 数据迁移比计划晚了九周。历史库存数据质量差，重复的物料编码超过四千条。
  原因：项目启动时没有做数据剖析。
  影响：上线推迟，超支约九十万元。
- 供应商关键开发人员中途离职，交接文档不全。

## 五、根本原因

- 数据质量问题没有列入风险登记册，也没有安排数据负责人。

## 六、经验教训

- 在做预算之前先对源数据做剖析，并至少安排两次完整的迁移演练。

## 七、改进建议

- 用户验收测试的时间在计划中作为固定里程碑，压缩需要指导委员会批准。
"""

RETRO = """# 第六个迭代复盘

项目编号：CHN-APP-2099
日期：2024年4月19日

## 开始做

- 每个迭代都做一次负载测试，按促销高峰的流量设计场景。

## 停止做

- 停止在迭代中途接受市场部的临时需求。

## 继续做

- 继续邀请门店店长参加迭代评审。
"""

RISK_HEADERS = ["风险编号", "风险描述", "原因", "影响", "风险类别", "可能性", "影响程度", "风险等级", "责任人",
                "应对措施", "状态"]
RISK_ROWS = [
    ["R01", "历史库存数据质量差导致迁移延误", "物料编码重复", "上线推迟", "数据迁移", "高", "很高", "高", "王磊",
     "立项阶段做数据剖析", "已发生"],
    ["R02", "供应商关键开发人员离职", "合同没有关键人员条款", "接口延误", "供应商", "中", "高", "中", "林涛",
     "合同增加关键人员条款", "处理中"],
    ["R03", "仓库员工抵触新系统", "培训不足", "效率下降", "变革管理", "很低", "中", "低", "许娜", "关键用户驻场",
     "已关闭"],
    ["R04", "支付接口安全漏洞", "经验不足", "资金损失", "技术", "低", "很高", "中", "罗斌", "渗透测试", "未发生"],
]


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(rows: list[list[object]]) -> str:
    return "\n".join(",".join(str(c) for c in row) for row in rows) + "\n"


def test_chinese_closure_report_metadata_sections_and_fields():
    parsed = parse_bytes("report.md", REPORT.encode("utf-8"), ParseContext())
    assert parsed.document.kind == "closure report" and parsed.project_code == "CHN-ERP-2099"
    assert parsed.warnings == []
    project = parsed.projects[0]
    assert (project.name, project.manager, project.industry) == ("华东仓储 ERP 迁移", "王磊", "物流")
    assert (project.project_type, project.outcome) == ("ERP migration", "challenged")
    assert (project.planned_start, project.planned_end, project.actual_end) == (
        date(2022, 3, 1), date(2023, 1, 31), date(2023, 5, 8))
    # '¥' in a report written in Chinese is yuan, not yen.
    assert (project.planned_budget, project.actual_budget, project.currency) == (6_800_000, 8_150_000, "CNY")
    by_title = {l.title: l for l in parsed.lessons}
    assert [l.polarity for l in parsed.lessons] == ["went well", "went wrong", "went wrong", "went wrong",
                                                  "improvement", "improvement"]
    late = by_title["数据迁移比计划晚了九周"]  # the first sentence titles the lesson
    assert late.what_happened.startswith("历史库存数据质量差")
    assert late.cause == "项目启动时没有做数据剖析。" and late.impact.startswith("上线推迟")
    assert late.category == "data migration" and "ERP migration" in late.tags
    assert by_title["关键用户全程参与"].category == "training"
    root = next(l for l in parsed.lessons if l.title.startswith("数据质量问题没有列入"))
    assert root.cause and root.polarity == "went wrong"  # 根本原因 fills the cause
    advice = parsed.lessons[-1]
    assert advice.recommendation.startswith("用户验收测试的时间") and "testing" in advice.tags
    # 项目概况 and 项目目标与完成情况 are not lesson sections.
    assert not any("六个仓库" in l.title for l in parsed.lessons)


@pytest.mark.parametrize("header", ["| 项目 | 内容 |", "| Project | Details |"])
def test_the_header_row_of_a_key_value_table_does_not_name_the_project(header):
    """'| 项目 | 内容 |' (item, content) heads many Chinese metadata tables: the project was called 内容."""
    report = (f"# 苏州数据中心迁移项目收尾报告\n\n{header}\n|---|---|\n| 项目名称 | 苏州数据中心迁移 |\n"
              "| 项目编号 | CHN-DC-2099 |\n\n## 不足之处\n\n- **网络专线交付延误。** 运营商的专线晚了六周。\n")
    parsed = parse_bytes("report.md", report.encode("utf-8"), ParseContext())
    assert parsed.projects[0].name == "苏州数据中心迁移" and parsed.project_code == "CHN-DC-2099"


def test_chinese_retrospective_start_stop_continue():
    parsed = parse_bytes("CHN-APP-2099_retrospective.md", RETRO.encode("utf-8"), ParseContext())
    assert parsed.document.kind == "retrospective" and parsed.project_code == "CHN-APP-2099"
    assert [(l.polarity, l.category) for l in parsed.lessons] == [
        ("improvement", "testing"), ("went wrong", "requirements"), ("went well", None)]
    assert parsed.lessons[0].recommendation.startswith("每个迭代都做一次负载测试")
    assert {l.lesson_date for l in parsed.lessons} == {date(2024, 4, 19)}


def test_chinese_risk_register_xlsx_with_a_title_and_code_above_the_header():
    data = xlsx([["华东仓储 ERP 迁移 风险登记册"], ["项目编号：CHN-ERP-2099"], [], RISK_HEADERS, *RISK_ROWS])
    parsed = parse_bytes("风险登记册.xlsx", data, ParseContext())
    assert parsed.document.kind == "risk register" and parsed.project_code == "CHN-ERP-2099"
    assert parsed.document.title == "华东仓储 ERP 迁移 风险登记册" and parsed.warnings == []
    risks = {r.external_id: r for r in parsed.risks}
    r1, r2, r3, r4 = (risks[k] for k in ("R01", "R02", "R03", "R04"))
    assert (r1.probability, r1.impact, r1.score) == (4, 5, 20)  # 高 × 很高
    assert (r1.status, r1.materialised, r1.category) == ("materialised", True, "data migration")
    assert (r1.cause, r1.effect, r1.owner, r1.response) == ("物料编码重复", "上线推迟", "王磊", "立项阶段做数据剖析")
    assert (r2.status, r2.category, r2.probability) == ("open", "vendor and procurement", 3)
    assert (r3.status, r3.probability, r3.category) == ("closed", 1, "change management")
    assert (r4.status, r4.materialised) == ("closed", False)  # 未发生, like 'did not occur'
    assert parsed.document.language == "zh" and {r.language for r in parsed.risks} == {"zh"}


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_chinese_risk_register_csv_in_a_chinese_code_page(encoding):
    text = csv_text([["项目编号：CHN-ERP-2099"], RISK_HEADERS, *RISK_ROWS])
    parsed = parse_bytes("risks.csv", text.encode(encoding), ParseContext())
    assert [r.title for r in parsed.risks] == [row[1] for row in RISK_ROWS]
    assert parsed.risks[0].status == "materialised"
    assert any("not UTF-8" in w and "GB" in w for w in parsed.warnings), parsed.warnings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_chinese_text_in_unicode_encodings_reads_without_a_warning(encoding):
    text = csv_text([RISK_HEADERS, *RISK_ROWS])
    parsed = parse_bytes("risks.csv", text.encode(encoding), ParseContext())
    assert [r.external_id for r in parsed.risks] == ["R01", "R02", "R03", "R04"] and parsed.warnings == []


def test_chinese_closure_report_in_gbk_reads_the_same_lessons():
    utf8 = parse_bytes("report.md", REPORT.encode("utf-8"), ParseContext())
    # GBK has no '¥' (U+00A5): Chinese files in it write the full-width '￥'.
    gbk = parse_bytes("report.md", REPORT.replace("¥", "￥").encode("gbk"), ParseContext())
    assert [l.title for l in gbk.lessons] == [l.title for l in utf8.lessons]
    assert gbk.projects[0].actual_budget == 8_150_000


def test_chinese_lessons_register_columns():
    rows = [["编号", "标题", "描述", "原因", "经验教训", "建议", "类别", "类型", "阶段", "项目编号", "日期"],
            ["L1", "供应商交付延误", "专线晚了六周", "下单晚", "采购要提前", "启动时下单", "供应商", "负面", "执行",
             "CHN-DC-2099", "2021年9月3日"]]
    parsed = parse_bytes("经验教训登记册.xlsx", xlsx(rows), ParseContext())
    lesson = parsed.lessons[0]
    assert parsed.document.kind == "lessons register" and parsed.warnings == []
    assert (lesson.external_id, lesson.title, lesson.cause, lesson.recommendation) == (
        "L1", "供应商交付延误", "下单晚", "启动时下单")
    assert "采购要提前" in lesson.what_happened
    assert (lesson.category, lesson.phase, lesson.lesson_date) == ("vendor and procurement", "execution",
                                                                   date(2021, 9, 3))
    assert lesson.project_code == "CHN-DC-2099"


@pytest.mark.parametrize("text, expected", [
    ("2024年3月15日", date(2024, 3, 15)), ("2024/3/15", date(2024, 3, 15)), ("2024年3月", date(2024, 3, 1)),
    ("2024年3月15号", date(2024, 3, 15)), ("2024年13月1日", None),
])
def test_chinese_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text, yen, expected", [
    ("320万元", "JPY", (3_200_000, "CNY")), ("3.2亿", "CNY", (320_000_000, "CNY")), ("3.2亿元", "JPY", (320_000_000, "CNY")),
    ("¥3,200,000", "CNY", (3_200_000, "CNY")), ("¥3,200,000", "JPY", (3_200_000, "JPY")),
    ("￥450,000", "JPY", (450_000, "CNY")), ("人民币 1,200万", "JPY", (12_000_000, "CNY")), ("£1.2m", "CNY", (1_200_000, "GBP")),
])
def test_chinese_money(text, yen, expected):
    assert parse_money(text, yen=yen) == expected


def test_chinese_ratings_and_statuses():
    assert [rating(v) for v in ("很高", "高", "中", "中等", "低", "很低", "较高", "高风险")] == [5, 4, 3, 3, 2, 1, 4, 4]
    assert [risk_status(v) for v in ("已发生", "已关闭", "处理中", "未发生")] == ["materialised", "closed", "open", "closed"]
    assert (parse_yes_no("是"), parse_yes_no("否")) == (True, False)


def test_chinese_text_is_tagged_with_the_same_vocabulary():
    found = tag("数据迁移延误", cause="供应商的开发人员离职", body="上线切换推迟了三周")
    assert found.category == "data migration" and found.phase == "deployment"
    assert "vendor and procurement" in tag("供应商交付延误，合同没有罚则").tags
    assert tag("需求变更失控，范围蔓延").category in ("scope", "requirements")
    assert tag("干系人期望没有管理好").category == "stakeholders and communication"
    # English tags exactly as before.
    assert tag("Data migration slipped", cause="The vendor's developers left").tags == [
        "schedule", "data migration", "vendor and procurement", "resources and staffing"]


def test_language_of_text():
    assert language_of("数据迁移比计划晚了九周") == "zh"
    assert language_of("SAP S/4HANA 迁移项目的数据核对") == "zh"  # English system names in Chinese prose
    assert language_of("The vendor's developers left mid-project") == "en"
    assert language_of("2024 - 12") is None


def test_the_language_of_each_document_and_lesson_is_stored(fast_kb):
    from ingest import ingest_bytes

    english = b"# Closure report\n\nProject code: ENG-1\n\n## What went wrong\n\n- The vendor's developers left.\n"
    assert ingest_bytes(fast_kb, "report.md", REPORT.encode("utf-8")).outcome == "ingested"
    assert ingest_bytes(fast_kb, "eng.md", english).outcome == "ingested"
    with fast_kb.session() as s:
        docs = {d.source_name: d.language for d in s.exec(select(Document))}
        lessons = {l.title: l.language for l in s.exec(select(Lesson))}
        assert not s.exec(select(Risk)).all()
    assert docs == {"report.md": "zh", "eng.md": "en"}
    assert lessons["关键用户全程参与"] == "zh" and lessons["The vendor's developers left"] == "en"
