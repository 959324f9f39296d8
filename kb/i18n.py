"""The one catalogue of user-visible strings, and the language they are shown in.

Every label, message, error, CSV header and chart title is written in English in the code and
looked up here (`_("Search")`), so a Chinese PMO reads the same app in Chinese. The catalogue
is gettext's, managed with Babel: `make i18n` extracts the strings into `kb/locale/messages.pot`
and updates `kb/locale/<lang>/LC_MESSAGES/messages.po`; `make install` compiles the `.mo` files.
A `.po` newer than its `.mo` (or with no `.mo`, as in a fresh clone before `make install`) is
compiled in memory, so the catalogue on disk is always the one shown.

The language of the moment is a context variable: the web app sets it per request (the person's
choice, then their browser's Accept-Language, then `KB_LANGUAGE`), the CLI once from
`KB_LANGUAGE`. Strings held in module constants are marked with `N_` (extracted, not translated)
and translated where they are shown, so one module serves both languages at once.
"""

from __future__ import annotations

import io
import os
import re
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Iterator

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
ENGLISH, CHINESE = "en", "zh_CN"
LANGUAGES = {ENGLISH: "English", CHINESE: "中文"}
"""The languages the app speaks → their names, each written in its own language (the switch shows these)."""


def configured_language() -> str:
    """`KB_LANGUAGE` (en, zh_CN, or anything `supported` understands), English when unset or unknown."""
    return supported(os.environ.get("KB_LANGUAGE", "")) or ENGLISH


_language: ContextVar[str] = ContextVar("kb_language")


def supported(tag: str | None) -> str | None:
    """The language we speak for a tag such as "zh-CN", "zh_Hans", "zh", "en-GB"; None when we speak none of it.
    Any Chinese is shown in simplified Chinese, the catalogue there is."""
    base = re.split(r"[-_]", (tag or "").strip().lower(), maxsplit=1)[0]
    return {"zh": CHINESE, "en": ENGLISH}.get(base)


def negotiate(accept_language: str | None) -> str | None:
    """The best language of an Accept-Language header ("zh-CN,zh;q=0.9,en;q=0.8"), or None."""
    choices = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if quality > 0 and (language := supported(tag)):
            choices.append((-quality, position, language))
    return min(choices)[2] if choices else None


def current() -> str:
    """The language strings are shown in now: the request's or the CLI's, else `KB_LANGUAGE`."""
    return _language.get(None) or configured_language()


def set_language(language: str) -> None:
    """Show strings in `language` from now on in this context (a request, the CLI process)."""
    _language.set(supported(language) or ENGLISH)


@contextmanager
def using(language: str) -> Iterator[None]:
    """`with using("zh_CN"):` strings in Chinese inside the block only."""
    token = _language.set(supported(language) or ENGLISH)
    try:
        yield
    finally:
        _language.reset(token)


@cache
def _catalogue(language: str, stamp: tuple[float, float]) -> NullTranslations:
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and stamp[1] >= stamp[0]:
        with mo.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


STAMP_SECONDS = 5.0
"""How long a catalogue's file times are trusted before they are read again (an edited .po shows
within this). Not on every string: a page translates hundreds, and each look at the disk is a
system call that gives up the GIL, measured as a fifth of the request threads' time under load."""
_stamps: dict[Path, tuple[float, tuple[float, float]]] = {}


def translations(language: str | None = None) -> NullTranslations:
    """The compiled catalogue of `language` (default: the current one)."""
    language = language or current()
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    now = time.monotonic()
    seen = _stamps.get(po)
    if seen is None or now - seen[0] > STAMP_SECONDS:
        mo = po.with_suffix(".mo")
        seen = _stamps[po] = (now, (po.stat().st_mtime if po.exists() else 0.0,
                                    mo.stat().st_mtime if mo.exists() else -1.0))
    return _catalogue(language, seen[1])


def gettext(message: str) -> str:
    """`message` in the current language (itself when the catalogue has no translation)."""
    return translations().gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n` in the current language ("1 lesson", "3 lessons")."""
    return translations().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in a context that tells two identical English words apart ("status" of a risk vs a report)."""
    return translations().pgettext(context, message)


_ = gettext


def N_(message: str) -> str:
    """Marks a constant for extraction without translating it; translate it where it is shown: `_(LABEL)`."""
    return message


VALIDATION_MESSAGES = {
    "int_parsing": N_("a whole number is expected, not %(input)s"),
    "int_type": N_("a whole number is expected, not %(input)s"),
    "int_from_float": N_("a whole number is expected, not %(input)s"),
    "float_parsing": N_("a number is expected, not %(input)s"),
    "float_type": N_("a number is expected, not %(input)s"),
    "bool_parsing": N_("true or false is expected, not %(input)s"),
    "date_parsing": N_("a date (YYYY-MM-DD) is expected, not %(input)s"),
    "date_from_datetime_parsing": N_("a date (YYYY-MM-DD) is expected, not %(input)s"),
    "greater_than_equal": N_("must be %(ge)s or more"),
    "greater_than": N_("must be more than %(gt)s"),
    "less_than_equal": N_("must be %(le)s or less"),
    "less_than": N_("must be less than %(lt)s"),
    "string_too_long": N_("must be at most %(max_length)s characters long"),
    "string_too_short": N_("must be at least %(min_length)s characters long"),
    "too_long": N_("takes at most %(max_length)s values"),
    "missing": N_("is required"),
    "literal_error": N_("must be one of %(expected)s"),
    "enum": N_("must be one of %(expected)s"),
    "json_invalid": N_("is not valid JSON"),
}
"""Pydantic's messages for the mistakes people make, in the reader's language (pydantic writes
English only): for the web app's query and form parameters and the CLI's options alike. Any other
kind of error keeps pydantic's English message."""


def validation_text(err: dict) -> str:
    """One pydantic error (an item of `ValidationError.errors()`) in the reader's language."""
    template = VALIDATION_MESSAGES.get(err.get("type", ""))
    if template is None:
        return str(err.get("msg", "invalid")).removeprefix("Value error, ")  # our own validators' messages read whole
    given = str(err.get("input", ""))
    values = {**{k: str(v) for k, v in (err.get("ctx") or {}).items()},
              "input": "“" + (given if len(given) <= 40 else given[:40] + "…") + "”"}
    try:
        return _(template) % values
    except (KeyError, ValueError):  # a context pydantic did not give: its own words, rather than none
        return str(err.get("msg", "invalid"))


# --- numbers and dates in the reader's locale ----------------------------------------------

def babel_locale(language: str | None = None) -> Locale:
    return Locale.parse(language or current())


def format_number(value: float | int | None, digits: int = 0) -> str:
    """12,345 or 12,345.6 as the reader writes numbers; "—" for nothing."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=babel_locale())


def format_percent(value: float | None, digits: int = 0) -> str:
    """A share 0.548 as "54.8%" (digits=1)."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return babel_numbers.format_percent(value, format=pattern, locale=babel_locale())


def format_date(value: date | datetime | None, form: str = "medium") -> str:
    """A day as the reader writes it: "15 Mar 2024" in English, "2024年3月15日" in Chinese."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.date()
    if current() == ENGLISH and form == "medium":
        return f"{value.day} {babel_dates.format_date(value, 'MMM y', locale='en')}"
    return babel_dates.format_date(value, format=form, locale=babel_locale())


def format_datetime(value: datetime | None) -> str:
    """A moment to the minute, in the reader's form."""
    if value is None:
        return "—"
    day = format_date(value)
    return f"{day} {value:%H:%M}"
