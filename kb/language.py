"""Which language a text is written in: Chinese or English, the two the PMO vocabulary knows.

Counting Han characters is enough to tell them apart (mixed Chinese text names English
systems such as SAP or Salesforce, so Chinese wins from a modest share), and needs no model."""

from __future__ import annotations

import re

CHINESE, ENGLISH = "zh", "en"
LANGUAGES = {CHINESE: "Chinese", ENGLISH: "English"}
"""Language code → the name shown to users."""

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
"""Character class body of the Han characters (CJK unified ideographs and extensions A, compatibility)."""
_HAN = re.compile(f"[{HAN}]")
CHINESE_SHARE = 0.2
"""A text is Chinese when Han characters are at least this share of its letters; one Han character
stands for a word, so even 'SAP 迁移项目的数据核对' with its English system name reads as Chinese."""


def has_han(text: str | None) -> bool:
    """True when the text holds at least one Han character."""
    return bool(text) and _HAN.search(text) is not None


def language_of(text: str | None) -> str | None:
    """'zh' or 'en' for a text; None when it has no letters at all."""
    if not text:
        return None
    han = len(_HAN.findall(text))
    latin_words = len(re.findall(r"[A-Za-z]+", text))
    if han == 0 and latin_words == 0:
        return None
    # Compare Han characters with Latin words: a Chinese word is one or two characters.
    return CHINESE if han and han >= CHINESE_SHARE * (han + latin_words) else ENGLISH
