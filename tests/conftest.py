"""Real-PostgreSQL fixtures.

The server is the one named by $CRM_TEST_DSN (a superuser DSN) when set, else an embedded
server this test session starts in a temporary folder. Each test module gets a fresh CRM
database made by the real bootstrap; each test starts from empty tables.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
from argon2 import PasswordHasher
from psycopg import sql

from crm import migrations, security, setup
from crm.db import Database, connect

if TYPE_CHECKING:
    from crm.embedded import EmbeddedServer

# Tests hash with a cheap argon2id profile; production keeps argon2-cffi's defaults.
TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
security.use_hasher(TEST_HASHER)


@pytest.fixture(scope="session")
def admin_dsn() -> Iterator[str]:
    """A superuser conninfo of the PostgreSQL server the tests use."""
    with admin_server() as (dsn, _server):
        yield dsn


@contextmanager
def admin_server(
    prefix: str = "session", embedded: bool = False
) -> Iterator[tuple[str, EmbeddedServer | None]]:
    """(superuser conninfo, None) of $CRM_TEST_DSN, else (or always when embedded) of an embedded
    server started in a new private folder (and the server), stopped and removed afterwards."""
    dsn = None if embedded else os.environ.get("CRM_TEST_DSN")
    if dsn:
        yield dsn, None
        return
    from crm.embedded import EmbeddedServer

    folder = embedded_folder(prefix)
    server = EmbeddedServer(folder / "data")
    server.start(create=True)
    try:
        yield server.conninfo(), server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def embedded_folder(prefix: str) -> Path:
    """A new folder for embedded servers' data (mode 0711), outside pytest's /tmp/pytest-of-<user>.

    An embedded server started as root runs as crm_postgres, which must be able to traverse the
    folders above its data folder; the program never opens them itself, so the tests do: 0711
    lets crm_postgres through but not list it. (pytest's own folder is 0700 and any pytest
    session that starts tightens it back.)
    """
    folder = Path(tempfile.mkdtemp(prefix=f"crm-test-{prefix}-"))
    os.chmod(folder, 0o711)
    return folder


@pytest.fixture
def embedded_tmp() -> Iterator[Path]:
    """A private folder (see embedded_folder) for a test's embedded server; removed afterwards."""
    folder = embedded_folder("data")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class CrmDatabase:
    """A bootstrapped CRM database for one test module."""

    name: str
    admin_dsn: str  # superuser, on this database
    app_dsn: str  # the least-privilege application role, on this database
    roles: setup.Roles


def fresh_database(admin_dsn: str, prefix: str = "crm_test") -> CrmDatabase:
    """Bootstrap a new CRM database (no employees) with a unique name."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    app_password = setup.bootstrap(admin_dsn, name, None)
    roles = setup.role_names(name)
    params = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    params.update(dbname=name, user=roles.app, password=app_password)
    return CrmDatabase(
        name=name,
        admin_dsn=setup.with_dbname(admin_dsn, name),
        app_dsn=psycopg.conninfo.make_conninfo(**params),
        roles=roles,
    )


@contextmanager
def database_before(admin_dsn: str, tmp_path: Path, monkeypatch, migration: str) -> Iterator[CrmDatabase]:
    """A CRM database bootstrapped with the sql/ files before `migration` (e.g. "0008"), so that
    an upgrade applies it and those after it; dropped afterwards."""
    older = tmp_path / f"sql-before-{migration}"
    older.mkdir(parents=True)
    for path in migrations.migration_files():
        if path.name < migration:
            shutil.copy(path, older)
    with monkeypatch.context() as patch:  # only this patch is undone, not the test's others
        patch.setattr(migrations, "SQL_DIR", older)
        crm = fresh_database(admin_dsn, f"crm_before_{migration}")
    try:
        yield crm
    finally:
        drop_database(admin_dsn, crm)


def database_before_fixture(migration: str):
    """A fixture giving database_before(…, migration) to a test, e.g.
    `database_before_0008 = database_before_fixture("0008")` in a test module."""

    @pytest.fixture
    def fixture(admin_dsn, tmp_path, monkeypatch) -> Iterator[CrmDatabase]:
        with database_before(admin_dsn, tmp_path, monkeypatch, migration) as crm:
            yield crm

    return fixture


def drop_database(admin_dsn: str, crm: CrmDatabase) -> None:
    setup.drop_database(admin_dsn, crm.name, [crm.roles.app, crm.roles.owner])


@pytest.fixture(scope="module")
def crm_db(admin_dsn: str) -> Iterator[CrmDatabase]:
    """A fresh CRM database for the test module, dropped afterwards."""
    crm = fresh_database(admin_dsn)
    try:
        yield crm
    finally:
        drop_database(admin_dsn, crm)


# What a database is made with, not data: kept between tests.
KEPT_TABLES = ("schema_migrations", "login_throttle_secret", "opportunity_stages")


def empty_tables(admin_conn: psycopg.Connection) -> None:
    """Empty every table but KEPT_TABLES and restart their used id sequences (as superuser).

    The tables are read from the catalog, so a new migration's tables are emptied too. DELETE
    takes a few milliseconds where TRUNCATE, which gives every table and index a new file, took
    30 to 100; with session_replication_role = replica no trigger fires (foreign keys, audit), so
    the order of the tables does not matter. Everything is transaction-local.
    """
    with admin_conn.transaction():
        admin_conn.execute("SET LOCAL session_replication_role = replica")
        tables = admin_conn.execute(
            "SELECT oid, relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
            " AND relkind IN ('r', 'p') AND relname <> ALL (%s)",
            (list(KEPT_TABLES),),
        ).fetchall()
        with admin_conn.pipeline():  # one round trip for all the DELETEs
            for _oid, table in tables:
                admin_conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
        # What TRUNCATE ... RESTART IDENTITY does, for the sequences used since the last reset
        # (pg_sequence_last_value, behind pg_sequences.last_value, is NULL until then): ids start at 1.
        admin_conn.execute(
            "SELECT setval(s.seqrelid, s.seqstart, false) FROM pg_sequence s"
            " JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid"
            " AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')"
            " WHERE d.refobjid = ANY(%s::oid[]) AND pg_sequence_last_value(s.seqrelid) IS NOT NULL",
            ([oid for oid, _table in tables],),
        )


@pytest.fixture
def admin_conn(crm_db: CrmDatabase) -> Iterator[psycopg.Connection]:
    """A superuser connection to the module's database, tables emptied first."""
    with connect(crm_db.admin_dsn) as conn:
        empty_tables(conn)
        yield conn


@pytest.fixture
def second_db(crm_db: CrmDatabase, db: Database) -> Iterator[Database]:
    """Another application-role connection, as a second employee's program would hold."""
    other = Database(connect(crm_db.app_dsn))
    try:
        yield other
    finally:
        other.close()


@pytest.fixture
def db(crm_db: CrmDatabase, admin_conn: psycopg.Connection) -> Iterator[Database]:
    """The program's view: the application role's connection, on empty tables."""
    database = Database(connect(crm_db.app_dsn))
    try:
        yield database
    finally:
        database.close()


def wait_for_lock_waiters(admin_conn, count: int, done: Callable[[], bool] = lambda: False) -> None:
    """Wait until `count` sessions of this database are blocked on a lock, or until done() is true
    (the work finished without waiting); fail after a while."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not done():
        # pg_stat_activity is a snapshot frozen until the end of a transaction: take a new one.
        admin_conn.execute("SELECT pg_stat_clear_snapshot()")
        waiting = admin_conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()[0]
        if waiting >= count:
            return
        time.sleep(0.01)
    if not done():
        pytest.fail(f"expected {count} session(s) waiting on a lock")


# The menu tests' variants (tests/scripted.py VARIANT): a module runs each of its tests once per
# variant with `pytestmark = pytest.mark.usefixtures("menu_variant")`.
MENU_VARIANTS = ["direct", "accessible"]


@pytest.fixture(params=MENU_VARIANTS)
def menu_variant(request) -> Iterator[str]:
    from tests import scripted

    scripted.VARIANT = request.param
    try:
        yield request.param
    finally:
        scripted.VARIANT = "direct"


# The HTTP API (tests/api.py): the app on the module's database, through httpx. -----------------------


@pytest.fixture(scope="module")
def api_clock():
    """The API's clock (tests/api.py Clock): now, moved on by tests."""
    from tests.api import Clock

    return Clock()


@pytest.fixture(scope="module")
def api_client(crm_db: CrmDatabase, api_clock):
    """httpx (starlette's TestClient) on the API, the module's database behind it."""
    from tests.api import TestClient, make_app

    with TestClient(make_app(crm_db, api_clock), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def api(api_client, api_clock, admin_conn):
    """The API client on empty tables, its clock at now, no request counted by its rate limit."""
    from datetime import timedelta

    api_clock.offset = timedelta(0)
    api_client.app.state.password_limit._hits.clear()
    return api_client
