"""From bytes to stored lessons: choose a parser, parse, save atomically, report.

Bad input never raises here: it comes back as a rejected FileReport whose
reason says what is wrong and what to do, and nothing of it is stored.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import json
import logging
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Callable

from pydantic import ValidationError

from kb.drafts import ParsedDocument
from kb.errors import IndexUnavailable, InvalidDocument, KBError, StorageUnavailable
from kb.i18n import _
from kb.language import ENGLISH, language_of
from kb.models import project_code
from kb.texts import lesson_text, risk_text
from ingest import compliance
from ingest.context import ParseContext, name_key
from ingest.registry import parser_for
from ingest.status import require_project

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
        raise InvalidDocument(_("A value in the file is not acceptable: %(where)s: %(problem)s. Correct it and "
                                "upload the file again.") % {"where": where, "problem": problem.get("msg")}) from exc
    except (UnicodeDecodeError, csv.Error, json.JSONDecodeError, zipfile.BadZipFile) as exc:
        raise InvalidDocument(_("The file could not be read (%(error)s). Check that it is a valid %(suffix)s file "
                                "and save it again.") % {"error": exc, "suffix": parser.SUFFIXES[0]}) from exc
    parsed.document.sha256 = hashlib.sha256(data).hexdigest()
    parsed.document.size_bytes = len(data)
    _record_languages(parsed)
    parsed.document.template_gaps = compliance.recorded_gaps(name, parsed)
    return parsed


def _record_languages(parsed: ParsedDocument) -> None:
    """The language of each lesson and risk from its own text, and of the document from all of it
    (a register's content is only its title, so its rows decide)."""
    for lesson in parsed.lessons:
        lesson.language = language_of(lesson_text(lesson))
    for risk in parsed.risks:
        risk.language = language_of(risk_text(risk))
    items = [*parsed.lessons, *parsed.risks]
    found = [i.language for i in items if i.language]
    parsed.document.language = (max(set(found), key=found.count) if found else None) \
        or language_of(parsed.document.content) or ENGLISH


def _check_size(data: bytes, context: ParseContext) -> None:
    if not _without_bom(data).strip():
        raise InvalidDocument(_("The file is empty (it has no text at all). Check that you chose the right file."))
    if len(data) > context.max_bytes:
        raise InvalidDocument(_("The file is %(size)s MB; the limit is %(limit)s MB (KB_MAX_UPLOAD_MB). Split it or "
                                "ask an administrator to raise the limit.")
                              % {"size": _mb(len(data)), "limit": _mb(context.max_bytes)})


def _without_bom(data: bytes) -> bytes:
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if data.startswith(bom):
            return data[len(bom):].replace(b"\x00", b"") if len(bom) == 2 else data[len(bom):]
    return data


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.2f}".rstrip("0").rstrip(".")


def context_for(kb: KnowledgeBase, **overrides) -> ParseContext:
    """A ParseContext with the projects already stored in `kb` and its upload limit."""
    from sqlmodel import select

    from kb.models import Project

    with kb.session() as session:
        rows = session.exec(select(Project.code, Project.project_type, Project.name)).all()
    types = {code: ptype for code, ptype, _name in rows if ptype}
    names: dict[str, str] = {}
    for code, _type, name in rows:
        names.setdefault(name_key(name or ""), code)  # two projects of one name: the first keeps it
    names.pop("", None)
    options = dict(known_project_codes=frozenset(code for code, _type, _name in rows),
                   project_types=MappingProxyType(types), project_names=MappingProxyType(names),
                   max_bytes=kb.settings.max_upload_mb * 1024 * 1024)
    options.update(overrides)
    return ParseContext(**options)


def ingest_bytes(kb: KnowledgeBase, name: str, data: bytes, *, progress: Progress | None = None,
                 kind_hint: str | None = None, project: str | None = None, preview: bool = False,
                 claimed: dict[str, str] | None = None, label: str | None = None,
                 only_project: bool = False) -> FileReport:
    """Parse and store one file, all or nothing. Never raises for bad input.

    A file that cannot be read is rejected with what is wrong with it; a failure of the
    database, the disk or the vector index is reported as that, never blamed on the file.
    `project` is the project the file belongs to when the file itself names none (a
    file naming another project is rejected). With `preview`, nothing is stored: the
    report says what ingesting would do ("replaces version 2 of ..."). `claimed` maps
    the documents a batch has already written to the file that wrote them (by `label`,
    default `name`), so that a batch never replaces what it just stored. With `only_project` (a
    project manager's upload) everything is filed under `project` alone: a file with rows or
    descriptions of other projects is rejected, and one whose content is already stored elsewhere is
    reported without naming where."""
    name = safe_name(name)
    try:
        existing = kb.find_by_content(data) if data else None
        if existing is not None:
            if only_project and not _of_project(kb, existing, project):
                return FileReport(name, "unchanged", reason=_("the same content is already stored, for another "
                                                              "project"))
            return _unchanged(kb, name, existing, project)
        # A project manager's file is filed under their project alone: a stored project's name in it is not
        # resolved, or the refusal would name the code of a project they may not see
        context = context_for(kb, kind_hint=kind_hint, **({"project_names": MappingProxyType({})} if only_project else {}))
    except Exception as exc:
        return _not_stored(name, exc)
    try:
        parsed = parse_bytes(name, data, context)
        _assign_project(parsed, project)
        if only_project:
            _check_only_project(parsed, project)
        require_project(parsed)
        plan = kb.plan_document(parsed, data)
        if claimed is not None and plan.key in claimed:
            raise InvalidDocument(_("%(other)s, earlier in this batch, is the same document (same project and file "
                                    "name), so this file would replace it. Rename one of them, or upload this one on "
                                    "its own to make it the next version.") % {"other": claimed[plan.key]})
    except KBError as exc:
        return FileReport(name, "rejected", reason=_reason(name, exc))
    except Exception as exc:  # a parser library choking on malformed input must not stop a batch
        log.exception("unexpected error reading %s", name)
        return FileReport(name, "rejected", reason=_("The file could not be read (%(error)s). Check that it opens "
                                                     "in its usual application.") % {
            "error": f"{type(exc).__name__}: {exc}"})
    if preview:
        return FileReport(name, plan.outcome, lessons=len(parsed.lessons), risks=len(parsed.risks),
                          reason=plan.message, warnings=list(parsed.warnings) + plan.warnings,
                          document_id=plan.document_id, preview=True)
    try:
        result = kb.save_document(parsed, data, progress=progress)
    except KBError as exc:
        return _not_stored(name, exc) if isinstance(exc, (IndexUnavailable, StorageUnavailable)) else \
            FileReport(name, "rejected", reason=_reason(name, exc))
    except Exception as exc:
        return _not_stored(name, exc)
    if claimed is not None:
        claimed[plan.key] = label or name
    return FileReport(name, result.outcome, lessons=result.lessons, risks=result.risks, reason=result.message,
                      warnings=list(result.warnings), document_id=result.document_id)


def _assign_project(parsed: ParsedDocument, project: str | None) -> None:
    """File a document under the project its uploader named, unless it names another itself."""
    if not project or not project.strip():
        return
    try:
        project = project_code(project)
    except ValueError as exc:
        raise InvalidDocument(str(exc)) from exc
    named = parsed.project_code
    if named and named.strip().upper() != project.strip().upper():
        raise InvalidDocument(_("The file says it belongs to project %(named)s, not %(chosen)s. Upload it for its "
                                "own project, or correct the project code in the file.")
                              % {"named": named, "chosen": project.strip()})
    parsed.project_code = named or project.strip()


def _check_only_project(parsed: ParsedDocument, project: str | None) -> None:
    """Refuse a file that would file anything under a project other than `project`: rows of a register
    spanning projects, or projects it describes. Existing and new codes are refused alike, so the
    refusal says nothing about which projects exist."""
    own = (project or "").strip().upper()
    codes = {draft.project_code for draft in (*parsed.lessons, *parsed.risks) if draft.project_code}
    codes |= {described.code for described in parsed.projects if described.code}
    others = sorted({code.strip() for code in codes if code.strip().upper() != own})
    if others:
        raise InvalidDocument(_("This file has rows or details of other projects (%(codes)s), and a project manager's "
                                "upload is filed under their own project, %(own)s, alone. Remove what belongs to "
                                "other projects, or ask a PMO admin to upload the file.")
                              % {"codes": ", ".join(others[:10]), "own": (project or "").strip()})


def _of_project(kb: KnowledgeBase, document: Document, project: str | None) -> bool:
    """Whether a stored document belongs to the project with code `project`."""
    from kb.models import Project

    if document.project_id is None or not project:
        return False
    with kb.session() as session:
        stored = session.get(Project, document.project_id)
    return stored is not None and stored.code.upper() == project.strip().upper()


MAX_NAME_CHARS = 200


def safe_name(name: str) -> str:
    """The name a file is stored and shown under: its base name (no folders, so '../../etc/x.md'
    is 'x.md'), without control or bidi characters, at most MAX_NAME_CHARS with its suffix kept. Composed
    (NFC): macOS hands "Café_review.md" over decomposed, which was another document than the same name typed."""
    base = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    if base in (".", ".."):
        base = ""
    if len(base) > MAX_NAME_CHARS:
        stem, dot, suffix = base.rpartition(".")
        suffix = dot + suffix if stem and len(suffix) <= 10 else ""
        base = base[:MAX_NAME_CHARS - len(suffix)].rstrip() + suffix
    return base


def _not_stored(name: str, exc: Exception) -> FileReport:
    """A failure of the storage, not of the file: say which part failed and what to do."""
    log.error("could not store %s: %s", name, exc, exc_info=exc)
    return FileReport(name, "rejected", reason=_("Not stored, and not the file's fault: %(problem)s")
                      % {"problem": infrastructure_problem(exc)})


def infrastructure_problem(exc: BaseException) -> str:
    """What failed in the database, the disk or the vector index, and what to do about it."""
    from sqlalchemy.exc import DBAPIError

    text = str(getattr(exc, "orig", None) or exc)
    lowered = text.lower()
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in lowered:
        return _("the disk holding the data directory is full. Free some space, then ingest the file again; "
                 "nothing of it was stored.")
    if isinstance(exc, IndexUnavailable):
        return _("the vector index could not be written (%(error)s). Check that the vector store is reachable "
                 "(KB_CHROMA_URL, or the chroma folder in the data directory is writable), then ingest the file "
                 "again; nothing of it was stored. `kb doctor` tells whether the index matches the database.") % {
            "error": _short(text)}
    if isinstance(exc, DBAPIError) and ("locked" in lowered or "busy" in lowered):
        return _("the database is locked by another program (another `kb ingest`, a backup or a database tool) "
                 "and stayed locked too long. Try again when it has finished; nothing of the file was stored.")
    if isinstance(exc, DBAPIError):
        return _("the database could not be written (%(error)s). Check that it is reachable (KB_DATABASE_URL) "
                 "and writable, then ingest the file again; nothing of it was stored.") % {"error": _short(text)}
    if isinstance(exc, OSError):
        return _("the data directory could not be written (%(error)s). Check its permissions and free space, "
                 "then ingest the file again; nothing of it was stored.") % {"error": exc.strerror or exc}
    return _("storing it failed (%(error)s). Ingest the file again; if this repeats, run `kb doctor` and report "
             "the message.") % {"error": f"{type(exc).__name__}: {_short(text)}"}


def _short(text: str) -> str:
    return " ".join(text.split())[:200]


def _unchanged(kb: KnowledgeBase, name: str, existing: Document, project: str | None = None) -> FileReport:
    from sqlmodel import func, select

    from kb.models import Lesson, Project, Risk

    with kb.session() as session:
        lessons = session.exec(select(func.count()).where(Lesson.document_id == existing.id)).one()
        risks = session.exec(select(func.count()).where(Risk.document_id == existing.id)).one()
        stored_for = session.get(Project, existing.project_id).code if existing.project_id else None
    note = _("already stored") if existing.source_name == name else \
        _("same content as %(name)s") % {"name": existing.source_name}
    if project and (stored_for or "").upper() != project.strip().upper():
        # "--project TST-RIGHT" after a first upload under TST-WRONG changed nothing, without saying where it is
        note += " " + (_("(stored for project %(code)s: to file it under %(project)s, delete it from its document "
                         "page and upload it again)") % {"code": stored_for, "project": project.strip()} if stored_for
                       else _("(stored for no project: to file it under %(project)s, delete it from its document "
                              "page and upload it again)") % {"project": project.strip()})
    return FileReport(name, "unchanged", lessons=lessons, risks=risks, reason=note, document_id=existing.id)


def _reason(name: str, exc: Exception) -> str:
    """The message without the file name it may start with (the report names the file already)."""
    text = str(exc)
    for prefix in (f"{name}: ", f"{name}："):  # the Chinese messages use a full-width colon
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def ingest_file(kb: KnowledgeBase, path: Path, *, progress: Progress | None = None, kind_hint: str | None = None,
                **options) -> FileReport:
    """Ingest one file from disk under its file name; `options` as for `ingest_bytes`."""
    path = Path(path)
    limit = kb.settings.max_upload_mb * 1024 * 1024
    try:
        if path.exists() and not path.is_file():  # a pipe or a device: reading it could wait for ever
            return FileReport(path.name, "rejected", reason=_("This is not a regular file (a pipe, a socket or a "
                                                              "device). Save its content to a file and ingest that."))
        if path.stat().st_size > limit:
            return FileReport(path.name, "rejected", reason=_("The file is %(size)s MB; the limit is %(limit)s MB "
                                                              "(KB_MAX_UPLOAD_MB). Split it or raise the limit.")
                              % {"size": _mb(path.stat().st_size), "limit": _mb(limit)})
        data = path.read_bytes()
    except OSError as exc:
        return FileReport(path.name, "rejected", reason=_("Could not read the file: %(error)s.")
                          % {"error": exc.strerror or exc})
    return ingest_bytes(kb, path.name, data, progress=progress, kind_hint=kind_hint, label=str(path), **options)
