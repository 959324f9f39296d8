"""What a parser may know besides the bytes it reads."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class ParseContext:
    """Read-only facts handed to every parser; parsers never read global settings."""

    known_project_codes: frozenset[str] = frozenset()
    """Codes of projects already stored, so a file named `CODE_risks.xlsx` links to its project."""
    project_types: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Project code to project type for stored projects; used to tag lessons of retrospectives and registers."""
    project_names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """A stored project's name, as `name_key` gives it, to its code: a register's Project column that names a
    project ("Finance ERP Replacement") is that project, not a new one."""
    max_bytes: int = DEFAULT_MAX_BYTES
    """Larger files are rejected before they are parsed."""
    kind_hint: str | None = None
    """A document kind the caller already knows (e.g. chosen on the upload form); overrides name hints."""

    def known_code(self, text: str | None) -> str | None:
        """The stored spelling of a project code, compared case-insensitively."""
        if not text:
            return None
        wanted = text.strip().upper()
        return next((c for c in self.known_project_codes if c.upper() == wanted), None)

    def code_named(self, name: str | None) -> str | None:
        """The code of the stored project called `name`, compared without case, spacing or punctuation."""
        return self.project_names.get(name_key(name)) if name else None


def name_key(name: str) -> str:
    """"Finance ERP Replacement", "finance erp replacement " and "Finance-ERP replacement" alike."""
    return " ".join(re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", name).casefold()).split())
