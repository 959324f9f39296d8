"""The shape every prose parser (Markdown, DOCX, PDF) reduces a document to,
and the section headings that hold lessons."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from kb.language import has_han

WENT_WELL, WENT_WRONG, IMPROVEMENT = "went well", "went wrong", "improvement"
MIXED = "mixed"
"""A section of both kinds ("Successes and challenges"): each lesson's polarity is read from the lesson."""


@dataclass
class Block:
    """One heading, paragraph, list item or table, in document order."""

    kind: str
    """heading, para, item or table."""
    text: str = ""
    """Plain text; list items carry their nested lines after newlines."""
    level: int = 0
    """Heading level (1-6)."""
    lead: str | None = None
    """A bold lead-in ('**Data migration.** It took...') that titles the lesson."""
    rows: list[list[str]] = field(default_factory=list)
    """Table cells, header row first."""
    pseudo: bool = False
    """A bold or 'Label:' paragraph that may act as a heading; it has no anchor on the page."""
    nested: bool = False
    """A list item whose lines after the first are its nested items, not its first line wrapped."""


@dataclass(frozen=True)
class SectionRole:
    """What a lesson section means: the polarity of its lessons and the field its text fills."""

    polarity: str
    body_field: str = "what_happened"
    retro: bool = False
    """Only retrospectives use this heading (start/stop/continue, 4Ls, mad/sad/glad)."""
    follow_up: bool = False
    """The work after the project ("Next steps", "下一步工作计划"): a retrospective's actions are its lessons,
    a closure report's are hand-over tasks (decommission the old system, archive the files), not lessons."""


# (pattern, role). Patterns match whole words of the normalised heading; '^...$' ones must be
# the whole heading because single words like 'start' or 'issues' mean little elsewhere.
_SECTIONS: tuple[tuple[str, SectionRole], ...] = (
    (r"root causes?|causes of (the )?(problems|issues|failure)", SectionRole(WENT_WRONG, "cause")),
    (r"what went wrong|went wrong|(did not|didn't|did n't|not) go (so |as )?well|could (be|have been) improved"
     r"|could have gone better|went badly|less well|what hurt|pain points?|challenges|key issues|issues"
     r"( encountered| faced)?|problems( encountered)?|failures|mistakes|what didn't work|what did not work"
     r"|(areas|opportunities) for improvement|weaknesses|negatives|lowlights|and what (didn't|did not)", SectionRole(WENT_WRONG)),
    (r"^(lacked|mad|sad|stop|stop doing|delta|less of|drop|anchors?|headwinds?)$", SectionRole(WENT_WRONG, retro=True)),
    (r"what went well|went well|what worked( well)?|worked well|(key )?successes|strengths|highlights|positives"
     r"|good practices?|what we did well", SectionRole(WENT_WELL)),
    (r"^(liked|glad|continue|continue doing|keep|keep doing|more of|kudos|wind|tailwinds?)$",
     SectionRole(WENT_WELL, retro=True)),
    (r"next steps|follow[- ]up actions|后续行动|下一步(行动|工作|计划)?|后续工作", SectionRole(IMPROVEMENT, "recommendation",
                                                                         follow_up=True)),
    (r"recommendations?|action items?|actions|do differently|improvements|suggestions|next time"
     r"|what (we|i) would change", SectionRole(IMPROVEMENT, "recommendation")),
    (r"^(start|start doing|try|longed for|actions?|add|improve|puzzles?)$",
     SectionRole(IMPROVEMENT, "recommendation", retro=True)),
    (r"^(learned|learnt)$", SectionRole(IMPROVEMENT, retro=True)),
    (r"lessons? (learned|learnt|identified)|lessons report|^lessons$|key (learnings?|lessons)|^learnings?$",
     SectionRole(IMPROVEMENT)),
    # The headings of Chinese closure reports (项目收尾报告) and retrospectives (项目复盘), same roles.
    (r"根本原因|原因分析|问题原因", SectionRole(WENT_WRONG, "cause")),
    (r"存在的?问题|不足之处|^不足$|做得不好|做得不够好|遇到的问题|主要问题|问题与挑战|^挑战$|失败之处|待改进",
     SectionRole(WENT_WRONG)),
    (r"^(不满意|难过|生气|停止|停止做|缺少的)$", SectionRole(WENT_WRONG, retro=True)),
    (r"做得好|成功经验|^亮点$|项目亮点|主要亮点|值得肯定|好的做法|^优点$", SectionRole(WENT_WELL)),
    (r"^(喜欢的?|高兴|继续|继续做|保持)$", SectionRole(WENT_WELL, retro=True)),
    (r"改进建议|改进措施|^建议$|建议与改进|行动项|下次怎么做",
     SectionRole(IMPROVEMENT, "recommendation")),
    (r"^(开始|开始做|尝试|期望的?)$", SectionRole(IMPROVEMENT, "recommendation", retro=True)),
    (r"^(学到的?|学到了什么)$", SectionRole(IMPROVEMENT, retro=True)),
    (r"经验教训|经验总结|主要经验|经验与教训|教训总结|^经验$|^教训$", SectionRole(IMPROVEMENT)),
)
_NOT_LESSONS = (r"(open|outstanding|unresolved|remaining|known|residual) (issues|items|actions|risks|defects|points)"
                r"|issues? (log|register)|hand ?over|hand over|handed over|transition to")
_NOT_LESSONS_ZH = r"遗留问题|未解决|移交|交接"
"""Headings of what the project leaves behind: open issues handed over, hand-over notes. "Open issues handed over
to support" names issues, but its rows are work for someone else, not what the project learned."""
# Whole words; Chinese headings have no spaces, so their patterns match anywhere in a heading
# ('项目存在的问题').
_COMPILED = tuple((re.compile(p if has_han(p) else rf"(?<![\w'])(?:{p})(?![\w'])"), role) for p, role in _SECTIONS)
_LEFT_BEHIND = re.compile(rf"(?<![\w'])(?:{_NOT_LESSONS})(?![\w'])|{_NOT_LESSONS_ZH}")


def normalise_heading(text: str) -> str:
    """'3.2 What didn’t go well? 😞' → "what didn't go well"."""
    text = text.replace("’", "'").replace("‘", "'").lower()
    text = re.sub(r"^\s*(section\s+)?(\d+(\.\d+)*\.?|[ivx]+\.|[a-z]\))\s+", "", text)
    text = re.sub(r"^\s*(第[一二三四五六七八九十\d]+[章节部分]+|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]"
                  r"|\d+(\.\d+)*[、.．])\s*", "", text)
    text = re.sub(r"[^\w' ]+", " ", text)
    return " ".join(text.split())


def classify(heading: str) -> SectionRole | None:
    """The role of a heading that opens a lesson section, or None for other sections."""
    text = normalise_heading(heading)
    if not text or len(text.split()) > 10:
        return None
    # "Open issues handed over", "Handover": what the project leaves behind; "What went wrong with the handover",
    # "Challenges during transition to BAU" still name lessons once those words are set aside
    text = " ".join(_LEFT_BEHIND.sub(" ", text).split())
    roles = [role for pattern, role in _COMPILED if pattern.search(text)]
    if not all(role.follow_up for role in roles):  # "Lessons learned and next steps" names lessons
        roles = [replace(role, follow_up=False) for role in roles]
    if not roles:
        return None
    kinds = {role.polarity for role in roles}
    if WENT_WELL in kinds and WENT_WRONG in kinds and roles[0].body_field != "cause":
        return SectionRole(MIXED)  # "Successes and challenges", "Highlights and lowlights"
    return roles[0]
