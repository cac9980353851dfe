"""Event status (issue 15 §3): planned → confirmed → done, or cancelled with a reason. Every move,
allowed and refused, through the service and as a direct SQL writer (the application role and the
schema owner); who may move it (docs/rules.md §5, as a matrix); the audit trail; the lists that
closed events leave; signed contracts without an event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from psycopg import errors as pg_errors

from crm.errors import PermissionDenied, StaleRecord, ValidationError
from crm.models import EventFields
from crm.permissions import Action
from crm.services import contracts as contract_service
from crm.services import events as service
from tests.factories import make_client_of, make_contract, make_event, make_staff
from tests.permission_matrix import assert_refused, cells, deactivate, each_cell

STATUSES = ("planned", "confirmed", "done", "cancelled")
ALLOWED_MOVES = {
    ("planned", "confirmed"),
    ("confirmed", "done"),
    ("planned", "cancelled"),
    ("confirmed", "cancelled"),
}
PATH = {"planned": [], "confirmed": ["confirmed"], "done": ["confirmed", "done"], "cancelled": ["cancelled"]}


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "kate", "alienor")


def event_at(admin_conn, staff, status: str = "planned", support: str | None = "kate", days: int = 10) -> int:
    """An event of Bill's client, supported by `support`, moved (as the owner) to `status`."""
    count = admin_conn.execute("SELECT count(*) FROM clients").fetchone()[0]
    client = make_client_of(admin_conn, staff["bill"], f"Client {status} {count}")
    contract = make_contract(admin_conn, client, signed=True)
    support_id = staff[support].id if support else None
    event = make_event(admin_conn, contract, support_id=support_id, starts_in_days=days)
    for step in PATH[status]:
        admin_conn.execute(
            "UPDATE events SET status = %s, cancel_reason = %s WHERE id = %s",
            (step, "Rain" if step == "cancelled" else None, event),
        )
    return event


def stored(admin_conn, event_id: int) -> tuple:
    return admin_conn.execute(
        "SELECT status, cancel_reason, version FROM events WHERE id = %s", (event_id,)
    ).fetchone()


# Every move, through the service -------------------------------------------------------------------


@pytest.mark.parametrize("start, target", list(product(STATUSES, STATUSES)), ids=lambda v: v)
def test_every_move_through_the_service(db, admin_conn, staff, start, target):
    event = event_at(admin_conn, staff, start)
    version = stored(admin_conn, event)[2]
    reason = "The venue burnt down" if target == "cancelled" else None
    if (start, target) in ALLOWED_MOVES:
        saved = service.change_status(db, staff["manager"], event, version, target, reason)
        assert saved.status == target and saved.cancel_reason == reason
        assert stored(admin_conn, event) == (target, reason, version + 1)
    else:
        with pytest.raises(ValidationError) as refused:
            service.change_status(db, staff["manager"], event, version, target, reason)
        assert f"Event {event} is {start}: it cannot become {target}" in str(refused.value)
        assert stored(admin_conn, event) == (start, "Rain" if start == "cancelled" else None, version)


@pytest.mark.parametrize("start, target", list(product(STATUSES, STATUSES)), ids=lambda v: v)
def test_every_move_as_a_direct_sql_writer(db, admin_conn, staff, start, target):
    """The database keeps the same moves for the application role (and for the schema owner)."""
    event = event_at(admin_conn, staff, start)
    before = stored(admin_conn, event)
    reason = "Rain again" if target == "cancelled" else None
    statement = "UPDATE events SET status = %s, cancel_reason = %s, version = version + 1 WHERE id = %s"
    if (start, target) in ALLOWED_MOVES or start == target:
        with db.transaction(staff["manager"].id):
            db.conn.execute(statement, (target, reason if start != "cancelled" else "Rain", event))
        if start != target:
            assert stored(admin_conn, event)[:2] == (target, reason)
    else:
        with pytest.raises(pg_errors.CheckViolation) as refused:
            with db.transaction(staff["manager"].id):
                db.conn.execute(statement, (target, reason, event))
        assert refused.value.diag.constraint_name in ("events_status_moves", "events_cancel_reason_needed")
        assert stored(admin_conn, event) == before
        # The schema owner is held to the moves too (only its inserts may choose a status).
        with pytest.raises(pg_errors.CheckViolation):
            with admin_conn.transaction():
                admin_conn.execute("UPDATE events SET status = %s, cancel_reason = %s WHERE id = %s",
                                   (target, reason, event))  # fmt: skip


def test_the_app_role_creates_planned_events_only(db, admin_conn, staff):
    contract = make_contract(admin_conn, make_client_of(admin_conn, staff["bill"]), signed=True)
    start = datetime.now(UTC) + timedelta(days=3)
    with pytest.raises(pg_errors.CheckViolation) as refused:
        with db.transaction(staff["bill"].id):
            db.conn.execute(
                "INSERT INTO events (name, contract_id, starts_at, ends_at, status)"
                " VALUES ('X', %s, %s, %s, 'done')",
                (contract, start, start),
            )
    assert refused.value.diag.constraint_name == "events_status_moves"


def test_a_cancellation_needs_a_reason(db, admin_conn, staff):
    event = event_at(admin_conn, staff)
    for reason in (None, "", "   ", "Evil\x1b[2J", "x" * 501):
        with pytest.raises(ValidationError):
            service.change_status(db, staff["manager"], event, 1, "cancelled", reason)
    with pytest.raises(pg_errors.CheckViolation) as refused:
        with db.transaction(staff["manager"].id):
            db.conn.execute(
                "UPDATE events SET status = 'cancelled', version = version + 1 WHERE id = %s", (event,)
            )
    assert refused.value.diag.constraint_name == "events_cancel_reason_needed"
    assert stored(admin_conn, event) == ("planned", None, 1)


def test_an_unknown_status_is_refused_in_one_line(db, admin_conn, staff):
    event = event_at(admin_conn, staff)
    with pytest.raises(ValidationError, match="'postponed' is not an event status"):
        service.change_status(db, staff["manager"], event, 1, "postponed")


def test_a_stale_version_is_refused(db, admin_conn, staff):
    event = event_at(admin_conn, staff)
    admin_conn.execute("UPDATE events SET attendees = 80, version = 2 WHERE id = %s", (event,))
    with pytest.raises(StaleRecord):
        service.change_status(db, staff["kate"], event, 1, "confirmed")
    assert stored(admin_conn, event) == ("planned", None, 2)


def test_status_moves_are_audited(db, admin_conn, staff):
    event = event_at(admin_conn, staff)
    service.change_status(db, staff["kate"], event, 1, "confirmed")
    service.change_status(db, staff["manager"], event, 2, "cancelled", "Client went bankrupt")
    rows = admin_conn.execute(
        "SELECT employee_id, changes FROM audit_log WHERE table_name = 'events' AND record_id = %s"
        " AND action = 'update' ORDER BY id",
        (event,),
    ).fetchall()
    assert rows == [
        (staff["kate"].id, {"status": ["planned", "confirmed"]}),
        (
            staff["manager"].id,
            {"status": ["confirmed", "cancelled"], "cancel_reason": [None, "Client went bankrupt"]},
        ),
    ]


def test_closed_events_can_no_longer_be_edited_nor_reassigned(db, admin_conn, staff):
    now = datetime.now(UTC)
    for status in ("done", "cancelled"):
        event = event_at(admin_conn, staff, status)
        current = service.get_event(db, event)
        fields = EventFields(current.name, current.client_contact, current.starts_at, current.ends_at,
                             "Elsewhere", current.attendees, current.notes)  # fmt: skip
        with pytest.raises(ValidationError, match=f"Event {event} is {status}: it can no longer be changed."):
            service.update_event(db, staff["manager"], event, current.version, fields, now)
        with pytest.raises(ValidationError, match="can no longer be changed"):
            service.assign_support(db, staff["manager"], event, current.version, staff["alienor"].id)
        assert service.get_event(db, event).location == current.location


# Who may move it: the matrix ------------------------------------------------------------------------

ACTIONS = (Action.MOVE_EVENT_STATUS, Action.CANCEL_EVENT)
ALLOWED = {
    (Action.MOVE_EVENT_STATUS, "management", "own"),
    (Action.MOVE_EVENT_STATUS, "management", "not own"),
    (Action.MOVE_EVENT_STATUS, "support", "own"),
    (Action.CANCEL_EVENT, "management", "own"),
    (Action.CANCEL_EVENT, "management", "not own"),
}


@each_cell(cells(ACTIONS))
def test_event_status_permission_matrix(db, admin_conn, action, team, case):
    from tests.factories import make_employee

    actor = make_employee(admin_conn, team, "actor")
    sales = make_employee(admin_conn, "sales", "owner_sales")
    other_support = make_employee(admin_conn, "support", "other_support")
    owns = case in ("own", "deactivated")
    client_owner = actor if owns and team == "sales" else sales
    contract = make_contract(admin_conn, make_client_of(admin_conn, client_owner), signed=True)
    support = actor if owns and team == "support" else other_support
    event = make_event(admin_conn, contract, support_id=support.id)
    if case == "deactivated":
        actor = deactivate(admin_conn, actor)
    target, reason = ("cancelled", "Storm") if action is Action.CANCEL_EVENT else ("confirmed", None)
    before = stored(admin_conn, event)

    def attempt():
        return service.change_status(db, actor, event, 1, target, reason)

    if (action, team, case) in ALLOWED:
        assert attempt().status == target
        assert stored(admin_conn, event) == (target, reason, 2)
    else:
        assert_refused(attempt, actor, action, case, support.id)
        assert stored(admin_conn, event) == before


def test_support_cannot_cancel_even_their_own_event(db, admin_conn, staff):
    event = event_at(admin_conn, staff)
    with pytest.raises(PermissionDenied, match="Only management can cancel an event."):
        service.change_status(db, staff["kate"], event, 1, "cancelled", "I am ill")
    assert stored(admin_conn, event) == ("planned", None, 1)


# The lists closed events leave -----------------------------------------------------------------------


def test_done_and_cancelled_events_leave_my_events_and_events_without_support(db, admin_conn, staff):
    now = datetime.now(UTC)
    mine = {s: event_at(admin_conn, staff, s) for s in STATUSES}
    unassigned = {s: event_at(admin_conn, staff, s, support=None) for s in STATUSES}
    assert {e.id for e in service.my_events(db, staff["kate"], now, 0, 50)} == {
        mine["planned"],
        mine["confirmed"],
    }
    assert {e.id for e in service.events_without_support(db, 0, 50, now)} == {
        unassigned["planned"],
        unassigned["confirmed"],
    }
    # Management's view of one support employee's work keeps them all, with their status.
    assert {e.id: e.status for e in service.events_of(db, staff["kate"].id, now, 0, 50)} == {
        v: k for k, v in mine.items()
    }


def test_signed_contracts_without_an_event(db, admin_conn, staff):
    from tests.factories import make_employee

    sam = make_employee(admin_conn, "sales", "sam")
    waiting = make_contract(admin_conn, make_client_of(admin_conn, staff["bill"], "Waiting"), signed=True)
    make_contract(admin_conn, make_client_of(admin_conn, staff["bill"], "Unsigned"))
    with_event = event_at(admin_conn, staff)
    others = make_contract(admin_conn, make_client_of(admin_conn, sam, "Sam's"), signed=True)
    assert [c.id for c in contract_service.contracts_without_event(db, staff["bill"], 0, 15)] == [waiting]
    assert {c.id for c in contract_service.contracts_without_event(db, staff["manager"], 0, 15)} == {
        waiting,
        others,
    }
    assert with_event
    with pytest.raises(PermissionDenied, match="Only management or sales can list the signed contracts"):
        contract_service.contracts_without_event(db, staff["kate"], 0, 15)
