"""Documents rendered for reading: Markdown with raw HTML disabled, heading and
list-item ids that match the anchors lessons cite, and registers as tables with `row-N` rows."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markupsafe import Markup

from ingest.anchors import Anchors, heading_anchors, inline_text, list_items, row_anchor
from ingest.markdown_tokens import as_markdown

ROW_NUMBER_KEYS = ("_row", "__row__", "row_number")
"""Keys a parser may use to keep a register row's own number; otherwise rows count from 1."""


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt

    # Uploaded documents are untrusted: raw HTML is shown as text, never rendered.
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.add_render_rule("table_open", lambda *a: '<div class="table-wrap"><table>\n')
    md.add_render_rule("table_close", lambda *a: "</table></div>\n")
    return md


@dataclass
class Heading:
    level: int
    text: str
    anchor: str


def render_document_html(text: str) -> tuple[Markup, list[Heading]]:
    """HTML of a Markdown document and its headings (for a table of contents)."""
    md = _parser()
    text = as_markdown(text or "")
    tokens = md.parse(text)
    headings = _assign_heading_ids(text or "", tokens)
    for index, anchor in list_items(tokens, [h.anchor for h in headings]):
        tokens[index].attrSet("id", anchor)  # a lesson read from a bullet links to that bullet
    for token in tokens:
        if token.children:
            token.children = _images_as_links(token.children)
        for child in token.children or []:
            if child.type == "link_open" and str(child.attrGet("href") or "").startswith(("http:", "https:")):
                child.attrSet("rel", "nofollow noopener noreferrer")
    return Markup(md.renderer.render(tokens, md.options, {})), headings


def _images_as_links(children: list) -> list:
    """Each image becomes a link to it: opening a document must not fetch anything from another
    server (a remote image tells its owner who read the document, and when). The CSP's img-src
    is the second line of defence."""
    from markdown_it.token import Token

    out = []
    for child in children:
        if child.type != "image" or str(child.attrGet("src") or "").startswith("data:"):
            out.append(child)
            continue
        alt = child.content or "image"
        out += [Token("link_open", "a", 1, attrs={"href": str(child.attrGet("src") or ""),
                                                   "rel": "nofollow noopener noreferrer", "class": "image-link"}),
                Token("text", "", 0, content=f"Image: {alt}"), Token("link_close", "a", -1)]
    return out


def _assign_heading_ids(text: str, tokens) -> list[Heading]:
    """Give each heading the id ingestion gave it (matched by text, in order)."""
    cited = list(heading_anchors(text))
    fallback = Anchors()
    out = []
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        title = inline_text(tokens[i + 1]).strip()
        match = next((k for k, (_, t, _a) in enumerate(cited) if t == title), None)
        anchor = cited.pop(match)[2] if match is not None else fallback.add(title)
        token.attrSet("id", anchor)
        out.append(Heading(int(token.tag[1]), title, anchor))
    return out


@dataclass
class RegisterTable:
    columns: list[str]
    rows: list[tuple[int, str, list[str]]]
    """(row number, anchor, cells)."""


def register_table(rows: list[dict[str, Any]] | None) -> RegisterTable | None:
    """A register's rows as a table; each row keeps the number lessons cite ('row 12' -> id row-12)."""
    if not rows:
        return None
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns and k not in ROW_NUMBER_KEYS]
    out = []
    for index, row in enumerate(rows, start=1):
        number = next((int(row[k]) for k in ROW_NUMBER_KEYS if str(row.get(k, "")).isdigit()), index)
        out.append((number, row_anchor(number), [_cell(row.get(c)) for c in columns]))
    return RegisterTable(columns, out)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)
