"""Heading anchors shared by ingestion and the document page.

A lesson's `source_anchor` is the id the document page gives the heading the
lesson is cited to, so both sides must compute ids the same way: the plain
text of each heading, in document order, through `Anchors.add`. The web can
call `heading_anchors(document.content)` to get exactly the ids ingestion used.
Register rows use `row_anchor(n)`.
"""

from __future__ import annotations

import re

_NON_ALNUM = re.compile(r"[\W_]+")


def slugify(text: str) -> str:
    """Lowercase; every run of characters other than letters and digits becomes '-'; trimmed.
    Returns 'section' when nothing is left."""
    slug = _NON_ALNUM.sub("-", text.lower()).strip("-")
    return slug or "section"


class Anchors:
    """Hands out unique slugs in document order: 'risks', 'risks-2', 'risks-3' (as GitHub does)."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def add(self, text: str) -> str:
        base = slugify(text)
        slug, n = base, 1
        while slug in self._used:
            n += 1
            slug = f"{base}-{n}"
        self._used.add(slug)
        return slug


def row_anchor(number: int) -> str:
    """The id of a register row on the document page; `number` is the row as cited ('row 12' → 'row-12')."""
    return f"row-{number}"


def inline_text(inline) -> str:
    """Plain text of a markdown-it inline token: markup dropped, code and link text kept."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


def heading_anchors(markdown_text: str) -> list[tuple[int, str, str]]:
    """(level, heading text, anchor id) for every heading of a Markdown text, as ingestion assigned them."""
    from ingest.markdown_tokens import markdown_parser

    anchors = Anchors()
    tokens = markdown_parser().parse(markdown_text)
    out = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            text = inline_text(tokens[i + 1]).strip()
            out.append((int(tok.tag[1]), text, anchors.add(text)))
    return out
