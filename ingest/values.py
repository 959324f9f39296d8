"""Reading the loose values people type into reports and registers:
dates, money, yes/no, codes, and text with HTML leftovers."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import date, datetime, timedelta

from kb.language import has_han
from kb.models import PROJECT_CODE

# --- text --------------------------------------------------------------------

_TAG = re.compile(r"</?(?:a|abbr|audio|b|blockquote|br|button|canvas|center|col|colgroup|dd|del|div|dl|dt|em|embed|"
                  r"font|form|frame|frameset|h[1-6]|hr|i|iframe|image|img|input|ins|kbd|li|marquee|math|noscript|"
                  r"object|ol|p|pre|script|span|strike|strong|style|sub|sup|svg|table|tbody|td|textarea|tfoot|th|"
                  r"thead|tr|tt|u|ul|video)(?:[\s/][^<>]{0,300})?>", re.IGNORECASE)
"""HTML tags, by name: "Bob <bob@example.com>", "List<String>" and "the <title> placeholder" are text, not tags
(names people also write in angle brackets, such as title, header or code, are left as text)."""
_TERMINAL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
                       r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Terminal escape sequences, control characters (tab and line breaks kept; C1 ones too, such as the 8-bit escape
introducer) and bidirectional overrides: in a lesson's title they would clear, retitle or reorder the terminal of
whoever runs `kb search`."""
_QUOT_WORD = re.compile(r"\w*quot\w*", re.IGNORECASE)
_REAL_QUOT_WORDS = {"quote", "quoted", "quotes", "quoting", "quota", "quotas", "quotation", "quotations",
                    "quotient", "unquote", "misquote", "misquoted", "quotable"}
_SPACES = re.compile(r"[ \t\u00a0]+")


def clean_text(value: object) -> str:
    """Text with HTML entities, tags and 'quot' leftovers (from HTML-to-text exports) repaired."""
    if value is None:
        return ""
    text = _TERMINAL.sub("", str(value).replace("\x85", "\n"))  # U+0085 is a line break (NEL), not a control
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "quot" in text.lower():
        text = _QUOT_WORD.sub(_fix_quot, text)
        text = _QUOTED.sub(r'"\1"', text).replace(_MARK, '"')
    text = _SPACES.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    return re.sub(r" ?\n ?", "\n", text).strip()


_MARK = "\x01"  # a quotation mark recovered from 'quot', paired up afterwards
_QUOTED = re.compile(_MARK + r"\s*([^" + _MARK + r"\n]{0,200}?)\s*" + _MARK)


def _fix_quot(match: re.Match) -> str:
    word = match.group()
    low = word.lower()
    if low == "quot":
        return _MARK
    if low in _REAL_QUOT_WORDS:
        return word
    if low.startswith("quot"):
        word = _MARK + word[4:]
    if word.lower().endswith("quot"):
        word = word[:-4] + _MARK
    return word


_ABBREVIATIONS = {"e.g", "i.e", "etc", "vs", "approx", "fig", "no", "dr", "mr", "mrs", "ms", "st", "inc", "ltd", "co"}
# Chinese ends a sentence with a full-width mark and no space after it.
_SENTENCE_END = re.compile(r"[.!?](?=\s+[\"'(\[]?[A-Z0-9])|[。！？](?=.)")


def first_sentence(text: str) -> tuple[str, str]:
    """(first sentence, the rest) of a text; abbreviations such as 'e.g.' do not end a sentence."""
    text = text.strip()
    for match in _SENTENCE_END.finditer(text):
        before = text[:match.start()].rsplit(None, 1)
        word = before[-1].lower().rstrip(".") if before else ""
        if word in _ABBREVIATIONS or len(word) == 1:
            continue
        return text[:match.end()].strip(), text[match.end():].strip()
    return text, ""


def shorten(text: str, limit: int = 140) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:-– ")
    return cut + "…"


def normalise_key(key: object) -> str:
    """A header or metadata key reduced for matching: 'Probability (1-5)' → 'probability', 'P × I' → 'p x i'."""
    text = str(key or "").replace("\u00a0", " ").lower()
    text = re.sub(r"\((?!s\))[^)]*\)|（[^）]*）", " ", text)  # drop '(1-5)', '（万元）'; keep 'lesson(s)' below
    text = text.replace("(s)", "").replace("×", " x ").replace("*", " x ")
    text = re.sub(r"\s*/\s*", "/", text)
    text = re.sub(r"[_\s]+", " ", text).strip(" :?.-：？")
    return text


# --- codes -------------------------------------------------------------------



def looks_like_code(text: str) -> bool:
    """True for 'FIN-ERP-2021' or 'P123'; False for names such as 'Space Shuttle Program' or 'Juno'."""
    text = text.strip()
    if not PROJECT_CODE.fullmatch(text):
        return False
    return any(ch.isdigit() for ch in text) or "-" in text or text.isupper()


def code_from_name(name: str) -> str:
    """A project code made from a project name: 'Mars Science Laboratory (MSL)' → 'MARS-SCIENCE-LABORATORY-MSL'."""
    code = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").upper()
    if len(code) > 64:
        code = code[:64].rsplit("-", 1)[0]
    if has_han(name):  # '华东仓储 ERP 迁移' would shrink to 'ERP': keep names apart with a digest
        digest = hashlib.sha1(name.strip().encode("utf-8")).hexdigest()[:6].upper()
        code = f"{code}-{digest}" if code else f"P-{digest}"
    return code or "UNNAMED"


_NONE_VALUES = {"", "n/a", "na", "none", "-", "--", "—", "tbd", "tbc", "unknown", "not applicable",
                "not specified", "various", "multiple", "null", "nil", "无", "暂无", "不适用", "待定", "不详"}


def is_blank(value: object) -> bool:
    """True for empty cells and placeholders such as 'N/A', 'TBD', 'various'."""
    return value is None or str(value).strip().lower() in _NONE_VALUES


# --- yes / no ------------------------------------------------------------------

_YES = {"yes", "y", "true", "1", "x", "✓", "✔", "occurred", "materialised", "materialized", "是", "有", "已发生"}
_NO = {"no", "n", "false", "0", "not occurred", "did not occur", "否", "无", "未发生"}


def parse_yes_no(value: object) -> bool | None:
    """True / False for yes-no cells ('Yes', 'Y', 'x', 'Yes - see issue 4'); None when it is neither."""
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in _YES or re.match(r"(yes|y)\b", text):
        return True
    if text in _NO or re.match(r"no\b", text):
        return False
    return None


# --- dates -------------------------------------------------------------------

_MONTH_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y", "%d-%b-%Y", "%d-%B-%Y", "%d %b %y",
                  "%d-%b-%y", "%d-%B-%y", "%d %B %y",  # Excel's d-mmm-yy: 30-Jun-24
                  "%B %Y", "%b %Y", "%b-%y", "%b-%Y", "%B-%Y", "%A %d %B %Y")  # mmm-yy: Jun-24 is June 2024
_NUMERIC = re.compile(r"(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})")


def parse_date(value: object, *, day_first: bool = True) -> date | None:
    """A date from a date object, an Excel serial number or common text forms; None if it is not one.

    Slash dates are day-first ('05/03/2021' is 5 March) unless `day_first` is False;
    a day above 12 settles the order either way."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _excel_serial(value)
    text = str(value or "").strip()
    if not text:
        return None
    if text.isdigit():  # an Excel date exported to CSV as its serial number ('45200' is 1 October 2023)
        return _excel_serial(int(text))
    return _iso(text) or _numeric(text, day_first) or _chinese_date(text) or _with_month_name(text)


def _excel_serial(number: float) -> date | None:
    if 20000 < number < 80000:  # 1954..2119: an Excel serial date, not a year or an amount
        return date(1899, 12, 30) + timedelta(days=int(number))
    return None


def _iso(text: str) -> date | None:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[T ][\d:.+\-Z]*)?", text)
    if not match:
        return None
    year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
    return _safe_date(year, month, day)


def _numeric(text: str, day_first: bool) -> date | None:
    match = _NUMERIC.fullmatch(text.split(" ")[0])
    if not match:
        return None
    a, b, c = (int(x) for x in match.groups())
    if len(match[1]) == 4:
        return _safe_date(a, b, c)
    year = c + 2000 if c < 100 else c
    if a > 12 or (day_first and b <= 12):
        return _safe_date(year, b, a)
    return _safe_date(year, a, b)


_CHINESE_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?")


def _chinese_date(text: str) -> date | None:
    """'2024年3月15日' (or '2024年3月' for the first of the month)."""
    match = _CHINESE_DATE.match(text)
    return _safe_date(int(match[1]), int(match[2]), int(match[3] or 1)) if match else None


def _with_month_name(text: str) -> date | None:
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.replace(",", " "))
    cleaned = " ".join(cleaned.split())
    for fmt in _MONTH_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def slash_order(values: list[object]) -> bool | None:
    """Whether a column of slash dates is day-first (True), month-first (False) or undecided (None)."""
    for value in values:
        match = _NUMERIC.fullmatch(str(value or "").strip().split(" ")[0])
        if match and len(match[1]) <= 2:
            a, b = int(match[1]), int(match[2])
            if a > 12 >= b:
                return True
            if b > 12 >= a:
                return False
    return None


# --- money -------------------------------------------------------------------

_SYMBOLS = {"£": "GBP", "$": "USD", "€": "EUR", "¥": "JPY", "₹": "INR", "chf": "CHF"}
_MULTIPLIERS = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "bn": 1e9, "b": 1e9,
                "billion": 1e9}
_MONEY = re.compile(
    r"(?P<pre>[A-Za-z]{3}|[£$€¥₹])?\s*(?P<num>\d[\d,\s'’]*(?:\.\d+)?)\s*"
    r"(?P<mult>k|m|mn|bn|b|thousand|million|billion)?\b\.?\s*(?P<post>[A-Za-z]{3}\b|[£$€¥₹](?!\s*\d))?",
    re.IGNORECASE,
)


_YUAN = re.compile(r"(?P<pre>[¥￥]|rmb|cny|人民币)?\s*(?P<num>\d[\d,，]*(?:\.\d+)?)\s*(?P<mult>千|万|亿)?"
                   r"\s*(?P<post>元|人民币|rmb|cny)?", re.IGNORECASE)
_YUAN_MULTIPLIERS = {"千": 1e3, "万": 1e4, "亿": 1e8}


def parse_money(value: object, *, yen: str = "JPY") -> tuple[float | None, str | None]:
    """(amount, ISO currency) from '£1.2m', '$850k', '1,200,000 EUR', '320万元', '3.2亿' or a number;
    (None, None) if unreadable. `yen` is what a bare '¥' means: 'CNY' in a document written in Chinese."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A budget or a cost is never below zero, nor infinite (YAML reads '-5' and '.inf' as numbers).
        return (float(value), None) if 0 <= value <= MAX_AMOUNT else (None, None)
    text = str(value or "").strip()
    if text.startswith("-") or has_exponent(text):  # '1.5e6' and '1e400' were read as 1.5 and 400
        return None, None
    text = _EUROPEAN.sub(lambda m: m[1].replace(".", "") + ("." + m[2] if m[2] else ""), text)
    if has_han(text) or "￥" in text or (yen == "CNY" and "¥" in text):
        amount, currency = _yuan(text)
        return amount, currency or ("CNY" if amount is not None and yen == "CNY" else None)
    match = _MONEY.search(text)
    if match and re.search(r"['’]", match["num"]) and re.search(r"\s", match["num"].strip()):
        return None, None  # "Q3'24 2m": an apostrophe groups thousands only without spaces (CHF 1'250'000)
    if not match or not _GROUPED.fullmatch(re.sub(r"\s", "", match["num"]).rstrip("'’")) or _CONTINUED.match(text, match.end("num")):
        return None, None  # '2,5 Mio' or '1.234.567,89' (decimal commas) would be read wrong: say so instead
    number = float(re.sub(r"[,\s'’]", "", match["num"]))
    mult = _MULTIPLIERS.get((match["mult"] or "").lower(), 1.0)
    if number * mult > MAX_AMOUNT:
        return None, None
    # Round to cents: '£2.05m' is 2,050,000, not 2,049,999.9999999998.
    return round(number * mult, 2), _currency(match["pre"], match["post"])


_EUROPEAN = re.compile(r"(?<![\d.,])(\d{1,3}(?:\.\d{3}){2,}|\d{1,3}(?:\.\d{3})+(?=,\d{1,2}(?![\d.,])))(?:,(\d{1,2}))?(?![\d.,])")
"""An amount grouped with dots, as much of Europe writes it: '1.350.000 €', '1.350,50 EUR' (two groups, or a decimal
comma, say which it is; '1.250' alone does not)."""
_EXPONENT = re.compile(r"\d[eE][+-]?\d")


def has_exponent(text: str) -> bool:
    """Whether a number is written with an exponent ('1.5e6'), which the readers here would misread."""
    return bool(_EXPONENT.search(text))

_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:['’]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
"""A number as English writes it, commas only between thousands, or as Swiss writing does: 1'250'000."""
_CONTINUED = re.compile(r"[.,'’]\d")
MAX_AMOUNT = 1e13
"""No project budget reaches ten trillion in any currency: above it, a number was misread."""


def _yuan(text: str) -> tuple[float | None, str | None]:
    match = _YUAN.search(text)
    if not match:
        return None, None
    number = float(re.sub(r"[,，]", "", match["num"])) * _YUAN_MULTIPLIERS.get(match["mult"] or "", 1.0)
    if number > MAX_AMOUNT:
        return None, None
    marked = match["pre"] or match["post"] or "元" in text or "人民币" in text
    return round(number, 2), "CNY" if marked else None


def _currency(pre: str | None, post: str | None) -> str | None:
    for token in (pre, post):
        if not token:
            continue
        if token in _SYMBOLS:
            return _SYMBOLS[token]
        if len(token) == 3 and token.isalpha() and token.upper() == token:
            return token.upper()
    return None
