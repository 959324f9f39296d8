"""Who is asking, as the knowledge base sees it.

The web app signs people in; the lower floors only need to know what the
person asking may see. Every read that can reveal a project (search, facets,
themes, metrics, kickoff packs, lists, exports) takes an `Audience`, and the
CLI, which acts on the data directory as its owner, uses `Audience.system()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


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
