"""Issue 15's commands as a user meets them: `python -m main …` as a real subprocess — `digest`
(every format), `client note` / `event note` and the notes of `client show` / `event show`,
`employee hand-over` — asserting what they print, their exit status and what the database holds."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.commands import Commands
from tests.factories import DEFAULT_PASSWORD, make_client, make_contract, make_event, make_staff

PW = DEFAULT_PASSWORD + "\n"


@pytest.fixture
def cli(crm_db, tmp_path):
    return Commands(crm_db, tmp_path)


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "sam", "kate", "alienor")


def login(cli, username):
    done = cli.process("login", "--username", username, "--password-stdin", stdin=PW)
    assert done.status == 0, done.err


def test_digest_in_every_format(cli, staff, admin_conn):
    client = make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    draft = make_contract(admin_conn, client, total="500.00")
    login(cli, "bill")
    done = cli.process("digest", "--format", "json")
    assert done.status == 0, done.err
    data = json.loads(done.out)
    assert data["team"] == "sales" and data["enabled"] is True
    assert [(line["key"], line["count"]) for line in data["lines"]] == [
        ("unsigned_contracts", 1),
        ("unpaid_contracts", 1),
        ("quiet_clients", 0),
    ]
    first = data["lines"][0]["items"][0]
    assert first["kind"] == "contract" and first["id"] == draft and first["name"] == "Kevin Casey"
    assert first["detail"] == "total 500.00" and "T" in first["at"] and "+" in first["at"]
    table = cli.process("digest")
    assert "My contracts not signed: 1" in table.out and "Kevin Casey" in table.out
    rows = list(csv.reader(io.StringIO(cli.process("digest", "--format", "csv").out)))
    assert rows[0] == ["line", "count", "kind", "id", "name", "at", "detail"]
    assert rows[1][:5] == ["unsigned_contracts", "1", "contract", str(draft), "Kevin Casey"]
    assert rows[-1][:3] == ["quiet_clients", "0", ""]
    lines = [json.loads(line) for line in cli.process("digest", "--format", "ndjson").out.splitlines()]
    assert len(lines) == 3
    # Read-only unless asked: the mark moves only with --mark-seen.
    assert admin_conn.execute("SELECT count(*) FROM employee_digest").fetchone() == (0,)
    assert cli.process("digest", "--mark-seen").status == 0
    assert admin_conn.execute("SELECT count(*) FROM employee_digest").fetchone() == (1,)


def test_digest_needs_a_session(cli, staff):
    done = cli.process("digest")
    assert (done.status, done.out) == (3, "")


def test_client_note_and_client_show(cli, staff, admin_conn):
    client = make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    others = make_client(admin_conn, staff["sam"].id, "Zoé Lefèvre")
    login(cli, "bill")
    text = "called, wants a DJ\n'; DROP TABLE notes; --"
    done = cli.process(
        "client", "note", str(client), "--text", text, "--password-stdin", "--format", "json", stdin=PW
    )
    assert done.status == 0, done.err
    saved = json.loads(done.out)
    assert saved["body"] == text and saved["author_name"] == "Bill Boquet" and saved["client_id"] == client
    assert f"Note {saved['id']} added to client {client}." in done.err
    shown = json.loads(cli.process("client", "show", str(client), "--format", "json").out)
    assert [n["body"] for n in shown["notes"]] == [text] and shown["note_count"] == 1
    table = cli.process("client", "show", str(client)).out
    assert "Notes (latest first):" in table and "called, wants a DJ" in table
    # Refused: someone else's client (4), a bad text (1); nothing saved.
    done = cli.process("client", "note", str(others), "--text", "mine?", "--password-stdin", stdin=PW)
    assert (done.status, done.err) == (4, "Only the client's sales contact can add a note to this client.\n")
    done = cli.process("client", "note", str(client), "--text", "x" * 2001, "--password-stdin", stdin=PW)
    assert (done.status, done.err) == (1, "A note must be at most 2000 characters.\n")
    done = cli.process("client", "note", str(client), "--text", "  ", "--password-stdin", stdin=PW)
    assert (done.status, done.err) == (1, "A note cannot be empty.\n")
    assert admin_conn.execute("SELECT count(*) FROM notes").fetchone() == (1,)


def test_event_note_and_event_show(cli, staff, admin_conn):
    client = make_client(admin_conn, staff["bill"].id)
    event = make_event(
        admin_conn, make_contract(admin_conn, client, signed=True), support_id=staff["kate"].id
    )
    login(cli, "kate")
    done = cli.process(
        "event", "note", str(event), "--text", "venue confirmed for 14:00", "--password-stdin", stdin=PW
    )
    assert done.status == 0, done.err
    shown = json.loads(cli.process("event", "show", str(event), "--format", "json").out)
    assert [(n["body"], n["author_name"]) for n in shown["notes"]] == [
        ("venue confirmed for 14:00", "Kate Hastroff")
    ]
    assert "venue confirmed for 14:00" in cli.process("event", "show", str(event)).out


def test_employee_hand_over(cli, staff, admin_conn):
    bill, sam = staff["bill"], staff["sam"]
    clients = [make_client(admin_conn, bill.id, f"Client {n}") for n in range(2)]
    login(cli, "marie")
    args = ["employee", "hand-over", str(bill.id), "--to", str(staff["kate"].id), "--password-stdin"]
    done = cli.process(*args, stdin=PW)
    assert (done.status, done.err) == (1, f"Employee {staff['kate'].id} is not an active sales employee.\n")
    args = ["employee", "hand-over", str(bill.id), "--to", str(sam.id), "--deactivate", "--password-stdin"]
    done = cli.process(*args, "--format", "json", stdin=PW)
    assert done.status == 0, done.err
    moved = json.loads(done.out)
    assert moved["clients"] == [[c, 1] for c in clients] and moved["events"] == []
    assert "2 clients of Bill Boquet handed over to Sam Seller." in done.err
    assert "Bill Boquet (bill) is deactivated." in done.err
    assert admin_conn.execute("SELECT DISTINCT sales_contact_id FROM clients").fetchall() == [(sam.id,)]
    assert admin_conn.execute("SELECT is_active FROM employees WHERE id = %s", (bill.id,)).fetchone() == (
        False,
    )
    done = cli.process(
        "employee", "hand-over", str(bill.id), "--to", str(sam.id), "--password-stdin", stdin=PW
    )
    assert (done.status, done.err) == (1, "Bill Boquet has no clients to hand over.\n")
