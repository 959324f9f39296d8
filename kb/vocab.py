"""The controlled PMO vocabulary, in one place.

Ingestion tags lessons and risks with these values, search detects them in
plain-language questions, and the web app offers them as choices when the PMO
corrects tags. Each value maps to the words that signal it; the first entry of
each tuple is the canonical label shown to users. A phrase ending in `*` is a
stem: "rehears*" matches rehearsal, rehearsed and rehearsing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kb.i18n import N_, gettext
from kb.language import HAN, has_han

POLARITIES: dict[str, tuple[str, ...]] = {
    "went well": ("went well", "what went well", "worked well", "successes", "success", "strengths",
                  "liked", "glad", "keep", "continue", "positive", "good practice", "highlights",
                  "做得好", "做得好的", "成功经验", "亮点", "优点", "正面", "好的做法", "值得肯定"),
    "went wrong": ("went wrong", "what went wrong", "didn't go well", "did not go well", "went badly",
                   "problems", "issues", "challenges", "failures", "mistakes", "lacked", "mad", "sad",
                   "stop", "pain points", "negative", "root causes", "what hurt",
                   "问题", "存在的问题", "不足", "不足之处", "做得不好", "做得不好的", "失败", "负面", "根本原因"),
    "improvement": ("improvement", "improvements", "recommendations", "recommendation", "actions",
                    "action items", "next time", "start", "longed for", "learned", "lessons learned",
                    "lessons", "do differently", "suggestions",
                    "改进", "改进建议", "建议", "经验教训", "后续行动"),
}

CATEGORIES: dict[str, tuple[str, ...]] = {
    "scope": ("scope", "scope creep", "out of scope", "descope", "gold plating", "feature creep", "backlog grew",
              "new requests", "every new feature", "trade-off", "scope change*",
              "范围", "范围蔓延", "范围变更", "需求蔓延", "镀金"),
    "schedule": ("schedule", "deadline", "delay", "delayed", "late", "slipped", "slippage", "milestone",
                 "timeline", "critical path", "overrun the schedule", "behind schedule", "on time",
                 "twice the estimate", "lead time*", "release date",
                 "进度", "延期", "延误", "拖期", "工期", "里程碑", "滞后", "按时", "按期"),
    "cost": ("cost", "budget", "overspend", "overrun", "spend", "funding", "financial", "invoice", "price",
             "expensive", "contingency",
             "成本", "预算", "预算超支", "超支", "费用", "资金"),
    "quality": ("quality", "defect", "defects", "bug", "bugs", "rework", "acceptance criteria", "standards",
                "质量", "缺陷", "返工", "验收标准"),
    "requirements": ("requirement", "requirements", "specification", "user story", "user stories",
                     "unclear requirements", "business rules", "sign-off of requirements", "discovery",
                     "kpi dictionary", "definitions", "target operating model", "written down",
                     "interpretation", "interpreted differently", "nobody had written", "workflow was missed",
                     "需求", "需求变更", "需求不清", "业务规则", "需求说明", "需求确认"),
    "testing": ("test", "testing", "tests", "tested", "uat", "user acceptance", "regression", "performance test",
                "load test", "test environment", "qa", "rehears*", "dress rehearsal*", "mock cutover*",
                "parallel run", "field trial*", "trial run*",
                "测试", "用户验收测试", "验收测试", "回归测试", "性能测试", "测试环境", "演练", "彩排", "试运行"),
    "data migration": ("data migration", "migration of data", "data quality", "data cleansing", "legacy data",
                       "master data", "data conversion", "reconcil*", "data load", "etl", "cutover",
                       "data team", "data owners", "trial load*", "trial migration*", "profile source data",
                       "data profiling", "duplicates", "mapping errors", "cleans*", "migrated", "meter data",
                       "数据迁移", "数据质量", "数据清洗", "历史数据", "主数据", "数据转换", "数据核对", "对账",
                       "切换", "数据加载", "迁移演练"),
    "vendor and procurement": ("vendor", "vendors", "supplier", "suppliers", "contractor", "procurement",
                               "contract", "outsourc*", "third party", "third-party", "integrator",
                               "licence", "license", "sla", "statement* of work", "partner payments",
                               "hosting partner", "agency", "carrier*", "consultants",
                               "供应商", "承包商", "外包", "采购", "合同", "第三方", "集成商", "厂商", "许可证", "顾问"),
    "stakeholders and communication": ("stakeholder", "stakeholders", "communication", "communicate",
                                       "sponsor", "sponsorship", "engagement", "expectations", "reporting",
                                       "executive", "buy-in", "named contact", "brief*", "announcement",
                                       "feedback", "show-and-tell", "sprint review", "board-level",
                                       "干系人", "利益相关者", "沟通", "发起人", "高层", "期望", "汇报",
                                       "业务部门"),
    "resources and staffing": ("staff", "staffing", "resource", "resources", "team member", "key person",
                               "attrition", "turnover", "left the project", "contractors left", "skills",
                               "capacity", "hiring", "onboarding", "availability", "burnout", "resign*",
                               "retention", "left the company", "analysts left", "developers left", "engineers left",
                               "people left", "staff left", "successor*",
                               "single point of failure", "key people", "key analysts", "second cloud engineer",
                               "remote delivery", "pair engineers",
                               "人员", "人手", "资源", "人员流失", "离职", "关键人员", "技能", "招聘", "人力"),
    "governance": ("governance", "steering", "decision", "approval", "change control", "change board",
                   "escalation", "raci", "accountability", "oversight", "gate", "compliance", "audit",
                   "signed off", "sign-off", "go/no-go", "owners were named", "data protection",
                   "personal data", "consent", "impact tolerance", "nobody would decide", "nobody owned",
                   "治理", "指导委员会", "决策", "审批", "变更控制", "变更委员会", "问责", "审计", "签字确认",
                   "个人信息"),
    "risk management": ("risk", "risks", "risk register", "mitigation", "contingency plan", "early warning",
                        "assumption", "assumed", "issue log", "standby", "pilot*", "lessons of earlier",
                        "风险", "风险登记册", "应急预案", "应急计划", "假设", "预警", "试点"),
    "technical": ("technical", "architecture", "integration", "interface", "interfaces", "api", "performance",
                  "infrastructure", "network", "server", "environment", "security", "configuration",
                  "software", "hardware", "design", "code", "system", "firewall*", "circuit*", "telecoms",
                  "ip address*", "dns", "wi-fi", "wifi", "roaming", "tag names", "service maps",
                  "technology behind",
                  "技术", "架构", "集成", "接口", "性能", "基础设施", "网络", "服务器", "环境", "安全", "配置",
                  "系统"),
    "change management": ("change management", "adoption", "resistance", "organisational change",
                          "organizational change", "business readiness", "process change", "culture",
                          "champion*", "floor wardens", "hybrid working", "desk-sharing", "acquired colleagues",
                          "变革管理", "用户采纳", "抵触", "组织变革", "业务准备", "使用率"),
    "training": ("training", "train", "trained", "user training", "end users", "super user*", "super-user*",
                 "documentation", "knowledge transfer", "handover", "runbook*",
                 "培训", "最终用户", "关键用户", "文档", "知识转移", "交接", "操作手册"),
}

PHASES: dict[str, tuple[str, ...]] = {
    "initiation": ("initiation", "initiating", "business case", "kickoff", "kick-off", "inception", "feasibility",
                   "启动", "立项", "可行性研究"),
    "planning": ("planning", "plan", "estimation", "estimate", "estimates", "requirements gathering", "design phase",
                 "规划", "计划阶段", "估算", "需求调研"),
    "execution": ("execution", "executing", "build", "development", "implementation", "delivery", "configuration",
                  "执行", "实施", "开发", "建设"),
    "testing": ("testing phase", "test phase", "uat", "system test", "integration test",
                "测试阶段", "用户验收测试", "系统测试", "集成测试"),
    "deployment": ("deployment", "go-live", "go live", "cutover", "rollout", "roll-out", "launch", "migration weekend",
                   "hypercare",
                   "上线", "切换", "部署", "割接", "投产", "推广"),
    "closure": ("closure", "closing", "close-out", "handover", "post-implementation", "benefits realisation",
                "收尾", "结项", "项目验收", "移交"),
}

PROJECT_TYPES: dict[str, tuple[str, ...]] = {
    "ERP migration": ("erp", "erp migration", "erp implementation", "sap", "s/4hana", "oracle e-business",
                      "dynamics 365", "netsuite", "enterprise resource planning",
                      "企业资源计划"),
    "CRM rollout": ("crm", "crm rollout", "salesforce", "customer relationship", "dynamics crm", "hubspot",
                    "客户关系管理"),
    "cloud migration": ("cloud migration", "data centre", "data center", "datacenter", "cloud", "aws", "azure",
                        "gcp", "lift and shift", "hosting migration",
                        "数据中心", "数据中心迁移", "云迁移", "上云", "迁移上云", "机房搬迁"),
    "web or mobile app": ("mobile app", "web app", "app launch", "website", "portal", "mobile", "ios", "android",
                          "e-commerce site", "web application",
                          "移动应用", "手机应用", "小程序", "网站", "门户"),
    "regulatory compliance": ("regulatory", "compliance", "gdpr", "sox", "ifrs", "basel", "hipaa", "regulator",
                              "regulation", "mandatory reporting",
                              "合规", "监管", "法规", "个人信息保护", "监管报送"),
    "office relocation": ("office relocation", "relocation", "office move", "move to new office", "new premises",
                          "fit-out", "workplace move",
                          "办公室搬迁", "搬迁", "新办公楼"),
    "data warehouse and BI": ("data warehouse", "bi", "business intelligence", "analytics platform", "reporting platform",
                              "dashboards", "data lake", "data platform",
                              "数据仓库", "商业智能", "数据平台", "报表平台", "数据湖"),
    "network upgrade": ("network upgrade", "network", "wan", "lan", "sd-wan", "wifi", "wi-fi", "telephony",
                        "firewall refresh",
                        "网络升级", "网络改造"),
    "M&A integration": ("m&a", "merger", "acquisition", "post-merger", "systems integration after acquisition",
                        "integration of acquired",
                        "并购", "收购", "并购整合"),
}

OUTCOMES: dict[str, tuple[str, ...]] = {
    "successful": ("successful", "success", "met goals", "delivered", "completed", "on track", "green",
                   "成功", "按期完成", "达成目标", "已完成"),
    "challenged": ("challenged", "partially successful", "partial success", "late", "over budget", "amber",
                   "delivered late", "completed with issues",
                   "部分成功", "延期完成", "超支完成", "基本完成"),
    "failed": ("failed", "failure", "cancelled", "canceled", "abandoned", "terminated", "red", "rolled back",
               "失败", "取消", "终止", "已终止", "回退"),
}

RISK_STATUSES: dict[str, tuple[str, ...]] = {
    "materialised": ("occurred", "materialised", "materialized", "became an issue", "became issue",
                     "realised", "realized", "triggered", "issue", "happened", "converted to issue",
                     "已发生", "发生", "已触发", "转为问题", "已转为问题"),
    "open": ("open", "active", "live", "monitoring", "ongoing", "new", "identified", "in progress",
             "mitigating", "mitigation in progress", "escalated", "accepted", "transferred", "watch", "watching",
             "tracking", "pending", "under review", "assessed", "planned",
             "处理中", "进行中", "监控中", "跟踪中", "打开", "开放", "未关闭", "新增", "已识别", "缓解中", "应对中",
             "已上报", "已升级", "已接受", "已转移"),
    "closed": ("closed", "retired", "expired", "resolved", "mitigated", "avoided", "did not occur", "not occurred",
               "withdrawn", "superseded", "cancelled", "canceled", "handed over", "handed over to bau",
               "transferred to bau", "no longer applicable", "obsolete",
               "已关闭", "关闭", "已解决", "已规避", "已缓解", "未发生", "已消除", "已撤销", "已移交"),
}

INDUSTRY_NAMES: dict[str, tuple[str, ...]] = {
    "retail": ("零售", "零售业"), "financial services": ("金融服务", "金融", "金融业"), "banking": ("银行", "银行业"),
    "insurance": ("保险", "保险业"), "manufacturing": ("制造业", "制造"), "energy": ("能源", "能源业"),
    "logistics": ("物流", "物流业"), "group functions": ("集团职能", "集团总部"), "healthcare": ("医疗", "医疗卫生"),
    "public sector": ("公共部门", "政府"), "telecommunications": ("电信", "通信"), "utilities": ("公用事业",),
    "education": ("教育",), "technology": ("科技", "信息技术"), "transport": ("交通", "运输"),
}
"""Industries are the data's own words, in either language: each English name with the Chinese names of the
same industry, so that a question in one language reads the industry of projects written up in the other."""


def industry_names(label: str) -> set[str]:
    """Every name (lower-cased) of the industry `label` names, in both languages ("零售" → retail, 零售, 零售业)."""
    low = label.strip().lower()
    for english, chinese in INDUSTRY_NAMES.items():
        if low == english or low in chinese:
            return {english, *chinese}
    return {low}


DOCUMENT_KINDS = ("closure report", "retrospective", "risk register", "lessons register", "status report")


@dataclass(frozen=True)
class Vocabulary:
    """A named facet with its canonical values and their signalling phrases."""

    facet: str
    values: dict[str, tuple[str, ...]]

    def canonical(self, text: str | None) -> str | None:
        """Map free text ("Materialized", "ERP") to a canonical value, or None."""
        if not text:
            return None
        low = text.strip().lower()
        for value, phrases in self.values.items():
            if low == value.lower() or low in phrases:
                return value
        return None

    def detect(self, text: str) -> list[str]:
        """Canonical values whose phrases occur as whole words in `text`, best first."""
        scores = {value: len(matches(phrases, text)) for value, phrases in self.values.items()}
        return [v for v, n in sorted(scores.items(), key=lambda kv: -kv[1]) if n]


def matches(phrases: tuple[str, ...], text: str) -> list[str]:
    """The phrases that occur in `text` on word boundaries (a trailing `*` marks a stem)."""
    low = spaced(text.lower())
    return [phrase for phrase in phrases if _compiled(phrase).search(low)]


@lru_cache(maxsize=None)
def _compiled(phrase: str) -> re.Pattern:
    # The vocabulary has more phrases than `re` keeps compiled (512): without this cache,
    # every detect() recompiled them all.
    return re.compile(phrase_pattern(phrase))


def phrase_pattern(phrase: str) -> str:
    """Regex for one vocabulary phrase: whole words, or a prefix when it ends in `*`; a Chinese
    phrase anywhere in its run (see `spaced`)."""
    return re.escape(phrase) if is_chinese(phrase) else WORD_START + phrase_body(phrase)


WORD_START = r"(?<![\w-])"


def phrase_body(phrase: str) -> str:
    """The phrase's regex after the word-start check, so many phrases can share one check."""
    if phrase.endswith("*"):
        return re.escape(phrase[:-1]) + r"\w*"
    return re.escape(phrase) + r"(?![\w-])"


def is_chinese(phrase: str) -> bool:
    """A Chinese phrase: it matches anywhere in a run of Chinese, which has no spaces between words."""
    return has_han(phrase)


_HAN_RUN = re.compile(f"[{HAN}]+")


def spaced(text: str) -> str:
    """`text` with spaces around each run of Chinese, so 'ERP迁移' reads as 'ERP 迁移' and English
    phrases keep their whole-word rule; text without Chinese is returned unchanged."""
    return _HAN_RUN.sub(r" \g<0> ", text) if has_han(text) else text


POLARITY = Vocabulary("polarity", POLARITIES)
CATEGORY = Vocabulary("category", CATEGORIES)
PHASE = Vocabulary("phase", PHASES)
PROJECT_TYPE = Vocabulary("project_type", PROJECT_TYPES)
OUTCOME = Vocabulary("outcome", OUTCOMES)
RISK_STATUS = Vocabulary("status", RISK_STATUSES)


SHOWN_VALUES = (
    N_("went well"), N_("went wrong"), N_("improvement"), N_("scope"), N_("schedule"), N_("cost"),
    N_("quality"), N_("requirements"), N_("testing"), N_("data migration"), N_("vendor and procurement"),
    N_("stakeholders and communication"), N_("resources and staffing"), N_("governance"),
    N_("risk management"), N_("technical"), N_("change management"), N_("training"), N_("initiation"),
    N_("planning"), N_("execution"), N_("deployment"), N_("closure"), N_("ERP migration"), N_("CRM rollout"),
    N_("cloud migration"), N_("web or mobile app"), N_("regulatory compliance"), N_("office relocation"),
    N_("data warehouse and BI"), N_("network upgrade"), N_("M&A integration"), N_("successful"),
    N_("challenged"), N_("failed"), N_("materialised"), N_("open"), N_("closed"), N_("closure report"),
    N_("retrospective"), N_("risk register"), N_("lessons register"), N_("status report"), N_("lesson"),
    N_("risk"), N_("issue"), N_("red"), N_("amber"), N_("green"),
    N_("high"), N_("medium"), N_("low"), N_("improving"), N_("worsening"), N_("steady"),
    N_("Chinese"), N_("English"),  # the language facet's values
)
"""Every vocabulary value as the app shows it, marked for the catalogue (kb/i18n.py): pages show a
stored value through the `label` filter, which translates it; the stored value stays English."""
_SHOWN = frozenset(SHOWN_VALUES)


FACET_LABELS = {"kind": N_("Lesson or risk"), "polarity": N_("Polarity"), "category": N_("Category"),
                "phase": N_("Phase"), "project_type": N_("Project type"), "industry": N_("Industry"),
                "portfolio": N_("Portfolio"), "year": N_("Year"), "outcome": N_("Project outcome"),
                "status": N_("Risk status"), "language": N_("Language"), "project": N_("Project")}
"""Each search facet's name, as the search page's filters and the search's notes show it."""


def facet_label(name: str) -> str:
    """A facet's name in the reader's language ("project_type" → "Project type")."""
    label = FACET_LABELS.get(name)
    return gettext(label) if label else name.replace("_", " ").capitalize()


def shown(value):
    """A stored vocabulary value ("went wrong", "vendor", "materialised", "red") in the reader's language;
    anything else (a project's name, a lesson's words) as it is. The templates' `label` filter."""
    return gettext(value) if isinstance(value, str) and value in _SHOWN else value
