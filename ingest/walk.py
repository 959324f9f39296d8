"""Which files a `kb ingest` over files and folders reads."""

from __future__ import annotations

from pathlib import Path

from ingest.registry import SUPPORTED_SUFFIXES


def collect_files(paths: list[Path]) -> list[Path]:
    """Files to ingest, in a predictable order.

    Folders are walked recursively in sorted order, keeping supported suffixes
    and skipping anything whose name (or a parent folder's name below the
    given folder) starts with '.' or '_', and README files, which describe a
    folder rather than report on a project. Files named explicitly are always
    kept, so an unsupported one is reported with a reason rather than ignored.
    Duplicates are dropped.
    """
    out: list[Path] = []
    seen: set[Path] = set()
    for path in map(Path, paths):
        found = _walk(path) if path.is_dir() else [path]
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                out.append(file)
    return out


def _walk(folder: Path) -> list[Path]:
    files = []
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        if any(part.startswith((".", "_")) for part in parts) or path.stem.lower() == "readme":
            continue
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES:
            files.append(path)
    return sorted(files, key=lambda p: [part.lower() for part in p.relative_to(folder).parts])
