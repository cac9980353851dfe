"""sql/schema.sql: what the migrations make, kept current, and never applied as a migration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crm import migrations
from crm.db import connect
from tests import schema
from tests.conftest import CrmDatabase, admin_server, drop_database, fresh_database


@pytest.fixture(scope="module")
def admin_dsn() -> Iterator[str]:
    """An embedded server of the wheel whose pg_dump writes the file (tests/schema.py): the
    dump differs between server versions, so the file is always made and checked on this one."""
    with admin_server("schema", embedded=True) as (dsn, _server):
        yield dsn


@pytest.fixture(scope="module")
def crm_db(admin_dsn: str) -> Iterator[CrmDatabase]:
    crm = fresh_database(admin_dsn, "crm_schema")
    try:
        yield crm
    finally:
        drop_database(admin_dsn, crm)


def test_the_committed_schema_file_is_what_the_migrations_make(admin_dsn, crm_db):
    message = schema.mismatch(schema.generate(admin_dsn, crm_db.name), schema.committed_text())
    if message:
        pytest.fail(message, pytrace=False)


def test_a_schema_change_the_file_lacks_is_reported_with_the_command_that_regenerates_it(admin_dsn, crm_db):
    with connect(crm_db.admin_dsn) as conn:
        conn.execute("COMMENT ON TABLE clients IS 'changed behind the migrations'")
    try:
        message = schema.mismatch(schema.generate(admin_dsn, crm_db.name), schema.committed_text())
    finally:
        with connect(crm_db.admin_dsn) as conn:
            conn.execute("COMMENT ON TABLE clients IS NULL")
    assert message.startswith(f"sql/schema.sql is not what the migrations make: run `{schema.REGENERATE}`")
    assert "+COMMENT ON TABLE public.clients IS 'changed behind the migrations';" in message


def test_the_schema_file_is_not_a_migration(crm_db):
    names = [p.name for p in migrations.migration_files()]
    assert schema.SCHEMA_FILE.is_file()
    assert schema.SCHEMA_FILE.name not in names
    # Every other .sql file of sql/ is a migration: schema.sql is the only one they skip.
    others = {p.name for p in migrations.SQL_DIR.glob("*.sql")} - set(names)
    assert others == {"schema.sql"}
    with connect(crm_db.admin_dsn) as conn:
        assert "schema.sql" not in migrations.applied(conn)
        assert migrations.pending(conn) == []


def test_the_dump_names_the_placeholder_database_and_roles_and_nothing_of_the_run(admin_dsn, crm_db):
    text = schema.generate(admin_dsn, crm_db.name)
    lines = text.splitlines()
    assert crm_db.name not in text
    assert "GRANT CONNECT ON DATABASE epic_events TO epic_events_app;" in lines
    assert "ALTER TABLE public.clients OWNER TO epic_events_owner;" in lines
    assert "GRANT UPDATE(full_name) ON TABLE public.clients TO epic_events_app;" in lines
    assert [
        line for line in lines if line.startswith(("SET ", "SELECT pg_catalog.set_config", "\\restrict"))
    ] == []
    assert not any(line.startswith("-- Dumped ") for line in lines)
    assert f"--     {schema.REGENERATE}" in lines
    assert "\n\n\n\n" not in text


def test_normalise_drops_what_the_server_adds_and_keeps_what_a_migration_set():
    raw = "\n".join(
        [
            "\\restrict AbC123",
            "-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)",
            "SET statement_timeout = 0;",
            "SELECT pg_catalog.set_config('search_path', '', false);",
            "CREATE DATABASE shop WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = libc"
            " LOCALE = 'C';",
            "ALTER TABLE ONLY public.t ALTER COLUMN a SET (pg_attver=264302960);",
            "ALTER TABLE ONLY public.t ALTER COLUMN b SET (n_distinct=5, pg_attver=7);",
            "GRANT SELECT ON TABLE public.t TO shop_app;",
            "ALTER TABLE public.t OWNER TO shop_owner;",
            "COMMENT ON TABLE public.t IS 'shopping';",
            "\\unrestrict AbC123",
        ]
    )
    body = schema.normalise(raw, "shop").removeprefix(schema.HEADER).strip().splitlines()
    assert body == [
        "CREATE DATABASE epic_events WITH TEMPLATE = template0 ENCODING = 'UTF8';",
        "ALTER TABLE ONLY public.t ALTER COLUMN b SET (n_distinct=5);",
        "GRANT SELECT ON TABLE public.t TO epic_events_app;",
        "ALTER TABLE public.t OWNER TO epic_events_owner;",
        "COMMENT ON TABLE public.t IS 'shopping';",
    ]
