"""The one Markdown dialect we read: CommonMark plus GitHub-style tables."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def markdown_parser():
    from markdown_it import MarkdownIt

    # HTML in a report is text, kept and shown escaped: with html on, a line starting with a tag
    # would be an HTML block and its lesson silently dropped.
    return MarkdownIt("commonmark", {"html": False}).enable("table")
