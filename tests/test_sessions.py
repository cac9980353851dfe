"""Login sessions: what the database keeps, what ends them, and how an open program learns it."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from crm.config import SessionPolicy
from crm.db import Database, connect
from crm.errors import AuthenticationError
from crm.models import EmployeeFields
from crm.services import employees, sessions
from crm.services.backend import DirectBackend
from crm.services.sessions import SessionEnded
from crm.ui.clients import clients_section
from crm.ui.menu import Outcome, run_team_menu
from crm.ui.session import LoggedOut
from tests.conftest import drop_database, fresh_database
from tests.factories import DEFAULT_PASSWORD, make_employee
from tests.scripted import Clock, ScriptedPrompts, session_for

NEW_PASSWORD = "a brand new passphrase 42"
POLICY = SessionPolicy()


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


@pytest.fixture
def staff(admin_conn):
    return {
        "manager": make_employee(admin_conn, "management", "marie"),
        "bill": make_employee(admin_conn, "sales", "bill"),
    }


def logged_in(db, username, password=DEFAULT_PASSWORD, policy=POLICY, clock=None):
    backend = DirectBackend(db, face="commands", policy=policy, clock=clock or (lambda: datetime.now(UTC)))
    backend.log_in(username, password)
    return backend


def open_sessions(admin_conn, employee_id):
    return admin_conn.execute(
        "SELECT count(*) FROM sessions WHERE employee_id = %s AND ended_at IS NULL", (employee_id,)
    ).fetchone()[0]


def test_the_database_keeps_only_the_hash_of_a_token(db, admin_conn, staff):
    backend = logged_in(db, "bill")
    token = backend.token
    assert len(token) >= 43  # 256 random bits, URL-safe
    rows = admin_conn.execute("SELECT token_hash, face, employee_id FROM sessions").fetchall()
    assert rows == [(hashlib.sha256(token.encode()).digest(), "commands", staff["bill"].id)]
    dump = repr(admin_conn.execute("SELECT * FROM sessions").fetchall())
    assert token not in dump and token.encode().hex() not in dump


def test_an_unknown_or_tampered_token_is_refused(db, staff):
    token = logged_in(db, "bill").token
    for wrong in ("", "nonsense", token[:-1] + ("A" if token[-1] != "A" else "B"), token + "x"):
        with pytest.raises(SessionEnded) as ended:
            sessions.resolve(db, wrong, POLICY)
        assert ended.value.reason == "unknown"
    assert sessions.resolve(db, token, POLICY).username == "bill"


def test_a_token_of_another_crm_database_is_refused(db, admin_dsn, staff):
    token = logged_in(db, "bill").token
    other = fresh_database(admin_dsn, "crm_other")
    try:
        with connect(other.admin_dsn) as conn:
            make_employee(conn, "sales", "bill")
        other_db = Database(connect(other.app_dsn))
        try:
            with pytest.raises(SessionEnded, match="not valid"):
                sessions.resolve(other_db, token, POLICY)
        finally:
            other_db.close()
    finally:
        drop_database(admin_dsn, other)


def test_log_out_ends_the_session(db, admin_conn, staff):
    backend = logged_in(db, "bill")
    token = backend.token
    backend.log_out()
    assert backend.token is None
    with pytest.raises(SessionEnded, match="You have logged out"):
        sessions.resolve(db, token, POLICY)
    assert admin_conn.execute("SELECT end_reason FROM sessions").fetchall() == [("logout",)]


def test_a_session_ends_after_its_lifetime_however_busy(db, staff):
    clock = Clock(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    policy = SessionPolicy(lifetime=timedelta(hours=8))
    backend = logged_in(db, "bill", policy=policy, clock=clock)
    for _ in range(15):  # used every half hour all day
        clock.now += timedelta(minutes=30)
        assert backend.current().username == "bill"
    clock.now += timedelta(minutes=31)
    with pytest.raises(SessionEnded, match="Your session has expired"):
        backend.current()
    clock.now -= timedelta(hours=1)  # once ended, it stays ended
    with pytest.raises(SessionEnded, match="expired"):
        backend.current()


def test_a_session_without_an_idle_lock_of_its_own_ends_when_unused(db, staff):
    clock = Clock(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    policy = SessionPolicy(idle=timedelta(minutes=15))
    backend = logged_in(db, "bill", policy=policy, clock=clock)
    clock.now += timedelta(minutes=14)
    backend.current()  # used: the idle time starts again
    clock.now += timedelta(minutes=14)
    backend.current()
    clock.now += timedelta(minutes=16)
    with pytest.raises(SessionEnded, match="expired"):
        backend.current()


def test_a_password_reset_ends_every_open_session_of_that_employee(db, second_db, admin_conn, staff):
    first, second = logged_in(db, "bill"), logged_in(second_db, "bill")
    employees.reset_password(db, staff["manager"], staff["bill"].id, NEW_PASSWORD)
    for backend in (first, second):
        with pytest.raises(SessionEnded, match="Your password was changed: log in again."):
            backend.current()
    assert open_sessions(admin_conn, staff["bill"].id) == 0
    assert logged_in(db, "bill", NEW_PASSWORD).current().username == "bill"


def test_changing_ones_password_ends_the_other_sessions_not_this_one(db, second_db, admin_conn, staff):
    here, there = logged_in(db, "bill"), logged_in(second_db, "bill")
    here.change_password(DEFAULT_PASSWORD, NEW_PASSWORD)
    assert here.current().username == "bill"
    with pytest.raises(SessionEnded, match="Your password was changed"):
        there.current()
    assert open_sessions(admin_conn, staff["bill"].id) == 1


def test_a_rehash_at_login_ends_no_session(db, admin_conn, staff):
    open_one = logged_in(db, "bill")
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(DEFAULT_PASSWORD)
    with admin_conn.transaction():  # a hash of another profile, set with the triggers off
        admin_conn.execute("SET LOCAL session_replication_role = replica")
        admin_conn.execute("UPDATE employees SET password_hash = %s WHERE id = %s", (weak, staff["bill"].id))
    logged_in(db, "bill")  # rehashes the password
    stored = admin_conn.execute("SELECT password_hash FROM employees WHERE id = %s", (staff["bill"].id,))
    assert stored.fetchone()[0] != weak
    assert open_one.current().username == "bill"
    assert open_sessions(admin_conn, staff["bill"].id) == 2


def test_deactivation_and_team_change_end_the_sessions(db, admin_conn, staff):
    sam = make_employee(admin_conn, "sales", "sam")
    bill_session, sam_session = logged_in(db, "bill"), logged_in(db, "sam")
    manager = staff["manager"]
    employees.deactivate_employee(db, manager, staff["bill"].id, datetime.now(UTC))
    fields = EmployeeFields(sam.username, sam.full_name, sam.email, sam.phone, "support")
    employees.update_employee(db, manager, sam.id, sam.version, fields, datetime.now(UTC))
    with pytest.raises(SessionEnded, match="Your account has been deactivated"):
        bill_session.current()
    with pytest.raises(SessionEnded, match="Your team was changed: log in again."):
        sam_session.current()
    with pytest.raises(AuthenticationError):
        logged_in(db, "bill")


@pytest.mark.usefixtures("menu_variant")
def test_a_reset_reaches_an_open_menu_at_the_next_pick(db, admin_conn, staff, capsys):
    def reset():
        employees.reset_password(db, staff["manager"], staff["bill"].id, NEW_PASSWORD)

    prompts = AtPrompt(["Clients", "Back"], "Bill (sales) — main menu", reset)
    session = session_for(db, staff["bill"], prompts, clock=Clock())
    assert run_team_menu(session, [clients_section()]) is Outcome.ENDED
    assert "Your password was changed: log in again." in capsys.readouterr().out
    assert prompts.answers == ["Back"]  # the section was not opened


@pytest.mark.usefixtures("menu_variant")
def test_a_password_changed_in_another_terminal_reaches_this_one_before_a_save(db, second_db, staff):
    mine = session_for(db, staff["bill"], ScriptedPrompts([DEFAULT_PASSWORD]))
    logged_in(second_db, "bill").change_password(DEFAULT_PASSWORD, NEW_PASSWORD)
    with pytest.raises(LoggedOut, match="Your password was changed"):
        mine.confirm_write()


def test_a_stale_employee_object_cannot_outlive_its_session(db, staff):
    backend = logged_in(db, "bill")
    renamed = replace(staff["bill"], full_name="Someone Else")
    assert backend.current() != renamed
    assert backend.current().full_name == staff["bill"].full_name


def test_a_direct_backend_says_whether_the_password_was_typed_within_the_window(db, staff):
    clock = Clock()
    backend = DirectBackend(db, face="commands", clock=clock)
    backend.log_in("bill", DEFAULT_PASSWORD)
    assert backend.recently_confirmed() is True
    clock.now += timedelta(minutes=6)
    assert backend.recently_confirmed() is False
    backend.confirm_password(DEFAULT_PASSWORD)
    assert backend.recently_confirmed() is True
