"""Start-up paths of `python -m main` (crm.app.main) with an existing config."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from crm import app, migrations
from crm import config as config_file
from crm.config import Config, DatabaseSettings
from tests.configs import write_config
from tests.e2e import REPO
from tests.factories import DEFAULT_PASSWORD, make_employee
from tests.scripted import CtrlD, ScriptedPrompts


def test_database_down_exits_69_naming_host_and_port_not_the_password(tmp_path, monkeypatch, capsys):
    write_config(tmp_path / "crm.ini", monkeypatch=monkeypatch)
    assert app.main([], ScriptedPrompts([])) == 69
    out = capsys.readouterr().out
    assert "127.0.0.1:1" in out and "S3cret-app-pw" not in out
    assert len(out.strip().splitlines()) == 1


def test_wrong_credentials_exit_69(crm_db, tmp_path, monkeypatch, capsys):
    wrong = {"user": "no_such_role_here", "password": "S3cret-app-pw"}
    write_config(tmp_path / "crm.ini", crm_db, wrong, monkeypatch=monkeypatch)
    assert app.main([], ScriptedPrompts([])) == 69
    out = capsys.readouterr().out
    assert "Cannot connect" in out and "S3cret-app-pw" not in out


def test_config_readable_by_others_is_refused(tmp_path, monkeypatch, capsys):
    config = write_config(tmp_path / "crm.ini", monkeypatch=monkeypatch)
    os.chmod(config.path, 0o640)
    assert app.main([], ScriptedPrompts([])) == 78
    assert "chmod 600" in capsys.readouterr().out


def test_login_logout_and_quit(crm_db, admin_conn, tmp_path, monkeypatch, capsys):
    make_employee(admin_conn, "management", "boss", full_name="Bill Boquet")
    write_config(tmp_path / "crm.ini", crm_db, monkeypatch=monkeypatch)
    prompts = ScriptedPrompts(
        [
            "nobody",
            "whatever",  # unknown user
            "boss",
            "wrong password",  # wrong password
            "BOSS",
            DEFAULT_PASSWORD,
            "Log out",  # usernames are case-insensitive
            "boss",
            DEFAULT_PASSWORD,
            "Quit",
        ]
    )
    assert app.main([], prompts) == 0
    out = capsys.readouterr().out
    assert out.count("Invalid username or password.") == 2
    assert out.count("Welcome, Bill Boquet (management).") == 2
    assert "Logged out." in out and "Goodbye." in out


def test_ctrl_d_at_the_login_prompt_exits(crm_db, admin_conn, tmp_path, monkeypatch):
    write_config(tmp_path / "crm.ini", crm_db, monkeypatch=monkeypatch)
    prompts = ScriptedPrompts([CtrlD])
    assert app.main([], prompts) == 0
    assert prompts.messages == ["Username (Ctrl-D to quit):"]


@pytest.fixture
def extra_migration(tmp_path, monkeypatch):
    """A new release's migration file, beside the real ones."""
    folder = tmp_path / "sql"
    shutil.copytree(migrations.SQL_DIR, folder)
    (folder / "9999_new_release.sql").write_text("CREATE TABLE release_marker (id int);")
    monkeypatch.setattr(migrations, "SQL_DIR", folder)
    return folder


def test_server_mode_with_pending_migrations_asks_for_an_upgrade(
    crm_db, admin_dsn, extra_migration, tmp_path, monkeypatch, capsys
):
    import psycopg

    write_config(tmp_path / "crm.ini", crm_db, monkeypatch=monkeypatch)
    assert app.main([], ScriptedPrompts([])) == 78
    assert "--upgrade" in capsys.readouterr().out
    admin = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    answers = [admin.get("user", "postgres"), admin.get("password", "")]
    assert app.main(["--upgrade"], ScriptedPrompts(answers)) == 0
    assert "9999_new_release.sql" in capsys.readouterr().out
    with psycopg.connect(crm_db.admin_dsn) as conn:
        assert conn.execute("SELECT to_regclass('release_marker')").fetchone()[0] == "release_marker"
        conn.execute("DROP TABLE release_marker")
        conn.execute("DELETE FROM schema_migrations WHERE filename = '9999_new_release.sql'")


def test_a_server_that_cannot_be_stopped_at_exit_is_one_line(capsys):
    from crm.embedded import EmbeddedError

    class Unstoppable:
        def release(self):
            raise EmbeddedError("Cannot stop the embedded server; see /x/postgresql.log.")

    runtime = app.Runtime()
    runtime.server = Unstoppable()
    runtime.close()
    assert capsys.readouterr().out.strip() == "Cannot stop the embedded server; see /x/postgresql.log."


@pytest.mark.parametrize("lost", ["data folder", "pgdata"])
def test_an_embedded_config_whose_data_is_gone_says_so_and_makes_no_new_cluster(tmp_path, lost):
    """`python -m main` (a real process) with a config naming an embedded database whose folder,
    or the cluster in it, is gone: one line saying so, exit 2, and nothing created in its place."""
    data_dir = tmp_path / "data"
    if lost == "pgdata":
        data_dir.mkdir(mode=0o700)
        (data_dir / "postgresql.log").write_text("the old server's log\n")
    settings = DatabaseSettings(
        mode="embedded", name="epic_events", user="epic_events_app", password="S3cret-app-pw"
    )
    config = config_file.write(Config(database=settings, data_dir=data_dir, path=tmp_path / "crm.ini"))
    result = subprocess.run(
        [sys.executable, "-m", "main"],
        cwd=REPO,
        env=dict(os.environ, CRM_CONFIG=str(config)),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    said = (
        f"The data folder {data_dir} is missing"
        if lost == "data folder"
        else f"The data folder {data_dir} has lost its database ({data_dir / 'pgdata'} is missing)"
    )
    assert result.stdout == f"{said}: restore it from a backup, or delete the config to start again.\n"
    assert result.returncode == app.EXIT_CONFIG
    assert "Traceback" not in result.stderr
    if lost == "data folder":
        assert not data_dir.exists()
    else:
        assert sorted(p.name for p in data_dir.iterdir()) == ["postgresql.log"]
    assert config.exists()  # left for the user to restore the folder, or to delete


def test_prepare_threshold_from_the_config_reaches_every_connection(crm_db, tmp_path, monkeypatch):
    from crm import db as crm_db_module

    config = write_config(tmp_path / "crm.ini", crm_db, monkeypatch=monkeypatch)
    config.path.write_text(
        config.path.read_text().replace("prepare_threshold = 5", "prepare_threshold = none")
    )
    before = crm_db_module.prepare_threshold()
    opened = []
    real_connect = crm_db_module.psycopg.connect

    def spy(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        opened.append(conn.prepare_threshold)
        return conn

    monkeypatch.setattr(crm_db_module.psycopg, "connect", spy)
    try:
        assert app.main([], ScriptedPrompts([CtrlD])) == 0
        assert opened and set(opened) == {None}
    finally:
        crm_db_module.use_prepare_threshold(before)
