"""The one Markdown dialect we read: CommonMark plus GitHub-style tables."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def markdown_parser():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")
