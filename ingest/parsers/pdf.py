"""PDF closure reports and retrospectives, from the text layer (pypdf).

A PDF has no heading styles, so structure is inferred from lines: the first
line is the title; numbered, ALL-CAPS or known section lines ('What went
well') are headings; bullet and numbered lines are items; `Key: value` lines
near the top are metadata. Scanned PDFs have no text layer and are rejected.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

from kb.drafts import ParsedDocument
from kb.errors import InvalidDocument
from kb.i18n import N_, _
from ingest.context import ParseContext
from ingest.outline import Block, classify
from ingest.project_meta import key_value_line
from ingest.render import render_markdown
from ingest.reports import ProseSource, build_report

SUFFIXES = (".pdf",)
MEDIA_TYPE = "application/pdf"
MIN_TEXT_CHARS = 20
"""Fewer characters than this over the whole file means there is no usable text layer."""
PARSE_SECONDS = 60
"""Longest a PDF may take to read; a 300-page report takes a few seconds."""
PARSE_MEMORY_MB = 1024
"""Address space the PDF reader may use (the reader alone needs about 100 MB)."""
_WORKER = Path(__file__).with_name("pdf_worker.py")

_BULLET = re.compile(r"^(?:[•●▪◦‣∙·■□➢►\-–—*\uf0a7\uf0b7\uf076\uf0d8\uf0fc\uf0a8\uf06e\uf0e0]|\(?\d{1,2}[.)]|[a-z][.)])"
                     r"\s*(?<=\s|[\uf000-\uf0ff])(.+)$")
"""A list item's marker: a bullet (also as Word's Symbol and Wingdings fonts put it in a PDF's text, U+F0B7 and
its neighbours, often with no space after it), a number or a letter."""
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+(\S.*)$")
_NUMBERED_ITEM = re.compile(r"^\(?(\d{1,2})[.)]\s+(\S.*)$")
_PAGE_NUMBER = re.compile(r"^(page\s+)?\d+(\s*(of|/)\s*\d+)?$", re.IGNORECASE)


def parse(name: str, data: bytes, context: ParseContext) -> ParsedDocument:
    lines, warnings = extract_lines(data)
    blocks = blocks_from_lines(lines)
    source = ProseSource(name, blocks, render_markdown(blocks), MEDIA_TYPE, warnings=warnings)
    return build_report(source, context)


def extract_lines(data: bytes) -> tuple[list[str], list[str]]:
    """The text lines of every page, and warnings for pages that could not be read."""
    if b"%PDF-" not in data[:1024]:
        raise InvalidDocument(_("This is not a PDF file (no %%PDF header). Check that it was exported as PDF, not "
                                "renamed from another format.") % {})
    result = _read_in_child(data)
    lines: list[str] = []
    for page in without_running_lines([page.splitlines() for page in result["pages"]]):
        lines.extend(page)
        lines.append("")
    warnings = [_("Page %(page)s could not be read (%(error)s); it was skipped.") % {"page": number, "error": error}
                for number, error in result["page_errors"].items()]
    if sum(len(line.strip()) for line in lines) < MIN_TEXT_CHARS:
        if result["page_errors"]:  # the text may be there, on pages that could not be read: say that instead
            raise InvalidDocument(_("No text could be read from this PDF: %(problems)s Export the PDF again from "
                                    "the original document.") % {"problems": " ".join(warnings)})
        raise InvalidDocument(_("This PDF has no text layer (it is probably a scan). Export the PDF with text from "
                                "the original document, or OCR it first."))
    return lines, warnings


RUNNING_ZONE = 3
"""Lines at the top and at the bottom of a page where running headers and footers sit."""


def without_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """The pages less their running headers and footers: the same line near the top or the bottom of at least
    two pages and 60% of them ("CONFIDENTIAL", the company name; a short line with a number, such as "Page 3
    of 9", may differ in its digits). Left in, an all-capitals header read as a heading and ended the section
    of lessons it interrupted: "NORTHWIND GROUP - INTERNAL" on both pages of a 2-page report, or on pages 2
    and 3 of a 3-page one with a different first page, lost every lesson after the page break. A section
    heading or a list item is never taken for one: a report may start each page with "What went wrong"."""
    from ingest.outline import classify

    def key(line: str) -> str:
        text = " ".join(line.split())
        if any(ch.isdigit() for ch in text) and len(text.split()) <= 5:
            text = re.sub(r"\d+", "#", text)
        return text.lower()

    def zone(page: list[str]) -> list[int]:
        filled = [i for i, line in enumerate(page) if line.strip()]
        depth = min(RUNNING_ZONE, len(filled) // 3)  # a short page's zone is its first and last line at most
        return sorted(set(filled[:depth] + filled[len(filled) - depth:])) if depth else []

    def may_run(line: str) -> bool:
        text = line.strip()
        return bool(text) and not _BULLET.match(text) and classify(text.rstrip(":")) is None

    if len(pages) < 2:  # one page: nothing repeats, and its first line is the title
        return pages
    counts: dict[str, int] = {}
    for page in pages:
        for k in {key(page[i]) for i in zone(page) if may_run(page[i])}:
            counts[k] = counts.get(k, 0) + 1
    needed = max(2, math.ceil(0.6 * len(pages)))
    running = {k for k, n in counts.items() if n >= needed}
    if not running:
        return pages
    out = []
    for page in pages:
        drop = {i for i in zone(page) if may_run(page[i]) and key(page[i]) in running}
        out.append([line for i, line in enumerate(page) if i not in drop])
    return out


def _read_in_child(data: bytes) -> dict:
    """Run pypdf in a child process with PARSE_SECONDS and PARSE_MEMORY_MB: a PDF can be built
    so its pages take hours or gigabytes to read, and a thread cannot be stopped."""
    command = [sys.executable, "-I", str(_WORKER), str(PARSE_MEMORY_MB)]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=PARSE_SECONDS, check=False)
    except subprocess.TimeoutExpired as exc:
        raise InvalidDocument(_("Reading this PDF took longer than %(seconds)s seconds, so it was stopped. Export it "
                                "again from the original document (\"Save as PDF\"), or split it.")
                              % {"seconds": PARSE_SECONDS}) from exc
    try:
        result = json.loads(done.stdout)
    except ValueError:
        result = {"problem": "memory" if b"MemoryError" in done.stderr else "crashed",
                  "detail": "".join(done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:])[:300]}
    if "problem" in result:
        raise InvalidDocument(_(_PROBLEMS[result["problem"]]) % {"detail": result.get("detail") or "",
                                                                 "limit": f"{PARSE_MEMORY_MB:,}"})
    return result


_PROBLEMS = {
    "encrypted": N_("This PDF is password-protected or encrypted. Save an unprotected copy and upload that."),
    "damaged": N_("This PDF is damaged and cannot be read (%(detail)s). Export it again from the original document."),
    "memory": N_("Reading this PDF needed more than %(limit)s MB of memory, so it was stopped. Export it "
                 "again from the original document, or split it."),
    "crashed": N_("The PDF reader failed on this file (%(detail)s). Export it again from the original document."),
}
"""What the reading child reports → the message (in English; shown as `_(...)`)."""


def blocks_from_lines(lines: list[str]) -> list[Block]:
    """Headings, items and paragraphs from the lines of a PDF's text layer."""
    width = _typical_width(lines)
    words = _words(lines)
    blocks: list[Block] = []
    open_block: Block | None = None  # the block a following line may continue
    previous = ""
    # Under a lesson section, "1. The vendor slipped" is its first lesson, not a heading, and "2. …" the next;
    # a number out of that count ("5. Financials" after two lessons) is the next section.
    next_item = 0
    for raw in lines:
        line = " ".join(raw.split())
        if not line or _PAGE_NUMBER.match(line):
            open_block = None if not line else open_block
            continue
        block = _classify_line(line, first=not blocks, next_item=next_item)
        if block is not None and block.kind == "heading":
            next_item = 1 if classify(block.text) is not None else 0
        elif next_item and _NUMBERED_ITEM.match(line):
            next_item += 1
        if block is None and open_block is not None and _continues(previous, width):
            open_block.text = _join(open_block.text, line, words)
        else:
            block = block or Block("para", line)
            blocks.append(block)
            open_block = block if block.kind in ("para", "item") and not key_value_line(line) else None
        previous = line
    return blocks


def _classify_line(line: str, *, first: bool, next_item: int = 0) -> Block | None:
    if first and len(line) <= 120:
        return Block("heading", line, level=1)
    level = _heading_level(line)
    numbered = _NUMBERED_ITEM.match(line)
    if level and next_item and numbered and int(numbered[1]) == next_item and classify(numbered[2]) is None:
        level = 0  # a numbered lesson ("2. Key users left in UAT"), not "2. Lessons learned" nor "3.1 Scope"
    if level:
        return Block("heading", line, level=level)
    bullet = _BULLET.match(line)
    if bullet:
        return Block("item", bullet[1])
    if key_value_line(line):
        return Block("para", line)
    return None


def _heading_level(line: str) -> int:
    words = line.split()
    if len(words) > 10 or line[-1] in ".,;:" or not any(ch.isalpha() for ch in line):
        return 0
    numbered = _NUMBERED_HEADING.match(line)
    if numbered and numbered[2][:1].isupper():
        return min(2 + numbered[1].count("."), 6)
    letters = [ch for ch in line if ch.isalpha()]
    if classify(line) or (len(letters) > 3 and all(ch.isupper() for ch in letters)):
        return 2
    return 0


def _continues(previous: str, width: int) -> bool:
    """A line continues the block above unless the previous line ended a sentence well short of
    the page width (the end of a paragraph or item)."""
    ended = previous.rstrip().endswith((".", "!", "?", ":"))
    return not (ended and len(previous) < 0.7 * width)


def _join(text: str, line: str, words: set[str]) -> str:
    """`line` after `text`, a word broken over them joined: "implemen-" / "tation" is "implementation", but
    "third-" / "party" stays "third-party" (see _keeps_hyphen)."""
    if text.endswith("-") and line[:1].islower():
        return text + line if _keeps_hyphen(text[:-1], line, words) else text[:-1] + line
    return f"{text} {line}"


COMPOUND_FIRST = frozenset((
    "third", "go", "co", "non", "self", "well", "cross", "long", "short", "high", "low", "real", "sign", "roll", "cut",
    "one", "two", "multi", "post", "sub", "e", "follow"))
"""First parts of hyphenated words a closure report uses (third-party, go-live, sign-off, roll-out, co-located). Not
the syllables a typesetter breaks long words at ("re-quirements", "de-livered", "pre-sentation", "sub-stantial")."""
_WORD_ENDINGS = frozenset(("ing", "ed", "tion", "tions", "ment", "ments", "ly", "er", "ers", "ity", "ance", "ence",
                           "ous", "ive", "al", "ling", "ness", "able", "ible", "ure", "ures"))
"""What follows a typesetter's break inside one word ("follow-ing", "hand-ling", "roll-ed"): joined, never a compound."""
_WORD = re.compile(r"\w+(?:-\w+)*")


def _keeps_hyphen(before: str, line: str, words: set[str]) -> bool:
    """Whether a hyphen at a line end is the word's own. Word, LibreOffice and Google Docs hyphenate only when
    asked, but every one of them breaks a line after a real hyphen, so "third-" / "party" and "end-to-" / "end"
    are common and were read as "thirdparty" and "end-toend". The document's own spelling decides first
    ("back-office" or "report" elsewhere); else the hyphen is kept after a usual first part of a compound and
    dropped after anything else, as a hyphenated long word's is ("implemen-" / "tation")."""
    head, tail = re.search(r"\w+(?:-\w+)*$", before), re.match(r"\w+", line)
    if not head or not tail:  # a dash after a space ("budget -" / "over by 10%")
        return False
    head, tail = head[0].lower(), tail[0].lower()
    if f"{head}-{tail}" in words or head + tail in words:
        return f"{head}-{tail}" in words
    if tail in _WORD_ENDINGS:
        return False
    last = head.rsplit("-", 1)[-1]  # "end-to-" / "end", "day-to-" / "day", "out-of-" / "hours"
    return last in COMPOUND_FIRST or ("-" in head and last in ("to", "of", "and", "the"))


def _words(lines: list[str]) -> set[str]:
    """Every word of the document, lower-case, hyphenated ones whole ("third-party")."""
    return {word.lower() for line in lines for word in _WORD.findall(line)}


def _typical_width(lines: list[str]) -> int:
    lengths = sorted(len(line.strip()) for line in lines if line.strip())
    return lengths[int(len(lengths) * 0.9)] if lengths else 80
