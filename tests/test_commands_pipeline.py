"""The service, opportunity and pipeline commands as a user meets them: `python -m main …` as real
subprocesses, asserting what they print, their exit statuses and what the database holds."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal as D

import pytest

from tests.commands import Commands
from tests.factories import DEFAULT_PASSWORD, make_client, make_employee, make_service

PW = DEFAULT_PASSWORD + "\n"


@pytest.fixture
def staff(admin_conn):
    return {
        "manager": make_employee(admin_conn, "management", "marie", full_name="Marie Manager"),
        "bill": make_employee(admin_conn, "sales", "bill", full_name="Bill Boquet"),
        "sam": make_employee(admin_conn, "sales", "sam", full_name="Sam Seller"),
        "kate": make_employee(admin_conn, "support", "kate", full_name="Kate Hastroff"),
    }


def logged_in(crm_db, folder, username) -> Commands:
    folder.mkdir()
    cli = Commands(crm_db, folder)
    done = cli.process("login", "--username", username, "--password-stdin", stdin=PW)
    assert done.status == 0, done.err
    return cli


def test_the_catalogue_commands(crm_db, tmp_path, staff, admin_conn):
    marie = logged_in(crm_db, tmp_path / "marie", "marie")
    done = marie.process(
        "service", "create", "--name", "Catering", "--price", "45.00", "--unit", "guest",
        "--description", "Three courses", "--password-stdin", "--format", "json", stdin=PW,
    )  # fmt: skip
    assert done.status == 0, done.err
    created = json.loads(done.out)
    assert (created["name"], created["unit_price"], created["unit"], created["is_active"]) == (
        "Catering", "45.00", "guest", True)  # fmt: skip
    done = marie.process("service", "create", "--name", "CATERING", "--price", "1", "--unit", "event")
    assert (done.status, done.err) == (1, "Another service already has this name.\n")
    done = marie.process("service", "update", str(created["id"]), "--price", "1,5")
    assert done.status == 1 and "a comma only separates thousands" in done.err
    done = marie.process("service", "update", str(created["id"]), "--price", "48.50", "--version", "1")
    assert done.status == 0, done.err
    done = marie.process("service", "retire", str(created["id"]))
    assert done.status == 0 and "retired" in done.err
    done = marie.process("service", "list", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(done.out)))
    assert [(r["name"], r["unit_price"], r["is_active"]) for r in rows] == [("Catering", "48.50", "false")]
    assert marie.process("service", "list", "--active").out == "Nothing to show.\n"
    assert admin_conn.execute("SELECT unit_price, is_active, version FROM services").fetchall() == [
        (D("48.50"), False, 3)
    ]
    bill = logged_in(crm_db, tmp_path / "bill", "bill")
    done = bill.process("service", "create", "--name", "DJ", "--price", "300", "--unit", "hour")
    assert (done.status, done.err) == (4, "Only management can create, edit or retire services.\n")
    assert "Catering" in bill.process("service", "show", str(created["id"])).out


def test_the_opportunity_commands_from_first_contact_to_contract(crm_db, tmp_path, staff, admin_conn):
    client = make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    sams_client = make_client(admin_conn, staff["sam"].id, "Lou Bouzin")
    catering = make_service(admin_conn, "Catering", "45.00", "guest")
    sound = make_service(admin_conn, "Sound and light", "1200.00", "event")
    bill = logged_in(crm_db, tmp_path / "bill", "bill")
    done = bill.process(
        "opportunity", "create", "--client", str(client), "--title", "Wedding in June",
        "--close-date", "2027-03-31", "--attendees", "200", "--password-stdin", "--format", "json", stdin=PW,
    )  # fmt: skip
    assert done.status == 0, done.err
    opportunity = json.loads(done.out)
    oid = str(opportunity["id"])
    assert (opportunity["stage"], opportunity["amount"], opportunity["expected_close_on"]) == (
        "new", "0.00", "2027-03-31")  # fmt: skip
    done = bill.process("opportunity", "create", "--client", str(sams_client), "--title", "Not mine")
    assert (done.status, done.err) == (
        4, "Only the client's sales contact can create an opportunity for this client.\n")  # fmt: skip
    done = bill.process(
        "opportunity", "create", "--client", str(client), "--title", "X", "--close-date", "31/03"
    )
    assert (done.status, done.err) == (1, "Expected close date must look like 2027-06-04 (or be empty).\n")
    done = bill.process("opportunity", "add-line", oid, "--service", str(catering), "--quantity", "200")
    assert done.status == 0 and "is now 9,000.00" in done.err
    done = bill.process(
        "opportunity", "add-line", oid, "--service", str(sound), "--quantity", "1", "--price", "999.99",
        "--format", "json",
    )  # fmt: skip
    lines = json.loads(done.out)["lines"]
    assert [(line["service_name"], line["line_total"]) for line in lines] == [
        ("Catering", "9000.00"), ("Sound and light", "999.99")]  # fmt: skip
    done = bill.process("opportunity", "update-line", str(lines[0]["id"]), "--quantity", "180")
    assert done.status == 0 and "is now 9,099.99" in done.err
    done = bill.process("opportunity", "move", oid, "--to", "proposal")
    assert done.status == 1 and "moves one stage forward or back: to qualified" in done.err
    for stage in ("qualified", "proposal", "negotiation"):
        done = bill.process("opportunity", "move", oid, "--to", stage)
        assert done.status == 0, done.err
    done = bill.process("opportunity", "list", "--stage", "negotiation", "--format", "json")
    listed = json.loads(done.out)
    assert [(o["id"], o["amount"], o["weighted_amount"], o["probability"]) for o in listed] == [
        (int(oid), "9099.99", "6824.99", 75)]  # fmt: skip
    done = bill.process("opportunity", "win", oid)
    assert (done.status, done.err) == (4, "Only management can mark an opportunity won.\n")
    marie = logged_in(crm_db, tmp_path / "marie", "marie")
    done = marie.process("opportunity", "win", oid, "--version", "1", "--password-stdin", stdin=PW)
    assert done.status == 6 and "is at version" in done.err
    version = str(listed[0]["version"])
    done = marie.process(
        "opportunity", "win", oid, "--version", version, "--password-stdin", "--format", "json", stdin=PW
    )
    assert done.status == 0, done.err
    won = json.loads(done.out)
    assert won["stage"] == "won" and "created for 9,099.99" in done.err
    assert admin_conn.execute("SELECT id, client_id, total_amount, is_signed FROM contracts").fetchall() == [
        (won["contract_id"], client, D("9099.99"), False)
    ]
    shown = json.loads(marie.process("contract", "show", str(won["contract_id"]), "--format", "json").out)
    assert shown["opportunity_id"] == int(oid)
    assert (
        f"opportunity {oid}: Wedding in June"
        in marie.process("contract", "show", str(won["contract_id"])).out
    )
    done = marie.process("opportunity", "lose", oid, "--reason", "Too late")
    assert done.status == 1 and "a closed opportunity never changes" in done.err
    # Bill loses another one; the list of his open ones is then empty.
    done = bill.process(
        "opportunity", "create", "--client", str(client), "--title", "Birthday", "--format", "json"
    )
    other = str(json.loads(done.out)["id"])
    done = bill.process("opportunity", "lose", other, "--reason", "  ")
    assert done.status == 1 and "Reason cannot be blank" in done.err
    assert bill.process("opportunity", "lose", other, "--reason", "Went with a competitor").status == 0
    assert bill.process("opportunity", "list", "--mine").out == "Nothing to show.\n"
    assert admin_conn.execute("SELECT stage, lost_reason FROM opportunities ORDER BY id").fetchall() == [
        ("won", None), ("lost", "Went with a competitor")]  # fmt: skip


def test_the_pipeline_report_command(crm_db, tmp_path, staff, admin_conn):
    client = make_client(admin_conn, staff["bill"].id)
    service = make_service(admin_conn, "Venue", "1000.00", "event")
    from tests.factories import make_opportunity

    make_opportunity(admin_conn, client, lines=[(service, 2, "1000.00")], stage="proposal")
    make_opportunity(admin_conn, client, lines=[(service, 1, "1000.00")], stage="won")
    make_opportunity(admin_conn, client, lines=[(service, 1, "1000.00")], stage="lost")
    bill = logged_in(crm_db, tmp_path / "bill", "bill")
    done = bill.process("pipeline", "report")
    assert done.status == 0, done.err
    assert "Open opportunities by stage:" in done.out and "Conversion" in done.out
    report = json.loads(bill.process("pipeline", "report", "--format", "json").out)
    proposal = next(f for f in report["by_stage"] if f["stage"] == "proposal")
    assert (proposal["count"], proposal["amount"], proposal["weighted_amount"]) == (1, "2000.00", "1000.00")
    assert report["conversion"][2] == {
        "period": "all time",
        "since": None,
        "closed_count": 2,
        "won_count": 1,
        "conversion_rate": "50.0",
    }
    done = bill.process("pipeline", "report", "--part", "sales", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(done.out)))
    assert [(r["sales_name"], r["count"], r["amount"], r["weighted_amount"]) for r in rows] == [
        ("Bill Boquet", "1", "2000.00", "1000.00"), ("Sam Seller", "0", "0", "0")]  # fmt: skip
    done = bill.process("pipeline", "report", "--format", "csv")
    assert done.status == 2 and "choose --part" in done.err
    kate = logged_in(crm_db, tmp_path / "kate", "kate")
    done = kate.process("pipeline", "report")
    assert (done.status, done.err) == (4, "Only management or sales can read the pipeline report.\n")
