"""The tests of this folder run through PgBouncer in transaction mode.

A PgBouncer of its own (Debian's /usr/sbin/pgbouncer) listens on a free 127.0.0.1 port in front
of the test server (CRM_TEST_DSN's, or the embedded one through its unix socket), configured like
the README's central-server setup: `pool_mode = transaction`, SCRAM, the application role listed
in an auth_file with the SCRAM verifier PostgreSQL holds for it. `admin_dsn` and every module's
`crm_db` are overridden, so the bootstrap, the tests' own superuser connections and the program's
connections all go through it, with `[database] prepare_threshold = none`. The test modules here
take existing tests of the suite (imported) and run them again this way.

Without pgbouncer the folder is skipped on a developer machine, and fails in CI (CI=1).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from crm import db as crm_db_module
from tests.conftest import CrmDatabase, drop_database, embedded_folder, fresh_database

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
SUPERUSER_SECRET = "pgbouncer-test-superuser"  # the tests' superuser, as PgBouncer's client


def pgbouncer_or_skip() -> str:
    if Path(PGBOUNCER).is_file():
        return PGBOUNCER
    if os.environ.get("CI"):
        pytest.fail(
            f"pgbouncer is not installed ({PGBOUNCER}); .ci/run installs it (apt-get install pgbouncer)"
        )
    pytest.skip("pgbouncer is not installed (apt-get install pgbouncer); CI runs these tests")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PgBouncer:
    """A running pgbouncer: its port, its auth_file, and how to reach a database through it."""

    process: subprocess.Popen
    port: int
    folder: Path
    server_dsn: str  # the real server's superuser conninfo

    @property
    def userlist(self) -> Path:
        return self.folder / "userlist.txt"

    def conninfo(self, dsn: str, **changes: str) -> str:
        """`dsn` through PgBouncer (its user, password and database; no TLS to PgBouncer)."""
        return make_conninfo(dsn, host="127.0.0.1", port=self.port, sslmode="disable", **changes)

    def allow(self, crm: CrmDatabase) -> None:
        """List the database's application role in the auth_file with PostgreSQL's SCRAM verifier
        for it (as the README says), reload PgBouncer, and wait until the role gets in."""
        role = crm.roles.app
        with psycopg.connect(self.server_dsn, autocommit=True) as conn:
            verifier = conn.execute(
                "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (role,)
            ).fetchone()[0]
        with self.userlist.open("a", encoding="utf-8") as handle:
            handle.write(f'"{role}" "{verifier}"\n')
        self.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while True:
            try:
                psycopg.connect(crm.app_dsn, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)


_running: list[PgBouncer] = []


@pytest.fixture(scope="session")
def admin_dsn(admin_dsn: str) -> Iterator[str]:
    """The tests' superuser through PgBouncer, which this starts in front of the test server's
    `admin_dsn` (the one of tests/conftest.py)."""
    with running_pgbouncer(admin_dsn) as bouncer:
        _running.append(bouncer)
        try:
            yield bouncer.conninfo(admin_dsn, password=SUPERUSER_SECRET)
        finally:
            _running.remove(bouncer)


@pytest.fixture(scope="session")
def pgbouncer(admin_dsn: str) -> PgBouncer:
    """The PgBouncer the tests of this folder go through."""
    return _running[-1]


@contextmanager
def running_pgbouncer(admin_dsn: str) -> Iterator[PgBouncer]:
    """Debian's pgbouncer in transaction mode in front of the server of admin_dsn (module doc)."""
    binary = pgbouncer_or_skip()
    server = conninfo_to_dict(admin_dsn)
    host, port = server.get("host") or "127.0.0.1", server.get("port") or "5432"
    folder = embedded_folder("pgbouncer")
    listen = free_port()
    (folder / "userlist.txt").write_text(f'"{server.get("user", "postgres")}" "{SUPERUSER_SECRET}"\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={host} port={port}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {listen}\n"
        "unix_socket_dir =\n"
        "auth_type = scram-sha-256\n"
        f"auth_file = {folder / 'userlist.txt'}\n"
        "pool_mode = transaction\n"
        "max_client_conn = 200\n"
        "default_pool_size = 20\n"
        f"logfile = {folder / 'pgbouncer.log'}\n"
        f"pidfile = {folder / 'pgbouncer.pid'}\n"
    )
    kwargs = {}
    if os.geteuid() == 0:  # pgbouncer refuses to run as root: as the embedded server's user
        from crm.embedded import _ServerUser

        user = _ServerUser()
        for path in (folder, *folder.iterdir()):
            os.chown(path, user.uid, user.gid)
        user.check_reachable(folder, "the PgBouncer test folder")
        kwargs = user.run_kwargs()
    process = subprocess.Popen(
        [binary, "-q", str(folder / "pgbouncer.ini")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        **kwargs,
    )
    bouncer = PgBouncer(process, listen, folder, admin_dsn)
    try:
        _wait_until_listening(bouncer)
        yield bouncer
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_listening(bouncer: PgBouncer) -> None:
    deadline = time.monotonic() + 15
    while True:
        if bouncer.process.poll() is not None:
            log = (bouncer.folder / "pgbouncer.log").read_text(errors="replace")[-2000:]
            pytest.fail(f"pgbouncer exited ({bouncer.process.returncode}):\n{log}")
        try:
            socket.create_connection(("127.0.0.1", bouncer.port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail("pgbouncer did not start listening")
            time.sleep(0.05)


@pytest.fixture(scope="session", autouse=True)
def no_prepared_statements() -> Iterator[None]:
    """[database] prepare_threshold = none, as the README says for PgBouncer < 1.21."""
    before = crm_db_module.prepare_threshold()
    crm_db_module.use_prepare_threshold(None)
    try:
        yield
    finally:
        crm_db_module.use_prepare_threshold(before)


@pytest.fixture(scope="module")
def crm_db(admin_dsn: str, pgbouncer: PgBouncer) -> Iterator[CrmDatabase]:
    """A fresh CRM database made through PgBouncer; its application role logs in through it."""
    crm = fresh_database(admin_dsn, "crm_bouncer")
    pgbouncer.allow(crm)
    try:
        yield crm
    finally:
        drop_database(admin_dsn, crm)
