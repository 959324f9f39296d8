"""Checks shared by the zip-based Office formats (DOCX, XLSX)."""

from __future__ import annotations

import io
import zipfile

from kb.errors import InvalidDocument

MAX_UNPACKED_RATIO = 100
"""How much larger than the file its unpacked contents may be; Office files rarely pass 20."""
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024


def check_package(data: bytes, what: str, advice: str) -> None:
    """Refuse what is not a zip package, and zip bombs, before an Office library unpacks them."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvalidDocument(f"This is not {what} (it is not a zip package). {advice}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            unpacked = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidDocument(f"This file is damaged ({exc}). {advice}") from exc
    if unpacked > min(MAX_UNPACKED_BYTES, MAX_UNPACKED_RATIO * max(len(data), 1024 * 1024)):
        raise InvalidDocument(f"This file unpacks to {unpacked // (1024 * 1024)} MB, far more than a real "
                              f"{what.split(' ', 1)[-1]} does, so it was not opened. {advice}")
