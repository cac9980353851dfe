"""The real questionary prompts, driven by keystrokes through a prompt_toolkit pipe input.

Other menu tests inject ScriptedPrompts; these type into the prompts the program really uses
(QuestionaryPrompts): numbered menus, text, masked passwords, y/n, Ctrl-C / Ctrl-D, and the
idle timeout that ends a session by itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput

from crm.ui.login import login_loop
from crm.ui.menus import all_sections
from crm.ui.prompts import PromptTimedOut, QuestionaryPrompts
from tests.factories import DEFAULT_PASSWORD, make_employee

ENTER, CTRL_C, CTRL_D = "\r", "\x03", "\x04"


@pytest.fixture
def keyboard() -> Iterator[PipeInput]:
    """What is sent to it is typed at the next prompts (type-ahead carries over between them)."""
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        yield pipe


def test_each_kind_of_prompt_reads_what_is_typed(keyboard):
    prompts = QuestionaryPrompts()
    keyboard.send_text("Kevin Casey" + ENTER + "s3cret" + ENTER + "3" + ENTER + "y" + ENTER)
    assert prompts.text("Full name:") == "Kevin Casey"
    assert prompts.password("Password:") == "s3cret"
    assert prompts.choose("Pick:", [("One", 1), ("Two", 2), ("Three", 3)]) == 3
    assert prompts.confirm("Sure?") is True


def test_ctrl_c_and_ctrl_d_raise_at_every_kind_of_prompt(keyboard):
    prompts = QuestionaryPrompts()
    for ask in (
        lambda: prompts.text("Name:"),
        lambda: prompts.password("Password:"),
        lambda: prompts.choose("Pick:", [("One", 1)]),
        lambda: prompts.confirm("Sure?"),
    ):
        keyboard.send_text(CTRL_C)
        with pytest.raises(KeyboardInterrupt):
            ask()
        keyboard.send_text(CTRL_D)
        with pytest.raises(EOFError):
            ask()


def test_a_prompt_nobody_answers_gives_up_after_the_idle_timeout(keyboard):
    prompts = QuestionaryPrompts(idle_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(PromptTimedOut):
        prompts.choose("Pick:", [("One", 1)])
    assert time.monotonic() - started >= 0.3


def test_each_key_press_starts_the_idle_count_again(keyboard):
    """Typing slowly (a key every 0.1 s for 3 s) at a 2 s timeout is not being idle."""
    prompts = QuestionaryPrompts(idle_timeout=2.0)

    def type_slowly() -> None:
        for key in "abcdefghijklmnopqrstuvwxyz0123":
            time.sleep(0.1)
            keyboard.send_text(key)
        keyboard.send_text(ENTER)

    typist = threading.Thread(target=type_slowly)
    typist.start()
    try:
        assert prompts.text("Notes:") == "abcdefghijklmnopqrstuvwxyz0123"
    finally:
        typist.join()


def test_without_a_timeout_the_prompt_waits(keyboard):
    prompts = QuestionaryPrompts()
    timer = threading.Timer(0.5, keyboard.send_text, ["late" + ENTER])
    timer.start()
    assert prompts.text("Name:") == "late"


class LeavesAtTheSecondLogin(QuestionaryPrompts):
    """The real prompts; the second username prompt is answered with Ctrl-D (ends the loop)."""

    def __init__(self) -> None:
        super().__init__()
        self.logins = 0

    def text(self, message: str, default: str = "") -> str:
        if message.startswith("Username"):
            self.logins += 1
            if self.logins == 2:
                raise EOFError
        return super().text(message, default)


def test_a_sales_employee_types_their_way_to_a_new_client(db, admin_conn, keyboard, capsys):
    bill = make_employee(admin_conn, "sales", "bill", full_name="Bill Boquet")
    keys = [
        "BILL",  # usernames ignore case
        DEFAULT_PASSWORD,
        "1",  # Clients
        "5",  # Create a client
        "Kevin Casey",
        "kevin@startup.io",
        "+678 123 456 78",
        "Cool Startup LLC",
        DEFAULT_PASSWORD,  # asked again before the save
        "0",  # Back (after Add a note, Export to CSV, Import clients from CSV)
        "0",  # Quit (after Pipeline, Employees, Planning, My account, Log out, Help)
    ]
    keyboard.send_text("".join(key + ENTER for key in keys))
    login_loop(db, QuestionaryPrompts(), all_sections())
    out = capsys.readouterr().out
    row = admin_conn.execute(
        "SELECT id, email, phone, company_name, sales_contact_id FROM clients WHERE full_name = 'Kevin Casey'"
    ).fetchone()
    assert row[1:] == ("kevin@startup.io", "+678 123 456 78", "Cool Startup LLC", bill.id)
    assert f"Client {row[0]} (Kevin Casey) created; you are their sales contact." in out
    assert out.rstrip().endswith("Goodbye.")


def test_a_session_left_idle_locks_then_logs_out_by_itself_and_the_login_prompt_waits(
    db, admin_conn, keyboard, capsys
):
    make_employee(admin_conn, "management", "marie", full_name="Marie Manager")
    keyboard.send_text("marie" + ENTER + DEFAULT_PASSWORD + ENTER + "1" + ENTER)  # Clients, then nothing
    prompts = LeavesAtTheSecondLogin()
    started = time.monotonic()
    login_loop(db, prompts, all_sections(), idle_limit=timedelta(seconds=0.5))
    out = capsys.readouterr().out
    assert time.monotonic() - started >= 1.0  # the section menu, then the lock's password question
    assert "Welcome, Marie Manager (management)." in out
    locked = out.index("You were idle for a while")
    assert locked < out.index("No key pressed for 0.5 seconds: you have been logged out.")
    assert prompts.logins == 2  # back at the login prompt, which itself waits (no timeout)
    assert prompts.idle_timeout is None


def test_a_slow_typist_is_not_idle_though_answers_are_far_apart(db, admin_conn, keyboard, capsys):
    """Idle means no key pressed: a digit after 1.2 s and Enter 1.2 s later (2.4 s for the
    answer) at a 2 s limit neither locks nor logs out."""
    make_employee(admin_conn, "management", "marie", full_name="Marie Manager")
    keyboard.send_text("marie" + ENTER + DEFAULT_PASSWORD + ENTER)

    def type_slowly() -> None:
        time.sleep(1.2)
        keyboard.send_text("1")  # Clients
        time.sleep(1.2)
        keyboard.send_text(ENTER + CTRL_D + "y" + ENTER)  # then Ctrl-D and yes: quit

    typist = threading.Thread(target=type_slowly)
    typist.start()
    try:
        login_loop(db, QuestionaryPrompts(), all_sections(), idle_limit=timedelta(seconds=2))
    finally:
        typist.join()
    out = capsys.readouterr().out
    assert "idle" not in out and "logged out" not in out
    assert out.rstrip().endswith("Goodbye.")


def test_a_prompt_left_over_a_suspend_gives_up_at_the_next_look_at_the_wall_clock(keyboard):
    """The event loop's clock stops while a laptop sleeps; the wall clock does not. Here the wall
    clock jumps two hours during a prompt with a one-hour timeout."""
    jump = {"seconds": 0.0}
    prompts = QuestionaryPrompts(
        idle_timeout=3600, wall_clock=lambda: time.time() + jump["seconds"], poll_seconds=0.05
    )
    threading.Timer(0.2, jump.update, [{"seconds": 7200.0}]).start()
    rescue = threading.Timer(10, keyboard.send_text, [ENTER])  # without the fix: answered, not timed out
    rescue.start()
    try:
        with pytest.raises(PromptTimedOut):
            prompts.text("Notes:")
    finally:
        rescue.cancel()


def test_ctrl_d_twice_in_a_section_asks_and_stays_then_yes_quits(db, admin_conn, keyboard, capsys):
    """issue 20.8, with real keys: Ctrl-D in a section asks "Quit the program?"; Ctrl-D again
    there stays in the section (Back then goes to the main menu); Ctrl-D and y quits."""
    make_employee(admin_conn, "management", "marie", full_name="Marie Manager")
    keyboard.send_text("marie" + ENTER + DEFAULT_PASSWORD + ENTER + "1" + ENTER)  # Clients
    keyboard.send_text(CTRL_D + CTRL_D + CTRL_D + "n" + ENTER + CTRL_D + "y" + ENTER)
    asked = []

    class Recording(QuestionaryPrompts):
        def confirm(self, message: str, default: bool = False) -> bool:
            asked.append(message)
            return super().confirm(message, default)

    login_loop(db, Recording(), all_sections())
    assert asked == ["Quit the program?"] * 3
    assert capsys.readouterr().out.rstrip().endswith("Goodbye.")


def test_an_input_that_ends_in_a_section_quits_without_asking_forever(db, admin_conn, keyboard, capsys):
    """A closed input (no key can come) is not a Ctrl-D to ask about: the program quits."""
    make_employee(admin_conn, "management", "marie", full_name="Marie Manager")
    keyboard.send_text("marie" + ENTER + DEFAULT_PASSWORD + ENTER + "1" + ENTER)
    keyboard.close()
    done = threading.Event()

    def run() -> None:
        login_loop(db, QuestionaryPrompts(), all_sections())
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=20)
    assert done.is_set(), "the menu kept asking a closed input"
    assert capsys.readouterr().out.rstrip().endswith("Goodbye.")


def test_ctrl_c_at_the_login_prompt_quits(keyboard, db, capsys):
    keyboard.send_text(CTRL_C)
    login_loop(db, QuestionaryPrompts(), all_sections())
    assert capsys.readouterr().out.rstrip().endswith("Goodbye.")
