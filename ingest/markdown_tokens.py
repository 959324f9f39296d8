"""The one Markdown dialect we read: CommonMark plus GitHub-style tables."""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser


@lru_cache(maxsize=1)
def markdown_parser():
    from markdown_it import MarkdownIt

    # HTML in a report is text, kept and shown escaped: with html on, a line starting with a tag
    # would be an HTML block and its lesson silently dropped.
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def as_markdown(text: str) -> str:
    """The Markdown of a report as Confluence and Notion export it, which write some of it as HTML; read so by
    ingestion and by the document page alike (their anchors must agree). An HTML table is a pipe table, read one
    lesson a row (every cell ran together into one lesson, shown as raw tags); a toggle (`<details>` with its
    `<summary>`) is a bullet titled by its summary (it was dropped); a comment (`<!-- List 3-5 things... -->`,
    a template's instructions) is left out; a callout's `<aside>` tags are. Other HTML stays text."""
    if "<" not in text:
        return text
    text = _COMMENT.sub("", text)
    text = _TOGGLE.sub(_toggle_item, text)
    text = _ASIDE.sub("", text)
    return _HTML_TABLE.sub(_pipe_table, text)


_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TOGGLE = re.compile(r"<details\b[^>]*>\s*<summary\b[^>]*>(.*?)</summary\s*>(.*?)</details\s*>", re.IGNORECASE | re.DOTALL)
_ASIDE = re.compile(r"</?aside\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def _toggle_item(match: re.Match) -> str:
    summary = " ".join(_TAG.sub(" ", match[1]).split()).strip(" .")
    body = " ".join(_TAG.sub(" ", match[2]).split())
    if not summary:
        return body
    return f"\n\n- **{summary}.** {body}\n\n" if body else f"\n\n- {summary}\n\n"


_HTML_TABLE = re.compile(r"<table\b.*?</table\s*>", re.IGNORECASE | re.DOTALL)


def _pipe_table(match: re.Match) -> str:
    """An HTML table (Confluence and Notion exports write them into Markdown) as a pipe table, so that it is read
    as tables are, one lesson a row under a lesson section; it was one lesson of every cell run together."""
    rows = _HtmlRows.of(match[0])
    if not rows:
        return match[0]
    width = max(len(row) for row in rows)
    lines = ["| " + " | ".join(cell.replace("|", "\\|") for cell in row + [""] * (width - len(row))) + " |"
             for row in rows]
    lines.insert(1, "|" + " --- |" * width)
    return "\n\n" + "\n".join(lines) + "\n\n"


class _HtmlRows(HTMLParser):
    """The cells of a table's rows, as text: tags dropped, <br> and paragraphs as spaces."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    @classmethod
    def of(cls, html: str) -> list[list[str]]:
        reader = cls()
        reader.feed(html)
        reader.close()
        return [row for row in reader.rows if any(row)]

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            self.cell = []
        elif tag in ("br", "p", "li") and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.rows:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
