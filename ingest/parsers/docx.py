"""Word (.docx) closure reports and retrospectives: heading styles, list paragraphs,
bold lead-ins, key/value tables."""

from __future__ import annotations

import io
import re
import zipfile

from kb.drafts import ParsedDocument
from kb.errors import InvalidDocument
from kb.i18n import _
from ingest.context import ParseContext
from ingest.parsers.package import check_package
from ingest.outline import Block
from ingest.render import render_markdown
from ingest.reports import ProseSource, build_report

SUFFIXES = (".docx",)
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$")
_TYPED_BULLET = re.compile(r"^(?:[•◦▪▫‣∙●○■□◆◇➢➤►✓✔*–—-]|\d{1,2}[.)])\s+")


def parse(name: str, data: bytes, context: ParseContext) -> ParsedDocument:
    document = _open(data)
    blocks = blocks_from_docx(document)
    source = ProseSource(name, blocks, render_markdown(blocks), MEDIA_TYPE)
    return build_report(source, context)


def _open(data: bytes):
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    check_package(data, _("a Word .docx file"), _("Word .docx file"),
                  _("If it is an old .doc file, open it in Word and save it as .docx."))
    try:
        return docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        detail = re.sub(r"file '<[^>]*>' ", "", str(exc))  # python-docx names the in-memory buffer
        raise InvalidDocument(_("This zip file is not a Word document (%(error)s). Save it from Word as .docx.")
                              % {"error": detail}) from exc
    except etree.XMLSyntaxError as exc:
        if "Text node too long" in str(exc) or "huge text node" in str(exc).lower():
            raise InvalidDocument(_("This Word file holds one piece of text over 10 MB with no paragraph break, which "
                                    "no real report has (it was probably padded or generated). Remove it in Word "
                                    "and save the file again.")) from exc
        raise InvalidDocument(_("This Word file is damaged: its XML is broken (%(error)s). Open it in Word (which "
                                "offers to repair it) and save it again.") % {"error": exc}) from exc


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"


def blocks_from_docx(document) -> list[Block]:
    """Headings, paragraphs, list items (deeper list levels folded into the item above) and tables, in
    the order Word shows them: also inside content controls (a template's fill-in fields), with tracked
    insertions read and deletions left out, and the text of text boxes after their paragraph."""
    from docx.text.paragraph import Paragraph

    blocks: list[Block] = []

    def add(block: Block | None) -> None:
        if block is None:
            return
        if block.kind == "item" and block.level > 0 and blocks and blocks[-1].kind == "item":
            above = blocks[-1]
            above.nested = above.nested or "\n" not in above.text  # its first line is its title
            above.text += "\n" + block.text  # a sub-bullet belongs to the item above it
        else:
            blocks.append(block)

    def walk(parent, element) -> None:
        for child in element.iterchildren():
            if child.tag == W + "p":
                paragraph = Paragraph(child, parent)
                add(_paragraph(paragraph))
                for box in _text_boxes(child):
                    walk(parent, box)
            elif child.tag == W + "tbl":
                blocks.append(Block("table", rows=_table_rows(child)))
            elif child.tag in (W + "sdt", W + "customXml", W + "ins", W + "smartTag"):
                content = _shown_content(child)
                if content is not None:
                    walk(parent, content)

    walk(document._body, document.element.body)
    return blocks


def _text_boxes(paragraph_element) -> list:
    """The text boxes anchored in a paragraph, each once: Word writes a box twice, as a drawing and as a
    VML fallback (`mc:Fallback`), which is skipped."""
    return [box for box in paragraph_element.iter(W + "txbxContent")
            if not any(a.tag in (MC + "Fallback", W + "txbxContent") for a in _up_to(box, paragraph_element))]


def paragraph_text(paragraph) -> str:
    """The paragraph's text as Word shows it with changes accepted: runs also inside tracked insertions,
    hyperlinks, fields and inline content controls; deleted text (w:delText), text boxes and the placeholder
    of an unfilled content control left out."""
    parts = []
    root = paragraph._p
    for node in root.iter(W + "t", W + "tab", W + "br", W + "cr"):
        if any(a.tag in (W + "txbxContent", W + "del", W + "moveFrom", MC + "Fallback") or _showing_placeholder(a)
               for a in _up_to(node, root)):
            continue
        if node.tag == W + "t":
            parts.append(node.text or "")
        elif node.tag == W + "tab":
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def _shown_content(element):
    """What Word shows of a content control (its w:sdtContent; None while it shows its placeholder), or of
    custom XML, a tracked insertion or a smart tag (the element itself)."""
    if element.tag != W + "sdt":
        return element
    return None if _showing_placeholder(element) else element.find(W + "sdtContent")


def _showing_placeholder(element) -> bool:
    """Whether `element` is a content control nobody filled in: it shows its placeholder ("Click or tap here
    to enter text."), which was read as a lesson and as the project manager's name."""
    flag = element.find(f"{W}sdtPr/{W}showingPlcHdr") if element.tag == W + "sdt" else None
    return flag is not None and flag.get(W + "val", "true").lower() not in ("0", "false", "off")


def _up_to(node, root):
    """The ancestors of `node` below `root`."""
    for ancestor in node.iterancestors():
        if ancestor is root:
            return
        yield ancestor


def _paragraph(paragraph) -> Block | None:
    text = paragraph_text(paragraph).strip()
    if not text:
        return None
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    level = _outline_level(paragraph._p.pPr) or _style_heading_level(paragraph.style)
    if level:
        return Block("heading", " ".join(text.split()), level=level)
    lead = _bold_lead(paragraph)
    depth = _list_depth(paragraph, style)
    typed = _TYPED_BULLET.match(text)
    heading_like = (lead is not None and lead == text) or text.endswith((":", "："))  # "1. Background" in bold
    if depth is None and typed and not heading_like:  # a bullet or number typed by hand ("• The vendor…")
        depth, text = 0, text[typed.end():].strip()
        lead = _TYPED_BULLET.sub("", lead).strip() or None if lead else None
    if depth is not None:
        return Block("item", text, level=depth, lead=None if lead == text else lead)
    whole_bold = lead is not None and lead == text
    label = text.endswith(":") and len(text.split()) <= 6
    return Block("para", text, lead=None if whole_bold else lead, pseudo=(whole_bold and len(text) < 80) or label)


def _heading_level(style: str) -> int:
    name = style.strip().lower()
    if name == "title":
        return 1
    match = _HEADING_STYLE.match(name)
    return min(int(match[1]), 6) if match else 0


def _style_heading_level(style) -> int:
    """The heading level of a paragraph style: a Heading N or Title style, or one based on such a style, or
    one with an outline level ("PMO Heading 2", based on Heading 2, is a corporate template's heading)."""
    for _depth in range(8):  # a chain of styles based on styles; a loop in a broken file ends here
        if style is None:
            return 0
        level = _heading_level(style.name or "") or _outline_level(style.element.pPr)
        if level:
            return level
        style = style.base_style
    return 0


def _outline_level(ppr) -> int:
    """1-6 from a w:outlineLvl (0-based; 9 is body text), else 0."""
    found = ppr.find(W + "outlineLvl") if ppr is not None else None
    value = found.get(W + "val") if found is not None else None
    return min(int(value) + 1, 6) if value is not None and value.isdigit() and int(value) < 9 else 0


def _list_depth(paragraph, style: str) -> int | None:
    """0 for a top-level list paragraph, 1+ for deeper levels, None when not in a list."""
    ppr = paragraph._p.pPr
    num = ppr.numPr if ppr is not None else None
    if num is not None and num.ilvl is not None:
        return int(num.ilvl.val)
    if "list" in style.lower():
        match = re.search(r"(\d)$", style)
        return int(match[1]) - 1 if match else 0
    return 0 if num is not None else None


def _bold_lead(paragraph) -> str | None:
    lead = []
    for run in paragraph.runs:
        if not run.text.strip() and lead:
            lead.append(run.text)
            continue
        if not run.bold:
            break
        lead.append(run.text)
    text = "".join(lead).strip()
    return text or None


def _table_rows(table) -> list[list[str]]:
    """Each row's cells, once each (a merged cell is not repeated), also rows and cells inside content
    controls (a template's repeating section)."""
    return [[_cell_text(cell) for cell in _children(row, W + "tc")] for row in _children(table, W + "tr")]


def _children(element, tag: str):
    """`element`'s children with `tag`, looking through content controls and custom XML around them."""
    for child in element.iterchildren():
        if child.tag == tag:
            yield child
        elif child.tag in (W + "sdt", W + "customXml"):
            content = _shown_content(child)
            if content is not None:
                yield from _children(content, tag)


def _cell_text(element) -> str:
    """A cell's text: its paragraphs, and those of tables and content controls inside it, one a line."""
    from docx.text.paragraph import Paragraph

    lines = []
    for child in element.iterchildren():
        if child.tag == W + "p":
            text = paragraph_text(Paragraph(child, None)).strip()
            if text:
                lines.append(text)
            lines.extend(t for box in _text_boxes(child) if (t := _cell_text(box)))
        elif child.tag in (W + "tbl", W + "tr", W + "tc", W + "sdt", W + "sdtContent", W + "customXml"):
            text = _cell_text(child) if not _showing_placeholder(child) else ""
            if text:
                lines.append(text)
    return "\n".join(lines)
