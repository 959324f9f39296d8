"""What a parser hands to storage: one document and what was extracted from it."""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.models import DocumentCreate, LessonCreate, ProjectCreate, RiskCreate, StatusReportBase


StatusDraft = StatusReportBase
"""What a status report says, before it is stored as a `kb.models.StatusReport`."""


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
