"""Heading anchors shared by ingestion and the document page.

A lesson's `source_anchor` is the id the document page gives the heading the
lesson is cited to, so both sides must compute ids the same way: the plain
text of each heading, in document order, through `Anchors.add`. The web can
call `heading_anchors(document.content)` to get exactly the ids ingestion used.
A lesson read from a bullet cites the bullet itself: `item_anchor(heading, n)`
for the n-th top-level list item under that heading. Register rows use `row_anchor(n)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

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


def item_anchor(heading_anchor: str, number: int) -> str:
    """The id of the `number`-th top-level list item (from 1) since the heading whose id is `heading_anchor`:
    'what-went-wrong-item-2'. Nested items fold into their parent, as they do into its lesson."""
    return f"{heading_anchor}-item-{number}"


def list_items(tokens: Sequence, heading_ids: Sequence[str]) -> Iterator[tuple[int, str]]:
    """(index of the `list_item_open` token, its anchor) for every top-level list item of a markdown-it
    token stream that holds text; `heading_ids` are the anchors of its headings in order. Items before the
    first heading have no anchor. Ingestion counts the items of its outline the same way."""
    headings = iter(heading_ids)
    heading, count, depth = None, 0, 0
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            heading, count = next(headings, None), 0
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif tok.type == "list_item_open" and depth == 1 and heading and _holds_text(tokens, i):
            count += 1
            yield i, item_anchor(heading, count)


def _holds_text(tokens: Sequence, start: int) -> bool:
    """Whether the list item opened at `start` has any inline content (an empty '-' is no lesson)."""
    level = tokens[start].level
    for tok in tokens[start + 1:]:
        if tok.type == "list_item_close" and tok.level == level:
            return False
        if tok.type == "inline":
            return True
    return False


def item_anchors(markdown_text: str) -> list[str]:
    """The anchors of every top-level list item of a Markdown text, as the document page gives them."""
    from ingest.markdown_tokens import as_markdown, markdown_parser

    tokens = markdown_parser().parse(as_markdown(markdown_text))
    return [a for _, a in list_items(tokens, [a for _, _, a in heading_anchors(markdown_text)])]


def inline_text(inline, images: bool = True) -> str:
    """Plain text of a markdown-it inline token: markup dropped, code and link text kept, and an image's alt text
    unless `images` is False (a lesson's words: "nightly load failed twice ![chart](chart.png)" is not titled
    "... failed twice chart")."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image" and images:
            parts.append(child.content)
    return "".join(parts)


def heading_anchors(markdown_text: str) -> list[tuple[int, str, str]]:
    """(level, heading text, anchor id) for every heading of a Markdown text, as ingestion assigned them."""
    from ingest.markdown_tokens import as_markdown, markdown_parser

    anchors = Anchors()
    tokens = markdown_parser().parse(as_markdown(markdown_text))
    out = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            text = inline_text(tokens[i + 1]).strip()
            out.append((int(tok.tag[1]), text, anchors.add(text)))
    return out
