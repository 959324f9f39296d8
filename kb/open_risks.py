"""Open risks of active projects, how severe they are, and the early warnings shown for them.

The rules, defined once (`search.warnings` matches open risks against past failures; `kb.metrics`
counts them):

- a project is *active* while it has no actual end and no outcome (as the kickoff form and
  "Applied to project…" find them, `kb.queries.active_projects`);
- a risk is *open* when it has not materialised and its status is not closed (a risk with no
  status is open: a live register lists what is still being watched);
- its *severity* is probability × impact on the 1-25 scale (the register's score when only that is
  given); it is *high* from `HIGH_SEVERITY`.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from sqlmodel import Session, select

from kb.models import Risk, WarningShown

HIGH_SEVERITY = 12.0
"""Probability × impact (1-25) from which an open risk is high: e.g. probability 3 and impact 4, the
red zone of the usual 5 × 5 matrix."""
MEDIUM_SEVERITY = 8.0
"""From here to HIGH_SEVERITY an open risk is medium; below it, low."""
LABEL_SEVERITY = {"high": 16.0, "medium": 9.0, "low": 4.0}
"""A status report's own word for a risk's severity, on the same 1-25 scale (a typical cell of each band)."""
CLOSED_STATUSES = ("closed", "materialised")


class Closable(Protocol):
    """A project as the rule reads it: a `kb.models.Project` or a metrics `ProjectFact`."""

    actual_end: date | None
    outcome: str | None


def is_active(project: Closable) -> bool:
    return project.actual_end is None and not project.outcome


def is_open(risk: Risk) -> bool:
    return not risk.materialised and (risk.status or "open") not in CLOSED_STATUSES


def severity(risk: Risk) -> float | None:
    """Probability × impact (1-25), else the register's own score when it is on that scale; None when unknown."""
    if risk.probability is not None and risk.impact is not None:
        return float(risk.probability * risk.impact)
    if risk.score is not None and 0 < risk.score <= 25:
        return float(risk.score)
    return None


def is_high(value: float | None) -> bool:
    return value is not None and value >= HIGH_SEVERITY


def severity_label(value: float | None) -> str | None:
    """high, medium or low for a 1-25 severity; None when unknown."""
    if value is None:
        return None
    return "high" if value >= HIGH_SEVERITY else "medium" if value >= MEDIUM_SEVERITY else "low"


def open_risks(session: Session, project_id: int) -> list[Risk]:
    """The project's open register risks, in register order (published or not: the caller filters)."""
    rows = session.exec(select(Risk).where(Risk.project_id == project_id).order_by(Risk.id)).all()
    return [r for r in rows if is_open(r)]


def record_shown(session: Session, *, project_id: int, shown: list[tuple[str, int | None, str, int]]) -> int:
    """Record warnings shown for a project's open items, each (item key, risk id, title, precedent count):
    a new one gets its first-shown date, a known one keeps it and keeps the highest count. Commits only
    when something changed (a page view usually changes nothing); returns how many rows changed."""
    if not shown:
        return 0
    known = {w.item_key: w for w in session.exec(select(WarningShown).where(WarningShown.project_id == project_id))}
    changed = 0
    for key, risk_id, title, count in shown:
        row = known.get(key)
        if row is None:
            session.add(WarningShown(project_id=project_id, item_key=key, risk_id=risk_id, title=title[:500],
                                     precedents=count))
        elif count > row.precedents:
            row.precedents = count
            session.add(row)
        else:
            continue
        changed += 1
    if changed:
        session.commit()
    return changed
