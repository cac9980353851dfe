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
import time
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from crm import setup
from crm.embedded import (
    SERVER_USER,
    SHARED_DATABASES,
    SOCKET_PATH_MAX,
    EmbeddedError,
    EmbeddedServer,
    binaries_major,
)
from tests.e2e import REPO

# A program instance in another process: start (or reuse), print the postmaster pid, then wait
# for stdin to close and release.
INSTANCE = """
import sys
from pathlib import Path
from crm.embedded import EmbeddedServer

server = EmbeddedServer(Path(sys.argv[1]))
server.start()
print(server._postmaster_info()[0], flush=True)
sys.stdin.read()
server.release()
"""


@pytest.fixture(scope="module")
def data_dir():
    """A data folder whose run/ socket path would be too long: the socket goes to /tmp.

    (Outside pytest's /tmp/pytest-of-<user>, which any starting pytest session tightens back to
    0700 — as root, the server runs as crm_postgres and must keep reaching its folder.)
    """
    base = Path(tempfile.mkdtemp(prefix="crm-test-embedded-"))
    path = base / ("d" * max(1, SOCKET_PATH_MAX - len(str(base)) - 20)) / "data"
    assert len(str(path / "run" / ".s.PGSQL.5432")) > SOCKET_PATH_MAX
    first = EmbeddedServer(path)
    first.start()  # the module's one cold start (initdb + start)
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
        EmbeddedServer(folder).start()
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
