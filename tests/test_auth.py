"""Authentication against the real database: the password policy, argon2id hashes, login,
throttling (with an injected clock, never sleeps), idle sessions and the password again
before a write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from crm import security
from crm.db import Database, connect
from crm.errors import AuthenticationError, ValidationError
from crm.permissions import Action
from crm.services import auth
from crm.ui.digest import NOTHING
from crm.ui.login import login_loop
from crm.ui.menu import MenuAction, Outcome, Section, run_team_menu
from crm.ui.session import LoggedOut
from tests import factories
from tests.conftest import TEST_HASHER
from tests.factories import DEFAULT_PASSWORD, make_employee
from tests.scripted import Clock, CtrlD, IdleBeforeEachPick, ScriptedPrompts, session_for

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
GENERIC = "Invalid username or password."


def throttle_row(admin_conn, username):
    return factories.throttle_row(admin_conn, username)


def stored_hash(admin_conn, employee_id):
    return admin_conn.execute("SELECT password_hash FROM employees WHERE id = %s", (employee_id,)).fetchone()[
        0
    ]


def fail(db, username, now, password="not the password"):
    with pytest.raises(AuthenticationError) as failed:
        auth.login(db, username, password, now=now)
    return failed.value


# The password policy ------------------------------------------------------------------------------


def test_policy_accepts_a_long_uncommon_password():
    security.check_password_policy("violet tractor on the moon", "marie")
    security.check_password_policy("Kx9#mQ2vLp7!", "marie")  # exactly 12
    security.check_password_policy(("violet tractor on the moon " * 5)[:128], "marie")  # exactly 128


@pytest.mark.parametrize(
    "password, username, message",
    [
        ("short pw 11", "marie", "A password needs at least 12 characters."),
        ("", "marie", "A password needs at least 12 characters."),
        ("a" * 129, "marie", "A password has at most 128 characters."),
        ("Marie.Curie.1867", "marie.curie.1867", "A password cannot be the username."),
        ("my-MARIE.CURIE-password", "Marie.Curie", "A password cannot contain the username."),
        ("qwertyuiop123", "marie", "This password is on the list of common passwords; choose another."),
        ("QwertyUiop123", "marie", "This password is on the list of common passwords; choose another."),
        ("PASSWORD12345", "marie", "This password is on the list of common passwords; choose another."),
        ("1q2w3e4r5t6y", "marie", "This password is on the list of common passwords; choose another."),
    ],
)
def test_policy_names_the_rule_that_failed(password, username, message):
    with pytest.raises(ValidationError) as refused:
        security.check_password_policy(password, username)
    assert str(refused.value) == message


def test_common_passwords_are_shipped_as_package_data_and_lower_cased():
    common = security.common_passwords()
    assert len(common) > 10_000
    assert "password" in common and "123456" in common
    assert all(entry == entry.lower() and entry == entry.strip() for entry in common)
    assert not any(entry.startswith("#") for entry in common)


def test_the_test_passwords_are_not_common():
    assert not security.is_common_password(DEFAULT_PASSWORD)
    assert not security.is_common_password("a long enough secret")


# Hashes ---------------------------------------------------------------------------------------------


def test_production_hashes_are_argon2id_with_argon2_cffi_defaults():
    stored = security.PRODUCTION_HASHER.hash("violet tractor on the moon")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_stored_hash_is_argon2id_with_the_current_parameters(db, admin_conn):
    employee = make_employee(admin_conn, "sales", "bill")
    stored = stored_hash(admin_conn, employee.id)
    assert stored.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert DEFAULT_PASSWORD not in stored


def test_weaker_hash_is_replaced_at_the_next_successful_login(db, admin_conn):
    employee = make_employee(admin_conn, "sales", "bill")
    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(DEFAULT_PASSWORD)
    admin_conn.execute("UPDATE employees SET password_hash = %s WHERE id = %s", (weak, employee.id))
    version = admin_conn.execute("SELECT version FROM employees WHERE id = %s", (employee.id,)).fetchone()[0]

    fail(db, "bill", T0)  # a failed login changes nothing
    assert stored_hash(admin_conn, employee.id) == weak

    auth.login(db, "bill", DEFAULT_PASSWORD, now=T0)
    stored = stored_hash(admin_conn, employee.id)
    assert stored != weak and stored.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert TEST_HASHER.verify(stored, DEFAULT_PASSWORD)
    # Not an edit anyone made: the version that guards concurrent edits stays.
    assert (
        admin_conn.execute("SELECT version FROM employees WHERE id = %s", (employee.id,)).fetchone()[0]
        == version
    )
    # A hash with the current parameters is left alone.
    auth.login(db, "bill", DEFAULT_PASSWORD, now=T0)
    assert stored_hash(admin_conn, employee.id) == stored


def test_login_upgrades_to_the_production_parameters(db, admin_conn):
    employee = make_employee(admin_conn, "sales", "bill")
    security.use_hasher(security.PRODUCTION_HASHER)
    try:
        auth.login(db, "bill", DEFAULT_PASSWORD, now=T0)
    finally:
        security.use_hasher(TEST_HASHER)
    assert stored_hash(admin_conn, employee.id).startswith("$argon2id$v=19$m=65536,t=3,p=4$")


# Logging in ----------------------------------------------------------------------------------------


def test_login_is_case_insensitive_on_the_username(db, admin_conn):
    employee = make_employee(admin_conn, "sales", "Bill.Boquet")
    assert auth.login(db, "  BILL.boquet ", DEFAULT_PASSWORD, now=T0).id == employee.id


def test_every_failure_says_the_same_thing(db, admin_conn):
    make_employee(admin_conn, "sales", "bill")
    make_employee(admin_conn, "support", "gone", active=False)
    unknown = fail(db, "nobody", T0, DEFAULT_PASSWORD)
    wrong = fail(db, "bill", T0, "wrong password here")
    deactivated = fail(db, "gone", T0, DEFAULT_PASSWORD)  # the right password, but deactivated
    garbage = fail(db, "x" * 500, T0, DEFAULT_PASSWORD)
    assert str(unknown) == str(wrong) == str(deactivated) == str(garbage) == GENERIC


def test_unknown_usernames_cost_one_password_verification_too(db, admin_conn, monkeypatch):
    make_employee(admin_conn, "sales", "bill")
    calls = []
    real = security.verify_password
    monkeypatch.setattr(security, "verify_password", lambda h, p: calls.append(h) or real(h, p))
    fail(db, "bill", T0)
    fail(db, "nobody", T0)
    assert len(calls) == 2
    assert calls[0] != calls[1] and calls[1].startswith("$argon2id$v=19$m=1024,t=1,p=1$")


# Throttling ----------------------------------------------------------------------------------------


def test_five_failures_lock_the_username_for_fifteen_minutes(db, admin_conn):
    employee = make_employee(admin_conn, "sales", "bill")
    for minute in range(4):
        assert str(fail(db, "bill", T0 + timedelta(minutes=minute))) == GENERIC
    assert throttle_row(admin_conn, "bill")[0] == 4

    fifth = fail(db, "Bill", T0 + timedelta(minutes=5))
    until = T0 + timedelta(minutes=20)
    assert isinstance(fifth, auth.AccountLocked) and fifth.until == until
    hhmm = until.astimezone().strftime("%H:%M")
    assert str(fifth) == f"{GENERIC} Too many failed attempts for this username: try again at {hhmm}."
    assert throttle_row(admin_conn, "bill") == (0, None, until)

    # Locked: even the right password is refused, and says until when.
    refused = fail(db, "bill", T0 + timedelta(minutes=19, seconds=59), DEFAULT_PASSWORD)
    assert str(refused) == f"Too many failed attempts for this username: try again at {hhmm}."
    # Expired: the right password works again.
    assert auth.login(db, "bill", DEFAULT_PASSWORD, now=until).id == employee.id
    assert throttle_row(admin_conn, "bill") == (0, None, None)


def test_failures_older_than_fifteen_minutes_do_not_count(db, admin_conn):
    make_employee(admin_conn, "sales", "bill")
    for minute in range(4):
        fail(db, "bill", T0 + timedelta(minutes=minute))
    later = T0 + timedelta(minutes=15, seconds=1)
    for second in range(4):
        error = fail(db, "bill", later + timedelta(seconds=second))
        assert not isinstance(error, auth.AccountLocked)
    assert throttle_row(admin_conn, "bill")[:2] == (4, later)


def test_a_successful_login_resets_the_count(db, admin_conn):
    make_employee(admin_conn, "sales", "bill")
    for minute in range(4):
        fail(db, "bill", T0 + timedelta(minutes=minute))
    auth.login(db, "bill", DEFAULT_PASSWORD, now=T0 + timedelta(minutes=5))
    assert throttle_row(admin_conn, "bill") == (0, None, None)
    for minute in range(4):
        assert not isinstance(fail(db, "bill", T0 + timedelta(minutes=6 + minute)), auth.AccountLocked)


def test_unknown_usernames_are_locked_the_same_way(db, admin_conn):
    for minute in range(4):
        assert str(fail(db, "Ghost", T0 + timedelta(minutes=minute))) == GENERIC
    fifth = fail(db, "GHOST", T0 + timedelta(minutes=4))
    assert isinstance(fifth, auth.AccountLocked)
    assert throttle_row(admin_conn, "ghost") == (0, None, T0 + timedelta(minutes=19))


def test_garbage_usernames_are_not_stored(db, admin_conn):
    for _ in range(6):
        fail(db, "'; DROP TABLE employees; --", T0)
    assert admin_conn.execute("SELECT count(*) FROM login_throttle").fetchone()[0] == 0
    assert admin_conn.execute("SELECT to_regclass('employees')").fetchone()[0] == "employees"


def test_the_lock_survives_a_restart(db, admin_conn, crm_db):
    make_employee(admin_conn, "sales", "bill")
    for minute in range(5):
        fail(db, "bill", T0 + timedelta(minutes=minute))
    db.close()
    restarted = Database(connect(crm_db.app_dsn))
    try:
        locked = fail(restarted, "bill", T0 + timedelta(minutes=10), DEFAULT_PASSWORD)
        assert isinstance(locked, auth.AccountLocked)
        assert (
            auth.login(restarted, "bill", DEFAULT_PASSWORD, now=T0 + timedelta(minutes=19)).username == "bill"
        )
    finally:
        restarted.close()


def test_login_loop_shows_the_lock_and_when_to_try_again(db, admin_conn, capsys):
    make_employee(admin_conn, "sales", "bill")
    answers = []
    for _ in range(6):
        answers += ["bill", "bad password attempt"]
    answers += [CtrlD]
    login_loop(db, ScriptedPrompts(answers), [], clock=Clock(T0))
    out = capsys.readouterr().out.splitlines()
    hhmm = (T0 + timedelta(minutes=15)).astimezone().strftime("%H:%M")
    assert out[:4] == [GENERIC] * 4
    assert out[4] == f"{GENERIC} Too many failed attempts for this username: try again at {hhmm}."
    assert out[5] == f"Too many failed attempts for this username: try again at {hhmm}."


def test_login_loop_logs_in_with_the_injected_clock(db, admin_conn, capsys):
    make_employee(admin_conn, "sales", "bill", full_name="Bill Boquet")
    prompts = ScriptedPrompts(["nobody", "whatever it is", "BILL", DEFAULT_PASSWORD, "Log out", CtrlD])
    login_loop(db, prompts, [], clock=Clock(T0))
    out = capsys.readouterr().out
    assert f"{GENERIC}\nWelcome, Bill Boquet (sales).\n{NOTHING}\nLogged out.\nGoodbye." in out
    assert throttle_row(admin_conn, "nobody")[:2] == (1, T0)


# Idle sessions and the password again before a write ------------------------------------------------


def write_action(log):
    def save(session):
        session.confirm_write()
        log.append("saved")

    return [Section("Things", (MenuAction("Save something", save, Action.READ),))]


@pytest.mark.usefixtures("menu_variant")
def test_idle_session_asks_the_password_and_a_wrong_one_logs_out_and_counts(db, admin_conn, capsys):
    employee = make_employee(admin_conn, "sales", "bill")
    clock = Clock(T0)
    log = []

    session = session_for(db, employee, IdleBeforeEachPick(["Things", "wrong password"], clock), clock=clock)
    assert run_team_menu(session, write_action(log)) is Outcome.ENDED
    assert log == []
    assert "Wrong password: you have been logged out." in capsys.readouterr().out
    assert throttle_row(admin_conn, "bill")[0] == 1


@pytest.mark.usefixtures("menu_variant")
def test_idle_within_the_limit_asks_nothing(db, admin_conn):
    employee = make_employee(admin_conn, "sales", "bill")
    clock = Clock(T0)

    class Busy(ScriptedPrompts):
        def choose(self, message, choices):
            clock.now += timedelta(minutes=15)
            return super().choose(message, choices)

    prompts = Busy(["Things", "Back", "Quit"])
    assert run_team_menu(session_for(db, employee, prompts, clock=clock), write_action([])) is Outcome.QUIT
    assert all(kind == "choose" for kind, _ in prompts.asked)


@pytest.mark.usefixtures("menu_variant")
def test_idle_session_with_the_right_password_goes_on_and_resets_the_count(db, admin_conn):
    employee = make_employee(admin_conn, "sales", "bill")
    fail(db, "bill", T0)
    clock = Clock(T0)

    log = []
    answers = ["Things", DEFAULT_PASSWORD, "Save something", DEFAULT_PASSWORD, DEFAULT_PASSWORD]
    answers += ["Back", DEFAULT_PASSWORD, "Quit", DEFAULT_PASSWORD]
    session = session_for(
        db, employee, IdleBeforeEachPick(answers, clock, timedelta(minutes=20)), clock=clock
    )
    assert run_team_menu(session, write_action(log)) is Outcome.QUIT
    assert log == ["saved"]
    assert throttle_row(admin_conn, "bill")[0] == 0


@pytest.mark.usefixtures("menu_variant")
def test_wrong_password_before_a_write_cancels_it_and_counts_as_a_failure(db, admin_conn, capsys):
    employee = make_employee(admin_conn, "sales", "bill")
    log = []
    prompts = ScriptedPrompts(["Things", "Save something", "wrong password", "Back", "Quit"])
    assert (
        run_team_menu(session_for(db, employee, prompts, clock=Clock(T0)), write_action(log)) is Outcome.QUIT
    )
    assert log == []
    assert "Wrong password; nothing was saved.\n" in capsys.readouterr().out
    assert throttle_row(admin_conn, "bill")[:2] == (1, T0)


@pytest.mark.usefixtures("menu_variant")
def test_the_wrong_password_that_locks_the_account_logs_the_session_out(db, admin_conn, capsys):
    employee = make_employee(admin_conn, "sales", "bill")
    for minute in range(4):
        fail(db, "bill", T0 - timedelta(minutes=minute + 1))  # someone else, at the login prompt
    log = []
    prompts = ScriptedPrompts(["Things", "Save something", "wrong again"])
    assert (
        run_team_menu(session_for(db, employee, prompts, clock=Clock(T0)), write_action(log)) is Outcome.ENDED
    )
    hhmm = (T0 + timedelta(minutes=15)).astimezone().strftime("%H:%M")
    out = capsys.readouterr().out
    assert f"try again at {hhmm}. You have been logged out." in out
    assert log == []
    assert throttle_row(admin_conn, "bill")[2] == T0 + timedelta(minutes=15)
    # The lock holds at the login prompt too, even with the right password.
    assert isinstance(fail(db, "bill", T0 + timedelta(minutes=1), DEFAULT_PASSWORD), auth.AccountLocked)


@pytest.mark.usefixtures("menu_variant")
def test_a_locked_account_cannot_confirm_a_write(db, admin_conn):
    employee = make_employee(admin_conn, "sales", "bill")
    for minute in range(5):
        fail(db, "bill", T0 + timedelta(minutes=minute))
    session = session_for(
        db, employee, ScriptedPrompts([DEFAULT_PASSWORD]), clock=Clock(T0 + timedelta(minutes=6))
    )
    with pytest.raises(LoggedOut, match="You have been logged out"):
        session.confirm_write()


@pytest.mark.usefixtures("menu_variant")
def test_the_right_password_before_a_write_resets_the_count(db, admin_conn):
    employee = make_employee(admin_conn, "sales", "bill")
    session = session_for(
        db, employee, ScriptedPrompts(["wrong password", DEFAULT_PASSWORD]), clock=Clock(T0)
    )
    with pytest.raises(AuthenticationError, match="Wrong password; nothing was saved."):
        session.confirm_write()
    assert throttle_row(admin_conn, "bill")[0] == 1
    session.confirm_write()
    assert throttle_row(admin_conn, "bill")[0] == 0
