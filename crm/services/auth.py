"""Logging in and proving it is still you: the only code that checks passwords.

Every failed check counts against the username in login_throttle (known or not, so a lock
reveals nothing): MAX_FAILURES within FAILURE_WINDOW lock it for LOCK_TIME, and the message
says when to try again. A success resets the count. `now` is injectable for tests.
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

# What a username can look like (as the employees table's CHECK); anything else cannot log in
# and is not counted, so typing garbage does not fill the throttle table.
_USERNAME_SHAPE = re.compile(r"^[a-z0-9._-]{3,40}$")


class AccountLocked(AuthenticationError):
    """Too many failed attempts for a username: no password is checked until `until`."""

    def __init__(self, until: datetime, prefix: str = "") -> None:
        self.until = until
        message = f"Too many failed attempts for this username: try again at {local_time(until)}."
        super().__init__(f"{prefix} {message}".strip())


def local_time(moment: datetime) -> str:
    """HH:MM of a moment in the computer's time zone."""
    return moment.astimezone().strftime("%H:%M")


def throttle_key(username: str) -> str:
    """The login_throttle key of a username as typed: trimmed and lower-cased."""
    return username.strip().lower()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _check_not_locked(db: Database, key: str, now: datetime) -> None:
    until = ThrottleRepository(db.conn).locked_until(key, now)
    if until is not None:
        raise AccountLocked(until)


def _count_failure(db: Database, key: str, now: datetime, message: str) -> AuthenticationError:
    """Record a failed attempt; the error to raise (AccountLocked when this one locks the name)."""
    throttle = ThrottleRepository(db.conn)
    with db.transaction():
        failures = throttle.record_failure(key, now, security.FAILURE_WINDOW)
        if failures < security.MAX_FAILURES:
            return AuthenticationError(message)
        until = now + security.LOCK_TIME
        throttle.lock(key, until)
    # Never the username as typed (it may be a mistyped password): the account's id, if any.
    monitoring.business_event(
        "login.locked",
        employee_id=EmployeeRepository(db.conn).id_of_username(key) or "unknown",
        failures=failures,
        during="login" if message == LOGIN_FAILED else "re-authentication",
        until=until.isoformat(timespec="minutes"),
    )
    return AccountLocked(until, prefix=message)


def login(db: Database, username: str, password: str, now: datetime | None = None) -> Employee:
    """The active employee with these credentials, or AuthenticationError (always the same message).

    The username is case-insensitive; unknown usernames take as long (a dummy hash is verified)
    and are throttled the same; a hash made with weaker parameters is replaced on success.
    """
    now = now or _utc_now()
    key = throttle_key(username)
    if not _USERNAME_SHAPE.match(key):
        security.burn_verification_time(password)
        raise AuthenticationError(LOGIN_FAILED)
    _check_not_locked(db, key, now)
    repo = EmployeeRepository(db.conn)
    row = repo.credentials(key)
    if row is None:
        security.burn_verification_time(password)
        raise _count_failure(db, key, now, LOGIN_FAILED)
    employee_id, password_hash, is_active = row
    if not security.verify_password(password_hash, password) or not is_active:
        raise _count_failure(db, key, now, LOGIN_FAILED)
    with db.transaction(employee_id):
        ThrottleRepository(db.conn).reset(key)
        if security.needs_rehash(password_hash):
            repo.replace_hash(employee_id, password_hash, security.hash_password(password))
    employee = repo.get(employee_id)
    assert employee is not None
    return employee


def confirm_password(db: Database, employee: Employee, password: str, now: datetime | None = None) -> None:
    """Check the acting employee's password again (before a write, after idling).

    A wrong answer counts as a failed login; AccountLocked when the username is (or becomes) locked.
    """
    now = now or _utc_now()
    key = throttle_key(employee.username)
    _check_not_locked(db, key, now)
    password_hash = EmployeeRepository(db.conn).password_hash(employee.id)
    if password_hash is None or not security.verify_password(password_hash, password):
        raise _count_failure(db, key, now, WRONG_PASSWORD)
    with db.transaction(employee.id):
        ThrottleRepository(db.conn).reset(key)
