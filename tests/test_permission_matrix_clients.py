"""The client, contract and payment rows of docs/rules.md §5 as a full matrix: every write x every team x
own / not own / deactivated, called on the service layer directly (no menu to hide anything), on
the real database.

"Own" means the client the record belongs to has the actor as its sales contact — for every team,
so a manager's or support employee's result is shown not to depend on ownership (such an employee
moved teams after getting the client: the database gives new clients to active sales only). Creating a client
has no existing record: "own" and "not own" are the same call (a new client is always its
creator's). "Deactivated" is an own record whose actor has since been deactivated.
"""

from __future__ import annotations

from decimal import Decimal

from psycopg import sql

from crm import permissions
from crm.permissions import Action
from crm.repositories.clients import ClientFields
from crm.services import clients as client_service
from crm.services import contracts as contract_service
from tests.factories import make_client_of, make_contract, make_employee
from tests.permission_matrix import TEAMS, assert_refused, cells, deactivate, each_cell, make_actor

ACTIONS = (
    Action.CREATE_CLIENT,
    Action.UPDATE_CLIENT,
    Action.REASSIGN_CLIENT,
    Action.CREATE_CONTRACT,
    Action.UPDATE_CONTRACT,
    Action.RECORD_PAYMENT,
    Action.CORRECT_PAYMENT,
)

ALLOWED = {
    (Action.CREATE_CLIENT, "sales", "own"),
    (Action.CREATE_CLIENT, "sales", "not own"),
    (Action.UPDATE_CLIENT, "sales", "own"),
    (Action.REASSIGN_CLIENT, "management", "own"),
    (Action.REASSIGN_CLIENT, "management", "not own"),
    (Action.CREATE_CONTRACT, "management", "own"),
    (Action.CREATE_CONTRACT, "management", "not own"),
    (Action.UPDATE_CONTRACT, "management", "own"),
    (Action.UPDATE_CONTRACT, "management", "not own"),
    (Action.UPDATE_CONTRACT, "sales", "own"),
    (Action.RECORD_PAYMENT, "management", "own"),
    (Action.RECORD_PAYMENT, "management", "not own"),
    (Action.RECORD_PAYMENT, "sales", "own"),
    (Action.CORRECT_PAYMENT, "management", "own"),
    (Action.CORRECT_PAYMENT, "management", "not own"),
}

MATRIX = cells(ACTIONS)

NEW_CLIENT = ClientFields(
    full_name="Matrix Client", email="matrix@client.test", phone="+33 1 23 45 67 89", company_name="Matrix SA"
)


def snapshot(admin_conn):
    return [
        admin_conn.execute(sql.SQL("SELECT * FROM {} ORDER BY id").format(sql.Identifier(table))).fetchall()
        for table in ("clients", "contracts", "payments")
    ]


@each_cell(MATRIX)
def test_client_and_contract_write_permission_matrix(db, admin_conn, action, team, case):
    actor = make_employee(admin_conn, team, "actor")
    other_sales = make_employee(admin_conn, "sales", "other_sales")
    new_sales = make_employee(admin_conn, "sales", "new_sales")
    owns = case in ("own", "deactivated")
    client_owner = actor if owns else other_sales
    client_id = make_client_of(admin_conn, client_owner, "Kevin Casey")
    contract_id = make_contract(admin_conn, client_id, total="1000.00")
    payment_id = None
    if action is Action.CORRECT_PAYMENT:  # a payment of 100.00 to correct
        with admin_conn.transaction():
            admin_conn.execute("UPDATE contracts SET remaining_amount = 900 WHERE id = %s", (contract_id,))
            payment_id = admin_conn.execute(
                "INSERT INTO payments (contract_id, amount, recorded_by) VALUES (%s, 100, %s) RETURNING id",
                (contract_id, other_sales.id),
            ).fetchone()[0]
    if case == "deactivated":
        actor = deactivate(admin_conn, actor)
    before = snapshot(admin_conn)

    def attempt():
        if action is Action.CREATE_CLIENT:
            return client_service.create_client(db, actor, NEW_CLIENT)
        if action is Action.UPDATE_CLIENT:
            return client_service.update_client(db, actor, client_id, 1, NEW_CLIENT)
        if action is Action.REASSIGN_CLIENT:
            return client_service.reassign_client(db, actor, client_id, 1, new_sales.id)
        if action is Action.CREATE_CONTRACT:
            return contract_service.create_contract(db, actor, client_id, Decimal("500"))
        if action is Action.UPDATE_CONTRACT:
            return contract_service.update_contract(db, actor, contract_id, 1, Decimal("1200"), True)
        if action is Action.CORRECT_PAYMENT:
            return contract_service.correct_payment(db, actor, payment_id)
        return contract_service.record_payment(db, actor, contract_id, Decimal("100"))

    if (action, team, case) in ALLOWED:
        attempt()
        clients = admin_conn.execute(
            "SELECT full_name, sales_contact_id, version FROM clients ORDER BY id"
        ).fetchall()
        contracts = admin_conn.execute(
            "SELECT client_id, total_amount, remaining_amount, is_signed, version FROM contracts ORDER BY id"
        ).fetchall()
        payments = admin_conn.execute("SELECT contract_id, amount, recorded_by FROM payments").fetchall()
        original_contract = (client_id, Decimal("1000.00"), Decimal("1000.00"), False, 1)
        if action is Action.CREATE_CLIENT:
            assert clients == [("Kevin Casey", client_owner.id, 1), ("Matrix Client", actor.id, 1)]
        elif action is Action.UPDATE_CLIENT:
            assert clients == [("Matrix Client", actor.id, 2)]
        elif action is Action.REASSIGN_CLIENT:
            assert clients == [("Kevin Casey", new_sales.id, 2)]
        elif action is Action.CREATE_CONTRACT:
            assert contracts == [
                original_contract,
                (client_id, Decimal("500.00"), Decimal("500.00"), False, 1),
            ]
        elif action is Action.UPDATE_CONTRACT:
            assert contracts == [(client_id, Decimal("1200.00"), Decimal("1200.00"), True, 2)]
        elif action is Action.CORRECT_PAYMENT:
            assert contracts == [(client_id, Decimal("1000.00"), Decimal("1000.00"), False, 2)]
            assert payments == [
                (contract_id, Decimal("100.00"), other_sales.id),
                (contract_id, Decimal("-100.00"), actor.id),
            ]
        else:
            assert contracts == [(client_id, Decimal("1000.00"), Decimal("900.00"), False, 2)]
            assert payments == [(contract_id, Decimal("100.00"), actor.id)]
        if action not in (Action.RECORD_PAYMENT, Action.CORRECT_PAYMENT):
            assert payments == []
        assert snapshot(admin_conn) != before
    else:
        owner = actor.id if action is Action.CREATE_CLIENT else client_owner.id
        assert_refused(attempt, actor, action, case, owner)
        assert snapshot(admin_conn) == before


def test_the_matrix_covers_every_client_and_contract_write_team_and_case():
    assert len(MATRIX) == 63
    assert {a for a, _, _ in MATRIX} == set(ACTIONS)
    assert {(a, t) for a, t, c in ALLOWED} == {
        (a, t) for a in ACTIONS for t in TEAMS if permissions.visible(make_actor(t), a)
    }
