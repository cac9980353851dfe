"""The commands in "CRM server" mode, as real subprocesses against a real `serve` process: login
with --password-stdin, a list, a write (the password again), whoami and logout, all through the
server's HTTP API; the session file kept per server; what needs the database itself refused in
one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from crm import config as config_file
from crm.cli import tokens
from crm.config import NO_DATABASE, Config, ServerSettings
from tests.api import free_port, start_serve
from tests.commands import Result
from tests.configs import write_config
from tests.e2e import PASSWORD, REPO
from tests.factories import make_employee


class Desk:
    """An employee's computer: a "CRM server" config and a session folder of its own."""

    def __init__(self, folder: Path, url: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.config = folder / "crm.ini"
        config_file.write(Config(database=NO_DATABASE, path=self.config, server=ServerSettings(url=url)))
        self.runtime_dir = folder / "run"
        self.runtime_dir.mkdir(mode=0o700, exist_ok=True)

    def __call__(self, *args: str, stdin: str = "") -> Result:
        env = dict(os.environ, CRM_CONFIG=str(self.config), XDG_RUNTIME_DIR=str(self.runtime_dir))
        for key in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"):
            env.pop(key, None)
        done = subprocess.run(
            [sys.executable, "-m", "main", *args],
            cwd=REPO,
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def serve(tmp_path_factory, crm_db):
    """The CRM server of the module's database: its base URL."""
    folder = tmp_path_factory.mktemp("server")
    process, base = start_serve(write_config(folder / "crm.ini", crm_db).path)
    try:
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)


@pytest.fixture
def desk(tmp_path, serve):
    return Desk(tmp_path / "desk", serve)


def test_login_list_and_a_write_go_through_the_crm_server(desk, serve, admin_conn):
    bill = make_employee(admin_conn, "sales", "bill", PASSWORD, full_name="Bill Boquet")

    logged = desk("login", "--username", "bill", "--password-stdin", stdin=PASSWORD + "\n")
    assert logged.status == 0, logged.err
    assert logged.err.strip() == f"Logged in as bill (Bill Boquet, sales) on {serve}."
    session_files = list((desk.runtime_dir / tokens.APP_FOLDER).iterdir())
    assert len(session_files) == 1
    token = session_files[0].read_text().strip()
    assert token and token not in desk.config.read_text()

    who = desk("whoami", "--format", "json")
    assert who.status == 0, who.err
    assert json.loads(who.out)["username"] == "bill"

    created = desk(
        "client",
        "create",
        "--name",
        "Kevin Casey",
        "--email",
        "kevin@startup.io",
        "--company",
        "Cool Startup LLC",
        "--password-stdin",
        "--format",
        "json",
        stdin=PASSWORD + "\n",
    )
    assert created.status == 0, created.err
    client = json.loads(created.out)
    assert client["full_name"] == "Kevin Casey"

    listed = desk("client", "list", "--format", "json")
    assert listed.status == 0, listed.err
    assert [row["full_name"] for row in json.loads(listed.out)] == ["Kevin Casey"]
    every = desk("client", "list", "--all", "--format", "ndjson")
    assert every.status == 0, every.err
    assert [json.loads(line)["email"] for line in every.out.splitlines()] == ["kevin@startup.io"]
    assert admin_conn.execute("SELECT employee_id, kind, row_count, face FROM exports").fetchall() == [
        (bill.id, "clients", 1, "commands")
    ]

    wrong = desk(
        "client", "create", "--name", "Nobody", "--email", "n@x.io", "--password-stdin", stdin="wrong\n"
    )
    assert wrong.status == 3 and wrong.err.strip() == "Wrong password; nothing was saved."

    assert admin_conn.execute("SELECT full_name, company_name, sales_contact_id FROM clients").fetchall() == [
        ("Kevin Casey", "Cool Startup LLC", bill.id)
    ]
    out = desk("logout")
    assert out.status == 0 and out.err.strip() == "Logged out."
    assert not list((desk.runtime_dir / tokens.APP_FOLDER).iterdir())
    assert desk("client", "list").status == 3
    assert admin_conn.execute(
        "SELECT count(*) FROM sessions WHERE employee_id = %s AND ended_at IS NULL", (bill.id,)
    ).fetchone() == (0,)


def test_a_session_is_never_sent_to_another_server(tmp_path, desk, serve, admin_conn):
    make_employee(admin_conn, "support", "kate", PASSWORD)
    assert desk("login", "--username", "kate", "--password-stdin", stdin=PASSWORD + "\n").status == 0
    moved = Desk(tmp_path / "desk", f"http://127.0.0.1:{free_port()}")  # the same config, pointed elsewhere
    refused = moved("whoami")
    assert refused.status == 3 and refused.err.strip() == "Not logged in: run `python -m main login`."
    back = Desk(tmp_path / "desk", serve)
    assert back("whoami").status == 0  # the first server's session is still there, and only its
    again = back("login", "--username", "kate", "--password-stdin", stdin=PASSWORD + "\n")
    assert again.status == 0, again.err
    assert admin_conn.execute(
        "SELECT count(*) FILTER (WHERE ended_at IS NULL), count(*) FILTER (WHERE end_reason = 'logout')"
        " FROM sessions JOIN employees e ON e.id = employee_id WHERE e.username = 'kate'"
    ).fetchone() == (1, 1)  # a new login ends the one before, on the server


def test_an_unreachable_server_is_one_line(tmp_path):
    nobody = f"http://127.0.0.1:{free_port()}"
    desk = Desk(tmp_path / "desk", nobody)
    result = desk("login", "--username", "bill", "--password-stdin", stdin=PASSWORD + "\n")
    assert result.status == 69, result.err
    assert result.err.count("\n") == 1 and "cannot be reached" in result.err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--upgrade"], "schema upgrades are applied on the server"),
        (["--backup", "x.dump"], "backups are made on the server"),
        (["--unlock", "bill"], "a login lock is lifted on the server"),
        (["--demo-data"], "demo data is loaded on the server"),
    ],
)
def test_what_needs_the_database_itself_says_it_runs_on_the_server(tmp_path, args, says):
    desk = Desk(tmp_path / "desk", "https://crm.example.com")
    result = desk(*args)
    assert result.status == 78
    assert result.out.startswith(
        f"This computer connects to the CRM server at https://crm.example.com: {says}"
    )
    assert result.out.count("\n") == 1 and result.out.endswith(" there).\n")
    assert not (tmp_path / "desk" / "data").exists() and not (REPO / "x.dump").exists()


@pytest.mark.parametrize("args", [["serve"], ["mail", "drain"]])
def test_serve_and_mail_drain_belong_to_the_server(tmp_path, args):
    desk = Desk(tmp_path / "desk", "https://crm.example.com")
    result = desk(*args)
    assert result.status == 78
    assert "connects to the CRM server at https://crm.example.com" in result.err
    assert result.err.count("\n") == 1
