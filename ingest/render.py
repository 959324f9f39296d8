"""Markdown for the document page, rebuilt from the blocks of a DOCX or PDF."""

from __future__ import annotations

import re

from ingest.outline import Block

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def escape(text: str) -> str:
    """Text Markdown shows literally, so a heading keeps the exact text its anchor was made from."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = re.sub(r"^(\d+)([.)])", r"\1\\\2", text)
    return re.sub(r"^([+\-=>])", r"\\\1", text)


def outline_to_markdown(blocks: list[Block]) -> str:
    """The Markdown of a DOCX or PDF outline: headings, paragraphs, bullet lists (consecutive items form one list) and pipe tables."""
    chunks: list[str] = []
    previous_item = False
    for block in blocks:
        is_item = block.kind == "item"
        if chunks:
            chunks.append("\n" if is_item and previous_item else "\n\n")
        chunks.append(_render(block))
        previous_item = is_item
    return "".join(chunks).strip() + "\n"


def _render(block: Block) -> str:
    if block.kind == "heading":
        return f"{'#' * block.level} {escape(block.text)}"
    if block.kind == "table":
        return _table(block.rows)
    first, *rest = block.text.split("\n")
    lead = None if block.pseudo else block.lead
    if block.kind == "item":
        return "\n".join([f"- {_with_lead(first, lead)}"] + [f"  - {escape(line)}" for line in rest])
    return "  \n".join([_with_lead(first, lead)] + [escape(line) for line in rest])


def _with_lead(text: str, lead: str | None) -> str:
    if lead and text.startswith(lead):
        return f"**{escape(lead)}**{escape(text[len(lead):])}"
    return escape(text)


def _table(rows: list[list[str]]) -> str:
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    cells = [[escape(c).replace("\n", "<br>") for c in r] + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * width]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in cells[1:]])


# The parsers (ingest/parsers/docx.py, pdf.py) still import the old name; they move to
# outline_to_markdown with their own next change, then this alias goes.
render_markdown = outline_to_markdown
