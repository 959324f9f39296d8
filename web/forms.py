"""HTML form shapes (they also accept JSON-less, no-JS posts) and their checks."""

from __future__ import annotations

from pydantic import BaseModel, field_validator

from kb import vocab
from kb.errors import KBError
from kb.i18n import _
from kb.models import LessonUpdate, RiskUpdate


class InvalidEdit(KBError):
    """A correction whose values are not allowed (web/errors.py answers 422)."""


def split_tags(text: str) -> list[str]:
    """'vendor, cutover ,,SLA' -> ['vendor', 'cutover', 'SLA'] (order kept, duplicates dropped)."""
    seen: dict[str, None] = {}
    for part in text.replace(";", ",").split(","):
        tag = " ".join(part.split())[:60]
        if tag and tag.lower() not in {t.lower() for t in seen}:
            seen[tag] = None
    return list(seen)


def local_path(target: str | None, default: str) -> str:
    """Where to send a browser after a no-JS form post; only paths on this site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _blank_none(value: str | None) -> str | None:
    return value.strip() or None if isinstance(value, str) else value


class LessonTagsForm(BaseModel):
    polarity: str = ""
    category: str = ""
    phase: str = ""
    tags: str = ""
    next: str = ""

    def to_update(self) -> LessonUpdate:
        update = LessonUpdate(polarity=_blank_none(self.polarity), category=_blank_none(self.category),
                              phase=_blank_none(self.phase), tags=split_tags(self.tags))
        check_lesson_update(update)
        return update


class RiskTagsForm(BaseModel):
    category: str = ""
    phase: str = ""
    status: str = ""
    materialised: bool = False
    tags: str = ""
    next: str = ""

    def to_update(self) -> RiskUpdate:
        status = _blank_none(self.status)
        update = RiskUpdate(category=_blank_none(self.category), phase=_blank_none(self.phase), status=status,
                            materialised=self.materialised or status == "materialised", tags=split_tags(self.tags))
        check_risk_update(update)
        return update


class PublishForm(BaseModel):
    published: bool
    next: str = ""


class FeedbackForm(BaseModel):
    kind: str = "helpful"
    project_id: str = ""
    next: str = ""

    @field_validator("kind")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in ("helpful", "applied"):
            raise ValueError(_("must be helpful or applied"))
        return value

    def project(self) -> int | None:
        if self.kind == "applied" and not self.project_id.strip():
            raise InvalidEdit(_("Choose the project the lesson was applied to."))
        return int(self.project_id) if self.project_id.strip().isdigit() else None


def _check(name: str, value: str | None, allowed) -> None:
    if value is not None and value not in allowed:
        raise InvalidEdit(_("Unknown %(field)s '%(value)s'. Use one of: %(allowed)s.")
                          % {"field": name, "value": value, "allowed": ", ".join(allowed)})


REQUIRED = ("title", "tags", "published", "materialised")
"""Fields a correction may change but not empty: null clears a tag such as the phase, not these."""


def _check_required(update: LessonUpdate | RiskUpdate) -> None:
    for name in REQUIRED:
        if name in update.model_fields_set and getattr(update, name) is None:
            raise InvalidEdit(_("%(field)s cannot be null. Leave %(field)s out to keep it as it is, or give a value.")
                              % {"field": name})
    if update.title is not None and not update.title.strip():
        raise InvalidEdit(_("The title cannot be blank. Leave title out to keep it as it is."))


def check_lesson_update(update: LessonUpdate) -> None:
    """Polarity is a closed set; categories and phases may carry the PMO's own words."""
    _check_required(update)
    _check("polarity", update.polarity, list(vocab.POLARITIES))


def check_risk_update(update: RiskUpdate) -> None:
    _check_required(update)
    _check("status", update.status, list(vocab.RISK_STATUSES))
