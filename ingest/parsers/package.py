"""Checks shared by the zip-based Office formats (DOCX, XLSX), made before an Office
library opens the file: these libraries unpack whole parts into memory and parse their XML."""

from __future__ import annotations

import io
import zipfile
import zlib

from kb.errors import InvalidDocument
from kb.i18n import _

MAX_UNPACKED_RATIO = 100
"""How much larger than the file its unpacked contents may be; Office files rarely pass 20."""
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
MAX_XML_BYTES = 100 * 1024 * 1024
"""Unpacked XML parts: a 1,000-page report has about 30 MB; the XML libraries need several times this in memory."""
MAX_MEMBERS = 10_000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""The container of .doc/.xls files and of password-protected .docx/.xlsx files."""
_ENTITY_DECLARATIONS = (b"<!ENTITY", "<!ENTITY".encode("utf-16-le"), "<!ENTITY".encode("utf-16-be"))
_CHUNK = 1024 * 1024


def check_package(data: bytes, what: str, kind: str, advice: str) -> None:
    """Refuse what is not a zip package, zip bombs and XML entity tricks. `what` names a file of the
    format ("a Word .docx file"), `kind` the format ("Word .docx file") and `advice` says what to do,
    each already in the reader's language."""
    if data.startswith(OLE_MAGIC):
        raise InvalidDocument(_("This is not %(what)s: it is an old binary Office file (.doc/.xls) or a "
                                "password-protected one. %(advice)s") % {"what": what, "advice": advice})
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvalidDocument(_("This is not %(what)s (it is not a zip package, or it was cut short while "
                                "being copied). %(advice)s") % {"what": what, "advice": advice})
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
            _check_sizes(members, len(data), kind, advice)
            _check_entities(package, members, kind, advice)
            _check_macros(package, members, kind)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, zlib.error) as exc:
        raise InvalidDocument(_("This file is damaged (%(error)s). %(advice)s") % {"error": exc, "advice": advice}) \
            from exc


def _check_macros(package: zipfile.ZipFile, members: list[zipfile.ZipInfo], kind: str) -> None:
    """A .docm or .xlsm renamed: its macros (vbaProject.bin, a macroEnabled content type) are refused
    whatever the file is called."""
    names = {info.filename for info in members}
    types = package.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    if b"macroEnabled" in types or any(name.lower().endswith("vbaproject.bin") for name in names):
        raise InvalidDocument(_("This is a macro-enabled file (.docm or .xlsm) renamed; files with macros are not "
                                "accepted. Save a copy as a plain %(kind)s, without macros, and upload that.")
                              % {"kind": kind})


def _check_sizes(members: list[zipfile.ZipInfo], size: int, kind: str, advice: str) -> None:
    """Declared sizes are enough: Python's zipfile never unpacks more than a member declares."""
    if len(members) > MAX_MEMBERS:
        raise InvalidDocument(_("This file holds %(parts)s parts, far more than a real %(kind)s does, so it was "
                                "not opened. %(advice)s") % {"parts": f"{len(members):,}", "kind": kind,
                                                             "advice": advice})
    if any(info.flag_bits & 0x1 for info in members):
        raise InvalidDocument(_("Parts of this file are encrypted. Save an unprotected copy and upload that."))
    unpacked = sum(info.file_size for info in members)
    xml = sum(info.file_size for info in members if _is_xml(info.filename))
    if unpacked > min(MAX_UNPACKED_BYTES, MAX_UNPACKED_RATIO * max(size, 1024 * 1024)) or xml > MAX_XML_BYTES:
        raise InvalidDocument(_("This file unpacks to %(mb)s MB (%(xml)s MB of XML), far more than a real %(kind)s "
                                "does, so it was not opened. %(advice)s") % {
            "mb": f"{unpacked // (1024 * 1024):,}", "xml": f"{xml // (1024 * 1024):,}", "kind": kind, "advice": advice})


def _is_xml(member: str) -> bool:
    return member.lower().endswith((".xml", ".rels", ".vml"))


def _check_entities(package: zipfile.ZipFile, members: list[zipfile.ZipInfo], kind: str, advice: str) -> None:
    """Office never declares XML entities; a part that does is an entity-expansion
    ('billion laughs') or external-entity attack. Every part is scanned, since a
    package may give an XML part any name."""
    for info in members:
        with package.open(info) as part:
            tail = b""
            while chunk := part.read(_CHUNK):
                window = tail + chunk
                if any(marker in window for marker in _ENTITY_DECLARATIONS):
                    raise InvalidDocument(_("The part %(part)s of this file declares XML entities, which a real "
                                            "%(kind)s never does, so it was not opened. %(advice)s") % {
                        "part": info.filename[:80], "kind": kind, "advice": advice})
                tail = window[-32:]
