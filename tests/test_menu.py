"""The menu framework: what each team sees, and how actions' failures reach the user."""

from __future__ import annotations

import pytest

from crm.errors import PermissionDenied
from crm.permissions import Action
from crm.ui.menu import MenuAction, Outcome, Section, run_team_menu
from crm.ui.session import Session
from tests.factories import DEFAULT_PASSWORD, make_employee
from tests.scripted import Clock, CtrlC, CtrlD, IdleBeforeEachPick, ScriptedPrompts


def ran(log):
    return lambda session: log.append(session.employee.username)


def sections(log):
    return [
        Section(
            "Clients",
            (
                MenuAction("Create a client", ran(log), permission=Action.CREATE_CLIENT),
                MenuAction("List clients", ran(log), Action.READ),
            ),
        ),
        Section(
            "Employees", (MenuAction("Create an employee", ran(log), permission=Action.MANAGE_EMPLOYEES),)
        ),
    ]


def session_for(db, employee, answers, clock=None):
    return Session(db, employee, ScriptedPrompts(answers), clock=clock or Clock())


@pytest.mark.parametrize(
    "team, expected",
    [
        ("management", ["Clients", "Employees", "Log out", "Help (?)", "Quit"]),
        ("sales", ["Clients", "Log out", "Help (?)", "Quit"]),
        ("support", ["Clients", "Log out", "Help (?)", "Quit"]),
    ],
)
def test_each_team_sees_only_sections_with_actions_it_may_use(db, admin_conn, team, expected):
    employee = make_employee(admin_conn, team, "someone")
    prompts = ScriptedPrompts(["Quit"])
    assert run_team_menu(Session(db, employee, prompts), sections([])) is Outcome.QUIT
    assert list(prompts.shown.values())[0] == expected


def test_support_is_not_offered_a_sales_action(db, admin_conn):
    employee = make_employee(admin_conn, "support", "kate")
    prompts = ScriptedPrompts(["Clients", "Create a client"])
    with pytest.raises(AssertionError, match="no choice starting with 'Create a client'"):
        run_team_menu(Session(db, employee, prompts), sections([]))


def test_refusal_is_one_line_and_the_menu_goes_on(db, admin_conn, capsys):
    employee = make_employee(admin_conn, "sales", "bill")

    def refuse(session):
        raise PermissionDenied("Only the client's sales contact can update this client.")

    menu = [Section("Clients", (MenuAction("Update a client", refuse, Action.READ),))]
    session = session_for(db, employee, ["Clients", "Update a client", "Back", "Quit"])
    assert run_team_menu(session, menu) is Outcome.QUIT
    assert "Only the client's sales contact can update this client.\n" in capsys.readouterr().out


@pytest.mark.parametrize("key", [CtrlC, CtrlD], ids=["ctrl-c", "ctrl-d"])
def test_ctrl_c_or_ctrl_d_inside_an_action_cancels_it(db, admin_conn, capsys, key):
    employee = make_employee(admin_conn, "sales", "bill")

    def ask(session):
        session.prompts.text("Full name:")

    menu = [Section("Clients", (MenuAction("Create a client", ask, Action.READ),))]
    session = session_for(db, employee, ["Clients", "Create a client", key, "Back", "Log out"])
    assert run_team_menu(session, menu) is Outcome.LOG_OUT
    out = capsys.readouterr().out
    assert "Cancelled; nothing was saved." in out and "reported" not in out


def test_unexpected_error_gives_a_reference_not_a_traceback(db, admin_conn, capsys):
    employee = make_employee(admin_conn, "sales", "bill")

    def crash(session):
        raise RuntimeError("boom")

    menu = [Section("Clients", (MenuAction("List clients", crash, Action.READ),))]
    session = session_for(db, employee, ["Clients", "List clients", "Back", "Quit"])
    assert run_team_menu(session, menu) is Outcome.QUIT
    out = capsys.readouterr().out
    assert "Something went wrong; it has been reported (reference " in out
    assert "Traceback" not in out and "boom" not in out


def test_ctrl_d_in_the_main_menu_quits(db, admin_conn):
    employee = make_employee(admin_conn, "sales", "bill")
    assert run_team_menu(session_for(db, employee, [CtrlD]), sections([])) is Outcome.QUIT


def test_idle_session_asks_the_password_again(db, admin_conn, capsys):
    employee = make_employee(admin_conn, "sales", "bill")
    clock = Clock()
    log = []

    session = Session(
        db,
        employee,
        IdleBeforeEachPick(
            [
                "Clients",
                DEFAULT_PASSWORD,
                "List clients",
                DEFAULT_PASSWORD,
                "Back",
                DEFAULT_PASSWORD,
                "Quit",
                DEFAULT_PASSWORD,
            ],
            clock,
        ),
        clock=clock,
    )
    assert run_team_menu(session, sections(log)) is Outcome.QUIT
    assert log == ["bill"]
    assert "You were idle for a while" in capsys.readouterr().out


def test_idle_session_with_a_wrong_password_logs_out(db, admin_conn, capsys):
    employee = make_employee(admin_conn, "sales", "bill")
    clock = Clock()
    log = []

    session = Session(db, employee, IdleBeforeEachPick(["Clients", "not my password"], clock), clock=clock)
    assert run_team_menu(session, sections(log)) is Outcome.ENDED
    assert log == []
    assert "you have been logged out" in capsys.readouterr().out


def test_deactivated_while_logged_in_loses_access_at_the_next_action(db, admin_conn, capsys):
    employee = make_employee(admin_conn, "sales", "bill")
    log = []

    class Deactivate(ScriptedPrompts):
        def choose(self, message, choices):
            admin_conn.execute("UPDATE employees SET is_active = false WHERE id = %s", (employee.id,))
            return super().choose(message, choices)

    session = Session(db, employee, Deactivate(["Clients"]))
    assert run_team_menu(session, sections(log)) is Outcome.ENDED
    assert log == []
    assert "deactivated" in capsys.readouterr().out


@pytest.mark.parametrize("key", [CtrlC, CtrlD], ids=["ctrl-c", "ctrl-d"])
def test_ctrl_c_or_d_at_the_idle_password_logs_out_instead_of_quitting(db, admin_conn, capsys, key):
    employee = make_employee(admin_conn, "sales", "bill")
    clock = Clock()
    log = []

    session = Session(db, employee, IdleBeforeEachPick(["Clients", key], clock), clock=clock)
    assert run_team_menu(session, sections(log)) is Outcome.ENDED
    assert log == [] and "You have been logged out." in capsys.readouterr().out


def test_enter_alone_at_the_password_before_a_save_cancels_without_counting(db, admin_conn, capsys):
    employee = make_employee(admin_conn, "sales", "bill")
    saved = []

    def write(session):
        session.confirm_write()
        saved.append(1)

    menu = [Section("Clients", (MenuAction("Create a client", write, permission=Action.CREATE_CLIENT),))]
    session = session_for(db, employee, ["Clients", "Create a client", "", "Back", "Log out"])
    assert run_team_menu(session, menu) is Outcome.LOG_OUT
    assert saved == [] and "No password typed; nothing was saved." in capsys.readouterr().out
    failures = admin_conn.execute("SELECT coalesce(sum(failures), 0) FROM login_throttle").fetchone()[0]
    assert failures == 0


def test_a_session_ended_by_the_program_is_announced_once(db, admin_conn, capsys):
    from crm.ui.login import login_loop

    employee = make_employee(admin_conn, "sales", "bill")

    class Deactivate(ScriptedPrompts):
        def choose(self, message, choices):
            admin_conn.execute("UPDATE employees SET is_active = false WHERE id = %s", (employee.id,))
            return super().choose(message, choices)

    login_loop(db, Deactivate(["bill", DEFAULT_PASSWORD, "Clients", CtrlD]), sections([]))
    out = capsys.readouterr().out
    assert "you have been logged out" in out and "Logged out." not in out


# issue 20.8: Ctrl-D in a section asks before quitting; two Ctrl-D never quit by accident.


def test_ctrl_d_in_a_section_asks_before_quitting_and_yes_quits(db, admin_conn):
    employee = make_employee(admin_conn, "sales", "bill")
    prompts = ScriptedPrompts(["Clients", CtrlD, True])
    assert run_team_menu(Session(db, employee, prompts, clock=Clock()), sections([])) is Outcome.QUIT
    assert prompts.asked[-1] == ("confirm", "Quit the program?")


@pytest.mark.parametrize("answer", [False, CtrlD, CtrlC], ids=["no", "ctrl-d-again", "ctrl-c"])
def test_no_or_ctrl_d_again_at_the_quit_question_stays_in_the_section(db, admin_conn, answer):
    employee = make_employee(admin_conn, "sales", "bill")
    log = []
    prompts = ScriptedPrompts(["Clients", CtrlD, answer, "List clients", "Back", "Log out"])
    assert run_team_menu(Session(db, employee, prompts, clock=Clock()), sections(log)) is Outcome.LOG_OUT
    assert log == ["bill"]  # still in Clients after the question: its action ran
    assert prompts.asked[2] == ("confirm", "Quit the program?")
    assert prompts.answers == []


def test_ctrl_d_inside_an_action_then_in_the_section_still_asks(db, admin_conn, capsys):
    employee = make_employee(admin_conn, "sales", "bill")

    def ask(session):
        session.prompts.text("Full name:")

    menu = [Section("Clients", (MenuAction("Create a client", ask, Action.READ),))]
    prompts = ScriptedPrompts(["Clients", "Create a client", CtrlD, CtrlD, False, "Back", "Quit"])
    assert run_team_menu(Session(db, employee, prompts, clock=Clock()), menu) is Outcome.QUIT
    assert "Cancelled; nothing was saved." in capsys.readouterr().out
    assert prompts.messages.count("Quit the program?") == 1 and prompts.answers == []
