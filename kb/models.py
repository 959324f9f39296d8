"""Domain entities. One family of SQLModel classes per entity:
`XBase` (shared fields), `X(table=True)` (stored), `XCreate` (what ingestion
builds), `XPublic` (what the API returns)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timezone

from sqlalchemy import JSON, Column, LargeBinary, Text, UniqueConstraint, event, func, select
from sqlalchemy.ext.hybrid import hybrid_property
from sqlmodel import Field, SQLModel

from kb.i18n import _


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# --- Project -----------------------------------------------------------------

class PlanVsActual:
    """A project's plan against what happened: its dates and its variances, defined once.

    Mixed into every class that holds a project's planned and actual dates and
    budgets (`ProjectBase`, `kb.metrics.ProjectFact`). `start` and `end` also work
    in SQL (`select(Project.start)`, `order_by(Project.start)`).

    Variances here compare actuals with the plan (positive = late / over budget);
    they are not the earned-value SV = EV − PV and CV = EV − AC."""

    @hybrid_property
    def start(self) -> date | None:
        """The actual start, else the planned start."""
        return self.actual_start or self.planned_start

    @start.inplace.expression
    @classmethod
    def _start_sql(cls):
        return func.coalesce(cls.actual_start, cls.planned_start)

    @hybrid_property
    def end(self) -> date | None:
        """The actual end, else the planned end."""
        return self.actual_end or self.planned_end

    @end.inplace.expression
    @classmethod
    def _end_sql(cls):
        return func.coalesce(cls.actual_end, cls.planned_end)

    @property
    def planned_duration_days(self) -> int | None:
        """Planned end − planned start in days; None unless both are known and the end is later."""
        if self.planned_start and self.planned_end and self.planned_end > self.planned_start:
            return (self.planned_end - self.planned_start).days
        return None

    @property
    def schedule_variance_days(self) -> int | None:
        """Actual end − planned end in days (positive = late); None unless both are known."""
        if self.actual_end and self.planned_end:
            return (self.actual_end - self.planned_end).days
        return None

    @property
    def schedule_variance_pct(self) -> float | None:
        """The schedule variance as a percentage of the planned duration."""
        days, planned = self.schedule_variance_days, self.planned_duration_days
        return 100.0 * days / planned if days is not None and planned else None

    @property
    def cost_variance(self) -> float | None:
        """Actual budget − planned budget (positive = over budget); None unless both are known."""
        if self.planned_budget and self.actual_budget is not None:
            return self.actual_budget - self.planned_budget
        return None

    @property
    def cost_variance_pct(self) -> float | None:
        """The cost variance as a percentage of the planned budget."""
        amount = self.cost_variance
        return 100.0 * amount / self.planned_budget if amount is not None else None


class ProjectBase(PlanVsActual, SQLModel):
    code: str = Field(index=True, unique=True, max_length=64)
    name: str
    portfolio: str | None = None
    project_type: str | None = Field(default=None, index=True)
    industry: str | None = None
    methodology: str | None = None
    sponsor: str | None = None
    manager: str | None = None
    description: str | None = Field(default=None, sa_type=Text)
    planned_start: date | None = None
    planned_end: date | None = None
    actual_start: date | None = None
    actual_end: date | None = None
    planned_budget: float | None = None
    actual_budget: float | None = None
    currency: str | None = None
    outcome: str | None = None
    """successful, challenged or failed (kb.vocab.OUTCOMES)."""
    planned_value: float | None = None
    earned_value: float | None = None
    actual_cost: float | None = None


class Project(ProjectBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    confidential: bool = False
    """Seen only by PMO admins and the users and groups it is shared with (`kb.access`)."""


class ProjectCreate(ProjectBase):
    pass


PROJECT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/&-]{0,63}")
"""What a project code may be, wherever it comes from: front matter, a register's column, an upload's
project field, `--project`, a new project."""


def project_code(code: str) -> str:
    """A project code as typed by someone (an upload's project field, `--project`, a new project):
    trimmed, and refused (ValueError) unless it is one (`PROJECT_CODE`): a space, a control character or
    markup would break the tables, links and files that show it."""
    code = code.strip()
    if not PROJECT_CODE.fullmatch(code):
        shown = "".join(ch if not unicodedata.category(ch).startswith("C") else "?" for ch in code)[:80]
        raise ValueError(_("'%(code)s' is not a project code: a project code is plain text on one line of letters, "
                           "digits and dashes, such as FIN-ERP-2027 (dots, slashes and & also allowed, at most 64 "
                           "characters).") % {"code": shown})
    return code


class ProjectPublic(ProjectBase):
    id: int
    confidential: bool = False


class ProjectAccess(SQLModel, table=True):
    """A confidential project shared with a user or a group, to read it or to manage it
    (upload its documents); a project manager's own projects are those shared with them
    at level manage. Rules in `kb.access`."""

    __tablename__ = "project_access"
    project_id: int = Field(foreign_key="project.id", primary_key=True)
    principal: str = Field(primary_key=True, max_length=200)
    """"user:NAME" or "group:NAME"."""
    level: str = Field(default="read", max_length=10)
    """read or manage."""


# --- Document ----------------------------------------------------------------

class DocumentBase(SQLModel):
    kind: str = Field(index=True)
    """closure report, retrospective, risk register or lessons register."""
    source_name: str = Field(index=True)
    """The file name as uploaded. Two projects may each have a file of the same name."""
    title: str | None = None
    sha256: str = Field(index=True, max_length=64)
    media_type: str | None = None
    size_bytes: int = 0
    language: str | None = "en"
    report_date: date | None = None
    """When the document was written (front matter `date:` / `report_date:`), as opposed to ingested."""
    content: str = Field(default="", sa_type=Text)
    """Readable text of the document (Markdown), rendered on the document page."""
    rows: list[dict] | None = Field(default=None, sa_column=Column(JSON))
    """For registers: the original rows, header to value, in file order."""
    template_gaps: list[str] | None = Field(default=None, sa_column=Column(JSON))
    """What the document leaves out of its PMO template (`ingest.compliance`), as read at ingest;
    None when it was not checked (another system's export, or stored before the check existed)."""


class Document(DocumentBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(index=True, unique=True, max_length=64)
    """Unique: the same bytes are one document, even when two writers store them at once."""
    key: str = Field(default="", index=True, unique=True, max_length=400)
    """What makes an upload a new version of this document: its project and file name
    (`kb.store.document_key`), never the file name alone; for a status report its project and
    period (`kb.drafts.ParsedDocument.identity`)."""
    version: int = 1
    """1 for the first upload; each replacement adds one and keeps the replaced version."""
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    stored_path: str = ""
    """Path of the original file relative to the data directory."""
    ingested_at: datetime = Field(default_factory=utcnow)


def document_key(project_code: str | None, source_name: str) -> str:
    """A document's identity: its project and its file name. A new upload with the same key is a
    new version of it; the same file name in another project is another document."""
    return f"{(project_code or '').strip().upper()}/{source_name.strip().lower()}"


@event.listens_for(Document, "before_insert")
def _default_key(_mapper, connection, doc: Document) -> None:
    # Rows made without going through the store (tests, imports) still get their identity.
    if not doc.key:
        code = None
        if doc.project_id is not None:
            code = connection.execute(select(Project.code).where(Project.id == doc.project_id)).scalar()
        doc.key = document_key(code, doc.source_name)


class DocumentCreate(DocumentBase):
    pass


class DocumentPublic(DocumentBase):
    id: int
    key: str
    version: int
    project_id: int | None
    ingested_at: datetime


class DocumentVersion(SQLModel, table=True):
    """An earlier version of a document, kept when a new upload replaced it: its
    original file can still be downloaded, and restoring it ingests it again."""

    __tablename__ = "document_version"
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    version: int
    source_name: str
    title: str | None = None
    sha256: str = Field(max_length=64)
    media_type: str | None = None
    size_bytes: int = 0
    stored_path: str = ""
    lessons: int = 0
    risks: int = 0
    ingested_at: datetime
    """When this version was ingested."""
    replaced_at: datetime = Field(default_factory=utcnow)


class DocumentVersionPublic(SQLModel):
    document_id: int
    version: int
    source_name: str
    title: str | None
    sha256: str
    size_bytes: int
    lessons: int
    risks: int
    ingested_at: datetime
    replaced_at: datetime | None
    """None for the current version."""


# --- Lesson ------------------------------------------------------------------

class LessonBase(SQLModel):
    external_id: str | None = Field(default=None, index=True)
    title: str
    what_happened: str | None = Field(default=None, sa_type=Text)
    cause: str | None = Field(default=None, sa_type=Text)
    impact: str | None = Field(default=None, sa_type=Text)
    recommendation: str | None = Field(default=None, sa_type=Text)
    polarity: str | None = Field(default=None, index=True)
    """went well, went wrong or improvement."""
    category: str | None = Field(default=None, index=True)
    phase: str | None = None
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    source_location: str | None = None
    """Human-readable citation inside the document: a section heading or 'row 12'."""
    source_anchor: str | None = None
    """HTML anchor on the document page that the citation links to."""
    lesson_date: date | None = None
    organization: str | None = None
    language: str | None = None
    """zh or en (kb.language), from the lesson's own text: a Chinese report may quote English lessons."""
    published: bool = True


class Lesson(LessonBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    edited: bool = False
    """True once the PMO corrected it; a re-upload then keeps their corrections."""
    edited_fields: list[str] | None = Field(default=None, sa_column=Column(JSON))
    """The fields the PMO corrected: a re-upload keeps these and takes every other field from the file. None on a
    row corrected before schema revision 0014, whose every editable field is kept, as it was then."""
    origin_key: str | None = Field(default=None, index=True)
    """Identity in its document as ingested (external id, or section and title)."""
    document_id: int = Field(foreign_key="document.id", index=True)
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class LessonCreate(LessonBase):
    project_code: str | None = None
    """Per-row project for lessons registers that span projects (e.g. LLIS exports)."""


class LessonPublic(LessonBase):
    id: int
    document_id: int
    project_id: int | None

    @property
    def polarity_group(self) -> str:
        """What a project page groups the lesson under: its polarity, or "other" when the PMO cleared it
        (grouping None beside words failed the whole page)."""
        return self.polarity or "other"


class LessonUpdate(SQLModel):
    """What the PMO may correct on a lesson."""

    title: str | None = None
    polarity: str | None = None
    category: str | None = None
    phase: str | None = None
    tags: list[str] | None = None
    published: bool | None = None


# --- Risk --------------------------------------------------------------------

class RiskBase(SQLModel):
    external_id: str | None = Field(default=None, index=True)
    title: str
    description: str = Field(sa_type=Text)
    cause: str | None = Field(default=None, sa_type=Text)
    effect: str | None = Field(default=None, sa_type=Text)
    category: str | None = Field(default=None, index=True)
    phase: str | None = None
    probability: float | None = None
    """On a 1-5 scale."""
    impact: float | None = None
    """On a 1-5 scale."""
    score: float | None = None
    owner: str | None = None
    response: str | None = Field(default=None, sa_type=Text)
    status: str | None = Field(default=None, index=True)
    """open, closed or materialised (kb.vocab.RISK_STATUSES)."""
    materialised: bool = False
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    source_location: str | None = None
    source_anchor: str | None = None
    language: str | None = None
    """zh or en (kb.language), from the risk's own text."""
    published: bool = True


class Risk(RiskBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    edited: bool = False
    edited_fields: list[str] | None = Field(default=None, sa_column=Column(JSON))
    """As `Lesson.edited_fields`: a corrected category does not freeze the register's later status."""
    origin_key: str | None = Field(default=None, index=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class RiskCreate(RiskBase):
    project_code: str | None = None


class RiskPublic(RiskBase):
    id: int
    document_id: int
    project_id: int | None


class RiskUpdate(SQLModel):
    title: str | None = None
    category: str | None = None
    phase: str | None = None
    status: str | None = None
    materialised: bool | None = None
    tags: list[str] | None = None
    published: bool | None = None


# --- Vectors -------------------------------------------------------------------

class VectorRow(SQLModel):
    """One lesson's or risk's embedding by one model, with what it was made from: which model and
    which text. Written in the same transaction as the item, so SQL always knows whether a
    vector still says what the item says."""

    kind: str = Field(primary_key=True, max_length=10)
    """lesson or risk."""
    item_id: int = Field(primary_key=True)
    model: str = Field(index=True, max_length=400)
    """`Embedder.name` of the model that made the vector."""
    text_sha256: str = Field(max_length=64)
    """sha256 of the embedded text (`kb.texts.text_sha256` of `lesson_text` / `risk_text`)."""
    dim: int
    vector: bytes = Field(sa_type=LargeBinary, nullable=False)
    """`dim` little-endian float32 values (`kb.vectors.to_blob`)."""


class ItemVector(VectorRow, table=True):
    """The main model's vector (`KB_EMBEDDING_MODEL`). The Chroma index and the search snapshot
    are derived from these rows (`kb reindex` rebuilds Chroma from them)."""

    __tablename__ = "item_vector"


class MultilingualVector(VectorRow, table=True):
    """The multilingual model's vector (`KB_MULTILINGUAL_MODEL`). Search compares with these wherever
    Chinese text is involved: the main model reads English only. Not in the Chroma index."""

    __tablename__ = "multilingual_vector"


# --- Usage records: how the PMO measures reuse --------------------------------

class KickoffPack(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    project_name: str | None = None
    project_id: int | None = Field(default=None, foreign_key="project.id")
    project_type: str | None = None
    industry: str | None = None
    size: str | None = None
    budget: float | None = None
    description: str | None = Field(default=None, sa_type=Text)
    content: dict = Field(default_factory=dict, sa_column=Column(JSON))
    """The pack as generated (KickoffPackResult as JSON), so it reads back exactly as the user saw it."""
    lesson_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON))
    risk_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON))
    author: str | None = None
    """Who made it (a user name): a pack made for no project is theirs and the PMO's to read. None for
    packs made before packs had authors, and by the command line."""


class LessonFeedback(SQLModel, table=True):
    """A lesson marked helpful, or applied to a project."""

    id: int | None = Field(default=None, primary_key=True)
    lesson_id: int = Field(foreign_key="lesson.id", index=True)
    kind: str = "helpful"
    """helpful or applied."""
    project_id: int | None = Field(default=None, foreign_key="project.id")
    created_at: datetime = Field(default_factory=utcnow)


class SearchLog(SQLModel, table=True):
    """One search, kept so the PMO can see knowledge gaps (searches that found nothing useful)."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    query: str
    filters: dict = Field(default_factory=dict, sa_column=Column(JSON))
    result_count: int = 0
    top_score: float | None = None


class ThemeOverride(SQLModel, table=True):
    """A PMO edit to the automatically found failure themes (rename, merge, split)."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    action: str
    """rename, merge or split."""
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON))


class ChecklistItem(SQLModel, table=True):
    """One line of a kickoff pack, on the checklist of the project the pack was made for: still open,
    done, dismissed with a reason, or turned into an action with an owner and a due date."""

    __tablename__ = "checklist_item"
    id: int | None = Field(default=None, primary_key=True)
    pack_id: int = Field(foreign_key="kickoffpack.id", index=True)
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    kind: str = Field(max_length=10)
    """lesson or risk."""
    item_id: int
    """The lesson or risk the line came from (no foreign key: the line outlives a deleted lesson)."""
    text: str = Field(sa_type=Text)
    """The line as the pack phrased it."""
    state: str = Field(default="open", max_length=12)
    """open, done, dismissed or action (kb.models.CHECKLIST_STATES)."""
    reason: str | None = Field(default=None, sa_type=Text)
    """Why it was dismissed."""
    action: str | None = Field(default=None, sa_type=Text)
    owner: str | None = None
    due: date | None = None
    updated_at: datetime = Field(default_factory=utcnow)


CHECKLIST_STATES = ("open", "done", "dismissed", "action")


class WarningShown(SQLModel, table=True):
    """An early warning shown for an open risk of an active project (`search.warnings`): kept so that,
    once the project closes, the metrics can say whether the warned-of risk materialised."""

    __tablename__ = "warning"
    __table_args__ = (UniqueConstraint("project_id", "item_key", name="uq_warning_project_item"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(index=True)
    """No foreign key: deleting a project leaves its records, which then count nowhere."""
    item_key: str = Field(max_length=200)
    """Which open item: "risk:ID" for a register risk (`search.warnings.OpenItem.key`)."""
    risk_id: int | None = Field(default=None, index=True)
    """The register risk warned of (no foreign key: the record outlives a deleted risk)."""
    title: str = ""
    precedents: int = 0
    """Past projects the warning cited, the most it ever cited."""
    first_shown: datetime = Field(default_factory=utcnow)
# --- Status reports: how a running project is doing, period by period ----------------

RAG_VALUES = ("red", "amber", "green")
"""Worst first: the order trends are judged by."""
STATUS_DIMENSIONS = ("schedule", "cost", "scope", "quality", "resources", "risks")


class StatusReportBase(SQLModel):
    """What one status report says for one reporting period: what its parser hands to storage
    (`kb.drafts.ParsedDocument.status`) and what `StatusReport` stores."""

    period_start: date | None = None
    period_end: date = Field(index=True)
    """The day the period ends: a project's reports are ordered, and replaced, by it."""
    overall_rag: str | None = Field(default=None, max_length=5)
    """red, amber or green (RAG_VALUES); None when the report gives none."""
    rag: dict = Field(default_factory=dict, sa_column=Column(JSON))
    """Dimension (STATUS_DIMENSIONS) to red, amber or green, for the dimensions the report rates."""
    percent_complete: float | None = None
    planned_value: float | None = None
    earned_value: float | None = None
    actual_cost: float | None = None
    budget_at_completion: float | None = None
    estimate_at_completion: float | None = None
    forecast_end: date | None = None
    currency: str | None = None
    summary: str | None = Field(default=None, sa_type=Text)
    milestones: list[dict] = Field(default_factory=list, sa_column=Column(JSON))
    """{name, planned, forecast, actual (ISO dates or None), location}."""
    items: list[dict] = Field(default_factory=list, sa_column=Column(JSON))
    """Top risks and issues: {kind: risk or issue, text, severity (high/medium/low or None), location, anchor}."""
    escalations: list[dict] = Field(default_factory=list, sa_column=Column(JSON))
    """Decisions or help needed: {text, location, anchor}."""


class StatusReport(StatusReportBase, table=True):
    """One status report of a project for one reporting period, read from a document of kind
    `status report`; the document carries the citation (`document_id`, each entry's `location`).
    Rules and figures (SPI, CPI, slippage, trend) live in `kb.status`."""

    __tablename__ = "status_report"
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True, unique=True)
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
