"""Who is asking, as the knowledge base sees it.

The web app signs people in; the lower floors only need to know what the
person asking may see. Every read that can reveal a project (search, facets,
themes, metrics, kickoff packs, lists, exports) takes an `Audience`, and the
CLI, which acts on the data directory as its owner, uses `Audience.system()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from kb.errors import KBError
from kb.i18n import N_, _
from kb.models import Project, ProjectAccess, project_code


class Role(StrEnum):
    VIEWER = "viewer"
    """Searches and reads."""
    PM = "pm"
    """A project manager: also kickoff packs, feedback, and uploads for their own projects."""
    ADMIN = "admin"
    """The PMO: review, tag corrections, publication, themes, deletes, users, confidentiality."""

    @property
    def rank(self) -> int:
        return list(Role).index(self)


@dataclass(frozen=True)
class Audience:
    user: str | None
    """The signed-in user's name; None for the system itself (the CLI, background work)."""
    role: Role
    groups: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def system(cls) -> Audience:
        return cls(user=None, role=Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def sees_unpublished(self) -> bool:
        """Unpublished lessons and risks are hidden from everyone but the PMO."""
        return self.is_admin

    def at_least(self, role: Role) -> bool:
        return self.role.rank >= role.rank


# --- what an audience may see and change ---------------------------------------------
#
# The rules, in one place:
# - A PMO admin (and the system) sees everything, unpublished lessons and risks included.
# - Anyone else never sees an unpublished lesson or risk, nor a confidential project unless it is
#   shared with them (their "user:NAME" or one of their "group:NAME"s), at level read or manage.
#   Hidden means hidden everywhere: pages and API answer 404 as for an id that does not exist, and
#   lists, counts, facets, themes, metrics and kickoff packs are computed as if it were not there.
# - A project manager manages (uploads documents for) the projects shared with them at level
#   manage; a project a PM creates, by registering it or by uploading its first document, is
#   shared with them at level manage, so it is theirs. Viewers manage nothing; admins everything.

LEVELS = ("read", "manage")
PRINCIPAL_KINDS = ("user", "group")


class Forbidden(KBError):
    """The person asking may see this but not change it (HTTP 403)."""


@dataclass(frozen=True)
class Visibility:
    """What one audience may see, resolved once per request: the reads of every floor filter by it.

    `hidden_projects` are project ids to leave out as if they did not exist; `unpublished` says
    whether unpublished lessons and risks are shown; `own_packs_of` (None for the PMO) is the user whose
    kickoff packs made for no project are the only such packs shown. It takes no part in comparing two
    visibilities, so what is cached for one audience of projects serves every user in it."""

    hidden_projects: frozenset[int] = frozenset()
    unpublished: bool = True
    own_packs_of: str | None = field(default=None, compare=False)

    @classmethod
    def everything(cls) -> Visibility:
        return EVERYTHING

    @property
    def restricted(self) -> bool:
        return bool(self.hidden_projects) or not self.unpublished

    def hides_project(self, project_id: int | None) -> bool:
        return project_id is not None and project_id in self.hidden_projects

    def hides(self, item) -> bool:
        """Whether a lesson or risk (anything with `project_id` and `published`) is hidden."""
        return self.hides_project(item.project_id) or (not self.unpublished and not item.published)


EVERYTHING = Visibility()


def principals(audience: Audience) -> set[str]:
    """The names a project can be shared with that stand for this audience."""
    if audience.user is None:
        return set()
    return {f"user:{audience.user.lower()}"} | {f"group:{g.lower()}" for g in audience.groups}


def hidden_project_ids(session: Session, audience: Audience) -> frozenset[int]:
    """Confidential projects not shared with this audience (none for an admin or the system)."""
    if audience.is_admin:
        return frozenset()
    confidential = set(session.exec(select(Project.id).where(Project.confidential == True)))  # noqa: E712
    if not confidential:
        return frozenset()
    shared = _shared(session, audience, LEVELS)
    return frozenset(confidential - shared)


def visibility(session: Session, audience: Audience) -> Visibility:
    """What `audience` may see; an admin's costs no query."""
    if audience.is_admin:
        return EVERYTHING
    return Visibility(hidden_project_ids(session, audience), unpublished=audience.sees_unpublished,
                      own_packs_of=audience.user or "")


def visible_project_ids(session: Session, audience: Audience) -> set[int]:
    hidden = hidden_project_ids(session, audience)
    return {pid for pid in session.exec(select(Project.id)) if pid not in hidden}


def can_manage(session: Session, audience: Audience, project: Project) -> bool:
    """Whether `audience` may upload documents for `project` (the PM rule above)."""
    if audience.is_admin:
        return True
    if audience.role is not Role.PM or project.id is None:
        return False
    return project.id in _shared(session, audience, ("manage",))


def check_manage(session: Session, audience: Audience, project: Project) -> None:
    if not can_manage(session, audience, project):
        raise Forbidden(_("You may upload only for projects you manage, and %(code)s is not one of them. "
                          "Ask a PMO admin to share %(code)s with you at level manage.") % {"code": project.code})


ADMIN_ACTIONS = (N_("change who may see a project"),)
"""What callers of `check_admin` say only an admin may do, for the catalogue."""


def check_admin(audience: Audience, what: str) -> None:
    """`what` is one of ADMIN_ACTIONS, in English; it is shown in the reader's language."""
    if not audience.is_admin:
        raise Forbidden(_("Only a PMO admin may %(action)s.") % {"action": _(what)})


def _shared(session: Session, audience: Audience, levels: tuple[str, ...]) -> set[int]:
    names = principals(audience)
    if not names:
        return set()
    query = select(ProjectAccess.project_id).where(col(ProjectAccess.principal).in_(names),
                                                   col(ProjectAccess.level).in_(levels))
    return set(session.exec(query))


# --- sharing (the PMO) -----------------------------------------------------------------

class Share(BaseModel):
    principal: str
    """"user:NAME" or "group:NAME"."""
    level: str = "read"


def parse_share(value: str | dict | Share) -> Share:
    """A share from "user:alice", "group:finance=manage" or {"principal": ..., "level": ...}."""
    if isinstance(value, Share):
        share = value
    elif isinstance(value, dict):
        share = Share(principal=str(value.get("principal", "")), level=str(value.get("level") or "read"))
    else:
        principal, _sep, level = str(value).partition("=")
        share = Share(principal=principal, level=level or "read")
    kind, _sep, name = share.principal.strip().partition(":")
    level = share.level.strip().lower()
    if kind.lower() not in PRINCIPAL_KINDS or not name.strip() or level not in LEVELS:
        raise KBError(_("'%(value)s' is not a share: write user:NAME or group:NAME, optionally followed by "
                        "=read or =manage (e.g. user:alice, group:finance=manage).") % {"value": value})
    return Share(principal=f"{kind.lower()}:{name.strip().lower()}", level=level)


def shares(session: Session, project_id: int) -> list[Share]:
    rows = session.exec(select(ProjectAccess).where(ProjectAccess.project_id == project_id)
                        .order_by(ProjectAccess.principal))
    return [Share(principal=r.principal, level=r.level) for r in rows]


def set_access(session: Session, project: Project, *, confidential: bool | None = None,
               shared_with: list | None = None) -> None:
    """Mark a project confidential (or not) and/or replace the list it is shared with; commits.
    Every share is checked before anything changes."""
    parsed = [parse_share(v) for v in shared_with] if shared_with is not None else None
    if confidential is not None:
        project.confidential = confidential
        session.add(project)
    if parsed is not None:
        for row in session.exec(select(ProjectAccess).where(ProjectAccess.project_id == project.id)):
            session.delete(row)
        session.flush()
        for share in {s.principal: s for s in parsed}.values():
            session.add(ProjectAccess(project_id=project.id, principal=share.principal, level=share.level))
    # No generation bump: every read resolves the audience's Visibility from SQL per request, and
    # the caches of derived views (themes, foreseeable risks) are keyed by the hidden set.
    session.commit()


def make_owner(session: Session, audience: Audience, project_id: int) -> None:
    """A project a PM created is theirs: shared with them at level manage. Commits."""
    if audience.role is not Role.PM or audience.user is None:
        return
    principal = f"user:{audience.user.lower()}"
    row = session.get(ProjectAccess, (project_id, principal))
    if row is None:
        session.add(ProjectAccess(project_id=project_id, principal=principal, level="manage"))
    elif row.level != "manage":
        row.level = "manage"
        session.add(row)
    session.commit()


def managed_codes(session: Session, audience: Audience) -> list[str]:
    """The codes of the projects a project manager manages (shared with them at level manage), sorted."""
    ids = _shared(session, audience, ("manage",))
    return sorted(session.exec(select(Project.code).where(col(Project.id).in_(ids)))) if ids else []


def upload_project(session: Session, audience: Audience, code: str | None, *, preview: bool = False,
                   named_by_files: set[str | None] = frozenset()) -> str | None:
    """The project an upload is filed under, checked against the rule for uploads: a PMO admin (and the
    system) uploads anything; a project manager names the project and must manage it, or names a new
    code, which is registered at once as theirs (not for a preview); a viewer uploads nothing.
    `named_by_files`: the project each file's name starts with, among the ones the uploader manages
    (None for a file that names none of them): when all files name the same one, a project manager
    need not choose it."""
    if audience.is_admin:
        return code
    if audience.role is not Role.PM:
        raise Forbidden(_("Only project managers and PMO admins upload documents."))
    if not code and len(named_by_files) == 1 and None not in named_by_files:
        code = next(iter(named_by_files))
    if not code:
        mine = managed_codes(session, audience)
        if mine:
            raise Forbidden(_("Choose the project you are uploading for in the Project code field: a project "
                              "manager uploads documents only for projects they manage (yours: %(codes)s), or for "
                              "a new project code, which becomes theirs.") % {"codes": ", ".join(mine[:20])})
        raise Forbidden(_("Choose the project you are uploading for in the Project code field: a project manager "
                          "uploads documents only for projects they manage, or for a new project code, which "
                          "becomes theirs."))
    try:
        code = project_code(code)
    except ValueError as exc:
        raise KBError(str(exc)) from exc
    project = session.exec(select(Project).where(func.upper(Project.code) == code.upper())).first()
    if project is not None:
        check_manage(session, audience, project)
        return project.code
    if not preview:
        project = Project(code=code, name=code)
        session.add(project)
        session.commit()
        make_owner(session, audience, project.id)
    return code
