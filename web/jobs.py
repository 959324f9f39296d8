"""Ingest batches run in a background thread so the upload page can show progress,
and wait on disk so a restart does not lose them.

Each batch is a folder `<data_dir>/queue/<job id>/` holding the uploaded files under
generated names and `job.json`, its manifest: the original names in order, and each
file's report once it is done. One worker thread: batches queue behind each other,
because the store writes one document at a time anyway. On start, batches left
unfinished are resumed in the order they came, skipping the files already reported.

The worker runs at a lower OS priority than the requests (`kb.priority`): parsing and
embedding an upload take whole seconds of CPU, and searches should not queue behind them."""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator

from kb import i18n
from kb.i18n import _
from kb.priority import lower_this_thread

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Entry = tuple[str, "Path | None"]
"""(original file name, its stored copy), or None for the copy when the file was over the size limit."""
BatchRun = Callable[..., Iterable[Any]]
"""Called as `run(entries, start=..., progress_for=..., project=..., only_project=...)`; yields one report per
entry from `entries[start:]`, in order, as each finishes. `progress_for(name)` is called as
a file starts and returns its progress callback; `project` is the project code the uploader
chose for documents that name none (or None), and `only_project` says everything must be filed under it
(a project manager's batch)."""
ReportOf = Callable[[dict], Any]
"""Rebuilds a report from the dict a manifest holds (the inverse of `report.model_dump()`)."""
Settle = Callable[[], Any]
"""Called by the worker after each file, before its report is recorded: whatever must catch up with
the write (the search index) before anyone is told the file is in."""

MANIFEST = "job.json"
KEEP_JOBS = 50
"""Finished batches kept for their report pages, newest first..."""
KEEP_SECONDS = 7 * 24 * 3600
"""...and for no longer than this."""
CHUNK = 1024 * 1024
JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass
class IngestJob:
    id: str
    names: list[str]
    project: str | None = None
    """The project the uploader filed the batch under, for documents that name none."""
    owner: str | None = None
    """Who uploaded it (their user name), so they can follow it whatever it holds."""
    only_project: bool = False
    """Everything must be filed under `project` (a project manager's batch: `ingest.ingest_bytes`)."""
    language: str = field(default_factory=i18n.current)
    """The uploader's language: the worker writes the batch's reasons and warnings in it."""
    state: str = "queued"
    """queued, running, done or failed."""
    stored: list[str | None] = field(default_factory=list)
    """The file name each upload is stored under in the job's folder; None when it was too large to keep."""
    current: str | None = None
    items_done: int = 0
    items_total: int = 0
    reports: list[Any] = field(default_factory=list)
    error: str | None = None
    created: float = field(default_factory=time.time)
    finished_at: float | None = None
    finished_event: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def total(self) -> int:
        return len(self.names)

    @property
    def done(self) -> int:
        return len(self.reports)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        part = self.items_done / self.items_total if self.items_total else 0.0
        return int(100 * (self.done + part) / max(self.total, 1))

    def start_file(self, name: str) -> Progress:
        """Note that `name` is being ingested; the callback follows its embedding progress."""
        self.current, self.items_done, self.items_total = name, 0, 0
        return lambda done, total: _advance(self, done, total)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for report in self.reports:
            out[report.outcome] = out.get(report.outcome, 0) + 1
        return out


class JobRunner:
    """The queue of upload batches: kept in `queue_dir`, ingested one file at a time by `run`."""

    def __init__(self, queue_dir: Path, run: BatchRun, report_of: ReportOf, settle: Settle | None = None) -> None:
        self.queue_dir = Path(queue_dir)
        self._run = run
        self._report_of = report_of
        self._settle = settle
        self.worker_nice: int | None = None
        """The worker thread's nice value once it runs (None where a thread's priority cannot be set)."""
        self._jobs: OrderedDict[str, IngestJob] = OrderedDict()
        self._lock = threading.Lock()
        self._todo: queue.Queue[IngestJob | None] = queue.Queue()
        self._open = threading.Event()
        self._open.set()
        self._stopping = False
        self._worker: threading.Thread | None = None

    # -- the upload side --------------------------------------------------------------

    def new_batch(self) -> "Batch":
        """A batch being received; `submit` it once every file is written."""
        return Batch(self.queue_dir, uuid.uuid4().hex)

    def submit(self, batch: "Batch") -> IngestJob:
        """Queue a received batch: its folder and manifest are on disk before this returns."""
        job = IngestJob(id=batch.id, names=batch.names, stored=batch.stored, project=batch.project, owner=batch.owner,
                        only_project=batch.only_project, language=i18n.current())
        batch.folder.mkdir(parents=True, exist_ok=True)
        _write_json(batch.folder / MANIFEST, self._manifest(job))
        os.replace(batch.folder, self.queue_dir / job.id)
        self._queue(job)
        return job

    def recent(self, limit: int = 5) -> list[IngestJob]:
        with self._lock:
            return list(reversed(self._jobs.values()))[:limit]

    def get(self, job_id: str) -> IngestJob | None:
        """The batch `job_id`, from memory or, when another process ran it, from its manifest."""
        if not JOB_ID.fullmatch(job_id):
            return None
        with self._lock:
            job = self._jobs.get(job_id)
        return job or self._load(self.queue_dir / job_id)

    # -- start, pause and stop ----------------------------------------------------------

    def resume(self) -> list[IngestJob]:
        """Load the batches kept on disk and queue the unfinished ones, oldest first."""
        if not self.queue_dir.is_dir():
            return []
        for partial in self.queue_dir.glob("*.part"):  # an upload cut off before it was queued
            shutil.rmtree(partial, ignore_errors=True)
        jobs = sorted(filter(None, map(self._load, self.queue_dir.iterdir())), key=lambda j: j.created)
        resumed = []
        for job in jobs:
            if job.finished:
                with self._lock:
                    self._jobs[job.id] = job
            else:
                job.state = "queued"
                resumed.append(job)
                self._queue(job)
        self._clean_up()
        return resumed

    def pause(self) -> None:
        """Hold the worker before its next file (tests, and a stop in an orderly way)."""
        self._open.clear()

    def unpause(self) -> None:
        self._open.set()

    def wait(self, job: IngestJob, poll: float = 1.0) -> bool:
        """Wait until `job` has finished (True), or until the runner stops first (False): the
        batch then stays queued on disk and the next start ingests it."""
        while not job.finished_event.wait(poll):
            if self._stopping:
                return job.finished_event.is_set()
        return True

    def close(self, timeout: float = 30.0) -> None:
        """Stop after the file being ingested; what is left stays queued on disk for the next start."""
        self._stopping = True
        self._todo.put(None)
        self._open.set()
        if self._worker is not None:
            self._worker.join(timeout)

    # -- the worker ---------------------------------------------------------------------

    def _queue(self, job: IngestJob) -> None:
        with self._lock:
            self._jobs[job.id] = job
            if self._worker is None:
                # A daemon, so an abrupt exit never waits on a long batch; the disk copy carries on later.
                self._worker = threading.Thread(target=self._work, name="kb-ingest", daemon=True)
                self._worker.start()
        self._todo.put(job)

    def _work(self) -> None:
        self.worker_nice = lower_this_thread()  # this thread does nothing else, so it never needs it back
        while (job := self._todo.get()) is not None:
            self._open.wait()
            if self._stopping:
                return
            self._ingest(job)

    def _ingest(self, job: IngestJob) -> None:
        with _claim(self.queue_dir / job.id) as mine:
            if mine and self._catch_up(job):
                with i18n.using(job.language):
                    self._ingest_claimed(job)
            elif not mine:  # another server process runs it; its manifest tells this one how it goes
                with self._lock:
                    self._jobs.pop(job.id, None)

    def _catch_up(self, job: IngestJob) -> bool:
        """Take in what another process recorded before this one got the batch; whether any is left to do."""
        fresh = self._load(self.queue_dir / job.id)
        if fresh is None:  # cleaned up meanwhile
            with self._lock:
                self._jobs.pop(job.id, None)
            return False
        job.reports, job.error, job.finished_at = fresh.reports, fresh.error, fresh.finished_at
        if fresh.finished:
            job.state = fresh.state
            job.finished_event.set()
        return not fresh.finished

    def _ingest_claimed(self, job: IngestJob) -> None:
        job.state = "running"
        folder = self.queue_dir / job.id
        entries = [(name, folder / stored if stored else None) for name, stored in zip(job.names, job.stored)]
        try:
            for report in self._run(entries, start=job.done, progress_for=job.start_file, project=job.project,
                                      only_project=job.only_project):
                self._catch_up_with_write()
                self._record(job, report)
                self._open.wait()
                if self._stopping:
                    return
            job.state = "done"
        except Exception as exc:  # the batch reports per-file failures; this is the unexpected rest
            log.exception("upload batch %s stopped", job.id)
            job.state, job.error = "failed", _("The batch stopped: %(error)s") % {"error": exc}
            for name in job.names[job.done:]:
                job.reports.append(self._report_of(_not_stored(name, _("the batch stopped before it (%(error)s)")
                                                               % {"error": exc})))
        finally:
            job.current = None
        self._finish(job)

    def _catch_up_with_write(self) -> None:
        if self._settle is None:
            return
        try:
            self._settle()
        except Exception:  # the file is stored; searches catch up on their own a moment later
            log.exception("the search index did not catch up after an upload")

    def _record(self, job: IngestJob, report: Any) -> None:
        """Keep a file's report on disk, then drop its uploaded copy, which is no longer needed."""
        job.reports.append(report)
        _write_json(self.queue_dir / job.id / MANIFEST, self._manifest(job))
        stored = job.stored[job.done - 1]
        if stored:
            (self.queue_dir / job.id / stored).unlink(missing_ok=True)

    def _finish(self, job: IngestJob) -> None:
        job.finished_at = time.time()
        try:
            _write_json(self.queue_dir / job.id / MANIFEST, self._manifest(job))
        except OSError:
            log.exception("could not record the end of upload batch %s", job.id)
        self._clean_up()
        job.finished_event.set()

    def _clean_up(self) -> None:
        """Forget finished batches beyond KEEP_JOBS or finished over KEEP_SECONDS ago; never one still to run."""
        cutoff = time.time() - KEEP_SECONDS
        with self._lock:
            finished = sorted((j for j in self._jobs.values() if j.finished), key=_finish_time)
            excess = len(finished) - KEEP_JOBS
            old = [j for n, j in enumerate(finished) if n < excess or _finish_time(j) < cutoff]
            for job in old:
                del self._jobs[job.id]
        for job in old:
            shutil.rmtree(self.queue_dir / job.id, ignore_errors=True)

    # -- manifests ------------------------------------------------------------------------

    def _manifest(self, job: IngestJob) -> dict:
        files = [{"name": name, "stored": stored, "report": _dump(job.reports[n]) if n < job.done else None}
                 for n, (name, stored) in enumerate(zip(job.names, job.stored))]
        return {"id": job.id, "created": job.created, "finished_at": job.finished_at, "state": job.state,
                "error": job.error, "project": job.project, "owner": job.owner, "only_project": job.only_project,
                "language": job.language,
                "files": files}

    def _load(self, folder: Path) -> IngestJob | None:
        """The batch kept in `folder`, or None when there is none (or its manifest cannot be read)."""
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            files = data["files"]
            reports = [self._report_of(f["report"]) for f in files if f.get("report")]
            job = IngestJob(id=data["id"], names=[f["name"] for f in files], state=data["state"],
                            project=data.get("project"), owner=data.get("owner"),
                            only_project=bool(data.get("only_project")),
                            language=data.get("language") or i18n.current(),
                            stored=[f.get("stored") for f in files], reports=reports,
                            error=data.get("error"), created=data["created"], finished_at=data.get("finished_at"))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            if (folder / MANIFEST).exists():
                log.warning("skipping the upload batch in %s: its manifest cannot be read (%s)", folder.name, exc)
            return None
        if job.finished:
            job.finished_event.set()
        return job


class Batch:
    """An upload being written to disk, file by file, before it is queued.

    It is written to `<id>.part` and renamed into place once complete, so a crash
    mid-upload never leaves a half-received batch that looks queued."""

    def __init__(self, queue_dir: Path, job_id: str) -> None:
        self.id = job_id
        self.project: str | None = None
        self.owner: str | None = None
        self.only_project = False
        self.folder = queue_dir / f"{job_id}.part"
        self.names: list[str] = []
        self.stored: list[str | None] = []

    def add(self, name: str, source: BinaryIO, max_bytes: int) -> None:
        """Copy one upload to disk in chunks; a file over `max_bytes` is noted but not kept."""
        self.folder.mkdir(parents=True, exist_ok=True)  # the queue folder too, on the first upload
        stored = f"{len(self.names) + 1:04d}.upload"
        size = 0
        with open(self.folder / stored, "wb") as out:
            while size <= max_bytes and (chunk := source.read(CHUNK)):
                out.write(chunk)
                size += len(chunk)
            os.fsync(out.fileno())  # on disk before the manifest that names it
        if size > max_bytes:
            (self.folder / stored).unlink()
            stored = None
        self.names.append(name)
        self.stored.append(stored)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def _claim(folder: Path) -> Iterator[bool]:
    """Whether this process may run the batch in `folder`: true unless another process holds it.

    Several server processes resume the same queue at start; the lock (released by the
    system when its holder dies) lets exactly one of them run each batch."""
    try:
        import fcntl
    except ImportError:  # no advisory locks here (Windows): one server process is the supported setup
        yield True
        return
    with open(folder / ".lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True


def _not_stored(name: str, why: str) -> dict:
    return {"name": name, "outcome": "rejected", "reason": _("Not stored: %(why)s. Upload it again.") % {"why": why}}


def _dump(report: Any) -> dict:
    return report.model_dump() if hasattr(report, "model_dump") else dict(vars(report))


def _write_json(path: Path, data: dict) -> None:
    """Write whole or not at all: a crash leaves the previous manifest, never half of one."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _finish_time(job: IngestJob) -> float:
    return job.finished_at or job.created


def _advance(job: IngestJob, done: int, total: int) -> None:
    job.items_done, job.items_total = done, total
