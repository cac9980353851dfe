"""Managed PostgreSQL (RDS, Cloud SQL, Azure…) gives no superuser, only a role with CREATEDB and
CREATEROLE: the wizard's bootstrap and `--upgrade` work with such a role (on the test server:
PostgreSQL 15 through CRM_TEST_DSN, the embedded 18 otherwise)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from crm import config as config_file
from crm import migrations, setup
from crm.app import Runtime
from crm.db import connect
from crm.errors import CRMError
from crm.services import auth
from crm.ui.upgrade import run_upgrade
from crm.ui.wizard import run_wizard
from tests.scripted import ScriptedPrompts
from tests.test_wizard import MANAGER

PASSWORD = "managed-admin-password"


@pytest.fixture
def managed_admin(admin_dsn) -> Iterator[str]:
    """A role like a managed service's admin: LOGIN CREATEDB CREATEROLE, not a superuser."""
    name = f"crm_managed_{secrets.token_hex(3)}"
    with connect(admin_dsn) as conn:
        verifier = conn.pgconn.encrypt_password(PASSWORD.encode(), name.encode(), b"scram-sha-256").decode()
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(verifier)
            )
        )
        # the embedded server keeps `postgres` to its superuser; a managed service lets its admin in
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE postgres TO {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with connect(admin_dsn) as conn:
            conn.execute(sql.SQL("REVOKE CONNECT ON DATABASE postgres FROM {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def test_wizard_and_upgrade_work_as_a_createdb_createrole_role(
    admin_dsn, managed_admin, tmp_path, monkeypatch, capsys
):
    params = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    host, port = params.get("host") or "localhost", str(params.get("port") or 5432)
    name = f"crm_managed_{secrets.token_hex(3)}"
    roles = setup.role_names(name)
    older = tmp_path / "sql-before-0008"
    older.mkdir()
    for path in migrations.migration_files():
        if path.name < "0008":
            (older / path.name).write_bytes(path.read_bytes())
    try:
        with monkeypatch.context() as patch:  # an install made by an older release
            patch.setattr(migrations, "SQL_DIR", older)
            answers = ["An existing", host, port, "", managed_admin, PASSWORD, PASSWORD, name, *MANAGER]
            assert run_wizard(ScriptedPrompts(answers), tmp_path / "crm.ini", start_embedded=None)
        config = config_file.load(tmp_path / "crm.ini")

        with pytest.raises(CRMError, match="needs schema upgrades"):
            Runtime().open(config)
        assert run_upgrade(ScriptedPrompts([managed_admin, PASSWORD]), config) == 0
        assert "Applied: 0008_search.sql" in capsys.readouterr().out

        runtime = Runtime()
        db = runtime.open(config)
        try:
            assert auth.login(db, "boss", MANAGER[3]).team == "management"
            assert migrations.pending(db.conn) == []
        finally:
            runtime.close()
        with connect(admin_dsn) as conn:
            owner, is_super = conn.execute(
                "SELECT pg_get_userbyid(d.datdba), r.rolsuper FROM pg_database d, pg_roles r"
                " WHERE d.datname = %s AND r.rolname = %s",
                (name, managed_admin),
            ).fetchone()
        assert owner == roles.owner and is_super is False
    finally:
        setup.drop_database(admin_dsn, name, [roles.app, roles.owner])
