"""Project metadata of closure reports and retrospectives: front matter, key/value
tables and `Key: value` lines, with the aliases of docs/FORMATS.md."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.language import HAN, has_han
from kb.i18n import N_, _
from kb.models import PROJECT_CODE, ProjectCreate
from kb.vocab import OUTCOME
from ingest.tagging import project_type_of
from ingest.values import clean_text, code_from_name, normalise_key, parse_date, parse_money, slash_order

_ALIASES = {
    "name": ("project", "project name", "name", "project title", "项目名称", "项目", "名称"),
    "code": ("code", "project code", "project id", "project ref", "project reference", "项目编号", "项目代码", "编号"),
    "portfolio": ("portfolio", "programme", "program", "项目组合", "项目群", "所属项目群"),
    "project_type": ("project type", "type", "项目类型", "类型"),
    "industry": ("industry", "sector", "所属行业", "行业"),
    "methodology": ("methodology", "approach", "delivery approach", "method", "交付方法", "方法论", "开发模式"),
    "sponsor": ("sponsor", "project sponsor", "executive sponsor", "executive", "项目发起人", "发起人", "项目赞助人"),
    "manager": ("manager", "project manager", "pm", "项目经理", "负责人"),
    "description": ("description", "project description", "项目描述", "项目简介"),
    "planned_start": ("planned start", "baseline start", "planned start date", "start date", "计划开始日期", "计划开始", "开始日期"),
    "planned_end": ("planned end", "baseline finish", "baseline end", "planned finish", "planned end date",
                    "planned go live", "target date", "计划结束日期", "计划结束", "计划完成日期", "计划上线日期"),
    "actual_start": ("actual start", "actual start date", "实际开始日期", "实际开始"),
    "actual_end": ("actual end", "actual finish", "go live", "actual end date", "actual go live", "end date",
                   "closed", "closure date", "completion date", "实际完成日期", "实际结束日期", "实际完成", "实际上线日期", "结束日期"),
    "planned_budget": ("planned budget", "budget", "baseline budget", "bac", "approved budget", "预算", "项目预算", "批准预算", "计划预算"),
    "actual_budget": ("actual budget", "actual cost", "final cost", "spend", "actual spend", "outturn", "实际成本", "实际花费", "实际支出", "决算"),
    "currency": ("currency", "币种", "货币"),
    "outcome": ("outcome", "status", "result", "project outcome", "rag", "项目结果", "结果", "项目状态"),
    "planned_value": ("planned value", "pv"),
    "earned_value": ("earned value", "ev"),
    "actual_cost": ("ac",),
    # Not project fields: what the document is and when it was written.
    "kind": ("kind", "document type", "document kind", "report type", "文档类型", "报告类型"),
    "title": ("title", "document title", "report title", "标题", "报告标题"),
    "date": ("date", "report date", "retrospective date", "retro date", "date of retrospective", "日期", "报告日期", "复盘日期"),
    "sprint": ("sprint", "iteration", "迭代", "冲刺"),
    "team": ("team", "squad", "团队", "小组"),
    "organization": ("organization", "organisation", "department", "business unit", "division", "部门", "组织", "业务单元", "事业部"),
}
KEY_TO_FIELD = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}
DATE_FIELDS = ("planned_start", "planned_end", "actual_start", "actual_end")
MONEY_FIELDS = ("planned_budget", "actual_budget", "planned_value", "earned_value", "actual_cost")
FIELD_NAMES = {"planned_start": N_("planned start"), "planned_end": N_("planned end"),
               "actual_start": N_("actual start"), "actual_end": N_("actual end"),
               "planned_budget": N_("planned budget"), "actual_budget": N_("actual budget"),
               "planned_value": N_("planned value"), "earned_value": N_("earned value"),
               "actual_cost": N_("actual cost")}
"""How a warning names each date and amount field."""
TEXT_FIELDS = ("name", "portfolio", "industry", "sponsor", "manager", "description")
CLOSURE_SIGNS = ("name", "sponsor", "manager", "planned_budget", "actual_budget", "outcome", "planned_end",
                 "actual_end", "project_type", "portfolio")
"""Fields that mark a document as a closure report rather than a retrospective."""


def field_for(key: object) -> str | None:
    """The metadata field a key names ('Project Manager' → manager), or None."""
    exact = str(key or "").strip().lower()
    if exact in _ALIASES:  # a field's own name wins over aliases: actual_cost is AC, not the actual budget
        return exact
    return KEY_TO_FIELD.get(normalise_key(key).replace("-", " "))


COLUMN_TITLES = frozenset({"value", "values", "detail", "details", "content", "contents", "information", "info",
                           "内容", "值", "说明", "详情", "信息"})
"""What the second column of a key/value table is headed: its header row ("| 项目 | 内容 |", "| Project |
Details |") is not a project named 内容."""


def collect(pairs) -> dict[str, object]:
    """Known fields from (key, value) pairs; the first value of each field wins."""
    meta: dict[str, object] = {}
    for key, value in pairs:
        name = field_for(key)
        if name and normalise_key(value) in COLUMN_TITLES:
            continue
        if name and name not in meta and value not in (None, ""):
            meta[name] = value
            if has_han(str(key)):
                meta[CHINESE_KEYS] = True
    return meta


CHINESE_KEYS = "_chinese_keys"
"""Set in the metadata when its keys are Chinese ('预算：¥3,200,000'): then '¥' means yuan, not yen."""


_KEY_LINE = re.compile(rf"^\s*\**\s*([A-Za-z{HAN}][A-Za-z{HAN} /()（）_&.-]{{0,40}}?)\s*\**\s*[:：]\s*\**\s*(.+?)\s*$")


def key_value_line(text: str) -> tuple[str, str] | None:
    """('Project code', 'FIN-ERP-2021') for a line such as 'Project code: FIN-ERP-2021' with a known key."""
    match = _KEY_LINE.match(text)
    if match and field_for(match[1]):
        return match[1], match[2].strip("* ")
    return None


@dataclass
class ParsedProject:
    """What the metadata says about the project, plus the warnings raised reading it."""

    project: ProjectCreate | None
    code: str | None
    warnings: list[str] = field(default_factory=list)


def project_from(meta: dict[str, object], fallback_code: str | None = None) -> ParsedProject:
    """A ProjectCreate with only the fields the metadata gives (so merging never blanks stored values)."""
    warnings: list[str] = []
    fields: dict[str, object] = {k: clean_text(meta[k]) for k in TEXT_FIELDS if meta.get(k) not in (None, "")}
    fields.update(_dates(meta, warnings))
    fields.update(_money(meta, warnings))
    fields.update(_labels(meta, warnings))
    code = _valid_code(clean_text(meta.get("code")), warnings) or fallback_code
    if not code and fields.get("name"):
        code = code_from_name(str(fields["name"]))
        warnings.append(_("No project code given; using %(code)s (made from the project name). Add 'code:' to the "
                          "front matter to choose it.") % {"code": code})
    if not code:
        return ParsedProject(None, None, warnings)
    fields.setdefault("name", code)
    return ParsedProject(ProjectCreate(code=code, **fields), code, warnings)


def _valid_code(code: str | None, warnings: list[str]) -> str | None:
    """The code if it looks like a project code (no spaces, at most 64 characters), else None with a warning."""
    if code and not PROJECT_CODE.fullmatch(code):
        warnings.append(_("'%(code)s' is not a project code (use letters, digits and dashes, at most 64 "
                          "characters); ignored.") % {"code": code[:80]})
        return None
    return code


def _dates(meta: dict, warnings: list[str]) -> dict[str, object]:
    out = {}
    day_first = days_first(meta)
    for name in DATE_FIELDS:
        if meta.get(name) in (None, ""):
            continue
        value = parse_date(meta[name], day_first=day_first)
        if value is None:
            warnings.append(_("%(field)s '%(value)s' is not a date; left empty.")
                            % {"field": _(FIELD_NAMES[name]), "value": meta[name]})
        elif not EARLIEST_YEAR <= value.year <= LATEST_YEAR:  # 0001-01-01, 9999-12-31: a placeholder, not a date
            warnings.append(_("%(field)s '%(value)s' is not a date a project has (years %(first)s to %(last)s); left "
                              "empty.") % {"field": _(FIELD_NAMES[name]), "value": meta[name],
                                           "first": EARLIEST_YEAR, "last": LATEST_YEAR})
        else:
            out[name] = value
    return out


def days_first(meta: dict) -> bool:
    """One order for a document's slash dates, as a register's column has: 06/30/2024 among them makes 04/01/2023
    the first of April, not the fourth of January. Day first unless a date shows otherwise."""
    return slash_order([meta.get(name) for name in (*DATE_FIELDS, "date")]) is not False


EARLIEST_YEAR, LATEST_YEAR = 1950, 2100
"""Project dates outside these years are placeholders (0001-01-01, 9999-12-31), which would stretch every
chart and variance."""


def _money(meta: dict, warnings: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for name in MONEY_FIELDS:
        if meta.get(name) in (None, ""):
            continue
        amount, currency = parse_money(meta[name], yen="CNY" if meta.get(CHINESE_KEYS) else "JPY")
        if amount is None:
            warnings.append(_("%(field)s '%(value)s' is not an amount; left empty.")
                            % {"field": _(FIELD_NAMES[name]), "value": meta[name]})
            continue
        out[name] = amount
        if currency and "currency" not in out:
            out["currency"] = currency
    if meta.get("currency"):
        out["currency"] = clean_text(meta["currency"]).upper()[:3]
    return out


# Hybrid first: 'Hybrid (PRINCE2 with agile build)' names all three.
_METHODS = {"hybrid": ("hybrid", "mixed", "water-scrum-fall"), "agile": ("agile", "scrum", "kanban", "safe", "xp"),
            "waterfall": ("waterfall", "prince2", "v-model", "predictive", "traditional")}


def _labels(meta: dict, warnings: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    if meta.get("project_type"):
        raw = clean_text(meta["project_type"])
        out["project_type"] = project_type_of(raw) or raw
        if out["project_type"] == raw and project_type_of(raw) is None:
            warnings.append(_("Project type '%(value)s' is not in the vocabulary; kept as written.") % {"value": raw})
    if meta.get("outcome"):
        raw = clean_text(meta["outcome"])
        outcome = OUTCOME.canonical(raw) or next(iter(OUTCOME.detect(raw)), None)
        if outcome:
            out["outcome"] = outcome
        else:  # an outcome closes the project and counts in the success rate: never a guess
            warnings.append(_("Outcome '%(value)s' is not successful, challenged or failed (or a usual spelling of "
                              "them), so it was left empty: the project counts as not yet closed.")
                            % {"value": raw[:80]})
    if meta.get("methodology"):
        raw = clean_text(meta["methodology"]).lower()
        words = set(re.findall(r"[\w-]+", raw))
        out["methodology"] = next((m for m, names in _METHODS.items() if words & set(names)), raw)
    return out
