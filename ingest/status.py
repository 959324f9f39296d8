"""Status reports: from an outline of blocks (Markdown, DOCX, or an XLSX workbook's sheets) to a
ParsedDocument carrying a `StatusDraft`.

The fields (period, RAG, percent complete, PV/EV/AC, forecasts) come from front matter,
'Key: value' lines and two-column tables anywhere in the report; milestones, top risks and
issues, and decisions or help needed come from the sections (or sheets) of those names, as
list items or as tables. The accepted headings and keys are listed in the README.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from kb.drafts import ParsedDocument, StatusDraft
from kb.errors import InvalidDocument
from kb.i18n import N_, _
from kb.models import DocumentCreate, ProjectCreate, STATUS_DIMENSIONS
from kb.texts import location_label, row_location
from ingest import kinds, project_meta
from ingest.anchors import Anchors, item_anchor
from ingest.context import ParseContext
from ingest.outline import Block
from ingest.values import clean_text, has_exponent, normalise_key, parse_date, parse_money

# --- RAG ------------------------------------------------------------------------------

_RAG_WORDS = {
    "red": ("red", "r", "off track", "off-track", "critical", "红", "红色", "🔴"),
    "amber": ("amber", "a", "at risk", "at-risk", "yellow", "orange", "y", "黄", "黄色", "橙", "橙色", "琥珀",
              "🟠", "🟡"),
    "green": ("green", "g", "on track", "on-track", "绿", "绿色", "🟢"),
}
_RAG_OF = {word: rag for rag, words in _RAG_WORDS.items() for word in words}
RAG_SPELLINGS = N_("Red, Amber, Green (or R, A, G; on track, at risk, off track; Yellow means Amber)")


def parse_rag(value: object) -> str | None:
    """red, amber or green from 'Amber', 'A', 'at risk', 'Yellow', 'GREEN – on track', '🔴'; None if unreadable."""
    text = " ".join(str(value or "").strip().lower().split())
    if text in _RAG_OF:
        return _RAG_OF[text]
    first = re.split(r"[\s(:;,.\-–—/]+", text, maxsplit=1)[0]
    if first in _RAG_OF and len(first) > 1:  # 'a' alone is a RAG, but 'a delay...' is not
        return _RAG_OF[first]
    for phrase in ("off track", "at risk", "on track"):
        if text.startswith(phrase):
            return _RAG_OF[phrase]
    return None


# --- which keys mean what --------------------------------------------------------------

_FIELDS = {
    "period": ("period", "reporting period", "report period", "period covered", "报告期", "报告周期",
               "统计周期"),
    "period_start": ("period start", "period from", "week starting", "week commencing", "期间开始"),
    "period_end": ("period end", "period to", "week ending", "week ended", "as at", "as of", "status date",
                   "期间结束", "截止日期", "截至"),
    "date": ("date", "report date", "reporting date", "报告日期", "日期"),
    "overall_rag": ("overall rag", "overall status", "overall", "rag", "rag status", "status", "overall rating",
                    "总体状态", "总体", "整体状态"),
    "percent_complete": ("percent complete", "% complete", "complete", "completion", "progress", "percent done",
                         "完成百分比", "完成率", "进度百分比"),
    "planned_value": ("planned value", "pv", "bcws", "planned spend to date", "planned cost to date", "计划价值"),
    "earned_value": ("earned value", "ev", "bcwp", "挣值"),
    "actual_cost": ("actual cost", "ac", "acwp", "actual spend to date", "actual spend", "spend to date",
                    "actual cost to date", "实际成本"),
    "budget_at_completion": ("budget at completion", "bac", "budget", "approved budget", "预算", "批准预算"),
    "estimate_at_completion": ("estimate at completion", "eac", "forecast cost", "forecast at completion",
                               "cost at completion", "forecast cost at completion", "完工估算", "预测成本"),
    "forecast_end": ("forecast end", "forecast end date", "forecast finish", "forecast go live", "forecast completion",
                     "expected end", "预测完成日期", "预计完成日期", "预计上线日期"),
    "currency": ("currency", "币种", "货币"),
    "summary": ("summary", "executive summary", "headline", "摘要", "总结"),
}
_DIMENSION_WORDS = {
    "schedule": ("schedule", "time", "timeline", "timescales", "进度", "时间"),
    "cost": ("cost", "budget", "finance", "financials", "成本", "预算"),
    "scope": ("scope", "范围"),
    "quality": ("quality", "质量"),
    "resources": ("resources", "resource", "resourcing", "people", "staffing", "team", "资源", "人员"),
    "risks": ("risks", "risk", "risks and issues", "risk and issues", "风险"),
}
_KEY_FIELD = {alias: name for name, aliases in _FIELDS.items() for alias in aliases}
_DIMENSION_OF = {word: dim for dim, words in _DIMENSION_WORDS.items() for word in words}
_RAG_SUFFIX = re.compile(r"\s*(rag|status|rating|状态)$")

# Sections, by heading (or sheet name): which list they fill.
_SECTIONS = (
    ("milestones", r"milestones?|key dates|里程碑"),
    ("escalations", r"decisions?( needed| required)?|help needed|support needed|asks?|escalations?|"
                    r"path to green|需要决策|需要支持|上报事项|升级事项"),
    ("issues", r"(top |key |open )?issues|(主要|关键|重大|当前)?问题"),
    ("risks", r"(top |key |open )?risks( and issues| & issues)?|risks?/issues"
              r"|(主要|关键|重大|当前)?风险(与问题|和问题)?"),
    ("dimensions", r"rag( by dimension| status| ratings?)?|status by (area|dimension)|dimensions|health|分项状态"),
    ("summary", r"(executive )?summary|headlines?|progress (this|last) (week|period)|摘要|本周进展"),
)
_SECTION_RES = tuple((name, re.compile(rf"^(?:\d+(?:\.\d+)*\.?\s*)?(?:{pattern})$")) for name, pattern in _SECTIONS)


def field_for(key: object) -> str | None:
    """The status field a key names ('Week ending' → period_end, 'Schedule RAG' → rag:schedule), or None."""
    text = normalise_key(key).replace("-", " ").replace("_", " ")
    text = text.replace("（", "(").split(" (")[0].strip()
    if text in _KEY_FIELD:
        return _KEY_FIELD[text]
    bare = _RAG_SUFFIX.sub("", text).strip()
    if bare in _DIMENSION_OF:
        return "rag:" + _DIMENSION_OF[bare]
    return None


def section_of(heading: str) -> str | None:
    text = " ".join(re.sub(r"[^\w&/ ]+", " ", heading.lower()).split())
    return next((name for name, pattern in _SECTION_RES if pattern.match(text)), None)


def looks_like_status(pairs: list[tuple[object, object]]) -> bool:
    """A document with a reporting period and an overall RAG is a status report."""
    fields = {field_for(k) for k, _ in pairs}
    return bool(fields & {"period", "period_end"}) and bool(fields & {"overall_rag"} | {f for f in fields if f and
                                                                                       f.startswith("rag:")})


# --- walking the outline -------------------------------------------------------------------

@dataclass
class _Found:
    pairs: list[tuple[object, object, str]] = field(default_factory=list)
    """(key, value, location) in document order."""
    lists: dict[str, list[dict]] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_outline(blocks: list[Block], front_matter: dict[str, object]) -> _Found:
    found = _Found(pairs=[(k, v, "front matter") for k, v in front_matter.items()])
    anchors, section, where, anchor, items = Anchors(), None, "top of the report", None, 0
    for block in blocks:
        if block.kind == "heading":
            anchor, where, items = anchors.add(block.text), block.text.strip(), 0
            section = section_of(block.text)
            continue
        if block.kind == "item":
            items += 1
        cite = item_anchor(anchor, items) if block.kind == "item" and anchor else anchor
        _block(found, block, section, where, cite)
    return found


def _block(found: _Found, block: Block, section: str | None, where: str, anchor: str | None) -> None:
    if block.kind == "table":
        _table(found, block.rows, section, where, anchor)
        return
    lines = [line for line in block.text.splitlines() if line.strip()]
    pairs = [kv for line in lines if (kv := _key_value(line))]
    if pairs and section not in ("risks", "issues", "escalations", "milestones"):
        found.pairs.extend((k, v, where) for k, v in pairs)
        return
    if section == "summary" or (section is None and block.kind == "para" and not block.pseudo):
        found.summary.append(block.text.strip())
    elif section in ("risks", "issues", "escalations", "milestones") and block.text.strip() and not block.pseudo:
        entry = _entry_from_text(section, block.text.strip(), where, anchor)
        if entry:
            found.lists.setdefault(section, []).append(entry)


_KEY_LINE = re.compile(r"^\s*\**\s*([^:：*]{1,40}?)\s*\**\s*[:：]\s*\**\s*(.+?)\s*\**\s*$")


def _key_value(line: str) -> tuple[str, str] | None:
    match = _KEY_LINE.match(line)
    if match and (field_for(match[1]) or project_meta.field_for(match[1])):
        return match[1], match[2]
    return None


# --- tables ----------------------------------------------------------------------------------

_COLUMN_WORDS = {
    "name": ("milestone", "name", "deliverable", "item", "里程碑", "名称"),
    "planned": ("planned", "baseline", "planned date", "baseline date", "due", "plan", "计划日期", "计划"),
    "forecast": ("forecast", "forecast date", "expected", "revised", "预测日期", "预测", "预计"),
    "actual": ("actual", "actual date", "achieved", "completed", "实际日期", "实际"),
    "text": ("risk", "issue", "description", "risk or issue", "risk/issue", "decision", "decision needed",
             "help needed", "escalation", "ask", "title", "描述", "风险", "问题", "事项"),
    "severity": ("severity", "rating", "rag", "priority", "impact", "level", "严重程度", "等级", "优先级"),
    "kind": ("type", "kind", "类型"),
    "dimension": ("dimension", "area", "category", "维度", "方面"),
    "value": ("value", "figure", "amount", "status", "值", "状态"),
    "owner": ("owner", "by", "who", "负责人"),
    "due": ("due date", "needed by", "date needed", "by when", "截止"),
}
_COLUMN_OF = {word: name for name, words in _COLUMN_WORDS.items() for word in words}


def _columns(header: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _COLUMN_OF.get(normalise_key(cell).replace("_", " "))
        if name and name not in out:
            out[name] = index
    return out


def _table(found: _Found, rows: list[list[str]], section: str | None, where: str, anchor: str | None) -> None:
    if not rows:
        return
    columns = _columns(rows[0])
    listed = section in ("risks", "issues", "escalations", "milestones")
    if listed and ("text" in columns or "name" in columns):
        for number, row in enumerate(rows[1:], start=2):
            entry = _entry_from_row(section, row, columns, row_location("row", number, within=where), anchor)
            if entry:
                found.lists.setdefault(section, []).append(entry)
        return
    body = rows[1:] if columns and ("value" in columns or "dimension" in columns) else rows
    key_at, value_at = columns.get("dimension", 0), columns.get("value", 1)
    for row in body:
        if len(row) > max(key_at, value_at):
            found.pairs.append((row[key_at], row[value_at], where))


def _cell(row: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return clean_text(row[index]) if index is not None and index < len(row) else ""


def _entry_from_row(section: str, row: list[str], columns: dict[str, int], where: str,
                    anchor: str | None) -> dict | None:
    if section == "milestones":
        name = _cell(row, columns, "name") or _cell(row, columns, "text")
        return _milestone(name, _cell(row, columns, "planned"), _cell(row, columns, "forecast"),
                          _cell(row, columns, "actual"), where) if name else None
    text = _cell(row, columns, "text")
    if not text:
        return None
    if section == "escalations":
        extra = [f"{label}: {v}" for label, col in (("owner", "owner"), ("needed by", "due"))
                 if (v := _cell(row, columns, col))]
        return {"text": text + (f" ({'; '.join(extra)})" if extra else ""), "location": where, "anchor": anchor}
    kind = _cell(row, columns, "kind").lower()
    return {"kind": "issue" if "issue" in kind or section == "issues" and "risk" not in kind else "risk",
            "text": text, "severity": parse_severity(_cell(row, columns, "severity")), "location": where,
            "anchor": anchor}


# --- list items ------------------------------------------------------------------------------

_SEVERITIES = {"high": "high", "h": "high", "critical": "high", "very high": "high", "severe": "high", "高": "high",
               "medium": "medium", "med": "medium", "m": "medium", "moderate": "medium", "中": "medium",
               "low": "low", "l": "low", "minor": "low", "低": "low"}
_SEVERITY_PREFIX = re.compile(r"^\s*[\[(（]?\s*(high|medium|med|low|critical|h|m|l|高|中|低)\s*[\])）]?"
                              r"\s*[:：\-–—]\s*", re.IGNORECASE)
_SEVERITY_SUFFIX = re.compile(r"\s*[\[(（]\s*(?:severity[:\s]*)?(high|medium|med|low|critical|very high|高|中|低)"
                              r"\s*[\])）]\s*\.?$|\s*[,;—–-]\s*(?:severity[:\s]*)(high|medium|low|critical)\.?$",
                              re.IGNORECASE)


def parse_severity(value: object) -> str | None:
    """high, medium or low from 'High', 'H', 'critical', a RAG ('Red' = high) or a 1-25 score."""
    text = str(value or "").strip().lower()
    if text in _SEVERITIES:
        return _SEVERITIES[text]
    rag = parse_rag(text)
    if rag:
        return {"red": "high", "amber": "medium", "green": "low"}[rag]
    try:
        score = float(text)
    except ValueError:
        return None
    return "high" if score >= 15 else "medium" if score >= 8 else "low"


def _entry_from_text(section: str, text: str, where: str, anchor: str | None) -> dict | None:
    text = clean_text(text).replace("\n", " ")
    if section == "milestones":
        return _milestone_from_text(text, where)
    severity = None
    if match := _SEVERITY_PREFIX.match(text):
        severity, text = _SEVERITIES[match[1].lower()], text[match.end():]
    elif match := _SEVERITY_SUFFIX.search(text):
        severity, text = _SEVERITIES[(match[1] or match[2]).lower()], text[:match.start()]
    text = text.strip()
    if not text:
        return None
    if section == "escalations":
        return {"text": text, "location": where, "anchor": anchor}
    kind = "issue" if section == "issues" or re.match(r"(?i)issue\s*[:：]", text) else "risk"
    text = re.sub(r"(?i)^(risk|issue)\s*[:：]\s*", "", text)
    return {"kind": kind, "text": text, "severity": severity, "location": where, "anchor": anchor}


_DATED = re.compile(r"(?i)\b(planned|baseline|plan|forecast|expected|revised|actual|achieved|done|completed)\b"
                    r"\s*(?:date)?\s*[:=]?\s*(\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{1,2} \w+ \d{4})")
_ROLE_OF = {"planned": "planned", "baseline": "planned", "plan": "planned", "forecast": "forecast",
            "expected": "forecast", "revised": "forecast", "actual": "actual", "achieved": "actual", "done": "actual",
            "completed": "actual"}


def _milestone_from_text(text: str, where: str) -> dict | None:
    """'Design sign-off — planned 2026-03-02, forecast 2026-03-16' → a milestone."""
    dates = {_ROLE_OF[m[1].lower()]: m[2] for m in _DATED.finditer(text)}
    first = _DATED.search(text)
    name = re.sub(r"[\s:;,—–-]+$", "", text[:first.start()] if first else text).strip()
    return _milestone(name, dates.get("planned"), dates.get("forecast"), dates.get("actual"), where) if name else None


_NO_DATE_YET = (None, "", "-", "—", "n/a", "N/A", "tbc", "TBC", "tbd", "TBD")


def _milestone(name: str, planned, forecast, actual, where: str) -> dict:
    """A milestone; dates written but unreadable ('2027-02-30', 'sometime') go under "unread", for a warning."""
    out = {"name": name, "location": where}
    unread = []
    for role, value in (("planned", planned), ("forecast", forecast), ("actual", actual)):
        when = parse_date(value) if value not in _NO_DATE_YET else None
        out[role] = when.isoformat() if when else None
        if when is None and value not in _NO_DATE_YET:
            unread.append(str(value))
    if unread:
        out["unread"] = unread
    return out


def _milestone_warnings(milestones: list[dict], warnings: list[str]) -> list[dict]:
    """The milestones as stored, each unreadable date said in a warning."""
    for milestone in milestones:
        for value in milestone.pop("unread", ()):
            warnings.append(_("Milestone '%(name)s' (%(where)s): '%(value)s' is not a date; write it as 2026-03-16. "
                              "It was left empty.") % {"name": milestone["name"], "where": location_label(
                                  milestone["location"]), "value": value})
    return milestones


# --- fields -------------------------------------------------------------------------------

_RANGE = re.compile(r"\s+(?:to|until|till|through)\s+|\s*[–—~至到]\s*|\s+-\s+|(?<=\d{4}-\d{2}-\d{2})-")
"""What separates the two dates of a period: '2026-03-02 to 2026-03-08', '... – ...', '... 至 ...'."""


def _period(values: dict[str, object], warnings: list[str]) -> tuple[date | None, date | None]:
    start = _date(values.get("period_start"), N_("Period start"), warnings)
    end = _date(values.get("period_end"), N_("Period end"), warnings)
    if values.get("period") and (start is None or end is None):
        parts = [p for p in _RANGE.split(str(values["period"]).strip()) if p.strip()]
        dates = [_plausible(parse_date(p.strip()), N_("Reporting period"), p.strip(), warnings) for p in parts]
        if _IMPLAUSIBLE in dates:
            pass  # said so
        elif len(dates) == 2 and all(dates):
            start, end = start or dates[0], end or dates[1]
        elif len(dates) == 1 and dates[0]:
            end = end or dates[0]
        else:
            warnings.append(_("Reporting period '%(value)s' is not a date range; write it as '2026-03-02 to "
                              "2026-03-08', or give 'Period end:'.") % {"value": values["period"]})
    if end is None and values.get("date"):
        end = _date(values["date"], N_("Report date"), warnings)
    if start is None and end is not None and values.get("period_end"):
        start = end - timedelta(days=6)  # 'Week ending' names a week
    if start is not None and end is not None and start > end:
        warnings.append(_("The reporting period ends (%(end)s) before it starts (%(start)s); it is read as the "
                          "week ending %(end)s. Check the two dates.") % {"start": start.isoformat(),
                                                                         "end": end.isoformat()})
        start = end - timedelta(days=6)
    return start, end


def _date(value: object, what: str, warnings: list[str]) -> date | None:
    """`what` names the field (marked N_, in English)."""
    if value in (None, ""):
        return None
    when = parse_date(value)
    if when is None:
        warnings.append(_("%(field)s '%(value)s' is not a date; write it as 2026-03-08.")
                        % {"field": _(what), "value": value})
    when = _plausible(when, what, value, warnings)
    return None if when is _IMPLAUSIBLE else when


_IMPLAUSIBLE = date.min
"""What `_plausible` gives for a placeholder date, which is neither read nor called unreadable again."""


def _plausible(when: date | None, what: str, value: object, warnings: list[str]) -> date | None:
    """`when`, or _IMPLAUSIBLE with a warning when its year is a placeholder's (9999-12-31), which would
    stretch every chart of the project's status."""
    if when is None or project_meta.EARLIEST_YEAR <= when.year <= project_meta.LATEST_YEAR:
        return when
    warnings.append(_("%(field)s '%(value)s' is not a date a report has (years %(first)s to %(last)s); write the "
                      "real date, as 2026-03-08.") % {"field": _(what), "value": value,
                                                     "first": project_meta.EARLIEST_YEAR,
                                                     "last": project_meta.LATEST_YEAR})
    return _IMPLAUSIBLE


def _percent(value: object, warnings: list[str]) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = float(value) * 100 if 0 <= value <= 1 and isinstance(value, float) else float(value)
        if 0 <= value <= 100:
            return value
        warnings.append(_("Percent complete '%(value)s' is not between 0 and 100; it was left out.")
                        % {"value": f"{value:g}"})
        return None
    match = re.search(r"\d+(?:\.\d+)?", str(value))
    if not match or has_exponent(str(value)):
        warnings.append(_("Percent complete '%(value)s' is not a number; write it as 45%%.") % {"value": value})
        return None
    number = float(match[0])
    if number < 1 and "." in match[0] and "%" not in str(value):
        number *= 100  # a fraction, as a spreadsheet's percentage cell holds it (0.6 is 60%)
    if not 0 <= number <= 100:
        warnings.append(_("Percent complete '%(value)s' is not between 0 and 100; it was left out.")
                        % {"value": value})
        return None
    return number


def _money(value: object, what: str, warnings: list[str], currencies: list[str]) -> float | None:
    if value in (None, ""):
        return None
    amount, currency = parse_money(value)
    if amount is None:
        warnings.append(_("%(field)s '%(value)s' is not an amount; write it as 120000 or £120k.")
                        % {"field": _(what), "value": value})
    if currency:
        currencies.append(currency)
    return amount


_PLACES = (N_("front matter"), N_("top of the report"))
"""The places a value is read from that are not the document's own headings (which are shown as written)."""

DIMENSION_RAG = {"schedule": N_("Schedule RAG"), "cost": N_("Cost RAG"), "scope": N_("Scope RAG"),
                 "quality": N_("Quality RAG"), "resources": N_("Resources RAG"), "risks": N_("Risks RAG")}


def _dimension_rag(dimension: str) -> str:
    """How a warning names the RAG of one dimension ("Schedule RAG"), in the reader's language."""
    return _(DIMENSION_RAG[dimension]) if dimension in DIMENSION_RAG else f"{dimension.capitalize()} RAG"


def _rag(value: object, what: str, where: str, warnings: list[str]) -> str | None:
    if value in (None, ""):
        return None
    rag = parse_rag(value)
    if rag is None:
        warnings.append(_("%(field)s '%(value)s' (%(where)s) is not a RAG value we know, so it was left out. "
                          "Accepted: %(accepted)s, in any case.")
                        % {"field": what, "value": value, "where": _(where) if where in _PLACES else where,
                           "accepted": _(RAG_SPELLINGS)})
    return rag


def status_from(found: _Found) -> tuple[StatusDraft | None, dict[str, object], list[str]]:
    """(the draft, or None without a period end; the project metadata; warnings)."""
    warnings = list(found.warnings)
    values: dict[str, object] = {}
    where: dict[str, str] = {}
    project_pairs = []
    for key, value, location in found.pairs:
        name = field_for(key)
        if name is None:
            project_pairs.append((key, value))
        elif name not in values and value not in (None, ""):
            values[name], where[name] = value, location
    start, end = _period(values, warnings)
    if end is None:
        return None, project_meta.collect(project_pairs), warnings
    currencies: list[str] = []
    money = {name: _money(values.get(name), label, warnings, currencies) for name, label in (
        ("planned_value", N_("Planned value")), ("earned_value", N_("Earned value")),
        ("actual_cost", N_("Actual cost")),
        ("budget_at_completion", N_("Budget at completion")),
        ("estimate_at_completion", N_("Estimate at completion")))}
    rag = {dim: r for dim in STATUS_DIMENSIONS
           if (r := _rag(values.get("rag:" + dim), _dimension_rag(dim), where.get("rag:" + dim, ""), warnings))}
    draft = StatusDraft(
        period_end=end, period_start=start,
        overall_rag=_rag(values.get("overall_rag"), _("Overall RAG"), where.get("overall_rag", ""), warnings),
        rag=rag, percent_complete=_percent(values.get("percent_complete"), warnings), **money,
        forecast_end=_date(values.get("forecast_end"), N_("Forecast end"), warnings),
        currency=clean_text(values.get("currency")) or (currencies[0] if currencies else None),
        summary=clean_text(values.get("summary")) or ("\n\n".join(found.summary) or None),
        milestones=_milestone_warnings(found.lists.get("milestones", []), warnings),
        items=found.lists.get("risks", []) + found.lists.get("issues", []),
        escalations=found.lists.get("escalations", []))
    return draft, project_meta.collect(project_pairs), warnings


# --- the document ------------------------------------------------------------------------------

def build_status(name: str, blocks: list[Block], content: str, media_type: str, context: ParseContext, *,
                 front_matter: dict[str, object] | None = None, warnings: list[str] | None = None) -> ParsedDocument:
    """A status report from an outline; raises InvalidDocument without a period. Its project may
    be left for the uploader to give (`require_project`)."""
    found = read_outline(blocks, front_matter or {})
    found.warnings.extend(warnings or [])
    draft, meta, problems = status_from(found)
    code, projects = _project(meta, name, context, problems)
    if draft is None:
        unread = [w for w in problems if "2026-03-08" in w]  # a period given but not readable says why
        raise InvalidDocument(" ".join([_("This status report gives no reporting period. Add 'Period: 2026-03-02 to "
                                          "2026-03-08' (or 'Week ending: 2026-03-08') to its front matter or its "
                                          "details table."), *unread]))
    from ingest.compliance import status_gaps  # the templates are built from this module's vocabulary

    problems.extend(status_gaps(draft, code))
    title = clean_text(meta.get("title")) or _first_heading(blocks) or f"{code or 'Project'} status report " \
        f"{draft.period_end}"
    document = DocumentCreate(kind=kinds.STATUS, source_name=name, title=title, sha256="", media_type=media_type,
                              content=content, report_date=draft.period_end)
    return ParsedDocument(document=document, project_code=code, projects=projects, warnings=problems, status=draft,
                          identity=f"status report {draft.period_end.isoformat()}")


def _first_heading(blocks: list[Block]) -> str | None:
    return next((clean_text(b.text) for b in blocks if b.kind == "heading" and b.level == 1), None)


NO_PROJECT = N_("This status report names no project. Add 'code: PROJECT-CODE' to its front matter or details "
                "table, start the file name with the project code, or choose its project when uploading.")


def require_project(parsed: ParsedDocument) -> None:
    """A status report is always some project's: reject one that neither names its project nor was
    uploaded for one."""
    if parsed.status is not None and not parsed.project_code:
        raise InvalidDocument(_(NO_PROJECT))


def _project(meta: dict, name: str, context: ParseContext,
             warnings: list[str]) -> tuple[str | None, list[ProjectCreate]]:
    """The project's code (required: a status report is always some project's), and what the
    report says about the project (name, type, manager, plan), merged into it by code."""
    from_file = kinds.code_from_file_name(name, context.known_project_codes)
    keep = {k: v for k, v in meta.items() if k not in ("actual_end", "actual_budget", "outcome", "planned_value",
                                                       "earned_value", "actual_cost", "kind", "title", "date")}
    named = clean_text(meta.get("code"))
    if not named and not from_file:
        return None, []  # the uploader may name it (ingest --project); else `require_project` rejects the file
    info = project_meta.project_from(keep, fallback_code=from_file)
    warnings.extend(info.warnings)
    code = context.known_code(info.code) or info.code
    fields = info.project.model_dump(exclude_unset=True) if info.project else {}
    if code in context.known_project_codes and not meta.get("name"):
        fields.pop("name", None)  # a report naming only the code must not rename the project
    fields["code"] = code
    return code, [ProjectCreate(**fields)] if len(fields) > 1 or code not in context.known_project_codes else []
