"""The JSON API (mounted under /api; OpenAPI at /docs). Lists are paginated with
limit/offset and report their total; errors are {"ok": false, "error", "status"}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile

from kb import queries
from kb.models import DocumentPublic, LessonPublic, LessonUpdate, RiskPublic, RiskUpdate
from search.models import FacetValue, Hit, KickoffPackResult, ProjectMatch, ProjectProfile
from web.deps import EngineDep, KBDep, ServicesDep, SessionDep
from web.forms import check_lesson_update, check_risk_update
from web.schemas import FeedbackIn, FeedbackOut, FileReportOut, SearchQuery, SearchResults
from web.uploads import ingest_uploads, read_uploads

router = APIRouter(tags=["api"])

Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0)]


# --- search ----------------------------------------------------------------------

@router.get("/search", response_model=SearchResults)
def api_search(params: Annotated[SearchQuery, Query()], engine: EngineDep):
    """Lessons and risks for a query. Repeat a facet parameter for OR within that facet.
    The hits are under `results` (and `hits`), with `summary`, `facets` and `detected`."""
    return SearchResults.of(engine.search(params.to_request(), log=params.active))


@router.get("/facets", response_model=dict[str, list[FacetValue]])
def api_facets(params: Annotated[SearchQuery, Query()], engine: EngineDep):
    """Facet value counts for the same parameters as /api/search."""
    return engine.facets(params.to_request())


# --- lessons and risks -----------------------------------------------------------------

@router.get("/lessons/{lesson_id}", response_model=LessonPublic)
def api_lesson(lesson_id: int, session: SessionDep):
    """One lesson, published or not."""
    return queries.get_lesson(session=session, lesson_id=lesson_id).lesson


@router.patch("/lessons/{lesson_id}", response_model=LessonPublic)
def api_update_lesson(lesson_id: int, update: LessonUpdate, kb: KBDep):
    """Correct tags, title or publication; corrected tags survive a re-upload of the document."""
    check_lesson_update(update)
    return kb.update_lesson(lesson_id, update)


@router.get("/lessons/{lesson_id}/similar", response_model=list[Hit])
def api_similar_lessons(lesson_id: int, engine: EngineDep, session: SessionDep, limit: Limit = 5):
    """Lessons and risks closest in meaning to this lesson."""
    queries.get_lesson(session=session, lesson_id=lesson_id)  # a clean 404 for an unknown id
    return engine.more_like_this("lesson", lesson_id, limit=limit)


@router.post("/lessons/{lesson_id}/feedback", response_model=FeedbackOut)
def api_lesson_feedback(lesson_id: int, feedback: FeedbackIn, session: SessionDep):
    """Mark a lesson helpful, or applied to a project (`kind: applied` with `project_id`)."""
    queries.add_feedback(session=session, lesson_id=lesson_id, kind=feedback.kind, project_id=feedback.project_id)
    summary = queries.feedback_summary(session=session, lesson_id=lesson_id)
    return FeedbackOut(helpful=summary.helpful, applied=summary.applied)


@router.get("/risks/{risk_id}", response_model=RiskPublic)
def api_risk(risk_id: int, session: SessionDep):
    """One risk, published or not."""
    return queries.get_risk(session=session, risk_id=risk_id).risk


@router.patch("/risks/{risk_id}", response_model=RiskPublic)
def api_update_risk(risk_id: int, update: RiskUpdate, kb: KBDep):
    """Correct a risk's tags, status or publication."""
    check_risk_update(update)
    return kb.update_risk(risk_id, update)


# --- projects and documents --------------------------------------------------------------

@router.get("/projects", response_model=queries.Page[queries.ProjectSummary])
def api_projects(session: SessionDep, limit: Limit = 20, offset: Offset = 0,
                 q: Annotated[str, Query(max_length=200)] = ""):
    """Projects, most recent first; `q` filters by name or code."""
    return queries.list_projects(session=session, limit=limit, offset=offset, q=q)


@router.get("/projects/{project_id}", response_model=queries.ProjectDetail)
def api_project(project_id: int, session: SessionDep):
    """A project with its schedule and cost variance, lessons, risks and documents."""
    return queries.get_project(session=session, project_id=project_id)


@router.post("/projects/similar", response_model=list[ProjectMatch])
def api_similar_projects(profile: ProjectProfile, engine: EngineDep, limit: Limit = 5):
    """Past projects most like the described one, with the reasons."""
    return engine.similar_projects(profile, limit=limit)


@router.get("/documents", response_model=queries.Page[queries.DocumentSummary])
def api_documents(session: SessionDep, limit: Limit = 20, offset: Offset = 0, kind: str | None = None,
                  project_id: int | None = None):
    """Documents, most recently ingested first, without their text."""
    return queries.list_documents(session=session, limit=limit, offset=offset, kind=kind, project_id=project_id)


@router.get("/documents/{document_id}", response_model=DocumentPublic)
def api_document(document_id: int, session: SessionDep):
    """A document with its readable text (`content`) and, for registers, its `rows`."""
    return queries.get_document(session=session, document_id=document_id)


# --- ingest and kickoff -------------------------------------------------------------------

@router.post("/ingest", response_model=list[FileReportOut])
def api_ingest(services: ServicesDep, files: Annotated[list[UploadFile | str], File()] = []):
    """Upload files (multipart, field `files`, repeatable); one report per file, in order.
    A rejected file is reported with its reason; nothing of it is stored."""
    batch = read_uploads(files, services.settings.max_upload_mb * 1024 * 1024)
    return list(ingest_uploads(services, batch))


@router.post("/kickoff", response_model=KickoffPackResult)
def api_kickoff(profile: ProjectProfile, engine: EngineDep):
    """Build (and record) a kickoff pack for a new project."""
    return engine.kickoff_pack(profile, record=True)


@router.get("/kickoff/{pack_id}", response_model=KickoffPackResult)
def api_kickoff_pack(pack_id: int, engine: EngineDep):
    """A kickoff pack built earlier, exactly as it was generated."""
    return engine.load_pack(pack_id)
