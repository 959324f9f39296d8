"""Closure reports and retrospectives: from an outline of blocks to a ParsedDocument.

Shared by the Markdown, DOCX and PDF parsers, so the three formats find the
same lessons in the same sections and cite them the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.drafts import ParsedDocument
from kb.errors import InvalidDocument
from kb.i18n import _
from kb.models import DocumentCreate, LessonCreate
from ingest import kinds, project_meta
from ingest.anchors import Anchors, item_anchor
from ingest.compliance import report_gaps
from ingest.context import ParseContext
from ingest.outline import MIXED, WENT_WELL, WENT_WRONG, Block, SectionRole, classify
from ingest.status import build_status, looks_like_status
from ingest.tagging import category_from_label, polarity_from_words, tag
from ingest.parsers.limits import MAX_ROWS
from ingest.values import clean_text, first_sentence, looks_like_code, parse_date, shorten
from kb.language import HAN

HAN_CHAR = re.compile(f"[{HAN}]")

PSEUDO_LEVEL = 7
"""Bold 'Went well' paragraphs open sections below every real heading."""


@dataclass
class Piece:
    """The text of one future lesson and where it is cited."""

    lines: list[str]
    location: str
    anchor: str | None
    heading: str | None = None
    lead: str | None = None
    nested: bool = False
    """Its lines after the first are its own details (a list item's nested bullets), not the first line wrapped."""
    parts: list[tuple[Block, str | None]] = field(default_factory=list)
    """A sub-heading's blocks with their anchors, to tell a lesson's details from an area's list of lessons."""
    area: str | None = None
    """The knowledge-area sub-heading ("Schedule management") of a lesson listed under it."""


@dataclass
class Section:
    role: SectionRole
    location: str
    anchor: str | None
    blocks: list[Block] = field(default_factory=list)
    subs: list[tuple[int, Piece]] = field(default_factory=list)
    """Sub-heading lessons, with the index in `blocks` they come before (to keep document order)."""
    item_anchors: dict[int, str] = field(default_factory=dict)
    """Index in `blocks` -> the anchor of that list item on the document page."""


@dataclass
class _Open:
    level: int
    anchor: str | None
    section: Section | None = None
    sub: Piece | None = None


class SectionFinder:
    """Walks the blocks once, assigning heading anchors and gathering each lesson section's content."""

    def __init__(self) -> None:
        self.anchors = Anchors()
        self.stack: list[_Open] = []
        self.sections: list[Section] = []
        self.first_section_at: int | None = None
        self.items_since_heading = 0

    def run(self, blocks: list[Block]) -> list[Section]:
        for index, block in enumerate(blocks):
            if block.kind == "heading" or (block.pseudo and classify(block.text)):
                self._heading(block, index)
            elif block.kind == "table" and self._board(block):
                continue
            else:
                self._content(block)
        return self.sections

    def _heading(self, block: Block, index: int) -> None:
        level = PSEUDO_LEVEL if block.pseudo else block.level
        anchor = self._nearest_anchor() if block.pseudo else self.anchors.add(block.text)
        if not block.pseudo:
            self.items_since_heading = 0  # the page numbers list items per real heading
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
        role, text = classify(block.text), block.text.strip().rstrip(":")
        enclosing = next((o.section for o in reversed(self.stack) if o.section), None)
        if role:
            section = Section(role, text, anchor)
            self.sections.append(section)
            self.first_section_at = index if self.first_section_at is None else self.first_section_at
            self.stack.append(_Open(level, anchor, section=section))
        elif enclosing is not None:
            sub = Piece([], text, anchor, heading=_strip_number(text))
            enclosing.subs.append((len(enclosing.blocks), sub))
            self.stack.append(_Open(level, anchor, sub=sub))
        else:
            self.stack.append(_Open(level, anchor))

    def _nearest_anchor(self) -> str | None:
        return next((o.anchor for o in reversed(self.stack) if o.anchor), None)

    def _content(self, block: Block) -> None:
        if not self.stack:
            return
        top = self.stack[-1]
        anchor = self._item_anchor(top) if block.kind == "item" else None
        if top.sub is not None:
            top.sub.lines.extend(_lines_of(block))
            top.sub.parts.append((block, anchor))
        elif top.section is not None:
            top.section.blocks.append(block)
            if anchor:
                top.section.item_anchors[len(top.section.blocks) - 1] = anchor

    def _item_anchor(self, top: _Open) -> str | None:
        """The id the document page gives this list item (see ingest.anchors.list_items)."""
        if not top.anchor:
            return None
        self.items_since_heading += 1
        return item_anchor(top.anchor, self.items_since_heading)

    def _board(self, block: Block) -> bool:
        """A retrospective board drawn as a table: one column per section, one lesson per cell line. Not a
        table of lessons with their fields ("Lesson | Root cause | Action"), whose columns other than one are
        fields of a lesson (`_LABELS`) rather than sections: that is one lesson a row (`_table_pieces`)."""
        header = block.rows[0] if block.rows else []
        roles = [classify(cell) for cell in header]
        if sum(r is not None for r in roles) < 2:
            return False
        if lesson_table_title(header) is not None and any(normalise_header(c) in _LABELS for c in header):
            return False  # "Lesson | Root cause | Action": one lesson a row, not a board of three sections
        anchor = self._nearest_anchor()
        for col, role in enumerate(roles):
            if role is None:
                continue
            section = Section(role, header[col].strip(), anchor)
            for row in block.rows[1:]:
                for line in (row[col] if col < len(row) else "").splitlines():
                    if line.strip():
                        section.blocks.append(Block("item", line.strip()))
            self.sections.append(section)
        return True


def _strip_number(text: str) -> str:
    return re.sub(r"^\s*(lesson\s+)?\d+(\.\d+)*[.):]?\s+", "", text, flags=re.IGNORECASE).strip()


def _lines_of(block: Block) -> list[str]:
    if block.kind == "table":
        return [" | ".join(c for c in row if c) for row in block.rows]
    return [block.text] if block.text else []


# --- sections to pieces to lessons ----------------------------------------------

_LABELS = {
    "root cause": "cause", "root causes": "cause", "cause": "cause", "causes": "cause",
    "impact": "impact", "effect": "impact", "effects": "impact", "consequence": "impact", "consequences": "impact",
    "recommendation": "recommendation", "recommendations": "recommendation", "action": "recommendation",
    "actions": "recommendation", "recommended action": "recommendation", "next time": "recommendation",
    "根本原因": "cause", "原因": "cause", "原因分析": "cause", "影响": "impact", "后果": "impact",
    "why": "cause", "why it happened": "cause", "reason": "cause", "reasons": "cause",
    "建议": "recommendation", "改进建议": "recommendation", "措施": "recommendation", "改进措施": "recommendation",
    "后续行动": "recommendation", "下次": "recommendation",
}
# 'Cause: ...' or '原因：...' (full-width colon), at a line start or after a sentence end.
_LABEL_RE = re.compile(
    r"(?:^|(?<=\n)|(?<=[.!?;] )|(?<=[。！？；]))[ \t]*(?:[-•*][ \t]*)?(" + "|".join(sorted(_LABELS, key=len, reverse=True))
    + r")[ \t]*[:：][ \t]*", re.IGNORECASE)


def split_fields(text: str) -> tuple[str, dict[str, str]]:
    """(unlabelled text, {'cause': ..., 'impact': ..., 'recommendation': ...}) read from
    'Cause: ...' lines or sentences."""
    matches = list(_LABEL_RE.finditer(text))
    if not matches:
        return text.strip(), {}
    fields: dict[str, str] = {}
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        name = _LABELS[match[1].lower()]
        value = text[match.end():end].strip()
        fields[name] = f"{fields[name]}\n{value}" if name in fields else value
    return text[:matches[0].start()].strip(), {k: v for k, v in fields.items() if v}


def is_label_line(text: str) -> bool:
    return bool(_LABEL_RE.match(text))


def pieces_of(section: Section) -> list[Piece]:
    """The lessons of a section in document order: list items, sub-headings, and paragraphs
    that stand alone (when the section has neither items nor sub-headings) or have a bold lead."""
    has_items = any(b.kind == "item" for b in section.blocks) or section.subs
    pieces: list[Piece] = []
    for index, block in enumerate(section.blocks + [None]):
        pieces.extend(piece for at, sub in section.subs if at == index for piece in _sub_pieces(sub))
        if block is None:
            break
        if block.kind == "table":
            pieces.extend(_table_pieces(block, section))
            continue
        if block.kind not in ("item", "para") or not block.text.strip():
            continue
        if pieces and is_label_line(block.text) and pieces[-1].heading is None:
            pieces[-1].lines.append(block.text)  # a 'Cause: ...' line under a bullet belongs to it
        elif block.kind == "item" or block.lead or (not has_items and _stands_alone(block.text)):
            anchor = section.item_anchors.get(index, section.anchor)  # a bullet is cited to itself
            pieces.append(Piece([block.text], section.location, anchor, lead=block.lead, nested=block.nested))
    return pieces


def _sub_pieces(sub: Piece) -> list[Piece]:
    """A sub-heading under a lesson section is one lesson ("### Data migration was underestimated" with its
    paragraphs and detail bullets), unless it names an area and lists lessons: "### Schedule management" over
    three bullets that each stand alone is three lessons of that area, not one called "Schedule management"."""
    items = [(block, anchor) for block, anchor in sub.parts if block.kind == "item"]
    if len(items) < 2 or not _names_an_area(sub.heading or ""):
        return [sub]
    for block, _anchor in sub.parts:
        if block.kind == "table" or (block.kind == "para" and _stands_alone(block.text)):
            return [sub]  # a story told under the heading: the bullets are its details
    if any(is_label_line(block.text) or not _stands_alone(block.text) for block, _anchor in items):
        return [sub]  # "- Cause: ...", "- 6 weeks late": details of the heading's lesson
    return [Piece([block.text], sub.location, anchor or sub.anchor, lead=block.lead, area=sub.heading,
                  nested=block.nested) for block, anchor in items]


_CLAUSE = re.compile(r"\b(was|were|is|are|had|has|have|did|does|do|not|no|never|too|been|being)\b|\w{3,}ed\b"
                     r"|[。，,;；:：]|没有|未|不|了|过", re.IGNORECASE)


_AREA = re.compile(r"(?:project\s+)?(?:[\w&/-]+\s+){0,2}management|(?:scope|schedule|time|cost|budget|quality|resources?"
                   r"|human resources|staffing|people|communications?|risks?|procurement|contracts?|stakeholders?"
                   r"|integration|technical|technology|testing|training|governance|requirements|planning|data"
                   r"|data migration|vendors?|suppliers?|process(?:es)?|tools?|security|finance|benefits)"
                   r"(?:\s+(?:and|&)\s+[\w-]+)?|[\u4e00-\u9fff]{1,6}管理", re.IGNORECASE)


def _names_an_area(heading: str) -> bool:
    """"Schedule management", "Procurement", "沟通管理": the name of an area of project work, not a short title
    of a lesson ("Vendor delays", "Scope creep", "Data migration was underestimated"), whose bullets are details."""
    text = _strip_number(heading.strip()).rstrip(":：")
    return bool(text) and not _CLAUSE.search(text) and bool(_AREA.fullmatch(text))


_WELL_LABELS = {"success", "successes", "strength", "strengths", "highlight", "highlights", "positive", "positives",
                "went well", "good", "win", "wins", "成功", "亮点", "优点", "做得好"}
_WRONG_LABELS = {"challenge", "challenges", "weakness", "weaknesses", "lowlight", "lowlights", "negative", "negatives",
                 "issue", "issues", "problem", "problems", "went wrong", "bad", "问题", "不足", "挑战", "教训"}
_MIXED_LABEL = re.compile(r"^\s*(" + "|".join(sorted(_WELL_LABELS | _WRONG_LABELS, key=len, reverse=True))
                          + r")\s*(?:[:：]|\s[-–—]\s)\s*", re.IGNORECASE)


def _polarity_in_mixed(piece: Piece, text: str) -> tuple[str, str]:
    """The polarity of a lesson in a section of both kinds ("Successes and challenges"), and its text without
    the label that said so: a "Challenge:" or "**Success.**" lead, else the words it is told in ("delayed",
    "worked well"); an item that says neither is an improvement, as a lessons-learned item is."""
    lead = (piece.lead or "").strip()
    word = lead.rstrip(".:：").lower()
    if word in _WELL_LABELS or word in _WRONG_LABELS:
        piece.lead = None
        rest = text[len(lead):] if text.startswith(lead) else text
        return (WENT_WELL if word in _WELL_LABELS else WENT_WRONG), _capital(rest.lstrip(".:：—–- "))
    label = _MIXED_LABEL.match(text)
    if label:
        word = label[1].lower()
        return (WENT_WELL if word in _WELL_LABELS else WENT_WRONG), _capital(text[label.end():])
    return polarity_from_words(text), text


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


_TITLE_HEADERS = {"issue", "issues", "lesson", "lessons", "lesson learned", "lessons learned", "lesson title", "problem",
                  "problems", "challenge", "challenges", "observation", "finding", "title", "topic", "item", "risk",
                  "event",
                  "问题", "经验", "教训", "经验教训", "事项", "标题", "发现", "挑战"}
"""Headers of the column that holds the lessons themselves, in a table of lessons: a table is read as one lesson
a row only when one of its columns is named so, and that column is each lesson's title."""
_BODY_HEADERS = {"description", "details", "detail", "situation", "context", "comment", "comments", "notes",
                 "描述", "情况", "问题描述", "详细说明", "说明", "经过"}
"""Columns of a lessons table whose cells are a lesson's body; a column named in `_LABELS` gives that field, and
other columns (owner, date, status, category) are left out."""


def lesson_table_title(header: list[str]) -> int | None:
    """The column of a table of lessons that holds the lessons (`_TITLE_HEADERS`), or None for any other table
    (figures, key/value pairs, a board of sections)."""
    names = [normalise_header(cell) for cell in header]
    title = next((i for i, h in enumerate(names) if h in _TITLE_HEADERS), None)
    if title is not None:
        return title
    # "Description | Impact | Recommendation", "What happened | Impact | Recommendation": the story column holds
    # each lesson when another column names a field of one (a table of figures names none)
    if any(h in _LABELS for h in names):
        return next((i for i, h in enumerate(names) if h in _STORY_HEADERS), None)
    return None


_STORY_HEADERS = {"description", "what happened", "what went wrong", "what went well", "situation", "details",
                  "description of the issue", "issue description", "problem description", "observation description",
                  "问题描述", "描述", "情况", "经过"}


def _table_pieces(block: Block, section: Section) -> list[Piece]:
    """One lesson per row of a table of lessons under a lesson section ("Issue | Impact | Recommendation"):
    the column named like a lesson (`_TITLE_HEADERS`) is its title, a column named like 'Impact:' gives that
    field, and a description column its body. Any other table is left as it was, text of the document."""
    rows = [[(cell or "").strip() for cell in row] for row in block.rows]
    if len(rows) < 2:
        return []
    title_at = lesson_table_title(rows[0])
    if title_at is None:
        return []
    header = [normalise_header(cell) for cell in rows[0]]
    pieces = []
    for row in rows[1:]:
        title = row[title_at] if title_at < len(row) else ""
        if not title:
            continue
        lines = [title]
        for i, cell in enumerate(row):
            if i == title_at or not cell or i >= len(header):
                continue
            if header[i] in _LABELS:
                lines.append(f"{rows[0][i].strip().rstrip(':：')}: {cell}")
            elif header[i] in _BODY_HEADERS:
                lines.append(cell)
        pieces.append(Piece(lines, section.location, section.anchor))
    return pieces


def normalise_header(cell: str) -> str:
    return re.sub(r"\s+", " ", cell.strip().rstrip(":：").lower())


def _stands_alone(text: str) -> bool:
    """Not an intro line such as 'The following issues were raised:' or '主要问题如下：'."""
    # A Chinese sentence has no spaces: count its characters instead (about two per word).
    return not text.rstrip().endswith((":", "：")) and (len(text.split()) >= 4 or len(HAN_CHAR.findall(text)) >= 8)


@dataclass
class LessonDefaults:
    """Document-level facts every lesson of the document shares."""

    lesson_date: object = None
    organization: str | None = None
    project_type: str | None = None


_TICK_BOX = re.compile(r"^\s*(?:\[[ xX✓✔]?\]|[☐☑☒✓✔✗✘])\s+")
"""A task list's box ("- [ ] Book the room", "- [x] ...", Word's ☐): not part of the lesson's title."""


_NOT_A_LESSON = re.compile(
    r"^\s*(?:\[!(?:note|tip|info|important|warning|caution)\]|(?:💡|ℹ️?|📝|👉)\s*(?:tip|note|hint|info)\b)"
    r"|^\s*(?:note|tip|hint|info|instructions?)\s*(?:\n|$)"
    r"|^\s*(?:add|insert|enter|describe|list|type|write|replace)\b[^.\n]{0,40}?\b(?:here|below|above)\b[.!]?\s*$"
    r"|^\s*(?:tbd|tba|n/?a|none|nil|to be (?:confirmed|added|completed)|\.\.\.|…)[.!]?\s*$", re.IGNORECASE)
"""What a template or an export leaves where lessons go: a callout ("> **Note** This page was exported from
Confluence", "💡 Tip: keep each lesson to one sentence"), a placeholder ("*Add items here*", "TBD")."""
_STORY_LABEL = re.compile(r"^\s*(?:what happened|description|situation|observation|issue|problem|lesson(?: learned| learnt)?"
                          r"|background|finding|event|context|summary|发生了什么|问题描述|情况)\s*[:：]\s*", re.IGNORECASE)
"""A label that starts a lesson's story ("**What happened:** The data centre move clashed with go-live."): the
story is its title, not the label (two lessons were titled "What happened")."""


def lesson_from(piece: Piece, role: SectionRole, defaults: LessonDefaults) -> LessonCreate | None:
    text = _TICK_BOX.sub("", clean_text("\n".join(piece.lines)), count=1)
    if _NOT_A_LESSON.search(text):
        return None
    polarity = role.polarity
    if polarity == MIXED:  # before a story label goes: "Issue: ..." says went wrong
        polarity, text = _polarity_in_mixed(piece, text)
    if piece.lead and _STORY_LABEL.match(piece.lead.rstrip(":：") + ":"):
        piece.lead = None
    text = _STORY_LABEL.sub("", text, count=1)
    body, fields = split_fields(text)
    title, rest = _title_and_rest(piece, body)
    if not title:
        return None
    main = role.body_field
    if main != "what_happened" and main not in fields:
        fields[main] = rest or body or title
        rest = ""
    what = rest or None
    found = tag(title, cause=fields.get("cause", ""),
                body=" ".join(filter(None, [what, fields.get("impact"), fields.get("recommendation")])),
                project_type=defaults.project_type, category_label=category_of_area(piece.area))
    return LessonCreate(
        title=title, what_happened=what, cause=fields.get("cause"), impact=fields.get("impact"),
        recommendation=fields.get("recommendation"), polarity=polarity, category=found.category,
        phase=found.phase, tags=found.tags, source_location=piece.location, source_anchor=piece.anchor,
        lesson_date=defaults.lesson_date, organization=defaults.organization,
    )


def category_of_area(area: str | None) -> str | None:
    """The category a knowledge-area heading names ("Procurement management" → vendor and procurement), or
    None when it names none of ours: then the lesson's words decide, as everywhere else."""
    if not area or re.match(r"(project )?integration management$", area.strip(), re.IGNORECASE):
        return None  # PMBOK's integration management is the plan and its changes, not systems integration
    name = re.sub(r"\s*(management|管理)$", "", area.strip(), flags=re.IGNORECASE) or area
    return category_from_label(name) or category_from_label(name.rstrip("sS"))


def _title_and_rest(piece: Piece, body: str) -> tuple[str, str]:
    lead = clean_text(piece.heading or piece.lead or "")
    if lead and not is_label_line(lead + ":"):
        rest = body[len(lead):].strip() if body.startswith(lead) else body
        return _tidy_title(lead), rest.lstrip(".:—–- 。：").strip()
    first, newline, after = body.partition("\n")
    if newline and not first_sentence(first)[1] and piece.nested:
        # "Engage identity architects at design" over its own lines "Owner: PMO", "Due: Q1 2025", or a nested
        # bullet: the first line is the title, not all of them run together
        return _tidy_title(first), after.strip()
    sentence, rest = first_sentence(body)
    title = _tidy_title(sentence)
    if title.endswith("…"):
        rest = body  # the title was cut: keep the whole text in the body
    return title, rest


def _tidy_title(text: str) -> str:
    return shorten(text.strip().rstrip(".:;。：；").strip("*_ "), 140)


# --- the document ---------------------------------------------------------------

@dataclass
class ProseSource:
    """What a prose parser found: blocks, metadata pairs and the page text."""

    name: str
    blocks: list[Block]
    content: str
    media_type: str
    front_matter: dict[str, object] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def build_report(source: ProseSource, context: ParseContext) -> ParsedDocument:
    """A closure report or retrospective from a prose outline; raises InvalidDocument when it holds
    neither lessons nor project metadata."""
    finder = SectionFinder()
    sections = finder.run(source.blocks)
    meta = _metadata(source, finder.first_section_at)
    kind = _kind(source, meta, sections, context)
    if kind == kinds.CLOSURE:  # "Next steps" of a closure report: hand-over tasks, not lessons
        sections = [s for s in sections if not s.role.follow_up]
    if kind == kinds.STATUS:
        return build_status(source.name, source.blocks, source.content, source.media_type, context,
                            front_matter=source.front_matter, warnings=source.warnings)
    warnings = list(source.warnings)
    code, projects = _project(kind, meta, source.name, context, warnings)
    defaults = _defaults(meta, projects, code, context, warnings)
    lessons = [lesson for section in sections for piece in pieces_of(section)
               if (lesson := lesson_from(piece, section.role, defaults)) is not None]
    if len(lessons) > MAX_ROWS:
        raise InvalidDocument(_("This report holds %(count)s lessons; the limit is %(max)s per file, as for registers "
                                "(each is embedded, about 30 a second). Split it into several files.")
                              % {"count": f"{len(lessons):,}", "max": f"{MAX_ROWS:,}"})
    _check(kind, lessons, code, warnings)
    polarities = {p for s in sections for p in ((WENT_WELL, WENT_WRONG) if s.role.polarity == MIXED
                                               else (s.role.polarity,))}
    warnings.extend(report_gaps(kind, polarities, projects[0] if projects else None, meta, code))
    document = DocumentCreate(kind=kind, source_name=source.name, title=_title(meta, source, projects, kind),
                              sha256="", media_type=source.media_type, content=source.content,
                              report_date=parse_date(meta["date"], day_first=project_meta.days_first(meta))
                              if meta.get("date") else None)
    return ParsedDocument(document=document, project_code=code, projects=projects, lessons=lessons,
                          warnings=warnings)


def _metadata(source: ProseSource, first_section_at: int | None) -> dict[str, object]:
    pairs: list[tuple[object, object]] = list(source.front_matter.items())
    top = source.blocks[:first_section_at] if first_section_at is not None else source.blocks
    for block in top:
        if block.kind == "table":  # a two-column key/value table; wider tables are content
            pairs.extend((row[0], row[1]) for row in block.rows if len(row) == 2)
        elif block.kind in ("para", "item"):
            pairs.extend(kv for line in block.text.splitlines() if (kv := project_meta.key_value_line(line)))
    meta = project_meta.collect(pairs)
    first_heading = next((b.text for b in source.blocks if b.kind == "heading" and b.level == 1), None)
    if first_heading:
        meta.setdefault("heading", first_heading)
        named = _TITLED.match(first_heading)
        if named and "name" not in meta and meta.get("code") and not _NOT_A_NAME.search(named[1]):
            meta["name"] = named[1].strip()  # "Closure Report: Store Network Refresh" names project TST-P0
    return meta


_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_NOT_A_NAME = re.compile(r"\b(?:final|draft|template|confidential)\b|^(?:for|the)\b|^(?:v|version\s*)?\d+(?:\.\d+)*$"
                         r"|^(?:(?:q[1-4]|h[12]|" + _MONTH + r")\s*)?(?:19|20)\d\d$|^" + _MONTH + r"$", re.IGNORECASE)
"""What follows "Closure Report –" that is no project's name: "Final", "v1.2 DRAFT", "Q3 2024", "for the board"."""
_TITLED = re.compile(r"^\s*(?:project\s+)?(?:closure|close-out|closeout|completion|end)(?:\s+project)?\s+report\s*"
                     r"(?:[:–—-]|\bfor\b)\s*(\S.{1,80}?)\s*$", re.IGNORECASE)


def _kind(source: ProseSource, meta: dict, sections: list[Section], context: ParseContext) -> str:
    kind = context.kind_hint or kinds.kind_from_label(meta.get("kind"))
    if meta.get("kind") and kind is None:
        raise InvalidDocument(_("Front matter says kind: %(kind)s, which is not a kind we read. Use 'closure "
                                "report', 'retrospective' or 'status report'.") % {"kind": meta["kind"]})
    if kind in (kinds.RISKS, kinds.LESSONS):
        raise InvalidDocument(_("This document says it is a %(kind)s, but registers are read from CSV, XLSX or "
                                "JSONL files. Export the register as a spreadsheet, or set kind: closure report.")
                              % {"kind": _(kind)})
    if kind:
        return kind
    by_name = kinds.kind_from_name(source.name)
    status = looks_like_status(list(source.front_matter.items()) + _top_pairs(source.blocks))
    if by_name == kinds.STATUS and sections and not status and _SAYS_LESSONS.search(source.name):
        by_name = None  # "final status and lessons learned.md" with lesson sections and no period: a closure report
    if by_name in (kinds.CLOSURE, kinds.RETRO, kinds.STATUS):
        return by_name
    if status:
        return kinds.STATUS
    if "sprint" in meta or (any(s.role.retro for s in sections)
                            and not any(k in meta for k in project_meta.CLOSURE_SIGNS)):
        return kinds.RETRO
    return kinds.CLOSURE


_SAYS_LESSONS = re.compile(r"lesson|closure|close-out|closeout|retro|经验|总结", re.IGNORECASE)


def _top_pairs(blocks: list[Block]) -> list[tuple[str, str]]:
    """Key/value pairs of the first blocks, where a status report states its period and RAG."""
    pairs: list[tuple[str, str]] = []
    for block in blocks[:12]:
        if block.kind == "table":
            pairs.extend((row[0], row[1]) for row in block.rows if len(row) >= 2)
        elif block.kind in ("para", "item"):
            pairs.extend(tuple(re.split(r"[:：]", line, maxsplit=1)) for line in block.text.splitlines()
                         if re.search(r"[:：]", line))
    return pairs


def _project(kind: str, meta: dict, name: str, context: ParseContext, warnings: list[str]):
    from_file = kinds.code_from_file_name(name, context.known_project_codes)
    if kind == kinds.CLOSURE:
        info = project_meta.project_from(meta, fallback_code=from_file or context.code_named(clean_text(meta.get("name"))))
        warnings.extend(info.warnings)
        return info.code, [info.project] if info.project else []
    code = clean_text(meta.get("code")) or None
    if not code and meta.get("name") and looks_like_code(str(meta["name"])):
        code, meta = str(meta["name"]).strip(), {k: v for k, v in meta.items() if k != "name"}
    code = context.known_code(code) or code or context.code_named(clean_text(meta.get("name"))) or from_file
    if not code:
        warnings.append(_("No project code found, so this retrospective is not linked to a project. Add 'code:' to "
                          "its front matter or start the file name with the code."))
        return None, []
    if code not in context.known_project_codes and meta.get("name"):
        return code, [project_meta.ProjectCreate(code=code, name=clean_text(meta["name"]))]
    return code, []


def _defaults(meta: dict, projects: list, code: str | None, context: ParseContext,
              warnings: list[str]) -> LessonDefaults:
    raw = meta.get("date")
    when = parse_date(raw) if raw not in (None, "") else None
    if raw not in (None, "") and when is None:
        warnings.append(_("Date '%(value)s' is not a date; lessons have no date.") % {"value": raw})
    if when is None and projects:
        when = projects[0].actual_end or projects[0].planned_end
    ptype = projects[0].project_type if projects else None
    org = meta.get("organization") or meta.get("team")
    return LessonDefaults(when, clean_text(org) or None, ptype or context.project_types.get(code or ""))


def _check(kind: str, lessons: list, code: str | None, warnings: list[str]) -> None:
    if lessons:
        return
    if kind == kinds.CLOSURE and code:
        warnings.append(_("No lesson sections found (e.g. 'What went well', 'What went wrong', 'Lessons learned'); "
                          "only the project details were stored."))
        return
    if code:
        raise InvalidDocument(_("No lessons found: there are no sections such as 'What went well', 'What went "
                                "wrong', 'Lessons learned' or 'Recommendations' with bullet points. Add those "
                                "headings, or see docs/FORMATS.md."))
    raise InvalidDocument(_("No lessons found: there are no sections such as 'What went well', 'What went wrong', "
                            "'Lessons learned' or 'Recommendations' with bullet points, and no project metadata "
                            "(front matter with code: and project:). Add those headings, or see docs/FORMATS.md."))


def _title(meta: dict, source: ProseSource, projects: list, kind: str) -> str:
    if meta.get("title"):
        return clean_text(meta["title"])
    if meta.get("heading"):
        return clean_text(meta["heading"])
    if projects and projects[0].name != projects[0].code:
        return f"{projects[0].name} — {kind}"
    return source.name.rsplit(".", 1)[0].replace("_", " ")
