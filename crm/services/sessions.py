"""Login sessions, for every face: opened at login, resolved at each action, ended at logout.

A session is a random token (256 bits) the face keeps — in memory for the menus, in a private
file for the commands, in the client for the API — of which the database holds only the SHA-256
(sql/0012_sessions.sql). Resolving a token gives the employee as they are now, or SessionEnded
with the one-line reason: logged out, expired (absolute lifetime, or idle for faces without an
idle lock of their own), the employee deactivated, moved to another team or given a new password
(a database trigger ends those sessions in the same transaction as the change).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crm.config import SessionPolicy
from crm.db import Database
from crm.errors import AuthenticationError
from crm.models import Employee
from crm.repositories.sessions import SessionRepository, SessionRow
from crm.services import auth, employees

__all__ = [
    "OpenSession",
    "change_password",
    "SessionEnded",
    "SessionPolicy",
    "confirm_password",
    "end",
    "log_in",
    "recently_confirmed",
    "resolve",
    "resolve_confirmed",
    "session_id",
]

FACES = ("menus", "commands", "api", "web")
# Faces that lock themselves when idle (and ask the password again): their sessions never end
# for idling, whichever policy resolves them (the menus in team mode, through the API).
OWN_IDLE_LOCK = frozenset({"menus"})
TOUCH_EVERY = timedelta(seconds=30)  # last_used_at is kept to this precision (fewer writes)

ENDED = {
    "logout": "You have logged out: log in again.",
    "password": "Your password was changed: log in again.",
    "deactivated": "Your account has been deactivated: you have been logged out.",
    "team": "Your team was changed: log in again.",
    "expired": "Your session has expired: log in again.",
}
UNKNOWN = "This session is not valid (unknown or ended): log in again."


class SessionEnded(AuthenticationError):
    """The session cannot be used any more; `reason` is one of ENDED's keys, or 'unknown'."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(ENDED.get(reason, UNKNOWN))


@dataclass(frozen=True)
class OpenSession:
    """A session just opened: the token to keep (never stored anywhere else) and who it is."""

    token: str
    employee: Employee


def _utc_now() -> datetime:
    return datetime.now(UTC)


def token_hash(token: str) -> bytes:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def open_for(
    db: Database, employee: Employee, face: str, policy: SessionPolicy, now: datetime | None = None
) -> OpenSession:
    """Open a session for an employee whose password has just been checked."""
    if face not in FACES:
        raise ValueError(f"unknown face {face!r}")
    now = now or _utc_now()
    token = secrets.token_urlsafe(32)
    with db.transaction(employee.id):
        SessionRepository(db.conn).insert(token_hash(token), employee.id, face, now, now + policy.lifetime)
    return OpenSession(token, employee)


def log_in(
    db: Database,
    username: str,
    password: str,
    face: str,
    policy: SessionPolicy,
    now: datetime | None = None,
    device_token: str | None = None,
) -> OpenSession:
    """Check the credentials (crm.services.auth.login: throttled, one generic message; device_token:
    this computer's, see crm/devices.py) and open a session."""
    now = now or _utc_now()
    employee = auth.login(db, username, password, now, device_token=device_token)
    return open_for(db, employee, face, policy, now)


def _row(db: Database, token: str, policy: SessionPolicy, now: datetime) -> SessionRow:
    repo = SessionRepository(db.conn)
    row = repo.get(token_hash(token)) if token else None
    if row is None:
        raise SessionEnded("unknown")
    if row.end_reason is not None:
        raise SessionEnded(row.end_reason)
    if not row.employee.is_active:  # ended by the trigger already; a writer that skipped it too
        raise SessionEnded("deactivated")
    idle = None if row.face in OWN_IDLE_LOCK else policy.idle
    idle_over = idle is not None and now - row.last_used_at > idle
    if now >= row.expires_at or idle_over:
        repo.end(row.id, "expired", now)
        raise SessionEnded("expired")
    if now - row.last_used_at > TOUCH_EVERY:
        repo.used(row.id, now)
    return row


def resolve(db: Database, token: str, policy: SessionPolicy, now: datetime | None = None) -> Employee:
    """The employee of an open session, as they are now; SessionEnded otherwise."""
    return _row(db, token, policy, now or _utc_now()).employee


def session_id(db: Database, token: str, policy: SessionPolicy, now: datetime | None = None) -> int:
    """The id of an open session (SessionEnded otherwise)."""
    return _row(db, token, policy, now or _utc_now()).id


def confirm_password(
    db: Database,
    token: str,
    password: str,
    policy: SessionPolicy,
    now: datetime | None = None,
    device_token: str | None = None,
) -> Employee:
    """The password typed again in an open session (before a write, after idling): a wrong one
    counts as a failed login (crm.services.auth.confirm_password); a right one is remembered for
    `policy.reauth_window`. The employee as they are now."""
    now = now or _utc_now()
    row = _row(db, token, policy, now)
    auth.confirm_password(db, row.employee, password, now, device_token=device_token)
    SessionRepository(db.conn).reauthenticated(row.id, now)
    return row.employee


def change_password(
    db: Database,
    token: str,
    old: str,
    new: str,
    policy: SessionPolicy,
    now: datetime | None = None,
    device_token: str | None = None,
) -> None:
    """Change the session's employee's own password (crm.services.employees.change_own_password):
    their other sessions end, this one goes on."""
    now = now or _utc_now()
    row = _row(db, token, policy, now)
    employees.change_own_password(
        db, row.employee, old, new, now, keep_session=row.id, device_token=device_token
    )


def recently_confirmed(db: Database, token: str, policy: SessionPolicy, now: datetime | None = None) -> bool:
    """Whether the password was typed in this open session within the reauth window."""
    now = now or _utc_now()
    row = _row(db, token, policy, now)
    return row.reauthenticated_at is not None and now - row.reauthenticated_at <= policy.reauth_window


def resolve_confirmed(
    db: Database, token: str, policy: SessionPolicy, now: datetime | None = None
) -> tuple[Employee, bool]:
    """resolve() and recently_confirmed() in one read: the employee of an open session as they are
    now, and whether the password was typed in it within the reauth window (the HTTP API)."""
    now = now or _utc_now()
    row = _row(db, token, policy, now)
    confirmed = row.reauthenticated_at is not None and now - row.reauthenticated_at <= policy.reauth_window
    return row.employee, confirmed


def end(db: Database, token: str, now: datetime | None = None) -> None:
    """Log out: the session ends (an unknown or already ended one is left as it is)."""
    repo = SessionRepository(db.conn)
    row = repo.get(token_hash(token)) if token else None
    if row is not None:
        repo.end(row.id, "logout", now or _utc_now())
