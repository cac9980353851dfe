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
from crm.ui.prompts import Prompts, ask
from crm.ui.render import browse

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


DEACTIVATED = "Your account has been deactivated: you have been logged out."


class LoggedOut(Exception):
    """The session has ended (idle re-check failed, account deactivated); back to the login prompt."""


@dataclass
class Session:
    db: Database
    employee: Employee
    prompts: Prompts
    clock: Callable[[], datetime] = utc_now
    idle_limit: timedelta = timedelta(minutes=15)
    last_activity: datetime = field(default_factory=utc_now)

    def __post_init__(self) -> None:
        self.last_activity = self.clock()

    def touch(self) -> None:
        """Called after every answer (menus, forms, list pages): re-check an idle session, reload
        the employee (a deactivation ends the session: LoggedOut)."""
        now = self.clock()
        if now - self.last_activity > self.idle_limit:
            print("You were idle for a while: please enter your password again.")
            try:
                self.check_password(self.prompts.password(f"Password for {self.employee.username}:"))
            except AuthenticationError:
                raise LoggedOut("Wrong password: you have been logged out.") from None
            except (KeyboardInterrupt, EOFError):
                raise LoggedOut("You have been logged out.") from None
        self.last_activity = self.clock()
        self.reload()

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
            auth.confirm_password(self.db, self.employee, password, now=self.clock())
        except auth.AccountLocked as locked:
            raise LoggedOut(f"{locked} You have been logged out.") from None
        except auth.AccountDeactivated:
            raise LoggedOut(DEACTIVATED) from None
        self.last_activity = self.clock()
