"""End to end in a pseudo-terminal, "CRM server" mode: a `python -m main serve` process holds the
only database credential; an employee's `python -m main` goes through the wizard (connect to a
CRM server, its URL), logs in, creates a client (the password asked again) and quits. The
database then holds the client, written as that employee, and the employee's INI holds no
secret and no [database]."""

from __future__ import annotations

import configparser
import signal
import stat
import subprocess

import pytest

from crm import config as config_file
from tests.api import start_serve
from tests.configs import write_config
from tests.e2e import PASSWORD, Crm
from tests.factories import make_employee

ADDRESS = "The CRM server's address (like https://crm.example.com):"


@pytest.fixture
def serve(tmp_path, crm_db, admin_conn):
    """The CRM server (its config in server/), with a sales employee: its base URL."""
    make_employee(admin_conn, "sales", "bill", PASSWORD, full_name="Bill Boquet")
    server_ini = write_config(tmp_path / "server" / "crm.ini", crm_db).path
    process, base = start_serve(server_ini)
    try:
        yield base
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate(timeout=10)


def test_an_employee_connects_to_the_crm_server_logs_in_and_creates_a_client(tmp_path, serve, admin_conn):
    desk = tmp_path / "desk"  # the employee's computer: nothing but its config
    desk.mkdir()
    crm = Crm(desk)
    try:
        crm.expect("No configuration was found")
        crm.pick("Where should the CRM keep its data?", "Connect to a CRM server")
        crm.answer(ADDRESS, serve)
        crm.expect(f"The CRM server at {serve} answers")
        crm.expect("no password in it, only the server's address")
        crm.login("bill")
        crm.expect("Welcome, Bill Boquet (sales).")
        crm.pick("main menu", "Clients")
        crm.pick("Clients", "Create a client")
        crm.answer("Full name:", "Kevin Casey")
        crm.answer("E-mail:", "kevin@startup.io")
        crm.answer("Phone (optional):", "+678 123 456 78")
        crm.answer("Company name (optional):", "Cool Startup LLC")
        crm.confirm_write("bill")
        crm.expect("(Kevin Casey) created; you are their sales contact.")
        crm.pick("Clients", "List clients")
        crm.expect("Cool Startup LLC")
        crm.pick("Clients", "Back")
        crm.pick("main menu", "Quit")
        crm.expect("Goodbye.")
        assert crm.wait() == 0
    finally:
        crm.close()

    bill = admin_conn.execute("SELECT id FROM employees WHERE username = 'bill'").fetchone()[0]
    assert admin_conn.execute(
        "SELECT full_name, email, phone, company_name, sales_contact_id FROM clients"
    ).fetchall() == [("Kevin Casey", "kevin@startup.io", "+678 123 456 78", "Cool Startup LLC", bill)]
    assert admin_conn.execute(
        "SELECT employee_id, action FROM audit_log WHERE table_name = 'clients'"
    ).fetchall() == [(bill, "insert")]  # the server wrote it as the employee who logged in
    # the one session the server opened for this login, ended at quit
    assert admin_conn.execute(
        "SELECT end_reason FROM sessions WHERE employee_id = %s", (bill,)
    ).fetchall() == [("logout",)]

    ini = desk / "crm.ini"
    assert stat.S_IMODE(ini.stat().st_mode) == 0o600
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ini, encoding="utf-8")
    assert "database" not in parser.sections() and "mail" not in parser.sections()
    assert dict(parser["server"]) == {"url": serve, "ca_file": ""}
    keys = {key for section in parser.sections() for key in parser[section]}
    assert not {key for key in keys if "password" in key or "token" in key or key in ("user", "host", "name")}
    text = ini.read_text(encoding="utf-8")
    assert PASSWORD not in text
    loaded = config_file.load(ini)
    assert loaded.remote and loaded.database.password == "" and loaded.sentry_dsn == ""
    assert not (desk / "data").exists()  # no embedded server was made on the employee's computer
    transcript = (desk / "transcript.txt").read_text(encoding="utf-8")
    assert PASSWORD not in transcript and "Traceback" not in transcript
