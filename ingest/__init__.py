"""Ingestion: closure reports, retrospectives, risk registers and lessons registers
in Markdown, DOCX, PDF, CSV, XLSX and JSONL become lessons and risks in the store.

The public API is what this module exports; formats are described in docs/FORMATS.md.
"""

from ingest.anchors import heading_anchors, item_anchors, row_anchor, slugify
from ingest.batch import ingest_batch
from ingest.context import ParseContext
from ingest.pipeline import FileReport, context_for, ingest_bytes, ingest_file, parse_bytes
from ingest.registry import SUPPORTED_SUFFIXES
from ingest.versions import restore_version
from ingest.walk import collect_files

__all__ = [
    "SUPPORTED_SUFFIXES", "FileReport", "ParseContext", "collect_files", "context_for", "heading_anchors",
    "ingest_batch", "item_anchors", "ingest_bytes", "ingest_file", "parse_bytes", "restore_version", "row_anchor", "slugify",
]
