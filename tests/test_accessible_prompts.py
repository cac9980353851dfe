"""The accessible mode's prompts (crm/ui/accessible.py): plain lines, read from a pipe or a
pseudo-terminal as the program reads its terminal (numbered choices, yes/no, passwords without
echo, the idle timeout, Ctrl-D and an input that has ended), and how the program chooses them."""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import select
import termios
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from crm.app import terminal_prompts
from crm.ui.accessible import AccessiblePrompts, TerminalLines, accessible_wanted, speaks_plainly
from crm.ui.clients import clients_section
from crm.ui.login import login_loop
from crm.ui.prompts import InputClosed, PromptTimedOut, QuestionaryPrompts
from tests.factories import DEFAULT_PASSWORD, make_employee

CHOICES = [("Clients", "clients"), ("Contracts", "contracts"), ("Événements", "events"), ("Back", None)]


class Pipe:
    """Answers typed into a pipe; what the prompts print, in `screen`."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        self.stdin = open(self.read_fd, encoding="utf-8")  # noqa: SIM115 — closed by close()
        self.screen = io.StringIO()

    def prompts(self, idle_timeout: float | None = None, **lines: float) -> AccessiblePrompts:
        return AccessiblePrompts(idle_timeout, lines=TerminalLines(self.stdin, **lines), output=self.screen)

    def type(self, text: str) -> None:
        os.write(self.write_fd, text.encode())

    def end(self) -> None:
        os.close(self.write_fd)
        self.write_fd = -1

    def close(self) -> None:
        if self.write_fd >= 0:
            os.close(self.write_fd)
        self.stdin.close()

    @property
    def lines(self) -> list[str]:
        return self.screen.getvalue().splitlines()


@pytest.fixture
def pipe() -> Iterator[Pipe]:
    typed = Pipe()
    yield typed
    typed.close()


class Terminal:
    """A pseudo-terminal: the prompts read and write its side; the test types on the other and
    reads what the terminal shows (its echo included)."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        self.stdin = open(self.slave, encoding="utf-8", closefd=False)  # noqa: SIM115
        self.stdout = open(self.slave, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        self.shown = ""
        self.seen = 0  # where expect() looks from
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def prompts(self, idle_timeout: float | None = None) -> AccessiblePrompts:
        return AccessiblePrompts(idle_timeout, lines=TerminalLines(self.stdin), output=self.stdout)

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def read(self, until: str = "", seconds: float = 5.0) -> str:
        """What the terminal shows, until `until` has appeared (or for a short while)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and (not until or until not in self.shown[self.seen :]):
            ready, _, _ = select.select([self.master], [], [], 0.1 if until else 0.2)
            if ready:
                self.shown += self._decoder.decode(os.read(self.master, 4096))
            elif not until:
                break
        return self.shown

    def expect(self, text: str, seconds: float = 10.0) -> str:
        """Wait until `text` shows after what was expected before; return what came before it."""
        self.read(until=text, seconds=seconds)
        at = self.shown.find(text, self.seen)
        assert at >= 0, f"{text!r} never showed; the terminal shows:\n{self.shown[self.seen :]}"
        before, self.seen = self.shown[self.seen : at], at + len(text)
        return before

    def echo_on(self) -> bool:
        return bool(termios.tcgetattr(self.slave)[3] & termios.ECHO)

    def close(self) -> None:
        self.stdin.close()
        self.stdout.close()
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    tty = Terminal()
    yield tty
    tty.close()


def test_a_menu_is_its_question_then_one_numbered_line_per_choice(pipe):
    pipe.type("2\n")
    assert pipe.prompts().choose("Main menu:", CHOICES) == "contracts"
    assert pipe.lines == [
        "Main menu:",
        "1. Clients",
        "2. Contracts",
        "3. Événements",
        "4. Back",
        "Your choice (1 to 4): ",
    ]
    assert "\x1b" not in pipe.screen.getvalue()


def test_a_wrong_number_is_one_line_then_the_question_again(pipe):
    pipe.type("9\n0\n4\n")
    assert pipe.prompts().choose("Main menu:", CHOICES) is None
    assert pipe.lines[5:] == [
        "Your choice (1 to 4): There is no choice 9.",
        "Your choice (1 to 4): There is no choice 0.",
        "Your choice (1 to 4): ",
    ]


def test_the_tenth_choice_is_0_and_the_next_ones_letters_as_at_the_normal_menus(pipe):
    choices = [(f"Action {n}", n) for n in range(1, 13)]
    pipe.type("0\nb\n10\nB\nz\n")
    prompts = pipe.prompts()
    assert prompts.choose("Menu:", choices[:10]) == 10
    assert pipe.lines[9:] == ["9. Action 9", "0. Action 10", "Your choice (1 to 9, or 0): "]
    assert prompts.choose("Menu:", choices) == 12
    assert pipe.lines[-4:] == [
        "0. Action 10",
        "a. Action 11",
        "b. Action 12",
        "Your choice (1 to 9, 0, or a letter from a to b): ",
    ]
    assert prompts.choose("Menu:", choices) == 10  # its position works too
    assert prompts.choose("Menu:", choices) == 12
    pipe.end()
    with pytest.raises(InputClosed):  # "z": no such key, no such title; then the input ends
        prompts.choose("Menu:", choices)
    assert pipe.lines[-2] == "Your choice (1 to 9, 0, or a letter from a to b): No choice starts with “z”."


@pytest.mark.parametrize(
    ("typed", "value"),
    [("cli", "clients"), ("  CONTRACTS ", "contracts"), ("even", "events"), ("évé", "events"), ("b", None)],
)
def test_the_start_of_one_title_chooses_it_without_case_or_accents(pipe, typed, value):
    pipe.type(typed + "\n")
    assert pipe.prompts().choose("Main menu:", CHOICES) == value


def test_a_start_several_titles_share_or_none_has_is_said_then_asked_again(pipe):
    pipe.type("c\nzz\n1\n")
    assert pipe.prompts().choose("Main menu:", CHOICES) == "clients"
    assert pipe.lines[5:] == [
        "Your choice (1 to 4): Several choices start with “c”: type the number of the one you want.",
        "Your choice (1 to 4): No choice starts with “zz”.",
        "Your choice (1 to 4): ",
    ]


def test_a_title_that_is_whole_wins_over_longer_ones_starting_the_same(pipe):
    pipe.type("list\n")
    choices = [("List clients", 1), ("List", 2)]
    assert pipe.prompts().choose("Menu:", choices) == 2


def test_enter_alone_reads_the_choices_again(pipe):
    pipe.type("\n3\n")
    assert pipe.prompts().choose("Main menu:", CHOICES) == "events"
    assert pipe.screen.getvalue().count("Main menu:\n") == 2  # (the pipe does not echo the Enter)
    assert pipe.screen.getvalue().count("\n3. Événements\n") == 2


@pytest.mark.parametrize("typed", ["y", "yes", "Y", "YES", "o", "oui", "Oui", " yes "])
def test_yes_in_english_or_french(pipe, typed):
    pipe.type(typed + "\n")
    assert pipe.prompts().confirm("Sign it?") is True


@pytest.mark.parametrize("typed", ["n", "no", "N", "NO", "non", "Non"])
def test_no_in_english_or_french(pipe, typed):
    pipe.type(typed + "\n")
    assert pipe.prompts().confirm("Sign it?", default=True) is False


@pytest.mark.parametrize("default", [True, False])
def test_enter_alone_answers_the_default_which_the_question_says(pipe, default):
    pipe.type("\n")
    assert pipe.prompts().confirm("Sign it?", default=default) is default
    assert pipe.lines == [f"Sign it? (yes or no; Enter: {'yes' if default else 'no'}) "]


def test_anything_else_than_yes_or_no_is_said_then_asked_again(pipe):
    pipe.type("maybe\n1\nyes\n")
    assert pipe.prompts().confirm("Quit the program?") is True
    assert pipe.lines == [
        "Quit the program? (yes or no; Enter: no) Please answer yes or no.",
        "Quit the program? (yes or no; Enter: no) Please answer yes or no.",
        "Quit the program? (yes or no; Enter: no) ",
    ]


def test_text_is_the_line_typed(pipe):
    pipe.type("Kevin Casey\n")
    assert pipe.prompts().text("Full name:") == "Kevin Casey"
    assert pipe.lines == ["Full name: "]


def test_a_value_already_there_is_kept_by_enter_emptied_by_a_dash_or_replaced(pipe):
    pipe.type("\n-\nnew@x.com\n")
    prompts = pipe.prompts()
    assert prompts.text("E-mail:", "old@x.com") == "old@x.com"
    assert prompts.text("E-mail:", "old@x.com") == ""
    assert prompts.text("E-mail:", "old@x.com") == "new@x.com"
    assert pipe.screen.getvalue() == "E-mail: (Enter keeps “old@x.com”, a dash alone empties it) " * 3


def test_answers_typed_ahead_are_read_one_question_at_a_time(pipe):
    pipe.type("bill\r\nsecret words\n1\ny\n")
    prompts = pipe.prompts()
    assert prompts.text("Username:") == "bill"
    assert prompts.password("Password:") == "secret words"
    assert prompts.choose("Menu:", CHOICES) == "clients"
    assert prompts.confirm("Sure?") is True


def test_a_password_is_not_echoed_and_the_echo_comes_back(terminal):
    prompts = terminal.prompts()

    def type_when_asked() -> None:
        terminal.read(until="Password:")
        terminal.type("violet tractor\n")

    typist = threading.Thread(target=type_when_asked)
    typist.start()
    try:
        assert prompts.password("Password:") == "violet tractor"
    finally:
        typist.join()
    shown = terminal.read()
    assert "violet" not in shown
    assert "*" not in shown
    assert shown.endswith("Password: \r\n")  # the Enter is not echoed either: the program ends the line
    assert terminal.echo_on()
    terminal.type("Kevin\n")
    assert prompts.text("Name:") == "Kevin"
    assert "Kevin" in terminal.read(until="Kevin")  # echoed again


def test_ctrl_d_at_a_terminal_raises_eof_and_the_next_question_still_reads(terminal):
    prompts = terminal.prompts()
    for ask in (
        lambda: prompts.text("Name:"),
        lambda: prompts.password("Password:"),
        lambda: prompts.choose("Menu:", CHOICES),
        lambda: prompts.confirm("Sure?"),
    ):
        terminal.type("\x04")
        with pytest.raises(EOFError) as raised:
            ask()
        assert not isinstance(raised.value, InputClosed)
    assert terminal.echo_on()
    terminal.type("still here\n")
    assert prompts.text("Name:") == "still here"


def test_an_input_that_has_ended_raises_input_closed(pipe):
    pipe.type("1\n")
    pipe.end()
    prompts = pipe.prompts()
    assert prompts.choose("Menu:", CHOICES) == "clients"
    for ask in (lambda: prompts.text("Name:"), lambda: prompts.choose("Menu:", CHOICES)):
        with pytest.raises(InputClosed):
            ask()


def test_a_question_nobody_answers_gives_up_after_the_idle_timeout(pipe):
    prompts = pipe.prompts(idle_timeout=0.3)
    for ask in (
        lambda: prompts.text("Name:"),
        lambda: prompts.password("Password:"),
        lambda: prompts.choose("Menu:", CHOICES),
        lambda: prompts.confirm("Sure?"),
    ):
        started = time.monotonic()
        with pytest.raises(PromptTimedOut):
            ask()
        assert 0.3 <= time.monotonic() - started < 3
    assert pipe.screen.getvalue().endswith("Sure? (yes or no; Enter: no) \n")  # the line is ended


def test_an_answer_before_the_timeout_is_read(pipe):
    prompts = pipe.prompts(idle_timeout=2.0)
    threading.Timer(0.3, pipe.type, ["Kevin\n"]).start()
    assert prompts.text("Name:") == "Kevin"


def test_the_idle_time_is_wall_clock_time_a_sleep_counts(pipe):
    """The machine slept for an hour in the middle of the wait: the next look at the clock ends it."""
    now = [1000.0]

    def wall_clock() -> float:
        now[0] += 3600
        return now[0]

    prompts = pipe.prompts(idle_timeout=900, wall_clock=wall_clock, poll_seconds=0.05)
    started = time.monotonic()
    with pytest.raises(PromptTimedOut):
        prompts.text("Name:")
    assert time.monotonic() - started < 1


def test_a_half_typed_line_is_thrown_away_when_the_time_is_up(terminal):
    prompts = terminal.prompts(idle_timeout=0.3)
    terminal.type("half a pass")
    with pytest.raises(PromptTimedOut):
        prompts.password("Password:")
    prompts.idle_timeout = None
    terminal.type("whole\n")
    assert prompts.text("Name:") == "whole"


def test_ctrl_c_ends_the_question_on_a_line_of_its_own(pipe):
    class Interrupted:
        def read_line(self, timeout):
            raise KeyboardInterrupt  # what the terminal's Ctrl-C (SIGINT) does during the wait

        def discard(self) -> None:
            pass

        def echo_off(self):
            return contextlib.nullcontext()

    prompts = AccessiblePrompts(lines=Interrupted(), output=pipe.screen)
    with pytest.raises(KeyboardInterrupt):
        prompts.text("Name:")
    assert pipe.screen.getvalue() == "Name: \n"


@pytest.mark.parametrize(
    ("environment", "configured", "wanted"),
    [
        ({}, False, False),
        ({}, True, True),
        ({"CRM_ACCESSIBLE": "1"}, False, True),
        ({"CRM_ACCESSIBLE": "yes"}, False, True),
        ({"CRM_ACCESSIBLE": "0"}, True, False),
        ({"CRM_ACCESSIBLE": "false"}, True, False),
        ({"CRM_ACCESSIBLE": ""}, True, True),
    ],
)
def test_the_environment_variable_when_set_wins_over_the_config(environment, configured, wanted):
    assert accessible_wanted(configured, environment) is wanted


def test_the_program_speaks_plain_lines_when_the_config_says_accessible(monkeypatch):
    monkeypatch.delenv("CRM_ACCESSIBLE", raising=False)
    assert isinstance(terminal_prompts(False), QuestionaryPrompts)
    assert isinstance(terminal_prompts(True), AccessiblePrompts)
    monkeypatch.setenv("CRM_ACCESSIBLE", "1")
    chosen = terminal_prompts(False)
    assert isinstance(chosen, AccessiblePrompts)
    assert terminal_prompts(True, current=chosen) is chosen  # the same prompts, its type-ahead kept
    monkeypatch.setenv("CRM_ACCESSIBLE", "0")
    assert isinstance(terminal_prompts(True, current=chosen), QuestionaryPrompts)


def test_a_session_left_alone_locks_then_logs_out_by_itself_at_a_real_terminal(db, admin_conn, terminal):
    """The login loop on the accessible prompts of a pseudo-terminal, with a 1 second idle limit:
    a menu nobody answers locks the session; the password goes on; left alone again, the lock's
    own question gives up too and the session ends; Ctrl-D at the login prompt quits."""
    make_employee(admin_conn, "sales", "bill", full_name="Bill Boquet")
    printed = io.StringIO()

    def run() -> None:
        with contextlib.redirect_stdout(printed):
            login_loop(db, terminal.prompts(), [clients_section()], idle_limit=timedelta(seconds=1))

    loop = threading.Thread(target=run, daemon=True)
    loop.start()
    terminal.expect("Username (Ctrl-D to quit): ")
    terminal.type("bill\n")
    terminal.expect("Password: ")
    terminal.type(DEFAULT_PASSWORD + "\n")
    menu = terminal.expect("Your choice (1 to 2, h, 0): ")  # the menus' own keys (Help h, Quit 0)
    assert "1. Clients\r\n2. Log out\r\nh. Help (?)\r\n0. Quit\r\n" in menu
    started = time.monotonic()
    terminal.expect("Password for bill: ")  # nobody answered the menu: locked
    assert time.monotonic() - started >= 0.9
    terminal.type(DEFAULT_PASSWORD + "\n")
    terminal.expect("Your choice (1 to 2, h, 0): ")  # the same menu again
    terminal.expect("Password for bill: ")
    terminal.expect("Username (Ctrl-D to quit): ", seconds=10)  # left alone at the lock: logged out
    terminal.type("\x04")
    loop.join(timeout=10)
    assert not loop.is_alive()
    out = printed.getvalue()
    assert out.count("You were idle for a while: please enter your password again.") == 2
    assert "No key pressed for 1 second: you have been logged out." in out
    assert out.endswith("Goodbye.\n")
    assert DEFAULT_PASSWORD not in terminal.shown
    assert "\x1b" not in terminal.shown


def test_the_menus_know_their_prompts_are_the_accessible_ones_through_the_wrappers(db, admin_conn):
    from crm.ui.session import Session

    bill = make_employee(admin_conn, "sales", "bill")
    plain = Session(db, bill, AccessiblePrompts(lines=TerminalLines(io.StringIO())))
    assert speaks_plainly(plain.prompts)  # LockWhenIdle(VisiblePrompts(AccessiblePrompts))
    assert not speaks_plainly(Session(db, bill, QuestionaryPrompts()).prompts)
