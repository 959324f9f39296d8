"""Reads the text layer of one PDF in a child process, under a memory limit set here and a
time limit the parent enforces, so a PDF built to be slow or huge cannot stall the server.

Run as a script (`python pdf_worker.py MEMORY_MB < file.pdf`); it prints one JSON object:
{"pages": [text, ...], "page_errors": {"3": "KeyError"}} or {"problem": "encrypted"|"damaged", "detail": ...}.
It imports nothing from this project, so it starts quickly and needs no PYTHONPATH.
"""

from __future__ import annotations

import io
import json
import sys


def _limit_memory(megabytes: int) -> None:
    try:
        import resource

        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # not POSIX, or a lower hard limit is already set
        pass


def read_pages(data: bytes) -> dict:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return {"problem": "encrypted", "detail": "password required"}
        count = len(reader.pages)
    except MemoryError:
        raise
    except Exception as exc:  # pypdf's errors on damaged files are many and not all PyPdfError
        text = f"{type(exc).__name__}: {exc}"[:300]
        encrypted = "crypt" in text.lower() or "password" in text.lower()
        return {"problem": "encrypted" if encrypted else "damaged", "detail": text}
    pages, errors = [], {}
    for number in range(count):
        try:
            pages.append(_clean(reader.pages[number].extract_text() or ""))
        except MemoryError:
            raise
        except Exception as exc:
            pages.append("")
            errors[str(number + 1)] = type(exc).__name__
    return {"pages": pages, "page_errors": errors}


def _clean(text: str) -> str:
    # Broken font maps can yield unpaired surrogates, which no database stores.
    return text.encode("utf-8", "replace").decode("utf-8")


def main() -> None:
    _limit_memory(int(sys.argv[1]))
    data = sys.stdin.buffer.read()
    try:
        result = read_pages(data)
    except MemoryError:
        result = {"problem": "memory", "detail": ""}
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
