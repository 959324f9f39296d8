"""A batch of files ingested together: the rules that hold across its files, then the pipeline for each.

The command line (`kb ingest`), the upload page and `POST /api/ingest` all ingest through
`ingest_batch`, so a batch means the same thing wherever it comes from. The one batch
rule: a batch never replaces a document it has just stored. Two files of one batch that
are the same document (same project and file name) would make the second silently
replace the first, so the second is rejected; the same file name in two projects is
two documents and both are stored.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from ingest.pipeline import FileReport, Progress, ingest_bytes, ingest_file
from kb.i18n import _

if TYPE_CHECKING:
    from kb.store import KnowledgeBase

Source = bytes | Path | None
"""A file's bytes, its path on disk, or None when it was larger than the upload limit and not read."""

BatchEntry = tuple[str, Source]
"""(file name, source): documents are known by their file name."""


def ingest_batch(kb: KnowledgeBase, entries: Sequence[BatchEntry], *,
                 progress_for: Callable[[str], Progress | None] = lambda name: None,
                 guard: AbstractContextManager | None = None, project: str | None = None,
                 preview: bool = False, claimed: dict[str, str] | None = None,
                 only_project: bool = False) -> Iterator[FileReport]:
    """One report per entry, in order, yielded as each file finishes.

    `progress_for(name)` is called as a file starts and may return a callback for its
    embedding progress; `guard` (e.g. a lock) is held while each file is written.
    `project` files documents that name no project of their own under that one;
    with `preview` nothing is stored and each report says what would happen. `claimed`
    (document key -> file) lets a caller feed one batch in several calls. `only_project` (a project
    manager's upload) files everything under `project` alone (see `ingest_bytes`)."""
    claimed = {} if claimed is None else claimed
    for name, source in entries:
        progress = progress_for(name)
        with guard or nullcontext():
            yield _ingest_one(kb, name, source, progress, project=project, preview=preview, claimed=claimed,
                              only_project=only_project)


def _ingest_one(kb: KnowledgeBase, name: str, source: Source, progress: Progress | None, **options) -> FileReport:
    if source is None:
        return FileReport(name, "rejected",
                          reason=_("larger than %(mb)s MB (the KB_MAX_UPLOAD_MB limit)")
                          % {"mb": kb.settings.max_upload_mb})
    if isinstance(source, Path):
        return ingest_file(kb, source, progress=progress, **options)
    return ingest_bytes(kb, name, source, progress=progress, **options)
