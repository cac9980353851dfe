"""A logged-in employee's session: who acts, how to ask them, idle timeout, password again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Concatenate, ParamSpec, TypeVar

from crm import i18n, validation
from crm.errors import AuthenticationError, CRMError, DatabaseUnavailable, NotFound
from crm.i18n import N_, _, ngettext
from crm.models import Employee
from crm.services import auth
from crm.services.backend import Backend, Database, DirectBackend
from crm.services.sessions import SessionEnded
from crm.ui.prompts import Prompts, PromptsWrapper, PromptTimedOut, ask
from crm.ui.render import VisiblePrompts, browse, clear_screen

T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")


def utc_now() -> datetime:
    return datetime.now(UTC)


DEACTIVATED = N_("Your account has been deactivated: you have been logged out.")


def idle_message(limit: timedelta) -> str:
    """What a session that ended by itself says."""
    seconds = limit.total_seconds()
    if seconds >= 60:
        minutes = round(seconds / 60)
        return ngettext(
            "No key pressed for {amount:g} minute: you have been logged out.",
            "No key pressed for {amount:g} minutes: you have been logged out.",
            minutes,
        ).format(amount=minutes)
    amount = round(seconds, 1)
    return ngettext(
        "No key pressed for {amount:g} second: you have been logged out.",
        "No key pressed for {amount:g} seconds: you have been logged out.",
        int(amount) if amount == 1 else 2,
    ).format(amount=amount)


class LoggedOut(Exception):
    """The session has ended (idle re-check failed, account deactivated); back to the login prompt."""


class LockWhenIdle(PromptsWrapper):
    """A session's prompts: a question left alone until it times out locks the session (see
    Session.lock); once unlocked, the same question is asked again."""

    def __init__(self, prompts: Prompts, lock: Callable[[], None]) -> None:
        super().__init__(prompts)
        self.lock = lock

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
    """A logged-in employee at the menus: how to reach the services (the backend, holding the
    session's token), who acts, how to ask them, the idle lock and the password again.

    `backend` may be given as a Database (tests, and a program embedding the menus): the session
    then runs the services on it directly, opening a session for `employee`.
    """

    backend: Backend
    employee: Employee
    prompts: Prompts
    clock: Callable[[], datetime] = utc_now
    idle_limit: timedelta = timedelta(minutes=15)
    last_activity: datetime = field(default_factory=utc_now)
    # The program's language (`[ui] language`): what an employee who chose none is shown.
    default_language: str = field(default_factory=i18n.language)

    def __post_init__(self) -> None:
        if isinstance(self.backend, Database):
            direct = DirectBackend(self.backend, clock=self.clock)
            direct.adopt(self.employee)
            self.backend = direct
        self.last_activity = self.clock()
        self._own_prompts = self.prompts  # the lock's password question must not lock again
        # Questions, defaults and choices name records: shown safely whatever the database holds.
        self.prompts = LockWhenIdle(VisiblePrompts(self.prompts), self.lock)

    def speak_own_language(self) -> None:
        """Show the employee's screens in the language they chose (My account → Language), else
        in the program's; unknown while the database is unavailable: left as it is."""
        from crm.services import employees

        try:
            chosen = self.act(employees.own_language)
        except DatabaseUnavailable:
            return
        i18n.set_language(chosen or self.default_language)

    def run(self, fn: Callable[Concatenate[Database, P], R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call a service function of the database alone (crm.services.backend). A session found
        ended on the way (a transport that checks it at every call: team mode) logs out."""
        try:
            return self.backend.run(fn, *args, **kwargs)
        except SessionEnded as ended:
            raise LoggedOut(str(ended)) from None

    def act(
        self, fn: Callable[Concatenate[Database, Employee, P], R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """Call a service function as the logged-in employee (an ended session logs out)."""
        try:
            return self.backend.act(self.employee, fn, *args, **kwargs)
        except SessionEnded as ended:
            raise LoggedOut(str(ended)) from None

    def pages(
        self, fn: Callable[..., Sequence[T]], *args: Any, **kwargs: Any
    ) -> Callable[[int, int], Sequence[T]]:
        """What `browse` pages through: fn(db, *args, offset, limit, **kwargs), a list service."""
        return lambda offset, limit: self.run(fn, *args, offset, limit, **kwargs)

    def pages_as(
        self, fn: Callable[..., Sequence[T]], *args: Any, **kwargs: Any
    ) -> Callable[[int, int], Sequence[T]]:
        """`pages` of a list service that takes the logged-in employee."""
        return lambda offset, limit: self.act(fn, *args, offset, limit, **kwargs)

    def touch(self) -> None:
        """Called after every answer: re-check an idle session (no database read).

        Prompts that time out by themselves (idle_timeout set) have already measured idleness
        from the last key press; for others the time since the previous answer is what counts.
        """
        if self.prompts.idle_timeout is None and self.clock() - self.last_activity > self.idle_limit:
            self.lock()
        self.last_activity = self.clock()

    def pick_made(self) -> None:
        """Called after every menu and page pick: touch, and read the employee again (a session
        ended by a deactivation, a team change or a new password logs out: LoggedOut)."""
        self.touch()
        self.reload()

    def lock(self) -> None:
        """The session was idle too long: clear the screen and ask the password again. The right
        one goes on where the employee was; a wrong one, Ctrl-C / Ctrl-D, or no key pressed for
        the idle limit again logs out (LoggedOut)."""
        clear_screen()
        print(_("You were idle for a while: please enter your password again."))
        while True:
            try:
                password = self._own_prompts.password(
                    _("Password for {username}:").format(username=self.employee.username)
                )
            except PromptTimedOut:
                raise LoggedOut(idle_message(self.idle_limit)) from None
            except (KeyboardInterrupt, EOFError):
                raise LoggedOut(_("You have been logged out.")) from None
            try:
                self.check_password(password)
                return
            except AuthenticationError:
                raise LoggedOut(_("Wrong password: you have been logged out.")) from None
            except DatabaseUnavailable as error:  # cannot be checked now: still locked, ask again
                print(error)

    def ask(self, message: str, parse: Callable[[str], T], default: str = "") -> T:
        """crm.ui.prompts.ask for this session: each answer touches it (idle timeout)."""
        return ask(self.prompts, message, parse, default, on_answer=self.touch)

    def ask_record(self, message: str, what: str, get: Callable[[Database, int], T]) -> T:
        """Ask for an id (`what`: "Client id") until the service function `get(db, id)` finds the
        record; a NotFound is shown and the id asked again."""
        while True:
            record_id = self.ask(message, partial(validation.record_id, what=_(what)))
            try:
                return self.run(get, record_id)
            except NotFound as error:
                print(error)

    def browse(
        self,
        title: str,
        fetch: Callable[[int, int], Sequence[T]],
        headers: Sequence[str],
        to_row: Callable[[T], Sequence[Any]],
    ) -> None:
        """crm.ui.render.browse for this session: each page pick is a menu pick."""
        browse(self.prompts, title, fetch, headers, to_row, on_answer=self.pick_made)

    def reload(self) -> None:
        """Read the employee again: a session that has ended (deactivated, moved to another team,
        a new password, expired) logs out with its reason."""
        try:
            self.employee = self.backend.current()
        except SessionEnded as ended:
            raise LoggedOut(str(ended)) from None

    def confirm_write(self) -> None:
        """Ask the password again just before saving; AuthenticationError cancels the write.

        The employee is read again first (a session ended meanwhile: logged out, nothing asked),
        so the save that follows acts as who they are now.
        """
        self.reload()
        password = self.prompts.password(
            _("Password for {username}:").format(username=self.employee.username)
        )
        if not password:  # Enter alone: the user changed their mind; not a failed attempt
            raise CRMError(_("No password typed; nothing was saved."))
        self.check_password(password)

    def check_password(self, password: str) -> None:
        """Check the employee's password: a wrong one raises AuthenticationError and counts as a
        failed login; the failure that locks the account (or a lock already there) logs out."""
        try:
            self.employee = self.backend.confirm_password(password)
        except auth.AccountLocked as locked:
            raise LoggedOut(_("{locked} You have been logged out.").format(locked=locked)) from None
        except SessionEnded as ended:
            raise LoggedOut(str(ended)) from None
        except auth.AccountDeactivated:
            raise LoggedOut(_(DEACTIVATED)) from None
        self.last_activity = self.clock()
