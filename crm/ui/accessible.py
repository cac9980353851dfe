"""Accessible mode: every question as plain lines, for screen readers and braille displays.

`[ui] accessible = true` in the INI, or CRM_ACCESSIBLE=1 in the environment, replaces the
questionary prompts (which redraw themselves in place and move the cursor) by AccessiblePrompts:
the question is printed as a line, a menu's choices as numbered lines ("1. Clients" … "0. Back":
the same keys as the normal menus, 1 to 9, then 0, then letters), and the answer is a line typed
and ended with Enter, as at a teletype:

- a menu takes the key of a choice (or its position: 10 for the tenth), or the start of its
  title when only one title starts so ("n" for "Next page"); Enter alone reads the choices again;
- a yes/no question takes y, yes, o, oui, n, no or non (any case); Enter alone is the default;
- a text question with a value already there says it; Enter alone keeps it, and a dash alone
  ("-") empties the field;
- a password is read with the terminal's echo turned off (nothing drawn, not even stars);
- a wrong answer gets one line saying why, then the question again.

Nothing is drawn in place, no colour is used and the cursor is never moved. The one escape
sequence left is the wipe of the screen when an idle session locks (crm/ui/render.py
clear_screen): it is a security measure (nobody passing by reads what was on the screen), and
the line printed after it says what happened.

Ctrl-C raises KeyboardInterrupt (the terminal's SIGINT), Ctrl-D at the start of a line raises
EOFError, an input that has ended raises InputClosed, and a question left without an answer for
`idle_timeout` seconds raises PromptTimedOut, as with the questionary prompts (crm/ui/prompts.py).
Without key presses to watch, idle time is counted from the question to the Enter that ends the
answer; a half-typed line left when the time is up is thrown away.
"""

from __future__ import annotations

import os
import select
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import IO, Protocol, TypeVar

from crm.i18n import _
from crm.ui.prompts import InputClosed, PromptTimedOut

T = TypeVar("T")

YES = frozenset({"y", "yes", "o", "oui"})
NO = frozenset({"n", "no", "non"})
CLEAR = "-"  # typed alone at a text question with a value: empty the field


def accessible_wanted(configured: bool = False, environ: Mapping[str, str] | None = None) -> bool:
    """Whether the program runs in accessible mode: CRM_ACCESSIBLE when it is set (1, true, yes,
    on; 0, false, no, off), else the configuration's [ui] accessible."""
    value = (os.environ if environ is None else environ).get("CRM_ACCESSIBLE", "").strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    return configured


def speaks_plainly(prompts: object) -> bool:
    """Whether `prompts` (or the prompts a wrapper passes its questions to, `inner`) are the
    accessible mode's: then nothing else is drawn in place either (progress bars)."""
    seen: set[int] = set()
    while prompts is not None and id(prompts) not in seen:
        if isinstance(prompts, AccessiblePrompts):
            return True
        seen.add(id(prompts))
        prompts = getattr(prompts, "inner", None)
    return False


class Lines(Protocol):
    """Where AccessiblePrompts reads its answers: one line at a time."""

    def read_line(self, timeout: float | None) -> str | None:
        """The next line typed, without its line end; None when `timeout` seconds passed first.
        Ctrl-C: KeyboardInterrupt; Ctrl-D: EOFError; the input has ended: InputClosed."""
        ...

    def echo_off(self) -> AbstractContextManager[None]:
        """What is typed inside is not shown (a password)."""
        ...

    def discard(self) -> None:
        """Forget what was typed and not yet read (a half-typed line when a question timed out)."""
        ...


class TerminalLines:
    """Lines read from a terminal or a pipe (stdin by default) through its file descriptor, so
    that a timeout can end the wait (select). The terminal's own line editing is used (erase,
    Ctrl-U), which screen readers already know how to read.

    Idle time is wall-clock time, looked at every `poll_seconds` at most: a session left open over
    a laptop's sleep ends within `poll_seconds` of the resume (as QuestionaryPrompts does).
    """

    def __init__(
        self,
        stream: IO[str] | None = None,
        *,
        wall_clock: Callable[[], float] = time.time,
        poll_seconds: float = 15.0,
    ) -> None:
        self._stream = stream
        self.wall_clock, self.poll_seconds = wall_clock, poll_seconds
        self._pending = b""

    @property
    def stream(self) -> IO[str]:
        return self._stream if self._stream is not None else sys.stdin

    def read_line(self, timeout: float | None) -> str | None:
        fd = self.stream.fileno()
        started = self.wall_clock()
        while b"\n" not in self._pending:
            wait = None if timeout is None else timeout - (self.wall_clock() - started)
            if wait is not None and wait <= 0:
                return None
            ready, _w, _x = select.select(
                [fd], [], [], None if wait is None else min(wait, self.poll_seconds)
            )
            if ready:
                self._pending += self._read(fd)
        line, self._pending = self._pending.split(b"\n", 1)
        encoding = getattr(self.stream, "encoding", None) or "utf-8"
        return line.decode(encoding, errors="replace").removesuffix("\r")

    def _read(self, fd: int) -> bytes:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the terminal has gone (hung up)
            raise InputClosed from None
        if chunk:
            return chunk
        if os.isatty(fd):  # Ctrl-D: the terminal is still there, the user ends the question
            self._pending = b""
            raise EOFError
        raise InputClosed  # a pipe or file that has ended

    def discard(self) -> None:
        self._pending = b""
        fd = self.stream.fileno()
        if os.isatty(fd):
            import termios

            termios.tcflush(fd, termios.TCIFLUSH)

    @contextmanager
    def echo_off(self) -> Iterator[None]:
        """The terminal does not show what is typed inside (a password); no-op off a terminal."""
        fd = self.stream.fileno()
        if not os.isatty(fd):
            yield
            return
        with _terminal_echo_off(fd):
            yield


@contextmanager
def _terminal_echo_off(fd: int) -> Iterator[None]:
    import termios

    before = termios.tcgetattr(fd)
    quiet = list(before)
    quiet[3] &= ~termios.ECHO  # lflag; ICANON and ISIG stay: a line, Ctrl-C still interrupts
    termios.tcsetattr(fd, termios.TCSADRAIN, quiet)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, before)


def _folded(text: str) -> str:
    """Text compared without case or accents ("Événements" and "evene" match)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class AccessiblePrompts:
    """The Prompts of accessible mode (see the module's description): plain lines on `output`
    (stdout by default), answers read from `lines` (stdin's TerminalLines by default)."""

    def __init__(
        self,
        idle_timeout: float | None = None,
        *,
        lines: Lines | None = None,
        output: IO[str] | None = None,
    ) -> None:
        self.idle_timeout = idle_timeout
        self.lines = lines if lines is not None else TerminalLines()
        self._output = output

    @property
    def output(self) -> IO[str]:
        return self._output if self._output is not None else sys.stdout

    def say(self, text: str = "") -> None:
        """One line of the conversation."""
        self.output.write(text + "\n")
        self.output.flush()

    def _answer(self, prompt: str, *, echo: bool = True) -> str:
        """Write the prompt (the answer is typed after it, on the same line) and read the answer;
        without echo, the echo is off before the prompt shows (nothing typed after it is seen)."""
        try:
            with nullcontext() if echo else self.lines.echo_off():
                self.output.write(prompt + " ")
                self.output.flush()
                line = self.lines.read_line(self.idle_timeout)
        except (KeyboardInterrupt, EOFError):
            self.say()  # what comes next starts on a line of its own
            raise
        if line is None:
            self.lines.discard()
            self.say()
            raise PromptTimedOut
        if not echo:
            self.say()  # the Enter typed was not echoed either
        return line

    def text(self, message: str, default: str = "") -> str:
        if not default:
            return self._answer(message)
        prompt = _("{question} (Enter keeps “{value}”, a dash alone empties it)").format(
            question=message, value=default
        )
        answer = self._answer(prompt)
        if answer == "":
            return default
        if answer.strip() == CLEAR:
            return ""
        return answer

    def password(self, message: str) -> str:
        return self._answer(message, echo=False)

    def choose(self, message: str, choices: Sequence[tuple[str, T]]) -> T:
        titles = [title for title, _value in choices]
        keys = menu_keys(titles)
        self._list(message, keys, titles)
        prompt = _choice_prompt(len(titles)) if keys == choice_keys(len(titles)) else _keys_prompt(keys)
        more = {key: i for i, title in enumerate(titles) for key in getattr(title, "also", ())}
        while True:
            answer = self._answer(prompt).strip()
            if not answer:
                self._list(message, keys, titles)
                continue
            if _folded(answer) in more and _folded(answer) not in keys:
                return choices[more[_folded(answer)]][1]
            index, error = _chosen(answer, keys, titles)
            if index is not None:
                return choices[index][1]
            self.say(error)

    def _list(self, message: str, keys: Sequence[str], titles: Sequence[str]) -> None:
        self.say(message)
        for key, title in zip(keys, titles, strict=True):
            self.say(f"{key}. {title}")

    def confirm(self, message: str, default: bool = False) -> bool:
        prompt = (
            _("{question} (yes or no; Enter: yes)") if default else _("{question} (yes or no; Enter: no)")
        ).format(question=message)
        while True:
            answer = _folded(self._answer(prompt).strip())
            if not answer:
                return default
            if answer in YES:
                return True
            if answer in NO:
                return False
            self.say(_("Please answer yes or no."))


# The keys of a menu's choices, as the questionary menus number them: 1 to 9, 0, then a to z.
KEYS = "1234567890abcdefghijklmnopqrstuvwxyz"


def choice_keys(count: int) -> list[str]:
    """The key of each of `count` choices (past the 36th, its position)."""
    return [KEYS[i] if i < len(KEYS) else str(i + 1) for i in range(count)]


def menu_keys(titles: Sequence[str]) -> list[str]:
    """The key of each choice: the one its title names (crm.ui.prompts.Keyed: the menus' 1 to 9,
    h for Help, 0 for Back), else the next key of KEYS no other choice has."""
    named = [getattr(title, "key", None) for title in titles]
    free = iter(k for k in KEYS if k not in named)
    return [key or next(free, str(i + 1)) for i, key in enumerate(named)]


def _keys_prompt(keys: Sequence[str]) -> str:
    """The question of a menu whose keys are not simply 1, 2, 3…: "Your choice (1 to 4, h, 0):"."""
    numbers = [k for k in keys if k.isdigit() and k != "0"]
    run = numbers == [str(n) for n in range(1, len(numbers) + 1)] and len(numbers) > 1
    parts = [_("{first} to {last}").format(first=numbers[0], last=numbers[-1])] if run else list(numbers)
    parts += [k for k in keys if k not in numbers]
    return _("Your choice ({keys}):").format(keys=", ".join(parts))


def _choice_prompt(count: int) -> str:
    if count <= 9:
        return _("Your choice (1 to {last}):").format(last=count)
    if count == 10:
        return _("Your choice (1 to 9, or 0):")
    return _("Your choice (1 to 9, 0, or a letter from a to {last}):").format(last=choice_keys(count)[-1])


def _chosen(answer: str, keys: Sequence[str], titles: Sequence[str]) -> tuple[int | None, str]:
    """The index of the choice an answer names: its key, its position (10 for the tenth, whose key
    is 0), or the start of its title when no other title starts so; else None and the line that
    says why not."""
    typed = _folded(answer)
    if typed in keys:
        return keys.index(typed), ""
    if typed.isdigit():
        if list(keys) == choice_keys(len(titles)) and 1 <= int(typed) <= len(titles):
            return int(typed) - 1, ""
        return None, _("There is no choice {key}.").format(key=answer)
    matches = [i for i, title in enumerate(titles) if _folded(title).startswith(typed)]
    exact = [i for i in matches if _folded(titles[i]) == typed]
    if len(matches) == 1:
        return matches[0], ""
    if len(exact) == 1:
        return exact[0], ""
    if matches:
        return None, _("Several choices start with “{text}”: type the number of the one you want.").format(
            text=answer
        )
    return None, _("No choice starts with “{text}”.").format(text=answer)
