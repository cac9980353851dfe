"""The commands' sessions and output formats, run in this process (tests.commands): what ends a
session, the session file, the password before writes, and JSON / NDJSON / CSV as scripts read
them."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from crm.cli import context as cli_context
from crm.services import employees
from tests.commands import Commands
from tests.factories import DEFAULT_PASSWORD, make_client, make_contract, make_employee

PW = DEFAULT_PASSWORD + "\n"
EXPIRED = "Session expired: run `python -m main login`.\n"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    moving = Clock()
    monkeypatch.setattr(cli_context, "utc_now", moving)
    return moving


@pytest.fixture
def run(crm_db, tmp_path, capsys, monkeypatch):
    commands = Commands(crm_db, tmp_path)

    def invoke(*args, stdin=""):
        return commands(*args, stdin=stdin, capsys=capsys, monkeypatch=monkeypatch)

    invoke.commands = commands
    return invoke


@pytest.fixture
def staff(admin_conn):
    return {
        "manager": make_employee(admin_conn, "management", "marie"),
        "bill": make_employee(admin_conn, "sales", "bill", full_name="Bill Boquet"),
    }


def login(run, username="bill"):
    done = run("login", "--username", username, "--password-stdin", stdin=PW)
    assert done.status == 0, done.err


def session_file(run):
    (path,) = (run.commands.runtime_dir / "epic-events-crm").iterdir()
    return path


def test_a_session_ends_after_idle_minutes_without_a_command(run, staff, clock):
    login(run)
    clock.now += timedelta(minutes=14)
    assert run("whoami").status == 0
    clock.now += timedelta(minutes=14)  # idle time counts from the last command
    assert run("whoami").status == 0
    clock.now += timedelta(minutes=16)
    done = run("whoami")
    assert (done.status, done.out, done.err) == (3, "", EXPIRED)
    assert not list((run.commands.runtime_dir / "epic-events-crm").iterdir())  # the file is gone


def test_a_session_ends_after_its_lifetime_however_busy(run, staff, clock):
    login(run)
    for _ in range(47):
        clock.now += timedelta(minutes=10)
        assert run("whoami").status == 0
    clock.now += timedelta(minutes=11)  # 8 h and 1 min after login
    assert (run("whoami").status, run("whoami").err) == (3, "Not logged in: run `python -m main login`.\n")


@pytest.mark.parametrize(
    "change, message",
    [
        ("deactivate", "Your account has been deactivated: you have been logged out."),
        ("team", "Your team was changed: log in again."),
        ("reset", "Your password was changed: log in again."),
    ],
)
def test_deactivation_team_change_and_password_reset_end_the_session(
    run, staff, db, admin_conn, change, message
):
    login(run)
    bill, manager, now = staff["bill"], staff["manager"], datetime.now(UTC)
    if change == "deactivate":
        employees.deactivate_employee(db, manager, bill.id, now)
    elif change == "team":
        fields = employees.EmployeeFields(bill.username, bill.full_name, bill.email, bill.phone, "support")
        employees.update_employee(db, manager, bill.id, bill.version, fields, now)
    else:
        employees.reset_password(db, manager, bill.id, "someone else's new passphrase")
    done = run("client", "list")
    assert (done.status, done.out, done.err) == (3, "", message + "\n")


def test_a_password_changed_elsewhere_ends_this_session(run, staff, db, second_db):
    login(run)
    from crm.services.backend import DirectBackend

    other = DirectBackend(second_db, face="menus")
    other.log_in("bill", DEFAULT_PASSWORD)
    other.change_password(DEFAULT_PASSWORD, "another passphrase entirely")
    assert run("whoami").err == "Your password was changed: log in again.\n"


def test_a_session_file_others_may_read_is_refused(run, staff):
    login(run)
    path = session_file(run)
    os.chmod(path, 0o640)
    done = run("whoami")
    assert done.status == 78 and "readable by other users" in done.err and "chmod 600" in done.err
    os.chmod(path, 0o600)
    os.chmod(path.parent, 0o755)
    assert run("whoami").status == 78
    os.chmod(path.parent, 0o700)
    assert run("whoami").status == 0


def test_a_tampered_or_unknown_token_is_refused(run, staff, admin_conn):
    login(run)
    path = session_file(run)
    token = path.read_text().strip()
    path.write_text(token[:-2] + ("AA" if token[-2:] != "AA" else "BB") + "\n")
    assert run("whoami").err == EXPIRED
    assert run("whoami").status == 3  # and the file was forgotten
    stored = admin_conn.execute("SELECT token_hash FROM sessions").fetchall()
    assert all(token.encode() not in bytes(row[0]) for row in stored)


def test_a_write_needs_a_recent_password(run, staff, admin_conn, clock):
    login(run)  # the login's password counts as recent
    first = run("client", "create", "--name", "Ana One", "--email", "ana@one.example")
    assert first.status == 0, first.err
    clock.now += timedelta(minutes=6)  # reauth_minutes = 5
    refused = run("client", "create", "--name", "Ana Two", "--email", "ana@two.example")
    assert refused.status == 3 and "--password-stdin" in refused.err
    wrong = run(
        "client",
        "create",
        "--name",
        "Ana Two",
        "--email",
        "ana@two.example",
        "--password-stdin",
        stdin="nope\n",
    )
    assert (wrong.status, wrong.err) == (3, "Wrong password; nothing was saved.\n")
    assert admin_conn.execute("SELECT sum(failures)::int FROM login_throttle").fetchone() == (1,)
    good = run(
        "client", "create", "--name", "Ana Two", "--email", "ana@two.example", "--password-stdin", stdin=PW
    )
    assert good.status == 0
    assert [r[0] for r in admin_conn.execute("SELECT full_name FROM clients ORDER BY id")] == [
        "Ana One",
        "Ana Two",
    ]


def test_json_keys_and_types(run, staff, admin_conn):
    client_id = make_client(admin_conn, staff["bill"].id, "Zoé Lefèvre")
    contract_id = make_contract(admin_conn, client_id, total="1500.00", remaining="999.75", signed=True)
    login(run)
    (client,) = json.loads(run("client", "list", "--format", "json").out)
    assert list(client) == [
        "id", "full_name", "email", "phone", "company_name", "sales_contact_id", "sales_contact_name",
        "created_at", "updated_at", "version",
    ]  # fmt: skip
    assert isinstance(client["id"], int) and client["full_name"] == "Zoé Lefèvre"
    assert datetime.fromisoformat(client["created_at"]).utcoffset() is not None
    contract = json.loads(run("contract", "show", str(contract_id), "--format", "json").out)
    assert (contract["total_amount"], contract["remaining_amount"], contract["paid_total"]) == (
        "1500.00",
        "999.75",
        "500.25",
    )
    assert isinstance(contract["payments"][0]["amount"], str) and Decimal(contract["payments"][0]["amount"])
    lines = run("contract", "list", "--format", "ndjson").out.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [contract_id]


def test_csv_round_trips_and_defuses_formulas(run, staff, admin_conn):
    names = [
        "Zoé Lefèvre",
        "'; DROP TABLE clients; --",
        '=HYPERLINK("http://x")',
        "+33 trick",
        "東京 Société",
    ]
    for index, name in enumerate(names):
        make_client(admin_conn, staff["bill"].id, name, email=f"c{index}@clients.example")
    login(run)
    text = run("client", "list", "--all", "--format", "csv").out
    rows = list(csv.DictReader(io.StringIO(text)))
    shown = {row["full_name"] for row in rows}
    assert shown == {
        "Zoé Lefèvre",
        "'; DROP TABLE clients; --",  # stored and shown exactly as typed
        '\'=HYPERLINK("http://x")',
        "'+33 trick",
        "東京 Société",
    }
    assert text.startswith("id,full_name,") and "\r\n" in text
    excel = run("client", "list", "--format", "csv", "--excel").out
    assert excel.startswith("\ufeffid,")


def test_all_streams_every_row_and_pages_do_not_overlap(run, staff, admin_conn):
    admin_conn.execute(
        "INSERT INTO clients (full_name, email, sales_contact_id)"
        " SELECT 'Client ' || i, 'c' || i || '@bulk.example', %s FROM generate_series(1, 2100) AS i",
        (staff["bill"].id,),
    )
    login(run)
    every = [
        json.loads(line)["id"]
        for line in run("client", "list", "--all", "--format", "ndjson").out.splitlines()
    ]
    assert len(every) == len(set(every)) == 2100
    page2 = json.loads(run("client", "list", "--page", "2", "--page-size", "3", "--format", "json").out)
    assert [c["id"] for c in page2] == every[3:6]


def test_errors_go_to_stderr_and_json_stays_valid(run, staff):
    login(run)
    done = run("client", "show", "999", "--format", "json")
    assert (done.status, done.out, done.err) == (5, "", "No client with id 999.\n")
    assert json.loads(run("client", "list", "--format", "json").out) == []
