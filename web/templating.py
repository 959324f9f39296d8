"""The one Jinja2 environment, its filters, and `render`.

`templates` is the shared `Jinja2Templates`; `render(request, "page.html",
partial="_body.html", **context)` returns the page, or only the partial when
htmx asked for it, so a page and its fragment come from the same file.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup, escape

from kb import i18n, vocab
from kb.i18n import N_
from kb.texts import location_label
from search.projects import size_words
from web import rules, security
from web.auth import AUDIENCE
from web.deps import is_htmx

TEMPLATES_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)

NAV = (("/search", N_("Search")), ("/kickoff", N_("Kickoff pack")), ("/projects", N_("Projects")),
       ("/portfolio", N_("Portfolio")), ("/documents", N_("Documents")), ("/ingest", N_("Ingest")),
       ("/themes", N_("Themes")), ("/metrics", N_("Metrics")), ("/templates", N_("Templates")))
"""The main menu: (path, label); labels are translated where shown."""

ROLE_NAMES = (N_("viewer"), N_("pm"), N_("admin"))
"""The roles as the header names them (kb.access.Role values), for the catalogue."""


def render(request: Request, template: str, *, partial: str | None = None, status_code: int = 200,
           **context: Any):
    """The full page, or `partial` alone for an htmx request."""
    name = partial if partial and is_htmx(request) else template
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers["Vary"] = "HX-Request"
    return response


# --- filters ------------------------------------------------------------------

def highlight(text: str | None, words: Iterable[str] | None) -> Markup:
    """Escape `text`, then wrap each occurrence of `words` in <mark>."""
    text = text or ""
    terms = sorted({w for w in (words or []) if w and w.strip()}, key=len, reverse=True)
    if not terms:
        return escape(text)
    # Whole words only: "test" must not light up inside "latest".
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in terms) + r")(?!\w)", re.IGNORECASE)
    spans: list[list[int]] = []
    for match in pattern.finditer(text):
        # "data migration" reads better as one mark than as two.
        if spans and not text[spans[-1][1]:match.start()].strip(" -"):
            spans[-1][1] = match.end()
        else:
            spans.append([match.start(), match.end()])
    out, last = [], 0
    for start, end in spans:
        out += [escape(text[last:start]), Markup("<mark>%s</mark>") % text[start:end]]
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


def money(amount: float | None, currency: str | None = None) -> str:
    """1.25m in English, 125万 in Chinese: large amounts in the unit the reader counts in."""
    if amount is None:
        return "—"
    sign = "−" if amount < 0 else ""
    value = abs(amount)
    if i18n.current() == i18n.CHINESE:
        text = (f"{i18n.format_number(value / 1e8, 2)}亿" if value >= 1e8 else
                f"{i18n.format_number(value / 1e4, 1)}万" if value >= 1e4 else i18n.format_number(value))
    else:
        text = f"{i18n.format_number(value / 1e6, 2)}m" if value >= 1e6 else i18n.format_number(value)
    return f"{sign}{currency + ' ' if currency else ''}{text}"


def signed(value: float | int | None, suffix: str = "") -> str:
    """+12 days, −3.5%: the sign a reader of a variance needs."""
    if value is None:
        return "—"
    number = f"{abs(value):,.1f}".removesuffix(".0") if isinstance(value, float) else f"{abs(value):,}"
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return f"{sign}{number}{suffix}"


def nice_date(value: date | datetime | str | None) -> str:
    if not value:
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return i18n.format_date(value)


def filesize(n: int | None) -> str:
    """"812 bytes", "12.3 KB", "4.1 MB" with the reader's digits ("812 字节" in Chinese)."""
    n = n or 0
    if n < 1024:
        return i18n.ngettext("%(num)s byte", "%(num)s bytes", n) % {"num": i18n.format_number(n)}
    kilobytes = n / 1024
    if kilobytes < 1024:
        return f"{i18n.format_number(kilobytes, 1)} KB"
    return f"{i18n.format_number(kilobytes / 1024, 1)} MB"


label = vocab.shown


facet_label = vocab.facet_label


def url_with(request: Request, path: str | None = None, *, drop: Iterable[str] = (),
             add: Iterable[tuple[str, str]] = (), remove: Iterable[tuple[str, str]] = (), **replace: Any) -> str:
    """The current URL's query with some parameters replaced, added, or removed.

    `replace` sets single values (None removes the key); `add`/`remove` edit
    repeated parameters such as facet values."""
    dropped = set(drop) | set(replace)
    gone = {(k, str(v)) for k, v in remove}
    items = [(k, v) for k, v in request.query_params.multi_items() if k not in dropped and (k, v) not in gone]
    items += [(k, str(v)) for k, v in replace.items() if v not in (None, "")]
    items += [(k, str(v)) for k, v in add if (k, str(v)) not in items]
    query = urlencode(items)
    return (path or request.url.path) + (f"?{query}" if query else "")


def page_numbers(current: int, last: int, width: int = 2) -> list[int | None]:
    """Page numbers around the current one, with None where a gap is elided."""
    wanted = {1, last} | set(range(max(1, current - width), min(last, current + width) + 1))
    out: list[int | None] = []
    for n in sorted(wanted):
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


VERY_CLOSE = 0.75
"""Cosine similarity from which a precedent reads "very close"; early warnings show none below 0.60."""


def closeness(similarity: float) -> str:
    """A precedent's similarity in words; the number itself goes in a title attribute for the curious."""
    return "very close" if similarity >= VERY_CLOSE else "close"


def domid(value: Any) -> str:
    """A value made safe for an HTML id ("went wrong" -> "went-wrong")."""
    return re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-") or "x"


def item_url(kind: str, item_id: int) -> str:
    return f"/{'risks' if kind == 'risk' else 'lessons'}/{item_id}"


def source_url(document_id: int, anchor: str | None) -> str:
    return f"/documents/{document_id}" + (f"#{anchor}" if anchor else "")


@pass_context
def csrf_field(context) -> Markup:
    """`{{ csrf_field() }}` in every POST form: the hidden input holding this browser's CSRF token."""
    return security.csrf_field(context["request"])


@pass_context
def may(context, method: str, path: str) -> bool:
    """`{% if may("POST", "/lessons/{lesson_id}/publish") %}`: whether the signed-in person's role may use
    that route (web/rules.py RULES, the rule the server enforces), so a page offers only what they may do."""
    return rules.allows(signed_in(context), method, path)


@pass_context
def signed_in(context):
    """The signed-in person's Audience (web.auth), or None on the sign-in page."""
    return context["request"].scope.get(AUDIENCE)


@pass_context
def htmx_headers(context) -> Markup:
    """`<body hx-headers="{{ htmx_headers() }}">`: htmx sends the CSRF token with every request."""
    return security.htmx_headers(context["request"])


env = templates.env
# Templates change only with a release: without this Jinja stats every template file on every render
# (a twentieth of the server's time under load, by py-spy).
env.auto_reload = False
# Every string a template shows goes through the catalogue (kb/i18n.py): {{ _("Search") }},
# {{ _("%(n)s results", n=total) }} (newstyle: a literal percent sign is written %%), {{ ngettext(...) }}.
env.add_extension("jinja2.ext.i18n")
env.install_gettext_callables(gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True, pgettext=i18n.pgettext)
env.filters.update(number=i18n.format_number, percent=i18n.format_percent, datetime=i18n.format_datetime,
                   place=location_label)
env.filters.update(highlight=highlight, money=money, signed=signed, nice_date=nice_date, filesize=filesize,
                   facet_label=facet_label, label=label, domid=domid, closeness=closeness)
env.globals.update(
    NAV=NAV, LANGUAGES=i18n.LANGUAGES, size_words=size_words, language=i18n.current, may=may, signed_in=signed_in, csrf_field=csrf_field, htmx_headers=htmx_headers, url_with=url_with, page_numbers=page_numbers, item_url=item_url, source_url=source_url,
    POLARITIES=list(vocab.POLARITIES), CATEGORIES=list(vocab.CATEGORIES), PHASES=list(vocab.PHASES),
    PROJECT_TYPES=list(vocab.PROJECT_TYPES), OUTCOMES=list(vocab.OUTCOMES),
    RISK_STATUSES=list(vocab.RISK_STATUSES), DOCUMENT_KINDS=list(vocab.DOCUMENT_KINDS),
)
