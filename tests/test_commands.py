"""Every command as a user meets it: `python -m main …` as a real subprocess, no terminal attached,
asserting what it prints, its exit status and what the database holds."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from tests.commands import Commands
from tests.e2e import REPO
from tests.factories import DEFAULT_PASSWORD, make_client, make_contract, make_employee, make_event

PW = DEFAULT_PASSWORD + "\n"
NEW_EMPLOYEE_PASSWORD = "an initial passphrase, well chosen"


@pytest.fixture
def cli(crm_db, tmp_path):
    return Commands(crm_db, tmp_path)


@pytest.fixture
def staff(admin_conn):
    return {
        "manager": make_employee(admin_conn, "management", "marie", full_name="Marie Manager"),
        "bill": make_employee(admin_conn, "sales", "bill", full_name="Bill Boquet"),
        "kate": make_employee(admin_conn, "support", "kate", full_name="Kate Hastroff"),
    }


def login(cli, username):
    done = cli.process("login", "--username", username, "--password-stdin", stdin=PW)
    assert done.status == 0, done.err
    return done


def test_login_whoami_logout(cli, staff, admin_conn):
    done = login(cli, "bill")
    assert done.out == "" and "Logged in as bill (Bill Boquet, sales)" in done.err
    assert cli.process("whoami").out == "bill (Bill Boquet, sales)\n"
    me = json.loads(cli.process("whoami", "--format", "json").out)
    assert me["username"] == "bill" and me["team"] == "sales" and isinstance(me["id"], int)
    assert "password" not in json.dumps(me)
    files = list((cli.runtime_dir / "epic-events-crm").iterdir())
    assert len(files) == 1 and oct(files[0].stat().st_mode & 0o777) == "0o600"
    done = cli.process("logout")
    assert (done.status, done.err) == (0, "Logged out.\n")
    assert admin_conn.execute("SELECT end_reason FROM sessions").fetchall() == [("logout",)]
    done = cli.process("whoami")
    assert (done.status, done.out, done.err) == (3, "", "Not logged in: run `python -m main login`.\n")


def test_a_failed_login_says_one_line_and_counts(cli, staff, admin_conn):
    done = cli.process("login", "--username", "bill", "--password-stdin", stdin="wrong password\n")
    assert (done.status, done.out, done.err) == (3, "", "Invalid username or password.\n")
    assert admin_conn.execute("SELECT failures FROM login_throttle").fetchone() == (1,)
    done = cli.process("login", "--password-stdin", stdin=PW)
    assert done.status == 2 and "--username" in done.err  # no terminal to ask it at


def test_client_commands(cli, staff, admin_conn):
    login(cli, "bill")
    sql_like = "'; DROP TABLE clients; --"
    done = cli.process(
        "client", "create", "--name", "Zoé Lefèvre", "--email", "zoe@example.fr", "--company", sql_like,
        "--phone", "+33 6 12 34 56 78", "--password-stdin", "--format", "json", stdin=PW,
    )  # fmt: skip
    assert done.status == 0, done.err
    created = json.loads(done.out)
    assert created["full_name"] == "Zoé Lefèvre" and created["company_name"] == sql_like
    assert created["sales_contact_id"] == staff["bill"].id and created["version"] == 1
    assert "created; you are their sales contact" in done.err
    # A second save within reauth_minutes needs no password (no terminal, no --password-stdin).
    done = cli.process("client", "update", str(created["id"]), "--email", "zoe@new.example.fr")
    assert done.status == 0, done.err
    assert "Client 1 saved (version 2)." in done.err
    listed = json.loads(cli.process("client", "list", "--format", "json").out)
    assert [(c["id"], c["email"], c["version"]) for c in listed] == [(1, "zoe@new.example.fr", 2)]
    found = json.loads(cli.process("client", "list", "--search", "lefevre", "--format", "json").out)
    assert [c["id"] for c in found] == [1]
    assert json.loads(cli.process("client", "list", "--mine", "--format", "json").out)[0]["id"] == 1
    shown = cli.process("client", "show", "1")
    assert shown.status == 0 and "Zoé Lefèvre" in shown.out and "No contract yet." in shown.out
    rows = list(csv.DictReader(io.StringIO(cli.process("client", "list", "--format", "csv").out)))
    assert rows[0]["company_name"] == sql_like and rows[0]["full_name"] == "Zoé Lefèvre"
    stale = cli.process("client", "update", "1", "--name", "Zoe L", "--version", "1")
    assert (stale.status, stale.out) == (6, "") and "version 2, not 1" in stale.err
    assert admin_conn.execute("SELECT full_name, version FROM clients").fetchone() == ("Zoé Lefèvre", 2)


def test_contract_commands(cli, staff, admin_conn):
    client_id = make_client(admin_conn, staff["bill"].id)
    login(cli, "marie")
    done = cli.process(
        "contract", "create", "--client", str(client_id), "--total", "1500.00", "--password-stdin",
        "--format", "json", stdin=PW,
    )  # fmt: skip
    assert done.status == 0, done.err
    contract = json.loads(done.out)
    assert (contract["total_amount"], contract["remaining_amount"], contract["is_signed"]) == (
        "1500.00",
        "1500.00",
        False,
    )
    cid = str(contract["id"])
    unsigned = json.loads(cli.process("contract", "list", "--unsigned", "--format", "json").out)
    assert [c["id"] for c in unsigned] == [contract["id"]]
    assert cli.process("contract", "sign", cid).status == 0
    assert cli.process("contract", "update", cid, "--total", "2,000.00").status == 0
    paid = cli.process("contract", "pay", cid, "--amount", "500.25", "--format", "json")
    assert paid.status == 0, paid.err
    detail = json.loads(paid.out)
    assert detail["remaining_amount"] == "1499.75" and detail["paid_total"] == "500.25"
    payment_id = detail["payments"][0]["id"]
    too_much = cli.process("contract", "pay", cid, "--amount", "1500")
    assert too_much.status == 1 and "more than what remains" in too_much.err
    corrected = cli.process("contract", "correct-payment", str(payment_id), "--format", "json")
    assert corrected.status == 0, corrected.err
    assert json.loads(corrected.out)["remaining_amount"] == "2000.00"
    shown = json.loads(cli.process("contract", "show", cid, "--format", "json").out)
    assert {p["amount"] for p in shown["payments"]} == {"500.25", "-500.25"}
    unpaid = json.loads(cli.process("contract", "list", "--unpaid", "--format", "json").out)
    assert [c["id"] for c in unpaid] == [contract["id"]]
    assert admin_conn.execute(
        "SELECT total_amount, remaining_amount, is_signed FROM contracts"
    ).fetchone() == (
        2000,
        2000,
        True,
    )


def test_event_commands(cli, staff, admin_conn):
    contract_id = make_contract(admin_conn, make_client(admin_conn, staff["bill"].id), signed=True)
    login(cli, "bill")
    done = cli.process(
        "event", "create", "--contract", str(contract_id), "--name", "John Ouick Wedding",
        "--start", "2031-06-04 13:00", "--end", "2031-06-05T02:00+02:00", "--attendees", "75",
        "--location", "53 Rue du Château", "--password-stdin", "--format", "json", stdin=PW,
        env={"TZ": "Europe/Paris"},
    )  # fmt: skip
    assert done.status == 0, done.err
    event = json.loads(done.out)
    assert event["starts_at"] == "2031-06-04T11:00:00+00:00" and event["support_contact_id"] is None
    eid = str(event["id"])
    login(cli, "marie")
    without = json.loads(cli.process("event", "list", "--no-support", "--format", "json").out)
    assert [e["id"] for e in without] == [event["id"]]
    assigned = cli.process(
        "event", "assign", eid, "--support", str(staff["kate"].id), "--password-stdin", stdin=PW
    )
    assert assigned.status == 0 and "Kate Hastroff is now the support contact" in assigned.err
    login(cli, "kate")
    mine = json.loads(cli.process("event", "list", "--mine", "--format", "json").out)
    assert [e["id"] for e in mine] == [event["id"]]
    updated = cli.process(
        "event", "update", eid, "--attendees", "80", "--notes", "DJ at 22:00", "--password-stdin", stdin=PW
    )
    assert updated.status == 0, updated.err
    shown = cli.process("event", "show", eid)
    assert "DJ at 22:00" in shown.out and "Kate Hastroff" in shown.out
    assert admin_conn.execute("SELECT attendees, support_contact_id FROM events").fetchone() == (
        80,
        staff["kate"].id,
    )


def test_employee_commands(cli, staff, admin_conn):
    login(cli, "marie")
    done = cli.process(
        "employee", "create", "--username", "kim", "--name", "Kim Seller", "--email", "kim@epicevents.test",
        "--team", "sales", "--password-stdin", "--new-password-stdin", "--format", "json",
        stdin=PW + NEW_EMPLOYEE_PASSWORD + "\n",
    )  # fmt: skip
    assert done.status == 0, done.err
    kim = json.loads(done.out)
    assert (kim["username"], kim["team"], kim["is_active"]) == ("kim", "sales", True)
    kid = str(kim["id"])
    assert cli.process("employee", "update", kid, "--team", "support").status == 0
    make_event(
        admin_conn,
        make_contract(admin_conn, make_client(admin_conn, staff["bill"].id), signed=True),
        support_id=kim["id"],
    )
    refused = cli.process("employee", "deactivate", kid)
    assert refused.status == 1 and "upcoming event" in refused.err and "--yes" in refused.err
    assert cli.process("employee", "deactivate", kid, "--yes").status == 0
    assert cli.process("employee", "reactivate", kid).status == 0
    reset = cli.process(
        "employee",
        "reset-password",
        kid,
        "--new-password-stdin",
        stdin="a second passphrase, also chosen well\n",
    )
    assert reset.status == 0, reset.err
    listed = json.loads(cli.process("employee", "list", "--team", "support", "--format", "json").out)
    assert [e["username"] for e in listed] == ["kate", "kim"]
    assert "Kim Seller" in cli.process("employee", "show", kid).out
    own = cli.process("employee", "reset-password", str(staff["manager"].id))
    assert own.status == 4 and "My account" in own.err
    assert admin_conn.execute(
        "SELECT team, is_active, version FROM employees WHERE username = 'kim'"
    ).fetchone() == (
        "support",
        True,
        5,  # created, moved, deactivated, reactivated, password reset
    )
    kim_login = cli.process(
        "login", "--username", "kim", "--password-stdin", stdin="a second passphrase, also chosen well\n"
    )
    assert kim_login.status == 0


def test_history_and_password(cli, staff, admin_conn):
    client_id = make_client(admin_conn, staff["bill"].id)
    login(cli, "marie")
    lines = json.loads(cli.process("history", "client", str(client_id), "--format", "json").out)
    assert {line["field"] for line in lines} >= {"full_name", "email"}
    assert cli.process("history", "client", "999").status == 5
    login(cli, "bill")
    assert cli.process("history", "client", str(client_id)).status == 4
    new = "a brand new passphrase, typed twice"
    done = cli.process("password", "--password-stdin", stdin=f"{DEFAULT_PASSWORD}\n{new}\n")
    assert done.status == 0, done.err
    assert cli.process("whoami").status == 0  # this session goes on
    assert cli.process("login", "--username", "bill", "--password-stdin", stdin=f"{new}\n").status == 0


def test_help_version_and_usage_errors(cli):
    root = cli.process("--help")
    assert root.status == 0
    for noun in (
        "client",
        "contract",
        "event",
        "employee",
        "history",
        "login",
        "logout",
        "whoami",
        "password",
    ):
        assert f"  {noun}" in root.out
    create = cli.process("client", "create", "--help")
    assert create.status == 0 and "--email" in create.out and "Example" in create.out
    version = cli.process("--version")
    assert version.status == 0 and version.out.startswith("Epic Events CRM ")
    assert cli.process("help", "exit-codes").out.count("\n") >= 10
    assert "Usage: python -m main client update" in cli.process("help", "client", "update").out
    bogus = cli.process("--bogus")
    assert bogus.status == 2 and bogus.out == "" and "No such option" in bogus.err
    assert cli.process("client", "show", "abc").status == 2


def test_a_shell_pipeline(crm_db, tmp_path, staff, admin_conn):
    cli = Commands(crm_db, tmp_path)
    script = f"""
set -eu
printf '%s\\n' "$PASS" | {sys.executable} -m main login --username bill --password-stdin
printf '%s\\n' "$PASS" | {sys.executable} -m main client create --name "Ana Pipe" --email ana@pipe.example \\
    --password-stdin --format json > "$OUT"
{sys.executable} -m main client list --format json | {sys.executable} -c '
import json, sys
clients = json.load(sys.stdin)
print(clients[0]["full_name"], clients[0]["sales_contact_name"])'
"""
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={
            **dict(__import__("os").environ),
            **cli.env,
            "PASS": DEFAULT_PASSWORD,
            "OUT": str(tmp_path / "created.json"),
        },
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Ana Pipe Bill Boquet\n"
    assert json.loads((tmp_path / "created.json").read_text())["full_name"] == "Ana Pipe"
    assert admin_conn.execute("SELECT full_name FROM clients").fetchall() == [("Ana Pipe",)]


def test_a_command_refuses_a_time_that_happens_twice_unless_its_offset_says_which(cli, staff, admin_conn):
    """issue 17.3: a command cannot ask which 02:30 is meant; the message says how to type it,
    and `event show` gives the offset back."""
    contract_id = make_contract(admin_conn, make_client(admin_conn, staff["bill"].id), signed=True)
    login(cli, "bill")
    create = (
        "event", "create", "--contract", str(contract_id), "--name", "Night party",
        "--end", "2031-10-26 05:00", "--attendees", "40", "--password-stdin", "--format", "json",
    )  # fmt: skip
    paris = {"TZ": "Europe/Paris"}
    refused = cli.process(*create, "--start", "2031-10-26 02:30", stdin=PW, env=paris)
    assert refused.status == 1 and "\n" not in refused.err.strip()
    assert "2031-10-26 02:30 happens twice in Europe/Paris (clocks go back)" in refused.err
    assert "2031-10-26 02:30 (UTC+01:00) for the second" in refused.err
    assert admin_conn.execute("SELECT count(*) FROM events").fetchone() == (0,)
    done = cli.process(*create, "--start", "2031-10-26 02:30 (UTC+01:00)", stdin=PW, env=paris)
    assert done.status == 0, done.err
    assert json.loads(done.out)["starts_at"] == "2031-10-26T01:30:00+00:00"
    shown = cli.process("event", "show", str(json.loads(done.out)["id"]), env=paris)
    assert "2031-10-26 02:30 (UTC+01:00)" in shown.out
