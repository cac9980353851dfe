"""Handing over someone's work (issue 15 §6) through the service: all of a sales employee's
clients, or a support employee's events that have not ended, to another active employee of the
same team in one transaction, audited per record, refused whole when anything changed meanwhile
(no lost update), optionally with the deactivation in the same transaction."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from psycopg import sql

from crm.errors import PermissionDenied, StaleRecord, ValidationError
from crm.models import ClientFields
from crm.services import clients as client_service
from crm.services import employees as service
from tests.conftest import wait_for_lock_waiters
from tests.factories import make_client, make_contract, make_employee, make_event, make_staff


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "sam", "kate", "alienor")


def owners(admin_conn, table: str) -> list[tuple]:
    column = "sales_contact_id" if table == "clients" else "support_contact_id"
    query = sql.SQL("SELECT id, {}, version FROM {} ORDER BY id")
    return admin_conn.execute(query.format(sql.Identifier(column), sql.Identifier(table))).fetchall()


def everything(admin_conn) -> list:
    return [
        admin_conn.execute(sql.SQL("SELECT * FROM {} ORDER BY id").format(sql.Identifier(t))).fetchall()
        for t in ("clients", "events", "employees", "audit_log")
    ]


def test_all_clients_go_to_another_sales_employee_in_one_step(db, admin_conn, staff):
    bill, sam, manager = staff["bill"], staff["sam"], staff["manager"]
    mine = [make_client(admin_conn, bill.id, f"Client {n}") for n in range(3)]
    theirs = make_client(admin_conn, sam.id, "Sam's")
    contract = make_contract(admin_conn, mine[0])
    before_audit = admin_conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    plan = service.hand_over_plan(db, manager, bill.id, now())
    assert [c[0] for c in plan.clients] == mine and plan.events == ()
    moved = service.hand_over(db, manager, bill.id, sam.id, now(), seen=plan)
    assert moved.count == 3
    assert owners(admin_conn, "clients") == [(i, sam.id, 2) for i in mine] + [(theirs, sam.id, 1)]
    # Their contracts follow (read through the client); one audit row per record, by the manager.
    assert client_service.get_client(db, mine[0]).sales_contact_name == "Sam Seller"
    assert admin_conn.execute("SELECT client_id FROM contracts WHERE id = %s", (contract,)).fetchone() == (
        mine[0],
    )
    audit = admin_conn.execute(
        "SELECT table_name, record_id, employee_id, changes -> 'sales_contact_id' FROM audit_log"
        " WHERE id > %s ORDER BY record_id",
        (before_audit,),
    ).fetchall()
    assert audit == [("clients", i, manager.id, [bill.id, sam.id]) for i in mine]


def test_events_not_ended_go_to_another_support_employee(db, admin_conn, staff):
    kate, alienor = staff["kate"], staff["alienor"]
    client = make_client(admin_conn, staff["bill"].id)
    ahead = [
        make_event(admin_conn, make_contract(admin_conn, client, signed=True), f"E{n}", kate.id, 5 + n)
        for n in range(2)
    ]
    past = make_event(admin_conn, make_contract(admin_conn, client, signed=True), "Past", kate.id, -5)
    moved = service.hand_over(db, staff["manager"], kate.id, alienor.id, now())
    assert [e[0] for e in moved.events] == ahead
    assert owners(admin_conn, "events") == [
        (ahead[0], alienor.id, 2),
        (ahead[1], alienor.id, 2),
        (past, kate.id, 1),
    ]


def test_hand_over_and_deactivate_in_one_transaction(db, admin_conn, staff):
    bill, sam = staff["bill"], staff["sam"]
    client = make_client(admin_conn, bill.id)
    plan = service.hand_over_plan(db, staff["manager"], bill.id, now())
    service.hand_over(db, staff["manager"], bill.id, sam.id, now(), seen=plan, deactivate=True)
    assert owners(admin_conn, "clients") == [(client, sam.id, 2)]
    assert admin_conn.execute("SELECT is_active FROM employees WHERE id = %s", (bill.id,)).fetchone() == (
        False,
    )


@pytest.mark.parametrize(
    "who, to, message",
    [
        ("bill", "sam", "Only management can hand over an employee's clients or events."),
        ("manager", "kate", "Employee {kate} is not an active sales employee."),
        ("manager", "bill", "Choose another active sales employee."),
        ("manager", "gone", "Employee {gone} is not an active sales employee."),
    ],
)
def test_refusals_change_nothing(db, admin_conn, staff, who, to, message):
    staff["gone"] = make_employee(admin_conn, "sales", "gone", active=False)
    make_client(admin_conn, staff["bill"].id)
    before = everything(admin_conn)
    with pytest.raises((PermissionDenied, ValidationError)) as refused:
        service.hand_over(db, staff[who], staff["bill"].id, staff[to].id, now())
    assert str(refused.value) == message.format(**{k: e.id for k, e in staff.items()})
    assert everything(admin_conn) == before


def test_nothing_to_hand_over_and_management_own_nothing(db, admin_conn, staff):
    other_manager = make_employee(admin_conn, "management", "boss2")
    with pytest.raises(ValidationError, match="Bill Boquet has no clients to hand over."):
        service.hand_over(db, staff["manager"], staff["bill"].id, staff["sam"].id, now())
    with pytest.raises(ValidationError, match="only sales and support employees own"):
        service.hand_over(db, staff["manager"], other_manager.id, staff["manager"].id, now())
    assert service.hand_over_candidates(db, staff["bill"].id) == [staff["sam"]]


def test_a_client_edited_after_the_plan_was_read_stops_the_whole_hand_over(db, second_db, admin_conn, staff):
    bill, sam, manager = staff["bill"], staff["sam"], staff["manager"]
    first = make_client(admin_conn, bill.id, "First")
    second = make_client(admin_conn, bill.id, "Second")
    plan = service.hand_over_plan(db, manager, bill.id, now())
    # Bill edits one of them meanwhile (before being deactivated): its version moves on.
    current = client_service.get_client(second_db, second)
    renamed = ClientFields("Second, renamed", current.email, current.phone, current.company_name)
    client_service.update_client(second_db, bill, second, current.version, renamed)
    before = everything(admin_conn)
    with pytest.raises(StaleRecord):
        service.hand_over(db, manager, bill.id, sam.id, now(), seen=plan)
    assert everything(admin_conn) == before  # neither client moved
    assert owners(admin_conn, "clients") == [(first, bill.id, 1), (second, bill.id, 2)]


def test_an_edit_started_before_the_hand_over_is_refused_after_it(db, second_db, admin_conn, staff):
    bill, sam = staff["bill"], staff["sam"]
    client = make_client(admin_conn, bill.id)
    seen = client_service.get_client(second_db, client)
    service.hand_over(db, staff["manager"], bill.id, sam.id, now())
    with pytest.raises((StaleRecord, PermissionDenied)):
        lost = ClientFields("Lost", seen.email, seen.phone, seen.company_name)
        client_service.update_client(second_db, bill, client, seen.version, lost)
    assert admin_conn.execute("SELECT full_name, sales_contact_id FROM clients").fetchone() == (
        "Kevin Casey",
        sam.id,
    )


def test_a_hand_over_waits_for_a_concurrent_edit_then_refuses_its_stale_plan(
    db, second_db, admin_conn, staff
):
    bill, sam, manager = staff["bill"], staff["sam"], staff["manager"]
    first = make_client(admin_conn, bill.id, "First")
    second = make_client(admin_conn, bill.id, "Second")
    plan = service.hand_over_plan(db, manager, bill.id, now())
    outcome: list[object] = []

    def hand_over():
        try:
            outcome.append(service.hand_over(db, manager, bill.id, sam.id, now(), seen=plan))
        except Exception as error:  # noqa: BLE001 — what the test looks at
            outcome.append(error)

    with second_db.transaction(bill.id):  # Bill's save of one of them, not committed yet
        second_db.conn.execute(
            "UPDATE clients SET full_name = 'Second, renamed', version = version + 1 WHERE id = %s", (second,)
        )
        thread = threading.Thread(target=hand_over)
        thread.start()
        wait_for_lock_waiters(admin_conn, 1)  # the hand-over waits for it
    thread.join(10)
    assert isinstance(outcome[0], StaleRecord)
    assert owners(admin_conn, "clients") == [(first, bill.id, 1), (second, bill.id, 2)]
    # Read again, the plan goes through.
    service.hand_over(
        db, manager, bill.id, sam.id, now(), seen=service.hand_over_plan(db, manager, bill.id, now())
    )
    assert owners(admin_conn, "clients") == [(first, sam.id, 2), (second, sam.id, 3)]
