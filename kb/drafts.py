"""What a parser hands to storage: one document and what was extracted from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kb.models import DocumentCreate, LessonCreate, ProjectCreate, RiskCreate


@dataclass
class StatusDraft:
    """What a status report says, before it is stored as a `kb.models.StatusReport`."""

    period_end: date
    period_start: date | None = None
    overall_rag: str | None = None
    rag: dict[str, str] = field(default_factory=dict)
    percent_complete: float | None = None
    planned_value: float | None = None
    earned_value: float | None = None
    actual_cost: float | None = None
    budget_at_completion: float | None = None
    estimate_at_completion: float | None = None
    forecast_end: date | None = None
    currency: str | None = None
    summary: str | None = None
    milestones: list[dict] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)
    escalations: list[dict] = field(default_factory=list)


@dataclass
class ParsedDocument:
    document: DocumentCreate
    project_code: str | None = None
    """The project this document belongs to (closure reports, retrospectives, risk registers)."""
    projects: list[ProjectCreate] = field(default_factory=list)
    """Projects described by the document; merged into existing ones by code."""
    lessons: list[LessonCreate] = field(default_factory=list)
    risks: list[RiskCreate] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Things a reviewer should know (skipped rows, unknown columns); never fatal."""
    status: StatusDraft | None = None
    """For status reports: the period and figures it reports."""
    identity: str | None = None
    """What names the document in its key instead of its file name: a status report is its
    project's report for its period ('status report 2026-03-06'), whatever the file is called."""

    @property
    def key_name(self) -> str:
        return self.identity or self.document.source_name
