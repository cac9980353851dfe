"""Asking the user: the Prompts interface, its questionary implementation, and input loops.

Menus and forms only talk to a `Prompts` object, so tests can inject scripted answers
(tests/scripted.py) the way pgcli injects its executor. Ctrl-C raises KeyboardInterrupt and
Ctrl-D raises EOFError from every prompt (questionary's `unsafe_ask`; InputClosed, an EOFError,
when the input itself has ended); a prompt left without a key press for `idle_timeout` seconds
raises PromptTimedOut.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from crm.errors import ValidationError
from crm.i18n import N_, _

if TYPE_CHECKING:
    from prompt_toolkit.application import Application
    from questionary import Question

T = TypeVar("T")


class PromptTimedOut(Exception):
    """Nobody pressed a key at a prompt for `Prompts.idle_timeout` seconds."""


class InputClosed(EOFError):
    """The terminal's input has ended (stdin closed): no key can come any more. An EOFError, so
    whatever Ctrl-D ends ends too; what asks before quitting on Ctrl-D quits without asking."""


class Keyed(str):
    """A choice's title that also names its keys: `key`, the single key shown before it in a
    numbered menu ("1" to "9", "0" for Back, a letter), and `also`, more keys that choose it
    ("n" for Next page, "?" for Help). A plain str title gets the next free number."""

    key: str | None
    also: tuple[str, ...]

    def __new__(cls, title: str, key: str | None = None, also: tuple[str, ...] = ()) -> Keyed:
        keyed = super().__new__(cls, title)
        keyed.key, keyed.also = key, also
        return keyed


def keys_of(title: str) -> tuple[str, ...]:
    """Every key that chooses this title (its shown key first); none for a plain str."""
    key = getattr(title, "key", None)
    return ((key,) if key else ()) + tuple(getattr(title, "also", ()))


def same_keys(text: str, like: str) -> str:
    """`text` with the keys of `like` (a title shown changed, through visible(), keeps its keys)."""
    if isinstance(like, Keyed) and not isinstance(text, Keyed):
        return Keyed(text, like.key, like.also)
    return text


class Prompts(Protocol):
    # Seconds without a key press after which a prompt gives up (PromptTimedOut); None: wait.
    idle_timeout: float | None

    def text(self, message: str, default: str = "") -> str: ...

    def password(self, message: str) -> str: ...

    def choose(self, message: str, choices: Sequence[tuple[str, T]]) -> T:
        """A numbered menu: typing the number (then Enter) selects."""
        ...

    def confirm(self, message: str, default: bool = False) -> bool: ...


class PromptsWrapper:
    """Prompts that pass every question on to `inner`; a subclass changes what it needs (the
    idle timeout is always the inner prompts')."""

    def __init__(self, prompts: Prompts) -> None:
        self.inner = prompts

    @property
    def idle_timeout(self) -> float | None:
        return self.inner.idle_timeout

    @idle_timeout.setter
    def idle_timeout(self, seconds: float | None) -> None:
        self.inner.idle_timeout = seconds

    def text(self, message: str, default: str = "") -> str:
        return self.inner.text(message, default)

    def password(self, message: str) -> str:
        return self.inner.password(message)

    def choose(self, message: str, choices: Sequence[tuple[str, T]]) -> T:
        return self.inner.choose(message, choices)

    def confirm(self, message: str, default: bool = False) -> bool:
        return self.inner.confirm(message, default)


class QuestionaryPrompts:
    """Prompts on the terminal, through questionary (imported on first use)."""

    def __init__(
        self,
        idle_timeout: float | None = None,
        *,
        wall_clock: Callable[[], float] = time.time,
        poll_seconds: float = 15.0,
    ) -> None:
        self.idle_timeout = idle_timeout
        self.wall_clock, self.poll_seconds = wall_clock, poll_seconds

    def text(self, message: str, default: str = "") -> str:
        import questionary

        return self._ask(questionary.text(message, default=default))

    def password(self, message: str) -> str:
        import questionary

        return self._ask(questionary.password(message))

    def choose(self, message: str, choices: Sequence[tuple[str, T]]) -> T:
        import questionary

        items = [
            questionary.Choice(str(title), value=index, shortcut_key=getattr(title, "key", None) or True)
            for index, (title, _value) in enumerate(choices)
        ]
        question = questionary.rawselect(message, choices=items)
        _ctrl_d_raises_eof(question.application)
        _more_keys(
            question.application,
            {k: i for i, (t, _value) in enumerate(choices) for k in getattr(t, "also", ())},
        )
        index = self._ask(question)
        return choices[index][1]

    def confirm(self, message: str, default: bool = False) -> bool:
        import questionary

        # auto_enter=False: y/n waits for Enter, so the Enter a user types out of habit is not
        # taken by the next question (often the password before a save).
        return bool(self._ask(questionary.confirm(message, default=default, auto_enter=False)))

    def _ask(self, question: Question) -> Any:
        try:
            if self.idle_timeout is None:
                return question.unsafe_ask()
            cancel = _expire_when_idle(
                question.application, self.idle_timeout, self.wall_clock, self.poll_seconds
            )
            try:
                return question.unsafe_ask()
            finally:
                cancel()
        except EOFError:
            if getattr(question.application.input, "closed", False):
                raise InputClosed from None  # not a Ctrl-D: the input is gone
            raise


def _ctrl_d_raises_eof(app: Application[Any]) -> None:
    """Ctrl-D in a numbered menu raises EOFError, as in every other prompt (rawselect ignores it)."""
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

    bindings = KeyBindings()

    @bindings.add("c-d", eager=True)
    def _eof(event: Any) -> None:
        event.app.exit(exception=EOFError())

    app.key_bindings = merge_key_bindings([app.key_bindings, bindings]) if app.key_bindings else bindings


def _more_keys(app: Application[Any], keys: dict[str, int]) -> None:
    """In a numbered menu, more keys that point at a choice as its number does (Enter then
    chooses it): {"n": index of Next page, "?": index of Help}."""
    if not keys:
        return
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
    from questionary.prompts.common import InquirerControl

    control = next(c for c in app.layout.find_all_controls() if isinstance(c, InquirerControl))
    bindings = KeyBindings()
    for key, index in keys.items():

        def point(_event: Any, index: int = index) -> None:
            control.pointed_at = index

        bindings.add(key, eager=True)(point)
    app.key_bindings = merge_key_bindings([app.key_bindings, bindings]) if app.key_bindings else bindings


def _expire_when_idle(
    app: Application[Any], seconds: float, wall_clock: Callable[[], float], poll: float
) -> Callable[[], None]:
    """Make `app` exit with PromptTimedOut once no key has been pressed for `seconds`; return
    what disarms it.

    Idle time is wall-clock time since the last key press, looked at every `poll` seconds at
    most: the event loop's monotonic clock stops while a laptop sleeps, the wall clock does not,
    so a session left open over a suspend ends within `poll` seconds of the resume.
    """
    import asyncio

    timer: asyncio.TimerHandle | None = None
    last_key = wall_clock()

    def check() -> None:
        nonlocal timer
        left = seconds - (wall_clock() - last_key)
        if left > 0:
            timer = asyncio.get_running_loop().call_later(min(left, poll), check)
        elif app.is_running and app.future is not None and not app.future.done():
            app.exit(exception=PromptTimedOut())

    def start() -> None:  # runs inside the application's event loop, before the first key
        nonlocal last_key
        last_key = wall_clock()
        check()

    def key_pressed(_sender: object) -> None:
        nonlocal last_key
        last_key = wall_clock()

    def disarm() -> None:
        if timer is not None:
            timer.cancel()

    app.pre_run_callables.append(start)
    app.key_processor.before_key_press += key_pressed
    return disarm


def ask(
    prompts: Prompts,
    message: str,
    parse: Callable[[str], T],
    default: str = "",
    *,
    on_answer: Callable[[], None] | None = None,
) -> T:
    """Ask until the answer parses; each refusal is shown as one line.

    on_answer runs after each answer, before it is parsed (a session's touch: idle timeout and
    deactivation are checked while a form is filled in, not only at the menu).
    """
    while True:
        raw = prompts.text(message, default)
        if on_answer is not None:
            on_answer()
        try:
            return parse(raw)
        except ValidationError as error:
            print(error)


# The two questions of each kind of new password (whole sentences, translated where asked).
PASSWORD_QUESTIONS = {
    "Password": (N_("Password:"), N_("Password again:")),
    "Initial password": (N_("Initial password:"), N_("Initial password again:")),
    "New password": (N_("New password:"), N_("New password again:")),
}


def ask_new_password(prompts: Prompts, check: Callable[[str], None], what: str = "Password") -> str:
    """Ask for a new password twice until it meets the policy (check) and both match (what:
    "Password", "Initial password" or "New password", see PASSWORD_QUESTIONS)."""
    question, again = PASSWORD_QUESTIONS[what]
    while True:
        first = prompts.password(_(question))
        try:
            check(first)
        except ValidationError as error:
            print(error)
            continue
        if prompts.password(_(again)) != first:
            print(_("The two passwords differ; try again."))
            continue
        return first
