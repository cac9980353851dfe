"""Logging in and proving it is still you: the only code that checks passwords.

Every check counts against a throttle key (crm/repositories/throttle.py) BEFORE the password is
verified, in one atomic statement: attempts made at the same time (several programs, one
username) are counted one after the other, so at most MAX_FAILURES of them within FAILURE_WINDOW
get a password verified; then the key is locked for LOCK_TIME and the message says when to try
again. A right password clears the count — unless the key was locked meanwhile, and then it is
refused too. Unknown usernames are counted and locked the same way, so a lock reveals nothing.

Attempts are counted per username, except on a device the employee has logged in from before
(its token, kept by crm/devices.py, is sent with the attempt): there they have a count of their
own. Anyone may lock a username for everyone else by failing five times, but never out of the
computers its employee uses (OWASP "device cookies"); the installer's `--unlock` lifts any lock.
`now` is injectable for tests.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from crm import monitoring, security
from crm.db import Database
from crm.errors import AuthenticationError
from crm.i18n import N_, _
from crm.models import Employee
from crm.repositories.employees import EmployeeRepository
from crm.repositories.throttle import ThrottleRepository

LOGIN_FAILED = N_("Invalid username or password.")
WRONG_PASSWORD = N_("Wrong password; nothing was saved.")
ACCOUNT_DEACTIVATED = N_("Your account has been deactivated.")

# What a username can look like (as the employees table's CHECK); anything else cannot log in
# and is not counted, so typing garbage does not fill the throttle table.
_USERNAME_SHAPE = re.compile(r"^[a-z0-9._-]{3,40}$")


class AccountLocked(AuthenticationError):
    """Too many failed attempts for a username: no password is checked until `until`."""

    def __init__(self, until: datetime, prefix: str = "") -> None:
        self.until = until
        message = _("Too many failed attempts for this username: try again at {local_time}.").format(
            local_time=local_time(until)
        )
        super().__init__(f"{prefix} {message}".strip())


class AccountDeactivated(AuthenticationError):
    """The logged-in employee's account has been deactivated meanwhile."""

    def __init__(self) -> None:
        super().__init__(ACCOUNT_DEACTIVATED)


def local_time(moment: datetime) -> str:
    """HH:MM of a moment in the computer's time zone."""
    return moment.astimezone().strftime("%H:%M")


def typed_username(username: str) -> str:
    """A username as typed, the way it is looked up and counted: trimmed and lower-cased."""
    return username.strip().lower()


def device_token_hash(token: str | None) -> str | None:
    """What the database keeps of a device token: its SHA-256 (hex)."""
    return hashlib.sha256(token.encode()).hexdigest() if token else None


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _lock(db: Database, key: str, username: str, now: datetime, attempts: int, during: str) -> datetime:
    """Lock the key for LOCK_TIME; when the lock ends."""
    with db.transaction():
        until = ThrottleRepository(db.conn).lock(key, now + security.LOCK_TIME)
    # Never the username as typed (it may be a mistyped password): the account's id, if any.
    monitoring.business_event(
        "login.locked",
        employee_id=EmployeeRepository(db.conn).id_of_username(username) or "unknown",
        failures=attempts,
        during=during,
        device=key.startswith("device:"),
        until=until.isoformat(timespec="minutes"),
    )
    return until


def _begin_attempt(
    db: Database, username: str, device_hash: str | None, now: datetime, during: str
) -> tuple[str, int]:
    """Count this attempt before any password is checked: (its throttle key, its number within
    the window).

    AccountLocked when the key is locked, or when attempts made at the same time have used up
    what the window allows (this one then locks it, and checks nothing).
    """
    repo = ThrottleRepository(db.conn)
    key = repo.key(username, device_hash)
    with db.transaction():
        attempts, until = repo.begin_attempt(key, now, security.FAILURE_WINDOW)
    if until is not None:
        raise AccountLocked(until)
    if attempts > security.MAX_FAILURES:
        raise AccountLocked(_lock(db, key, username, now, attempts, during))
    return key, attempts


def _failed(
    db: Database, key: str, username: str, now: datetime, attempts: int, message: str, during: str
) -> AuthenticationError:
    """The error of a wrong password (already counted): AccountLocked when it is the last one allowed."""
    if attempts < security.MAX_FAILURES:
        return AuthenticationError(message)
    return AccountLocked(_lock(db, key, username, now, attempts, during), prefix=message)


def _accept(db: Database, key: str, now: datetime, employee_id: int, device_hash: str | None) -> None:
    """A right password: clear the count and remember the device, in the caller's transaction —
    refused (AccountLocked) when attempts made at the same time have locked the key meanwhile."""
    repo = ThrottleRepository(db.conn)
    until = repo.clear_unless_locked(key, now)
    if until is not None:
        raise AccountLocked(until)
    if device_hash is not None:
        repo.remember_device(employee_id, device_hash)


def login(
    db: Database,
    username: str,
    password: str,
    now: datetime | None = None,
    device_token: str | None = None,
    rehash: bool = True,
) -> Employee:
    """The active employee with these credentials, or AuthenticationError (always the same message).

    The username is case-insensitive; unknown usernames take as long (a dummy hash is verified)
    and are throttled the same; a hash made with weaker parameters is replaced on success (rehash:
    here, as the employee, when the database has a session to verify them from — the caller's
    token or provider; sessions.log_in does it itself once the session is open).
    device_token: this computer's token for the username (crm/devices.py), remembered on success.
    Input no keyboard could type right (a lone surrogate from a terminal in another encoding,
    a NUL) is a wrong username or password like any other.
    """
    now = now or _utc_now()
    name = typed_username(username)
    if not _USERNAME_SHAPE.match(name):
        security.burn_verification_time(password)
        raise AuthenticationError(LOGIN_FAILED)
    device_hash = device_token_hash(device_token)
    key, attempts = _begin_attempt(db, name, device_hash, now, "login")
    repo = EmployeeRepository(db.conn)
    row = repo.credentials(name)
    if row is None:
        security.burn_verification_time(password)
        raise _failed(db, key, name, now, attempts, LOGIN_FAILED, "login")
    employee_id, password_hash, is_active = row
    if not security.verify_password(password_hash, password) or not is_active:
        raise _failed(db, key, name, now, attempts, LOGIN_FAILED, "login")
    with db.transaction():
        _accept(db, key, now, employee_id, device_hash)
    if rehash and security.needs_rehash(password_hash):
        _rehash(db, employee_id, password_hash, password)
    employee = repo.get(employee_id)
    assert employee is not None
    return employee


def _rehash(db: Database, employee_id: int, password_hash: str, password: str) -> None:
    new_hash = security.hash_password(password)
    with db.transaction(employee_id):
        EmployeeRepository(db.conn).replace_hash(employee_id, password_hash, new_hash)


def rehash_if_weaker(db: Database, employee_id: int, password: str) -> None:
    """Replace the employee's hash by a stronger one of this password (just verified at login) if
    it was made with weaker parameters; in a transaction of the employee's own session."""
    row = EmployeeRepository(db.conn).reauth_credentials(employee_id)
    if row is not None and security.needs_rehash(row[1]):
        _rehash(db, employee_id, row[1], password)


def confirm_password(
    db: Database,
    employee: Employee,
    password: str,
    now: datetime | None = None,
    device_token: str | None = None,
) -> None:
    """Check the acting employee's password again (before a write, after idling).

    AccountDeactivated when the account has been deactivated meanwhile (nothing is checked). A
    wrong answer counts as a failed login (on this device's count when device_token is the one
    the session logged in with); AccountLocked when it is (or becomes) locked.
    """
    now = now or _utc_now()
    row = EmployeeRepository(db.conn).reauth_credentials(employee.id)
    if row is None or not row[2]:
        raise AccountDeactivated()
    username, password_hash, _ = row
    name = typed_username(username)
    device_hash = device_token_hash(device_token)
    key, attempts = _begin_attempt(db, name, device_hash, now, "re-authentication")
    if not security.verify_password(password_hash, password):
        raise _failed(db, key, name, now, attempts, WRONG_PASSWORD, "re-authentication")
    with db.transaction():
        _accept(db, key, now, employee.id, device_hash)
