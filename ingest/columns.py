"""Register columns: the names PMBOK, PRINCE2 and LLIS templates give them, and the field each feeds.

Several headers may feed one field (e.g. 'Response strategy' and 'Actions'); the
position of a name in its alias tuple decides which column is read first.
"""

from __future__ import annotations

import re

from kb.i18n import _
from ingest import kinds
from ingest.values import normalise_key, shorten

RISK_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("id", "risk id", "ref", "risk ref", "reference", "risk no", "risk number", "#", "no",
                    "risk identifier", "risk #", "issue key", "key", "risk key",
                   "风险编号", "编号", "序号", "风险id"),
    "title": ("title", "risk title", "short name", "name", "risk name", "summary", "risk summary",
             "风险名称", "风险标题", "标题"),
    "description": ("description", "risk", "risk statement", "risk description", "event", "risk event", "details",
                    "description of risk", "risk details",
                   "风险描述", "描述", "风险事件", "风险内容", "风险"),
    "cause": ("cause", "causes", "trigger", "triggers", "source", "risk cause", "risk trigger", "cause/trigger",
             "原因", "风险原因", "诱因", "触发因素"),
    "effect": ("effect", "effects", "consequence", "consequences", "impact description", "risk effect",
              "影响", "后果", "影响描述"),
    "category": ("category", "risk category", "type", "risk type",
                "风险类别", "类别", "风险类型", "分类"),
    "probability": ("probability", "likelihood", "p", "prob", "probability rating", "likelihood rating",
                    "likelihood score", "probability score", "likelihood level", "probability level",
                    "risk probability", "risk likelihood", "probability of occurrence", "likelihood of occurrence",
                    "likelihood %", "probability %", "% likelihood", "% probability",
                    # Before mitigation first: it is the rating a register ranks and compares risks by.
                    "inherent likelihood", "inherent probability", "pre-mitigation likelihood",
                    "pre-mitigation probability", "gross likelihood", "gross probability",
                    "residual likelihood", "residual probability", "post-mitigation likelihood",
                    "post-mitigation probability", "net likelihood", "net probability",
                   "可能性", "概率", "发生概率", "发生可能性"),
    "impact": ("impact", "severity", "i", "consequence rating", "impact rating", "impact score", "imp",
               "impact level", "severity rating", "consequence score", "risk impact", "overall impact",
               "risk severity", "inherent impact", "inherent severity", "pre-mitigation impact", "gross impact",
               "residual impact", "residual severity", "post-mitigation impact", "net impact",
              "影响程度", "严重程度", "影响等级"),
    "score": ("score", "risk score", "rating", "p x i", "pxi", "exposure", "risk rating", "risk exposure",
              "priority score", "risk level",
             "风险等级", "风险值", "风险评分", "风险级别", "评分"),
    "owner": ("owner", "risk owner", "action owner", "assigned to", "assignee", "responsible", "mitigation owner",
             "责任人", "负责人", "风险责任人", "风险负责人"),
    "response": ("response strategy", "risk response category", "response", "risk response", "mitigation",
                 "actions", "treatment", "countermeasures", "mitigation actions", "response actions",
                 "mitigation plan", "planned response", "action", "mitigation strategy", "mitigation/response",
                 "response plan", "response/mitigation", "mitigation/contingency", "mitigating actions",
                 "mitigation action", "contingency plan", "contingency", "contingency actions",
                "应对措施", "应对策略", "缓解措施", "应对计划", "措施"),
    "status": ("status", "risk status", "state", "current status", "open/closed",
              "状态", "风险状态"),
    "phase": ("phase", "stage", "project phase",
             "阶段", "项目阶段"),
    "materialised": ("materialised", "materialized", "occurred", "became issue", "became an issue", "realised",
                     "realized", "issue raised", "did it occur", "has it occurred", "did it happen",
                     "did it materialise", "did it materialize",
                    "是否发生", "已发生"),
    "project": ("project code", "project id", "project", "project/program", "programme", "program",
               "项目编号", "项目代码", "项目名称", "项目"),
}
LESSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("lesson id", "id", "ref", "reference", "lesson ref", "lesson no", "lesson number", "#", "no",
                   "编号", "序号", "经验编号", "教训编号"),
    "title": ("title", "subject", "lesson", "summary", "lesson title", "headline", "name",
             "标题", "主题", "经验教训标题", "名称"),
    "what_happened": ("description", "what happened", "situation", "description of the situation", "abstract",
                      "event", "driving event", "details", "observation", "issue",
                     "描述", "事件描述", "情况描述", "发生了什么", "问题描述"),
    "cause": ("cause", "causes", "causes/trigger", "cause/trigger", "root cause", "root causes", "trigger",
             "原因", "根本原因", "原因分析"),
    "impact": ("impact", "effect", "effects", "consequence", "consequences", "impact description",
              "影响", "后果"),
    "lesson_text": ("lesson learned", "lessons learned", "lesson learnt", "lessons learnt", "learning",
                    "key learning", "lesson text",
                   "经验教训", "教训", "经验", "学到的经验"),
    "recommendation": ("recommendation", "recommendations", "proposed action", "proposed actions", "action",
                       "actions", "recommended action", "recommended actions", "next time",
                      "建议", "改进建议", "建议措施", "后续行动", "下次怎么做"),
    "category": ("category", "topics", "topic", "lesson type", "area", "knowledge area", "theme", "tags",
                "类别", "分类", "领域", "标签"),
    "polarity": ("polarity", "type", "went well", "good practice", "positive/negative", "lesson polarity",
                 "positive or negative",
                "类型", "性质", "正面/负面"),
    "phase": ("phase", "program/project phase", "stage", "project phase",
             "阶段", "项目阶段"),
    "project": ("project code", "project id", "project", "project/program", "programme", "program",
               "项目编号", "项目代码", "项目名称", "项目"),
    "date": ("date", "date logged", "date lesson occurred", "publish date", "date raised", "date identified",
             "logged on", "lesson date",
            "日期", "记录日期", "发生日期", "登记日期"),
    "organization": ("organization", "organisation", "centre", "center", "department", "business unit",
                    "部门", "组织", "业务单元"),
}
COLUMN_TABLES = {kinds.RISKS: RISK_COLUMNS, kinds.LESSONS: LESSON_COLUMNS}
# Fields only one kind of register has: they tell the kinds apart when the file name does not.
RISK_MARKS = {"probability", "score", "owner", "response", "status", "materialised"}
LESSON_MARKS = {"lesson_text", "recommendation", "polarity", "what_happened"}
MULTI_VALUE_HEADERS = ("topics", "topic", "tags")
CODE_HEADERS = ("project code", "project id", "项目编号", "项目代码")


def column_field(header: object, table: dict[str, tuple[str, ...]]) -> tuple[str, int] | None:
    """(field, priority) a header maps to in a column table; lower priority wins among several columns.
    A Jira export's 'Custom field (Likelihood)' is read by the name in brackets."""
    custom = re.fullmatch(r"\s*custom ?field\s*\((.+)\)\s*", str(header or ""), re.IGNORECASE)
    key = normalise_key(custom[1] if custom else header)
    for name, aliases in table.items():
        if key in aliases:
            return name, aliases.index(key)
    if table is LESSON_COLUMNS:
        return _fuzzy_lesson_column(key)
    return None


def _fuzzy_lesson_column(key: str) -> tuple[str, int] | None:
    # LLIS headers are whole questions ('From what phase of the program or project was this lesson learned captured?').
    if re.search(r"\bphase\b", key):
        return "phase", 50
    if re.search(r"\blessons? learn", key):
        return "lesson_text", 50
    if key.startswith("recommend"):
        return "recommendation", 50
    return None


def map_columns(headers: list[str], kind: str) -> tuple[dict[str, list[str]], list[str]]:
    """(field → headers best first, headers not used)."""
    found: dict[str, list[tuple[int, int, str]]] = {}
    unused = []
    for position, header in enumerate(headers):
        match = column_field(header, COLUMN_TABLES[kind]) if header else None
        if match is None:
            if header:
                unused.append(header)
            continue
        found.setdefault(match[0], []).append((match[1], position, header))
    return {name: [h for _, _, h in sorted(items)] for name, items in found.items()}, unused


# Standard columns of PRINCE2 and PMBOK templates that we keep with the rows but do not
# map to a field; they are expected, so they are not worth a warning.
KNOWN_UNMAPPED = {"date raised", "proximity", "logged by", "raised by", "priority", "early-warning indicators",
                  "early warning indicators", "previously identified as a risk", "date closed", "last updated",
                  "author", "comments", "notes", "wbs", "wbs reference", "timing", "url", "trigger date",
                  # A RAG colour rates urgency, not whether the risk is open, closed or materialised.
                  "rag", "rag status",
                  "识别日期", "提出人", "登记人", "备注", "更新日期", "最后更新", "关闭日期", "优先级", "预警信号"}


def unused_columns_warning(unused: list[str]) -> list[str]:
    """A warning naming the columns no field reads, unless they are standard ones we expect."""
    unused = [u for u in unused if normalise_key(u) not in KNOWN_UNMAPPED]
    if not unused:
        return []
    shown = ", ".join(shorten(u, 40) for u in unused[:6]) + (" …" if len(unused) > 6 else "")
    return [_("Columns not read: %(columns)s (kept with the document rows).") % {"columns": shown}]
