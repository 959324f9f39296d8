"""Decoding text files the way people save them: UTF-8 (with or without BOM),
UTF-16 from Excel's 'Unicode text', or Windows-1252 from older tools."""

from __future__ import annotations

from kb.errors import InvalidDocument


def decode(data: bytes) -> tuple[str, list[str]]:
    """(text, warnings). Rejects binary data and bytes that are no known text encoding."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), []
    if b"\x00" in data[:8192]:
        raise InvalidDocument("This is a binary file, not text. Check that it was saved in the format its "
                              "name says (e.g. a real .csv or .md), not renamed from another format.")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), ["The file is not UTF-8; it was read as Windows-1252. "
                                       "Save it as UTF-8 if any characters look wrong."]
    except UnicodeDecodeError as exc:
        raise InvalidDocument(f"The text is neither UTF-8 nor Windows-1252 (byte {exc.start}). "
                              "Save the file as UTF-8 and upload it again.") from exc
