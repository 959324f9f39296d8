"""Reading uploaded files and ingesting them one at a time, for the ingest page and the API."""

from __future__ import annotations

from typing import Callable

from fastapi import UploadFile

from kb.errors import KBError
from web.deps import Services
from web.schemas import FileReportOut


class NoFiles(KBError):
    status = 400


def read_uploads(files: list[UploadFile | str], max_bytes: int) -> list[tuple[str, bytes | None]]:
    """(name, data) per chosen file; data is None when the file is larger than allowed.

    Browsers send one nameless empty part when nothing was chosen (it arrives as a
    string, not a file): that is "no files", not a malformed request."""
    out = []
    for upload in files:
        if isinstance(upload, str):
            continue
        name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
        if not name:
            continue
        data = upload.file.read(max_bytes + 1)
        out.append((name, data if len(data) <= max_bytes else None))
    if not out:
        raise NoFiles("Choose at least one file to upload (.md, .docx, .pdf, .csv, .xlsx or .jsonl).")
    return out


def ingester(services: Services) -> Callable[[str, bytes | None, Callable[[int, int], None] | None], FileReportOut]:
    """A function that ingests one upload under the app's ingest lock and reports on it."""
    limit_mb = services.settings.max_upload_mb

    def ingest_one(name: str, data: bytes | None, progress=None) -> FileReportOut:
        if data is None:
            return FileReportOut(name=name, outcome="rejected",
                                 reason=f"larger than {limit_mb} MB (the KB_MAX_UPLOAD_MB limit)")
        from ingest import ingest_bytes

        with services.ingest_lock:
            return FileReportOut.of(ingest_bytes(services.kb, name, data, progress=progress))

    return ingest_one
