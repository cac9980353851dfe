"""Start-up paths of `python -m main` (crm.app.main) with an existing config."""

from __future__ import annotations

import os
import shutil

import pytest

from crm import app, migrations
from crm import config as config_file
from crm.config import Config, DatabaseSettings
from tests.factories import DEFAULT_PASSWORD, make_employee
from tests.scripted import CtrlD, ScriptedPrompts


def write_config(tmp_path, monkeypatch, **db) -> Config:
    settings = dict(
        mode="server",
        name="epic",
        user="epic_app",
        password="S3cret-app-pw",
        host="127.0.0.1",
        port=1,
        sslmode="disable",
    )
    settings.update(db)
    config = Config(database=DatabaseSettings(**settings), path=tmp_path / "crm.ini")
    config_file.write(config)
    monkeypatch.setenv("CRM_CONFIG", str(config.path))
    return config


def config_for(crm_db, tmp_path, monkeypatch) -> Config:
    import psycopg

    params = psycopg.conninfo.conninfo_to_dict(crm_db.app_dsn)
    return write_config(
        tmp_path,
        monkeypatch,
        name=params["dbname"],
        user=params["user"],
        password=params["password"],
        host=params.get("host") or "localhost",
        port=int(params.get("port") or 5432),
    )


def test_database_down_exits_2_naming_host_and_port_not_the_password(tmp_path, monkeypatch, capsys):
    write_config(tmp_path, monkeypatch)
    assert app.main([], ScriptedPrompts([])) == 2
    out = capsys.readouterr().out
    assert "127.0.0.1:1" in out and "S3cret-app-pw" not in out
    assert len(out.strip().splitlines()) == 1


def test_wrong_credentials_exit_2(crm_db, tmp_path, monkeypatch, capsys):
    config = config_for(crm_db, tmp_path, monkeypatch)
    write_config(
        tmp_path,
        monkeypatch,
        name=config.database.name,
        user="no_such_role_here",
        host=config.database.host,
        port=config.database.port,
    )
    assert app.main([], ScriptedPrompts([])) == 2
    out = capsys.readouterr().out
    assert "Cannot connect" in out and "S3cret-app-pw" not in out


def test_config_readable_by_others_is_refused(tmp_path, monkeypatch, capsys):
    config = write_config(tmp_path, monkeypatch)
    os.chmod(config.path, 0o640)
    assert app.main([], ScriptedPrompts([])) == 2
    assert "chmod 600" in capsys.readouterr().out


def test_login_logout_and_quit(crm_db, admin_conn, tmp_path, monkeypatch, capsys):
    make_employee(admin_conn, "management", "boss", full_name="Bill Boquet")
    config_for(crm_db, tmp_path, monkeypatch)
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
    config_for(crm_db, tmp_path, monkeypatch)
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

    config_for(crm_db, tmp_path, monkeypatch)
    assert app.main([], ScriptedPrompts([])) == 2
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


def test_prepare_threshold_from_the_config_reaches_every_connection(crm_db, tmp_path, monkeypatch):
    from crm import db as crm_db_module

    config = config_for(crm_db, tmp_path, monkeypatch)
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
