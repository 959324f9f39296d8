"""Dates as read back from SQL."""

from __future__ import annotations

from datetime import date, datetime


def as_date(value: date | datetime | str | None) -> date | None:
    """The day of a date or timestamp column value (SQLite hands some aggregates back as ISO text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.date() if isinstance(value, datetime) else value
