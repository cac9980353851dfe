"""The Employees and My account sections driven through the team menu with scripted answers."""

from __future__ import annotations

import pytest

from crm.services import auth
from crm.ui import pickers
from crm.ui.employees import employees_section, my_account_section
from crm.ui.menu import run_team_menu
from crm.ui.menus import all_sections
from tests.factories import (
    DEFAULT_PASSWORD,
    audit_count,
    make_client,
    make_contract,
    make_employee,
    make_event,
    throttle_row,
)
from tests.scripted import Clock, CtrlC, ScriptedPrompts, run_menu, session_for

pytestmark = pytest.mark.usefixtures("menu_variant")

NEW_PASSWORD = "violet tractor on the moon"


def run(db, employee, answers):
    """The team menu with the Employees and My account sections (tests.scripted.run_menu)."""
    return run_menu(db, employee, [employees_section(), my_account_section()], answers)


def employee_rows(admin_conn):
    return admin_conn.execute(
        "SELECT id, username, full_name, email, phone, team, is_active, password_hash, version"
        " FROM employees ORDER BY id"
    ).fetchall()


def failures(admin_conn, username):
    row = throttle_row(admin_conn, username, "failures")
    return row[0] if row else 0


@pytest.fixture
def boss(admin_conn):
    return make_employee(admin_conn, "management", "marie", full_name="Marie Boss")


def test_the_sections_are_in_the_menu_in_order():
    titles = [section.title for section in all_sections()]
    assert titles.index("Events") < titles.index("Employees") < titles.index("My account")
    assert titles[-1] == "My account"


@pytest.mark.parametrize(
    "team, employees_actions",
    [
        (
            "management",
            [
                "List employees",
                "Show an employee",
                "Create an employee",
                "Update an employee",
                "Reset a password",
                "Deactivate an employee",
                "Reactivate an employee",
                "Hand over",
                "Help (?)",
                "Back",
            ],
        ),
        ("sales", ["List employees", "Show an employee", "Help (?)", "Back"]),
        ("support", ["List employees", "Show an employee", "Help (?)", "Back"]),
    ],
)
def test_each_team_is_offered_its_employee_actions_only(db, admin_conn, team, employees_actions):
    employee = make_employee(admin_conn, team, "someone")
    prompts = run(db, employee, ["Employees", "Back", "My account", "Back", "Quit"])
    shown = prompts.shown
    assert shown["Someone (" + team + ") — main menu"] == [
        "Employees",
        "My account",
        "Log out",
        "Help (?)",
        "Quit",
    ]
    assert shown["Employees"] == employees_actions
    assert shown["My account"] == [
        "Show my details",
        "Change my password",
        "Show my digest",
        "Digest at login (on or off)",
        "Language",
        "Help (?)",
        "Back",
    ]


@pytest.mark.parametrize("team", ["sales", "support"])
@pytest.mark.parametrize(
    "action",
    [
        "Create an employee",
        "Update an employee",
        "Reset a password",
        "Deactivate an employee",
        "Reactivate an employee",
    ],
)
def test_sales_and_support_cannot_reach_employee_writes(db, admin_conn, team, action):
    employee = make_employee(admin_conn, team, "someone")
    prompts = ScriptedPrompts(["Employees", action])
    with pytest.raises(AssertionError, match=f"no choice starting with '{action}'"):
        run_team_menu(session_for(db, employee, prompts, clock=Clock()), [employees_section()])


def test_manager_creates_an_employee_with_each_answer_checked(db, admin_conn, boss, capsys):
    make_employee(admin_conn, "sales", "bill")
    answers = [
        "Employees",
        "Create an employee",
        "k",  # too short
        "BILL",  # taken
        "kate.h",
        "  ",  # blank
        "Kate Hastroff",
        "marie@epicevents.test",  # taken
        "kate@",  # invalid
        "kate@epicevents.test",
        "phone me",  # invalid
        "",  # none
        "support",
        "short",  # policy
        "kate.h forever 2026",  # contains the username
        "qwertyuiop123",  # common
        NEW_PASSWORD,
        "a different one!!",  # does not match
        NEW_PASSWORD,
        NEW_PASSWORD,
        DEFAULT_PASSWORD,  # password again before saving
        "Back",
        "Quit",
    ]
    prompts = run(db, boss, answers)
    out = capsys.readouterr().out
    for line in [
        "A username is 3 to 40 characters: letters, digits, '.', '-' or '_'.",
        "The username 'BILL' is already taken.",
        "Full name cannot be blank.",
        "The e-mail address 'marie@epicevents.test' is already used by another employee.",
        "Enter a valid e-mail address, like name@example.com.",
        "A phone number has at least 6 digits",
        "A password needs at least 12 characters.",
        "A password cannot contain the username.",
        "This password is on the list of common passwords; choose another.",
        "The two passwords differ; try again.",
        "Employee 3 created: kate.h (Kate Hastroff, support).",
    ]:
        assert line in out
    assert "Initial password:" in prompts.messages and "Password for marie:" in prompts.messages
    created = employee_rows(admin_conn)[-1]
    assert created[1:7] == ("kate.h", "Kate Hastroff", "kate@epicevents.test", None, "support", True)
    assert auth.login(db, "kate.h", NEW_PASSWORD).username == "kate.h"


def test_wrong_password_before_saving_creates_nothing_and_counts(db, admin_conn, boss, capsys):
    before = employee_rows(admin_conn)
    answers = ["Employees", "Create an employee", "kate.h", "Kate Hastroff", "kate@epicevents.test", ""]
    answers += ["support", NEW_PASSWORD, NEW_PASSWORD, "not my password", "Back", "Quit"]
    run(db, boss, answers)
    assert "Wrong password; nothing was saved." in capsys.readouterr().out
    assert employee_rows(admin_conn) == before
    assert failures(admin_conn, "marie") == 1


def test_ctrl_c_while_creating_saves_nothing(db, admin_conn, boss, capsys):
    before = employee_rows(admin_conn)
    run(db, boss, ["Employees", "Create an employee", "kate.h", "Kate Hastroff", CtrlC, "Back", "Quit"])
    assert "Cancelled; nothing was saved." in capsys.readouterr().out
    assert employee_rows(admin_conn) == before


def test_manager_updates_an_employee_keeping_what_is_not_retyped(db, admin_conn, boss, capsys):
    bill = make_employee(admin_conn, "sales", "bill", full_name="Bill")
    make_employee(admin_conn, "sales", "anna")
    answers = [
        "Employees",
        "Update an employee",
        "x",
        "99",
        str(bill.id),
        "anna",  # taken
        None,  # keep the username
        "Bill Boquet",
        None,  # keep the e-mail
        "+33 6 12 34 56 78",
        "support",
        DEFAULT_PASSWORD,
        "Back",
        "Quit",
    ]
    prompts = run(db, boss, answers)
    out = capsys.readouterr().out
    assert "No employee's name or username contains 'x'." in out and "No employee with id 99." in out
    assert "The username 'anna' is already taken." in out
    assert f"Employee {bill.id} saved." in out
    assert ("text", "Username:") in prompts.asked
    row = admin_conn.execute(
        "SELECT username, full_name, email, phone, team, version FROM employees WHERE id = %s", (bill.id,)
    ).fetchone()
    assert row == ("bill", "Bill Boquet", "bill@epicevents.test", "+33 6 12 34 56 78", "support", 2)


def test_the_team_choice_offers_the_current_team_first(db, admin_conn, boss):
    kate = make_employee(admin_conn, "support", "kate")
    answers = ["Employees", "Update an employee", str(kate.id), None, None, None, None, 1]
    prompts = run(db, boss, [*answers, "Back", "Quit"])
    assert prompts.shown["Team:"] == ["support", "management", "sales"]
    assert admin_conn.execute("SELECT team, version FROM employees WHERE id = %s", (kate.id,)).fetchone() == (
        "support",
        1,
    )


def test_a_refused_team_change_says_why_before_anything_else_is_asked(db, admin_conn, boss, capsys):
    bill = make_employee(admin_conn, "sales", "bill")
    make_client(admin_conn, bill.id)
    answers = ["Employees", "Update an employee", str(bill.id), None, None, None, None, "support", "sales"]
    prompts = run(db, boss, [*answers, "Back", "Quit"])
    out = capsys.readouterr().out
    assert "still has 1 client: reassign them before changing" in out
    assert out.index("still has 1 client") < out.index("Nothing changed.")
    assert [m for kind, m in prompts.asked if kind == "choose"].count("Team:") == 2  # asked again
    assert "password" not in [kind for kind, _ in prompts.asked]  # said before any password
    assert admin_conn.execute("SELECT team, version FROM employees WHERE id = %s", (bill.id,)).fetchone() == (
        "sales",
        1,
    )


def test_manager_resets_a_password(db, admin_conn, boss, capsys):
    bill = make_employee(admin_conn, "sales", "bill")
    answers = [
        "Employees",
        "Reset a password",
        str(bill.id),
        "bill is great 1234",
        NEW_PASSWORD,
        NEW_PASSWORD,
    ]
    run(db, boss, [*answers, DEFAULT_PASSWORD, "Back", "Quit"])
    out = capsys.readouterr().out
    assert "A password cannot contain the username." in out and "Password of bill reset" in out
    assert auth.login(db, "bill", NEW_PASSWORD).id == bill.id


def test_manager_cannot_reset_their_own_password_here(db, admin_conn, boss, capsys):
    make_employee(admin_conn, "sales", "bill")
    before = employee_rows(admin_conn)
    run(db, boss, ["Employees", "Reset a password", str(boss.id), CtrlC, "Back", "Quit"])
    assert "My account → Change my password" in capsys.readouterr().out
    assert employee_rows(admin_conn) == before


def test_manager_deactivates_after_seeing_what_to_reassign(db, admin_conn, boss, capsys):
    bill = make_employee(admin_conn, "sales", "bill", full_name="Bill Boquet")
    make_client(admin_conn, bill.id, "Kevin Casey", company="Cool Startup LLC")
    before = employee_rows(admin_conn)

    run(db, boss, ["Employees", "Deactivate an employee", str(bill.id), "Cancel", "Back", "Quit"])
    out = capsys.readouterr().out
    assert "Bill Boquet still has 1 client:" in out
    assert "Kevin Casey" in out and "Cool Startup LLC" in out
    assert "Clients → Clients of a sales employee, then Reassign a client" in out
    assert "Nothing was changed." in out
    assert employee_rows(admin_conn) == before

    prompts = run(
        db,
        boss,
        [
            "Employees",
            "Deactivate an employee",
            str(bill.id),
            "Deactivate anyway",
            True,
            DEFAULT_PASSWORD,
            "Back",
            "Quit",
        ],
    )
    assert "Deactivate Bill Boquet (bill) anyway?" in prompts.messages
    assert "Bill Boquet (bill) is deactivated." in capsys.readouterr().out
    assert admin_conn.execute("SELECT is_active FROM employees WHERE id = %s", (bill.id,)).fetchone() == (
        False,
    )


def test_deactivating_support_lists_their_coming_events(db, admin_conn, boss, capsys):
    kate = make_employee(admin_conn, "support", "kate", full_name="Kate Hastroff")
    contract = make_contract(
        admin_conn, make_client(admin_conn, make_employee(admin_conn, "sales").id), signed=True
    )
    make_event(admin_conn, contract, "John Ouick Wedding", support_id=kate.id)
    run(
        db,
        boss,
        [
            "Employees",
            "Deactivate an employee",
            str(kate.id),
            "Deactivate anyway",
            True,
            DEFAULT_PASSWORD,
            "Back",
            "Quit",
        ],
    )
    out = capsys.readouterr().out
    assert "Kate Hastroff still has 1 upcoming event:" in out and "John Ouick Wedding" in out
    assert "Events → Reports → Events of a support employee, then Assign support" in out
    assert admin_conn.execute("SELECT is_active FROM employees WHERE id = %s", (kate.id,)).fetchone() == (
        False,
    )


def test_a_plain_deactivation_and_reactivation(db, admin_conn, boss, capsys):
    kate = make_employee(admin_conn, "support", "kate", full_name="Kate Hastroff")
    answers = ["Employees", "Deactivate an employee", str(kate.id), True, DEFAULT_PASSWORD]
    answers += [
        "Reactivate an employee",
        str(boss.id),
        str(kate.id),
        DEFAULT_PASSWORD,
    ]
    prompts = run(db, boss, [*answers, "Back", "Quit"])
    out = capsys.readouterr().out
    assert "Deactivate Kate Hastroff (kate)? They will not be able to log in." in prompts.messages
    assert "Kate Hastroff (kate) is deactivated." in out
    assert f"Employee {boss.id} is not a deactivated employee; pick another one." in out
    assert "Kate Hastroff (kate) is active again." in out
    assert admin_conn.execute(
        "SELECT is_active, version FROM employees WHERE id = %s", (kate.id,)
    ).fetchone() == (
        True,
        3,
    )


def test_a_manager_cannot_deactivate_themselves(db, admin_conn, boss, capsys):
    make_employee(admin_conn, "management", "other_boss")
    before = employee_rows(admin_conn)
    run(db, boss, ["Employees", "Deactivate an employee", str(boss.id), CtrlC, "Back", "Quit"])
    assert "You cannot deactivate your own account.\n" in capsys.readouterr().out
    assert employee_rows(admin_conn) == before


@pytest.mark.parametrize("team", ["management", "sales", "support"])
def test_everyone_lists_and_reads_employees_without_secrets(db, admin_conn, boss, team, capsys):
    me = make_employee(admin_conn, team, "someone") if team != "management" else boss
    make_employee(admin_conn, "sales", "gone", full_name="Gone Away", active=False)
    answers = ["Employees", "List employees", "All teams", "Active only"]
    answers += [
        "List employees",
        "sales",
        "Deactivated only",
        "Show an employee",
        str(boss.id),
        "Back",
        "Quit",
    ]
    run(db, me, answers)
    out = capsys.readouterr().out
    assert "Employees (active) — page 1" in out and "Marie Boss" in out
    active_part, deactivated_part = out.split("Employees of sales (deactivated) — page 1")
    assert "Gone Away" not in active_part and "Gone Away" in deactivated_part
    assert "Employee 1" in out and "marie@epicevents.test" in out and "Status" in out
    assert "argon2" not in out and "locked" not in out.lower()


def test_any_employee_changes_their_own_password(db, admin_conn, capsys):
    bill = make_employee(admin_conn, "support", "bill")
    answers = ["My account", "Change my password", "not my password"]
    answers += ["Change my password", DEFAULT_PASSWORD, "short", DEFAULT_PASSWORD, NEW_PASSWORD, NEW_PASSWORD]
    answers += ["Show my details", "Back", "Quit"]
    prompts = run(db, bill, answers)
    out = capsys.readouterr().out
    assert "Wrong password; nothing was saved." in out
    assert "A password needs at least 12 characters." in out
    assert "The new password must differ from the current one." in out
    assert "Your password has been changed." in out and "Employee " in out
    assert prompts.messages.count("Current password:") == 2
    assert "Password for bill:" not in prompts.messages  # the current password is the check
    assert auth.login(db, "bill", NEW_PASSWORD).id == bill.id


# Picking an employee; your own team; nothing changed ----------------------------------------------


def activity(admin_conn):
    return admin_conn.execute("SELECT id, is_active, version FROM employees ORDER BY id").fetchall()


@pytest.fixture
def people(admin_conn, boss):
    """The boss, two other active employees and two deactivated ones."""
    return {
        "boss": boss,
        "kate": make_employee(admin_conn, "support", "kate", full_name="Kate Hastroff"),
        "bill": make_employee(admin_conn, "sales", "bill", full_name="Bill Boquet"),
        "gone": make_employee(admin_conn, "sales", "gone", full_name="Gone Away", active=False),
        "rita": make_employee(admin_conn, "support", "rita", full_name="Rita Retired", active=False),
    }


def test_reactivate_shows_the_deactivated_employees_and_takes_only_theirs(db, admin_conn, people, capsys):
    boss, kate, gone = people["boss"], people["kate"], people["gone"]
    answers = [
        "Employees",
        "Reactivate an employee",
        str(kate.id),
        str(boss.id),
        str(gone.id),
        DEFAULT_PASSWORD,
    ]
    run(db, boss, [*answers, "Back", "Quit"])
    out = capsys.readouterr().out
    shown = out.split("Deactivated employees:", 1)[1].split("is not a deactivated employee", 1)[0]
    assert "Gone Away" in shown and "Rita Retired" in shown
    assert "Kate Hastroff" not in shown and "Marie Boss" not in shown and "Bill Boquet" not in shown
    assert f"Employee {kate.id} is not a deactivated employee; pick another one." in out
    assert f"Employee {boss.id} is not a deactivated employee; pick another one." in out
    assert "Gone Away (gone) is active again." in out
    assert admin_conn.execute("SELECT id FROM employees WHERE NOT is_active").fetchall() == [
        (people["rita"].id,)
    ]


def test_deactivate_shows_the_other_active_employees(db, admin_conn, people, capsys):
    boss, kate, gone = people["boss"], people["kate"], people["gone"]
    answers = ["Employees", "Deactivate an employee", str(gone.id), str(boss.id), str(kate.id), True]
    answers += [DEFAULT_PASSWORD, "Back", "Quit"]
    run(db, boss, answers)
    out = capsys.readouterr().out
    shown = out.split("Active employees:", 1)[1].split("is not another active employee", 1)[0]
    assert "Kate Hastroff" in shown and "Bill Boquet" in shown
    assert "Marie Boss" not in shown and "Gone Away" not in shown and "Rita Retired" not in shown
    assert f"Employee {gone.id} is not another active employee; pick another one." in out
    assert "You cannot deactivate your own account." in out
    assert "Kate Hastroff (kate) is deactivated." in out
    assert admin_conn.execute("SELECT is_active FROM employees WHERE id = %s", (kate.id,)).fetchone() == (
        False,
    )
    assert admin_conn.execute("SELECT count(*) FROM employees WHERE is_active").fetchone() == (2,)


def test_reset_a_password_shows_the_other_active_employees(db, admin_conn, people, capsys):
    boss, bill, rita = people["boss"], people["bill"], people["rita"]
    before = admin_conn.execute("SELECT id, password_hash FROM employees ORDER BY id").fetchall()
    new = "violet tractor on the moon"
    answers = ["Employees", "Reset a password", str(rita.id), str(boss.id), str(bill.id), new, new]
    answers += [DEFAULT_PASSWORD, "Back", "Quit"]
    run(db, boss, answers)
    out = capsys.readouterr().out
    shown = out.split("Active employees:", 1)[1].split("is not another active employee", 1)[0]
    assert "Kate Hastroff" in shown and "Bill Boquet" in shown and "Rita Retired" not in shown
    assert "Marie Boss" not in shown
    assert "To change your own password use My account → Change my password." in out
    assert "Password of bill reset" in out
    after = admin_conn.execute("SELECT id, password_hash FROM employees ORDER BY id").fetchall()
    assert [row[0] for row in before if row not in after] == [bill.id]


def test_with_nobody_to_pick_nothing_is_asked(db, admin_conn, capsys):
    boss = make_employee(admin_conn, "management", "marie")
    before = activity(admin_conn)
    prompts = run(
        db,
        boss,
        ["Employees", "Reactivate an employee", "Deactivate an employee", "Reset a password", "Back", "Quit"],
    )
    out = capsys.readouterr().out
    assert "There is no deactivated employee." in out
    assert out.count("There is no other active employee.") == 2
    assert "Employee id, or part of a name:" not in prompts.messages
    assert activity(admin_conn) == before


def test_more_than_a_page_to_list_shows_the_first_and_finds_the_others_by_name(
    db, admin_conn, people, capsys, monkeypatch
):
    monkeypatch.setattr(pickers, "PICK_PAGE", 1)
    boss, kate = people["boss"], people["kate"]
    answers = [
        "Employees",
        "Deactivate an employee",
        "hastroff",
        "Kate",
        True,
        DEFAULT_PASSWORD,
        "Back",
        "Quit",
    ]
    run(db, boss, answers)
    out = capsys.readouterr().out
    assert "… and more: type part of a name to find them." in out
    assert admin_conn.execute("SELECT is_active FROM employees WHERE id = %s", (kate.id,)).fetchone() == (
        False,
    )


def test_a_manager_updating_their_own_record_is_not_asked_their_team(db, admin_conn, people, capsys):
    boss = people["boss"]
    answers = ["Employees", "Update an employee", str(boss.id), None, "Marie Grande-Boss", None, None]
    answers += [DEFAULT_PASSWORD, "Back", "Quit"]
    prompts = run(db, boss, answers)
    out = capsys.readouterr().out
    assert "Team:" not in prompts.messages
    assert "Team: management (you cannot change your own team)." in out
    assert f"Employee {boss.id} saved." in out
    assert admin_conn.execute(
        "SELECT full_name, team, version FROM employees WHERE id = %s", (boss.id,)
    ).fetchone() == ("Marie Grande-Boss", "management", 2)


def test_an_employee_update_that_changes_nothing_asks_no_password_and_writes_nothing(
    db, admin_conn, people, capsys
):
    boss, kate = people["boss"], people["kate"]
    before, audited = activity(admin_conn), audit_count(admin_conn)
    answers = [
        "Employees",
        "Update an employee",
        str(kate.id),
        None,
        " Kate Hastroff ",
        None,
        None,
        "support",
    ]
    prompts = run(db, boss, [*answers, "Back", "Quit"])
    out = capsys.readouterr().out
    assert "Nothing changed." in out and "saved" not in out
    assert "password" not in [kind for kind, _ in prompts.asked]
    assert activity(admin_conn) == before
    assert audit_count(admin_conn) == audited
