"""Scripted prompts for menu tests: a list of answers, a record of what was asked, and the team
menu run on them (`run_menu`)."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from crm.db import Database
from crm.models import Employee
from crm.ui.accessible import AccessiblePrompts
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
    ("direct": the services in this process, on `db`; "accessible": the same, each answer typed
    at the accessible mode's plain prompts, ThroughAccessible)."""
    if VARIANT == "accessible":
        prompts = ThroughAccessible(prompts)
    return Session(db, employee, prompts, clock=clock or Clock())


class ThroughAccessible:
    """A ScriptedPrompts's answers typed at the accessible mode's prompts (crm/ui/accessible.py)
    as a person would type them: for a menu, the key (1 to 9, 0, a…) AccessiblePrompts printed
    before the title the script names; for a text question, the text (Enter alone to keep the value shown,
    a dash to empty it); y or n; CtrlC, CtrlD and TimedOut as the terminal would end the line.

    The ScriptedPrompts still records what was asked, shown and offered, so the tests' assertions
    hold in both modes; `screen` holds what AccessiblePrompts printed.
    """

    def __init__(self, scripted: Any) -> None:
        self.scripted = scripted
        self.screen = io.StringIO()
        self.plain = AccessiblePrompts(lines=self, output=self.screen)
        self.inner = self.plain  # what speaks_plainly looks for
        self._typed: Any = None  # what to type at the next line AccessiblePrompts reads
        self._start = 0  # where on the screen the question being answered began

    @property
    def idle_timeout(self) -> float | None:
        return self.scripted.idle_timeout

    @idle_timeout.setter
    def idle_timeout(self, seconds: float | None) -> None:
        self.scripted.idle_timeout = seconds

    # The Lines AccessiblePrompts reads: each question reads one line (the script's answers are
    # valid at the prompt itself; forms check them and ask again with a new question).
    def read_line(self, timeout: float | None) -> str | None:
        typed, self._typed = self._typed, None
        if typed is None:
            raise AssertionError(f"AccessiblePrompts asked again:\n{self.screen.getvalue()[self._start :]}")
        try:
            return typed()
        except PromptTimedOut:  # the script leaves the line alone: the read times out
            return None

    def discard(self) -> None:
        pass

    def echo_off(self) -> Any:
        return contextlib.nullcontext()

    def _ask(self, typed: Any, question: Any) -> Any:
        self.plain.idle_timeout = self.scripted.idle_timeout
        self._typed, self._start = typed, self.screen.tell()
        return question()

    def text(self, message: str, default: str = "") -> str:
        def typed() -> str:
            answer = self.scripted.text(message, default)
            if answer == default:
                return ""  # Enter alone keeps what is shown
            if answer == "":
                return "-"  # a dash alone empties the field
            assert answer.strip() != "-" or not default, "a dash alone would empty the field"
            return answer

        return self._ask(typed, lambda: self.plain.text(message, default))

    def password(self, message: str) -> str:
        return self._ask(lambda: self.scripted.password(message), lambda: self.plain.password(message))

    def confirm(self, message: str, default: bool = False) -> bool:
        def typed() -> str:
            return "y" if self.scripted.confirm(message, default) else "n"

        return self._ask(typed, lambda: self.plain.confirm(message, default))

    def choose(self, message: str, choices: Any) -> Any:
        def typed() -> str:
            index = self.scripted.choose(message, [(title, i) for i, (title, _) in enumerate(choices)])
            printed = re.findall(r"^([0-9a-z]+)\. (.*)$", self.screen.getvalue()[self._start :], re.MULTILINE)
            assert [title for _, title in printed] == [title for title, _ in choices], printed
            return printed[index][0]

        return self._ask(typed, lambda: self.plain.choose(message, choices))


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
