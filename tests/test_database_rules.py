"""What the database itself refuses, whoever writes, on the real database: what the application
role may change column by column (crm/setup.py APP_UPDATE_COLUMNS), and the rules of
sql/0006_hardening.sql — event dates within readable years, active sales / support checked under
lock (and on a client's insert), and the repair of rows written before those rules."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg import sql

from crm import migrations, setup
from crm.db import connect
from crm.errors import ValidationError
from crm.repositories.events import EventFields
from crm.services import events as event_service
from tests.conftest import database_before_fixture, wait_for_lock_waiters
from tests.factories import make_client, make_contract, make_employee, make_event

NEW_YORK = ZoneInfo("America/New_York")


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
        "UPDATE login_throttle SET throttle_key = 'employee:1'",
        "UPDATE login_throttle SET failures = 0",
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
    admin_conn.execute(
        "INSERT INTO login_throttle (throttle_key, failures) VALUES (%s, 1)", (f"employee:{sales.id}",)
    )
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


# Event dates -----------------------------------------------------------------------------------------


def test_the_database_refuses_an_event_date_it_could_not_give_back(db, admin_conn):
    """'9999-12-31 23:59' in New York is year 10000 in UTC: stored, it broke every read of events."""
    sales = make_employee(admin_conn, "sales", "bill")
    contract = make_contract(admin_conn, make_client(admin_conn, sales.id), signed=True)
    far = datetime(9999, 12, 31, 23, 59, tzinfo=NEW_YORK)
    for start, end in ((far - timedelta(hours=1), far), (datetime(1899, 12, 31, tzinfo=UTC),) * 2):
        with pytest.raises(psycopg.errors.CheckViolation) as raw:
            with db.transaction(sales.id):
                db.conn.execute(
                    "INSERT INTO events (name, contract_id, starts_at, ends_at) VALUES ('Far', %s, %s, %s)",
                    (contract, start, end),
                )
        assert raw.value.diag.constraint_name == "events_dates_in_range"
    assert admin_conn.execute("SELECT count(*) FROM events").fetchone() == (0,)
    # the latest moment the program accepts (2999-12-31 23:59 anywhere) fits
    latest = datetime(2999, 12, 31, 23, 59, tzinfo=ZoneInfo("Etc/GMT+12"))
    make_event(admin_conn, contract)
    with db.transaction(make_employee(admin_conn, "management", "boss").id):  # events: management's
        db.conn.execute(
            "UPDATE events SET starts_at = %s, ends_at = %s, version = version + 1", (latest, latest)
        )
    assert [e.ends_at for e in event_service.list_events(db, 0, 10)] == [latest]


def test_an_event_date_past_the_supported_years_is_refused_by_the_service(db, admin_conn):
    sales = make_employee(admin_conn, "sales", "bill")
    contract = make_contract(admin_conn, make_client(admin_conn, sales.id), signed=True)
    start = datetime(9999, 12, 31, 23, 59, tzinfo=NEW_YORK)
    fields = EventFields("Far gala", "", start - timedelta(hours=1), start, "", 0, "")
    with pytest.raises(ValidationError, match="^Event dates must fall between the years 1900 and 3000.$"):
        event_service.create_event(db, sales, contract, fields, datetime.now(UTC))
    assert admin_conn.execute("SELECT count(*) FROM events").fetchone() == (0,)
    assert event_service.list_events(db, 0, 10) == []  # reading still works


# Active sales / support ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["support", "management", "inactive sales"])
def test_a_client_is_inserted_only_with_an_active_sales_contact(db, admin_conn, who):
    team = who.split()[-1]
    owner = make_employee(admin_conn, team, "owner", active=not who.startswith("inactive"))
    # An inactive employee acts no more (sql/0017): a manager names them.
    actor = owner if owner.is_active else make_employee(admin_conn, "management", "boss")
    with pytest.raises(psycopg.errors.CheckViolation) as raw:
        with db.transaction(actor.id):
            db.conn.execute(
                "INSERT INTO clients (full_name, email, sales_contact_id) VALUES ('A', 'a@b.io', %s)",
                (owner.id,),
            )
    assert raw.value.diag.constraint_name == "clients_sales_is_active_sales"
    assert admin_conn.execute("SELECT count(*) FROM clients").fetchone() == (0,)


def assert_refused_during_a_deactivation(admin_conn, db, second_db, employee_id, assignment, params, rule):
    """second_db deactivates the employee and holds its transaction open while db runs the
    assignment in a thread; once that thread waits on the lock (or has finished), the deactivation
    commits. The assignment must have been refused by the CHECK `rule`; the deactivation kept."""
    outcome: list = []
    boss = make_employee(admin_conn, "management", "boss")  # both are a manager's (sql/0017)

    def assign():
        try:
            with db.transaction(boss.id):
                db.conn.execute(assignment, params)
            outcome.append(None)
        except psycopg.Error as error:
            outcome.append(error)

    db.token_provider(boss.id)  # the sessions opened before the race
    with second_db.transaction(boss.id):
        second_db.conn.execute("SELECT employee_set_active(%s, false)", (employee_id,))
        thread = threading.Thread(target=assign)
        thread.start()
        wait_for_lock_waiters(admin_conn, 1, done=lambda: bool(outcome))
    thread.join(timeout=30)
    assert not thread.is_alive()
    [error] = outcome
    assert isinstance(error, psycopg.errors.CheckViolation)
    assert error.diag.constraint_name == rule
    query = "SELECT is_active FROM employees WHERE id = %s"
    assert admin_conn.execute(query, (employee_id,)).fetchone() == (False,)


def test_a_client_cannot_go_to_a_sales_employee_being_deactivated(db, second_db, admin_conn):
    bill, sam = make_employee(admin_conn, "sales", "bill"), make_employee(admin_conn, "sales", "sam")
    client_id = make_client(admin_conn, bill.id)
    assignment = "UPDATE clients SET sales_contact_id = %s, version = version + 1 WHERE id = %s"
    rule = "clients_sales_is_active_sales"
    assert_refused_during_a_deactivation(
        admin_conn, db, second_db, sam.id, assignment, (sam.id, client_id), rule
    )
    assert admin_conn.execute("SELECT sales_contact_id FROM clients").fetchone() == (bill.id,)


def test_an_event_cannot_go_to_a_support_employee_being_deactivated(db, second_db, admin_conn):
    sales, kate = make_employee(admin_conn, "sales", "bill"), make_employee(admin_conn, "support", "kate")
    event_id = make_event(
        admin_conn, make_contract(admin_conn, make_client(admin_conn, sales.id), signed=True)
    )
    assignment = "UPDATE events SET support_contact_id = %s, version = version + 1 WHERE id = %s"
    rule = "events_support_is_active_support"
    assert_refused_during_a_deactivation(
        admin_conn, db, second_db, kate.id, assignment, (kate.id, event_id), rule
    )
    assert admin_conn.execute("SELECT support_contact_id FROM events").fetchone() == (None,)


# Rows written before the rules --------------------------------------------------------------------------


database_before_0006 = database_before_fixture("0006")  # a CRM database whose upgrade applies 0006


def test_the_upgrade_repairs_rows_the_new_rules_would_refuse(database_before_0006, admin_dsn):
    crm = database_before_0006
    with connect(crm.admin_dsn) as conn:
        assert "0006_hardening.sql" not in migrations.applied(conn)
        sales = make_employee(conn, "sales", "bill")
        client = make_client(conn, sales.id)
        pay = "INSERT INTO payments (contract_id, amount, recorded_by) VALUES (%s, %s, %s)"

        def contract(total, remaining, paid):
            contract_id = conn.execute(
                "INSERT INTO contracts (client_id, total_amount, remaining_amount, is_signed, signed_at)"
                " VALUES (%s, %s, %s, true, now()) RETURNING id",
                (client, Decimal(total), Decimal(remaining)),
            ).fetchone()[0]
            if paid:
                conn.execute(pay, (contract_id, Decimal(paid), sales.id))
            return contract_id

        reset = contract("1000", "1000", "800")  # remaining set back after a payment
        lowered = contract("500", "0", "800")  # total lowered below what was paid
        fine = contract("1000", "250", "750")
        far = make_event(conn, reset)
        conn.execute(
            "UPDATE events SET starts_at = '9999-12-31 22:00-05', ends_at = '9999-12-31 23:59-05'"
            " WHERE id = %s",
            (far,),
        )
        last_audit = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    assert setup.upgrade(admin_dsn, crm.name)[0] == "0006_hardening.sql"
    with connect(crm.admin_dsn) as conn:
        amounts = dict(
            (row[0], row[1:])
            for row in conn.execute("SELECT id, total_amount, remaining_amount, version FROM contracts")
        )
        assert amounts[reset] == (Decimal("1000.00"), Decimal("200.00"), 2)
        assert amounts[lowered] == (Decimal("800.00"), Decimal("0.00"), 2)
        assert amounts[fine] == (Decimal("1000.00"), Decimal("250.00"), 1)
        limit = datetime(3000, 12, 31, 23, 59, tzinfo=UTC)
        assert conn.execute("SELECT starts_at, ends_at FROM events").fetchone() == (limit, limit)
        # each repair is in the audit trail, with no acting employee
        repaired = conn.execute(
            "SELECT table_name, record_id, employee_id FROM audit_log WHERE id > %s"
            " ORDER BY table_name, record_id",
            (last_audit,),
        ).fetchall()
        assert repaired == [("contracts", reset, None), ("contracts", lowered, None), ("events", far, None)]
