"""What a parser hands to storage: one document and what was extracted from it."""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.models import DocumentCreate, LessonCreate, ProjectCreate, RiskCreate


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
