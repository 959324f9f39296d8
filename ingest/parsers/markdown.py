"""Markdown closure reports and retrospectives: YAML front matter, headings, lists, tables."""

from __future__ import annotations

import re

from kb.drafts import ParsedDocument
from kb.errors import InvalidDocument
from kb.i18n import N_, _
from ingest.anchors import inline_text
from ingest.context import ParseContext
from ingest.markdown_tokens import as_markdown, markdown_parser
from ingest.outline import Block
from ingest.parsers.text import decode
from ingest.reports import ProseSource, build_report

SUFFIXES = (".md", ".markdown")
MEDIA_TYPE = "text/markdown"


def parse(name: str, data: bytes, context: ParseContext) -> ParsedDocument:
    text, warnings = decode(data)
    front, body = split_front_matter(text)
    front = plain_values(front, warnings)
    blocks = blocks_from_markdown(body)
    source = ProseSource(name, blocks, body.strip() + "\n", MEDIA_TYPE, front, warnings)
    return build_report(source, context)


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    """(front matter mapping, the rest). A '---' block at the very top is YAML front matter."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return {}, text
    return _load_yaml("\n".join(lines[1:end])), "\n".join(lines[end + 1:])


MAX_FRONT_MATTER_CHARS = 20_000
"""Front matter is a handful of `key: value` lines; far more is not front matter."""


def plain_values(front: dict[str, object], warnings: list[str]) -> dict[str, object]:
    """Front matter as the text it stands for: a list of words is joined ("ERP, CRM"), and a mapping or
    binary data, which no field holds, is left out with a warning, instead of being stored as Python's
    spelling of it ("{'name': ...}", "b'...'")."""
    out = {}
    for key, value in front.items():
        if isinstance(value, (list, tuple)) and all(not isinstance(v, (dict, list, tuple, bytes)) for v in value):
            out[key] = ", ".join(str(v) for v in value if v is not None) or None
        elif isinstance(value, (dict, list, tuple, bytes, set)):
            warnings.append(_("Front matter '%(key)s' holds a %(type)s, not text, so it was left out. Write it as "
                              "'%(key)s: value' on one line.") % {"key": key[:40], "type": _(_YAML_TYPES.get(
                                  type(value), "list"))})
        else:
            out[key] = value
    return out


_YAML_TYPES = {dict: N_("mapping"), list: N_("list"), tuple: N_("list"), bytes: N_("binary value"), set: N_("set")}


def _load_yaml(text: str) -> dict[str, object]:
    import yaml

    if len(text) > MAX_FRONT_MATTER_CHARS:
        raise InvalidDocument(_("The front matter (the --- block at the top) is %(size)s characters; the limit is "
                                "%(limit)s. Keep only the key: value lines there.")
                              % {"size": f"{len(text):,}", "limit": f"{MAX_FRONT_MATTER_CHARS:,}"})
    try:
        loaded = yaml.load(text, Loader=_front_matter_loader())  # noqa: S506 - a SafeLoader without aliases
    except RecursionError as exc:
        raise InvalidDocument(_("The front matter is nested too deeply. Write it as plain 'key: value' lines.")) \
            from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or _("syntax error")
        if mark is not None:
            raise InvalidDocument(_("The front matter is not valid YAML at line %(line)s (%(problem)s). Fix it, or "
                                    "remove the --- block at the top.") % {"line": mark.line + 2, "problem": problem}) \
                from exc
        raise InvalidDocument(_("The front matter is not valid YAML (%(problem)s). Fix it, or remove the --- block "
                                "at the top.") % {"problem": problem}) from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise InvalidDocument(_("The front matter must be 'key: value' lines, but it is a %(type)s. Write it as "
                                "e.g. 'code: FIN-ERP-2021' on its own line.") % {"type": type(loaded).__name__})
    return {str(k): v for k, v in loaded.items()}


def _front_matter_loader():
    """yaml's SafeLoader refusing aliases: `*name` repeats a node without copying it, so a few
    hundred bytes of nested aliases expand to gigabytes once read (an alias bomb)."""
    import yaml

    class FrontMatterLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(None, None, _("aliases (*name) are not allowed; write each value "
                                                    "out in full"), mark)
            return super().compose_node(parent, index)

        def construct_yaml_timestamp(self, node):
            """A date that is no date (2020-02-30) stays text, which the field's reader leaves empty
            with a warning, rather than failing the whole file."""
            try:
                return super().construct_yaml_timestamp(node)
            except ValueError:
                return self.construct_scalar(node)

        def construct_yaml_int(self, node):
            """00123, 0x1F, 1:30 stay as written: YAML reads them as octal, hex and base 60, so the
            project code 00123 became project 83."""
            text = self.construct_scalar(node)
            return super().construct_yaml_int(node) if re.fullmatch(r"[-+]?(?:0|[1-9][0-9_]*)", text) else text

        def construct_yaml_float(self, node):
            """2024.10 stays as written (a code or a version, not 2024.1), as does 1:30.5 (base 60)."""
            text = self.construct_scalar(node)
            return text if re.search(r"\.\d*0$|:", text) else super().construct_yaml_float(node)

        def construct_yaml_bool(self, node):
            """ON, off, yes, no stay as written: 'code: ON' made project True. Only true and false are booleans."""
            text = self.construct_scalar(node)
            return super().construct_yaml_bool(node) if text.lower() in ("true", "false") else text

    FrontMatterLoader.add_constructor("tag:yaml.org,2002:bool", FrontMatterLoader.construct_yaml_bool)
    FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", FrontMatterLoader.construct_yaml_timestamp)
    FrontMatterLoader.add_constructor("tag:yaml.org,2002:int", FrontMatterLoader.construct_yaml_int)
    FrontMatterLoader.add_constructor("tag:yaml.org,2002:float", FrontMatterLoader.construct_yaml_float)
    return FrontMatterLoader


def blocks_from_markdown(text: str) -> list[Block]:
    """Headings, paragraphs, top-level list items (nested lines folded in) and tables, in order."""
    tokens = markdown_parser().parse(as_markdown(text))
    blocks: list[Block] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            blocks.append(Block("heading", inline_text(tokens[i + 1]).strip(), level=int(tok.tag[1])))
            i += 3
        elif tok.type in ("bullet_list_open", "ordered_list_open", "table_open"):
            end = _closing(tokens, i)
            part = tokens[i:end + 1]
            blocks.extend(_items(part) if tok.type != "table_open" else [Block("table", rows=_rows(part))])
            i = end + 1
        elif tok.type == "inline":
            blocks.append(_paragraph(tok))
            i += 1
        else:
            i += 1
    return blocks


def _closing(tokens, start: int) -> int:
    want, level = tokens[start].type.replace("_open", "_close"), tokens[start].level
    return next(j for j in range(start + 1, len(tokens)) if tokens[j].type == want and tokens[j].level == level)


def _items(tokens) -> list[Block]:
    base = tokens[0].level + 1
    items: list[list] = []
    for tok in tokens:
        if tok.type == "list_item_open" and tok.level == base:
            items.append([])
        elif tok.type == "inline" and items:
            items[-1].append(tok)
    return [_item(inlines) for inlines in items if inlines]


def _item(inlines) -> Block:
    lead, first = _lead(inlines[0])
    lines = [first] + [inline_text(t, images=False).strip() for t in inlines[1:]]
    return Block("item", "\n".join(line for line in lines if line), lead=lead,
                 nested=len(inlines) > 1 and "\n" not in first)


def _paragraph(inline) -> Block:
    lead, text = _lead(inline)
    whole_bold = lead is not None and lead.strip() == text.strip()
    label = text.endswith(":") and "\n" not in text and len(text.split()) <= 6
    return Block("para", text, lead=None if whole_bold else lead, pseudo=whole_bold or label)


def _lead(inline) -> tuple[str | None, str]:
    """(bold lead-in or None, plain text) of an inline token."""
    text = inline_text(inline, images=False).strip()
    children = [c for c in inline.children or [] if not (c.type == "text" and not c.content.strip())]
    if not children or children[0].type != "strong_open":
        return None, text
    lead = []
    for child in children[1:]:
        if child.type == "strong_close":
            break
        if child.type in ("text", "code_inline"):
            lead.append(child.content)
    return "".join(lead).strip() or None, text


def _rows(tokens) -> list[list[str]]:
    rows: list[list[str]] = []
    for tok in tokens:
        if tok.type == "tr_open":
            rows.append([])
        elif tok.type == "inline" and rows:
            rows[-1].append(inline_text(tok).strip())
    return rows
