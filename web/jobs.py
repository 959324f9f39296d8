"""Ingest batches run in a background thread so the upload page can show progress.

One worker thread: batches queue behind each other, because the store writes
one document at a time anyway."""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

Progress = Callable[[int, int], None]
BatchRun = Callable[..., Iterable[Any]]
"""Called as `run(progress_for=...)`; yields one report per file, in order, as each finishes.
`progress_for(name)` is called as a file starts and returns its progress callback."""

KEEP_JOBS = 50


@dataclass
class IngestJob:
    id: str
    names: list[str]
    state: str = "queued"
    """queued, running, done or failed."""
    done: int = 0
    current: str | None = None
    items_done: int = 0
    items_total: int = 0
    reports: list[Any] = field(default_factory=list)
    error: str | None = None
    created: float = field(default_factory=time.time)
    finished_event: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def total(self) -> int:
        return len(self.names)

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
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-ingest")
        self._jobs: OrderedDict[str, IngestJob] = OrderedDict()
        self._lock = threading.Lock()

    def submit(self, names: list[str], run: BatchRun) -> IngestJob:
        """Queue a batch of the files `names`; `run` ingests them in the worker thread."""
        job = IngestJob(id=uuid.uuid4().hex[:12], names=names)
        with self._lock:
            self._jobs[job.id] = job
            finished = [k for k, j in self._jobs.items() if j.finished_event.is_set()]
            for key in finished[:max(0, len(self._jobs) - KEEP_JOBS)]:  # never forget a job still running
                del self._jobs[key]
        self._pool.submit(self._run, job, run)
        return job

    def recent(self, limit: int = 5) -> list[IngestJob]:
        with self._lock:
            return list(reversed(self._jobs.values()))[:limit]

    def get(self, job_id: str) -> IngestJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _run(self, job: IngestJob, run: BatchRun) -> None:
        job.state = "running"
        try:
            for report in run(progress_for=job.start_file):
                job.reports.append(report)
                job.done += 1
            job.state = "done"
        except Exception as exc:  # the batch reports per-file failures; this is the unexpected rest
            job.state, job.error = "failed", f"The batch stopped: {exc}"
        finally:
            job.current = None
            job.finished_event.set()


def _advance(job: IngestJob, done: int, total: int) -> None:
    job.items_done, job.items_total = done, total
