"""Local accounts, their sign-in sessions and API tokens, and the audit log.

The web app signs people in with these and the CLI (`kb users`) manages them, so
both share one set of rules. Passwords are hashed with argon2 (pwdlib). Session
and API tokens are long random strings: only their sha256 is stored, so a copy of
the database signs nobody in, and a lookup is one indexed query per request.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from sqlalchemy import JSON, Column, func
from sqlmodel import Field, Session, SQLModel, delete, select

from kb.access import Audience, Role
from kb.errors import KBError
from kb.i18n import _
from kb.models import utcnow

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 8
FIRST_ADMIN = "admin"
"""The PMO admin the first `kb serve` creates when there are no accounts."""


class AccountError(KBError):
    """An account request that cannot be done as asked (unknown name, taken name, weak password)."""


class User(SQLModel, table=True):
    """A person (or a script) who signs in. `name` is what the proxy header or the sign-in form gives."""

    __tablename__ = "account"  # "user" is reserved in PostgreSQL
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    role: str = Field(default=Role.VIEWER.value, max_length=10)
    """viewer, pm or admin (kb.access.Role)."""
    groups: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """Group names a confidential project can be shared with."""
    password_hash: str | None = None
    """None for someone who only ever arrives through the single sign-on proxy."""
    disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow)

    def audience(self) -> Audience:
        return Audience(user=self.name, role=Role(self.role), groups=frozenset(self.groups or ()))


class UserSession(SQLModel, table=True):
    """A browser's sign-in: deleting the row signs it out at once."""

    __tablename__ = "user_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class ApiToken(SQLModel, table=True):
    """A token for scripts (`Authorization: Bearer ...`), made by `kb users token NAME`."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Who did what to what, and how it was before and after."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str | None = Field(default=None, max_length=64)
    """The user's name; None for an anonymous attempt (a failed sign-in names who it tried in `target`)."""
    action: str = Field(max_length=40, index=True)
    target: str = ""
    before: Any = Field(default=None, sa_column=Column(JSON))
    after: Any = Field(default=None, sa_column=Column(JSON))


AUDIT_ACTIONS = ("sign-in", "sign-in failed", "sign-out", "upload", "ingest", "replace", "delete", "restore",
                 "tags", "publish", "unpublish", "theme", "confidentiality", "user")
"""The actions the audit page can filter by."""


# --- accounts -----------------------------------------------------------------

def add_user(*, session: Session, name: str, role: Role | str, password: str | None,
             groups: Iterable[str] = ()) -> User:
    """A new account. `password` may be None only for proxy-only users."""
    if not NAME.match(name or ""):
        raise AccountError(_("%(name)r is not a usable user name: use 1-64 letters, digits, '.', '_', '@' or "
                             "'-', starting with a letter or digit.") % {"name": name})
    role = parse_role(role)
    if session.exec(select(User).where(User.name == name)).first():
        raise AccountError(_("there is already a user named %(name)r; pick another name or use that account.")
                           % {"name": name})
    user = User(name=name, role=role.value, groups=parse_groups(groups),
                password_hash=hash_password(password) if password is not None else None)
    session.add(user)
    session.commit()
    return user


def parse_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise AccountError(_("%(role)r is not a role: use one of %(roles)s.")
                           % {"role": role, "roles": ", ".join(r.value for r in Role)}) from None


def parse_groups(groups: Iterable[str] | str) -> list[str]:
    names = groups.split(",") if isinstance(groups, str) else list(groups)
    return sorted({g.strip() for g in names if g and g.strip()})


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(_("the password is too short: use at least %(n)s characters.") % {"n": MIN_PASSWORD})
    return _hasher().hash(password)


def _hasher():
    from pwdlib import PasswordHash  # argon2 is a C extension: loaded only when a password is checked

    return PasswordHash.recommended()


def get_user(*, session: Session, name: str) -> User:
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None:
        raise AccountError(_("there is no user named %(name)r; `kb users list` shows who there is.") % {"name": name})
    return user


def list_users(*, session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.name)))


def disable_user(*, session: Session, name: str) -> User:
    """Disable an account: its sessions end now, and its API tokens stop working."""
    user = get_user(session=session, name=name)
    user.disabled = True
    session.add(user)
    session.exec(delete(UserSession).where(UserSession.user_id == user.id))
    session.commit()
    return user


def set_password(*, session: Session, name: str, password: str, actor: str | None) -> User:
    """A new password for an account, recorded in the audit log: its sessions end (whoever signed in
    with the old one is signed out), its API tokens keep working, and sign-ins paused after failed
    ones (`sign_in_pause`) may start again at once."""
    user = get_user(session=session, name=name)
    user.password_hash = hash_password(password)
    session.add(user)
    session.exec(delete(UserSession).where(UserSession.user_id == user.id))
    session.commit()
    record(session=session, actor=actor, action="user", target=_password_set(name))
    return user


def _password_set(name: str) -> str:
    return f"password {name}"


def check_password(*, session: Session, name: str, password: str) -> User | None:
    """The enabled user with this name and password, or None (the same for every wrong answer)."""
    user = session.exec(select(User).where(User.name == name)).first()
    hasher = _hasher()
    if user is None or not user.password_hash:
        hasher.hash(password or "x")  # as slow as a real check, so timing does not tell which names exist
        return None
    if not hasher.verify(password or "", user.password_hash) or user.disabled:
        return None
    return user


def create_first_admin(*, session: Session, password: str | None = None) -> str | None:
    """On a store with no accounts, create the PMO admin `admin` and return its password (generated unless
    given); with accounts already there, do nothing and return None."""
    if session.exec(select(func.count()).select_from(User)).one():
        return None
    password = password or secrets.token_urlsafe(12)
    add_user(session=session, name=FIRST_ADMIN, role=Role.ADMIN, password=password)
    return password


# --- tokens and sessions ------------------------------------------------------

def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_api_token(*, session: Session, name: str) -> str:
    """A new API token for `name`; only its hash is kept, so this is the one time it can be read."""
    user = get_user(session=session, name=name)
    if user.disabled:
        raise AccountError(_("%(name)r is disabled; a token for it would not work.") % {"name": name})
    token = "kb_" + secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=_digest(token), user_id=user.id))
    session.commit()
    return token


def user_for_api_token(*, session: Session, token: str) -> User | None:
    row = session.exec(select(User).join(ApiToken, ApiToken.user_id == User.id)
                       .where(ApiToken.token_hash == _digest(token))).first()
    return row if row is not None and not row.disabled else None


def start_session(*, session: Session, user: User, hours: float) -> str:
    """Sign `user` in for `hours`; returns the cookie value."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=_digest(token), user_id=user.id,
                            expires_at=utcnow() + timedelta(hours=hours)))
    session.commit()
    return token


def user_for_session(*, session: Session, token: str) -> User | None:
    """The user a session cookie signs in, if the session exists, has not expired and the user is enabled."""
    row = session.exec(select(User, UserSession.expires_at).join(UserSession, UserSession.user_id == User.id)
                       .where(UserSession.token_hash == _digest(token))).first()
    if row is None:
        return None
    user, expires_at = row
    if expires_at.tzinfo is None:  # SQLite hands datetimes back without their zone
        expires_at = expires_at.replace(tzinfo=timezone.utc)
    return user if expires_at > utcnow() and not user.disabled else None


SIGN_IN_TRIES = 5
"""Failed sign-ins for one name from one address within SIGN_IN_PAUSE, after which that name may not
try again from there until the oldest of them is SIGN_IN_PAUSE old."""
SIGN_IN_PAUSE = timedelta(minutes=15)
ADDRESS_TRIES = 30
"""Failed sign-ins from one address within SIGN_IN_PAUSE, whatever names they tried, after which no
password is checked from there until the oldest of them is SIGN_IN_PAUSE old: one guess tried
against every name (password spraying) is stopped as one name's guesses are."""
FAILED_SIGN_IN = "sign-in failed"


def failed_sign_in(*, session: Session, name: str, address: str) -> AuditEvent:
    """Record a failed sign-in for `name` from the client `address` (what `sign_in_pause` counts)."""
    return record(session=session, actor=None, action=FAILED_SIGN_IN, target=name, after={"from": address})


def _before(event_id: int | None) -> tuple:
    return () if event_id is None else (AuditEvent.id < event_id,)


def attempt_sign_in(*, session: Session, name: str, address: str) -> tuple[AuditEvent, timedelta | None, bool]:
    """Record an attempt as failed before its password is checked, and say whether it must wait.

    Checking the count and then recording the failure let attempts sent at once all pass the check
    (19 wrong passwords sent together were all checked). Recorded first, each attempt counts those
    recorded before it, so at most SIGN_IN_TRIES for a name and ADDRESS_TRIES for an address are
    checked, however many arrive together, in every worker. An attempt that must wait is removed
    again (no password was checked); one that succeeds becomes the sign-in (`signed_in`).
    Returns (the attempt, how long it must wait or None, whether the wait is the address's)."""
    attempt = failed_sign_in(session=session, name=name, address=address)
    pause, by_address = sign_in_wait(session=session, name=name, address=address, before=attempt.id)
    if pause is not None:
        session.delete(attempt)
        session.commit()
    return attempt, pause, by_address


def sign_in_wait(*, session: Session, name: str, address: str,
                 before: int | None = None) -> tuple[timedelta | None, bool]:
    """How long a sign-in as `name` from `address` must wait (None: not at all), and whether the wait is
    the address's (`address_pause`) rather than the name's (`sign_in_pause`)."""
    pause = sign_in_pause(session=session, name=name, address=address, before=before) if name else None
    if pause is not None:
        return pause, False
    return address_pause(session=session, address=address, before=before), True


def signed_in(*, session: Session, attempt: AuditEvent, user: User) -> None:
    """The attempt `attempt_sign_in` recorded succeeded: it is the user's sign-in."""
    attempt.action, attempt.actor, attempt.target = "sign-in", user.name, user.name
    session.add(attempt)
    session.commit()


def sign_in_pause(*, session: Session, name: str, address: str, before: int | None = None) -> timedelta | None:
    """How long `name` must wait before its password is checked again from `address`, or None.

    SIGN_IN_TRIES failed sign-ins from there within SIGN_IN_PAUSE, since the name's last successful
    one from there and since an admin last set its password (`kb users password`), stop a password being guessed one try after another. Counted from the audit log, so every
    worker and process agrees; the same name from another address, and other names, are not held up
    (nobody can lock a colleague out from their own machine). `before`: count only the events
    recorded before that one (an attempt recorded before its password is checked, `attempt_sign_in`)."""
    now = utcnow()
    since = now - SIGN_IN_PAUSE
    reset = session.exec(select(func.max(AuditEvent.id)).where(
        AuditEvent.action == "user", AuditEvent.target == _password_set(name), AuditEvent.at >= since)).one()
    events = session.exec(select(AuditEvent.at, AuditEvent.action, AuditEvent.after)
                          .where(AuditEvent.target == name[:500], AuditEvent.action.in_(("sign-in", FAILED_SIGN_IN)),
                                 AuditEvent.at >= since, AuditEvent.id > (reset or 0), *_before(before))
                          .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(100 * SIGN_IN_TRIES))
    failed = []
    for at, action, after in events:
        if not (isinstance(after, dict) and after.get("from") == address):
            continue
        if action == "sign-in":
            break
        failed.append(at if at.tzinfo else at.replace(tzinfo=timezone.utc))  # SQLite drops the zone
    if len(failed) < SIGN_IN_TRIES:
        return None
    return max(failed[SIGN_IN_TRIES - 1] + SIGN_IN_PAUSE - now, timedelta(seconds=1))


def address_pause(*, session: Session, address: str, before: int | None = None) -> timedelta | None:
    """How long no password is checked from `address`, or None: ADDRESS_TRIES failed sign-ins from
    there within SIGN_IN_PAUSE, whatever the names. A successful sign-in does not end it (a guesser
    with an account of their own could otherwise reset the count between rounds); the wait does."""
    if not address:
        return None
    since = utcnow() - SIGN_IN_PAUSE
    failed = session.exec(select(AuditEvent.at).where(
        AuditEvent.action == FAILED_SIGN_IN, AuditEvent.at >= since, AuditEvent.after["from"].as_string() == address,
        *_before(before))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset(ADDRESS_TRIES - 1).limit(1)).first()
    if failed is None:
        return None
    at = failed if failed.tzinfo else failed.replace(tzinfo=timezone.utc)  # SQLite drops the zone
    return max(at + SIGN_IN_PAUSE - utcnow(), timedelta(seconds=1))


def end_session(*, session: Session, token: str) -> None:
    session.exec(delete(UserSession).where(UserSession.token_hash == _digest(token)))
    session.commit()


def user_named(*, session: Session, name: str) -> User | None:
    return session.exec(select(User).where(User.name == name)).first()


# --- audit log ----------------------------------------------------------------

def record(*, session: Session, actor: str | None, action: str, target: str = "",
           before: Any = None, after: Any = None) -> AuditEvent:
    """Write one audit event and commit it."""
    event = AuditEvent(actor=actor, action=action, target=target[:500], before=before, after=after)
    session.add(event)
    session.commit()
    return event


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int


def audit_events(*, session: Session, action: str | None = None, limit: int | None = 50,
                 offset: int = 0) -> AuditPage:
    """Newest first; `limit=None` for every event (the CSV)."""
    where = [AuditEvent.action == action] if action else []
    total = session.exec(select(func.count()).select_from(AuditEvent).where(*where)).one()
    query = select(AuditEvent).where(*where).order_by(AuditEvent.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return AuditPage(events=list(session.exec(query)), total=total)
