"""Logging in and proving it is still you: the only code that checks passwords.

Every check counts against the username in login_throttle (known or not, so a lock reveals
nothing) BEFORE the password is verified, in one atomic statement: attempts made at the same time
(several programs, one username) are counted one after the other, so at most MAX_FAILURES of them
within FAILURE_WINDOW get a password verified; then the username is locked for LOCK_TIME and the
message says when to try again. A right password clears the count — unless the username was
locked meanwhile, and then it is refused too. `now` is injectable for tests.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from crm import monitoring, security
from crm.db import Database
from crm.errors import AuthenticationError
from crm.models import Employee
from crm.repositories.employees import EmployeeRepository
from crm.repositories.throttle import ThrottleRepository

LOGIN_FAILED = "Invalid username or password."
WRONG_PASSWORD = "Wrong password; nothing was saved."
ACCOUNT_DEACTIVATED = "Your account has been deactivated."

# What a username can look like (as the employees table's CHECK); anything else cannot log in
# and is not counted, so typing garbage does not fill the throttle table.
_USERNAME_SHAPE = re.compile(r"^[a-z0-9._-]{3,40}$")


class AccountLocked(AuthenticationError):
    """Too many failed attempts for a username: no password is checked until `until`."""

    def __init__(self, until: datetime, prefix: str = "") -> None:
        self.until = until
        message = f"Too many failed attempts for this username: try again at {local_time(until)}."
        super().__init__(f"{prefix} {message}".strip())


class AccountDeactivated(AuthenticationError):
    """The logged-in employee's account has been deactivated meanwhile."""

    def __init__(self) -> None:
        super().__init__(ACCOUNT_DEACTIVATED)


def local_time(moment: datetime) -> str:
    """HH:MM of a moment in the computer's time zone."""
    return moment.astimezone().strftime("%H:%M")


def throttle_key(username: str) -> str:
    """The login_throttle key of a username as typed: trimmed and lower-cased."""
    return username.strip().lower()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _lock(db: Database, key: str, now: datetime, attempts: int, during: str) -> datetime:
    """Lock the username for LOCK_TIME; when the lock ends."""
    with db.transaction():
        until = ThrottleRepository(db.conn).lock(key, now + security.LOCK_TIME)
    # Never the username as typed (it may be a mistyped password): the account's id, if any.
    monitoring.business_event(
        "login.locked",
        employee_id=EmployeeRepository(db.conn).id_of_username(key) or "unknown",
        failures=attempts,
        during=during,
        until=until.isoformat(timespec="minutes"),
    )
    return until


def _begin_attempt(db: Database, key: str, now: datetime, during: str) -> int:
    """Count this attempt before any password is checked; its number within the window.

    AccountLocked when the username is locked, or when attempts made at the same time have
    used up what the window allows (this one then locks it, and checks nothing).
    """
    with db.transaction():
        attempts, until = ThrottleRepository(db.conn).begin_attempt(key, now, security.FAILURE_WINDOW)
    if until is not None:
        raise AccountLocked(until)
    if attempts > security.MAX_FAILURES:
        raise AccountLocked(_lock(db, key, now, attempts, during))
    return attempts


def _failed(
    db: Database, key: str, now: datetime, attempts: int, message: str, during: str
) -> AuthenticationError:
    """The error of a wrong password (already counted): AccountLocked when it is the last one allowed."""
    if attempts < security.MAX_FAILURES:
        return AuthenticationError(message)
    return AccountLocked(_lock(db, key, now, attempts, during), prefix=message)


def _accept(db: Database, key: str, now: datetime) -> None:
    """A right password: clear the count, in the caller's transaction — refused (AccountLocked)
    when attempts made at the same time have locked the username meanwhile."""
    until = ThrottleRepository(db.conn).clear_unless_locked(key, now)
    if until is not None:
        raise AccountLocked(until)


def login(db: Database, username: str, password: str, now: datetime | None = None) -> Employee:
    """The active employee with these credentials, or AuthenticationError (always the same message).

    The username is case-insensitive; unknown usernames take as long (a dummy hash is verified)
    and are throttled the same; a hash made with weaker parameters is replaced on success.
    Input no keyboard could type right (a lone surrogate from a terminal in another encoding,
    a NUL) is a wrong username or password like any other.
    """
    now = now or _utc_now()
    key = throttle_key(username)
    if not _USERNAME_SHAPE.match(key):
        security.burn_verification_time(password)
        raise AuthenticationError(LOGIN_FAILED)
    attempts = _begin_attempt(db, key, now, "login")
    repo = EmployeeRepository(db.conn)
    row = repo.credentials(key)
    if row is None:
        security.burn_verification_time(password)
        raise _failed(db, key, now, attempts, LOGIN_FAILED, "login")
    employee_id, password_hash, is_active = row
    if not security.verify_password(password_hash, password) or not is_active:
        raise _failed(db, key, now, attempts, LOGIN_FAILED, "login")
    with db.transaction(employee_id):
        _accept(db, key, now)
        if security.needs_rehash(password_hash):
            repo.replace_hash(employee_id, password_hash, security.hash_password(password))
    employee = repo.get(employee_id)
    assert employee is not None
    return employee


def confirm_password(db: Database, employee: Employee, password: str, now: datetime | None = None) -> None:
    """Check the acting employee's password again (before a write, after idling).

    AccountDeactivated when the account has been deactivated meanwhile (nothing is checked). A
    wrong answer counts as a failed login; AccountLocked when the username is (or becomes) locked.
    """
    now = now or _utc_now()
    row = EmployeeRepository(db.conn).reauth_credentials(employee.id)
    if row is None or not row[2]:
        raise AccountDeactivated()
    username, password_hash, _ = row
    key = throttle_key(username)
    attempts = _begin_attempt(db, key, now, "re-authentication")
    if not security.verify_password(password_hash, password):
        raise _failed(db, key, now, attempts, WRONG_PASSWORD, "re-authentication")
    with db.transaction(employee.id):
        _accept(db, key, now)
