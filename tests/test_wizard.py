"""The setup wizard through its real functions, with scripted answers, on a real server."""

from __future__ import annotations

import secrets
import stat

import psycopg
import pytest

from crm import config as config_file
from crm import setup
from crm.app import Runtime
from crm.db import Database, app_conninfo, connect
from crm.embedded import EmbeddedServer
from crm.services import auth
from crm.ui.wizard import DEFAULT_DBNAME, run_wizard
from tests.scripted import CtrlC, ScriptedPrompts

MANAGER = [
    "boss",
    "Aliénor Vichum",
    "alienor@epicevents.test",
    "a long enough secret",
    "a long enough secret",
]
SUPERUSER_PASSWORD = "superuser-secret-never-stored"


@pytest.fixture
def server(admin_dsn):
    """host, port and user of the test server, as a person would type them."""
    params = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    return params.get("host") or "localhost", str(params.get("port") or 5432), params.get("user", "postgres")


@pytest.fixture
def dbname(admin_dsn):
    name = f"crm_wizard_{secrets.token_hex(3)}"
    yield name
    roles = setup.role_names(name)
    setup.drop_database(admin_dsn, name, [roles.app, roles.owner])


def no_embedded(data_dir):
    raise AssertionError("the embedded server must not start in server mode")


def server_answers(server, dbname, password=SUPERUSER_PASSWORD):
    host, port, user = server
    return ["An existing", host, port, "", user, password, password, dbname]


def test_server_mode_creates_everything_and_writes_a_safe_config(tmp_path, admin_dsn, server, dbname, capsys):
    path = tmp_path / "crm.ini"
    prompts = ScriptedPrompts(server_answers(server, dbname) + MANAGER)
    config = run_wizard(prompts, path, no_embedded)

    assert config is not None and path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert SUPERUSER_PASSWORD not in text and "superuser" not in text.split("[database]")[1].split("[")[0]
    loaded = config_file.load(path)
    assert loaded.database.user == setup.role_names(dbname).app
    with connect(setup.with_dbname(admin_dsn, dbname)) as conn:
        row = conn.execute("SELECT username, full_name, team, password_hash FROM employees").fetchone()
    assert row[:3] == ("boss", "Aliénor Vichum", "management")
    assert row[3].startswith("$argon2id$")
    assert "Configuration written" in capsys.readouterr().out


def test_unreachable_server_says_so_and_lets_the_user_try_again(tmp_path, server, dbname, capsys):
    host, port, user = server
    answers = ["An existing", "127.0.0.1", "1", "", user, "pw", "pw", "Try again"]
    answers += server_answers(server, dbname)[1:] + MANAGER
    config = run_wizard(ScriptedPrompts(answers), tmp_path / "crm.ini", no_embedded)
    out = capsys.readouterr().out
    assert "Cannot connect to the database at 127.0.0.1:1" in out
    assert config is not None


def test_cancel_after_a_connection_failure_writes_nothing(tmp_path, server, capsys):
    host, port, user = server
    answers = ["An existing", "127.0.0.1", "1", "", user, "pw", "pw", "Cancel setup"]
    assert run_wizard(ScriptedPrompts(answers), tmp_path / "crm.ini", no_embedded) is None
    assert not (tmp_path / "crm.ini").exists()
    assert "no configuration was written" in capsys.readouterr().out


def test_superuser_passwords_that_differ_are_asked_again(tmp_path, server, dbname, capsys):
    host, port, user = server
    answers = ["An existing", host, port, "", user, "one", "two", "same", "same", dbname] + MANAGER
    assert run_wizard(ScriptedPrompts(answers), tmp_path / "crm.ini", no_embedded) is not None
    assert "The two passwords differ" in capsys.readouterr().out


def test_invalid_and_foreign_database_names_are_refused(tmp_path, admin_dsn, server, dbname, capsys):
    foreign = f"crm_foreign_{secrets.token_hex(3)}"
    with connect(admin_dsn) as conn:
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(foreign)))
    try:
        with connect(setup.with_dbname(admin_dsn, foreign)) as conn:
            conn.execute("CREATE TABLE invoices (id int)")
        answers = server_answers(server, "bad-name; DROP")[:-1]
        answers += ["bad-name; DROP", "x" * 64, foreign, dbname] + MANAGER
        assert run_wizard(ScriptedPrompts(answers), tmp_path / "crm.ini", no_embedded) is not None
        out = capsys.readouterr().out
        assert "only letters, digits and _" in out
        assert "at most 63 bytes" in out
        assert "not this CRM's" in out
        with connect(setup.with_dbname(admin_dsn, foreign)) as conn:
            assert conn.execute("SELECT to_regclass('employees')").fetchone()[0] is None
    finally:
        setup.drop_database(admin_dsn, foreign)


def test_weak_manager_password_is_explained_and_asked_again(tmp_path, server, dbname, capsys):
    manager = MANAGER[:3] + [
        "short",
        "boss-is-the-boss-forever",
        "a long enough secret",
        "a long enough secret",
    ]
    assert (
        run_wizard(
            ScriptedPrompts(server_answers(server, dbname) + manager), tmp_path / "crm.ini", no_embedded
        )
        is not None
    )
    out = capsys.readouterr().out
    assert "at least 12 characters" in out
    assert "cannot contain the username" in out


def test_ctrl_c_in_the_wizard_leaves_no_config_and_no_database(tmp_path, admin_dsn, server, dbname):
    answers = server_answers(server, dbname) + MANAGER[:3] + [CtrlC]
    assert run_wizard(ScriptedPrompts(answers), tmp_path / "crm.ini", no_embedded) is None
    assert not (tmp_path / "crm.ini").exists()
    assert setup.inspect_database(admin_dsn, dbname) is setup.DatabaseState.ABSENT


def test_rerun_on_an_existing_crm_database_keeps_its_employees(tmp_path, admin_dsn, server, dbname, capsys):
    first = tmp_path / "one.ini"
    assert run_wizard(ScriptedPrompts(server_answers(server, dbname) + MANAGER), first, no_embedded)
    second = tmp_path / "two.ini"
    config = run_wizard(ScriptedPrompts(server_answers(server, dbname) + [True]), second, no_embedded)
    assert config is not None
    assert "already holds this CRM" in capsys.readouterr().out
    with connect(setup.with_dbname(admin_dsn, dbname)) as conn:
        assert conn.execute("SELECT count(*) FROM employees").fetchone()[0] == 1
    # the new config's application password works
    loaded = config_file.load(second)
    params = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    params.update(dbname=dbname, user=loaded.database.user, password=loaded.database.password)
    with psycopg.connect(psycopg.conninfo.make_conninfo(**params)) as conn:
        assert conn.execute("SELECT count(*) FROM employees").fetchone()[0] == 1


def test_embedded_mode_starts_a_private_server_and_writes_a_safe_config(tmp_path, embedded_tmp, capsys):
    path, data_dir = tmp_path / "crm.ini", embedded_tmp / "data"
    occupied = embedded_tmp / "documents"  # a folder the server refuses: asked again
    occupied.mkdir()
    (occupied / "letter.txt").write_text("dear customer")
    runtime = Runtime()
    try:
        prompts = ScriptedPrompts(["Embedded", str(occupied), "Try again", str(data_dir), None] + MANAGER)
        config = run_wizard(prompts, path, runtime.create_embedded)
        assert config is not None
        out = capsys.readouterr().out
        assert f"The data folder {occupied} is not empty and holds no CRM database" in out
        assert "Configuration written" in out
        assert prompts.messages.count("Data folder:") == 2
        assert sorted(p.name for p in occupied.iterdir()) == ["letter.txt"]

        # the config: 0600, embedded, the application role's password and no other
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        loaded = config_file.load(path)
        assert loaded.embedded and loaded.data_dir == data_dir
        assert loaded.database.name == DEFAULT_DBNAME
        assert loaded.database.user == setup.role_names(DEFAULT_DBNAME).app
        password_lines = [line for line in path.read_text().splitlines() if line.startswith("password")]
        assert password_lines == [f"password = {loaded.database.password}"]

        # the data folder is private and holds the server and its socket
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
        assert runtime.server.host == str(data_dir / "run")

        # the database, its owner role (no login) and the least-privilege application role
        roles = setup.role_names(DEFAULT_DBNAME)
        with connect(runtime.server.conninfo()) as conn:
            owner = conn.execute(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (DEFAULT_DBNAME,)
            ).fetchone()
            found = conn.execute(
                "SELECT rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles"
                " WHERE rolname IN (%s, %s) ORDER BY rolname",
                (roles.app, roles.owner),
            ).fetchall()
        assert owner == (roles.owner,)
        assert found == [(roles.app, True, False, False, False), (roles.owner, False, False, False, False)]

        # the manager logs in through the program's own connection
        db = Database(connect(app_conninfo(loaded, runtime.server.host)))
        try:
            employee = auth.login(db, "BOSS", MANAGER[3])
        finally:
            db.close()
        assert (employee.username, employee.team, employee.full_name) == ("boss", "management", MANAGER[1])
    finally:
        runtime.close()
    assert not runtime.server.is_running()  # the last (only) instance stopped it


def test_a_wrong_superuser_password_is_refused_and_leaves_nothing_behind(tmp_path, embedded_tmp, capsys):
    # A superuser with a password on an embedded server, whose socket asks every role but
    # `postgres` for its password (the machine's own server trusts everyone on 127.0.0.1).
    server = EmbeddedServer(embedded_tmp / "pg")
    server.start(create=True)
    try:
        right, wrong = "the-right-superuser-password", "not-the-password-at-all"
        with connect(server.conninfo()) as conn:
            conn.execute(f"CREATE ROLE wizard_admin SUPERUSER LOGIN PASSWORD '{right}'")
        name = f"crm_wizard_{secrets.token_hex(3)}"
        typed = ["An existing", server.host, str(server.port), "", "wizard_admin"]

        # wrong password, then give up: nothing written, nothing created
        answers = typed + [wrong, wrong, "Cancel setup"]
        assert run_wizard(ScriptedPrompts(answers), tmp_path / "one.ini", no_embedded) is None
        out = capsys.readouterr().out
        assert 'password authentication failed for user "wizard_admin"' in out
        assert wrong not in out
        assert not (tmp_path / "one.ini").exists()
        assert setup.inspect_database(server.conninfo(), name) is setup.DatabaseState.ABSENT

        # wrong password, try again with the right one: set up, and the password is not stored
        answers = typed + [wrong, wrong, "Try again"] + typed[1:] + [right, right, name] + MANAGER
        config = run_wizard(ScriptedPrompts(answers), tmp_path / "two.ini", no_embedded)
        assert config is not None
        assert "password authentication failed" in capsys.readouterr().out
        text = (tmp_path / "two.ini").read_text()
        assert right not in text and wrong not in text and "wizard_admin" not in text
        assert setup.inspect_database(server.conninfo(), name) is setup.DatabaseState.CRM
    finally:
        server.stop()


def test_try_again_after_a_failed_connection_keeps_what_was_typed(tmp_path, server, dbname, capsys):
    """issue 20.4: host, port, CA file and superuser name typed before the failure are the
    defaults of the next try (Enter keeps them); the password is asked again."""
    host, port, user = server
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\nnot a real one\n-----END CERTIFICATE-----\n")
    answers = ["An existing", "127.0.0.1", "1", str(ca), "someone", "pw", "pw", "Try again"]
    answers += [None, None, None, None, "pw", "pw", "Try again"]  # Enter keeps each typed value
    answers += [host, port, "", user, SUPERUSER_PASSWORD, SUPERUSER_PASSWORD, dbname, *MANAGER]
    prompts = ScriptedPrompts(answers)
    assert run_wizard(prompts, tmp_path / "crm.ini", no_embedded) is not None
    assert prompts.defaults["PostgreSQL host:"] == ["localhost", "127.0.0.1", "127.0.0.1"]
    assert prompts.defaults["Port:"] == ["5432", "1", "1"]
    assert prompts.defaults["CA certificate file of the server (Enter for none):"] == ["", str(ca), str(ca)]
    assert prompts.defaults["Superuser name:"] == ["postgres", "someone", "someone"]
    out = capsys.readouterr().out
    assert out.count("Cannot connect to the database at 127.0.0.1:1") == 2
    assert config_file.load(tmp_path / "crm.ini").database.sslrootcert == ""
