"""Lockout cannot shut employees out of their own computers (issue 19, item 1), and the throttle
keeps nothing that was typed (item 2).

Attempts from a computer an employee has logged in from carry its device token and are counted
apart; everyone else's attempts at that username share one count, which anyone can lock. The
throttle table holds ids, device token hashes and keyed hashes, never a username or a mistyped
password as it was typed, and forgets rows an hour after their last write.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from crm import security, setup
from crm.db import connect
from crm.devices import DeviceTokens
from crm.errors import AuthenticationError
from crm.services import auth
from crm.services import employees as employee_service
from crm.services.backend import DirectBackend
from crm.ui.login import login_loop
from crm.ui.session import Session
from tests.conftest import database_before, drop_database, fresh_database
from tests.factories import DEFAULT_PASSWORD, make_employee, throttle_key, throttle_row
from tests.scripted import Clock, CtrlD, ScriptedPrompts
from tests.test_login_race import CountingVerifier, in_parallel

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
WRONG = "not the password at all"
BOSS_LAPTOP = "token-of-the-boss-laptop-0123456789abcdef"
BOSS_DESKTOP = "token-of-the-boss-desktop-0123456789abcdef"
MARIE_LAPTOP = "token-of-the-marie-laptop-0123456789abcdef"


def attack(db, username, times=10, now=T0, device_token=None):
    """Failed logins at a username; the errors they got."""
    errors = []
    for _ in range(times):
        with pytest.raises(AuthenticationError) as failed:
            auth.login(db, username, WRONG, now=now, device_token=device_token)
        errors.append(failed.value)
    return errors


def table(admin_conn):
    return admin_conn.execute("SELECT * FROM login_throttle ORDER BY throttle_key").fetchall()


@pytest.fixture
def managers(db, admin_conn):
    """Both managers, each having logged in once from their own computer."""
    boss = make_employee(admin_conn, "management", "boss")
    marie = make_employee(admin_conn, "management", "marie")
    auth.login(db, "boss", DEFAULT_PASSWORD, now=T0 - timedelta(days=1), device_token=BOSS_LAPTOP)
    auth.login(db, "marie", DEFAULT_PASSWORD, now=T0 - timedelta(days=1), device_token=MARIE_LAPTOP)
    return boss, marie


# Lockout ------------------------------------------------------------------------------------------


def test_failures_elsewhere_lock_neither_manager_out_of_their_own_computer(db, managers):
    boss, marie = managers
    for name in ("boss", "marie"):
        errors = attack(db, name)  # ten anonymous attempts each, as in the review
        assert isinstance(errors[4], auth.AccountLocked) and isinstance(errors[-1], auth.AccountLocked)
        # From another computer, even the right password waits for the lock.
        with pytest.raises(auth.AccountLocked):
            auth.login(db, name, DEFAULT_PASSWORD, now=T0)
    # From their own computers, at once, no delay at all.
    assert auth.login(db, "boss", DEFAULT_PASSWORD, now=T0, device_token=BOSS_LAPTOP).id == boss.id
    assert auth.login(db, "marie", DEFAULT_PASSWORD, now=T0, device_token=MARIE_LAPTOP).id == marie.id


def test_the_right_password_passes_from_anywhere_after_the_documented_delay(db, managers):
    boss, _ = managers
    [*_, last] = attack(db, "boss")
    assert last.until == T0 + security.LOCK_TIME
    with pytest.raises(auth.AccountLocked):
        auth.login(db, "boss", DEFAULT_PASSWORD, now=T0 + security.LOCK_TIME - timedelta(seconds=1))
    assert auth.login(db, "boss", DEFAULT_PASSWORD, now=T0 + security.LOCK_TIME).id == boss.id


def test_a_device_token_is_counted_apart_only_for_its_own_employee(db, admin_conn, managers):
    boss, marie = managers
    attack(db, "boss", 5)
    # Marie's token sent for boss, and a token never used to log in, are anyone's attempts.
    for token in (MARIE_LAPTOP, "a-token-this-database-never-saw-0123456789"):
        assert throttle_key(admin_conn, "boss", token) == f"employee:{boss.id}"
        with pytest.raises(auth.AccountLocked):
            auth.login(db, "boss", DEFAULT_PASSWORD, now=T0, device_token=token)
    digest = hashlib.sha256(BOSS_LAPTOP.encode()).hexdigest()
    assert throttle_key(admin_conn, "boss", BOSS_LAPTOP) == f"device:{digest}"
    # The database keeps the token's hash, never the token.
    devices = admin_conn.execute("SELECT token_hash, employee_id FROM login_devices ORDER BY 2").fetchall()
    assert sorted(devices) == sorted(
        [(digest, boss.id), (hashlib.sha256(MARIE_LAPTOP.encode()).hexdigest(), marie.id)]
    )
    assert BOSS_LAPTOP not in repr(admin_conn.execute("SELECT * FROM login_devices").fetchall())


def test_failures_on_a_device_lock_that_device_only(db, managers):
    boss, _ = managers
    auth.login(db, "boss", DEFAULT_PASSWORD, now=T0 - timedelta(hours=1), device_token=BOSS_DESKTOP)
    errors = attack(db, "boss", 5, device_token=BOSS_LAPTOP)  # someone at the laptop
    assert isinstance(errors[-1], auth.AccountLocked)
    with pytest.raises(auth.AccountLocked):
        auth.login(db, "boss", DEFAULT_PASSWORD, now=T0, device_token=BOSS_LAPTOP)
    assert auth.login(db, "boss", DEFAULT_PASSWORD, now=T0, device_token=BOSS_DESKTOP).id == boss.id
    assert auth.login(db, "boss", DEFAULT_PASSWORD, now=T0).id == boss.id  # anyone's count is untouched


def test_parallel_attempts_are_still_capped_on_every_count(db, admin_conn, crm_db, monkeypatch, managers):
    boss, _ = managers
    verifier = CountingVerifier(monkeypatch)
    anonymous = in_parallel(crm_db, lambda d: auth.login(d, "boss", WRONG, now=T0))
    assert all(isinstance(o, AuthenticationError) for o in anonymous)
    assert verifier.count <= security.MAX_FAILURES
    on_the_laptop = in_parallel(
        crm_db, lambda d: auth.login(d, "boss", WRONG, now=T0, device_token=BOSS_LAPTOP)
    )
    assert all(isinstance(o, AuthenticationError) for o in on_the_laptop)
    assert verifier.count <= 2 * security.MAX_FAILURES
    assert throttle_row(admin_conn, "boss", "locked_until") == (T0 + security.LOCK_TIME,)
    desktop = auth.device_token_hash(BOSS_DESKTOP)
    assert throttle_key(admin_conn, "boss", BOSS_DESKTOP) == f"employee:{boss.id}" != f"device:{desktop}"


def test_parallel_anonymous_attempts_leave_the_employees_computer_alone(db, crm_db, monkeypatch, managers):
    boss, _ = managers
    CountingVerifier(monkeypatch)
    in_parallel(crm_db, lambda d: auth.login(d, "boss", WRONG, now=T0))
    assert auth.login(db, "boss", DEFAULT_PASSWORD, now=T0, device_token=BOSS_LAPTOP).id == boss.id


def test_the_login_loop_keeps_a_device_token_only_after_a_successful_login(db, admin_conn, tmp_path, capsys):
    make_employee(admin_conn, "management", "boss", full_name="Bill Boss")
    path = tmp_path / "crm.devices"
    devices = DeviceTokens(path)
    typo = "violet.tractor.on.the.moon"  # a password typed into the username field
    login_loop(db, ScriptedPrompts([typo, "x", CtrlD]), [], clock=Clock(T0), devices=devices)
    assert not path.exists()
    login_loop(db, ScriptedPrompts(["Boss", DEFAULT_PASSWORD, "Quit"]), [], clock=Clock(T0), devices=devices)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    token = devices.token_for("boss")
    assert path.read_text().count(token) == 1 and typo not in path.read_text()
    # Someone else locks boss; boss, at this computer, logs in at once.
    attack(db, "boss", 5)
    login_loop(db, ScriptedPrompts(["boss", DEFAULT_PASSWORD, "Quit"]), [], clock=Clock(T0), devices=devices)
    assert capsys.readouterr().out.count("Welcome, Bill Boss (management).") == 2


def laptop_session(db, employee, answers):
    """A menu session of employee logged in from BOSS_LAPTOP (the backend holds the device token)."""
    backend = DirectBackend(db, clock=Clock(T0))
    backend.adopt(employee)
    backend.device_token = BOSS_LAPTOP
    return Session(backend, employee, ScriptedPrompts(answers), clock=Clock(T0))


def test_the_password_again_counts_on_the_sessions_device(db, admin_conn, managers):
    boss, _ = managers
    attack(db, "boss", 5)  # anyone's count is locked
    session = laptop_session(db, boss, [DEFAULT_PASSWORD])
    session.confirm_write()  # not refused: the laptop has its own count
    session = laptop_session(db, boss, ["wrong password here"])
    with pytest.raises(AuthenticationError):
        session.confirm_write()
    assert admin_conn.execute(
        "SELECT failures FROM login_throttle WHERE throttle_key = %s",
        (throttle_key(admin_conn, "boss", BOSS_LAPTOP),),
    ).fetchone() == (1,)


def test_changing_ones_own_password_counts_on_the_sessions_device(db, managers):
    boss, _ = managers
    attack(db, "boss", 5)
    employee_service.change_own_password(
        db, boss, DEFAULT_PASSWORD, "a brand new long passphrase", T0, device_token=BOSS_LAPTOP
    )
    assert (
        auth.login(db, "boss", "a brand new long passphrase", now=T0, device_token=BOSS_LAPTOP).id == boss.id
    )


def test_a_password_reset_lifts_every_lock_of_the_employee(db, admin_conn, managers):
    boss, marie = managers
    attack(db, "boss", 5)
    attack(db, "boss", 5, device_token=BOSS_LAPTOP)
    keys = {throttle_key(admin_conn, "boss"), throttle_key(admin_conn, "boss", BOSS_LAPTOP)}
    assert {r[0] for r in table(admin_conn)} >= keys
    employee_service.reset_password(db, marie, boss.id, "a brand new long passphrase")
    assert not keys & {r[0] for r in table(admin_conn)}
    assert auth.login(db, "boss", "a brand new long passphrase", now=T0).id == boss.id


# What the throttle table holds ----------------------------------------------------------------------


def secret_of(admin_conn) -> bytes:
    return bytes(admin_conn.execute("SELECT secret FROM login_throttle_secret").fetchone()[0])


def test_a_password_typed_as_a_username_is_stored_only_as_a_keyed_hash(db, admin_conn):
    boss = make_employee(admin_conn, "management", "boss")
    typo = "Violet.Tractor-42"  # a password typed into the username field
    attack(db, typo, 2)
    attack(db, "BOSS ", 1)
    rows = table(admin_conn)
    expected = "unknown:" + hmac.new(secret_of(admin_conn), typo.lower().encode(), hashlib.sha256).hexdigest()
    assert [(r[0], r[1]) for r in rows] == [(f"employee:{boss.id}", 1), (expected, 2)]
    dump = repr(rows).lower()
    assert "violet" not in dump and "tractor" not in dump and "boss" not in dump
    # The hash is keyed: without the database's secret it is not the plain SHA-256 of the text.
    assert hashlib.sha256(typo.lower().encode()).hexdigest() not in dump


def test_the_secret_differs_between_databases_and_the_app_role_cannot_read_it(db, admin_conn, admin_dsn):
    other = fresh_database(admin_dsn, "crm_second")
    try:
        with connect(other.admin_dsn) as other_conn:
            assert secret_of(other_conn) != secret_of(admin_conn)
    finally:
        drop_database(admin_dsn, other)
    assert len(secret_of(admin_conn)) == 64
    for statement in (
        "SELECT * FROM login_throttle_secret",
        "SELECT * FROM login_throttle",
        "SELECT * FROM login_devices",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.conn.execute(statement)


def test_usernames_are_counted_by_id_so_a_rename_keeps_the_count(db, admin_conn):
    bill = make_employee(admin_conn, "sales", "bill")
    attack(db, "bill", 4)
    admin_conn.execute("UPDATE employees SET username = 'bill.boquet' WHERE id = %s", (bill.id,))
    [fifth] = attack(db, "bill.boquet", 1)
    assert isinstance(fifth, auth.AccountLocked)
    assert [r[0] for r in table(admin_conn)] == [f"employee:{bill.id}"]


def test_old_rows_are_deleted_by_later_attempts(db, admin_conn):
    make_employee(admin_conn, "sales", "bill")
    attack(db, "old.typo.of.a.password", 1)
    attack(db, "bill", 1)
    admin_conn.execute(
        "UPDATE login_throttle SET touched_at = now() - interval '61 minutes'"
        " WHERE throttle_key LIKE 'unknown:%'"
    )
    old_bill = throttle_key(admin_conn, "bill")
    attack(db, "someone.else", 1)  # any later attempt expires what is over an hour old
    assert {r[0] for r in table(admin_conn)} == {old_bill, throttle_key(admin_conn, "someone.else")}
    assert admin_conn.execute("SELECT to_regclass('login_throttle_touched_idx')").fetchone()[0] is not None


def test_an_upgrade_rekeys_the_rows_an_older_database_kept_in_clear(admin_dsn, tmp_path, monkeypatch):
    with database_before(admin_dsn, tmp_path, monkeypatch, "0011") as crm:
        with connect(crm.admin_dsn) as conn:
            bill = make_employee(conn, "sales", "Bill")
            conn.execute(
                "INSERT INTO login_throttle (username, failures, first_failure_at, locked_until) VALUES"
                " ('bill', 3, %s, NULL), ('correct.horse.battery', 5, %s, %s)",
                (T0, T0, T0 + security.LOCK_TIME),
            )
        setup.upgrade(admin_dsn, crm.name)
        with connect(crm.admin_dsn) as conn:
            rows = conn.execute(
                "SELECT throttle_key, failures, first_failure_at, locked_until FROM login_throttle ORDER BY 1"
            ).fetchall()
            hashed = hmac.new(secret_of(conn), b"correct.horse.battery", hashlib.sha256).hexdigest()
            assert rows == [
                (f"employee:{bill.id}", 3, T0, None),
                (f"unknown:{hashed}", 5, T0, T0 + security.LOCK_TIME),
            ]
            assert "horse" not in repr(conn.execute("SELECT * FROM login_throttle").fetchall())
        # The lock carried over still holds.
        from crm.db import Database

        db = Database(connect(crm.app_dsn))
        try:
            with pytest.raises(auth.AccountLocked):
                auth.login(db, "correct.horse.battery", WRONG, now=T0)
        finally:
            db.close()
