"""Bootstrap against a real server: roles, privileges, migrations, refusals."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors, sql

from crm import migrations, setup
from crm.db import connect
from crm.errors import SetupError
from tests.conftest import drop_database, fresh_database


def test_bootstrap_records_every_migration_once(crm_db):
    with connect(crm_db.admin_dsn) as conn:
        rows = conn.execute("SELECT filename FROM schema_migrations ORDER BY filename").fetchall()
    assert [r[0] for r in rows] == [p.name for p in migrations.migration_files()]


def test_upgrade_is_idempotent(admin_dsn, crm_db):
    assert setup.upgrade(admin_dsn, crm_db.name) == []
    with connect(crm_db.admin_dsn) as conn:
        count = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0]
    assert count == len(migrations.migration_files())


def test_an_applied_migration_edited_afterwards_is_reported(crm_db, tmp_path):
    for path in migrations.migration_files():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    with connect(crm_db.app_dsn) as conn:
        assert migrations.modified(conn, tmp_path) == []
        edited = tmp_path / migrations.migration_files()[-1].name
        edited.write_text(edited.read_text() + "\n-- edited\n")
        assert migrations.modified(conn, tmp_path) == [edited.name]
        assert migrations.pending(conn, tmp_path) == []


def test_tables_belong_to_the_owner_role_not_the_app_role(crm_db):
    with connect(crm_db.admin_dsn) as conn:
        owners = {r[0] for r in conn.execute("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")}
    assert owners == {crm_db.roles.owner}


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE intruder (id int)",
        "DROP TABLE clients",
        "TRUNCATE employees",
        "ALTER TABLE clients ADD COLUMN x int",
        "DELETE FROM employees",
        "DELETE FROM clients",
        "UPDATE payments SET amount = 0",
        "DELETE FROM schema_migrations",
        "CREATE TEMP TABLE scratch (id int)",
    ],
)
def test_app_role_cannot_change_the_schema_or_delete(crm_db, statement):
    with connect(crm_db.app_dsn) as conn:
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(statement)


def test_app_role_has_no_role_attributes(crm_db):
    with connect(crm_db.admin_dsn) as conn:
        row = conn.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = %s",
            (crm_db.roles.app,),
        ).fetchone()
    assert row == (False, False, False, False)


def test_app_role_cannot_connect_to_another_crm_database(admin_dsn, crm_db):
    other = fresh_database(admin_dsn, "crm_other")
    try:
        params = psycopg.conninfo.conninfo_to_dict(crm_db.app_dsn)
        params["dbname"] = other.name
        with pytest.raises(psycopg.OperationalError, match="permission denied"):
            psycopg.connect(psycopg.conninfo.make_conninfo(**params))
    finally:
        drop_database(admin_dsn, other)


def test_app_password_never_reaches_the_server_in_clear(admin_dsn, crm_db):
    with connect(admin_dsn) as conn:
        stored = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (crm_db.roles.app,)
        ).fetchone()[0]
    assert stored.startswith("SCRAM-SHA-256$")
    assert psycopg.conninfo.conninfo_to_dict(crm_db.app_dsn)["password"] not in stored


def test_existing_crm_database_is_reused_and_its_data_kept(admin_dsn, crm_db):
    with connect(crm_db.admin_dsn) as conn:
        conn.execute(
            "INSERT INTO employees (username, full_name, email, team, password_hash)"
            " VALUES ('keeper', 'Keeper', 'k@x.io', 'management', 'h')"
        )
    assert setup.inspect_database(admin_dsn, crm_db.name) is setup.DatabaseState.CRM
    setup.bootstrap(admin_dsn, crm_db.name, None)
    with connect(crm_db.admin_dsn) as conn:
        assert conn.execute("SELECT username FROM employees").fetchall() == [("keeper",)]
        conn.execute("DELETE FROM employees")


def test_foreign_database_is_refused_and_left_alone(admin_dsn):
    name = "crm_foreign_test"
    with connect(admin_dsn) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with connect(setup.with_dbname(admin_dsn, name)) as conn:
            conn.execute("CREATE TABLE invoices (id int)")
        assert setup.inspect_database(admin_dsn, name) is setup.DatabaseState.FOREIGN
        with pytest.raises(SetupError, match="not this CRM"):
            setup.bootstrap(admin_dsn, name, None)
        with connect(setup.with_dbname(admin_dsn, name)) as conn:
            assert conn.execute("SELECT to_regclass('employees')").fetchone()[0] is None
    finally:
        setup.drop_database(admin_dsn, name)


def test_failed_bootstrap_leaves_no_database_or_roles(admin_dsn, monkeypatch):
    name = "crm_broken_setup"

    def explode(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(setup, "insert_manager", explode)
    manager = setup.NewManager("boss", "Boss", "boss@x.io", "hash")
    with pytest.raises(KeyboardInterrupt):
        setup.bootstrap(admin_dsn, name, manager)
    roles = setup.role_names(name)
    with connect(admin_dsn) as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None
        assert (
            conn.execute(
                "SELECT 1 FROM pg_roles WHERE rolname IN (%s, %s)", (roles.owner, roles.app)
            ).fetchone()
            is None
        )


def test_role_without_createdb_is_refused(admin_dsn):
    role = "crm_test_weak_admin"
    with connect(admin_dsn) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'weak-admin-pw'").format(sql.Identifier(role)))
        # The embedded cluster revokes CONNECT on postgres from PUBLIC: let this role in explicitly.
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE postgres TO {}").format(sql.Identifier(role)))
    try:
        params = psycopg.conninfo.conninfo_to_dict(admin_dsn)
        params.update(user=role, password="weak-admin-pw")
        with pytest.raises(SetupError, match="cannot create databases"):
            setup.inspect_server(psycopg.conninfo.make_conninfo(**params))
    finally:
        with connect(admin_dsn) as conn:
            conn.execute(sql.SQL("REVOKE CONNECT ON DATABASE postgres FROM {}").format(sql.Identifier(role)))
        setup.drop_database(admin_dsn, None, [role])


def test_role_names_fit_postgres_limit():
    roles = setup.role_names("x" * 63)
    assert len(roles.owner.encode()) <= 63 and len(roles.app.encode()) <= 63
    assert roles != setup.role_names("x" * 62 + "y")
