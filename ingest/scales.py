"""Risk ratings and statuses as registers write them, on the scales the store uses."""

from __future__ import annotations

import re

from kb import vocab
from kb.language import has_han
from ingest.values import parse_yes_no

# Longest phrases first so 'very high' is not read as 'high'.
_RATING_WORDS = (
    ("almost certain", 5), ("very high", 5), ("very likely", 5), ("extreme", 5), ("catastrophic", 5),
    ("severe", 5), ("critical", 5), ("very low", 1), ("very unlikely", 1), ("negligible", 1),
    ("insignificant", 1), ("rare", 1), ("medium", 3), ("moderate", 3), ("possible", 3), ("med", 3),
    ("high", 4), ("likely", 4), ("major", 4), ("significant", 4), ("low", 2), ("unlikely", 2),
    ("minor", 2),
    # Chinese registers: 很高 … 很低, longest first for the same reason ('很高' is not '高').
    ("非常高", 5), ("极高", 5), ("很高", 5), ("非常低", 1), ("极低", 1), ("很低", 1), ("较高", 4), ("较低", 2),
    ("中等", 3), ("一般", 3), ("严重", 5), ("轻微", 1), ("高", 4), ("中", 3), ("低", 2),
)
_NUMBER = re.compile(r"(\d+(?:[.,]\d+)?)\s*(%)?")
"""A rating is at most 100, so a comma is always a decimal one: '0,3', '2,5', '70,5 %' (European registers)."""
_CHINESE_RATING = re.compile(r"\s*([\u4e00-\u9fff]{1,3}?)(?:风险|概率|影响|等级|级)?\s*")
"""'高', '中等', '很高', '高风险': the cell is the rating word, perhaps with a unit."""


_LETTERS = {"vh": 5.0, "h": 4.0, "m": 3.0, "l": 2.0, "vl": 1.0, "e": 5.0, "c": 5.0}
"""A rating cell of letters alone: VH, H, M, L, VL (and E, C for extreme, critical)."""
_SCALE = re.compile(r"\b[01]\s*(?:-|–|to)\s*(3|4|5|10|25|100)\b")
FRACTIONS = 1
"""The scale of a column of fractions (0.3, 0.7, 1.0): parts of 100%."""
_PLAIN_NUMBER = re.compile(r"\s*\d+(?:[.,]\d+)?\s*")
_BAND = re.compile(r"(\d+(?:[.,]\d+)?)\s*%?\s*(?:-|–|—|to)\s*(\d+(?:[.,]\d+)?)\s*%"
                   r"|([<>≤≥]=?)\s*(\d+(?:[.,]\d+)?)\s*%")
"""A percentage band: '30-50%', '70–100%', '>50%', '<10%'."""
_CURRENCY = r"[£$€¥₹￥]|\b(?:gbp|usd|eur|chf|jpy|cny|inr|aud|cad|rmb)\b|万元|元"
_AMOUNT = re.compile(rf"(?:{_CURRENCY})\s*\d|\d\s*(?:{_CURRENCY})|\d\s*(?:k|m|mn|bn|thousand|million|billion)\b",
                     re.IGNORECASE)
"""Money, which is no 1-5 rating: '£80k', '250k', 'GBP 1.2m', '30万元'."""
_FILLER = re.compile(r"\b(?:probability|likelihood|impact|severity|chance|risk|rating|score|level|of|out|on|"
                     r"scale|occurrence|very|almost|certain)\b|\d+(?:[.,]\d+)?|[^\w\u4e00-\u9fff]+", re.IGNORECASE)


def scale_of(header: object) -> int | None:
    """The top of the scale a column's header names: 'Likelihood (1-10)' → 10, 'Impact 1–3' → 3."""
    match = _SCALE.search(str(header or ""))
    return int(match[1]) if match else None


def column_scale(header: object, values) -> int | None:
    """The scale of a whole column: the one its header names, else the one its plain numbers fit.
    Decided per cell, a 1-10 column read 5 as 5 of 5 beside 6 as 3 of 5; fractions read 1.0 (100%) as 1 of 5."""
    named = scale_of(header)
    if named:
        return named
    numbers = [_number(v) for v in values]
    numbers = [n for n in numbers if n is not None and n >= 0]
    if not numbers:
        return None
    top = max(numbers)
    if top <= 1 and any(0 < n < 1 for n in numbers):
        return FRACTIONS
    if "%" in str(header or ""):  # 'Likelihood %' holding 5 and 10: percentages, not a 1-10 scale
        return 100
    scale = next((scale for scale in (5, 10, 100) if top <= scale), None)
    others = sorted(numbers)[:-1]
    fits = next((tier for tier in (5, 10) if others and max(others) <= tier), None)
    if scale in (10, 100) and len(numbers) >= 4 and fits and fits < scale:
        return fits  # one stray value (4, 3, 15, 5): the others' scale, not the column as percentages
    return scale


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value or "")
    return float(text.replace(",", ".")) if _PLAIN_NUMBER.fullmatch(text) else None


def is_amount(value: object, header: object = None) -> bool:
    """Whether a cell is a sum of money ('£80k', '250k', or 5000 under 'Impact (£)'), which a rating column
    sometimes holds."""
    if isinstance(value, str) and _AMOUNT.search(value):
        return True
    return _number(value) is not None and bool(re.search(_CURRENCY, str(header or ""), re.IGNORECASE))


def is_description(value: object) -> bool:
    """Whether a cell says what would happen ('Go-live slips by 6 weeks') rather than rating it ('4 - Major',
    'Likely (50-70%)'): three words or more, or four Chinese characters, besides the rating's own."""
    if not isinstance(value, str) or _CHINESE_RATING.fullmatch(value):
        return False
    text = _FILLER.sub(" ", value.lower())
    for phrase, _score in _RATING_WORDS:
        text = text.replace(phrase, " ") if has_han(phrase) else re.sub(rf"\b{phrase}\b", " ", text)
    words = [w for w in text.split() if len(w) > 1 or has_han(w)]
    return len(words) >= 3 or sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") >= 4


def leading_rating(value: object) -> float | None:
    """The rating word a description starts with: 'High - go-live slips by 6 weeks' → 4."""
    text = str(value or "").strip().lower()
    for phrase, score in _RATING_WORDS:
        if not has_han(phrase) and re.match(rf"{phrase}\s*(?:[-–—]\s|[:;,(])", text):  # not 'Low-cost …'
            return float(score)
    number = re.match(r"([1-5])\s*(?:\(\s*|[-–—:]\s*)(?:very |extremely )?(?:negligible|insignificant|minor|low|moderate"
                      r"|medium|major|high|severe|critical|significant|catastrophic)\b", text)
    return float(number[1]) if number else None  # '4 (Major) - 3-month delay', not '2 – 3 weeks delay'


def rating(value: object, top: int | None = None) -> float | None:
    """A probability or impact on the 1-5 scale.

    Reads 1-5 numbers, 1-10 numbers (halved), fractions and percentages
    (70% → 4), words (low, likely, major...) and letters (H, M, L). None when unreadable, and for a
    description or an amount, which are not ratings. When a cell has a word and numbers, the word
    decides: 'Unlikely (10-30%)' is 2, where its first number read it as 5. A band without a word
    reads by its middle ('30-50%' → 3).
    `top` is the scale of its column (`column_scale`): on 1-10, 5 is 2.8 rather than 5 of 5,
    and on 1-3, 3 is 5."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _on_scale(float(value), top) if top else _from_number(float(value), percent=False)
    text = str(value).strip().lower()
    if is_amount(text) or is_description(text):
        return None
    word = _rating_word(text)
    if word is not None:
        return word
    band = _BAND.search(text)
    if band:
        return _from_percent(_band_middle(band))
    match = _NUMBER.search(text)
    if match:
        number = float(match[1].replace(",", "."))
        return _on_scale(number, top) if top and not match[2] else _from_number(number, percent=bool(match[2]))
    return None


def _rating_word(text: str) -> float | None:
    if text.strip(" .") in _LETTERS:
        return _LETTERS[text.strip(" .")]
    for phrase, score in _RATING_WORDS:
        if re.search(rf"\b{phrase}\b", text) or (has_han(phrase) and _CHINESE_RATING.fullmatch(text)
                                                   and _CHINESE_RATING.fullmatch(text)[1] == phrase):
            return float(score)
    return None


def _band_middle(band: re.Match) -> float:
    """The percentage a band stands for: its middle, or just past its bound ('>50%' is above 50)."""
    if band[1]:
        return (float(band[1].replace(",", ".")) + float(band[2].replace(",", "."))) / 2
    bound = float(band[4].replace(",", "."))
    return bound + 0.5 if band[3].startswith((">", "≥")) else bound - 0.5


def _on_scale(number: float, top: int) -> float | None:
    """`number` on a 1-`top` scale, moved onto 1-5 (a 1-5 scale leaves it as it is)."""
    if top == FRACTIONS:
        return _from_percent(number * 100) if 0 <= number <= 1 else _from_number(number, percent=False)
    if top == 100:
        return _from_percent(number) if 0 <= number <= 100 else None
    if top == 5 and 5 < number <= 10:
        return 5.0  # a stray 6 in a 1-5 column is at its top, not below the 4 beside it
    if not 1 <= number <= top:
        return _from_number(number, percent=False) if number < 1 else None
    return round(1 + (number - 1) * 4 / (top - 1), 1)


def _from_number(number: float, *, percent: bool) -> float | None:
    if percent or number > 10:
        return _from_percent(number) if number <= 100 else None
    if 0 < number < 1:
        return _from_percent(number * 100)
    if 1 <= number <= 5:
        return number
    if 5 < number <= 10:
        return float(round(number / 2))
    return None


def _from_percent(pct: float) -> float:
    for upper, score in ((10, 1), (30, 2), (50, 3), (70, 4)):
        if pct <= upper:
            return float(score)
    return 5.0


def score(given: object, probability: float | None, impact: float | None) -> float | None:
    """The register's numeric score when it has one, else P × I."""
    if isinstance(given, (int, float)) and not isinstance(given, bool):
        return float(given)
    match = _NUMBER.fullmatch(str(given or "").strip())
    if match and not match[2] and not re.search(r",\d{3}$", match[1]):  # "12,500" is money, not a score
        return float(match[1].replace(",", "."))
    if probability is not None and impact is not None:
        return round(probability * impact, 2)  # 2.8 × 2.8 is 7.84, not 7.839999999999999
    return None


_NOT_OCCURRED = re.compile(
    r"\b(?:not|never|no|didn't|hasn't|haven't|wasn't|without)\b[\s-]*(?:been\s+|yet\s+|have\s+|has\s+|any\s+)?"
    r"(?:occurr?(?:ed)?|materiali[sz]ed?|reali[sz]ed|triggered|happen(?:ed)?|bec[oa]me an issue"
    r"|issues?(?!\s+(?:remaining|outstanding|open|left|since)))\b"
    r"|\b(?:materiali[sz]ed|occurred|triggered|reali[sz]ed|happened)\s*[:?]?\s*(?:no|n)\b"
    r"|未(?:曾)?(?:发生|触发|转为问题)|没有?(?:发生|触发)", re.IGNORECASE)
"""A status that says the risk did not happen: 'Closed - not materialised', 'Never occurred', 'Not realised',
'Materialised: No', 'Mitigated - no issue', 'Did not become an issue', '未发生'. Its words name materialisation
('issue' among them), which read it as the opposite."""


def risk_status(value: object) -> str | None:
    """open, closed or materialised from a status cell ('Occurred - now issue I-12' → materialised;
    'Closed - not materialised' → closed; 'not occurred yet' → open)."""
    text = str(value or "").strip()
    if not text:
        return None
    negated = _NOT_OCCURRED.search(text)
    if negated:  # "Open - not materialised" is open, "Closed - not materialised" closed, "not yet" still open
        rest = (text[:negated.start()] + " " + text[negated.end():]).strip(" -–—,;:()")
        said = vocab.RISK_STATUS.canonical(rest) or next(iter(vocab.RISK_STATUS.detect(rest)), None) if rest else None
        if said in ("open", "closed"):
            return said
        return "open" if re.search(r"\byet\b|尚未|还没", text, re.IGNORECASE) else "closed"
    return vocab.RISK_STATUS.canonical(text) or next(iter(vocab.RISK_STATUS.detect(text)), None)


def materialised(status: str | None, flag: object = None) -> bool:
    """True when the status says so or a Materialised?/Occurred? column says yes."""
    return status == "materialised" or parse_yes_no(flag) is True
