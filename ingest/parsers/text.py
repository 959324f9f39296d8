"""Decoding text files the way people save them: UTF-8 (with or without BOM),
UTF-16 from Excel's 'Unicode text', or a legacy code page (Windows-1252,
Latin-1, GBK, Big5...) recognised by charset-normalizer."""

from __future__ import annotations

import re

from kb.errors import InvalidDocument
from kb.i18n import N_, _, ngettext

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_BINARY = N_("This is a binary file, not text. Check that it was saved in the format its name says "
             "(e.g. a real .csv or .md), not renamed from another format.")


def decode(data: bytes) -> tuple[str, list[str]]:
    """(text, warnings). Rejects binary data and bytes that are no recognisable text encoding."""
    if data.startswith(_UTF16_BOMS):
        return _utf16(data), []
    order = _utf16_without_bom(data)
    if order:
        try:
            text = data.decode(order)
        except UnicodeDecodeError:
            text = None
        if text is not None and "\x00" not in text:
            return text, [_("The file is UTF-16 without a byte order mark; it was read as %(encoding)s. Save it as "
                            "UTF-8 if any characters look wrong.") % {"encoding": order.upper()}]
    if b"\x00" in data:  # no text format holds NUL, and PostgreSQL cannot store it
        raise InvalidDocument(_(_BINARY))
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    return _mostly_utf8(data) or _detected(data)


_STRAY = re.compile("[\udc80-\udcff]")
"""A byte that is not UTF-8, as `surrogateescape` decodes it."""
_WIDE = re.compile("[^\x00-\x7f]")


def _mostly_utf8(data: bytes) -> tuple[str, list[str]] | None:
    """A UTF-8 file with a few stray bytes (a dash pasted from an old Word file): read as UTF-8, the
    stray bytes as Windows-1252, with a warning; a detector would read the whole file in a code page
    and garble every accent. None unless the file's valid UTF-8 characters outnumber its stray bytes."""
    text = data.decode("utf-8-sig", errors="surrogateescape")
    stray = _STRAY.findall(text)
    wide = len(_WIDE.findall(text)) - len(stray)
    if not stray or wide < len(stray):
        return None
    line = text.count("\n", 0, _STRAY.search(text).start()) + 1
    fixed = _STRAY.sub(lambda m: bytes([ord(m[0]) - 0xdc00]).decode("cp1252", errors="replace"), text)
    return fixed, [ngettext("%(num)s byte of this file is not UTF-8 (on line %(line)s); it was read as a "
                            "Windows-1252 character. Check it.",
                            "%(num)s bytes of this file are not UTF-8 (the first on line %(line)s); they were "
                            "read as Windows-1252 characters. Check them.", len(stray))
                   % {"num": len(stray), "line": line}]


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when every other byte is NUL, as in UTF-16 text of Latin letters saved
    without a byte order mark; else None."""
    sample = data[:4096]
    if len(sample) < 8 or len(sample) % 2:
        sample = sample[:len(sample) - len(sample) % 2]
    if len(sample) < 8:
        return None
    odd, even = sample[1::2], sample[0::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _utf16(data: bytes) -> str:
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError as exc:
        raise InvalidDocument(_("The file starts like UTF-16 text but byte %(byte)s is not UTF-16. Save it again "
                                "as UTF-8 and upload it again.") % {"byte": exc.start}) from exc
    if "\x00" in text:
        raise InvalidDocument(_(_BINARY))
    return text


def _detected(data: bytes) -> tuple[str, list[str]]:
    """Legacy encodings by statistical detection (one well-kept detector, not a loop of guesses)."""
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    match = _prefer_western(matches, matches.best())
    if match is None or not _confident(match):
        raise InvalidDocument(_("The text is neither UTF-8 nor an encoding we recognise with confidence (it may "
                                "be a binary file renamed). Save the file as UTF-8 and upload it again."))
    return str(match), [_("The file is not UTF-8; it was read as %(encoding)s. Save it as UTF-8 if any characters "
                          "look wrong.") % {"encoding": _shown(match.encoding)}]


def _prefer_western(matches, best):
    """On a tie (same chaos and coherence, e.g. Windows-1250 vs 1252 for 'café façade'), the code
    page most Western files were saved in: Windows-1252, a superset of Latin-1's printable range."""
    if best is None:
        return None
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    return next((m for m in tied if "cp1252" in m.could_be_from_charset), best)


def _confident(match) -> bool:
    """A multi-byte encoding (GBK, Big5, Shift-JIS) that decodes the whole file is strong evidence;
    a single-byte code page must also read as some language or as clean text."""
    from charset_normalizer.utils import is_multi_byte_encoding

    return is_multi_byte_encoding(match.encoding) or match.coherence > 0 or match.chaos <= MAX_CHAOS


MAX_CHAOS = 0.05
"""Above this share of odd characters, a single-byte code page is a guess, not a reading."""


def _shown(codec: str) -> str:
    windows = re.fullmatch(r"cp(125\d)", codec)
    if windows:
        return f"Windows-{windows[1]}"
    return {"gb18030": "GB18030 (GBK)", "gb2312": "GB2312", "big5": "Big5", "latin_1": "Latin-1",
            "shift_jis": "Shift-JIS"}.get(codec, codec.replace("_", "-"))
