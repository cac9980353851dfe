"""Asking the user: the Prompts interface, its questionary implementation, and input loops.

Menus and forms only talk to a `Prompts` object, so tests can inject scripted answers
(tests/scripted.py) the way pgcli injects its executor. Ctrl-C raises KeyboardInterrupt and
Ctrl-D raises EOFError from every prompt (questionary's `unsafe_ask`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from crm.errors import ValidationError

T = TypeVar("T")


class Prompts(Protocol):
    def text(self, message: str, default: str = "") -> str: ...

    def password(self, message: str) -> str: ...

    def choose(self, message: str, choices: Sequence[tuple[str, T]]) -> T:
        """A numbered menu: typing the number (then Enter) selects."""
        ...

    def confirm(self, message: str, default: bool = False) -> bool: ...


class QuestionaryPrompts:
    """Prompts on the terminal, through questionary (imported on first use)."""

    def text(self, message: str, default: str = "") -> str:
        import questionary

        return questionary.text(message, default=default).unsafe_ask()

    def password(self, message: str) -> str:
        import questionary

        return questionary.password(message).unsafe_ask()

    def choose(self, message: str, choices: Sequence[tuple[str, T]]) -> T:
        import questionary

        items = [questionary.Choice(title, value=index) for index, (title, _) in enumerate(choices)]
        index = questionary.rawselect(message, choices=items).unsafe_ask()
        return choices[index][1]

    def confirm(self, message: str, default: bool = False) -> bool:
        import questionary

        # auto_enter=False: y/n waits for Enter, so the Enter a user types out of habit is not
        # taken by the next question (often the password before a save).
        return bool(questionary.confirm(message, default=default, auto_enter=False).unsafe_ask())


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


def ask_new_password(prompts: Prompts, check: Callable[[str], None], what: str = "Password") -> str:
    """Ask for a new password twice until it meets the policy (check) and both match."""
    while True:
        first = prompts.password(f"{what}:")
        try:
            check(first)
        except ValidationError as error:
            print(error)
            continue
        if prompts.password(f"{what} again:") != first:
            print("The two passwords differ; try again.")
            continue
        return first
