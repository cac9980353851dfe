"""The embedded PostgreSQL server's lifecycle, always on a real embedded server (never CRM_TEST_DSN).

One cluster serves the whole module (a single cold start). Its data folder path is long enough
that the socket must fall back to /tmp, so that path is exercised too. Tests that stop or kill
the server leave it to the next test's start() to bring it back (a restart, not an initdb).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from crm import setup
from crm.db import Database, connect
from crm.embedded import (
    SERVER_USER,
    SHARED_DATABASES,
    SOCKET_PATH_MAX,
    DataFolderMissing,
    EmbeddedError,
    EmbeddedServer,
    _ServerUser,
    binaries_major,
)
from crm.services import clients as service
from tests.conftest import drop_database, fresh_database, wait_for_lock_waiters, with_sessions
from tests.e2e import REPO
from tests.factories import make_client, make_employee

# A program instance in another process: start (or reuse), print the postmaster pid, then wait
# for stdin to close and release.
INSTANCE = """
import sys
from pathlib import Path
from crm.embedded import EmbeddedServer

server = EmbeddedServer(Path(sys.argv[1]))
server.start()  # an existing cluster: never made here
print(server._postmaster_info()[0], flush=True)
sys.stdin.read()
server.release()
"""


BASE_MODE = 0o710  # the module's base folder: the server's user gets through by its group only


@pytest.fixture(scope="module")
def data_dir():
    """A data folder whose run/ socket path would be too long: the socket goes to /tmp.

    Its base folder (outside pytest's /tmp/pytest-of-<user>, which any starting pytest session
    tightens back to 0700) lets the server's user through by group only, BASE_MODE: as root the
    server runs as crm_postgres, and the program must neither need nor add o+x there.
    """
    base = Path(tempfile.mkdtemp(prefix="crm-test-embedded-"))
    if os.geteuid() == 0:
        os.chown(base, 0, _ServerUser().gid)
    os.chmod(base, BASE_MODE)
    path = base / ("d" * max(1, SOCKET_PATH_MAX - len(str(base)) - 20)) / "data"
    assert len(str(path / "run" / ".s.PGSQL.5432")) > SOCKET_PATH_MAX
    first = EmbeddedServer(path)
    first.start(create=True)  # the module's one cold start (initdb + start)
    first.release()  # stops it: every test starts from a server that is stopped
    yield path
    last = EmbeddedServer(path)
    if last.is_running():
        last.stop()
    shutil.rmtree(last.host, ignore_errors=True)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def servers(data_dir: Path):
    """Make EmbeddedServer handles on the module's folder; stop the server after the test."""
    made: list[EmbeddedServer] = []

    def make(**kwargs) -> EmbeddedServer:
        server = EmbeddedServer(data_dir, **kwargs)
        made.append(server)
        return server

    yield make
    for server in made:
        if server._instance_lock is not None:
            os.close(server._instance_lock)
            server._instance_lock = None
    cleanup = EmbeddedServer(data_dir)
    if cleanup.is_running():
        cleanup.stop()


def postmaster_pid(server: EmbeddedServer) -> int:
    info = server._postmaster_info()
    assert info is not None
    return info[0]


def query(server: EmbeddedServer, statement: str, dbname: str = "postgres"):
    with psycopg.connect(server.conninfo(dbname), autocommit=True) as conn:
        return conn.execute(statement).fetchone()


def instance(data_dir: Path) -> tuple[subprocess.Popen, int]:
    """Another program instance using the server; returns it and the postmaster pid it saw."""
    child = subprocess.Popen(
        [sys.executable, "-c", INSTANCE, str(data_dir)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = child.stdout.readline()
    assert line.strip().isdigit(), f"the instance did not start: {line!r}"
    return child, int(line)


def test_cold_started_cluster_answers_queries_on_a_private_socket_only(data_dir, servers):
    server = servers()
    server.start()
    assert query(server, "SELECT current_user, 6 * 7") == ("postgres", 42)
    version = query(server, "SHOW server_version_num")[0]
    assert version.startswith(binaries_major())
    assert query(server, "SHOW listen_addresses") == ("",)
    # the data folder's run/ path would exceed the socket limit: the socket lives in /tmp/crm-pg-…
    assert server.host.startswith("/tmp/crm-pg-")
    assert query(server, "SHOW unix_socket_directories") == (server.host,)
    assert len(f"{server.host}/.s.PGSQL.{server.port}") <= SOCKET_PATH_MAX
    # every folder is private to the OS user running the server (crm_postgres when we are root)
    owner = os.stat(data_dir).st_uid
    assert owner == (pwd.getpwnam(SERVER_USER).pw_uid if os.geteuid() == 0 else os.geteuid())
    for folder in (data_dir, data_dir / "pgdata", Path(server.host)):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        assert folder.stat().st_uid == owner
    # and the folders above it are as they were: nothing opened for others
    assert stat.S_IMODE(data_dir.parent.parent.stat().st_mode) == BASE_MODE
    assert (data_dir / "postgresql.log").stat().st_size > 0
    assert query(server, "SELECT datlocprovider, datlocale FROM pg_database WHERE datname = 'postgres'") == (
        "b",
        "C.UTF-8",
    )
    assert query(server, "SHOW server_encoding") == ("UTF8",)


def test_other_roles_must_give_their_password(servers):
    server = servers()
    server.start()
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS embedded_probe")
        conn.execute("DROP ROLE IF EXISTS embedded_probe")
        conn.execute("CREATE ROLE embedded_probe LOGIN PASSWORD 'the right one'")
        conn.execute("CREATE DATABASE embedded_probe OWNER embedded_probe")
    try:
        probe = server.conninfo("embedded_probe", user="embedded_probe")
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(probe + " password=wrong")
        with psycopg.connect(probe + " password='the right one'") as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("embedded_probe",)
    finally:
        with psycopg.connect(server.conninfo(), autocommit=True) as conn:
            conn.execute("DROP DATABASE embedded_probe")
            conn.execute("DROP ROLE embedded_probe")


def test_the_app_role_reaches_its_crm_database_and_no_other(servers):
    """The cluster's own databases (postgres, template1) take no connection, and so no temporary
    table, from anyone but the superuser — also on a cluster where they did (made before the rule),
    once the server has been started again."""
    server = servers()
    server.start()
    name = "embedded_reach"
    roles = setup.role_names(name)
    setup.drop_database(server.conninfo(), name, [roles.app, roles.owner])
    password = setup.bootstrap(server.conninfo(), name, None)
    app = server.conninfo(name, user=roles.app) + f" password={password}"

    def refused_everywhere_else():
        with psycopg.connect(app, autocommit=True) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (name,)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("CREATE TEMP TABLE scratch (x int)")
        for other in SHARED_DATABASES:
            with pytest.raises(psycopg.OperationalError, match=f'permission denied for database "?{other}'):
                psycopg.connect(server.conninfo(other, user=roles.app) + f" password={password}")

    try:
        refused_everywhere_else()
        with psycopg.connect(server.conninfo(), autocommit=True) as conn:  # as an older cluster had it
            for other in SHARED_DATABASES:
                conn.execute(sql.SQL("GRANT ALL ON DATABASE {} TO PUBLIC").format(sql.Identifier(other)))
        with psycopg.connect(server.conninfo("postgres", user=roles.app) + f" password={password}") as conn:
            conn.execute("CREATE TEMP TABLE scratch (x int)")  # the defect the review found
        server.release()
        assert not server.is_running()
        again = servers()
        again.start()
        refused_everywhere_else()
    finally:
        setup.drop_database(server.conninfo(), name, [roles.app, roles.owner])


def test_a_second_instance_reuses_the_running_server(servers):
    first, second = servers(), servers()
    first.start()
    pid = postmaster_pid(first)
    started_at = query(first, "SELECT pg_postmaster_start_time()")
    second.start()
    assert postmaster_pid(second) == pid
    assert (second.host, second.port) == (first.host, first.port)
    assert query(second, "SELECT pg_postmaster_start_time()") == started_at


def test_the_server_stops_when_the_last_instance_releases_it_and_not_before(servers):
    first, second = servers(), servers()
    first.start()
    second.start()
    first.release()
    assert second.is_running()
    assert query(second, "SELECT 1") == (1,)
    second.release()
    assert not second.is_running()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(second.conninfo(), connect_timeout=2)
    second.release()  # twice is harmless


def test_keep_running_leaves_the_server_up_after_the_last_instance(servers):
    server = servers(keep_running=True)
    server.start()
    pid = postmaster_pid(server)
    server.release()
    assert server.is_running()
    later = servers()
    later.start()  # a later program run reuses it
    assert postmaster_pid(later) == pid
    later.release()  # and, without keep_running, being the last, stops it
    assert not later.is_running()


def test_an_instance_in_another_process_counts_until_it_is_killed(data_dir, servers):
    child, pid = instance(data_dir)
    try:
        ours = servers()
        ours.start()
        assert postmaster_pid(ours) == pid
        ours.release()
        assert ours.is_running(), "the other process still uses the server"
        child.kill()  # kill -9: its lock goes with it
        child.wait()
        again = servers()
        again.start()
        assert postmaster_pid(again) == pid
        again.release()
        assert not again.is_running()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_instances_starting_at_once_share_one_server_and_the_last_stops_it(data_dir, servers):
    assert not servers().is_running()
    children = [
        subprocess.Popen(
            [sys.executable, "-c", INSTANCE, str(data_dir)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        pids = {int(child.stdout.readline()) for child in children}
        assert len(pids) == 1
        for child in children:
            child.stdin.close()
            assert child.wait(timeout=60) == 0
        assert not servers().is_running()
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


def test_start_recovers_after_the_postmaster_was_killed(data_dir, servers):
    server = servers()
    server.start()
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS survivor")
        conn.execute("CREATE TABLE survivor (note text)")
        conn.execute("INSERT INTO survivor VALUES ('still here')")
    pid = postmaster_pid(server)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and server.is_running():
        time.sleep(0.01)
    # what the crash left behind: postmaster.pid and the socket's lock file
    assert (data_dir / "pgdata" / "postmaster.pid").exists()
    assert (Path(server.host) / f".s.PGSQL.{server.port}.lock").exists()
    assert not server.is_running()

    after = servers()
    after.start()
    assert postmaster_pid(after) != pid
    assert query(after, "SELECT note FROM survivor") == ("still here",)
    with psycopg.connect(after.conninfo(), autocommit=True) as conn:
        conn.execute("DROP TABLE survivor")


def test_a_failing_start_is_one_line_naming_the_log(data_dir, servers):
    conf = data_dir / "pgdata" / "postgresql.conf"
    original = conf.read_bytes()
    try:
        with conf.open("a") as handle:
            handle.write("shared_buffers = 'plenty'\n")
        with pytest.raises(EmbeddedError) as caught:
            servers().start()
        message = str(caught.value)
        assert "\n" not in message
        assert "shared_buffers" in message
        assert str(data_dir / "postgresql.log") in message
    finally:
        conf.write_bytes(original)
    server = servers()
    server.start()  # and the folder is fine again afterwards
    assert query(server, "SELECT 1") == (1,)


def test_a_data_folder_of_another_major_version_is_refused(tmp_path):
    pgdata = tmp_path / "data" / "pgdata"
    pgdata.mkdir(parents=True)
    (pgdata / "PG_VERSION").write_text("16\n")
    with pytest.raises(EmbeddedError) as caught:
        EmbeddedServer(tmp_path / "data").start()
    message = str(caught.value)
    assert "PostgreSQL 16" in message and f"PostgreSQL {binaries_major()}" in message
    assert "\n" not in message
    assert sorted(p.name for p in pgdata.iterdir()) == ["PG_VERSION"]  # untouched


def test_a_folder_holding_other_files_is_refused_and_left_alone(tmp_path):
    folder = tmp_path / "documents"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    (folder / "letter.txt").write_text("dear customer")
    with pytest.raises(EmbeddedError, match="not empty and holds no CRM database"):
        EmbeddedServer(folder).start(create=True)  # as the wizard would
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert sorted(p.name for p in folder.iterdir()) == ["letter.txt"]


def test_a_short_data_folder_keeps_its_socket_inside_and_port_names_the_socket(tmp_path):
    server = EmbeddedServer(tmp_path / "data", port=6543)
    assert server.host == str(tmp_path / "data" / "run")
    assert psycopg.conninfo.conninfo_to_dict(server.conninfo("crm", "someone")) == {
        "host": str(tmp_path / "data" / "run"),
        "port": "6543",
        "dbname": "crm",
        "user": "someone",
    }


def test_stop_stops_now_even_with_other_instances(servers):
    first, second = servers(), servers()
    first.start()
    second.start()
    second.stop()
    assert not first.is_running()
    first.release()  # nothing left to do, no error


def test_databases_made_on_the_server_survive_a_restart(servers):
    server = servers()
    server.start()
    name = "embedded_survives"
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    server.release()
    assert not server.is_running()
    again = servers()
    again.start()
    assert query(again, "SELECT current_database()", dbname=name) == (name,)
    with psycopg.connect(again.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))


# The server log keeps no data values (issue 19, item 4) -----------------------------------------

SECRET_EMAIL = "zoe.hidden-4471@client.test"
SECRET_NAME = "Zoe Hiddenname"
OLD_RELEASE_SETTINGS = "listen_addresses = ''\nunix_socket_permissions = 0700\n"


def test_constraint_errors_are_logged_tersely_without_the_values(data_dir, servers):
    """A duplicate e-mail (a race the service's own check cannot see) and a CHECK broken by
    another writer reach postgresql.log as their one-line error, never with the e-mail or name
    (no DETAIL, no failing row, no STATEMENT, no parameters) — on a cluster an older release
    made (its crm_embedded.conf had no log settings) once this release has started it."""
    (data_dir / "pgdata" / "crm_embedded.conf").write_text(OLD_RELEASE_SETTINGS)
    server = servers()
    server.start()
    assert query(server, "SHOW log_error_verbosity") == ("terse",)
    assert query(server, "SHOW log_min_error_statement") == ("panic",)
    assert query(server, "SHOW log_parameter_max_length_on_error") == ("0",)
    assert query(server, "SHOW log_parameter_max_length") == ("0",)
    crm = fresh_database(server.conninfo(), "crm_log")
    log = data_dir / "postgresql.log"
    offset = log.stat().st_size
    try:
        with connect(crm.admin_dsn) as admin:
            sales = make_employee(admin, "sales", "zoe_sales")
        db = with_sessions(Database(connect(crm.app_dsn)))
        other = psycopg.connect(crm.admin_dsn)  # another program's open transaction
        try:
            make_client(other, sales.id, SECRET_NAME, email=SECRET_EMAIL)
            outcome: list[BaseException] = []

            def create() -> None:
                fields = service.ClientFields(SECRET_NAME, SECRET_EMAIL, "+33 1 23 45 67 89", "Hidden SA")
                try:
                    service.create_client(db, sales, fields)
                except BaseException as error:  # noqa: BLE001 — asserted below
                    outcome.append(error)

            worker = threading.Thread(target=create)
            worker.start()
            with connect(crm.admin_dsn) as watcher:
                wait_for_lock_waiters(watcher, 1)  # its INSERT waits on the other's e-mail
            other.commit()
            worker.join(timeout=30)
            assert [str(error) for error in outcome] == [service.EMAIL_TAKEN]

            with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction(sales.id):
                db.conn.execute("SET LOCAL log_error_verbosity = verbose")  # cannot undo it
            with pytest.raises(psycopg.errors.CheckViolation):
                with db.transaction(sales.id):
                    too_long = ("9" * 41, SECRET_EMAIL)
                    db.conn.execute(
                        "UPDATE clients SET phone = %s, version = version + 1 WHERE email = %s", too_long
                    )
        finally:
            other.close()
            db.close()
        deadline = time.monotonic() + 10
        while True:
            written = log.read_bytes()[offset:].decode(errors="replace")
            if "clients_phone_check" in written or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    finally:
        drop_database(server.conninfo(), crm)
    assert 'ERROR:  duplicate key value violates unique constraint "clients_email_key"' in written
    assert 'ERROR:  new row for relation "clients" violates check constraint "clients_phone_check"' in written
    for value in (SECRET_EMAIL, SECRET_EMAIL.split("@")[0], SECRET_NAME, "Hidden SA", "9" * 41):
        assert value.lower() not in written.lower(), value
    assert "DETAIL:" not in written and "STATEMENT:" not in written


# Folders above the data folder are never opened (issue 19, item 5) ------------------------------


def require_root() -> None:
    """These tests are about root installs: skip elsewhere, but never in CI."""
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("CI must run the embedded server's root-install tests as root")
        pytest.skip("needs root: the server then runs as crm_postgres")


def test_a_data_folder_the_server_user_cannot_reach_is_refused_and_no_mode_changes(embedded_tmp):
    require_root()
    closed = embedded_tmp / "closed"
    inner = closed / "inner"
    inner.mkdir(parents=True)
    os.chmod(closed, 0o700)
    os.chmod(inner, 0o750)  # root's group, not crm_postgres's
    with pytest.raises(EmbeddedError) as caught:
        EmbeddedServer(inner / "data").start(create=True)
    message = str(caught.value)
    assert "\n" not in message
    assert f"{SERVER_USER!r} cannot reach the data folder {inner / 'data'}" in message
    assert f"{closed} (mode 0700), {inner} (mode 0750)" in message
    assert f"chmod o+x {closed} {inner}" in message
    assert stat.S_IMODE(closed.stat().st_mode) == 0o700
    assert stat.S_IMODE(inner.stat().st_mode) == 0o750
    assert list(inner.iterdir()) == []  # nothing made


def test_a_cluster_whose_parent_folder_was_closed_since_is_refused_until_it_is_opened(data_dir, servers):
    require_root()
    base = data_dir.parent.parent
    os.chmod(base, 0o700)
    try:
        with pytest.raises(EmbeddedError, match=rf"{base} \(mode 0700\) does not let it through"):
            servers().start()
        assert stat.S_IMODE(base.stat().st_mode) == 0o700
    finally:
        os.chmod(base, BASE_MODE)
    server = servers()
    server.start()
    assert query(server, "SELECT 1") == (1,)


def test_the_binaries_are_checked_the_same_way(embedded_tmp):
    require_root()
    closed = embedded_tmp / "venv"
    closed.mkdir(mode=0o700)
    os.chmod(closed, 0o700)
    blocked = rf"cannot reach the PostgreSQL binaries .*{closed} \(mode 0700\)"
    with pytest.raises(EmbeddedError, match=blocked):
        _ServerUser().check_reachable(closed / "bin" / "postgres", "the PostgreSQL binaries")
    assert stat.S_IMODE(closed.stat().st_mode) == 0o700


# A missing data folder is never replaced by a new cluster (issue 19, item 6) ---------------------

RESTORE = "restore it from a backup, or delete the config to start again."


def test_a_missing_data_folder_is_reported_and_not_made_again(tmp_path):
    gone = tmp_path / "gone" / "data"
    with pytest.raises(DataFolderMissing) as caught:
        EmbeddedServer(gone).start()
    assert str(caught.value) == f"The data folder {gone} is missing: {RESTORE}"
    assert not (tmp_path / "gone").exists()


def test_a_data_folder_whose_cluster_is_gone_is_reported_and_not_reinitialised(data_dir, servers):
    pgdata, away = data_dir / "pgdata", data_dir.parent / "pgdata.moved-away"
    before = sorted(p.name for p in data_dir.iterdir())
    pgdata.rename(away)
    try:
        with pytest.raises(DataFolderMissing) as caught:
            servers().start()
        assert str(caught.value) == (
            f"The data folder {data_dir} has lost its database ({pgdata} is missing): {RESTORE}"
        )
        assert not pgdata.exists() and not (data_dir / "pgdata.init").exists()
        assert sorted(p.name for p in data_dir.iterdir()) == [n for n in before if n != "pgdata"]
    finally:
        away.rename(pgdata)
    server = servers()  # restored from the "backup": the same cluster starts again
    server.start()
    assert query(server, "SELECT 1") == (1,)
