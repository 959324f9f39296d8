"""The search log, written behind the searches rather than inside them.

A search used to insert its log row and commit before replying. During an ingest that
commit waits for the ingest's write transaction (SQLite has one writer at a time), so
every search waited for the upload; measured under load it was the largest wait of
`/api/search`. Rows now go to a queue, and one thread of the engine's, at a lower OS
priority (`kb.priority`), gathers the rows of GATHER_SECONDS and writes them in one
transaction: one row a transaction cost each search 0.4-0.5 ms of CPU beside it, a
tenth of a repeated question's time over HTTP. A row reaches the database within a
moment of the reply; `flush` writes what is gathered at once and waits for it (tests,
and at exit)."""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
import weakref
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError

from kb.priority import lower_this_thread

if TYPE_CHECKING:
    from kb.store import KnowledgeBase

log = logging.getLogger(__name__)

USAGE_LOG_ONLY = "kb_usage_log_only"
"""Execution option of a connection whose commit wrote only the search log."""
BATCH = 500
GATHER_SECONDS = 0.25
"""How long the writer waits for more rows after the first before writing (less when BATCH fill first)."""
IDLE_SECONDS = 30.0
ATTEMPTS = 3
"""A locked database is tried again (after the busy timeout each time) before the rows are dropped."""


class UsageLog:
    """Rows queued by searches, written by a thread of their own (started on the first row)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._todo: queue.SimpleQueue = queue.SimpleQueue()
        self._pending = 0
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None
        _open.add(self)

    def add(self, row) -> None:
        """Queue one row (a kb.models table row) to be written."""
        with self._idle:
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="kb-usage-log", daemon=True)
                self._thread.start()
        self._todo.put(row)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every row queued so far is written (or dropped); whether that happened in time."""
        with self._idle:
            if self._pending == 0:
                return True
            self._todo.put(_NOW)  # the writer stops gathering
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _work(self) -> None:
        lower_this_thread()  # a record of use can wait; the searches cannot
        while (first := self._next()) is not None:
            rows = self._gather(first)
            if not rows:
                continue
            try:
                self._write(rows)
            except Exception:  # a usage record is not worth a failed search; say so in the log
                log.exception("%d search log rows could not be written", len(rows))
            finally:
                with self._idle:
                    self._pending -= len(rows)
                    self._idle.notify_all()

    def _gather(self, first) -> list:
        """`first` and the rows that follow it within GATHER_SECONDS (or until a flush asks for them)."""
        rows = [] if first is _NOW else [first]
        deadline = time.monotonic() + GATHER_SECONDS
        while first is not _NOW and len(rows) < BATCH:
            left = deadline - time.monotonic()
            try:
                row = self._todo.get(timeout=left) if left > 0 else self._todo.get_nowait()
            except queue.Empty:
                break
            if row is _NOW:
                break
            rows.append(row)
        while len(rows) < BATCH:  # what queued before a flush's mark is written with it
            try:
                row = self._todo.get_nowait()
            except queue.Empty:
                break
            if row is not _NOW:
                rows.append(row)
        return rows

    def _next(self):
        """The next row, or None when none came for IDLE_SECONDS: the thread then ends (the next row
        starts another), so that an engine no longer used does not keep a thread, and its store, alive."""
        while True:
            try:
                return self._todo.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._idle:
                    if self._pending == 0:  # add() counts a row under this lock before queueing it
                        self._thread = None
                        return None

    def _write(self, rows: list) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with self.kb.session() as session:
                    # Marked, so that this commit does not send the next search to read the generation.
                    session.connection(execution_options={USAGE_LOG_ONLY: True})
                    session.add_all(rows)
                    session.commit()
                return
            except OperationalError:  # locked by a long write for longer than the busy timeout
                if attempt == ATTEMPTS:
                    raise
                time.sleep(attempt)


_NOW = object()
"""Queued by `flush`: write what is gathered without waiting for more."""

_open: weakref.WeakSet[UsageLog] = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    # Daemon threads still run while atexit handlers do: a command that searched and exits keeps its rows.
    for usage in list(_open):
        usage.flush(timeout=10)
