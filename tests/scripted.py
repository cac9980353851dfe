"""Scripted prompts for menu tests: a list of answers, a record of what was asked, and the team
menu run on them (`run_menu`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from crm.db import Database
from crm.models import Employee
from crm.ui.menu import Outcome, Section, run_team_menu
from crm.ui.prompts import PromptTimedOut, keys_of
from crm.ui.session import Session


class CtrlC:
    """An answer that presses Ctrl-C at that prompt."""


class CtrlD:
    """An answer that presses Ctrl-D at that prompt."""


class TimedOut:
    """An answer that leaves that prompt alone until the idle timeout ends it."""


class ScriptedPrompts:
    """Answers prompts from a script.

    Text and password prompts take strings; `choose` takes the start of a choice's title
    (e.g. "Clients" or "3"), else one of its keys ("0", "n", "?": crm.ui.prompts.Keyed);
    `confirm` takes a bool. Running out of answers fails the test.
    Besides what was asked, it keeps the titles each choice offered (the first time it was shown)
    and the defaults each text prompt offered.
    """

    def __init__(self, answers: Sequence[Any]) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, str]] = []
        self.shown: dict[str, list[str]] = {}  # choice message -> titles, as first offered
        self.defaults: dict[str, list[str]] = {}  # text message -> the default of each time
        self.idle_timeout: float | None = None
        self.timeouts: list[float | None] = []  # idle_timeout at each prompt

    def _next(self, kind: str, message: str) -> Any:
        self.asked.append((kind, message))
        self.timeouts.append(self.idle_timeout)
        if not self.answers:
            raise AssertionError(f"unexpected {kind} prompt: {message!r} (script exhausted)")
        answer = self.answers.pop(0)
        if answer is CtrlC:
            raise KeyboardInterrupt
        if answer is CtrlD:
            raise EOFError
        if answer is TimedOut:
            if self.idle_timeout is None:
                raise AssertionError(f"{message!r} has no idle timeout: it would wait forever")
            raise PromptTimedOut
        return answer

    def text(self, message: str, default: str = "") -> str:
        self.defaults.setdefault(message, []).append(default)
        answer = self._next("text", message)
        return default if answer is None else answer

    def password(self, message: str) -> str:
        return self._next("password", message)

    def choose(self, message: str, choices):
        titles = [title for title, _ in choices]
        self.shown.setdefault(message, titles)
        answer = self._next("choose", message)
        if isinstance(answer, int):
            return choices[answer - 1][1]
        for title, value in choices:
            if title.startswith(answer):
                return value
        for title, value in choices:  # a key ("0", "n", "?") the real prompts choose it by
            if answer in keys_of(title):
                return value
        raise AssertionError(f"no choice starting with {answer!r} in {titles} for {message!r}")

    def confirm(self, message: str, default: bool = False) -> bool:
        return bool(self._next("confirm", message))

    @property
    def messages(self) -> list[str]:
        return [message for _, message in self.asked]

    @property
    def passwords(self) -> int:
        """How many password prompts were shown."""
        return [kind for kind, _ in self.asked].count("password")


class Clock:
    """A clock that tests move by hand (sessions and services take `clock` or `now`)."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


class IdleBeforeEachPick(ScriptedPrompts):
    """Scripted prompts where `idle` time passes on `clock` before each menu pick."""

    def __init__(self, answers: Sequence[Any], clock: Clock, idle: timedelta = timedelta(minutes=16)) -> None:
        super().__init__(answers)
        self.clock, self.idle = clock, idle

    def choose(self, message, choices):
        self.clock.now += self.idle
        return super().choose(message, choices)


# How the menu tests reach the services and ask their questions: the menu_variant fixture
# (tests/conftest.py) sets it for the modules that use it; session_for builds the Session it means.
VARIANT = "direct"


def session_for(db: Database, employee: Employee, prompts: Any, *, clock: Any = None) -> Session:
    """The menus' Session for `employee` on `prompts`, the way the current VARIANT runs them
    ("direct": the services in this process, on `db`)."""
    return Session(db, employee, prompts, clock=clock or Clock())


def run_menu(
    db: Database,
    employee: Employee,
    sections: Sequence[Section],
    answers: Sequence[Any],
    *,
    clock: Clock | None = None,
) -> ScriptedPrompts:
    """Run the team menu of `sections` as `employee` with scripted answers, which must end it
    (Quit) and all be used; return the prompts, to look at what was asked."""
    prompts = ScriptedPrompts(answers)
    outcome = run_team_menu(session_for(db, employee, prompts, clock=clock), list(sections))
    assert outcome is Outcome.QUIT
    assert prompts.answers == [], "script not used up"
    return prompts
