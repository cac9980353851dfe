"""Export to CSV and Import clients from CSV driven through the team menus with scripted answers:
what is asked, what the file holds (mode 0600), the trace, and what the database holds."""

from __future__ import annotations

import csv
import io
import os
import stat
from zoneinfo import ZoneInfo

import pytest

from crm.ui.clients import clients_section
from crm.ui.contracts import contracts_section
from crm.ui.csvfiles import Progress
from crm.ui.events import events_section
from tests.factories import DEFAULT_PASSWORD, audit_count, make_client, make_contract, make_event, make_staff
from tests.scripted import CtrlC, run_menu

SQL_LIKE = "'; DROP TABLE clients; --"
SECTIONS = [clients_section(), contracts_section(), events_section(ZoneInfo("Europe/Paris"))]
HEADER = "full_name,email,phone,company_name\n"


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "sam", "kate")


def run(db, employee, answers):
    return run_menu(db, employee, SECTIONS, answers)


def read_csv(path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def clients(admin_conn) -> list[tuple]:
    return admin_conn.execute("SELECT full_name, email, sales_contact_id FROM clients ORDER BY id").fetchall()


def test_sales_export_their_clients(db, admin_conn, staff, tmp_path, capsys):
    make_client(admin_conn, staff["bill"].id, "Zoé Lefèvre", company=SQL_LIKE)
    make_client(admin_conn, staff["sam"].id, "Not Bill's")
    target = tmp_path / "mine.csv"
    prompts = run(
        db,
        staff["bill"],
        ["Clients", "Export to CSV", "My clients", str(target), True, "Back", "Quit"],
    )
    assert prompts.shown["Which list?"] == [
        "All clients",
        "My clients",
        "Clients matching a search",
        "Back",
    ]
    assert prompts.passwords == 0  # a read: no password
    assert target.read_bytes().startswith(b"\xef\xbb\xbfid,full_name")
    assert [(r["full_name"], r["company_name"]) for r in read_csv(target)] == [("Zoé Lefèvre", SQL_LIKE)]
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert f"Exported 1 client to {target} (readable by you only)." in capsys.readouterr().out
    trace = admin_conn.execute("SELECT employee_id, kind, filters, row_count, excel, face FROM exports")
    assert trace.fetchall() == [(staff["bill"].id, "clients", {"mine": True}, 1, True, "menus")]


def test_an_existing_file_is_replaced_only_when_confirmed(db, admin_conn, staff, tmp_path):
    client = make_client(admin_conn, staff["bill"].id)
    make_contract(admin_conn, client, total="900.00", remaining="100.00", signed=True)
    target = tmp_path / "contracts.csv"
    target.write_text("keep me")
    other = tmp_path / "other.csv"
    run(
        db,
        staff["manager"],
        ["Contracts", "Export to CSV", "Contracts not fully paid", str(target), False, str(other), False]
        + ["Back", "Quit"],
    )
    assert target.read_text() == "keep me"
    assert [(r["paid_amount"], r["remaining_amount"]) for r in read_csv(other)] == [("800.00", "100.00")]
    run(
        db,
        staff["manager"],
        ["Contracts", "Export to CSV", "All payments", str(target), True, False, "Back", "Quit"],
    )
    assert [r["amount"] for r in read_csv(target)] == ["800.00"]


def test_management_exports_one_support_employees_events(db, admin_conn, staff, tmp_path):
    contract = make_contract(admin_conn, make_client(admin_conn, staff["bill"].id), signed=True)
    make_event(admin_conn, contract, "Kate's gala", support_id=staff["kate"].id)
    target = tmp_path / "kate.csv"
    run(
        db,
        staff["manager"],
        ["Events", "Export to CSV", "Events of a support employee", str(staff["kate"].id), str(target), False]
        + ["Back", "Quit"],
    )
    assert [r["name"] for r in read_csv(target)] == ["Kate's gala"]
    filters = admin_conn.execute("SELECT filters FROM exports").fetchone()[0]
    assert filters == {"support_id": staff["kate"].id}


def test_a_bad_path_is_asked_again(db, admin_conn, staff, tmp_path, capsys):
    target = tmp_path / "ok.csv"
    run(
        db,
        staff["kate"],
        ["Clients", "Export to CSV", "All clients", str(tmp_path / "no" / "x.csv"), str(tmp_path)]
        + [str(target), False, "Back", "Quit"],
    )
    out = capsys.readouterr().out
    assert "does not exist" in out and "is a folder" in out
    assert target.exists() and read_csv(target) == []
    assert admin_conn.execute("SELECT count(*) FROM exports").fetchone() == (1,)


def test_progress_is_drawn_on_a_terminal_only():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    shown = Terminal()
    bar = Progress(shown)
    bar(500, 1000)
    bar(1000, 1000)
    bar.end()
    assert shown.getvalue() == (
        "\r[###############...............] 500 / 1,000 rows (50%)"
        "\r[##############################] 1,000 / 1,000 rows (100%)\n"
    )
    quiet = io.StringIO()
    Progress(quiet)(500, 1000)
    assert quiet.getvalue() == ""


def test_in_accessible_mode_progress_is_a_plain_line_at_each_quarter():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    shown = Terminal()
    bar = Progress(shown, plain=True)
    for done in (100, 250, 400, 500, 999, 1000):
        bar(done, 1000)
    bar.end()
    assert shown.getvalue().splitlines() == [
        "250 of 1,000 rows written (25%).",
        "500 of 1,000 rows written (50%).",
        "999 of 1,000 rows written (75%).",
        "1,000 of 1,000 rows written (100%).",
    ]
    assert "\r" not in shown.getvalue()


def test_sales_import_after_the_dry_run_and_the_password(db, admin_conn, staff, tmp_path, capsys):
    make_client(admin_conn, staff["sam"].id, "Existing", email="dup@client.test")
    file = tmp_path / "old.csv"
    file.write_text(
        HEADER + f'Zoé Lefèvre,zoe@client.test,,"{SQL_LIKE}"\nDup,DUP@client.test,,\n', encoding="utf-8"
    )
    prompts = run(
        db,
        staff["bill"],
        ["Clients", "Import clients from CSV", str(file), "Skip", True, DEFAULT_PASSWORD, "Back", "Quit"],
    )
    assert prompts.passwords == 1
    out = capsys.readouterr().out
    assert "line 3: client 1 already has the e-mail address DUP@client.test" in out
    assert "2 client(s) checked, no problem: 1 would be created, 1 duplicate(s) would be skipped." in out
    assert "Imported: 1 client(s) created, 0 updated, 1 duplicate(s) left as they were." in out
    assert clients(admin_conn) == [
        ("Existing", "dup@client.test", staff["sam"].id),
        ("Zoé Lefèvre", "zoe@client.test", staff["bill"].id),
    ]


def test_a_broken_file_gets_its_report_and_no_import_question(db, admin_conn, staff, tmp_path, capsys):
    file = tmp_path / "bad.csv"
    file.write_bytes(b"full_name,email,phone,company_name,notes\nZoe,z@client.test,,,\n")
    before = audit_count(admin_conn)
    prompts = run(
        db, staff["bill"], ["Clients", "Import clients from CSV", str(file), "Skip", "Back", "Quit"]
    )
    assert prompts.passwords == 0
    out = capsys.readouterr().out
    assert "1 problem(s); nothing was imported. Fix the file and try again:" in out
    assert "line 1, column notes: Unknown column 'notes'" in out
    assert clients(admin_conn) == [] and audit_count(admin_conn) == before
    file.write_bytes(HEADER.encode() + b"Zo\xe9,z@client.test,,\n")
    run(db, staff["bill"], ["Clients", "Import clients from CSV", str(file), "Skip", "Back", "Quit"])
    assert "line 2: The file is not UTF-8 text (byte 0xE9 on line 2)" in capsys.readouterr().out
    assert clients(admin_conn) == []


def test_a_missing_file_is_asked_again_and_ctrl_c_or_no_password_saves_nothing(
    db, admin_conn, staff, tmp_path
):
    file = tmp_path / "new.csv"
    file.write_text(HEADER + "Anne,anne@client.test,,\n", encoding="utf-8")
    run(
        db,
        staff["bill"],
        ["Clients", "Import clients from CSV", str(tmp_path / "nope.csv"), str(file), "Skip", True, ""]
        + ["Import clients from CSV", str(file), "Update", CtrlC]
        + ["Import clients from CSV", str(file), "Skip", False, "Back", "Quit"],
    )
    assert clients(admin_conn) == []


def test_management_imports_with_a_sales_contact_column(db, admin_conn, staff, tmp_path, capsys):
    file = tmp_path / "team.csv"
    file.write_text(
        f"full_name,email,phone,company_name,sales_contact_id\nAnne,anne@client.test,,,{staff['sam'].id}\n",
        encoding="utf-8",
    )
    run(
        db,
        staff["manager"],
        ["Clients", "Import clients from CSV", str(file), "Skip", True, DEFAULT_PASSWORD, "Back", "Quit"],
    )
    assert "sales_contact_id" in capsys.readouterr().out
    assert clients(admin_conn) == [("Anne", "anne@client.test", staff["sam"].id)]


def test_support_is_not_offered_the_import(db, admin_conn, staff):
    prompts = run(db, staff["kate"], ["Clients", "Back", "Quit"])
    assert "Import clients from CSV" not in prompts.shown["Clients"]
