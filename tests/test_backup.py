"""`python -m main --backup FILE` and `--restore FILE` (crm.app.main with scripted answers), on
the test server and the embedded one: a round trip gives back every row of every table — the
audit trail and the payments included — under new roles with a new application password, and
the restored program logs the same employees in. Bad input says so in one line, exits non-zero,
and leaves nothing behind."""

from __future__ import annotations

import io
import os
import stat
import threading
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from crm import app, demo, migrations, setup
from crm import config as config_file
from crm.app import Runtime
from crm.db import Database, connect
from crm.services import auth, clients, contracts
from crm.ui.backup import size_text
from tests.configs import write_config
from tests.conftest import (
    CrmDatabase,
    database_before,
    drop_database,
    embedded_folder,
    fresh_database,
    with_sessions,
)
from tests.factories import DEFAULT_PASSWORD, make_employee
from tests.scripted import ScriptedPrompts

SECRET = "superuser-password-typed-once"


@dataclass(frozen=True)
class Source:
    crm: CrmDatabase
    config: Path  # a server-mode crm.ini for it
    accounts: list[demo.DemoAccount]


def server_answers(admin_dsn: str) -> list[str]:
    """How a person answers the wizard's server questions for the test server (no CA file)."""
    params = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    host, port = params.get("host") or "localhost", str(params.get("port") or 5432)
    return ["An existing", host, port, "", params.get("user", "postgres"), SECRET, SECRET]


def superuser(admin_dsn: str) -> str:
    return psycopg.conninfo.conninfo_to_dict(admin_dsn).get("user", "postgres")


def snapshot(admin_dsn: str, dbname: str) -> dict[str, list]:
    """Every row of every table (ordered), and every sequence's position."""
    with connect(setup.with_dbname(admin_dsn, dbname)) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        found = {
            table: conn.execute(
                sql.SQL("SELECT * FROM {} ORDER BY 1").format(sql.Identifier(table))
            ).fetchall()
            for table in sorted(tables)
        }
        for (seq,) in conn.execute("SELECT relname FROM pg_class WHERE relkind = 'S' ORDER BY 1").fetchall():
            found[seq] = conn.execute(
                sql.SQL("SELECT last_value, is_called FROM {}").format(sql.Identifier(seq))
            ).fetchall()
    return found


def fill(crm: CrmDatabase) -> list[demo.DemoAccount]:
    """Demo data, and what the program adds to it: an update and a payment correction made by
    employees (audited with their ids), a failed login, text that COPY must escape."""
    db = with_sessions(Database(connect(crm.app_dsn)))
    try:
        result = demo.load(db, 12, seed=3, progress_stream=None)
        with connect(crm.admin_dsn) as admin:
            make_employee(admin, "management", "boss")
            sales_id, client_id = admin.execute(
                "SELECT sales_contact_id, id FROM clients ORDER BY id LIMIT 1"
            ).fetchone()
            admin.execute(
                "UPDATE events SET notes = %s WHERE id = (SELECT min(id) FROM events)",
                ("tab\there, back\\slash, «quotes» '; DROP TABLE events; -- 東京",),
            )
            payment_id = admin.execute("SELECT min(id) FROM payments").fetchone()[0]
        sales = (
            auth.login(db, next(a for a in result.accounts if a.team == "sales").username, "x" * 12)
            if False
            else None
        )
        del sales
        seller = db.conn.execute("SELECT username FROM employees WHERE id = %s", (sales_id,)).fetchone()[0]
        account = next(a for a in result.accounts if a.username == seller)
        actor = auth.login(db, seller, account.password)
        client = clients.get_client(db, client_id)
        fields = clients.ClientFields("Zoé Lefèvre-Ōtsuka", client.email, client.phone, client.company_name)
        clients.update_client(db, actor, client_id, client.version, fields)
        contracts.correct_payment(db, auth.login(db, "boss", DEFAULT_PASSWORD), payment_id)
        with pytest.raises(auth.AuthenticationError):
            auth.login(db, seller, "not the password at all")
    finally:
        db.close()
    return result.accounts


@pytest.fixture(scope="module")
def source(admin_dsn, tmp_path_factory) -> Iterator[Source]:
    crm = fresh_database(admin_dsn, "crm_source")
    try:
        accounts = fill(crm)
        folder = tmp_path_factory.mktemp("source")
        yield Source(crm, write_config(folder / "crm.ini", crm).path, accounts)
    finally:
        drop_database(admin_dsn, crm)


def main(monkeypatch, config: Path, argv: list[str], answers: list) -> int:
    monkeypatch.setenv("CRM_CONFIG", str(config))
    prompts = ScriptedPrompts(answers)
    status = app.main(argv, prompts)
    assert prompts.answers == [], "not every answer was asked for"
    return status


@pytest.fixture(scope="module")
def backup_run(source, admin_dsn, tmp_path_factory) -> tuple[Path, str]:
    """`--backup` of the source database, made with umask 0 while a watcher looks at every file
    that appears in the folder: none is ever readable by group or others."""
    folder = tmp_path_factory.mktemp("backups")
    target = folder / "crm.dump"
    seen: dict[str, int] = {}
    done = threading.Event()

    def watch():
        while not done.is_set():
            for entry in os.scandir(folder):
                try:
                    seen[entry.name] = seen.get(entry.name, 0) | stat.S_IMODE(entry.stat().st_mode)
                except FileNotFoundError:
                    pass

    watcher = threading.Thread(target=watch, daemon=True)
    old_umask = os.umask(0)
    watcher.start()
    out = io.StringIO()
    try:
        with pytest.MonkeyPatch.context() as patch, redirect_stdout(out):
            status = main(patch, source.config, ["--backup", str(target)], [superuser(admin_dsn), SECRET])
    finally:
        done.set()
        watcher.join()
        os.umask(old_umask)
    assert status == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert seen and all(mode & 0o077 == 0 for mode in seen.values()), seen
    assert sorted(p.name for p in folder.iterdir()) == ["crm.dump"], "no partial file left"
    return target, out.getvalue()


@pytest.fixture(scope="module")
def backup_file(backup_run) -> Path:
    return backup_run[0]


def test_backup_shows_its_progress_and_size_and_how_to_restore_it(backup_run):
    from crm import backup

    target, out = backup_run
    lines = out.strip().splitlines()
    assert lines[0] == f"Backing up database {backup.inspect_archive(target).dbname!r} to {target}…"
    assert any(line.startswith("  ") and "written so far" in line for line in lines)
    size = size_text(target.stat().st_size)
    tables = len(backup.inspect_archive(target).tables)  # every table of the CRM, counted from the file
    assert tables >= 9
    assert lines[-2] == f"Backup written: {target} ({size}, {tables} tables, mode 0600)."
    assert lines[-1] == f"Restore it with: python -m main --restore {target}"
    assert SECRET not in out
    archive = backup.inspect_archive(target)
    assert archive.migrations == tuple(p.name for p in migrations.migration_files())
    assert {"employees", "clients", "contracts", "payments", "events", "audit_log"} <= set(archive.tables)


def test_round_trip_into_a_new_server_database(source, backup_file, admin_dsn, tmp_path, monkeypatch, capsys):
    name = source.crm.name + "_moved"
    ini = tmp_path / "crm.ini"
    try:
        status = main(monkeypatch, ini, ["--restore", str(backup_file)], server_answers(admin_dsn) + [name])
        out = capsys.readouterr().out
        assert status == 0, out
        assert f"a backup of database {source.crm.name!r}" in out and "payments… " in out
        assert SECRET not in out and SECRET not in ini.read_text()
        assert_same_crm(admin_dsn, source, name, ini)
    finally:
        roles = setup.role_names(name)
        setup.drop_database(admin_dsn, name, [roles.app, roles.owner])


def test_round_trip_into_an_embedded_server(source, backup_file, admin_dsn, tmp_path, monkeypatch):
    folder = embedded_folder("restore")
    ini = tmp_path / "crm.ini"
    try:
        answers = ["Embedded", str(folder / "data"), "epic_events"]
        assert main(monkeypatch, ini, ["--restore", str(backup_file)], answers) == 0
        config = config_file.load(ini)
        assert config.embedded and config.data_dir == folder / "data"
        runtime = Runtime()
        try:
            superuser_dsn = runtime.start_embedded(config.data_dir)
            assert_same_crm(superuser_dsn, source, "epic_events", ini, source_admin=admin_dsn)
        finally:
            runtime.server.stop()
    finally:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def assert_same_crm(admin_dsn, source: Source, name: str, ini: Path, source_admin: str | None = None) -> None:
    """The restored database holds exactly the source's rows; the roles are its own, with a new
    password; the restored program logs the employees in with their passwords."""
    before = snapshot(source_admin or admin_dsn, source.crm.name)
    after = snapshot(admin_dsn, name)
    assert before.keys() == after.keys()
    for table in before:
        assert after[table] == before[table], f"{table} differs"
    assert len(after["audit_log"]) > 100 and len(after["payments"]) > 10

    config = config_file.load(ini)
    assert config.database.name == name and config.database.user == setup.role_names(name).app
    assert config.database.password != config_file.load(source.config).database.password
    runtime = Runtime()
    try:
        db = runtime.open(config)
        for account in source.accounts[:3]:
            assert auth.login(db, account.username, account.password).username == account.username
        assert auth.login(db, "boss", DEFAULT_PASSWORD).team == "management"
        assert clients.search_clients(db, "lefevre", 0, 5)[0].full_name == "Zoé Lefèvre-Ōtsuka"
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.conn.execute("DELETE FROM audit_log")
    finally:
        runtime.close()
    with connect(setup.with_dbname(admin_dsn, name)) as conn:
        assert conn.execute("SELECT count(*) FROM payments WHERE amount < 0").fetchone()[0] == 1  # correction
        owner = conn.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'clients'").fetchone()[0]
        triggers_off = conn.execute("SELECT count(*) FROM pg_trigger WHERE tgenabled = 'D'").fetchone()[0]
    assert owner == setup.role_names(name).owner and triggers_off == 0


def test_an_older_backup_is_restored_then_upgraded(admin_dsn, tmp_path, monkeypatch, capsys):
    name = f"crm_upgraded_{os.getpid()}"
    with database_before(admin_dsn, tmp_path, monkeypatch, "0008") as older:
        with connect(older.admin_dsn) as conn:
            sales = make_employee(conn, "sales", "bill")
            conn.execute(
                "INSERT INTO clients (full_name, email, sales_contact_id)"
                " VALUES ('Amélie Lefèvre', 'a@b.example', %s)",
                (sales.id,),
            )
        config = write_config(tmp_path / "old.ini", older).path
        dump = tmp_path / "old.dump"
        assert main(monkeypatch, config, ["--backup", str(dump)], [superuser(admin_dsn), SECRET]) == 0
    ini = tmp_path / "crm.ini"
    try:
        assert main(monkeypatch, ini, ["--restore", str(dump)], server_answers(admin_dsn) + [name]) == 0
        assert "schema up to sql/0007_history.sql" in capsys.readouterr().out
        runtime = Runtime()
        try:
            db = runtime.open(config_file.load(ini))
            assert migrations.pending(db.conn) == []
            assert [c.full_name for c in clients.search_clients(db, "lefevre", 0, 5)] == ["Amélie Lefèvre"]
        finally:
            runtime.close()
    finally:
        roles = setup.role_names(name)
        setup.drop_database(admin_dsn, name, [roles.app, roles.owner])


# -- bad input ---------------------------------------------------------------------------------


def left_behind(admin_dsn, name: str) -> list[str]:
    """The database `name` and its roles, where they exist (other test runs share the server:
    only these names are ours to look at)."""
    roles = setup.role_names(name)
    with connect(admin_dsn) as conn:
        found = conn.execute("SELECT datname FROM pg_database WHERE datname = %s", (name,)).fetchall()
        found += conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", ([roles.owner, roles.app],)
        ).fetchall()
    return [row[0] for row in found]


def refused_restore(monkeypatch, capsys, file: Path, answers: list, ini: Path) -> str:
    status = main(monkeypatch, ini, ["--restore", str(file)], answers)
    lines = capsys.readouterr().out.strip().splitlines()
    assert status == 1 and not ini.exists()
    return lines[-1]


def test_restoring_a_missing_file_or_not_a_backup_says_so_in_one_line(
    tmp_path, monkeypatch, capsys, admin_dsn
):
    ini = tmp_path / "crm.ini"
    missing = tmp_path / "nothing.dump"
    assert refused_restore(monkeypatch, capsys, missing, [], ini) == f"No backup file {missing}."
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"PGDMP but not really" + os.urandom(200))
    line = refused_restore(monkeypatch, capsys, junk, [], ini)
    assert line.startswith(f"{junk} is not a backup pg_restore can read (")


def test_a_pg_dump_of_another_database_is_not_a_crm_backup(tmp_path, monkeypatch, capsys, admin_dsn):
    from crm import backup

    other = tmp_path / "postgres.dump"
    program = backup.pg_program("pg_dump")
    with backup._libpq_target(admin_dsn, "postgres") as (target, env):
        import subprocess

        subprocess.run([str(program), "-Fc", "-f", str(other), "-d", target], env=env, check=True)
    line = refused_restore(monkeypatch, capsys, other, [], tmp_path / "crm.ini")
    assert line == f"{other} is a pg_dump archive, but not a backup of this CRM."


def test_restoring_into_a_database_that_exists_is_refused_and_it_is_left_alone(
    source, backup_file, admin_dsn, tmp_path, monkeypatch, capsys
):
    before = snapshot(admin_dsn, source.crm.name)
    answers = server_answers(admin_dsn) + [source.crm.name]
    line = refused_restore(monkeypatch, capsys, backup_file, answers, tmp_path / "crm.ini")
    assert line.startswith(f"Database {source.crm.name!r} already exists at ")
    assert line.endswith("a backup is restored into a new database; choose another name.")
    assert snapshot(admin_dsn, source.crm.name) == before


def test_a_cut_backup_is_refused_and_leaves_no_database_roles_or_config(
    backup_file, admin_dsn, tmp_path, monkeypatch, capsys
):
    cut = tmp_path / "cut.dump"
    data = backup_file.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    name = f"crm_cut_{os.getpid()}"
    monkeypatch.setenv("CRM_CONFIG", str(tmp_path / "crm.ini"))
    answers = server_answers(admin_dsn) + [name]
    assert app.main(["--restore", str(cut)], ScriptedPrompts(answers)) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith(f"{cut} is not a backup pg_restore can read (")
    assert left_behind(admin_dsn, name) == [] and not (tmp_path / "crm.ini").exists()


def test_rows_that_do_not_fit_this_crm_are_refused_and_what_was_made_is_dropped(
    admin_dsn, tmp_path, monkeypatch, capsys
):
    """A backup whose clients table has a column this CRM lacks: found while copying (after the
    bootstrap made the database and its roles), which are then dropped again."""
    odd = fresh_database(admin_dsn, "crm_odd")
    try:
        with connect(odd.admin_dsn) as conn:
            conn.execute("ALTER TABLE clients ADD COLUMN shoe_size int")
        dump = tmp_path / "odd.dump"
        config = write_config(tmp_path / "odd.ini", odd).path
        assert main(monkeypatch, config, ["--backup", str(dump)], [superuser(admin_dsn), SECRET]) == 0
    finally:
        drop_database(admin_dsn, odd)
    name = f"crm_odd_restored_{os.getpid()}"
    answers = server_answers(admin_dsn) + [name]
    line = refused_restore(monkeypatch, capsys, dump, answers, tmp_path / "crm.ini")
    assert line == "The backup's clients has a column this CRM does not have (shoe_size)."
    assert left_behind(admin_dsn, name) == []


@pytest.fixture
def password_server(embedded_tmp) -> Iterator[tuple[str, str]]:
    """An embedded server whose superuser `crm_admin` has a password (its socket asks for it)."""
    from crm.embedded import EmbeddedServer

    server = EmbeddedServer(embedded_tmp / "pg")
    server.start(create=True)
    try:
        with connect(server.conninfo()) as conn:
            verifier = conn.pgconn.encrypt_password(b"the-right-one", b"crm_admin", b"scram-sha-256").decode()
            conn.execute(
                sql.SQL("CREATE ROLE crm_admin SUPERUSER LOGIN PASSWORD {}").format(sql.Literal(verifier))
            )
        yield server.host, str(server.port)
    finally:
        server.stop()


def test_a_wrong_superuser_password_is_one_line_and_nothing_is_made(
    password_server, backup_file, source, tmp_path, monkeypatch, capsys
):
    host, port = password_server
    answers = ["An existing", host, port, "", "crm_admin", "wrong", "wrong"]
    line = refused_restore(monkeypatch, capsys, backup_file, answers, tmp_path / "crm.ini")
    assert line.endswith('password authentication failed for user "crm_admin"')

    # --backup of a server-mode config on that server, with a wrong password: one line, no file
    config = config_file.Config(
        database=config_file.DatabaseSettings(
            mode="server", name="epic_events", user="x", password="y", host=host, port=int(port)
        ),
        path=tmp_path / "server.ini",
    )
    config_file.write(config)
    target = tmp_path / "b.dump"
    assert main(monkeypatch, config.path, ["--backup", str(target)], ["crm_admin", "wrong"]) == 1
    assert (
        capsys.readouterr()
        .out.strip()
        .splitlines()[-1]
        .endswith('password authentication failed for user "crm_admin"')
    )
    assert list(tmp_path.glob("*.dump")) == [] and list(tmp_path.glob(".b.dump*")) == []


def test_backup_never_overwrites_a_file(source, tmp_path, monkeypatch, capsys):
    target = tmp_path / "taken.dump"
    target.write_text("keep me")
    assert main(monkeypatch, source.config, ["--backup", str(target)], []) == 1
    assert capsys.readouterr().out.strip() == (
        f"{target} already exists: a backup never overwrites a file; choose another name."
    )
    assert target.read_text() == "keep me"


def test_restore_beside_an_existing_config_asks_and_keeps_the_old_one(
    source, backup_file, admin_dsn, tmp_path, monkeypatch, capsys
):
    ini = tmp_path / "crm.ini"
    ini.write_bytes(source.config.read_bytes())
    os.chmod(ini, 0o600)
    assert main(monkeypatch, ini, ["--restore", str(backup_file)], [False]) == 1
    assert ini.read_bytes() == source.config.read_bytes() and not (tmp_path / "crm.ini.old").exists()

    name = source.crm.name + "_beside"
    try:
        answers = [True, *server_answers(admin_dsn), name]
        assert main(monkeypatch, ini, ["--restore", str(backup_file)], answers) == 0
        assert (tmp_path / "crm.ini.old").read_bytes() == source.config.read_bytes()
        assert config_file.load(ini).database.name == name
        assert stat.S_IMODE((tmp_path / "crm.ini.old").stat().st_mode) == 0o600
    finally:
        roles_ = setup.role_names(name)
        setup.drop_database(admin_dsn, name, [roles_.app, roles_.owner])


def test_moving_from_the_embedded_server_to_a_central_one_is_two_commands(
    admin_dsn, embedded_tmp, tmp_path, monkeypatch, capsys
):
    """The README's move: `--backup` on the embedded install (its superuser, no question), then
    `--restore` into the central server (PostgreSQL 18 to the test server's 15 with CRM_TEST_DSN)."""
    from crm.embedded import EmbeddedServer

    server = EmbeddedServer(embedded_tmp / "data")
    server.start(create=True)
    try:
        password = setup.bootstrap(server.conninfo(), "epic_events", None)
        app_dsn = psycopg.conninfo.make_conninfo(
            server.conninfo(dbname="epic_events"), user=setup.role_names("epic_events").app, password=password
        )
        fill(
            CrmDatabase(
                "epic_events", server.conninfo(dbname="epic_events"), app_dsn, setup.role_names("epic_events")
            )
        )
        embedded_ini = tmp_path / "embedded" / "crm.ini"
        settings = config_file.DatabaseSettings(
            mode="embedded", name="epic_events", user=setup.role_names("epic_events").app, password=password
        )
        config_file.write(
            config_file.Config(database=settings, data_dir=embedded_tmp / "data", path=embedded_ini)
        )
        dump = tmp_path / "move.dump"
        assert main(monkeypatch, embedded_ini, ["--backup", str(dump)], []) == 0
        before = snapshot(server.conninfo(), "epic_events")
    finally:
        server.stop()

    name = f"crm_moved_{os.getpid()}"
    central_ini = tmp_path / "central" / "crm.ini"
    central_ini.parent.mkdir()
    try:
        assert (
            main(monkeypatch, central_ini, ["--restore", str(dump)], server_answers(admin_dsn) + [name]) == 0
        )
        assert snapshot(admin_dsn, name) == before
        runtime = Runtime()
        try:
            db = runtime.open(config_file.load(central_ini))
            assert auth.login(db, "boss", DEFAULT_PASSWORD).team == "management"
        finally:
            runtime.close()
    finally:
        roles_ = setup.role_names(name)
        setup.drop_database(admin_dsn, name, [roles_.app, roles_.owner])
