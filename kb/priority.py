"""Background work (ingesting, rebuilding the search index) at a lower OS priority than requests.

On Linux each thread has its own nice value, so a long-lived background thread can lower
its own priority and leave the requests' threads at theirs: when both want a core, the
scheduler gives the request threads about nine tenths of it (nice 10 against 0). The
embedding runs in the calling thread with `KB_EMBEDDING_THREADS=1` (the default), so the
ingest's encoding is lowered with it; with more torch threads, torch's own pool is not.

Raising a nice value cannot be undone without privileges, so only threads that do nothing
else call `lower_this_thread`."""

from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

BACKGROUND_NICE = 10
"""How much lower than the process a background thread runs (0-19; 10 gives requests ~90% of a busy core)."""


def lower_this_thread(by: int = BACKGROUND_NICE) -> int | None:
    """Lower the calling thread's priority by `by` nice steps (never above 19); its nice value
    afterwards, or None where a thread's priority cannot be set alone (not Linux)."""
    if not sys.platform.startswith("linux"):
        return None  # elsewhere PRIO_PROCESS with a thread id names the whole process, or nothing
    tid = threading.get_native_id()
    try:
        nice = min(os.getpriority(os.PRIO_PROCESS, tid) + by, 19)
        os.setpriority(os.PRIO_PROCESS, tid, nice)
        return os.getpriority(os.PRIO_PROCESS, tid)
    except OSError as exc:  # a sandbox may refuse; the work still runs, at the usual priority
        log.warning("could not lower the priority of background thread %s: %s", threading.current_thread().name, exc)
        return None


def nice_of_this_thread() -> int | None:
    """The calling thread's nice value (Linux), or None."""
    if not sys.platform.startswith("linux"):
        return None
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
