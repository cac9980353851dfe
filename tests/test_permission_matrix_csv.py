"""The CSV rows of docs/rules.md §5 as a full matrix: export and import x every team x own / not
own / deactivated, through the services on the real database.

Export: "own" exports the actor's own clients (--mine), "not own" every client; both are reads
everyone may make, and each leaves its trace. Import: a new client has no owner yet, so "own" and
"not own" are the same file (sales become the owner; management names one). "Deactivated" is the
own case after the actor was deactivated: refused, nothing written, no trace.
"""

from __future__ import annotations

import io

from psycopg import sql

from crm import permissions
from crm.models import ExportRequest
from crm.permissions import Action
from crm.services import client_imports as import_service
from crm.services import exports as export_service
from tests.factories import make_client, make_employee
from tests.permission_matrix import TEAMS, assert_refused, cells, deactivate, each_cell, make_actor

ACTIONS = (Action.EXPORT_CSV, Action.IMPORT_CLIENTS)
ALLOWED = {
    *((Action.EXPORT_CSV, team, case) for team in TEAMS for case in ("own", "not own")),
    *((Action.IMPORT_CLIENTS, team, case) for team in ("management", "sales") for case in ("own", "not own")),
}
MATRIX = cells(ACTIONS)


def snapshot(admin_conn):
    return [
        admin_conn.execute(sql.SQL("SELECT * FROM {} ORDER BY id").format(sql.Identifier(table))).fetchall()
        for table in ("clients", "exports", "audit_log")
    ]


@each_cell(MATRIX)
def test_csv_permission_matrix(db, admin_conn, action, team, case):
    actor = make_employee(admin_conn, team, "actor")
    other_sales = make_employee(admin_conn, "sales", "other_sales")
    make_client(admin_conn, other_sales.id, "Kevin Casey")
    if case == "deactivated":
        actor = deactivate(admin_conn, actor)
    before = snapshot(admin_conn)
    owner = other_sales.id if team == "management" else actor.id
    columns = "full_name,email,phone,company_name" + (",sales_contact_id" if team == "management" else "")
    row = "Matrix Client,matrix@client.test,,Matrix SA" + (f",{owner}" if team == "management" else "")
    data = f"{columns}\n{row}\n".encode()
    stream = io.StringIO()

    def attempt():
        if action is Action.EXPORT_CSV:
            request = ExportRequest("clients", mine=case != "not own")
            return export_service.export_csv(db, actor, request, stream)
        return import_service.import_clients(db, actor, data)

    if (action, team, case) in ALLOWED:
        attempt()
        if action is Action.EXPORT_CSV:
            trace = admin_conn.execute("SELECT employee_id, filters, row_count FROM exports").fetchall()
            mine = case == "own"
            assert trace == [(actor.id, {"mine": True} if mine else {}, 0 if mine else 1)]
            assert stream.getvalue().startswith("id,full_name")
        else:
            clients = admin_conn.execute("SELECT full_name, sales_contact_id FROM clients ORDER BY id")
            assert clients.fetchall() == [("Kevin Casey", other_sales.id), ("Matrix Client", owner)]
        assert snapshot(admin_conn) != before
    else:
        assert_refused(attempt, actor, action, case, actor.id)
        assert snapshot(admin_conn) == before
        assert stream.getvalue() == ""


def test_the_matrix_covers_every_csv_action_team_and_case():
    assert len(MATRIX) == 18
    assert {(a, t) for a, t, c in ALLOWED} == {
        (a, t) for a in ACTIONS for t in TEAMS if permissions.visible(make_actor(t), a)
    }
