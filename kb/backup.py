"""Backups: the whole knowledge base in one archive file, and back.

An archive is a zip holding `manifest.json`, one JSON Lines file per SQL table
under `tables/`, and every original file under `files/`. Tables are found from
`SQLModel.metadata`, so a table added later is exported and imported without a
change here. Vectors are not included: the Chroma collection is derived from
SQL and is rebuilt on import.

Export reads one consistent snapshot (SQLite's online backup API, safe while the
server writes; one REPEATABLE READ transaction elsewhere). Import fills an empty
knowledge base only, and is all-or-nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import tempfile
import uuid
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator

import sqlalchemy as sa
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import SQLModel

from kb.embedding import Embedder
from kb.errors import KBError
from kb.i18n import _
from kb.settings import Settings
from kb.store import KnowledgeBase

FORMAT = "lessons-kb-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SKIPPED_TABLES = frozenset({"alembic_version"})
"""Alembic's own table: its value goes into the manifest, the target's migrations make their own."""
HOUSEKEEPING_TABLES = frozenset({"kb_meta", "kb_generation"})
"""Facts about the store itself, which a freshly opened target may already hold: they do not make it
'not empty', and where a key exists on both sides the target's value wins."""
_BATCH = 1000
_CHUNK = 1 << 20

Progress = Callable[[str, int, int], None]
"""Called with (step, done, total) while an export or import advances."""


class BackupError(KBError):
    """An export or import that cannot be done; nothing was changed."""


class ArchiveInvalid(BackupError):
    """The archive is damaged, tampered with, or not one `kb export` wrote."""

    status = 422


class ImportRefused(BackupError):
    """The target already holds a knowledge base."""

    status = 409


@dataclass
class ExportSummary:
    path: Path
    tables: dict[str, int]
    """Rows per table, in dependency order."""
    files: int
    size_bytes: int
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportSummary:
    tables: dict[str, int]
    files: int
    items_indexed: int
    notes: list[str] = field(default_factory=list)


# --- export --------------------------------------------------------------------

def export_archive(kb: KnowledgeBase, path: Path | str, *, progress: Progress | None = None,
                   overwrite: bool = False) -> ExportSummary:
    """Write every table, every original file and a manifest to one zip at `path`.

    Written under a temporary name and renamed at the end, so a failed export
    never leaves a half archive under `path`."""
    path = Path(path)
    _check_destination(path, overwrite)
    part = path.with_name(path.name + ".part")
    try:
        with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            with _snapshot(kb.engine, workdir=path.parent) as conn:
                database = _database_facts(conn)
                tables, referenced, warnings = _write_tables(conn, zf, progress)
            # Files after the snapshot: an original is written before its rows commit, so every
            # document in the snapshot already has its file on disk.
            files = _write_files(kb.settings, zf, progress)
            warnings += _missing_originals(referenced, files)
            manifest = _manifest(kb, database, tables, files, warnings)
            zf.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
        part.replace(path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return ExportSummary(path, {name: t["rows"] for name, t in tables.items()}, len(files),
                         path.stat().st_size, warnings)


def _check_destination(path: Path, overwrite: bool) -> None:
    if path.is_dir():
        raise BackupError(_("%(path)s is a folder; give the name of the archive file to write, e.g. "
                            "%(path)s/kb-backup.zip.") % {"path": path})
    if path.exists() and not overwrite:
        raise BackupError(_("%(path)s already exists; choose another name or allow overwriting it (kb export "
                            "--force).") % {"path": path})
    if not path.parent.is_dir():
        raise BackupError(_("The folder %(folder)s does not exist; create it first.") % {"folder": path.parent})


@contextmanager
def _snapshot(engine: Engine, *, workdir: Path) -> Iterator[Connection]:
    """A connection that sees one consistent state of the database for as long as it is open."""
    if engine.dialect.name != "sqlite":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn
        return
    # The copy sits beside the archive: that disk has room for a file the size of the database.
    with tempfile.TemporaryDirectory(prefix=".kb-export-", dir=workdir) as tmp:
        copy = Path(tmp) / "snapshot.sqlite3"
        _sqlite_backup(engine, copy)
        snap = sa.create_engine(f"sqlite:///{copy}")
        try:
            with snap.connect() as conn:
                yield conn
        finally:
            snap.dispose()


def _sqlite_backup(engine: Engine, copy: Path) -> None:
    """Copy a live SQLite database with its online backup API: one read transaction, so the
    copy is consistent and WAL writers (the server) are neither blocked nor seen half-done."""
    source = engine.raw_connection()
    try:
        target = sqlite3.connect(copy)
        try:
            source.driver_connection.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def _database_facts(conn: Connection) -> dict:
    version = None
    if inspect(conn).has_table("alembic_version"):
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return {"dialect": conn.dialect.name, "alembic_version": version}


def _write_tables(conn: Connection, zf: zipfile.ZipFile, progress: Progress | None):
    """Every table the application knows, as JSON Lines; also the stored paths of originals that rows name."""
    present = set(inspect(conn).get_table_names())
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name in present and t.name not in SKIPPED_TABLES]
    known = {t.name for t in SQLModel.metadata.sorted_tables}
    unknown = sorted(present - known - SKIPPED_TABLES)
    warnings = [f"Tables in the database that this version does not know were not exported: {', '.join(unknown)}."] \
        if unknown else []
    out, referenced = {}, set()
    for i, table in enumerate(tables):
        out[table.name] = _write_table(conn, zf, table, _present_columns(conn, table.name), referenced)
        if progress:
            progress("tables", i + 1, len(tables))
    return out, referenced, warnings


def _present_columns(conn: Connection, table_name: str) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns(table_name)}


def _write_table(conn: Connection, zf: zipfile.ZipFile, table: sa.Table, present: set[str], referenced: set[str]):
    columns = [c for c in table.columns if c.name in present]
    query = select(*columns).order_by(*[c for c in table.primary_key.columns if c.name in present])
    digest, rows = hashlib.sha256(), 0
    with zf.open(_member(f"tables/{table.name}.jsonl"), "w", force_zip64=True) as out:
        for row in conn.execute(query.execution_options(yield_per=_BATCH)).mappings():
            line = (json.dumps(dict(row), default=_encode, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
            out.write(line)
            digest.update(line)
            rows += 1
            if row.get("stored_path"):  # an original file this row depends on
                referenced.add(row["stored_path"])
    return {"rows": rows, "sha256": digest.hexdigest(), "columns": [c.name for c in columns]}


def _member(name: str) -> zipfile.ZipInfo:
    """A compressed archive member stamped with the time of the export (zip's default is 1980)."""
    info = zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _encode(value: Any) -> Any:
    """JSON for the SQL values JSON has no type for; decoded by the column's type on import."""
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"cannot export a value of type {type(value).__name__}")


def _write_files(settings: Settings, zf: zipfile.ZipFile, progress: Progress | None) -> list[dict]:
    root = settings.files_dir
    # `.part` files are originals still being written; their document is not committed yet.
    paths = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".part")) if root.is_dir() else []
    entries = []
    for i, path in enumerate(paths):
        name = path.relative_to(settings.data_dir).as_posix()
        try:
            entries.append(_write_file(zf, path, name))
        except FileNotFoundError:
            pass  # removed since it was listed: the version it held was replaced after the snapshot
        if progress:
            progress("files", i + 1, len(paths))
    return entries


def _write_file(zf: zipfile.ZipFile, path: Path, name: str) -> dict:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as src, zf.open(_member(name), "w", force_zip64=True) as dst:
        while chunk := src.read(_CHUNK):
            dst.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    return {"path": name, "size": size, "sha256": digest.hexdigest()}


def _missing_originals(referenced: set[str], files: list[dict]) -> list[str]:
    missing = sorted(referenced - {f["path"] for f in files})
    if not missing:
        return []
    return [f"{len(missing)} original files named by the database were not found in the data folder and are not "
            f"in the archive: {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}."]


def _manifest(kb: KnowledgeBase, database: dict, tables: dict, files: list[dict], warnings: list[str]) -> dict:
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "app_version": _app_version(),
        "created_at": datetime.now(timezone.utc).isoformat(),
        "database": database,
        "embedding": _embedding_facts(kb),
        "vectors": "not included: the vector index is rebuilt from the tables on import",
        "tables": tables, "files": files, "warnings": warnings,
    }


def _app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lessons-kb")
    except PackageNotFoundError:
        return "unknown"


def _embedding_facts(kb: KnowledgeBase) -> dict:
    """The model and dimension of the vectors in the index (the embedder's, if the index is empty)."""
    dim = None
    try:
        first = next(kb.vectors.iter_batches(batch_size=1), None)
        if first is not None and first.embeddings.ndim == 2 and first.embeddings.shape[0]:
            dim = int(first.embeddings.shape[1])
    except Exception:
        pass  # an unreachable index does not stop a backup of SQL and files
    return {"model": kb.embedder.name, "dimension": dim if dim is not None else int(kb.embedder.dim)}


# --- import --------------------------------------------------------------------

def import_archive(settings: Settings, path: Path | str, embedder: Embedder, *,
                   progress: Progress | None = None) -> ImportSummary:
    """Restore an archive into an empty knowledge base, then rebuild its vector index.

    The archive is checked in full (every member against the manifest's sha256) before
    anything is written; a target that already holds data is refused. On any failure the
    rows, files and vectors written so far are removed again."""
    path = Path(path)
    with _open_archive(path) as zf:
        manifest = _read_manifest(zf, path)
        _verify_members(zf, manifest, path, progress)
        plan = _plan(manifest)
        _check_files_free(settings, manifest["files"])
        kb = KnowledgeBase.open(settings, embedder=embedder)
        try:
            counts, keys, created = _restore(kb, zf, manifest, plan, progress)
            try:
                indexed = kb.reindex(progress=(lambda d, t: progress("indexing", d, t)) if progress else None).items
            except BaseException:
                _undo(kb, plan, keys, created)
                raise
        finally:
            kb.engine.dispose()
    notes = _notes(manifest, embedder)
    return ImportSummary(counts, len(manifest["files"]), indexed, notes)


@contextmanager
def _open_archive(path: Path) -> Iterator[zipfile.ZipFile]:
    if not path.is_file():
        raise ArchiveInvalid(_("No archive at %(path)s; give the path of a file written by kb export.")
                             % {"path": path})
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ArchiveInvalid(_("%(path)s is not a readable archive (%(error)s); it may be truncated or damaged. "
                               "Nothing was imported; use another copy of the backup.")
                             % {"path": path, "error": exc}) from exc
    with zf:
        yield zf


def _read_manifest(zf: zipfile.ZipFile, path: Path) -> dict:
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except KeyError:
        raise ArchiveInvalid(_("%(path)s has no %(manifest)s: it was not written by kb export.")
                             % {"path": path, "manifest": MANIFEST}) from None
    except (ValueError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ArchiveInvalid(_("The manifest of %(path)s cannot be read (%(error)s); the archive is damaged.")
                             % {"path": path, "error": exc}) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveInvalid(_("%(path)s is not a Lessons KB archive (its manifest does not say format %(format)r).")
                             % {"path": path, "format": FORMAT})
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ArchiveInvalid(_("%(path)s uses archive format %(version)r, newer than this version of Lessons KB "
                               "reads (%(readable)s); upgrade Lessons KB and import it again.")
                             % {"path": path, "version": version, "readable": FORMAT_VERSION})
    if not isinstance(manifest.get("tables"), dict) or not isinstance(manifest.get("files"), list):
        raise ArchiveInvalid(_("The manifest of %(path)s lists no tables or files; the archive is damaged.")
                             % {"path": path})
    if not all(isinstance(info, dict) for info in manifest["tables"].values()):
        raise ArchiveInvalid(_("The manifest of %(path)s describes a table in an unknown way; the archive is "
                               "damaged.") % {"path": path})
    for entry in manifest["files"]:
        _check_file_entry(entry, path)
    return manifest


def _check_file_entry(entry: Any, path: Path) -> None:
    name = entry.get("path") if isinstance(entry, dict) else None
    parts = PurePosixPath(name).parts if isinstance(name, str) else ()
    if (len(parts) < 2 or parts[0] != "files" or ".." in parts or "\\" in name or name.startswith("/")
            or not isinstance(entry.get("sha256"), str)):
        raise ArchiveInvalid(_("The manifest of %(path)s names a file outside files/ or without a checksum "
                               "(%(name)r); the archive was tampered with. Nothing was imported.")
                             % {"path": path, "name": name})


def _verify_members(zf: zipfile.ZipFile, manifest: dict, path: Path, progress: Progress | None) -> None:
    """Every table and file of the manifest is in the archive with exactly the recorded bytes."""
    members = [(f"tables/{name}.jsonl", info.get("sha256")) for name, info in manifest["tables"].items()]
    members += [(entry["path"], entry["sha256"]) for entry in manifest["files"]]
    for i, (name, expected) in enumerate(members):
        actual = _member_sha256(zf, name, path)
        if actual != expected:
            raise ArchiveInvalid(_("%(name)s in %(path)s does not match its checksum in the manifest; the archive "
                                   "is damaged or was changed after export. Nothing was imported; use another copy.")
                                 % {"name": name, "path": path})
        if progress:
            progress("verifying", i + 1, len(members))


def _member_sha256(zf: zipfile.ZipFile, name: str, path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with zf.open(name) as src:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
    except KeyError:
        raise ArchiveInvalid(_("%(path)s lacks %(name)s, which its manifest lists; the archive is incomplete. "
                               "Nothing was imported; use another copy.") % {"path": path, "name": name}) from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:  # bad CRC, truncated data, zlib errors
        raise ArchiveInvalid(_("%(name)s in %(path)s cannot be read (%(error)s); the archive is damaged. Nothing "
                               "was imported; use another copy.") % {"name": name, "path": path, "error": exc}) from exc
    return digest.hexdigest()


def _plan(manifest: dict) -> list[tuple[sa.Table, list[str]]]:
    """The archive's tables in this version's dependency order, with the columns the archive holds."""
    known = {t.name: t for t in SQLModel.metadata.sorted_tables}
    made_by = manifest.get("app_version", "?")
    unknown = sorted(set(manifest["tables"]) - set(known))
    if unknown:
        raise ArchiveInvalid(_("The archive holds tables this version does not know (%(tables)s); it was made by "
                               "Lessons KB %(version)s. Import it with that version or a later one.")
                             % {"tables": ", ".join(unknown), "version": made_by})
    plan = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name not in manifest["tables"]:
            continue
        columns = list(manifest["tables"][table.name].get("columns") or [])
        extra = sorted(set(columns) - set(table.columns.keys()))
        if extra:
            raise ArchiveInvalid(_("The archive's table %(table)s has columns this version does not know "
                                   "(%(columns)s); it was made by Lessons KB %(version)s. Import it with that version "
                                   "or a later one.") % {"table": table.name, "columns": ", ".join(extra),
                                                          "version": made_by})
        plan.append((table, columns))
    return plan


def _check_files_free(settings: Settings, files: list[dict]) -> None:
    for entry in files:
        target = settings.data_dir / entry["path"]
        if target.exists() and _file_sha256(target) != entry["sha256"]:
            raise ImportRefused(_("%(target)s already exists with other content; kb import restores into an empty "
                                  "data folder only. Set KB_DATA_DIR to a new, empty folder and import again.")
                                % {"target": target})


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _restore(kb: KnowledgeBase, zf: zipfile.ZipFile, manifest: dict, plan, progress: Progress | None):
    """Rows and files in one transaction: committed together, or rows rolled back and files removed."""
    created: list[Path] = []
    try:
        with kb.engine.begin() as conn:
            _refuse_unless_empty(conn, kb.settings)
            counts, keys = _insert_tables(conn, zf, plan, manifest, progress)
            _reset_sequences(conn, [table for table, _ in plan])
            _restore_files(kb.settings, zf, manifest["files"], created, progress)
    except BaseException:
        _remove(created)
        raise
    return counts, keys, created


def _refuse_unless_empty(conn: Connection, settings: Settings) -> None:
    held = {}
    for table in SQLModel.metadata.sorted_tables:
        if table.name in HOUSEKEEPING_TABLES | SKIPPED_TABLES:
            continue
        n = conn.execute(select(func.count()).select_from(table)).scalar_one()
        if n:
            held[table.name] = n
    if held:
        what = _(", ").join(_("%(table)s: %(rows)s rows") % {"table": name, "rows": n} for name, n in held.items())
        raise ImportRefused(_("The knowledge base at %(where)s already holds data (%(what)s); kb import restores into "
                              "an empty one only and changed nothing. Set KB_DATA_DIR (and KB_DATABASE_URL, if you use "
                              "one) to a new, empty location and import again.")
                            % {"where": location(settings), "what": what})


def location(settings: Settings) -> str:
    """Where a knowledge base lives, for messages (a database URL without its password)."""
    if settings.database_url:
        return make_url(settings.database_url).render_as_string(hide_password=True)
    return str(settings.data_dir)


def _insert_tables(conn: Connection, zf: zipfile.ZipFile, plan, manifest: dict, progress: Progress | None):
    total = sum(int(manifest["tables"][t.name].get("rows", 0)) for t, _ in plan)
    counts, keys, done = {}, {}, 0
    for table, _columns in plan:
        skip = _existing_keys(conn, table) if table.name in HOUSEKEEPING_TABLES else set()
        keys[table.name] = []
        for batch in _row_batches(zf, table):
            batch = [row for row in batch if _key(table, row) not in skip]
            if batch:
                conn.execute(table.insert(), batch)
                keys[table.name] += [_key(table, row) for row in batch]
            done += len(batch)
            if progress:
                progress("tables", done, total)
        counts[table.name] = len(keys[table.name])
    return counts, keys


def _row_batches(zf: zipfile.ZipFile, table: sa.Table) -> Iterator[list[dict]]:
    decoders = {c.name: _decoder(c.type) for c in table.columns}
    batch = []
    with zf.open(f"tables/{table.name}.jsonl") as lines:
        for line in lines:
            row = json.loads(line)
            batch.append({k: v if v is None or decoders[k] is None else decoders[k](v) for k, v in row.items()})
            if len(batch) >= _BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def _decoder(kind: sa.types.TypeEngine) -> Callable[[Any], Any] | None:
    """The inverse of `_encode` for a column of this type; None where JSON holds the value as it is."""
    while isinstance(kind, sa.types.TypeDecorator):  # e.g. SQLModel's UTCDateTime wraps a DateTime
        kind = kind.impl_instance
    if isinstance(kind, sa.DateTime):
        return datetime.fromisoformat
    if isinstance(kind, sa.Date):
        return date.fromisoformat
    if isinstance(kind, sa.Time):
        return time.fromisoformat
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode
    if isinstance(kind, sa.Numeric) and kind.asdecimal:
        return Decimal
    if isinstance(kind, sa.Uuid) and kind.as_uuid:
        return uuid.UUID
    return None


def _key(table: sa.Table, row: dict) -> tuple:
    return tuple(row.get(c.name) for c in table.primary_key.columns)


def _existing_keys(conn: Connection, table: sa.Table) -> set[tuple]:
    return {tuple(r) for r in conn.execute(select(*table.primary_key.columns))}


def _reset_sequences(conn: Connection, tables: list[sa.Table]) -> None:
    """After inserts with explicit ids, PostgreSQL's sequences still start at 1: move them past the largest id."""
    if conn.dialect.name != "postgresql":
        return
    quote = conn.dialect.identifier_preparer
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, sa.Integer):
                continue
            col = quote.quote(column.name)
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence(:t, :c), coalesce(max({col}), 1), "
                              f"max({col}) IS NOT NULL) FROM {quote.format_table(table)}"),
                         {"t": quote.format_table(table), "c": column.name})


def _restore_files(settings: Settings, zf: zipfile.ZipFile, files: list[dict], created: list[Path],
                   progress: Progress | None) -> None:
    for i, entry in enumerate(files):
        target = settings.data_dir / entry["path"]
        if not target.exists():  # one that exists was checked to hold the same bytes
            _restore_file(zf, entry, target)
            created.append(target)
        if progress:
            progress("files", i + 1, len(files))


def _restore_file(zf: zipfile.ZipFile, entry: dict, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with zf.open(entry["path"]) as src, part.open("wb") as dst:
            while chunk := src.read(_CHUNK):
                dst.write(chunk)
                digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:  # the archive changed since it was verified
            raise ArchiveInvalid(_("%(path)s changed while it was imported; nothing was imported.")
                                 % {"path": entry["path"]})
        part.replace(target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _undo(kb: KnowledgeBase, plan, keys: dict[str, list[tuple]], created: list[Path]) -> None:
    """Take back a committed import whose index could not be rebuilt: its rows, files and vectors."""
    with kb.engine.begin() as conn:
        for table, _columns in reversed(plan):
            pk = list(table.primary_key.columns)
            rows = keys.get(table.name, [])
            for start in range(0, len(rows), _BATCH):
                chunk = rows[start:start + _BATCH]
                where = pk[0].in_([k[0] for k in chunk]) if len(pk) == 1 else sa.tuple_(*pk).in_(chunk)
                conn.execute(table.delete().where(where))
    _remove(created)
    try:
        kb.vectors.delete(sorted(kb.vectors.ids()))  # the target was empty: every vector is from this import
    except Exception:
        pass  # the index is what failed; `kb doctor` reports anything left


def _notes(manifest: dict, embedder: Embedder) -> list[str]:
    notes = list(manifest.get("warnings") or [])
    model = (manifest.get("embedding") or {}).get("model")
    if model and model != getattr(embedder, "name", model):
        notes.append(f"The archive was made with the embedding model {model}; the vector index was rebuilt "
                     f"with {embedder.name}.")
    return notes


def read_manifest(path: Path | str) -> dict:
    """The manifest of an archive, for showing what it holds without importing it."""
    path = Path(path)
    with _open_archive(path) as zf:
        return _read_manifest(zf, path)


__all__ = ["ArchiveInvalid", "BackupError", "ExportSummary", "ImportRefused", "ImportSummary", "export_archive",
           "import_archive", "read_manifest"]
