"""The event rows of docs/rules.md §5 as a full matrix: every event write x every team x own / not own /
deactivated, called on the service layer directly (no menu to hide anything), on the real database.

"Own" means the actor is the record's owner as far as their team can be: the client's sales
contact for creating an event, the event's support contact for a support employee, and the
client's sales contact for the other teams (a sales employee whose client it is still may not
touch the event). A manager or support employee who is a client's sales contact moved teams after
getting the client (the database gives new clients to active sales only). "Deactivated" is an own
record whose actor has since been deactivated.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm.permissions import Action
from crm.repositories.events import EventFields
from crm.services import events as service
from tests.factories import make_client_of, make_contract, make_employee, make_event
from tests.permission_matrix import assert_refused, cells, deactivate, each_cell

ACTIONS = (Action.CREATE_EVENT, Action.ASSIGN_SUPPORT, Action.UPDATE_EVENT)

ALLOWED = {
    (Action.CREATE_EVENT, "sales", "own"),
    (Action.ASSIGN_SUPPORT, "management", "own"),
    (Action.ASSIGN_SUPPORT, "management", "not own"),
    (Action.UPDATE_EVENT, "management", "own"),
    (Action.UPDATE_EVENT, "management", "not own"),
    (Action.UPDATE_EVENT, "support", "own"),
}

MATRIX = cells(ACTIONS)


def snapshot(admin_conn):
    return admin_conn.execute("SELECT * FROM events ORDER BY id").fetchall()


def new_fields(now: datetime) -> EventFields:
    return EventFields(
        name="Matrix gala",
        client_contact="contact@client.test",
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=5),
        location="Lyon",
        attendees=40,
        notes="Changed by the matrix",
    )


@each_cell(MATRIX)
def test_event_write_permission_matrix(db, admin_conn, action, team, case):
    now = datetime.now(UTC).replace(microsecond=0)
    actor = make_employee(admin_conn, team, "actor")
    other_sales = make_employee(admin_conn, "sales", "other_sales")
    other_support = make_employee(admin_conn, "support", "other_support")
    new_support = make_employee(admin_conn, "support", "new_support")
    owns = case in ("own", "deactivated")

    client_owner = actor if owns and (action is Action.CREATE_EVENT or team != "support") else other_sales
    contract = make_contract(admin_conn, make_client_of(admin_conn, client_owner), signed=True)
    event_id = None
    if action is not Action.CREATE_EVENT:
        support = actor if owns and team == "support" else other_support
        event_id = make_event(admin_conn, contract, support_id=support.id)
    if case == "deactivated":
        actor = deactivate(admin_conn, actor)
    before = snapshot(admin_conn)

    def attempt():
        if action is Action.CREATE_EVENT:
            return service.create_event(db, actor, contract, new_fields(now), now)
        if action is Action.ASSIGN_SUPPORT:
            return service.assign_support(db, actor, event_id, 1, new_support.id)
        return service.update_event(db, actor, event_id, 1, new_fields(now), now)

    if (action, team, case) in ALLOWED:
        event = attempt()
        row = admin_conn.execute(
            "SELECT contract_id, support_contact_id, notes, version FROM events WHERE id = %s", (event.id,)
        ).fetchone()
        if action is Action.CREATE_EVENT:
            assert row == (contract, None, "Changed by the matrix", 1)
        elif action is Action.ASSIGN_SUPPORT:
            assert row == (contract, new_support.id, "", 2)
        else:
            assert row == (contract, support.id, "Changed by the matrix", 2)
        assert snapshot(admin_conn) != before
    else:
        owner = client_owner.id if action is Action.CREATE_EVENT else (support.id if event_id else None)
        assert_refused(attempt, actor, action, case, owner)
        assert snapshot(admin_conn) == before


def test_the_matrix_covers_every_event_write_team_and_case():
    assert len(MATRIX) == 27
    assert {a for a, _, _ in MATRIX} == {Action.CREATE_EVENT, Action.ASSIGN_SUPPORT, Action.UPDATE_EVENT}
