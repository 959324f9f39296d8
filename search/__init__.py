"""Search over the knowledge base: hybrid keyword + meaning retrieval,
facets read from plain-language questions, near-duplicate folding,
summaries, similar projects and kickoff packs.

    engine = SearchEngine(kb)
    response = engine.search(SearchRequest(q="what went wrong on past ERP migrations"))
"""

from search import themes
from search.engine import SearchEngine
from search.facets import detect_facets
from search.foreseeable import THRESHOLD as FORESEEABLE_THRESHOLD
from search.foreseeable import Foresight, foreseeable_risks
from search.models import (
    Citation, DetectedFacet, FacetValue, Hit, KickoffPackResult, PackItem, PackSection, ProjectMatch,
    ProjectProfile, ProjectRef, SearchRequest, SearchResponse, Source, Summary, SummaryPoint,
)

__all__ = [
    "SearchEngine", "detect_facets", "SearchRequest", "SearchResponse", "Hit", "Source", "FacetValue",
    "DetectedFacet", "Summary", "SummaryPoint", "Citation", "ProjectProfile", "ProjectMatch", "ProjectRef",
    "KickoffPackResult", "PackItem", "PackSection", "themes", "Foresight", "foreseeable_risks",
    "FORESEEABLE_THRESHOLD",
]
