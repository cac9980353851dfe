"""`export …` and `import clients` as real subprocesses: files, reports, exit statuses, and what
the database holds afterwards."""

from __future__ import annotations

import csv
import io
import os
import stat

import pytest

from tests.commands import Commands
from tests.factories import DEFAULT_PASSWORD, make_client, make_contract, make_event, make_staff

PW = DEFAULT_PASSWORD + "\n"
SQL_LIKE = "'; DROP TABLE clients; --"


@pytest.fixture
def cli(crm_db, tmp_path):
    return Commands(crm_db, tmp_path)


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "sam", "kate")


def login(cli, username):
    done = cli.process("login", "--username", username, "--password-stdin", stdin=PW)
    assert done.status == 0, done.err


def read_csv(path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def clients(admin_conn) -> list[tuple]:
    return admin_conn.execute(
        "SELECT full_name, email, company_name, sales_contact_id FROM clients ORDER BY id"
    ).fetchall()


def test_export_every_kind(cli, staff, admin_conn, tmp_path):
    client = make_client(admin_conn, staff["bill"].id, "Zoé Lefèvre", company="=cmd|' /C calc'!A0")
    contract = make_contract(admin_conn, client, total="1000.00", remaining="250.00", signed=True)
    make_event(admin_conn, contract, "Gala à Candé", support_id=staff["kate"].id)
    login(cli, "kate")
    out = tmp_path / "clients.csv"
    done = cli.process("export", "clients", "--output", str(out), "--excel")
    assert done.status == 0, done.err
    assert (done.out, done.err) == ("", f"Exported 1 client to {out} (readable by you only).\n")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert read_csv(out)[0]["company_name"] == "'=cmd|' /C calc'!A0"
    for args, column, value in [
        (["contracts", "--unpaid"], "paid_amount", "750.00"),
        (["events", "--mine"], "name", "Gala à Candé"),
        (["payments", "--contract", str(contract)], "amount", "750.00"),
    ]:
        target = tmp_path / f"{args[0]}.csv"
        done = cli.process("export", *args, "-o", str(target))
        assert done.status == 0, done.err
        assert [r[column] for r in read_csv(target)] == [value]
    traces = admin_conn.execute("SELECT employee_id, kind, filters, row_count, face FROM exports ORDER BY id")
    assert traces.fetchall() == [
        (staff["kate"].id, "clients", {}, 1, "commands"),
        (staff["kate"].id, "contracts", {"unpaid": True}, 1, "commands"),
        (staff["kate"].id, "events", {"mine": True}, 1, "commands"),
        (staff["kate"].id, "payments", {"contract_id": contract}, 1, "commands"),
    ]


def test_export_refusals(cli, staff, admin_conn, tmp_path):
    done = cli.process("export", "clients", "-o", str(tmp_path / "x.csv"))
    assert done.status == 3  # not logged in
    login(cli, "bill")
    existing = tmp_path / "existing.csv"
    existing.write_text("keep")
    done = cli.process("export", "clients", "-o", str(existing))
    assert (done.status, done.err) == (1, f"{existing} already exists.\n")
    assert existing.read_text() == "keep"
    assert cli.process("export", "clients", "-o", str(existing), "--force").status == 0
    done = cli.process("export", "clients", "--mine", "--search", "x", "-o", str(tmp_path / "y.csv"))
    assert (done.status, done.err) == (1, "Choose one of --mine, --search.\n")
    done = cli.process("export", "clients", "-o", str(tmp_path / "missing" / "y.csv"))
    assert done.status == 1 and "does not exist" in done.err
    assert cli.process("export", "clients").status == 2  # --output is required
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".csv") == ["existing.csv"]
    assert admin_conn.execute("SELECT count(*) FROM exports").fetchone() == (1,)


def test_import_dry_run_then_import(cli, staff, admin_conn, tmp_path):
    make_client(admin_conn, staff["sam"].id, "Existing", email="dup@client.test")
    file = tmp_path / "old.csv"
    file.write_text(
        "full_name,email,phone,company_name\r\n"
        f'Zoé Lefèvre,zoe@client.test,+33 6 12 34 56 78,"{SQL_LIKE}"\r\nDup,dup@client.test,,\r\n',
        encoding="utf-8",
    )
    login(cli, "bill")
    done = cli.process("import", "clients", str(file), "--dry-run")
    assert done.status == 0, done.err
    assert done.out == (
        "  line 3: client 1 already has the e-mail address dup@client.test\n"
        "2 client(s) checked, no problem: 1 would be created, 1 duplicate(s) would be skipped.\n"
    )
    assert len(clients(admin_conn)) == 1
    done = cli.process("import", "clients", str(file), "--password-stdin", stdin="wrong password\n")
    assert done.status == 3 and len(clients(admin_conn)) == 1
    done = cli.process("import", "clients", str(file), "--password-stdin", stdin=PW)
    assert done.status == 0, done.err
    assert done.out.endswith("Imported: 1 client(s) created, 0 updated, 1 duplicate(s) left as they were.\n")
    assert clients(admin_conn)[1] == ("Zoé Lefèvre", "zoe@client.test", SQL_LIKE, staff["bill"].id)


def test_import_of_a_broken_file_reports_and_imports_nothing(cli, staff, admin_conn, tmp_path):
    lines = ["full_name,email,phone,company_name"] + [f"C{n},c{n}@client.test,," for n in range(10_000)]
    lines[5_001] = "C bad,c5000@client.test,123,"
    file = tmp_path / "big.csv"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    login(cli, "bill")
    done = cli.process("import", "clients", str(file), "--password-stdin", stdin=PW)
    assert done.status == 1
    assert done.out == (
        "1 problem(s); nothing was imported. Fix the file and try again:\n"
        "  line 5002, column phone: "
        "A phone number has at least 6 digits and only digits, spaces, + - . ( ).\n"
    )
    assert done.err == "Nothing was imported: 1 problem(s) in the file.\n"
    assert clients(admin_conn) == []
    done = cli.process("import", "clients", str(tmp_path / "nope.csv"), "--dry-run")
    assert (done.status, done.err) == (1, f"No file {tmp_path / 'nope.csv'}.\n")


def test_support_may_not_import(cli, staff, admin_conn, tmp_path):
    file = tmp_path / "x.csv"
    file.write_text("full_name,email,phone,company_name\nA,a@client.test,,\n", encoding="utf-8")
    login(cli, "kate")
    done = cli.process("import", "clients", str(file), "--dry-run")
    assert (done.status, done.err) == (4, "Only management or sales can import clients from CSV.\n")
    assert clients(admin_conn) == []
