"""The pipeline rows of docs/rules.md §5 as a full matrix: every new write x every team x own /
not own / deactivated, called on the services directly, on the real database; a refusal leaves
every pipeline table (and contracts) as it was.

"Own" means the opportunity's client has the actor as its sales contact (made so for every team,
as in tests/test_permission_matrix_clients.py). Services have no owner: "own" and "not own" are
the same call. "Deactivated" is an own record whose actor has since been deactivated.
"""

from __future__ import annotations

from decimal import Decimal

from psycopg import sql

from crm import permissions
from crm.models import OpportunityFields, ServiceFields, Unit
from crm.permissions import Action
from crm.services import catalogue, pipeline
from tests.factories import make_client_of, make_employee, make_opportunity, make_service
from tests.permission_matrix import TEAMS, assert_refused, cells, deactivate, each_cell, make_actor

ACTIONS = (
    Action.MANAGE_SERVICES,
    Action.CREATE_OPPORTUNITY,
    Action.UPDATE_OPPORTUNITY,
    Action.MOVE_OPPORTUNITY,
    Action.LOSE_OPPORTUNITY,
    Action.WIN_OPPORTUNITY,
)
OWNERLESS = {Action.MANAGE_SERVICES}

ALLOWED = {
    (Action.MANAGE_SERVICES, "management", "own"),
    (Action.MANAGE_SERVICES, "management", "not own"),
    (Action.CREATE_OPPORTUNITY, "sales", "own"),
    (Action.UPDATE_OPPORTUNITY, "management", "own"),
    (Action.UPDATE_OPPORTUNITY, "management", "not own"),
    (Action.UPDATE_OPPORTUNITY, "sales", "own"),
    (Action.MOVE_OPPORTUNITY, "management", "own"),
    (Action.MOVE_OPPORTUNITY, "management", "not own"),
    (Action.MOVE_OPPORTUNITY, "sales", "own"),
    (Action.LOSE_OPPORTUNITY, "management", "own"),
    (Action.LOSE_OPPORTUNITY, "management", "not own"),
    (Action.LOSE_OPPORTUNITY, "sales", "own"),
    (Action.WIN_OPPORTUNITY, "management", "own"),
    (Action.WIN_OPPORTUNITY, "management", "not own"),
}

MATRIX = cells(ACTIONS)
FIELDS = OpportunityFields("Matrix gala", None, 120)


def snapshot(admin_conn):
    return [
        admin_conn.execute(sql.SQL("SELECT * FROM {} ORDER BY id").format(sql.Identifier(table))).fetchall()
        for table in ("services", "opportunities", "opportunity_lines", "contracts")
    ]


@each_cell(MATRIX)
def test_pipeline_write_permission_matrix(db, admin_conn, action, team, case):
    actor = make_employee(admin_conn, team, "actor")
    other_sales = make_employee(admin_conn, "sales", "other_sales")
    owns = case in ("own", "deactivated")
    client_owner = actor if owns else other_sales
    client_id = make_client_of(admin_conn, client_owner, "Kevin Casey")
    service_id = make_service(admin_conn, "Catering", "45.00", "guest")
    stage = "negotiation" if action is Action.WIN_OPPORTUNITY else "qualified"
    opportunity = make_opportunity(admin_conn, client_id, lines=[(service_id, 10, "45.00")], stage=stage)
    version = admin_conn.execute("SELECT version FROM opportunities").fetchone()[0]
    if case == "deactivated":
        actor = deactivate(admin_conn, actor)
    before = snapshot(admin_conn)

    def attempt():
        if action is Action.MANAGE_SERVICES:
            return catalogue.create_service(db, actor, ServiceFields("DJ", "", Decimal("300"), Unit.HOUR))
        if action is Action.CREATE_OPPORTUNITY:
            return pipeline.create_opportunity(db, actor, client_id, FIELDS)
        if action is Action.UPDATE_OPPORTUNITY:
            return pipeline.add_line(db, actor, opportunity, version, service_id, 2)
        if action is Action.MOVE_OPPORTUNITY:
            return pipeline.move_opportunity(db, actor, opportunity, version, "proposal")
        if action is Action.LOSE_OPPORTUNITY:
            return pipeline.lose_opportunity(db, actor, opportunity, version, "Budget cut")
        return pipeline.win_opportunity(db, actor, opportunity, version)

    if (action, team, case) in ALLOWED:
        attempt()
        after = admin_conn.execute(
            "SELECT stage, amount, lost_reason, contract_id IS NOT NULL, version FROM opportunities"
            " ORDER BY id"
        ).fetchall()
        original = (stage, Decimal("450.00"), None, False, version)
        if action is Action.MANAGE_SERVICES:
            assert admin_conn.execute("SELECT name FROM services ORDER BY id").fetchall() == [
                ("Catering",),
                ("DJ",),
            ]
        elif action is Action.CREATE_OPPORTUNITY:
            assert after == [original, ("new", Decimal("0.00"), None, False, 1)]
        elif action is Action.UPDATE_OPPORTUNITY:
            assert after == [(stage, Decimal("540.00"), None, False, version + 1)]
        elif action is Action.MOVE_OPPORTUNITY:
            assert after == [("proposal", Decimal("450.00"), None, False, version + 1)]
        elif action is Action.LOSE_OPPORTUNITY:
            assert after == [("lost", Decimal("450.00"), "Budget cut", False, version + 1)]
        else:
            assert after == [("won", Decimal("450.00"), None, True, version + 1)]
            assert admin_conn.execute("SELECT client_id, total_amount FROM contracts").fetchall() == [
                (client_id, Decimal("450.00"))
            ]
        assert snapshot(admin_conn) != before
    else:
        owner = None if action in OWNERLESS else client_owner.id
        assert_refused(attempt, actor, action, case, owner)
        assert snapshot(admin_conn) == before


def test_the_matrix_covers_every_pipeline_write_team_and_case():
    assert len(MATRIX) == 54
    assert {a for a, _, _ in MATRIX} == set(ACTIONS)
    assert {(a, t) for a, t, c in ALLOWED} == {
        (a, t) for a in ACTIONS for t in TEAMS if permissions.visible(make_actor(t), a)
    }
