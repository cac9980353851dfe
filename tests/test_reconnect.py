"""A lost database connection, through the service layer: real backends terminated from another
connection, a relay that cuts a connection around COMMIT, a server that does not answer.

A read reconnects and answers; a write that was interrupted saves nothing and says so, unless
its commit is known to have happened; nothing is ever run twice.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest

from crm import db as crm_db_module
from crm.db import NOT_SAVED, OUTCOME_UNKNOWN, RECONNECTED, UNAVAILABLE, Database, connect
from crm.errors import DatabaseUnavailable, WriteLost, WriteOutcomeUnknown
from crm.services import auth, clients
from tests.conftest import wait_for_lock_waiters, with_sessions
from tests.factories import DEFAULT_PASSWORD, make_client, make_employee
from tests.relay import AFTER_COMMIT, BEFORE_COMMIT, Relay


def terminate(admin_conn: psycopg.Connection, pid: int) -> None:
    """End a backend as a DBA (or a failover) would, and wait until it has gone."""
    assert admin_conn.execute("SELECT pg_terminate_backend(%s, 10000)", (pid,)).fetchone()[0]


def backend_pid(db: Database) -> int:
    return db.conn.info.backend_pid


@pytest.fixture
def said(db: Database) -> list[str]:
    """What the program's connection told the user (the menus print these lines)."""
    lines: list[str] = []
    db.notify = lines.append
    return lines


@pytest.fixture
def observer(crm_db) -> Iterator[psycopg.Connection]:
    """A superuser connection that only watches pg_stat_activity (never inside a transaction)."""
    with connect(crm_db.admin_dsn) as conn:
        yield conn


@pytest.fixture
def sales(admin_conn):
    return make_employee(admin_conn, "sales", "bill")


def client_row(admin_conn, client_id):
    return admin_conn.execute("SELECT full_name, version FROM clients WHERE id = %s", (client_id,)).fetchone()


def audit_rows(admin_conn, client_id):
    return admin_conn.execute(
        "SELECT action, employee_id FROM audit_log"
        " WHERE table_name = 'clients' AND record_id = %s ORDER BY id",
        (client_id,),
    ).fetchall()


def renamed(admin_conn, client_id, name):
    row = admin_conn.execute(
        "SELECT email, phone, company_name FROM clients WHERE id = %s", (client_id,)
    ).fetchone()
    return clients.ClientFields(full_name=name, email=row[0], phone=row[1], company_name=row[2])


def in_thread(work) -> tuple[threading.Thread, list]:
    """Run work() in a thread; its result or exception lands in the returned list."""
    outcome: list = []

    def run():
        try:
            outcome.append(work())
        except BaseException as error:  # noqa: BLE001 — handed to the test
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


# -- reads ---------------------------------------------------------------------------------------


def test_a_read_after_the_backend_was_terminated_reconnects_once_and_answers(db, admin_conn, sales, said):
    client_id = make_client(admin_conn, sales.id)
    before = backend_pid(db)
    terminate(admin_conn, before)

    assert [c.id for c in clients.list_clients(db, 0, 15)] == [client_id]
    assert said == [RECONNECTED]
    assert backend_pid(db) != before
    assert [c.id for c in clients.list_clients(db, 0, 15)] == [client_id]
    assert said == [RECONNECTED], "one reconnection, one line"


def test_a_read_cut_while_it_runs_is_run_again_on_a_new_connection(db, admin_conn, observer, sales, said):
    client_id = make_client(admin_conn, sales.id)
    with connect(admin_conn.info.dsn) as locker:
        with locker.transaction():
            locker.execute("LOCK TABLE clients IN ACCESS EXCLUSIVE MODE")
            first = backend_pid(db)
            thread, outcome = in_thread(lambda: clients.list_clients(db, 0, 15))
            wait_for_lock_waiters(observer, 1)
            terminate(admin_conn, first)
            wait_for_lock_waiters(observer, 1)  # the same read, again, on the new connection
            waiting = observer.execute(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchall()
        thread.join(timeout=30)
    assert [c.id for c in outcome[0]] == [client_id]
    assert said == [RECONNECTED]
    assert waiting == [(backend_pid(db),)] and backend_pid(db) != first


def test_a_statement_that_writes_outside_a_transaction_is_never_run_twice(db, admin_conn, observer, said):
    bill = make_employee(admin_conn, "sales", "bill")
    insert = (
        "INSERT INTO clients (full_name, email, sales_contact_id) VALUES ('Once', 'once@client.example', %s)"
    )
    with connect(admin_conn.info.dsn) as locker:
        with locker.transaction():
            locker.execute("LOCK TABLE clients IN ACCESS EXCLUSIVE MODE")
            pid = backend_pid(db)
            thread, outcome = in_thread(lambda: db.conn.execute(insert, (bill.id,)))
            wait_for_lock_waiters(observer, 1)
            terminate(admin_conn, pid)
        thread.join(timeout=30)  # the lock is gone: a retry would insert now
    assert isinstance(outcome[0], WriteOutcomeUnknown) and str(outcome[0]) == OUTCOME_UNKNOWN
    assert admin_conn.execute("SELECT count(*) FROM clients").fetchone()[0] == 0
    assert said == [RECONNECTED]


def test_a_login_after_the_backend_was_terminated_just_works(db, admin_conn, said):
    make_employee(admin_conn, "support", "kate")
    terminate(admin_conn, backend_pid(db))
    assert auth.login(db, "kate", DEFAULT_PASSWORD).username == "kate"
    assert said == [RECONNECTED]


# -- writes --------------------------------------------------------------------------------------


def test_a_save_cut_inside_its_transaction_saves_nothing_and_the_next_one_works(
    db, admin_conn, observer, sales, said
):
    client_id = make_client(admin_conn, sales.id, "Kevin Casey")
    with connect(admin_conn.info.dsn) as locker:
        with locker.transaction():
            locker.execute("SELECT 1 FROM clients WHERE id = %s FOR UPDATE", (client_id,))
            pid = backend_pid(db)
            fields = renamed(admin_conn, client_id, "Kevin Cut")
            thread, outcome = in_thread(lambda: clients.update_client(db, sales, client_id, 1, fields))
            wait_for_lock_waiters(observer, 1)
            terminate(admin_conn, pid)
        thread.join(timeout=30)
    assert isinstance(outcome[0], WriteLost) and str(outcome[0]) == NOT_SAVED
    assert said == [RECONNECTED]
    assert client_row(admin_conn, client_id) == ("Kevin Casey", 1)
    assert audit_rows(admin_conn, client_id) == [("insert", None)]

    saved = clients.update_client(db, sales, client_id, 1, renamed(admin_conn, client_id, "Kevin Again"))
    assert saved.full_name == "Kevin Again" and client_row(admin_conn, client_id) == ("Kevin Again", 2)
    assert audit_rows(admin_conn, client_id) == [("insert", None), ("update", sales.id)]


@pytest.fixture
def relay(crm_db) -> Iterator[Relay]:
    relay = Relay(crm_db.app_dsn)
    try:
        yield relay
    finally:
        relay.close()


@pytest.fixture
def relayed(crm_db, relay, admin_conn) -> Iterator[tuple[Database, list[str]]]:
    """The program's connection through the relay, and what it told the user."""
    lines: list[str] = []
    database = with_sessions(Database(connect(relay.conninfo(crm_db.app_dsn)), notify=lines.append))
    try:
        yield database, lines
    finally:
        database.close()


def test_a_commit_that_never_reached_the_server_saves_nothing(relayed, relay, admin_conn, sales):
    db, lines = relayed
    client_id = make_client(admin_conn, sales.id, "Kevin Casey")
    relay.cut_at_commit(BEFORE_COMMIT)
    with pytest.raises(WriteLost, match="nothing was saved, try again"):
        clients.update_client(db, sales, client_id, 1, renamed(admin_conn, client_id, "Kevin Cut"))
    assert lines == [RECONNECTED]
    assert client_row(admin_conn, client_id) == ("Kevin Casey", 1)
    assert audit_rows(admin_conn, client_id) == [("insert", None)]


def test_a_commit_whose_answer_was_lost_is_known_to_have_happened(relayed, relay, admin_conn, sales):
    db, lines = relayed
    client_id = make_client(admin_conn, sales.id, "Kevin Casey")
    relay.cut_at_commit(AFTER_COMMIT)
    saved = clients.update_client(db, sales, client_id, 1, renamed(admin_conn, client_id, "Kevin Kept"))
    assert saved.full_name == "Kevin Kept" and saved.version == 2
    assert lines == [RECONNECTED]
    assert client_row(admin_conn, client_id) == ("Kevin Kept", 2), "saved exactly once"
    assert audit_rows(admin_conn, client_id) == [("insert", None), ("update", sales.id)]


def test_a_commit_that_cannot_be_checked_is_said_to_be_unknown(
    relayed, relay, admin_conn, sales, monkeypatch
):
    monkeypatch.setattr(crm_db_module, "RECONNECT_WINDOW", 0.5)
    db, lines = relayed
    client_id = make_client(admin_conn, sales.id, "Kevin Casey")
    db.token_provider(sales.id)  # the employee's session, opened before the connection breaks
    relay.cut_at_commit(AFTER_COMMIT)
    relay.refuse()  # the commit happened, and then the server cannot be reached to ask
    with pytest.raises(WriteOutcomeUnknown) as raised:
        clients.update_client(db, sales, client_id, 1, renamed(admin_conn, client_id, "Kevin Maybe"))
    assert str(raised.value) == OUTCOME_UNKNOWN
    assert lines == []
    assert client_row(admin_conn, client_id) == ("Kevin Maybe", 2)


def test_an_unreachable_database_is_said_in_one_line_and_the_next_action_reconnects(
    relayed, relay, admin_conn, sales, monkeypatch
):
    monkeypatch.setattr(crm_db_module, "RECONNECT_WINDOW", 0.5)
    db, lines = relayed
    client_id = make_client(admin_conn, sales.id)
    relay.refuse()
    terminate(admin_conn, backend_pid(db))
    for _ in range(2):
        with pytest.raises(DatabaseUnavailable) as raised:
            clients.list_clients(db, 0, 15)
        assert str(raised.value) == UNAVAILABLE
    with pytest.raises(DatabaseUnavailable, match=UNAVAILABLE):
        clients.update_client(db, sales, client_id, 1, renamed(admin_conn, client_id, "Kevin Never"))
    relay.accept()
    assert [c.id for c in clients.list_clients(db, 0, 15)] == [client_id]
    assert lines == [RECONNECTED]
    assert client_row(admin_conn, client_id) == ("Kevin Casey", 1)


def test_a_closed_database_never_reconnects(crm_db):
    db = Database(connect(crm_db.app_dsn))
    said: list[str] = []
    db.notify = said.append
    db.close()
    with pytest.raises(psycopg.OperationalError, match="the connection is closed"):
        clients.list_clients(db, 0, 15)
    assert said == []
