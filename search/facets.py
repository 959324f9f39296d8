"""Plain-language facets: reading filters out of a question, and filtering
or counting an index snapshot by facet with numpy masks.

Detection is deliberately conservative: a facet is read only from phrases
that are strong signals on their own ("ERP", "went wrong", "vendors") or
from weaker words next to a project noun ("network upgrade", "cloud
projects"). "Network of super users" does not make a network upgrade.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from kb.vocab import industry_names
from search.models import DetectedFacet

_PROJ = r"(?:projects?|programmes?|programs?|migrations?|rollouts?|roll-outs?|implementations?|upgrades?|launch(?:es)?|initiatives?|moves?)"
_Y = r"((?:19[89]|20[0-9])[0-9])"

_HAN = r"[\u4e00-\u9fff]"
# What follows a project type in a Chinese question ('ERP迁移项目'): part of the facet's phrase,
# so it does not stay behind as a topic word.
_TYPE_WORD = (r"(?:erp|sap|crm|cloud|app|mobile|web|website|bi|network|office|m&a|merger|regulatory|compliance|it"
              r"|digital|software|infrastructure|transformation)")
_CLAUSE_END = (r"(?=\s*(?:[?.!,;]|$)|\s+(?:and|or|in|on|during|since|last|this|before|after|because|why|when|"
               r"from|between|over)\b)")
"""What ends the verb of 'which projects failed': not an object ('projects that failed UAT' failed a test)."""
_ANOTHER_OUTCOME = r"(?:(?:and|or|&|/) ?(?:failed|cancell?ed|abandoned|successful|challenged) )?"
"""'failed and challenged projects' names both outcomes."""
_OUTCOME_OF = r"(?:" + _TYPE_WORD + " " + _PROJ + r"|(?:[\w&/-]+ )?(?:projects?|programmes?|programs?|initiatives?))"
"""What an outcome word qualifies to name a project's outcome: projects ("failed projects", "failed retail
projects"), or a project type's own work ("failed ERP migrations"); "failed data migrations" are a
lesson's subject, not projects that failed."""
_ZH_PROJ = r"(?:\s*(?:系统)?(?:迁移|搬迁|实施|上线|切换|升级|改造|建设|推广))?(?:项目|工程)?"
# The same facets asked in Chinese. Chinese has no spaces, so these patterns match inside
# a question ('ERP迁移项目出过哪些问题') and Latin names are bounded by letters only.
ZH_RULES: list[tuple[str, str, str]] = [
    ("polarity", "went wrong", r"出(?:过|了|现过?)(?:哪些|什么|的)?问题|哪些问题|什么问题|做得不好|不足之处|出错"
                               r"|(?:踩过?|遇到)(?:了|过)?(?:哪些|什么)?坑|失败的?教训"),
    ("polarity", "went well", r"做得好|成功经验|哪些(?:好的)?做法|亮点|顺利的"),
    ("polarity", "improvement", r"下次(?:应该|要)?怎么做|改进建议|如何改进|怎么改进"),
    ("kind", "risk", r"风险(?!管理)"),
    ("status", "materialised", r"已(?:经)?发生|发生了的|变成了?问题|转为问题|(?<=未)发生|(?<=未曾)发生|(?<=没)发生|(?<=没有)发生"),
    ("status", "open", r"(?:未关闭|处理中|开放)的风险"),
    ("status", "closed", r"已关闭的风险"),
    ("outcome", "failed", r"(?:失败|取消|终止)(?:了)?的\w{0,8}项目"),
    ("outcome", "successful", r"成功的\w{0,8}项目"),
    ("outcome", "challenged", r"(?:延期|超支)(?:完成)?的\w{0,8}项目"),
    ("project_type", "ERP migration", r"(?:(?<![a-z])(?:erp|sap)(?![a-z])|企业资源计划)" + _ZH_PROJ),
    ("project_type", "CRM rollout", r"(?:(?<![a-z])crm(?![a-z])|客户关系管理)" + _ZH_PROJ),
    ("project_type", "cloud migration", r"(?:数据中心|云迁移|上云|机房搬迁)" + _ZH_PROJ),
    ("project_type", "web or mobile app", r"(?:移动应用|手机应用|小程序|网站|(?<=" + _HAN + r")app|app(?=" + _HAN + r"))" + _ZH_PROJ),
    ("project_type", "regulatory compliance", r"(?:合规|监管报送|个人信息保护)" + _ZH_PROJ),
    ("project_type", "office relocation", r"(?:办公室?搬迁|搬迁项目)" + _ZH_PROJ),
    ("project_type", "data warehouse and BI", r"(?:数据仓库|商业智能|数据平台|报表平台|(?<![a-z])bi(?=" + _HAN + r"))" + _ZH_PROJ),
    ("project_type", "network upgrade", r"(?:网络(?:升级|改造))" + _ZH_PROJ),
    ("project_type", "M&A integration", r"(?:并购|收购整合)" + _ZH_PROJ),
    ("category", "vendor and procurement", r"供应商|承包商|外包|采购|第三方|厂商|集成商"),
    ("category", "scope", r"范围蔓延|范围变更|需求蔓延"),
    ("category", "schedule", r"延期|延误|拖期|进度(?:滞后|拖延)"),
    ("category", "cost", r"超支|超预算"),
    ("category", "requirements", r"需求(?:变更|不清|不明确|确认)"),
    ("category", "testing", r"测试|用户验收"),
    ("category", "data migration", r"数据迁移|数据质量|数据清洗|历史数据"),
    ("category", "stakeholders and communication", r"干系人|利益相关者|发起人"),
    ("category", "resources and staffing", r"人员流失|关键人员|离职|人手不足"),
    ("category", "governance", r"治理|变更控制|指导委员会"),
    ("category", "training", r"培训|关键用户"),
    ("category", "change management", r"变革管理|用户采纳"),
    ("category", "risk management", r"风险管理"),
]

# (facet, canonical value, pattern). Patterns are matched on the lower-cased query.
RULES: list[tuple[str, str, str]] = [
    ("polarity", "went wrong", r"(?:what )?went wrong|gone wrong|go wrong|goes wrong|did(?:n't| not)(?: [\w-]+){0,4} go (?:well|to plan)|\bnot go (?:well|to plan)|went badly"
                               r"|what failed|mistakes|pain points|what hurt"
                               r"|\bwhy (?:did|do|does|have|has) (?:[\w&/-]+ ){1,5}(?P<mark>fail(?:ed)?)\b"
                               r"|\broot causes? of\b(?! (?:the |our |a |its |their )?(?:success|successful|good|well)\b)"),
    ("polarity", "went well", r"(?:what )?went well|go(?:es)? well|(?:what )?worked well|what worked|successes"
                              r"|good practices?"),
    ("polarity", "improvement", r"do differently|next time"),
    ("kind", "risk", r"(?<![a-z])materiali[sz]ed risks\b|\brisks\b|risk registers?|\brisk (?:that|which)\b"
                     r"|(?<![a-z])materiali[sz]ed"),
    ("status", "materialised", r"(?<![a-z])materiali[sz]ed|(?:(?<=not )|(?<=never )|(?<=n't ))materiali[sz]e\b"
                               r"|became (?:an )?issues?|turned into issues?"
                               r"|risks? (?:that|which) (?:occurred|happened|were realised|were realized|hit)|\bcame true\b"),
    ("status", "open", r"\bopen risks\b"),
    ("status", "closed", r"\bclosed risks\b"),
    # The outcome's word only: the words after it are the projects' type or industry, read by their own rules,
    # or the question's topic ("failed mining projects": mining is searched for, not taken as a filter word).
    ("outcome", "failed", r"\b(?:failed|cancell?ed|abandoned)(?: ?(?:and|or|&|/) ?(?:failed|cancell?ed|abandoned|terminated))?"
                          r"(?= " + _ANOTHER_OUTCOME + _OUTCOME_OF + ")"
                          r"|(?<=\bprojects )(?:(?:that|which) )?(?:(?:were|was|have|had|got) )?(?:been )?"
                          r"(?:failed|fail|cancell?ed|terminated|abandoned|scrapped)" + _CLAUSE_END
                          + r"|(?<=\bprojects to )fail" + _CLAUSE_END + r"|(?<=\bprojects )fail" + _CLAUSE_END),
    ("outcome", "successful", r"\bsuccessful(?= " + _ANOTHER_OUTCOME + _OUTCOME_OF + ")"),
    ("outcome", "challenged", r"\bchallenged(?= " + _ANOTHER_OUTCOME + _OUTCOME_OF + ")"),
    ("project_type", "ERP migration", r"\bsap s/4 ?hana(?: " + _PROJ + r")?|\b(?:erp|sap)s?\b(?: " + _PROJ + r")?|(?:s/4 ?hana|enterprise resource planning|netsuite"
                                      r"|oracle e-business)(?: " + _PROJ + r")?"),
    ("project_type", "CRM rollout", r"\bcrms?\b(?: " + _PROJ + r")?|(?:salesforce|customer relationship management|hubspot)"
                                    r"(?: " + _PROJ + r")?"),
    ("project_type", "cloud migration", r"\bcloud " + _PROJ + r"|migrat\w* to (?:the )?cloud|lift[- ]and[- ]shift"
                                        r"|data cent(?:re|er)s? (?:migrations?|moves?|exits?|consolidations?)"
                                        r"|\b(?:aws|azure|gcp) " + _PROJ),
    ("project_type", "web or mobile app", r"\b(?:mobile|web) apps?\b|\bapp launch(?:es)?|\b(?:(?:mobile|web|app|website|portal)(?:,? (?:and|or|&) |/))*(?:mobile|web|app|website|portal) " + _PROJ
                                          + r"|e-?commerce (?:sites?|platforms?)"),
    ("project_type", "regulatory compliance", r"\b(?:regulatory|compliance) " + _PROJ + r"|\bgdpr\b|\bhipaa\b|\bifrs\b|\bsox\b"),
    ("project_type", "office relocation", r"office (?:relocations?|moves?)|\brelocation " + _PROJ + r"|workplace moves?|fit-outs?"),
    ("project_type", "data warehouse and BI", r"data ?warehous\w*|business intelligence|\bbi " + _PROJ
                                              + r"|data lakes?|analytics platforms?"),
    ("project_type", "network upgrade", r"\bnetwork " + _PROJ + r"|network refresh(?:es)?|sd-?wan|\b(?:wan|lan|wi-?fi|telephony) " + _PROJ),
    ("project_type", "M&A integration", r"\bmergers? (?:and|&) acquisitions?|\bacquisitions? (?:and|&) mergers?"
                                        r"|\bm&a\b|mergers?\b|post-merger|acquisition integrations?|integrat\w* (?:of )?acquired"
                                        r"|(?<!data )(?<!customer )(?<!land )(?<!site )(?<!property )(?<!talent )"
                                        r"\bacquisitions\b(?! of (?:data|land|sites?|property|equipment|assets))"
                                        r"|acquired (?:companies|businesses|firms)"),
    ("category", "vendor and procurement", r"vendor-led|\bvendors?\b|\bsuppliers?\b|\bcontractors?\b|procurement|outsourc\w*"
                                           r"|third[- ]part(?:y|ies)|system integrators?"),
    ("category", "scope", r"scope creep|scope changes?|feature creep|gold plating"),
    ("category", "schedule", r"schedule (?:slips?|slippage|overruns?|delays?)|behind schedule|missed (?:deadlines?|milestones?)"),
    ("category", "cost", r"(?:cost|budget) overruns?|over budget|overspend\w*"),
    ("category", "requirements", r"(?:unclear|changing|missing|vague) requirements|requirements (?:gathering|definition|sign-?off|changes)"),
    ("category", "testing", r"\btesting\b|\buat\b|user acceptance|test environments?|regression tests?"),
    ("category", "data migration", r"data migrations?|data quality|data cleansing|legacy data|data conversion"),
    ("category", "stakeholders and communication", r"stakeholders?|\bsponsors?(?:hip)?\b"),
    ("category", "resources and staffing", r"key staff|staff turnover|attrition|\bstaffing|resourcing|key people"),
    ("category", "governance", r"\bgovernance|change control|steering committees?"),
    ("category", "training", r"\btraining\b|super[- ]users?"),
    ("category", "change management", r"change management|user adoption|resistance to change"),
    ("category", "risk management", r"risk management"),
    ("language", "Chinese", r"\bin chinese\b|\bchinese (?:lessons|risks|documents|reports|projects)|中文"),
    ("language", "English", r"\bin english\b|\benglish (?:lessons|risks|documents|reports|projects)|英文"),
    *ZH_RULES,
]
_COMPILED = [(f, v, re.compile(p)) for f, v, p in RULES]

YEAR_RULES: list[tuple[str, str]] = [
    (r"\bbetween " + _Y + r" and " + _Y, "range"),
    (r"\b(?:from )?" + _Y + r" ?(?:-|–|to) ?" + _Y + r"\b", "range"),
    (r"\b(?:since|from|after|starting) " + _Y, "from"),
    (r"\b(?:before|until|prior to|up to) " + _Y, "to"),
    (r"\b(?:in|during) " + _Y, "in"),
    (r"\b(?:in |over |during )?the (?:last|past) (\d{1,2}|two|three|four|five|six|seven|eight|nine|ten) years\b", "last"),
    (r"\b(?:within |in |during |over )?the (?:last|past) year\b(?! of\b)", "past year"),
    (r"\b(?:in |during |over )?(last|this|previous) year\b(?! of\b)", "year"),
    # Chinese: 2020年到2022年, 2022年以来 / 自2022年起, 2022年以前, 2022年, 近3年.
    (r"(?<!\d)" + _Y + r"\s*年?\s*(?:到|至|~|-|–)\s*" + _Y + r"\s*年?", "range"),
    (r"(?:自|从)?\s*(?<!\d)" + _Y + r"\s*年?\s*(?:以来|之后|以后|起|至今)", "from"),
    (r"(?<!\d)" + _Y + r"\s*年?\s*(?:以前|之前)", "before"),
    (r"(?<!\d)" + _Y + r"\s*年", "in"),
    (r"(?:近|最近|过去)\s*(\d{1,2})\s*年", "last"),
    (r"(去年|今年|上一年)", "year"),
]


@dataclass
class Detection:
    facets: list[DetectedFacet] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)
    """Character spans of the query that implied a facet (their words are down-weighted)."""
    topics: list[tuple[int, int]] = field(default_factory=list)
    """The spans of `spans` that name a topic (a category or phase: "UAT", "scope creep"), which ranks rather than
    filters: their words are what the question is about, searched at full weight."""
    left_out: list[tuple[int, int]] = field(default_factory=list)
    """Character spans of facets the query asked to leave out ("not on ERP projects"): their words are not
    searched for at all."""


_NEGATION = re.compile(r"\b(?:except|excluding|other than|apart from|besides)\s+(?:(?:for|on|in|about|the|a|an|any|our)\s+){0,2}$"
                       r"|\bnot\s+(?:about|on|from|involving|concerning|including)\s+(?:(?:the|a|an|any|our)\s+)?$"
                       r"|\bnon[- ]?$|(?:(?<!是)不是|并非|(?<![是并])非|除了|不包括|不含|排除)\s*$")
"""A negation of a facet just before its phrase: "not on ERP projects", "lessons not about vendors", "non-ERP",
"other than ERP", "除了ERP项目". A negated verb is not one ("why didn't ERP projects finish on time", "the vendor
did not deliver", "projects with no sponsor", "delivered without testing" keep their facets)."""


_NOT_HAPPENED = re.compile(r"\b(?:did(?:n't| not)|never|not|has(?:n't| not)|have(?:n't| not)|(?:was|were)(?:n't| not))"
                           r"(?: yet)? $|(?:未曾|未|没有?)$")
"""A status's verb negated: "risks that did not materialise", "never materialised", 未发生 are not materialised ones."""
_NOT = re.compile(r"\bnot\s+$")
_VERB = re.compile(r"(?:migrat|integrat|mov|relocat|upgrad|launch|implement|roll|merg)\w*\b")
"""A phrase that starts with a verb ("migrate to the cloud"): "why did we not migrate to the cloud" negates the verb."""
_NAMED_FACETS = ("project_type", "industry", "portfolio", "outcome", "language", "project")
"""Facets that name kinds of project, which a bare "not" before them leaves out ("not retail lessons", "not ERP");
before a topic it is a verb's ("were not trained", "did not test")."""
_AND_ALSO = re.compile(r"\s*(?:and|or|nor|&|/|,|、|和|或)\s*(?:non[- ]?|not\s+)?(?:the\s+)?")
"""Between two facets of a kind: "other than ERP and CRM", "non-ERP or CRM", "除了ERP和CRM"; not ", and", which
starts another part of the question ("lessons not from ERP projects, and CRM lessons")."""


def _carry_negation(low: str, out: Detection, claimed: list[tuple[str, tuple[int, int]]]) -> None:
    """A negation covers the facets listed after it: "projects other than ERP and CRM" leaves out both (CRM was
    filtered to, the opposite of what was asked)."""
    order = sorted(range(len(out.facets)), key=lambda i: claimed[i][1] if i < len(claimed) else (len(low), 0))
    for before, after in zip(order, order[1:]):
        first, second = out.facets[before], out.facets[after]
        if not first.excluded or second.excluded or first.facet != second.facet or after >= len(claimed):
            continue
        (_a, end), (start, stop) = claimed[before][1], claimed[after][1]
        if end <= start and _AND_ALSO.fullmatch(low[end:start]):
            second.excluded = True
            out.spans.remove((start, stop))
            out.left_out.append((start, stop))
            if (start, stop) in out.topics:
                out.topics.remove((start, stop))


TOPICS = ("category", "phase")
"""Facets that say what a question is about; read from a question, they rank rather than filter."""


def detect(query: str, extra: list[tuple[str, str, re.Pattern]] = (), today: date | None = None) -> Detection:
    """Facets implied by the query; `extra` adds rules built from the data (industries)."""
    low = query.lower()
    out = Detection()
    seen: set[tuple[str, str]] = set()
    rules = [(facet, values[key], pattern, m) for facet, values, pattern in extra if isinstance(values, Named)
             for m in pattern.finditer(low) for key in [" ".join(m.group(0).split())]
             if key not in values.names or _as_a_name(query[m.start():m.end()])]
    named = [m.span() for *_rule, m in rules]  # "FIN-ERP-2021" names a project, not the ERP type or 2021
    rules += [(facet, value, pattern, None) for facet, value, pattern in [*_COMPILED, *extra]
              if not isinstance(value, Named)]
    claimed: list[tuple[str, tuple[int, int]]] = []
    for facet, value, pattern, m in rules:
        if m is None:
            m = next((m for m in pattern.finditer(low) if facet == "polarity"  # "why did FIN-ERP-2021 fail"
                      or not any(a < m.end() and m.start() < b for a, b in named)), None)
        if m and (facet, value) not in seen:
            seen.add((facet, value))
            # "why did the cutover fail": the facet's words are "fail" alone; "the cutover" is what it is about
            span = m.span("mark") if "mark" in m.re.groupindex and m.group("mark") else m.span()
            # "non-materialised risks" are still risks
            unsaid = _NOT_HAPPENED.search(low, 0, span[0]) if facet == "status" else None
            excluded = facet != "kind" and bool(_NEGATION.search(low, max(0, span[0] - 40), span[0]) or unsaid
                                                 or facet in _NAMED_FACETS and _NOT.search(low, 0, span[0])
                                                 and not _VERB.match(low, span[0]))
            if any(f == facet and a < span[1] and span[0] < b and (a, b) != span for f, (a, b) in claimed):
                continue  # "go well" inside "didn't go well", which names went wrong (one phrase may name two)
            claimed.append((facet, span))
            out.facets.append(DetectedFacet(facet=facet, value=value, phrase=query[span[0]:span[1]],
                                            excluded=excluded))
            (out.left_out if excluded else out.spans).append(span)
            if unsaid:  # "never" in "risks that never materialised" is no word to search for
                out.left_out.append(unsaid.span())
            if facet in TOPICS and not excluded:
                out.topics.append(span)
    _carry_negation(low, out, claimed)
    if any(f.facet == "status" and f.value == "materialised" and not f.excluded for f in out.facets) \
            and ("kind", "risk") not in seen:
        out.facets.append(DetectedFacet(facet="kind", value="risk", phrase=_phrase(out, "status")))
    _detect_years(query, low, out, today or date.today())
    return out


_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def _phrase(out: Detection, facet: str) -> str:
    return next(f.phrase for f in out.facets if f.facet == facet)


def _detect_years(query: str, low: str, out: Detection, today: date) -> None:
    for pattern, how in YEAR_RULES:
        m = re.search(pattern, low)
        if not m:
            continue
        if how == "year":  # "last year", "this year", 去年, 今年
            a = today.year if m.group(1) in ("this", "今年") else today.year - 1
            how = "in"
        elif how == "past year":  # "within the last year": the past twelve months, from last year on
            a, how = today.year - 1, "from"
        else:
            a = int(m.group(1)) if m.group(1).isdigit() else _NUMBER_WORDS[m.group(1)]
        if how == "range":
            out.year_from, out.year_to = sorted((a, int(m.group(2))))
        elif how == "from":
            out.year_from = a + 1 if m.group(0).startswith("after") else a
        elif how == "to":
            out.year_to = a - 1 if m.group(0).startswith(("before", "prior")) else a
        elif how == "before":
            out.year_to = a - 1
        elif how == "in":
            out.year_from = out.year_to = a
        else:  # the last 3 years, in December 2026: 2024, 2025 and 2026, the year under way counted
            out.year_from = today.year - a + 1
        phrase = query[m.start():m.end()]
        if out.year_from is not None:
            out.facets.append(DetectedFacet(facet="year_from", value=str(out.year_from), phrase=phrase))
        if out.year_to is not None:
            out.facets.append(DetectedFacet(facet="year_to", value=str(out.year_to), phrase=phrase))
        out.spans.append(m.span())
        return


class Named(dict):
    """The value of a rule that names many values at once: what each matched text (lower case) stands for.
    `names`: the texts that are names, matched only where the question writes them with capitals."""

    names: frozenset[str] = frozenset()


def project_rules(names: dict[str, str]) -> list[tuple[str, Named, re.Pattern]]:
    """The rule for the projects a question names, by code ("FIN-ERP-2021", in any case) or by full name of two
    words or more ("Finance Platform Replacement"): one pattern for them all, so that a knowledge base of
    thousands of projects costs one scan of the question."""
    values, titles = Named(), set()
    for code, name in sorted(names.items()):
        if re.search(r"[A-Za-z]", code) and re.search(r"\d|-", code):  # IT, PILOT, 2024: also a word or a year
            values[code.lower()] = code
        if name and len(name.split()) >= 2:
            title = " ".join(name.lower().split())
            if title not in values:
                values[title] = code
                titles.add(title)
    if not values:
        return []
    values.names = frozenset(titles)
    alternatives = "|".join(re.escape(text) for text in sorted(values, key=len, reverse=True))
    return [("project", values, re.compile(r"(?<![A-Za-z0-9_-])(?:" + alternatives + r")(?![A-Za-z0-9_-])"))]


def _as_a_name(written: str) -> bool:
    """Whether a project's name is written as a name in the question: each word capitalised ("the Finance Platform
    Replacement"), not the same words as words ("sales data warehouse projects"). Chinese has no capitals, and a
    Chinese project's name is a name wherever it is written ("华东仓储 ERP 迁移")."""
    return bool(re.search(_HAN, written)) or all(word[:1].isupper() or not word[:1].isalpha()
                                                 for word in written.split())


def value_rules(facet: str, values: list[str]) -> list[tuple[str, str, re.Pattern]]:
    """Rules for data-defined facet values (industries, portfolios): 'in retail', 'retail CRM projects',
    'retail projects', 'for the public sector', '零售项目', '在零售行业'. A bare word alone is not enough.
    An industry is read in either language (`kb.vocab.industry_names`): "零售项目" reads both Retail and 零售,
    which then filter together."""
    rules = []
    for value in values:
        names = industry_names(value) if facet == "industry" else {value.lower()}
        alternatives = []
        for name in sorted(names):
            v = re.escape(name)
            if re.search(_HAN, name):
                alternatives.append(rf"(?:在|面向){v}|{v}(?:行业|领域|板块|业务)?的?\w{{0,6}}?(?:项目|工程|企业|公司|客户)")
            alternatives.append(rf"\b(?:in|for|from) (?:the )?{v}\b|\b{v} (?:[\w&/-]+ )?(?:{_PROJ[3:-1]}|sector"
                                rf"|industry|clients?|companies|organi[sz]ations?)\b|\b{v} (?:lessons|risks)\b")
        rules.append((facet, value, re.compile("|".join(alternatives))))
    return rules


def detect_facets(query: str) -> tuple[list[DetectedFacet], str]:
    """Facets a plain-language query implies, and the query with their phrases removed.

    The engine still searches the full text; the remainder is for display."""
    found = detect(query)
    return found.facets, remaining_text(query, found.spans)


def remaining_text(query: str, spans: list[tuple[int, int]]) -> str:
    keep = list(query)
    for start, end in spans:
        for i in range(start, end):
            keep[i] = " "
    return re.sub(r"\s+", " ", "".join(keep)).strip()
