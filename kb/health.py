"""What `kb doctor` finds and `kb reindex` repairs: everything that should follow SQL but may not.

SQL is the truth. Derived from it, and so checked against it: each item's
recorded vector (made by the configured model, from the item's current text),
the Chroma index (the same ids, model and text hash as SQL), and the original
files in `files/` (every referenced file there, nothing else).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kb.i18n import _
from kb.texts import parse_vector_id, vector_id
from kb.vectors import Metadata, StoredVector

Key = tuple[str, int]
"""(kind, item id) of a lesson or risk."""

PARTIAL = ".part"
"""Suffix of an original being written; one left behind means an ingest was interrupted."""


@dataclass
class Problem:
    """One kind of drift, as `kb doctor` prints it."""

    what: str
    todo: str
    examples: list[str] = field(default_factory=list)


@dataclass
class DriftReport:
    sql_items: int
    index_items: int
    missing_from_index: list[str]
    orphaned_in_index: list[str]
    model: str = ""
    dim: int = 0
    without_vector: list[str] = field(default_factory=list)
    other_model: Counter = field(default_factory=Counter)
    """model name -> how many items have a vector made by it instead of the configured model."""
    other_model_items: list[str] = field(default_factory=list)
    stale_text: list[str] = field(default_factory=list)
    wrong_dim: list[str] = field(default_factory=list)
    vectors_without_item: list[str] = field(default_factory=list)
    index_differs: list[str] = field(default_factory=list)
    """Chroma entries whose model or text hash is not the one SQL records."""
    index_dim: int | None = None
    missing_files: list[str] = field(default_factory=list)
    """"path (document)" of originals that rows reference but the disk does not have."""
    orphaned_files: list[str] = field(default_factory=list)
    partial_files: list[str] = field(default_factory=list)
    second: "DriftReport | None" = None
    """The multilingual model's vectors (`check_second_vectors`); None when that model is off."""

    @property
    def ok(self) -> bool:
        return not self.problems()

    def problems(self) -> list[Problem]:
        found = [p for p in (*self._vector_problems(), *self._index_problems(), *self._file_problems()) if p]
        if self.second is not None:  # the same checks, named for the multilingual model
            found += [Problem(f"{self.second.model}: {p.what}", p.todo, p.examples)
                      for p in self.second._vector_problems() if p]
        return found

    def _vector_problems(self) -> list[Problem | None]:
        reembed = _("Run `kb reindex`: it re-embeds only these items.")
        others = ", ".join(f"{m} ({n})" for m, n in self.other_model.most_common())
        return [
            _problem(self.without_vector, _("Lessons/risks with no vector in SQL"), reembed),
            _problem(self.other_model_items, _("Lessons/risks with a vector from another model than the configured "
                                               "%(model)s (%(others)s)") % {"model": self.model, "others": others},
                     reembed),
            _problem(self.stale_text, _("Vectors made from an older text of their item"), reembed),
            _problem(self.wrong_dim, _("Vectors without the configured model's dimension %(dim)s") % {"dim": self.dim},
                     reembed),
            _problem(self.vectors_without_item, _("SQL vectors that belong to no lesson or risk"),
                     _("Run `kb reindex`: it deletes them.")),
        ]

    def _index_problems(self) -> list[Problem | None]:
        rebuild = _("Run `kb reindex`: it rewrites the vector index from SQL.")
        dims = None
        if self.index_dim not in (None, self.dim):
            dims = Problem(_("The vector index holds vectors of dimension %(found)s; the configured model %(model)s "
                             "makes %(dim)s.") % {"found": self.index_dim, "model": self.model, "dim": self.dim},
                           _("Run `kb reindex`: it recreates the index for the configured model."))
        return [
            dims,
            _problem(self.missing_from_index, _("Lessons/risks missing from the index"), rebuild),
            _problem(self.orphaned_in_index, _("Index vectors with no lesson or risk in SQL"), rebuild),
            _problem(self.index_differs, _("Index entries made by another model or from another text than SQL "
                                           "records (left by an interrupted write)"), rebuild),
        ]

    def _file_problems(self) -> list[Problem | None]:
        return [
            _problem(self.missing_files, _("Original files referenced by documents or versions but missing on disk"),
                     _("Copy them back into the data directory from a backup, or upload the same file again (the "
                       "current version's original is then stored again). Lessons and risks are not affected.")),
            _problem(self.orphaned_files, _("Files in files/ that belong to no document or version"),
                     _("Run `kb reindex`: it deletes them.")),
            _problem(self.partial_files, _("Partly written originals (%(pattern)s) left by an interrupted ingest")
                     % {"pattern": PARTIAL}, _("Run `kb reindex`: it deletes them.")),
        ]


def _problem(found: list[str], what: str, todo: str) -> Problem | None:
    if not found:
        return None
    return Problem(_("%(what)s: %(count)s.") % {"what": what, "count": len(found)}, todo, found[:5])


def check_vectors(report: DriftReport, texts: dict[Key, str], stored: dict[Key, StoredVector]) -> None:
    """Compare each item's recorded vector with its current text hash (`texts`) and the configured model."""
    for key, digest in texts.items():
        sv = stored.get(key)
        vid = vector_id(*key)
        if sv is None:
            report.without_vector.append(vid)
        elif sv.model != report.model:
            report.other_model[sv.model] += 1
            report.other_model_items.append(vid)
        elif sv.text_sha256 != digest:
            report.stale_text.append(vid)
        elif sv.dim != report.dim:
            report.wrong_dim.append(vid)
    report.vectors_without_item = sorted((vector_id(*k) for k in stored if k not in texts), key=parse_vector_id)


def check_second_vectors(texts: dict[Key, str], stored: dict[Key, StoredVector], model: str,
                         dim: int) -> "DriftReport":
    """`check_vectors` for the multilingual model's vectors (SQL only: they have no index)."""
    report = DriftReport(len(texts), 0, [], [], model=model, dim=dim)
    check_vectors(report, texts, stored)
    return report


def check_index(report: DriftReport, texts: dict[Key, str], stored: dict[Key, StoredVector],
                index: dict[str, Metadata], index_dim: int | None) -> None:
    """Compare the Chroma entries (id -> metadata) with SQL."""
    wanted = {vector_id(*key): key for key in texts}
    report.index_items, report.index_dim = len(index), index_dim
    report.missing_from_index = sorted(set(wanted) - set(index), key=parse_vector_id)
    report.orphaned_in_index = sorted(set(index) - set(wanted), key=parse_vector_id)
    for vid, meta in sorted(index.items(), key=lambda kv: parse_vector_id(kv[0])):
        sv = stored.get(wanted[vid]) if vid in wanted else None
        if sv is not None and (meta.get("model"), meta.get("text_sha256")) != (sv.model, sv.text_sha256):
            report.index_differs.append(vid)


def check_files(report: DriftReport, data_dir: Path, files_dir: Path, referenced: dict[str, str]) -> None:
    """`referenced`: stored path (relative to the data directory) -> the document it belongs to."""
    for path, owner in sorted(referenced.items()):
        if not (data_dir / path).is_file():
            report.missing_files.append(f"{path} ({owner})")
    report.orphaned_files, report.partial_files = unused_files(data_dir, files_dir, set(referenced))


def unused_files(data_dir: Path, files_dir: Path, referenced: set[str]) -> tuple[list[str], list[str]]:
    """Files in `files_dir` nothing references, and partly written ones, as paths relative to `data_dir`."""
    orphaned, partial = [], []
    for path in sorted(files_dir.iterdir()) if files_dir.is_dir() else ():
        rel = str(path.relative_to(data_dir))
        if path.is_file() and path.name.endswith(PARTIAL):
            partial.append(rel)
        elif path.is_file() and rel not in referenced:
            orphaned.append(rel)
    return orphaned, partial


@dataclass
class Reindexed:
    """What `kb reindex` did."""

    items: int = 0
    embedded: int = 0
    """Items whose vector was missing, stale or from another model, embedded again."""
    recreated: bool = False
    """The vector index was dropped and created again (another model or dimension)."""
    indexed: int = 0
    vectors_dropped: int = 0
    files_removed: int = 0
