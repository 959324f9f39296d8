"""Reading uploaded files and ingesting them as one batch, for the ingest page and the API."""

from __future__ import annotations

from typing import Callable, Iterator

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


def ingest_uploads(services: Services, batch: list[tuple[str, bytes | None]], *,
                   progress_for: Callable[[str], Callable[[int, int], None] | None] = lambda name: None,
                   ) -> Iterator[FileReportOut]:
    """Ingest the uploads under the app's ingest lock, by the batch rules; one report per file, in order."""
    from ingest.batch import ingest_batch

    for report in ingest_batch(services.kb, batch, progress_for=progress_for, guard=services.ingest_lock):
        yield FileReportOut.of(report)
