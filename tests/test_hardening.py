"""What the application role may change, column by column (crm/setup.py APP_UPDATE_COLUMNS), on
the real database: the review found it could rewrite a contract's client, an event's contract or
any created_at."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from crm import setup
from crm.db import connect
from tests.factories import make_client, make_contract, make_employee, make_event


def updatable_columns(admin_conn, role: str) -> dict[str, set[str]]:
    """Every column of the public tables the role may UPDATE, by table."""
    rows = admin_conn.execute(
        "SELECT c.relname, a.attname FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
        " WHERE n.nspname = 'public' AND c.relkind = 'r'"
        " AND has_column_privilege(%s, c.oid, a.attnum, 'UPDATE')",
        (role,),
    ).fetchall()
    found: dict[str, set[str]] = {}
    for table, column in rows:
        found.setdefault(table, set()).add(column)
    return found


def test_the_app_role_may_update_exactly_the_columns_the_program_updates(crm_db, admin_conn):
    expected = {table: set(columns) for table, columns in setup.APP_UPDATE_COLUMNS.items()}
    assert updatable_columns(admin_conn, crm_db.roles.app) == expected
    table_wide = admin_conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind = 'r' AND has_table_privilege(%s, c.oid, 'UPDATE')",
        (crm_db.roles.app,),
    ).fetchall()
    assert table_wide == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE contracts SET client_id = %(other_client)s",
        "UPDATE events SET contract_id = %(other_contract)s",
        "UPDATE clients SET created_at = now() - interval '1 year'",
        "UPDATE contracts SET created_at = now()",
        "UPDATE events SET created_at = now()",
        "UPDATE employees SET created_at = now()",
        "UPDATE payments SET amount = amount",
        "UPDATE payments SET contract_id = %(other_contract)s",
        "UPDATE audit_log SET employee_id = NULL",
        "UPDATE login_throttle SET username = 'someone.else'",
    ],
)
def test_the_app_role_cannot_rewrite_links_ids_or_creation_dates(db, admin_conn, statement):
    sales = make_employee(admin_conn, "sales", "bill")
    support = make_employee(admin_conn, "support", "kate")
    client = make_client(admin_conn, sales.id)
    other_client = make_client(admin_conn, sales.id, "Other Client")
    contract = make_contract(admin_conn, client, total="100.00", remaining="40.00", signed=True)
    other_contract = make_contract(admin_conn, other_client, signed=True)
    make_event(admin_conn, contract, support_id=support.id)
    admin_conn.execute("INSERT INTO login_throttle (username, failures) VALUES ('bill', 1)")
    tables = ("employees", "clients", "contracts", "payments", "events", "login_throttle", "audit_log")

    def everything():
        return [
            admin_conn.execute(sql.SQL("SELECT * FROM {} ORDER BY 1").format(sql.Identifier(t))).fetchall()
            for t in tables
        ]

    before = everything()
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with db.transaction(sales.id):
            db.conn.execute(statement, {"other_client": other_client, "other_contract": other_contract})
    assert everything() == before


def test_an_upgrade_takes_back_a_table_wide_update(crm_db, admin_dsn):
    """A database set up before column grants has table-wide UPDATE: the next start-up's upgrade
    (which re-applies the grants) leaves only the columns."""
    with connect(crm_db.admin_dsn) as conn:
        for table in ("employees", "clients", "contracts", "events", "payments"):
            conn.execute(
                sql.SQL("GRANT UPDATE ON TABLE {} TO {}").format(
                    sql.Identifier(table), sql.Identifier(crm_db.roles.app)
                )
            )
        assert "client_id" in updatable_columns(conn, crm_db.roles.app)["contracts"]
    setup.upgrade(admin_dsn, crm_db.name)
    with connect(crm_db.admin_dsn) as conn:
        assert updatable_columns(conn, crm_db.roles.app) == {
            table: set(columns) for table, columns in setup.APP_UPDATE_COLUMNS.items()
        }
