"""Reading uploaded files and ingesting them as one batch, for the ingest page and the API."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

from fastapi import UploadFile

from ingest.kinds import code_from_file_name
from kb import access
from kb.access import Audience, Role
from kb.errors import KBError, StorageUnavailable
from kb.i18n import N_, _
from web.deps import Services
from web.jobs import Entry, IngestJob, JobRunner
from web.schemas import FileReportOut

QUEUE_DIR = "queue"
"""Under the data directory: upload batches waiting to be ingested, and recent batch reports."""

OUTCOME_LABELS = {"ingested": N_("ingested"), "unchanged": N_("unchanged"), "replaced": N_("replaced"),
                  "rejected": N_("rejected")}
"""A file's ingest outcome (a FileReport value, English and stable in the API) → its label on the ingest pages."""
PREVIEW_LABELS = {"ingested": N_("would be ingested"), "unchanged": N_("would be unchanged"),
                  "replaced": N_("would be replaced"), "rejected": N_("rejected")}
"""The same, for a preview, which stores nothing (a rejected file is rejected either way)."""
OUTCOME_COUNTS = {"ingested": N_("%(n)s ingested"), "unchanged": N_("%(n)s unchanged"),
                  "replaced": N_("%(n)s replaced"), "rejected": N_("%(n)s rejected")}
"""How many files of a batch had each outcome, one whole phrase each (Chinese puts the number after the verb)."""
JOB_STATES = {"queued": N_("queued"), "running": N_("running"), "done": N_("done"), "failed": N_("failed")}
"""An upload batch's state (web.jobs.IngestJob.state) → its label."""
OUTCOME_WORDS = {"outcome_labels": OUTCOME_LABELS, "preview_labels": PREVIEW_LABELS,
                 "outcome_counts": OUTCOME_COUNTS, "job_states": JOB_STATES}
"""What the ingest pages' templates name these values with (passed to `render`, translated there by `_`)."""


class NoFiles(KBError):
    """An upload with no file in it (a 400, as every domain error not in web.errors.STATUS_OF)."""


def claim_project(services: Services, audience: Audience, project: str | None, *, preview: bool,
                  files: list[UploadFile | str] = ()) -> str | None:
    """The upload's project by the rule for uploads (`kb.access.upload_project`), in a short session of its
    own: the upload itself takes connections of its own. A project manager who chose none uploads for the
    project of theirs the files' names start with (FIN-ERP-2027_risk-register.csv), when they all name one."""
    with services.kb.session() as session:
        named = set()
        if audience.role is Role.PM and not (project or "").strip():
            mine = access.managed_codes(session, audience)
            named = {code_from_file_name(name, mine) for name, _ in _chosen(files)} if any(
                not isinstance(f, str) for f in files) else set()
        return access.upload_project(session, audience, (project or "").strip() or None, preview=preview,
                                     named_by_files=named)


def only_project(audience: Audience) -> bool:
    """Whether an upload may file documents, rows and project details under its own project alone: a
    project manager's (a PMO admin files a register spanning projects under each row's project)."""
    return not audience.is_admin


def read_uploads(files: list[UploadFile | str], max_bytes: int) -> Iterator[tuple[str, bytes | None]]:
    """(name, data) per chosen file, each read only when the batch reaches it, so that a batch's files
    are never all in memory at once (until then they wait in the request's spooled temporary files);
    data is None when the file is larger than allowed. NoFiles at once when no file was chosen.

    Browsers send one nameless empty part when nothing was chosen (it arrives as a
    string, not a file): that is "no files", not a malformed request."""
    return (_read(name, upload, max_bytes) for name, upload in _chosen(files))


def _read(name: str, upload: UploadFile, max_bytes: int) -> tuple[str, bytes | None]:
    data = upload.file.read(max_bytes + 1)
    return name, data if len(data) <= max_bytes else None


class QueueUnavailable(StorageUnavailable):
    """The upload queue on disk could not be written (disk full, permissions)."""


def queue_uploads(runner: JobRunner, files: list[UploadFile | str], max_bytes: int, *,
                  project: Callable[[], str | None], owner: str | None, only_project: bool = False) -> IngestJob:
    """Write each chosen file into a new batch on disk (streamed in chunks rather than held in
    memory) and queue it, for the ingest page and `POST /api/ingest` alike; `project()` names the
    project the batch is filed under, asked once the files are received. Nothing is queued when a
    file cannot be written or the project is refused."""
    batch = runner.new_batch()
    try:
        for name, upload in _chosen(files):
            batch.add(name, upload.file, max_bytes)
        batch.project, batch.owner, batch.only_project = project(), owner, only_project
        return runner.submit(batch)
    except OSError as exc:
        batch.discard()
        raise QueueUnavailable(_("The upload could not be saved to the data directory (%(error)s); nothing was "
                                 "stored. Free some disk space, then upload again.")
                               % {"error": exc.strerror or exc}) from exc
    except BaseException:
        batch.discard()
        raise


def _chosen(files: list[UploadFile | str]) -> list[tuple[str, UploadFile]]:
    """(base name, upload) per file actually chosen; NoFiles when there is none."""
    out = []
    for upload in files:
        if isinstance(upload, str):
            continue
        name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
        if name:
            out.append((name, upload))
    if not out:
        raise NoFiles(_("Choose at least one file to upload (.md, .docx, .pdf, .csv, .xlsx or .jsonl)."))
    return out


def ingest_uploads(services: Services, batch: Iterable[tuple[str, bytes | None]], *,
                   progress_for: Callable[[str], Callable[[int, int], None] | None] = lambda name: None,
                   **options) -> Iterator[FileReportOut]:
    """Ingest the uploads under the app's ingest lock, by the batch rules; one report per file, in order.
    `options` as for `ingest.ingest_batch` (project, preview, claimed, only_project)."""
    from ingest.batch import ingest_batch

    for report in ingest_batch(services.kb, batch, progress_for=progress_for, guard=services.ingest_lock,
                               **options):
        yield FileReportOut.of(report)


def upload_queue(services: Services) -> JobRunner:
    """The app's queue of upload batches, kept under the data directory; unfinished ones resume now."""
    runner = JobRunner(services.settings.data_dir / QUEUE_DIR, run=partial(ingest_stored, services),
                       report_of=lambda data: FileReportOut(**data), settle=partial(index_catch_up, services))
    runner.resume()
    return runner


def index_catch_up(services: Services) -> None:
    """After a queued file is stored: the search index shows it before its report says it is in
    (built in the queue's lower-priority thread, while searches answer from the previous index)."""
    engine = services.engine_if_open
    if engine is not None:  # otherwise the first search builds the index, with everything in it
        engine.catch_up()


def ingest_stored(services: Services, entries: list[Entry], *, start: int = 0,
                  progress_for: Callable[[str], Callable[[int, int], None] | None] = lambda name: None,
                  project: str | None = None, only_project: bool = False) -> Iterator[FileReportOut]:
    """Ingest a queued batch from its stored copies, from `entries[start]` on (the earlier ones are
    already reported). One report per file, in order. After a restart the batch rule (never replace
    a document the batch just stored) covers the files ingested since the restart."""
    claimed: dict[str, str] = {}
    for name, path in entries[start:]:
        try:
            data = _read_stored(path) if path is not None else None
        except OSError as exc:
            yield _not_stored(name, path, exc)
            continue
        yield from ingest_uploads(services, [(name, data)], progress_for=progress_for, claimed=claimed,
                                  project=project, only_project=only_project)


def _read_stored(path: Path) -> bytes:
    """A queued file's stored copy, read when the batch reaches it (one file in memory at a time)."""
    return path.read_bytes()


def _not_stored(name: str, path: Path, exc: OSError) -> FileReportOut:
    where = {"path": f"{QUEUE_DIR}/{path.parent.name}/{path.name}", "error": exc.strerror or exc}
    reason = _("Not stored: its uploaded copy (%(path)s in the data directory) is missing. Upload it again.") \
        if isinstance(exc, FileNotFoundError) else \
        _("Not stored: its uploaded copy (%(path)s in the data directory) could not be read: %(error)s. "
          "Upload it again.")
    return FileReportOut(name=name, outcome="rejected", reason=reason % where)
