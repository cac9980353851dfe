"""`python -m main` (crm.app.main) with a "CRM server" config: no embedded server, no migrations,
no database connection on this computer; the login loop, the menus, the password before a save
and the idle lock on the server's HTTP API (a real API server in a thread)."""

from __future__ import annotations

import pytest

from crm import app
from crm import config as config_file
from crm.config import NO_DATABASE, Config, ServerSettings
from tests.api import free_port, live_server, make_app
from tests.factories import DEFAULT_PASSWORD, make_employee
from tests.scripted import CtrlD, ScriptedPrompts, TimedOut


@pytest.fixture(scope="module")
def api(crm_db):
    with live_server(make_app(crm_db)) as base:
        yield base


@pytest.fixture
def no_database_here(monkeypatch):
    """Fail the test if the program opens a database connection or starts an embedded server."""

    def forbidden(*args, **kwargs):
        raise AssertionError("CRM server mode must not reach a database from this computer")

    monkeypatch.setattr(app, "connect", forbidden)
    monkeypatch.setattr(app.Runtime, "open", forbidden)
    monkeypatch.setattr(app.Runtime, "start_embedded", forbidden)
    from crm import migrations

    monkeypatch.setattr(migrations, "status", forbidden)


def remote_config(tmp_path, monkeypatch, url: str) -> Config:
    config = Config(database=NO_DATABASE, path=tmp_path / "crm.ini", server=ServerSettings(url=url))
    config_file.write(config)
    monkeypatch.setenv("CRM_CONFIG", str(config.path))
    return config


def test_login_a_save_with_the_password_again_the_idle_lock_and_quit(
    tmp_path, monkeypatch, capsys, api, admin_conn, no_database_here
):
    bill = make_employee(admin_conn, "sales", "bill", full_name="Bill Boquet")
    remote_config(tmp_path, monkeypatch, api)
    client = ["Clients", "Create a client", "Ada Lovelace", "ada@engines.io", "", "Engines Ltd"]
    answers = ["bill", "wrong password", "bill", DEFAULT_PASSWORD, *client, DEFAULT_PASSWORD]
    answers += [TimedOut, DEFAULT_PASSWORD, "Back", "Quit"]  # idle at the menu: the lock, unlocked
    prompts = ScriptedPrompts(answers)
    assert app.main([], prompts) == 0
    out = capsys.readouterr().out
    assert "Invalid username or password." in out
    assert "Welcome, Bill Boquet (sales)." in out
    assert "(Ada Lovelace) created; you are their sales contact." in out
    assert "You were idle for a while: please enter your password again." in out
    assert "Password for bill:" in prompts.messages  # asked again before the save
    assert admin_conn.execute("SELECT full_name, company_name, sales_contact_id FROM clients").fetchall() == [
        ("Ada Lovelace", "Engines Ltd", bill.id)
    ]


def test_an_unreachable_server_is_one_line_at_each_login(tmp_path, monkeypatch, capsys, no_database_here):
    nobody = f"http://127.0.0.1:{free_port()}"
    remote_config(tmp_path, monkeypatch, nobody)
    assert app.main([], ScriptedPrompts(["bill", "secret-typed", CtrlD])) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("The CRM server 127.0.0.1:") and "cannot be reached" in out[0]
    assert out[1:] == ["Goodbye."]
    assert "secret-typed" not in "".join(out)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--upgrade"], "schema upgrades are applied on the server"),
        (["--backup", "crm.dump"], "backups are made on the server"),
        (["--unlock", "bill"], "a login lock is lifted on the server"),
        (["--demo-data"], "demo data is loaded on the server"),
    ],
)
def test_options_that_need_the_database_say_they_run_on_the_server(
    tmp_path, monkeypatch, capsys, argv, says, no_database_here
):
    remote_config(tmp_path, monkeypatch, "https://crm.example.com")
    assert app.main(argv, ScriptedPrompts([])) == app.EXIT_CONFIG
    out = capsys.readouterr().out
    assert out.startswith(f"This computer connects to the CRM server at https://crm.example.com: {says}")
    assert out.count("\n") == 1
