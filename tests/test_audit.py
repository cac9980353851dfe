"""The audit trail against the real database: every kind of write leaves one row with the acting
employee and the field diff (never a password hash), rolled-back writes leave none, the
application role cannot tamper with it, and management reads it newest first in the History menu."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
from argon2 import PasswordHasher

from crm.db import Database
from crm.errors import AuthenticationError, NotFound, PermissionDenied, ValidationError
from crm.models import Team
from crm.repositories.events import EventFields
from crm.services import auth, history
from crm.services import clients as client_service
from crm.services import contracts as contract_service
from crm.services import employees as employee_service
from crm.services import events as event_service
from crm.services.clients import ClientFields
from crm.services.employees import EmployeeFields
from crm.ui.history import history_row, history_section
from crm.ui.menu import run_action
from tests.factories import (
    DEFAULT_PASSWORD,
    audit_count,
    make_client,
    make_contract,
    make_employee,
    throttle_row,
)
from tests.scripted import ScriptedPrompts, session_for

NOW = datetime.now(UTC).replace(microsecond=0)
NEW_PASSWORD = "violet tractor on the moon"
NOISE = {"id", "version", "created_at", "updated_at", "password_hash"}


@pytest.fixture
def staff(admin_conn):
    """One active employee of each team (made as superuser: audited as 'system')."""
    return {
        "manager": make_employee(admin_conn, "management", "boss", full_name="Bill Boss"),
        "sales": make_employee(admin_conn, "sales", "sally", full_name="Sally Sales"),
        "support": make_employee(admin_conn, "support", "sam", full_name="Sam Support"),
    }


def audit_rows(admin_conn, table: str, record_id: int) -> list[tuple]:
    """(employee_id, action, changes) of a record's audit rows, oldest first."""
    return admin_conn.execute(
        "SELECT employee_id, action, changes FROM audit_log"
        " WHERE table_name = %s AND record_id = %s ORDER BY id",
        (table, record_id),
    ).fetchall()


def last_row(admin_conn, table: str, record_id: int) -> tuple:
    return audit_rows(admin_conn, table, record_id)[-1]


def event_fields(**changes) -> EventFields:
    start = NOW + timedelta(days=30)
    values = dict(
        name="Spring Gala",
        client_contact="call the front desk",
        starts_at=start,
        ends_at=start + timedelta(hours=5),
        location="Hall A",
        attendees=120,
        notes="",
    )
    values.update(changes)
    return EventFields(**values)


def assert_no_noise(changes: dict) -> None:
    assert not NOISE & set(changes)
    assert "$argon2" not in json.dumps(changes)


# Employees ----------------------------------------------------------------------------------------


def test_employee_insert_records_its_fields_and_only_that_a_password_was_set(db, admin_conn, staff):
    manager = staff["manager"]
    fields = EmployeeFields("kate.h", "Kate Hastroff", "kate@epicevents.test", None, Team.SUPPORT)
    kate = employee_service.create_employee(db, manager, fields, NEW_PASSWORD)
    [(who, action, changes)] = audit_rows(admin_conn, "employees", kate.id)
    assert (who, action) == (manager.id, "insert")
    assert changes == {
        "username": [None, "kate.h"],
        "full_name": [None, "Kate Hastroff"],
        "email": [None, "kate@epicevents.test"],
        "phone": [None, None],
        "team": [None, "support"],
        "is_active": [None, True],
        "language": [None, None],  # the program's language until they choose theirs (sql/0018)
        "password": "set",
    }
    assert_no_noise(changes)


def test_employee_update_records_old_and_new_values_of_changed_fields_only(db, admin_conn, staff):
    manager, sam = staff["manager"], staff["support"]
    fields = EmployeeFields(sam.username, "Samuel Support", "samuel@epicevents.test", sam.phone, sam.team)
    employee_service.update_employee(db, manager, sam.id, sam.version, fields, NOW)
    who, action, changes = last_row(admin_conn, "employees", sam.id)
    assert (who, action) == (manager.id, "update")
    assert changes == {
        "full_name": ["Sam Support", "Samuel Support"],
        "email": [sam.email, "samuel@epicevents.test"],
    }


def test_password_reset_and_change_say_changed_and_never_hold_a_hash(db, admin_conn, staff):
    manager, sam = staff["manager"], staff["support"]
    employee_service.reset_password(db, manager, sam.id, NEW_PASSWORD)
    assert last_row(admin_conn, "employees", sam.id) == (manager.id, "update", {"password": "changed"})
    employee_service.change_own_password(db, sam, NEW_PASSWORD, "another long passphrase", NOW)
    assert last_row(admin_conn, "employees", sam.id) == (sam.id, "update", {"password": "changed"})
    text = admin_conn.execute("SELECT string_agg(changes::text, ' ') FROM audit_log").fetchone()[0]
    stored = admin_conn.execute("SELECT password_hash FROM employees WHERE id = %s", (sam.id,)).fetchone()[0]
    assert "$argon2" not in text and stored not in text


def test_rehash_at_login_is_recorded_as_a_rehash_by_the_employee(db, admin_conn, staff):
    sam = staff["support"]
    weaker = PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1).hash(DEFAULT_PASSWORD)
    admin_conn.execute("UPDATE employees SET password_hash = %s WHERE id = %s", (weaker, sam.id))
    auth.login(db, "sam", DEFAULT_PASSWORD, NOW)
    assert last_row(admin_conn, "employees", sam.id) == (sam.id, "update", {"password": "rehashed"})


def test_deactivation_and_reactivation_are_recorded(db, admin_conn, staff):
    manager, sam = staff["manager"], staff["support"]
    employee_service.deactivate_employee(db, manager, sam.id, NOW)
    assert last_row(admin_conn, "employees", sam.id) == (manager.id, "update", {"is_active": [True, False]})
    employee_service.reactivate_employee(db, manager, sam.id)
    assert last_row(admin_conn, "employees", sam.id) == (manager.id, "update", {"is_active": [False, True]})


def test_failed_logins_and_the_throttle_table_are_not_audited(db, admin_conn, staff):
    before = audit_count(admin_conn)
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            auth.login(db, "sam", "wrong password here", NOW)
    assert throttle_row(admin_conn, "sam", "failures") == (3,)
    assert audit_count(admin_conn) == before
    triggers = admin_conn.execute(
        "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgfoid = 'audit_changes'::regproc ORDER BY 1"
    ).fetchall()
    tables = ["clients", "contracts", "employees", "events", "payments"]
    tables += ["opportunities", "opportunity_lines", "services"]  # sql/0013
    assert [t[0] for t in triggers] == sorted(tables * 2)  # one for inserts, one for updates


def test_writes_made_outside_the_program_are_recorded_as_system(admin_conn, staff):
    [(who, action, _)] = audit_rows(admin_conn, "employees", staff["manager"].id)
    assert (who, action) == (None, "insert")


# Clients, contracts, payments, events -------------------------------------------------------------


def test_client_insert_and_update(db, admin_conn, staff):
    sales = staff["sales"]
    fields = ClientFields("Kevin Casey", "kevin@startup.example", "+678 123 456 78", "Cool Startup LLC")
    client = client_service.create_client(db, sales, fields)
    [(who, action, changes)] = audit_rows(admin_conn, "clients", client.id)
    assert (who, action) == (sales.id, "insert")
    assert changes == {
        "full_name": [None, "Kevin Casey"],
        "email": [None, "kevin@startup.example"],
        "phone": [None, "+678 123 456 78"],
        "company_name": [None, "Cool Startup LLC"],
        "sales_contact_id": [None, sales.id],
    }
    client_service.update_client(
        db,
        sales,
        client.id,
        client.version,
        ClientFields("Kevin Casey", "kevin@startup.example", None, "Cool"),
    )
    assert last_row(admin_conn, "clients", client.id) == (
        sales.id,
        "update",
        {"phone": ["+678 123 456 78", None], "company_name": ["Cool Startup LLC", "Cool"]},
    )


def test_client_reassignment(db, admin_conn, staff):
    manager, sales = staff["manager"], staff["sales"]
    other = make_employee(admin_conn, "sales", "otto")
    client_id = make_client(admin_conn, sales.id)
    client = client_service.get_client(db, client_id)
    client_service.reassign_client(db, manager, client_id, client.version, other.id)
    assert last_row(admin_conn, "clients", client_id) == (
        manager.id,
        "update",
        {"sales_contact_id": [sales.id, other.id]},
    )


def test_contract_insert_update_and_signature(db, admin_conn, staff):
    manager, sales = staff["manager"], staff["sales"]
    client_id = make_client(admin_conn, sales.id)
    contract = contract_service.create_contract(db, manager, client_id, Decimal("1000.00"))
    [(who, action, changes)] = audit_rows(admin_conn, "contracts", contract.id)
    assert (who, action) == (manager.id, "insert")
    assert changes == {
        "client_id": [None, client_id],
        "total_amount": [None, 1000.00],
        "remaining_amount": [None, 1000.00],
        "is_signed": [None, False],
        "signed_at": [None, None],
    }
    contract = contract_service.update_contract(
        db, sales, contract.id, contract.version, Decimal("1200.50"), False
    )
    assert last_row(admin_conn, "contracts", contract.id) == (
        sales.id,
        "update",
        {"total_amount": [1000.00, 1200.50], "remaining_amount": [1000.00, 1200.50]},
    )
    contract_service.update_contract(db, sales, contract.id, contract.version, Decimal("1200.50"), True)
    who, action, changes = last_row(admin_conn, "contracts", contract.id)
    assert (who, action, set(changes)) == (sales.id, "update", {"is_signed", "signed_at"})
    assert changes["is_signed"] == [False, True]
    assert changes["signed_at"][0] is None
    assert datetime.fromisoformat(changes["signed_at"][1]).utcoffset() == timedelta(0)


def test_payment_insert_and_the_remaining_amount_it_lowers(db, admin_conn, staff):
    sales = staff["sales"]
    contract_id = make_contract(admin_conn, make_client(admin_conn, sales.id), "1000.00", signed=True)
    contract_service.record_payment(db, sales, contract_id, Decimal("250.00"))
    payment_id = admin_conn.execute(
        "SELECT id FROM payments WHERE contract_id = %s", (contract_id,)
    ).fetchone()[0]
    [(who, action, changes)] = audit_rows(admin_conn, "payments", payment_id)
    assert (who, action) == (sales.id, "insert")
    assert changes["amount"] == [None, 250.0] and changes["contract_id"] == [None, contract_id]
    assert changes["recorded_by"] == [None, sales.id] and set(changes) == {
        "amount",
        "contract_id",
        "recorded_by",
        "paid_at",
        "corrects_payment_id",  # a payment, not a correction: stays empty
    }
    assert changes["corrects_payment_id"] == [None, None]
    assert last_row(admin_conn, "contracts", contract_id) == (
        sales.id,
        "update",
        {"remaining_amount": [1000.0, 750.0]},
    )


def test_event_insert_update_and_support_assignment(db, admin_conn, staff):
    manager, sales, support = staff["manager"], staff["sales"], staff["support"]
    contract_id = make_contract(admin_conn, make_client(admin_conn, sales.id), signed=True)
    event = event_service.create_event(db, sales, contract_id, event_fields(), NOW)
    [(who, action, changes)] = audit_rows(admin_conn, "events", event.id)
    assert (who, action) == (sales.id, "insert")
    assert changes["name"] == [None, "Spring Gala"] and changes["support_contact_id"] == [None, None]
    assert_no_noise(changes)
    event = event_service.assign_support(db, manager, event.id, event.version, support.id)
    assert last_row(admin_conn, "events", event.id) == (
        manager.id,
        "update",
        {"support_contact_id": [None, support.id]},
    )
    event_service.update_event(
        db, support, event.id, event.version, event_fields(notes="Bring a DJ", attendees=150), NOW
    )
    assert last_row(admin_conn, "events", event.id) == (
        support.id,
        "update",
        {"notes": ["", "Bring a DJ"], "attendees": [120, 150]},
    )


def test_a_save_that_changes_nothing_writes_no_row(db, admin_conn, staff):
    sales = staff["sales"]
    client = client_service.get_client(db, make_client(admin_conn, sales.id))
    before = audit_count(admin_conn)
    fields = ClientFields(client.full_name, client.email, client.phone, client.company_name)
    client_service.update_client(db, sales, client.id, client.version, fields)
    assert client_service.get_client(db, client.id).version == client.version + 1
    assert audit_count(admin_conn) == before


def test_one_statement_writing_many_rows_audits_each_changed_row(db, admin_conn, staff):
    sales = staff["sales"]
    ids = [make_client(admin_conn, sales.id, name=f"Client {number}") for number in range(3)]
    last = admin_conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    with db.transaction(sales.id):
        db.conn.execute(
            "UPDATE clients SET company_name = CASE WHEN id = %s THEN company_name ELSE 'Bulk' END,"
            " version = version + 1"
            " WHERE id = ANY(%s)",
            (ids[0], ids),
        )
        # (one INSERT of three rows: COPY into a table under row-level security is PostgreSQL's to refuse)
        db.conn.execute(
            "INSERT INTO clients (full_name, email, sales_contact_id)"
            " SELECT 'Copied ' || n, 'copied.' || n || '@client.example', %s FROM generate_series(0, 2) AS n",
            (sales.id,),
        )
    rows = admin_conn.execute(
        "SELECT employee_id, action, record_id, changes FROM audit_log"
        " WHERE id > %s ORDER BY action, record_id",
        (last,),
    ).fetchall()
    assert [(who, action) for who, action, _, _ in rows] == [(sales.id, "insert")] * 3 + [
        (sales.id, "update")
    ] * 2
    assert [(record, changes) for _, action, record, changes in rows if action == "update"] == [
        (ids[1], {"company_name": ["Cool Startup LLC", "Bulk"]}),
        (ids[2], {"company_name": ["Cool Startup LLC", "Bulk"]}),
    ]
    assert rows[0][3]["full_name"] == [None, "Copied 0"]


# Rolled back --------------------------------------------------------------------------------------


def test_a_rolled_back_write_leaves_no_audit_row(db, admin_conn, staff):
    sales = staff["sales"]
    client_id = make_client(admin_conn, sales.id)
    before = audit_count(admin_conn)
    with pytest.raises(RuntimeError), db.transaction(sales.id):
        db.conn.execute(
            "UPDATE clients SET full_name = 'Changed', version = version + 1 WHERE id = %s", (client_id,)
        )
        assert audit_count(admin_conn) == before  # not visible to others before commit either
        raise RuntimeError("the rest of the unit of work failed")
    assert audit_count(admin_conn) == before
    assert admin_conn.execute("SELECT full_name FROM clients WHERE id = %s", (client_id,)).fetchone() == (
        "Kevin Casey",
    )


def test_a_refused_service_write_leaves_no_audit_row(db, admin_conn, staff):
    sales = staff["sales"]
    contract_id = make_contract(admin_conn, make_client(admin_conn, sales.id), "1000.00", signed=True)
    before = audit_count(admin_conn)
    with pytest.raises(ValidationError):
        contract_service.record_payment(db, sales, contract_id, Decimal("5000.00"))
    with pytest.raises(ValidationError):
        client_service.create_client(db, sales, ClientFields("A B", "not-an-email", None, ""))
    assert audit_count(admin_conn) == before


# Tamper-proofing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO audit_log (table_name, record_id, action, changes)"
        " VALUES ('clients', 1, 'update', '{\"full_name\": [\"a\", \"b\"]}')",
        "UPDATE audit_log SET employee_id = NULL",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "ALTER TABLE clients DISABLE TRIGGER audit_update",
        "ALTER TABLE clients DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_insert ON employees",
        "DROP TABLE audit_log",
        "CREATE OR REPLACE FUNCTION audit_changes() RETURNS trigger LANGUAGE plpgsql"
        " AS $$ BEGIN RETURN NULL; END $$",
        "SET session_replication_role = replica",
        "SELECT nextval('audit_log_id_seq')",
    ],
)
def test_the_app_role_cannot_tamper_with_the_audit_trail(db, admin_conn, staff, statement):
    client_id = make_client(admin_conn, staff["sales"].id)
    before = admin_conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall()
    with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction(staff["sales"].id):
        db.conn.execute(statement)
    assert admin_conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall() == before
    # and the trail still works
    with db.transaction(staff["sales"].id):
        db.conn.execute(
            "UPDATE clients SET company_name = 'Still audited', version = version + 1 WHERE id = %s",
            (client_id,),
        )
    assert last_row(admin_conn, "clients", client_id)[2] == {
        "company_name": ["Cool Startup LLC", "Still audited"]
    }


def test_the_app_role_may_only_read_the_audit_trail(crm_db, admin_conn):
    privileges = admin_conn.execute(
        "SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES',"
        " 'TRIGGER']) AS p WHERE has_table_privilege(%s, 'audit_log', p)",
        (crm_db.roles.app,),
    ).fetchall()
    assert privileges == [("SELECT",)]
    owner = admin_conn.execute(
        "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'audit_log'"
    ).fetchone()[0]
    assert owner == crm_db.roles.owner
    definer = admin_conn.execute(
        "SELECT prosecdef, pg_get_userbyid(proowner), proconfig FROM pg_proc WHERE proname = 'audit_changes'"
    ).fetchone()
    assert definer[0] is True and definer[1] == crm_db.roles.owner
    assert "search_path=pg_catalog, pg_temp" in definer[2]


# History: service and menu ------------------------------------------------------------------------


def client_with_history(db: Database, admin_conn, staff) -> int:
    """A client made by sales, then renamed twice (three audit rows)."""
    sales = staff["sales"]
    client = client_service.create_client(
        db, sales, ClientFields("Kevin Casey", "kevin@startup.example", None, "Cool Startup LLC")
    )
    for name in ("Kevin Casey Jr", "Kevin C. Casey"):
        fields = ClientFields(name, client.email, client.phone, client.company_name)
        client = client_service.update_client(db, sales, client.id, client.version, fields)
    return client.id


def test_history_is_newest_first_one_line_per_field_with_who(db, admin_conn, staff):
    client_id = client_with_history(db, admin_conn, staff)
    lines = history.record_history(db, staff["manager"], "clients", client_id, 0, 50)
    assert [(line.action, line.field, line.old, line.new) for line in lines[:2]] == [
        ("update", "full_name", "Kevin Casey Jr", "Kevin C. Casey"),
        ("update", "full_name", "Kevin Casey", "Kevin Casey Jr"),
    ]
    assert {line.employee_name for line in lines} == {"Sally Sales"}
    inserted = {line.field: line.new for line in lines[2:]}
    assert inserted["full_name"] == "Kevin Casey"
    assert inserted["sales_contact_id"] == f"{staff['sales'].id} (Sally Sales)"  # ids come with names
    assert [line.at for line in lines] == sorted((line.at for line in lines), reverse=True)
    # pages
    assert history.record_history(db, staff["manager"], "clients", client_id, 1, 1) == lines[1:2]


def test_history_keeps_amounts_exact(db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["sales"].id)
    contract = contract_service.create_contract(db, staff["manager"], client_id, Decimal("1000.10"))
    lines = history.record_history(db, staff["manager"], "contracts", contract.id, 0, 50)
    assert {line.field: line.new for line in lines}["total_amount"] == Decimal("1000.10")


def test_history_of_a_contract_shows_its_payments(db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["sales"].id)
    contract = contract_service.create_contract(db, staff["manager"], client_id, Decimal("1000.00"))
    other = contract_service.create_contract(db, staff["manager"], client_id, Decimal("50.00"))
    contract_service.record_payment(db, staff["sales"], contract.id, Decimal("250.50"))
    contract_service.record_payment(db, staff["manager"], other.id, Decimal("10.00"))
    lines = history.record_history(db, staff["manager"], "contracts", contract.id, 0, 50)
    payment = [line for line in lines if line.source == "payments"]
    assert {line.field: line.new for line in payment}.keys() == {"amount", "paid_at"}
    assert {line.field: line.new for line in payment}["amount"] == Decimal("250.50")
    assert {line.employee_name for line in payment} == {"Sally Sales"}
    assert history_row(payment[0])[2] == f"payment {payment[0].source_id} recorded"


def test_history_of_a_missing_record_is_not_found(db, staff):
    with pytest.raises(NotFound, match="No event with id 99"):
        history.record_history(db, staff["manager"], "events", 99, 0, 10)


@pytest.mark.parametrize("team", ["sales", "support"])
def test_only_management_may_read_history(db, admin_conn, staff, team):
    client_id = client_with_history(db, admin_conn, staff)
    with pytest.raises(PermissionDenied, match="Only management"):
        history.record_history(db, staff[team], "clients", client_id, 0, 10)
    assert history_section().visible_actions(staff[team]) == []


@pytest.mark.usefixtures("menu_variant")
def test_history_menu_shows_a_record_newest_first(db, admin_conn, staff, capsys):
    client_id = client_with_history(db, admin_conn, staff)
    [action] = history_section().visible_actions(staff["manager"])
    prompts = ScriptedPrompts(["Clients", "abc", "9999", str(client_id)])
    run_action(action, session_for(db, staff["manager"], prompts))
    out = capsys.readouterr().out
    assert "No client's name or company contains 'abc'." in out  # not an id: searched (the pickers)
    assert "No client with id 9999." in out
    assert f"History of client {client_id} (newest first)" in out
    rows = out[out.index("History of client") :].splitlines()
    assert rows[1].split() == ["When", "Who", "Action", "Field", "Old", "New"]
    data = rows[3:]
    assert "Kevin Casey Jr" in data[0] and data[0].rstrip().endswith("Kevin C. Casey")
    assert data[1].rstrip().endswith("Kevin Casey Jr") and "updated" in data[1]
    # created: name, e-mail, company, sales contact — not the phone it was created without
    assert all("created" in row for row in data[2:]) and len(data) == 2 + 4
    assert not any("phone" in row for row in data)
    assert all("Sally Sales" in row for row in data)
    assert "full name" in data[0] and "sales contact" in out and f"{staff['sales'].id} (Sally Sales)" in out
    assert prompts.answers == []


@pytest.mark.usefixtures("menu_variant")
def test_history_menu_pages_long_histories(db, admin_conn, staff, capsys):
    sales = staff["sales"]
    client = client_service.get_client(db, make_client(admin_conn, sales.id))
    for number in range(20):
        fields = ClientFields(f"Name {number:02}", client.email, client.phone, client.company_name)
        client = client_service.update_client(db, sales, client.id, client.version, fields)
    [action] = history_section().visible_actions(staff["manager"])
    prompts = ScriptedPrompts(["Clients", str(client.id), "Next page", "Back"])
    run_action(action, session_for(db, staff["manager"], prompts))
    out = capsys.readouterr().out
    assert "page 1" in out and "page 2" in out
    assert out.index("Name 19") < out.index("Name 05") and "Name 04" in out[out.index("page 2") :]


@pytest.mark.usefixtures("menu_variant")
def test_history_menu_for_an_employee_shows_password_changes_without_hashes(db, admin_conn, staff, capsys):
    manager, sam = staff["manager"], staff["support"]
    employee_service.reset_password(db, manager, sam.id, NEW_PASSWORD)
    [action] = history_section().visible_actions(manager)
    run_action(action, session_for(db, manager, ScriptedPrompts(["Employees", str(sam.id)])))
    out = capsys.readouterr().out
    line = next(row for row in out.splitlines() if "password" in row)
    assert "Bill Boss" in line and "updated" in line and "changed" in line
    assert "$argon2" not in out
    system_line = next(row for row in out.splitlines() if "created" in row)
    assert "system" in system_line


@pytest.mark.usefixtures("menu_variant")
def test_history_of_a_new_employee_says_the_password_was_set_then_changed(db, admin_conn, staff, capsys):
    """issue 20.7: the creation's "password set" line was dropped by the history's filter."""
    manager = staff["manager"]
    fields = EmployeeFields("kate.h", "Kate Hastroff", "kate@epicevents.test", None, Team.SUPPORT)
    kate = employee_service.create_employee(db, manager, fields, NEW_PASSWORD)
    employee_service.reset_password(db, manager, kate.id, "another long passphrase")
    lines = history.record_history(db, manager, "employees", kate.id, 0, 50)
    password = [(line.action, line.old, line.new) for line in lines if line.field == "password"]
    assert password == [("update", None, "changed"), ("insert", None, "set")]
    # the creation still leaves out the fields it did not set (no phone)
    assert {line.field for line in lines if line.action == "insert"} == {
        "username",
        "full_name",
        "email",
        "team",
        "is_active",
        "password",
    }
    [action] = history_section().visible_actions(manager)
    run_action(action, session_for(db, manager, ScriptedPrompts(["Employees", str(kate.id)])))
    out = capsys.readouterr().out
    rows = [row.split() for row in out.splitlines() if " password " in f" {row} "]
    assert [row[-4:] for row in rows] == [
        ["updated", "password", "—", "changed"],
        ["created", "password", "—", "set"],
    ]
    stored = admin_conn.execute("SELECT password_hash FROM employees WHERE id = %s", (kate.id,)).fetchone()[0]
    assert stored not in out and "$argon2" not in out
