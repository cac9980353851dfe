"""A logged-in employee's session: who acts, how to ask them, idle timeout, password again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from crm import validation
from crm.db import Database
from crm.errors import AuthenticationError, CRMError, NotFound
from crm.models import Employee
from crm.repositories.employees import EmployeeRepository
from crm.services import auth
from crm.ui.prompts import Prompts, PromptTimedOut, ask
from crm.ui.render import browse, clear_screen

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


DEACTIVATED = "Your account has been deactivated: you have been logged out."


def idle_message(limit: timedelta) -> str:
    """What a session that ended by itself says."""
    seconds = limit.total_seconds()
    amount, unit = (round(seconds / 60), "minute") if seconds >= 60 else (round(seconds, 1), "second")
    return f"No key pressed for {amount:g} {unit}{'' if amount == 1 else 's'}: you have been logged out."


class LoggedOut(Exception):
    """The session has ended (idle re-check failed, account deactivated); back to the login prompt."""


class LockWhenIdle:
    """A session's prompts: a question left alone until it times out locks the session (see
    Session.lock); once unlocked, the same question is asked again."""

    def __init__(self, prompts: Prompts, lock: Callable[[], None]) -> None:
        self.inner, self.lock = prompts, lock

    @property
    def idle_timeout(self) -> float | None:
        return self.inner.idle_timeout

    @idle_timeout.setter
    def idle_timeout(self, seconds: float | None) -> None:
        self.inner.idle_timeout = seconds

    def _until_answered(self, question: Callable[[], T]) -> T:
        while True:
            try:
                return question()
            except PromptTimedOut:
                self.lock()

    def text(self, message: str, default: str = "") -> str:
        return self._until_answered(lambda: self.inner.text(message, default))

    def password(self, message: str) -> str:
        return self._until_answered(lambda: self.inner.password(message))

    def choose(self, message: str, choices: Sequence[tuple[str, T]]) -> T:
        return self._until_answered(lambda: self.inner.choose(message, choices))

    def confirm(self, message: str, default: bool = False) -> bool:
        return self._until_answered(lambda: self.inner.confirm(message, default))


@dataclass
class Session:
    db: Database
    employee: Employee
    prompts: Prompts
    clock: Callable[[], datetime] = utc_now
    idle_limit: timedelta = timedelta(minutes=15)
    last_activity: datetime = field(default_factory=utc_now)
    device_token: str | None = None  # this computer's token the employee logged in with (crm/devices.py)

    def __post_init__(self) -> None:
        self.last_activity = self.clock()
        self._own_prompts = self.prompts  # the lock's password question must not lock again
        self.prompts = LockWhenIdle(self.prompts, self.lock)

    def touch(self) -> None:
        """Called after every answer (menus, forms, list pages): re-check an idle session, reload
        the employee (a deactivation ends the session: LoggedOut).

        Prompts that time out by themselves (idle_timeout set) have already measured idleness
        from the last key press; for others the time since the previous answer is what counts.
        """
        if self.prompts.idle_timeout is None and self.clock() - self.last_activity > self.idle_limit:
            self.lock()
        self.last_activity = self.clock()
        self.reload()

    def lock(self) -> None:
        """The session was idle too long: clear the screen and ask the password again. The right
        one goes on where the employee was; a wrong one, Ctrl-C / Ctrl-D, or no key pressed for
        the idle limit again logs out (LoggedOut)."""
        clear_screen()
        print("You were idle for a while: please enter your password again.")
        try:
            password = self._own_prompts.password(f"Password for {self.employee.username}:")
        except PromptTimedOut:
            raise LoggedOut(idle_message(self.idle_limit)) from None
        except (KeyboardInterrupt, EOFError):
            raise LoggedOut("You have been logged out.") from None
        try:
            self.check_password(password)
        except AuthenticationError:
            raise LoggedOut("Wrong password: you have been logged out.") from None

    def ask(self, message: str, parse: Callable[[str], T], default: str = "") -> T:
        """crm.ui.prompts.ask for this session: each answer touches it (idle timeout, deactivation)."""
        return ask(self.prompts, message, parse, default, on_answer=self.touch)

    def ask_record(self, message: str, what: str, get: Callable[[Database, int], T]) -> T:
        """Ask for an id (`what`: "Client id") until `get(db, id)` finds the record; a NotFound
        is shown and the id asked again."""
        while True:
            record_id = self.ask(message, partial(validation.record_id, what=what))
            try:
                return get(self.db, record_id)
            except NotFound as error:
                print(error)

    def browse(
        self,
        title: str,
        fetch: Callable[[int, int], Sequence[T]],
        headers: Sequence[str],
        to_row: Callable[[T], Sequence[Any]],
    ) -> None:
        """crm.ui.render.browse for this session: each page answer touches it."""
        browse(self.prompts, title, fetch, headers, to_row, on_answer=self.touch)

    def reload(self) -> None:
        """Read the employee again: a team change reaches the session; a deactivation ends it."""
        fresh = EmployeeRepository(self.db.conn).get(self.employee.id)
        if fresh is None or not fresh.is_active:
            raise LoggedOut(DEACTIVATED)
        self.employee = fresh

    def confirm_write(self) -> None:
        """Ask the password again just before saving; AuthenticationError cancels the write.

        The employee is read again first (deactivated meanwhile: logged out, nothing asked), so
        the save that follows acts as who they are now.
        """
        self.reload()
        password = self.prompts.password(f"Password for {self.employee.username}:")
        if not password:  # Enter alone: the user changed their mind; not a failed attempt
            raise CRMError("No password typed; nothing was saved.")
        self.check_password(password)

    def check_password(self, password: str) -> None:
        """Check the employee's password: a wrong one raises AuthenticationError and counts as a
        failed login; the failure that locks the account (or a lock already there) logs out."""
        try:
            auth.confirm_password(
                self.db, self.employee, password, now=self.clock(), device_token=self.device_token
            )
        except auth.AccountLocked as locked:
            raise LoggedOut(f"{locked} You have been logged out.") from None
        except auth.AccountDeactivated:
            raise LoggedOut(DEACTIVATED) from None
        self.last_activity = self.clock()
