"""A lost database connection under a logged-in employee, through the login loop and the menus
(scripted answers): the backend is terminated from another connection at a menu, between two
pages of a list, inside a form before the save, and while the save waits in its transaction.

The session, the open menu and the idle timeout survive; one line says what happened.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from crm.db import NOT_SAVED, RECONNECTED, Database
from crm.ui.login import login_loop
from crm.ui.menus import all_sections
from tests.conftest import wait_for_lock_waiters
from tests.factories import DEFAULT_PASSWORD, make_client, make_employee
from tests.scripted import Clock, ScriptedPrompts
from tests.test_reconnect import backend_pid, terminate

IDLE = timedelta(minutes=15)


class Hooks(ScriptedPrompts):
    """Scripted prompts that run hooks[message] the first time that prompt is shown."""

    def __init__(self, answers, hooks):
        super().__init__(answers)
        self.hooks = dict(hooks)

    def _next(self, kind, message):
        hook = self.hooks.pop(message, None)
        if hook is not None:
            hook()
        return super()._next(kind, message)


@pytest.fixture
def bill(admin_conn):
    return make_employee(admin_conn, "sales", "bill", full_name="Bill Boquet")


def run(db: Database, answers, hooks) -> Hooks:
    """Log bill in, run the script to the end (Quit), with the program's one-line notices printed."""
    db.notify = print
    prompts = Hooks(["bill", DEFAULT_PASSWORD, *answers], hooks)
    login_loop(db, prompts, all_sections(), idle_limit=IDLE, clock=Clock())
    assert prompts.answers == [] and not prompts.hooks, "script or hooks not used up"
    # the idle timeout stayed on for every question of the session, after the reconnection too
    assert set(prompts.timeouts[2:]) == {IDLE.total_seconds()}
    return prompts


def kill_backend(db, admin_conn):
    return lambda: terminate(admin_conn, backend_pid(db))


def client_row(admin_conn, client_id):
    return admin_conn.execute(
        "SELECT full_name, company_name, version FROM clients WHERE id = %s", (client_id,)
    ).fetchone()


def test_at_a_menu_the_next_pick_reconnects_and_the_session_goes_on(db, admin_conn, bill, capsys):
    make_client(admin_conn, bill.id, "Kevin Casey")
    run(
        db,
        ["Clients", "List clients", "Back", "Quit"],
        {"Bill Boquet (sales) — main menu": kill_backend(db, admin_conn)},
    )
    out = capsys.readouterr().out
    assert out.count(RECONNECTED) == 1
    assert out.index(RECONNECTED) < out.index("Kevin Casey")
    assert out.count("Welcome, Bill Boquet") == 1 and "logged out" not in out.lower()


def test_between_two_pages_of_a_list_the_next_page_comes(db, admin_conn, bill, capsys):
    for i in range(20):
        make_client(admin_conn, bill.id, f"Client {i:02d}")
    run(
        db,
        ["Clients", "List clients", "Next page", "Back", "Back", "Quit"],
        {"Page:": kill_backend(db, admin_conn)},
    )
    out = capsys.readouterr().out
    assert out.count(RECONNECTED) == 1
    assert out.index("Clients — page 1") < out.index(RECONNECTED) < out.index("Clients — page 2")
    assert "Client 00" in out.split("Clients — page 2")[1]  # the oldest, on the last page


def test_inside_a_form_before_the_save_the_save_works(db, admin_conn, bill, capsys):
    client_id = make_client(admin_conn, bill.id, "Kevin Casey", company="Cool Startup LLC")
    answers = ["Clients", "Update a client", str(client_id), "Kevin C. Casey", None, None, "Hot Startup"]
    run(
        db,
        [*answers, DEFAULT_PASSWORD, "Back", "Quit"],
        {"Company name (optional):": kill_backend(db, admin_conn)},
    )
    out = capsys.readouterr().out
    assert out.count(RECONNECTED) == 1 and f"Client {client_id} saved." in out
    assert client_row(admin_conn, client_id) == ("Kevin C. Casey", "Hot Startup", 2)


def test_during_the_save_s_transaction_nothing_is_saved_and_saying_so_then_the_retry_saves(
    db, admin_conn, bill, crm_db, capsys
):
    from crm.db import connect

    client_id = make_client(admin_conn, bill.id, "Kevin Casey", company="Cool Startup LLC")
    locker, observer = connect(crm_db.admin_dsn), connect(crm_db.admin_dsn)
    done = threading.Event()

    def cut_the_waiting_save():
        """The save's UPDATE waits for our row lock; its backend is terminated meanwhile."""
        try:
            wait_for_lock_waiters(observer, 1)
            terminate(observer, backend_pid_of_waiter(observer))
        finally:
            locker.execute("ROLLBACK")
            done.set()

    def hold_the_row():
        locker.execute("BEGIN")
        locker.execute("SELECT 1 FROM clients WHERE id = %s FOR UPDATE", (client_id,))
        threading.Thread(target=cut_the_waiting_save, daemon=True).start()

    update = ["Clients", "Update a client", str(client_id), "Kevin C. Casey", None, None, None]
    try:
        run(
            db,
            [*update, DEFAULT_PASSWORD, *update[1:], DEFAULT_PASSWORD, "Back", "Quit"],
            {"Password for bill:": hold_the_row},
        )
    finally:
        done.wait(30)
        locker.close()
        observer.close()
    out = capsys.readouterr().out
    first, second = out.split(NOT_SAVED)
    assert RECONNECTED in first and f"Client {client_id} saved." not in first
    assert f"Client {client_id} saved." in second and RECONNECTED not in second
    assert client_row(admin_conn, client_id) == ("Kevin C. Casey", "Cool Startup LLC", 2)
    assert admin_conn.execute(
        "SELECT count(*) FROM audit_log WHERE table_name = 'clients' AND action = 'update'"
    ).fetchone() == (1,)


def backend_pid_of_waiter(observer) -> int:
    return observer.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    ).fetchone()[0]
