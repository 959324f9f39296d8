"""A batch of files ingested together: the rules that hold across its files, then the pipeline for each.

The command line (`kb ingest`), the upload page and `POST /api/ingest` all ingest through
`ingest_batch`, so a batch means the same thing wherever it comes from.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from ingest.pipeline import FileReport, Progress, ingest_bytes, ingest_file

if TYPE_CHECKING:
    from kb.store import KnowledgeBase

Source = bytes | Path | None
"""A file's bytes, its path on disk, or None when it was larger than the upload limit and not read."""

BatchEntry = tuple[str, Source]
"""(file name, source): documents are known by their file name."""


def ingest_batch(kb: KnowledgeBase, entries: Sequence[BatchEntry], *,
                 progress_for: Callable[[str], Progress | None] = lambda name: None,
                 guard: AbstractContextManager | None = None) -> Iterator[FileReport]:
    """One report per entry, in order, yielded as each file finishes.

    Files the batch rules reject are reported without being read further; the rest go
    through the pipeline one at a time. `progress_for(name)` is called as a file starts
    and may return a callback for its embedding progress; `guard` (e.g. a lock) is held
    while each file is written."""
    for (name, source), reason in zip(entries, batch_rejections(entries)):
        if reason:
            yield FileReport(name, "rejected", reason=reason)
            continue
        progress = progress_for(name)
        with guard or nullcontext():
            yield _ingest_one(kb, name, source, progress)


def batch_rejections(entries: Sequence[BatchEntry]) -> list[str | None]:
    """Why each entry is rejected by the batch rules, or None when it may be ingested.

    Documents are known by their file name, so a second file with a name already seen in
    the batch would silently replace the first: it is rejected instead, whatever became
    of the first."""
    seen: dict[str, Source] = {}
    reasons: list[str | None] = []
    for name, source in entries:
        if name in seen:
            reasons.append(_same_name(name, source, seen[name]))
        else:
            seen[name] = source
            reasons.append(None)
    return reasons


def _same_name(name: str, source: Source, first: Source) -> str:
    if isinstance(source, Path) and isinstance(first, Path):
        return (f"{source} has the same name as {first}, ingested just before; documents are known "
                "by their file name, so rename one of them and ingest it again.")
    return (f"Another file named {name} comes earlier in this batch; documents are known by their file "
            "name, so rename one of them and upload it again.")


def _ingest_one(kb: KnowledgeBase, name: str, source: Source, progress: Progress | None) -> FileReport:
    if source is None:
        return FileReport(name, "rejected",
                          reason=f"larger than {kb.settings.max_upload_mb} MB (the KB_MAX_UPLOAD_MB limit)")
    if isinstance(source, Path):
        return ingest_file(kb, source, progress=progress)
    return ingest_bytes(kb, name, source, progress=progress)
