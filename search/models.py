"""The shapes search returns: to the CLI, to the JSON API and to templates.

This module is the contract between `search` and its callers; the engine
internals live in their own modules."""

from __future__ import annotations

from pydantic import BaseModel, Field

# Facets a search can be filtered and counted by, in display order.
FACETS = ("kind", "polarity", "category", "phase", "project_type", "industry", "portfolio", "year",
          "outcome", "status", "language", "project")


class SearchRequest(BaseModel):
    q: str = ""
    filters: dict[str, list[str]] = Field(default_factory=dict)
    """Facet -> accepted values: AND across facets, OR within one."""
    year_from: int | None = None
    year_to: int | None = None
    limit: int = Field(default=10, ge=1, le=100)
    offset: int = Field(default=0, ge=0)
    detect_facets: bool = True
    """Read facets from the plain-language query ("went wrong", "ERP migrations")."""
    ignored_facets: list[str] = Field(default_factory=list)
    """Detected facets the user removed, as "facet:value"."""
    include_unpublished: bool = False


class Source(BaseModel):
    document_id: int
    document: str
    """The document's source name."""
    kind: str
    """closure report, retrospective, risk register or lessons register."""
    location: str | None = None
    """Section heading or row, as a person would cite it."""
    anchor: str | None = None
    """Anchor on the document page; link is /documents/{document_id}#{anchor}."""
    project_code: str | None = None
    project_name: str | None = None
    item_id: int | None = None
    """The lesson or risk this source belongs to (differs from the hit for near-duplicates)."""


class ProjectRef(BaseModel):
    id: int
    code: str
    name: str
    project_type: str | None = None
    industry: str | None = None
    outcome: str | None = None


class Hit(BaseModel):
    id: int
    external_id: str | None = None
    kind: str
    """lesson or risk."""
    title: str
    snippet: str
    """Plain text; `highlights` says which words matched."""
    highlights: list[str] = Field(default_factory=list)
    score: float
    """Rank within this result list (the best result scores near 1.0 for any question)."""
    confidence: float = 0.0
    """Calibrated probability (0-1) that this result answers the question, comparable across questions."""
    strong: bool = True
    """Confidence is at or above the bar for answering the question (search.confidence.STRONG)."""
    project: ProjectRef | None = None
    tags: list[str] = Field(default_factory=list)
    polarity: str | None = None
    category: str | None = None
    phase: str | None = None
    status: str | None = None
    source: Source
    seen_in: list[Source] = Field(default_factory=list)
    """Every source of this lesson, near-duplicates from other projects included."""
    project_count: int = 1


class FacetValue(BaseModel):
    value: str
    count: int
    selected: bool = False


class Respelt(BaseModel):
    """A word of the question no lesson or risk holds, searched as the nearest word one does (`search.spelling`)."""

    typed: str
    searched: str


class DetectedFacet(BaseModel):
    facet: str
    value: str
    phrase: str
    """The words of the query that implied it."""
    applied: bool = True
    """False when filtering by it would have left nothing, so it only ranks matching results higher."""
    excluded: bool = False
    """The question asked for results without it ("not on ERP projects", "lessons not about vendors"):
    results that have it are left out."""


class Citation(BaseModel):
    kind: str
    id: int
    title: str
    source: Source
    label: str = ""
    """How the citation reads: the document and the section or row, once ('FIN-ERP-2021 closure report ·
    What went wrong, point 2')."""


class SummaryPoint(BaseModel):
    text: str
    count: int = 0
    citations: list[Citation] = Field(default_factory=list)


class Summary(BaseModel):
    """An extractive answer built from the results, without a generative model."""

    headline: str
    answered: bool = True
    """False when no result clears the confidence bar: the headline says nothing answers the question."""
    lessons: int = 0
    risks: int = 0
    projects: int = 0
    """Counts of the strong matches (all matches when browsing without words)."""
    suggestions: list[str] = Field(default_factory=list)
    """What to try next when nothing answers the question."""
    searchable: bool = True
    """False when the question has no word to search for ("the", "?"): not answered, and not a knowledge gap."""
    top_causes: list[SummaryPoint] = Field(default_factory=list)
    representative: list[SummaryPoint] = Field(default_factory=list)


class SearchResponse(BaseModel):
    query: str
    answered: bool = True
    """False when no result clears the confidence bar: nothing in the knowledge base answers the question."""
    total: int
    """Results, each near-duplicate folded into the result it repeats."""
    folded: int = 0
    """Matching lessons and risks folded into a result as near-duplicates of it (cited under it):
    `total` + `folded` is what each facet's counts add up to."""
    strong: int = 0
    """Results (near-duplicates folded) whose confidence clears the bar."""
    best_confidence: float | None = None
    """The highest confidence among all matching results; None without query words."""
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = Field(default_factory=dict)
    detected: list[DetectedFacet] = Field(default_factory=list)
    applied_filters: dict[str, list[str]] = Field(default_factory=dict)
    excluded_filters: dict[str, list[str]] = Field(default_factory=dict)
    """Facet values the question asked to leave out ("not on ERP projects"): no result has them."""
    summary: Summary | None = None
    took_ms: float = 0.0
    offset: int = 0
    limit: int = 10
    notes: list[str] = Field(default_factory=list)
    """Plain-language remarks on how the query was read (e.g. a detected facet used as a boost)."""
    respelt: list[Respelt] = Field(default_factory=list)
    """Misspelt words and what they were searched as (also in `notes`)."""


class ProjectProfile(BaseModel):
    """A new or existing project, described for kickoff or 'similar past projects'."""

    name: str | None = None
    project_type: str | None = None
    industry: str | None = None
    budget: float | None = None
    size: str | None = None
    """small, medium or large (by budget) when no budget is given."""
    description: str = ""
    project_id: int | None = Field(None, ge=1, le=2**63 - 1)  # a database id: a larger one could not be stored
    """The registered project the pack is for (a new or active project), when there is one."""


class ProjectMatch(BaseModel):
    project: ProjectRef
    score: float
    reasons: list[str] = Field(default_factory=list)


class PackItem(BaseModel):
    hit: Hit
    checklist: str
    """The action to take, phrased as a checklist line."""


class PackSection(BaseModel):
    category: str
    items: list[PackItem]


class PackRisk(BaseModel):
    """A risk that materialised on a similar project, with its scores, response and what happened."""

    hit: Hit
    probability: float | None = None
    impact: float | None = None
    score: float | None = None
    response: str | None = None
    what_happened: str | None = None


class KickoffPackResult(BaseModel):
    profile: ProjectProfile
    similar_projects: list[ProjectMatch]
    sections: list[PackSection]
    materialised_risks: list[Hit]
    risks: list[PackRisk] = Field(default_factory=list)
    """The materialised risks with their details (empty on packs recorded before details were kept)."""
    left_out: int = 0
    """Lessons left out as specific to another project or type."""
    pack_id: int | None = None
