"""From bytes to stored lessons: choose a parser, parse, save atomically, report.

Bad input never raises here: it comes back as a rejected FileReport whose
reason says what is wrong and what to do, and nothing of it is stored.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Callable

from pydantic import ValidationError

from kb.drafts import ParsedDocument
from kb.errors import InvalidDocument, KBError
from ingest.context import ParseContext
from ingest.registry import parser_for

if TYPE_CHECKING:
    from kb.models import Document
    from kb.store import KnowledgeBase

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

OUTCOMES = ("ingested", "unchanged", "replaced", "rejected")


@dataclass
class FileReport:
    """What happened to one file."""

    name: str
    outcome: str
    """ingested, unchanged, replaced or rejected."""
    lessons: int = 0
    risks: int = 0
    reason: str = ""
    """Why a file was rejected, or a note such as 'same content as X'."""
    warnings: list[str] = field(default_factory=list)
    document_id: int | None = None
    preview: bool = False
    """True when nothing was stored: the outcome is what ingesting the file would do."""


def parse_bytes(name: str, data: bytes, context: ParseContext) -> ParsedDocument:
    """Parse one file without storing it. Raises UnsupportedFormat or InvalidDocument (KBError)."""
    parser = parser_for(name)
    _check_size(data, context)
    try:
        parsed = parser.parse(name, data, context)
    except KBError:
        raise
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem.get("loc", ()))
        raise InvalidDocument(f"A value in the file is not acceptable: {where}: {problem.get('msg')}. "
                              "Correct it and upload the file again.") from exc
    except (UnicodeDecodeError, csv.Error, json.JSONDecodeError, zipfile.BadZipFile) as exc:
        raise InvalidDocument(f"The file could not be read ({exc}). Check that it is a valid {parser.SUFFIXES[0]} "
                              "file and save it again.") from exc
    parsed.document.sha256 = hashlib.sha256(data).hexdigest()
    parsed.document.size_bytes = len(data)
    return parsed


def _check_size(data: bytes, context: ParseContext) -> None:
    if not data.strip():
        raise InvalidDocument("The file is empty.")
    if len(data) > context.max_bytes:
        raise InvalidDocument(f"The file is {_mb(len(data))} MB; the limit is {_mb(context.max_bytes)} MB "
                              "(KB_MAX_UPLOAD_MB). Split it or ask an administrator to raise the limit.")


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".")


def context_for(kb: KnowledgeBase, **overrides) -> ParseContext:
    """A ParseContext with the projects already stored in `kb` and its upload limit."""
    from sqlmodel import select

    from kb.models import Project

    with kb.session() as session:
        rows = session.exec(select(Project.code, Project.project_type)).all()
    types = {code: ptype for code, ptype in rows if ptype}
    options = dict(known_project_codes=frozenset(code for code, _ in rows), project_types=MappingProxyType(types),
                   max_bytes=kb.settings.max_upload_mb * 1024 * 1024)
    options.update(overrides)
    return ParseContext(**options)


def ingest_bytes(kb: KnowledgeBase, name: str, data: bytes, *, progress: Progress | None = None,
                 kind_hint: str | None = None, project: str | None = None, preview: bool = False,
                 claimed: dict[str, str] | None = None, label: str | None = None) -> FileReport:
    """Parse and store one file, all or nothing. Never raises for bad input.

    `project` is the project the file belongs to when the file itself names none (a
    file naming another project is rejected). With `preview`, nothing is stored: the
    report says what ingesting would do ("replaces version 2 of ..."). `claimed` maps
    the documents a batch has already written to the file that wrote them (by `label`,
    default `name`), so that a batch never replaces what it just stored."""
    try:
        existing = kb.find_by_content(data)
        if existing is not None:
            return _unchanged(kb, name, existing)
        parsed = parse_bytes(name, data, context_for(kb, kind_hint=kind_hint))
        _assign_project(parsed, project)
        plan = kb.plan_document(parsed, data)
        if claimed is not None and plan.key in claimed:
            raise InvalidDocument(f"{claimed[plan.key]}, earlier in this batch, is the same document (same project "
                                  "and file name), so this file would replace it. Rename one of them, or upload "
                                  "this one on its own to make it the next version.")
        if preview:
            return FileReport(name, plan.outcome, lessons=len(parsed.lessons), risks=len(parsed.risks),
                              reason=plan.message, warnings=list(parsed.warnings), document_id=plan.document_id,
                              preview=True)
        result = kb.save_document(parsed, data, progress=progress)
    except KBError as exc:
        return FileReport(name, "rejected", reason=_reason(name, exc))
    except Exception as exc:  # a parser library choking on malformed input must not stop a batch
        log.exception("unexpected error ingesting %s", name)
        return FileReport(name, "rejected", reason=f"The file could not be read ({type(exc).__name__}: {exc}). "
                                                   "Check that it opens in its usual application.")
    if claimed is not None:
        claimed[plan.key] = label or name
    return FileReport(name, result.outcome, lessons=result.lessons, risks=result.risks, reason=result.message,
                      warnings=list(result.warnings), document_id=result.document_id)


def _assign_project(parsed: ParsedDocument, project: str | None) -> None:
    """File a document under the project its uploader named, unless it names another itself."""
    if not project or not project.strip():
        return
    named = parsed.project_code
    if named and named.strip().upper() != project.strip().upper():
        raise InvalidDocument(f"The file says it belongs to project {named}, not {project.strip()}. "
                              "Upload it for its own project, or correct the project code in the file.")
    parsed.project_code = named or project.strip()


def _unchanged(kb: KnowledgeBase, name: str, existing: Document) -> FileReport:
    from sqlmodel import func, select

    from kb.models import Lesson, Risk

    with kb.session() as session:
        lessons = session.exec(select(func.count()).where(Lesson.document_id == existing.id)).one()
        risks = session.exec(select(func.count()).where(Risk.document_id == existing.id)).one()
    note = "already stored" if existing.source_name == name else f"same content as {existing.source_name}"
    return FileReport(name, "unchanged", lessons=lessons, risks=risks, reason=note, document_id=existing.id)


def _reason(name: str, exc: Exception) -> str:
    text = str(exc)
    return text[len(name) + 2:] if text.startswith(f"{name}: ") else text


def ingest_file(kb: KnowledgeBase, path: Path, *, progress: Progress | None = None, kind_hint: str | None = None,
                **options) -> FileReport:
    """Ingest one file from disk under its file name; `options` as for `ingest_bytes`."""
    path = Path(path)
    limit = kb.settings.max_upload_mb * 1024 * 1024
    try:
        if path.stat().st_size > limit:
            return FileReport(path.name, "rejected", reason=f"The file is {_mb(path.stat().st_size)} MB; the limit "
                              f"is {_mb(limit)} MB (KB_MAX_UPLOAD_MB). Split it or raise the limit.")
        data = path.read_bytes()
    except OSError as exc:
        return FileReport(path.name, "rejected", reason=f"Could not read the file: {exc.strerror or exc}.")
    return ingest_bytes(kb, path.name, data, progress=progress, kind_hint=kind_hint, label=str(path), **options)
