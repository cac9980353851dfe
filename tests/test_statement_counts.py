"""How many SQL statements an action sends: the save of "Update a client" is the save itself,
the actor's re-check and the versioned UPDATE, not a re-read after every answer."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from crm.models import ClientFields
from crm.services import clients as service
from crm.ui.clients import clients_section
from crm.ui.menu import Outcome, run_team_menu
from crm.ui.session import Session
from tests.factories import DEFAULT_PASSWORD, make_client, make_employee
from tests.scripted import Clock, ScriptedPrompts


@contextmanager
def statements(conn: psycopg.Connection) -> Iterator[list[str]]:
    """The statements the server completes for this connection inside the block (libpq's trace of
    the protocol: one CommandComplete each, BEGIN and COMMIT included)."""
    seen: list[str] = []
    with tempfile.TemporaryFile() as trace:
        conn.pgconn.trace(trace.fileno())
        conn.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE)
        try:
            yield seen
        finally:
            conn.pgconn.untrace()
            trace.seek(0)
            text = trace.read().decode("utf-8", "replace")
            sent = re.findall(r'^F\t\d+\t(?:Query|Parse)\t (?:"[^"]*" )?"(.*?)"', text, re.M)
            done = re.findall(r"^B\t\d+\tCommandComplete", text, re.M)
            assert len(done) <= len(sent)
            seen.extend(sent[: len(done)])


def test_the_save_of_update_a_client_is_single_digit(db, admin_conn):
    bill = make_employee(admin_conn, "sales", "bill")
    client = service.get_client(db, make_client(admin_conn, bill.id))
    fields = ClientFields("Kevin Casey", "kevin@new.example", client.phone, client.company_name)
    token = db.token_provider(bill.id)  # the session a face's backend hands over (sql/0017)
    with db.using_token(token), statements(db.conn) as sent:
        service.update_client(db, bill, client.id, client.version, fields)
    print(f"\nUpdate a client, the save: {len(sent)} statements: {sent}")
    # BEGIN, the acting employee verified from the session, the client, the actor's re-check, the versioned
    # UPDATE, COMMIT, and the client as saved.
    kinds = [s.split()[0] for s in sent]
    assert kinds == ["BEGIN", "SELECT", "SELECT", "SELECT", "UPDATE", "COMMIT", "SELECT"]
    assert len(sent) <= 9


def test_update_a_client_in_the_menus_reads_the_employee_at_picks_and_before_the_save(db, admin_conn):
    bill = make_employee(admin_conn, "sales", "bill")
    client_id = make_client(admin_conn, bill.id)
    answers = ["Clients", "Update a client", str(client_id), None, "kevin@new.example", None, None]
    answers += [DEFAULT_PASSWORD, "Back", "Quit"]
    session = Session(db, bill, ScriptedPrompts(answers), clock=Clock())
    with statements(db.conn) as sent:
        assert run_team_menu(session, [clients_section()]) is Outcome.QUIT
    session_reads = [s for s in sent if s.startswith("SELECT s.id, s.last_used_at")]
    print(f"\nUpdate a client through the menus: {len(sent)} statements, {len(session_reads)} session reads")
    # The session (and so the employee) is read at the 4 menu picks, before the password is asked
    # and by the password check: never after a form's answers.
    assert len(session_reads) == 6
    assert admin_conn.execute("SELECT email FROM clients").fetchone() == ("kevin@new.example",)
    # The rest: the client and its contracts shown, the e-mail checked as typed, the password's
    # throttle (counted before it is checked, cleared after), the save (7 statements).
    assert len(sent) <= 27
