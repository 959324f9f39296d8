"""Request and response shapes of the web layer: query models shared by the
search page and the JSON API, and the API-only wrappers."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from kb.i18n import N_, _
from kb.language import has_han
from search.models import FACETS, Hit, ProjectProfile, SearchRequest, SearchResponse
from search.projects import SIZES as PROJECT_SIZES

MAX_QUERY = 500
PERIOD = r"^(\d{4}(-[Qq][1-4])?)?$"
"""A year (2023) or a quarter (2023-Q2), or blank for all time."""

LARGEST_ID = 2**63 - 1
"""The largest id the database can hold; a larger one in a query or body is a 422, not a database error."""
ProjectIdQuery = Annotated[int | None, Query(ge=1, le=LARGEST_ID)]

MAX_RANKED = 1_000
"""How deep search results go: offset + limit at most this, so that no request makes the engine rank
more than a fixed number of candidates (it ranks about twice the depth asked for). Deeper asks get a 422."""
MAX_LISTED = 10_000
"""How deep a plain list (projects, documents) goes: offset at most this; deeper asks get a 422."""
TOO_DEEP = N_("Search results go %(max)s deep: ask for offset + limit up to %(max)s (or a page within that). Add "
              "words or filters to reach the results beyond.")
"""In English, with %(max)s for MAX_RANKED; shown as `too_deep()`."""


def too_deep() -> str:
    return _(TOO_DEEP) % {"max": f"{MAX_RANKED:,}"}

Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=MAX_LISTED, description=f"At most {MAX_LISTED:,}; narrow the list to go further.")]


class SearchQuery(BaseModel):
    """Search parameters. Repeat a facet parameter to accept several values (OR within a facet)."""

    model_config = ConfigDict(extra="ignore")

    q: str = Field("", max_length=MAX_QUERY, description="Words or a plain-language question.")
    limit: int = Field(10, ge=1, le=100)
    offset: int = Field(0, ge=0, description=f"offset + limit at most {MAX_RANKED:,}.")
    kind: list[str] = Field([], description="lesson or risk")
    polarity: list[str] = Field([], description="went well, went wrong or improvement")
    category: list[str] = []
    phase: list[str] = []
    project_type: list[str] = []
    industry: list[str] = []
    portfolio: list[str] = []
    year: list[str] = []
    outcome: list[str] = Field([], description="successful, challenged or failed (of the project)")
    status: list[str] = Field([], description="open, closed or materialised (of a risk)")
    language: list[str] = Field([], description="Chinese or English (of the lesson or risk's own text)")
    project: list[str] = Field([], description="A project's code: its lessons and risks only.")
    year_from: int | None = Field(None, ge=1900, le=2100)
    year_to: int | None = Field(None, ge=1900, le=2100)
    ignored: list[str] = Field([], description="Detected facets to ignore, as facet:value.")

    @field_validator("year_from", "year_to", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        # A plain HTML form submits empty number boxes as "".
        return None if value == "" else value

    @field_validator("year")
    @classmethod
    def _four_digits(cls, values: list[str]) -> list[str]:
        # A year facet is matched as text, so "abc" would quietly find nothing; say so instead.
        bad = [v for v in values if v.strip() and not (v.strip().isdigit() and len(v.strip()) == 4)]
        if bad:
            raise ValueError(_("'%(value)s' is not a year: give four digits such as 2023 (repeat year for several).")
                             % {"value": bad[0][:40]})
        return [v.strip() for v in values]

    @model_validator(mode="after")
    def _within_ranked_depth(self) -> "SearchQuery":
        if self.depth > MAX_RANKED:
            raise ValueError(too_deep())
        return self

    @property
    def depth(self) -> int:
        """How many ranked results this request reaches down to."""
        return self.offset + self.limit

    def filters(self) -> dict[str, list[str]]:
        return {f: [v for v in getattr(self, f) if v] for f in FACETS if any(getattr(self, f))}

    def to_request(self, offset: int | None = None) -> SearchRequest:
        return SearchRequest(q=self.q.strip(), filters=self.filters(), year_from=self.year_from,
                             year_to=self.year_to, limit=self.limit,
                             offset=self.offset if offset is None else offset, ignored_facets=self.ignored)

    @property
    def active(self) -> bool:
        """True when the user asked for something (words or filters)."""
        return bool(self.q.strip() or self.filters() or self.year_from or self.year_to)


class SearchPageQuery(SearchQuery):
    """The search page counts in pages, not offsets."""

    page: int = Field(1, ge=1, le=MAX_RANKED)

    @property
    def depth(self) -> int:
        return self.page * self.limit

    @property
    def last_page(self) -> int:
        """The deepest page this page size reaches within MAX_RANKED."""
        return MAX_RANKED // self.limit

    def to_request(self, offset: int | None = None) -> SearchRequest:
        return super().to_request(offset=(self.page - 1) * self.limit)


class SearchResults(SearchResponse):
    """SearchResponse with the hits also under `results`, the name earlier clients of the API read."""

    results: list[Hit] = Field(default_factory=list)

    @classmethod
    def of(cls, response: SearchResponse) -> "SearchResults":
        # The response is already validated: dumping it to dicts and validating them again was a
        # tenth of an API search's time at 100k items (a page cites every near-duplicate it folds).
        fields = {name: getattr(response, name) for name in type(response).model_fields}
        return cls.model_construct(response.model_fields_set | {"results"}, **fields, results=response.hits)


class FileReportOut(BaseModel):
    name: str
    outcome: str
    """ingested, unchanged, replaced or rejected."""
    lessons: int = 0
    risks: int = 0
    reason: str | None = None
    warnings: list[str] = []
    document_id: int | None = None
    preview: bool = False
    """True when nothing was stored: the outcome is what uploading the file would do."""

    @classmethod
    def of(cls, report: Any) -> "FileReportOut":
        fields = {k: getattr(report, k, None) for k in cls.model_fields}
        fields["warnings"] = list(fields["warnings"] or [])
        fields["lessons"], fields["risks"] = fields["lessons"] or 0, fields["risks"] or 0
        fields["preview"] = bool(fields["preview"])
        return cls(**fields)


class FeedbackIn(BaseModel):
    kind: str = Field("helpful", description="helpful or applied")
    project_id: int | None = Field(None, ge=1, le=LARGEST_ID, description="The project the lesson was applied to.")


class FeedbackOut(BaseModel):
    ok: bool = True
    helpful: int
    applied: int


SIZES = tuple(label for _limit, label in PROJECT_SIZES)


class KickoffForm(BaseModel):
    """The kickoff form as posted by a browser (every field a string)."""

    name: str = Field("", max_length=200)
    project_type: str = Field("", max_length=100)
    industry: str = Field("", max_length=100)
    budget: str = Field("", max_length=40)
    size: str = Field("", max_length=20)
    description: str = Field("", max_length=5000)

    def to_profile(self) -> ProjectProfile:
        return ProjectProfile(name=self.name.strip() or None, project_type=self.project_type.strip() or None,
                              industry=self.industry.strip() or None, budget=parse_budget(self.budget),
                              size=self.size if self.size in SIZES else None, description=self.description.strip())


def _budget_in(value: object) -> object:
    """A budget in a JSON body: a number, or an amount as people write it ("3.5m", "850k", "250万")."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        return None
    amount = parse_budget(value)
    if amount is None:
        raise ValueError(_("Cannot read the budget %(budget)r: write a number or an amount such as 3.5m, 850k, "
                           "1,200,000 or 250万.") % {"budget": value[:40]})
    return amount


class ProfileIn(ProjectProfile):
    """A project profile in a JSON body: its budget a number or an amount as the kickoff form takes it."""

    budget: Annotated[float | None, BeforeValidator(_budget_in)] = Field(
        None, description='A number, or an amount as people write it: "3.5m", "850k", "1,200,000", "250万".')


def parse_budget(text: str) -> float | None:
    """'1.2m', '850k', '1,200,000', '£2.5m', 'CHF 1'250'000', '250万', '3.2亿' -> a number; anything else -> None.
    The same reading as a report's budget at ingest, so a Chinese PMO may type the amount as they write it, but of
    the whole text: a report's reader finds the amount in a sentence, which read "Q3 2025" as 32025 and "2 FTE"
    as 2 here."""
    from ingest.values import parse_money

    text = (text or "").strip()
    if not text or not (_AMOUNT_ONLY.fullmatch(text) or has_han(text)):
        return None
    return parse_money(text)[0]


_CURRENCY_CODES = ("usd|eur|gbp|chf|jpy|cny|rmb|inr|aud|cad|hkd|sgd|sek|nok|dkk|nzd|zar|brl|mxn|pln|czk|huf|krw|twd"
                   "|aed|sar|try|ils|thb|myr|idr|php")
_AMOUNT_ONLY = re.compile(r"(?:(?:" + _CURRENCY_CODES + r")\s*|[£$€¥₹￥]\s*)?\d[\d,.\s'’]*\s*"
                          r"(?:k|m|mn|bn|b|thousand|million|billion)?\.?\s*(?:" + _CURRENCY_CODES + r")?",
                          re.IGNORECASE)
"""An amount and nothing else: a number with thousands marks, a multiplier and a currency sign or code."""
