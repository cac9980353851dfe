"""What the database keeps about the pipeline for a writer that skips the program (sql/0013): the
application role connected directly, as an import or a script would be. Every refusal names its
constraint and leaves the tables as they were."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from psycopg import errors as pg_errors

from tests.factories import make_client, make_contract, make_employee, make_opportunity, make_service

OPEN = ["new", "qualified", "proposal", "negotiation"]
ALL = [*OPEN, "won", "lost"]


@pytest.fixture
def world(admin_conn):
    sales = make_employee(admin_conn, "sales", "bill")
    boss = make_employee(admin_conn, "management", "boss")
    client = make_client(admin_conn, sales.id)
    other_client = make_client(admin_conn, sales.id, "Lou Bouzin")
    service = make_service(admin_conn, "Catering", "45.00", "guest")
    return {"sales": sales, "boss": boss, "client": client, "other_client": other_client, "service": service}


def tables(admin_conn):
    return [
        admin_conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()  # noqa: S608 — constant names
        for t in ("opportunities", "opportunity_lines", "contracts", "services")
    ]


def refused(db, admin_conn, actor_id, statements, constraint):
    """Run the statements as the application role in one transaction: refused by `constraint`."""
    before = tables(admin_conn)
    with pytest.raises(pg_errors.CheckViolation) as error:
        with db.transaction(actor_id):
            for statement, params in statements:
                db.conn.execute(statement, params)
    assert error.value.diag.constraint_name == constraint
    assert tables(admin_conn) == before


def test_a_new_opportunity_starts_at_new(db, admin_conn, world):
    for stage in ALL[1:]:
        refused(
            db,
            admin_conn,
            world["sales"].id,
            [
                (
                    "INSERT INTO opportunities (client_id, title, stage) VALUES (%s, 'X', %s)",
                    (world["client"], stage),
                )
            ],
            "opportunities_stage_moves",
        )


@pytest.mark.parametrize("start", ALL)
def test_every_move_a_direct_writer_makes(db, admin_conn, world, start):
    """Each stage to each other one, by a plain UPDATE: only the machine's moves pass (won with its
    contract, lost with a reason), and nothing leaves won or lost."""
    allowed = {
        (a, b)
        for a in ALL
        for b in ALL
        if admin_conn.execute("SELECT opportunity_move_allowed(%s, %s)", (a, b)).fetchone()[0]
    }
    for target in ALL:
        if target == start:
            continue
        opportunity = make_opportunity(
            admin_conn, world["client"], lines=[(world["service"], 2, "45.00")], stage=start
        )
        contract = make_contract(admin_conn, world["client"], total="90.00")
        statement = (
            "UPDATE opportunities SET stage = %(stage)s, version = version + 1,"
            " lost_reason = CASE WHEN %(stage)s = 'lost' THEN 'Too expensive' END,"
            " contract_id = CASE WHEN %(stage)s = 'won' THEN %(contract)s::bigint END WHERE id = %(id)s"
        )
        params = {"stage": target, "contract": contract, "id": opportunity}
        if (start, target) in allowed:
            with db.transaction(world["boss"].id):
                db.conn.execute(statement, params)
            stored = admin_conn.execute(
                "SELECT stage, closed_at IS NOT NULL FROM opportunities WHERE id = %s", (opportunity,)
            ).fetchone()
            assert stored == (target, target in ("won", "lost"))
        else:
            expected = (
                "opportunities_closed_are_final" if start in ("won", "lost") else "opportunities_stage_moves"
            )
            refused(db, admin_conn, world["boss"].id, [(statement, params)], expected)


def test_lost_needs_a_reason_and_won_its_contract(db, admin_conn, world):
    opportunity = make_opportunity(
        admin_conn, world["client"], lines=[(world["service"], 1, "45.00")], stage="negotiation"
    )
    actor = world["boss"].id
    lose = "UPDATE opportunities SET stage = 'lost', version = version + 1 WHERE id = %s"
    win = "UPDATE opportunities SET stage = 'won', version = version + 1 WHERE id = %s"
    refused(db, admin_conn, actor, [(lose, (opportunity,))], "opportunities_reason_when_lost")
    refused(db, admin_conn, actor, [(win, (opportunity,))], "opportunities_won_contract")
    win_with = "UPDATE opportunities SET stage = 'won', contract_id = %s, version = version + 1 WHERE id = %s"
    wrong_total = make_contract(admin_conn, world["client"], total="46.00")
    wrong_client = make_contract(admin_conn, world["other_client"], total="45.00")
    for contract in (wrong_total, wrong_client):
        refused(
            db,
            admin_conn,
            actor,
            [(win_with, (contract, opportunity))],
            "opportunities_won_contract_matches",
        )


def test_the_amount_is_always_the_sum_of_the_lines(db, admin_conn, world):
    opportunity = make_opportunity(admin_conn, world["client"], lines=[(world["service"], 2, "45.00")])
    actor = world["sales"].id
    line = admin_conn.execute("SELECT id FROM opportunity_lines").fetchone()[0]
    cases = [
        # An amount typed.
        [("UPDATE opportunities SET amount = 1000, version = version + 1 WHERE id = %s", (opportunity,))],
        # A line added, its amount not.
        [
            (
                "INSERT INTO opportunity_lines (opportunity_id, service_id, quantity, unit_price)"
                " VALUES (%s, %s, 1, 10)",
                (opportunity, world["service"]),
            )
        ],
        # A line changed or removed behind the amount.
        [("UPDATE opportunity_lines SET quantity = 3, version = version + 1 WHERE id = %s", (line,))],
        [("UPDATE opportunity_lines SET unit_price = 1, version = version + 1 WHERE id = %s", (line,))],
        [("UPDATE opportunity_lines SET is_removed = true, version = version + 1 WHERE id = %s", (line,))],
        # A new opportunity with an amount and no line.
        [("INSERT INTO opportunities (client_id, title, amount) VALUES (%s, 'X', 5)", (world["client"],))],
    ]
    for statements in cases:
        refused(db, admin_conn, actor, statements, "opportunities_amount_is_sum_of_lines")
    # The line and its amount together are fine.
    with db.transaction(actor):
        db.conn.execute(
            "UPDATE opportunity_lines SET quantity = 3, version = version + 1 WHERE id = %s", (line,)
        )
        db.conn.execute(
            "UPDATE opportunities SET amount = 135, version = version + 1 WHERE id = %s", (opportunity,)
        )
    assert admin_conn.execute("SELECT amount FROM opportunities").fetchone() == (D("135.00"),)


def test_lines_need_an_active_service_and_stay_removed(db, admin_conn, world):
    opportunity = make_opportunity(admin_conn, world["client"], lines=[(world["service"], 1, "45.00")])
    retired = make_service(admin_conn, "Fireworks", "10.00", "event", active=False)
    actor = world["sales"].id
    refused(
        db,
        admin_conn,
        actor,
        [
            (
                "INSERT INTO opportunity_lines (opportunity_id, service_id, quantity, unit_price)"
                " VALUES (%s, %s, 1, 10)",
                (opportunity, retired),
            ),
            ("UPDATE opportunities SET amount = 55, version = version + 1 WHERE id = %s", (opportunity,)),
        ],
        "opportunity_lines_service_is_active",
    )
    line = admin_conn.execute("SELECT id FROM opportunity_lines").fetchone()[0]
    with admin_conn.transaction():
        admin_conn.execute("UPDATE opportunity_lines SET is_removed = true WHERE id = %s", (line,))
        admin_conn.execute("UPDATE opportunities SET amount = 0 WHERE id = %s", (opportunity,))
    refused(
        db,
        admin_conn,
        actor,
        [
            ("UPDATE opportunity_lines SET is_removed = false, version = version + 1 WHERE id = %s", (line,)),
            ("UPDATE opportunities SET amount = 45, version = version + 1 WHERE id = %s", (opportunity,)),
        ],
        "opportunity_lines_removed_are_final",
    )


def test_the_lines_of_a_closed_opportunity_do_not_change(db, admin_conn, world):
    for stage in ("won", "lost"):
        opportunity = make_opportunity(
            admin_conn, world["client"], lines=[(world["service"], 1, "45.00")], stage=stage
        )
        line = admin_conn.execute(
            "SELECT id FROM opportunity_lines WHERE opportunity_id = %s", (opportunity,)
        ).fetchone()[0]
        refused(
            db,
            admin_conn,
            world["boss"].id,
            [
                (
                    "INSERT INTO opportunity_lines (opportunity_id, service_id, quantity, unit_price)"
                    " VALUES (%s, %s, 1, 0)",
                    (opportunity, world["service"]),
                )
            ],
            "opportunities_closed_are_final",
        )
        refused(
            db,
            admin_conn,
            world["boss"].id,
            [
                (
                    "UPDATE opportunity_lines SET unit_price = 45, quantity = 1, version = version + 1"
                    " WHERE id = %s",
                    (line,),
                )
            ],
            "opportunities_closed_are_final",
        )


def test_the_app_role_cannot_delete_lines_nor_change_probabilities(db, admin_conn, world):
    make_opportunity(admin_conn, world["client"], lines=[(world["service"], 1, "45.00")])
    for statement in (
        "DELETE FROM opportunity_lines",
        "DELETE FROM services",
        "UPDATE opportunity_stages SET probability = 90",
        "UPDATE opportunity_lines SET opportunity_id = opportunity_id",
    ):
        with pytest.raises(pg_errors.InsufficientPrivilege):
            with db.transaction(world["boss"].id):
                db.conn.execute(statement)


def test_pipeline_writes_are_in_the_audit_trail(db, admin_conn, world):
    with db.transaction(world["sales"].id):
        db.conn.execute(
            "INSERT INTO opportunities (client_id, title) VALUES (%s, 'Audited')", (world["client"],)
        )
    audit = admin_conn.execute(
        "SELECT employee_id, table_name, action, changes -> 'title' FROM audit_log"
        " WHERE table_name = 'opportunities'"
    ).fetchall()
    assert audit == [(world["sales"].id, "opportunities", "insert", [None, "Audited"])]
