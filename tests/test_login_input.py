"""Odd characters at the login and password prompts.

A terminal that is not set to UTF-8 makes prompt_toolkit hand over lone surrogates (one for
each byte it could not decode); a NUL or an escape sequence can be pasted. At the login prompt
such input is a failed attempt like any other (the same message, counted the same); the password
policy refuses it with one line, so no such password is ever set.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import pytest

from crm import security
from crm.errors import AuthenticationError, ValidationError
from crm.services import auth
from crm.services import employees as employees_service
from crm.ui.digest import NOTHING
from crm.ui.employees import my_account_section
from crm.ui.login import login_loop
from crm.ui.menu import Outcome, run_team_menu
from crm.ui.prompts import ask_new_password
from tests import factories
from tests.factories import DEFAULT_PASSWORD, make_employee
from tests.scripted import CtrlD, ScriptedPrompts, session_for

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
GENERIC = "Invalid username or password."
SURROGATE = "caf\udce9"  # 'café' typed in a Latin-1 terminal: the é byte could not be decoded


def throttle_row(admin_conn, username):
    return factories.throttle_row(admin_conn, username, "failures")


@pytest.mark.parametrize(
    "username, password",
    [
        ("bill", f"{SURROGATE} battery staple"),
        (f"bill{SURROGATE}", DEFAULT_PASSWORD),
        (f"bill{SURROGATE}", f"{SURROGATE} battery staple"),
        ("bill", "correct horse\x00battery staple"),
        ("bill\x00", DEFAULT_PASSWORD),
        ("\udcff\udcfe", "\udc80"),
    ],
    ids=[
        "surrogate-password",
        "surrogate-username",
        "both",
        "nul-password",
        "nul-username",
        "only-surrogates",
    ],
)
def test_odd_characters_at_login_are_a_failed_attempt_with_the_generic_message(
    db, admin_conn, username, password
):
    make_employee(admin_conn, "sales", "bill")
    with pytest.raises(AuthenticationError) as failed:
        auth.login(db, username, password, now=T0)
    assert str(failed.value) == GENERIC
    # A well-formed username is counted as usual; a malformed one is not stored at all.
    expected = (1,) if username == "bill" else None
    assert throttle_row(admin_conn, "bill") == expected
    assert admin_conn.execute("SELECT count(*) FROM login_throttle").fetchone()[0] == (expected is not None)


def test_the_login_loop_goes_on_after_odd_characters(db, admin_conn, capsys):
    make_employee(admin_conn, "sales", "bill", full_name="Bill Boquet")
    prompts = ScriptedPrompts(
        [
            f"bill{SURROGATE}",
            "whatever",
            "bill",
            f"{SURROGATE}\x00",
            "bill",
            DEFAULT_PASSWORD,
            "Log out",
            CtrlD,
        ]
    )
    login_loop(db, prompts, [], clock=lambda: T0)
    out = capsys.readouterr().out
    welcome = f"{GENERIC}\n{GENERIC}\nWelcome, Bill Boquet (sales).\n{NOTHING}\nLogged out.\nGoodbye."
    assert welcome in out
    assert "Traceback" not in out and "Something went wrong" not in out


def test_odd_characters_before_a_write_are_a_wrong_password(db, admin_conn):
    bill = make_employee(admin_conn, "sales", "bill")
    with pytest.raises(AuthenticationError) as failed:
        auth.confirm_password(db, bill, f"{SURROGATE} battery staple", now=T0)
    assert str(failed.value) == auth.WRONG_PASSWORD
    assert throttle_row(admin_conn, "bill") == (1,)


@pytest.mark.parametrize(
    "password",
    [
        f"a long password {SURROGATE}",
        "a long password\x00with a NUL",
        "a long password\x1b[31m red",
        "a long password\twith a tab",
        "a long password\nover two lines",
        "a long password\x7f with DEL",
        "a long password\x85 with NEL",
    ],
    ids=["surrogate", "nul", "escape", "tab", "newline", "del", "c1"],
)
def test_the_policy_refuses_unprintable_passwords_in_one_line(password):
    with pytest.raises(ValidationError) as refused:
        security.check_password_policy(password, "bill")
    message = str(refused.value)
    assert message.startswith("A password ")
    assert "\n" not in message
    message.encode("utf-8")  # the message itself can be printed


def test_the_policy_still_accepts_any_printable_text():
    security.check_password_policy("Сложный пароль — 東京 ✓ ok", "bill")


def test_no_employee_is_created_with_an_unprintable_password(db, admin_conn):
    boss = make_employee(admin_conn, "management", "marie")
    fields = employees_service.EmployeeFields("kate", "Kate", "kate@epicevents.test", None, "support")
    with pytest.raises(ValidationError):
        employees_service.create_employee(db, boss, fields, f"a long password {SURROGATE}")
    assert admin_conn.execute("SELECT count(*) FROM employees").fetchone()[0] == 1


def test_a_new_password_with_odd_characters_is_asked_again(capsys):
    prompts = ScriptedPrompts([f"{SURROGATE} long password", "a printable long one", "a printable long one"])
    check = partial(security.check_password_policy, username="bill")
    assert ask_new_password(prompts, check, "New password") == "a printable long one"
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("A password ")


@pytest.mark.usefixtures("menu_variant")
def test_changing_my_password_to_odd_characters_changes_nothing(db, admin_conn, capsys):
    bill = make_employee(admin_conn, "sales", "bill")
    before = admin_conn.execute("SELECT password_hash FROM employees WHERE id = %s", (bill.id,)).fetchone()
    answers = ["My account", "Change my password", DEFAULT_PASSWORD, "new\x00password here"]
    answers += ["a printable long one", "a printable long one", "Back", "Quit"]
    session = session_for(db, bill, ScriptedPrompts(answers), clock=lambda: datetime.now(UTC))
    assert run_team_menu(session, [my_account_section()]) is Outcome.QUIT
    out = capsys.readouterr().out
    assert "A password cannot contain control characters." in out
    assert "Your password has been changed." in out
    after = admin_conn.execute("SELECT password_hash FROM employees WHERE id = %s", (bill.id,)).fetchone()
    assert after != before
    assert security.verify_password(after[0], "a printable long one")
