"""The idle timeout and a deactivation are checked at every answer, not only at menu picks:
while paging a list (render.browse's on_answer) and while answering a form (Session.ask); a
question left alone locks the session, and a lock nobody comes back to logs out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.ui.clients import clients_section
from crm.ui.employees import employees_section
from crm.ui.login import login_loop
from crm.ui.menu import Outcome, run_team_menu
from crm.ui.render import browse
from tests import scripted
from tests.factories import DEFAULT_PASSWORD, make_client, make_employee, throttle_row
from tests.scripted import Clock, CtrlD, ScriptedPrompts, TimedOut, session_for

pytestmark = pytest.mark.usefixtures("menu_variant")


class AtPrompt(ScriptedPrompts):
    """Scripted prompts that run `then` the first time a prompt with this message is shown."""

    def __init__(self, answers, message, then):
        super().__init__(answers)
        self.message, self.then = message, then

    def _next(self, kind, message):
        if message == self.message and self.then is not None:
            then, self.then = self.then, None
            then()
        return super()._next(kind, message)


def idle_on(clock: Clock):
    """What AtPrompt runs for 16 minutes to pass on `clock` (past the 15-minute idle timeout)."""

    def idle() -> None:
        clock.now += timedelta(minutes=16)

    return idle


def deactivation_of(admin_conn, employee):
    """What AtPrompt runs for `employee` to be deactivated meanwhile (from another program)."""
    query = "UPDATE employees SET is_active = false WHERE id = %s"
    return lambda: admin_conn.execute(query, (employee.id,))


def clients(admin_conn, sales, n=20):
    for i in range(n):
        make_client(admin_conn, sales.id, f"Client {i:02d}")


def pages_shown(out):
    """The page numbers the clients list showed, in order."""
    return [int(line.split()[3]) for line in out.splitlines() if line.startswith("Clients — page ")]


def test_idle_while_paging_asks_the_password_before_the_next_page(db, admin_conn, capsys):
    bill = make_employee(admin_conn, "sales", "bill")
    clients(admin_conn, bill)
    clock = Clock()
    answers = ["Clients", "List clients", "Next page", DEFAULT_PASSWORD, "Back", "Back", "Quit"]
    prompts = AtPrompt(answers, "Page:", idle_on(clock))
    session = session_for(db, bill, prompts, clock=clock)
    assert run_team_menu(session, [clients_section()]) is Outcome.QUIT
    out = capsys.readouterr().out
    assert "You were idle for a while: please enter your password again." in out
    assert ("password", "Password for bill:") in prompts.asked
    assert pages_shown(out) == [1, 2]


def test_idle_while_paging_with_a_wrong_password_logs_out_and_shows_no_more(db, admin_conn, capsys):
    bill = make_employee(admin_conn, "sales", "bill")
    clients(admin_conn, bill)
    clock = Clock()
    prompts = AtPrompt(["Clients", "List clients", "Next page", "not my password"], "Page:", idle_on(clock))
    session = session_for(db, bill, prompts, clock=clock)
    assert run_team_menu(session, [clients_section()]) is Outcome.ENDED
    out = capsys.readouterr().out
    assert "Wrong password: you have been logged out." in out
    assert pages_shown(out) == [1]
    assert prompts.answers == []


def test_deactivated_while_paging_is_logged_out_before_the_next_page(db, admin_conn, capsys):
    bill = make_employee(admin_conn, "sales", "bill")
    clients(admin_conn, bill)
    prompts = AtPrompt(["Clients", "List clients", "Next page"], "Page:", deactivation_of(admin_conn, bill))
    session = session_for(db, bill, prompts, clock=Clock())
    assert run_team_menu(session, [clients_section()]) is Outcome.ENDED
    out = capsys.readouterr().out
    assert "Your account has been deactivated: you have been logged out." in out
    assert pages_shown(out) == [1]


def test_idle_in_the_employee_filters_asks_the_password_before_the_list(db, admin_conn, capsys):
    marie = make_employee(admin_conn, "management", "marie")
    clock = Clock()
    answers = ["Employees", "List employees", "All teams", "Active only", DEFAULT_PASSWORD, "Back", "Quit"]
    prompts = AtPrompt(answers, "Status:", idle_on(clock))
    session = session_for(db, marie, prompts, clock=clock)
    assert run_team_menu(session, [employees_section()]) is Outcome.QUIT
    out = capsys.readouterr().out
    assert out.index("You were idle for a while") < out.index("Employees (active) — page 1")


def test_idle_in_the_middle_of_a_form_asks_the_password_at_the_next_answer(db, admin_conn, capsys):
    bill = make_employee(admin_conn, "sales", "bill")
    clock = Clock()
    answers = ["Clients", "Create a client", "Form Client", "form@client.test", DEFAULT_PASSWORD, "", ""]
    answers += [DEFAULT_PASSWORD, "Back", "Quit"]  # the second password: the one before the save
    prompts = AtPrompt(answers, "E-mail:", idle_on(clock))
    session = session_for(db, bill, prompts, clock=clock)
    assert run_team_menu(session, [clients_section()]) is Outcome.QUIT
    assert "You were idle for a while" in capsys.readouterr().out
    assert prompts.passwords == 2
    rows = admin_conn.execute("SELECT full_name, sales_contact_id FROM clients").fetchall()
    assert rows == [("Form Client", bill.id)]


def test_deactivated_in_the_middle_of_a_form_is_logged_out_before_the_save(db, admin_conn, capsys):
    bill = make_employee(admin_conn, "sales", "bill")
    prompts = AtPrompt(
        ["Clients", "Create a client", "Form Client", "form@client.test", "", ""],
        "E-mail:",
        deactivation_of(admin_conn, bill),
    )
    session = session_for(db, bill, prompts, clock=Clock())
    assert run_team_menu(session, [clients_section()]) is Outcome.ENDED
    assert "Your account has been deactivated" in capsys.readouterr().out
    # Over HTTP every call checks the session: the e-mail address's check already logs out.
    assert prompts.answers == (["", ""] if scripted.VARIANT == "remote" else [])
    assert "password" not in [kind for kind, _ in prompts.asked]  # no password asked
    assert admin_conn.execute("SELECT count(*) FROM clients").fetchone() == (0,)


def test_browse_calls_on_answer_after_each_answer_before_the_next_page():
    calls = []
    items = list(range(40))

    def fetch(offset, limit):
        calls.append(("fetch", offset))
        return items[offset : offset + limit]

    prompts = ScriptedPrompts(["Next page", "Next page", "Previous page", "Back"])
    browse(
        prompts,
        "Numbers",
        fetch,
        ("N",),
        lambda n: (n,),
        page_size=15,
        on_answer=lambda: calls.append("touch"),
    )
    assert calls == [
        ("fetch", 0),
        "touch",
        ("fetch", 15),
        "touch",
        ("fetch", 30),
        "touch",
        ("fetch", 15),
        "touch",
    ]


def run_login(db, answers):
    """The login loop with the Clients section and scripted answers; returns the prompts."""
    prompts = ScriptedPrompts(answers)
    login_loop(db, prompts, [clients_section()], idle_limit=timedelta(minutes=15))
    return prompts


FORM = ["bill", DEFAULT_PASSWORD, "Clients", "Create a client", "Form Client"]  # then E-mail:


def test_a_question_left_alone_locks_the_session_and_the_right_password_goes_on(db, admin_conn, capsys):
    bill = make_employee(admin_conn, "sales", "bill")
    answers = [*FORM, TimedOut, DEFAULT_PASSWORD, "form@client.test", "", ""]  # lock, then the rest
    answers += [DEFAULT_PASSWORD, "Back", "Quit"]  # the password before the save
    prompts = run_login(db, answers)
    assert "You were idle for a while: please enter your password again." in capsys.readouterr().out
    assert prompts.messages.count("E-mail:") == 2  # the question it was left at, asked again
    rows = admin_conn.execute("SELECT full_name, email, sales_contact_id FROM clients").fetchall()
    assert rows == [("Form Client", "form@client.test", bill.id)]


def test_a_locked_session_nobody_comes_back_to_logs_out_by_itself(db, admin_conn, capsys):
    """The prompts of a session give up after session_idle_minutes without a key press; so does
    the lock's password question; the login prompt before and after waits as long as it takes."""
    make_employee(admin_conn, "sales", "bill")
    prompts = run_login(db, [*FORM, TimedOut, TimedOut, CtrlD])
    out = capsys.readouterr().out
    assert "No key pressed for 15 minutes: you have been logged out." in out
    assert "Cancelled" not in out and "Something went wrong" not in out
    assert admin_conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 0
    assert prompts.timeouts == [None, None, 900.0, 900.0, 900.0, 900.0, 900.0, None]
    assert prompts.asked[-2] == ("password", "Password for bill:")
    assert prompts.messages[-1].startswith("Username")


def test_a_wrong_password_at_the_lock_logs_out_and_counts_as_a_failure(db, admin_conn, capsys):
    make_employee(admin_conn, "sales", "bill")
    run_login(db, [*FORM, TimedOut, "not my password", CtrlD])
    assert "Wrong password: you have been logged out." in capsys.readouterr().out
    assert admin_conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 0
    failures = throttle_row(admin_conn, "bill", "failures")
    assert failures == (1,)
