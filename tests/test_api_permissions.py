"""docs/rules.md §5 through HTTP: every write endpoint x every team x own / not own / deactivated.

Allowed: 2xx and the change is in the database. Refused: 403 permission_denied with
crm.permissions' own one-line reason — or 401 for a deactivated employee, whose every token the
deactivation ended — and an unchanged database. The worlds are the commands' matrix's
(tests/test_commands_permissions.py), so the faces are held to the same table."""

from __future__ import annotations

import pytest
from psycopg import sql

from crm import permissions
from crm.models import Team
from crm.permissions import Action
from tests.api import API, error_of, login
from tests.factories import make_service
from tests.test_commands_permissions import CASES, M, P, S, snapshot, world
from tests.test_commands_permissions_pipeline import snapshot as pipeline_snapshot
from tests.test_commands_permissions_pipeline import world as pipeline_world

NEW_PW = "a fresh passphrase for someone"
START, END = "2031-05-05T15:00:00+00:00", "2031-05-05T17:00:00+00:00"

# endpoint -> (method, path, body in a world, teams allowed on their own records, teams allowed
# on any, the Action crm.permissions names, the record's owner in a world)
ENDPOINTS = {
    "client create": (
        "POST",
        lambda w: "/clients",
        lambda w: {"full_name": "New Client", "email": "new@client.example"},
        {S},
        {S},
        Action.CREATE_CLIENT,
        lambda w: w["actor"].id,
    ),
    "client update": (
        "PATCH",
        lambda w: f"/clients/{w['client']}",
        lambda w: {"full_name": "Renamed", "version": 1},
        {S},
        set(),
        Action.UPDATE_CLIENT,
        lambda w: w["client_owner"],
    ),
    "client reassign": (
        "POST",
        lambda w: f"/clients/{w['client']}/reassign",
        lambda w: {"sales_contact_id": int(w["new_sales"]), "version": 1},
        {M},
        {M},
        Action.REASSIGN_CLIENT,
        lambda w: w["client_owner"],
    ),
    "contract create": (
        "POST",
        lambda w: "/contracts",
        lambda w: {"client_id": int(w["client"]), "total_amount": "500"},
        {M},
        {M},
        Action.CREATE_CONTRACT,
        lambda w: w["client_owner"],
    ),
    "contract update": (
        "PATCH",
        lambda w: f"/contracts/{w['contract']}",
        lambda w: {"total_amount": "1200", "version": 1},
        {M, S},
        {M},
        Action.UPDATE_CONTRACT,
        lambda w: w["client_owner"],
    ),
    "contract sign": (
        "PATCH",
        lambda w: f"/contracts/{w['unsigned']}",
        lambda w: {"is_signed": True, "version": 1},
        {M, S},
        {M},
        Action.UPDATE_CONTRACT,
        lambda w: w["client_owner"],
    ),
    "contract pay": (
        "POST",
        lambda w: f"/contracts/{w['contract']}/payments",
        lambda w: {"amount": "100"},
        {M, S},
        {M},
        Action.RECORD_PAYMENT,
        lambda w: w["client_owner"],
    ),
    "contract correct-payment": (
        "POST",
        lambda w: f"/contracts/{w['contract']}/payments/{w['payment']}/correction",
        lambda w: None,
        {M},
        {M},
        Action.CORRECT_PAYMENT,
        lambda w: None,
    ),
    "event create": (
        "POST",
        lambda w: "/events",
        lambda w: {"contract_id": int(w["awaiting"]), "name": "Gala", "starts_at": START, "ends_at": END},
        {S},
        set(),
        Action.CREATE_EVENT,
        lambda w: w["client_owner"],
    ),
    "event update": (
        "PATCH",
        lambda w: f"/events/{w['event']}",
        lambda w: {"attendees": 99, "version": 1},
        {M, P},
        {M},
        Action.UPDATE_EVENT,
        lambda w: w["event_support"],
    ),
    "event assign": (
        "POST",
        lambda w: f"/events/{w['event']}/support",
        lambda w: {"support_contact_id": int(w["new_support"]), "version": 1},
        {M},
        {M},
        Action.ASSIGN_SUPPORT,
        lambda w: None,
    ),
    "employee create": (
        "POST",
        lambda w: "/employees",
        lambda w: {
            "username": "newbie",
            "full_name": "New Bie",
            "email": "newbie@epicevents.test",
            "team": "sales",
            "password": NEW_PW,
        },
        {M},
        {M},
        Action.MANAGE_EMPLOYEES,
        lambda w: None,
    ),
    "employee update": (
        "PATCH",
        lambda w: f"/employees/{w['target']}",
        lambda w: {"full_name": "Renamed", "version": 1},
        {M},
        {M},
        Action.MANAGE_EMPLOYEES,
        lambda w: None,
    ),
    "employee deactivate": (
        "POST",
        lambda w: f"/employees/{w['target']}/deactivate",
        lambda w: {},
        {M},
        {M},
        Action.MANAGE_EMPLOYEES,
        lambda w: None,
    ),
    "employee reactivate": (
        "POST",
        lambda w: f"/employees/{w['retired']}/reactivate",
        lambda w: None,
        {M},
        {M},
        Action.MANAGE_EMPLOYEES,
        lambda w: None,
    ),
    "employee reset-password": (
        "POST",
        lambda w: f"/employees/{w['target']}/password",
        lambda w: {"new_password": NEW_PW},
        {M},
        {M},
        Action.MANAGE_EMPLOYEES,
        lambda w: None,
    ),
    # Issue 15's daily work (crm/web/daily_work.py).
    "client note": (
        "POST",
        lambda w: f"/clients/{w['client']}/notes",
        lambda w: {"text": "called, wants a DJ"},
        {M, S},
        {M},
        Action.ADD_CLIENT_NOTE,
        lambda w: w["client_owner"],
    ),
    "event note": (
        "POST",
        lambda w: f"/events/{w['event']}/notes",
        lambda w: {"text": "venue confirmed"},
        {M, P},
        {M},
        Action.ADD_EVENT_NOTE,
        lambda w: w["event_support"],
    ),
    "event status": (
        "POST",
        lambda w: f"/events/{w['event']}/status",
        lambda w: {"status": "confirmed", "version": 1},
        {M, P},
        {M},
        Action.MOVE_EVENT_STATUS,
        lambda w: w["event_support"],
    ),
    "employee hand-over": (
        "POST",
        lambda w: f"/employees/{w['other_support']}/hand-over",
        lambda w: {"to": int(w["new_support"])},
        {M},
        {M},
        Action.HAND_OVER,
        lambda w: None,
    ),
    "notifications read": (
        "POST",
        lambda w: "/notifications/read",
        lambda w: {},
        {P},
        {P},
        Action.READ_NOTIFICATIONS,
        lambda w: None,
    ),
    "client import": (
        "POST",
        lambda w: "/imports/clients",
        lambda w: (
            f"full_name,email,phone,company_name,sales_contact_id\r\nNew,new@client.test,,,{w['new_sales']}\r\n"
            if w["actor"].team == M
            else "full_name,email,phone,company_name\r\nNew,new@client.test,,\r\n"
        ).encode(),
        {M, S},
        {M, S},
        Action.IMPORT_CLIENTS,
        lambda w: w["actor"].id,
    ),
}
MATRIX = [(endpoint, team, case) for endpoint in ENDPOINTS for team in (M, S, P) for case in CASES]


def http_world(admin_conn, team, owns):
    w = world(admin_conn, team, owns)
    owner = admin_conn.execute("SELECT sales_contact_id FROM clients WHERE id = %s", (int(w["client"]),))
    w["client_owner"] = owner.fetchone()[0]
    support = admin_conn.execute("SELECT support_contact_id FROM events WHERE id = %s", (int(w["event"]),))
    w["event_support"] = support.fetchone()[0]
    admin_conn.execute(  # something for "notifications read" to mark
        "INSERT INTO notifications (employee_id, event_id, kind, changes) VALUES (%s, %s, 'changed', '{}')",
        (w["actor"].id, int(w["event"])),
    )
    return w


def database_state(admin_conn):
    """The commands' matrix's tables, and the notifications."""
    notifications = admin_conn.execute("SELECT * FROM notifications ORDER BY id").fetchall()
    return [*snapshot(admin_conn), notifications]


def test_the_matrix_covers_every_write_endpoint(api_client):
    spec = api_client.get(f"{API}/openapi.json").json()
    writes = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
        if method in ("post", "patch", "put", "delete")
        and not path.startswith(("/api/v1/sessions", "/api/v1/me"))
        # Team mode's service calls: the services' own permission checks, through the menus on
        # both transports and tests/test_remote.py's matrix of write calls.
        and path != "/api/v1/calls/{name}"
    }
    w = {
        key: "{" + name + "}"
        for key, name in {
            "client": "client_id",
            "contract": "contract_id",
            "unsigned": "contract_id",
            "payment": "payment_id",
            "event": "event_id",
            "target": "employee_id",
            "retired": "employee_id",
            "other_support": "employee_id",
        }.items()
    }
    covered = {(method, API + path(w)) for method, path, *_ in ENDPOINTS.values()}
    pw = {
        key: "{" + name + "}"
        for key, name in {
            "service": "service_id",
            "retired_service": "service_id",
            "open": "opportunity_id",
            "negotiation": "opportunity_id",
            "line": "line_id",
        }.items()
    }
    covered |= {(method, API + path(pw)) for method, path, *_ in PIPELINE_ENDPOINTS.values()}
    assert writes == covered


@pytest.mark.parametrize(
    "endpoint, team, case", MATRIX, ids=[f"{e}-{t}-{k}".replace(" ", "_") for e, t, k in MATRIX]
)
def test_every_write_endpoint_by_every_team(api, admin_conn, endpoint, team, case):
    method, path, body, own_teams, any_teams, action, owner = ENDPOINTS[endpoint]
    w = http_world(admin_conn, team, owns=case != "not own")
    headers = login(api, "actor")
    if case == "deactivated":
        admin_conn.execute("UPDATE employees SET is_active = false WHERE id = %s", (w["actor"].id,))
    before = database_state(admin_conn)
    payload = body(w)
    sent = (
        {} if payload is None else {"content": payload} if isinstance(payload, bytes) else {"json": payload}
    )
    answer = api.request(method, API + path(w), headers=headers, **sent)
    allowed = case != "deactivated" and team in (own_teams if case == "own" else any_teams)
    if allowed:
        assert answer.status_code in (200, 201, 204), answer.text
        assert database_state(admin_conn) != before
        return
    status, code, message = error_of(answer)
    if case == "deactivated":
        assert (status, code, message) == (
            401,
            "session_deactivated",
            "Your account has been deactivated: you have been logged out.",
        )
    else:
        expected = permissions.refusal(w["actor"], action, owner_id=owner(w))
        assert (status, code, message) == (403, "permission_denied", expected)
    assert w["actor"].team == Team(team)
    assert database_state(admin_conn) == before


# The sales pipeline (docs/rules.md §5's pipeline rows), in the commands' pipeline worlds
# (tests/test_commands_permissions_pipeline.py): endpoint -> as ENDPOINTS, then the headers.
def _if_match(key: str):
    return lambda w: {"If-Match": f'"{w[key + "_version"]}"'}


NO_HEADERS = lambda w: {}  # noqa: E731
PIPELINE_ENDPOINTS = {
    "service create": (
        "POST",
        lambda w: "/services",
        lambda w: {"name": "DJ", "unit_price": "300", "unit": "hour"},
        {M},
        {M},
        Action.MANAGE_SERVICES,
        lambda w: None,
        NO_HEADERS,
    ),
    "service update": (
        "PATCH",
        lambda w: f"/services/{w['service']}",
        lambda w: {"unit_price": "50"},
        {M},
        {M},
        Action.MANAGE_SERVICES,
        lambda w: None,
        _if_match("service"),
    ),
    "service retire": (
        "POST",
        lambda w: f"/services/{w['service']}/retire",
        lambda w: None,
        {M},
        {M},
        Action.MANAGE_SERVICES,
        lambda w: None,
        _if_match("service"),
    ),
    "service restore": (
        "POST",
        lambda w: f"/services/{w['retired_service']}/restore",
        lambda w: {"version": w["retired_service_version"]},
        {M},
        {M},
        Action.MANAGE_SERVICES,
        lambda w: None,
        NO_HEADERS,
    ),
    "opportunity create": (
        "POST",
        lambda w: "/opportunities",
        lambda w: {"client_id": int(w["client"]), "title": "Gala"},
        {S},
        set(),
        Action.CREATE_OPPORTUNITY,
        lambda w: w["client_owner"],
        NO_HEADERS,
    ),
    "opportunity update": (
        "PATCH",
        lambda w: f"/opportunities/{w['open']}",
        lambda w: {"expected_attendees": 99, "version": w["open_version"]},
        {M, S},
        {M},
        Action.UPDATE_OPPORTUNITY,
        lambda w: w["client_owner"],
        NO_HEADERS,
    ),
    "opportunity add-line": (
        "POST",
        lambda w: f"/opportunities/{w['open']}/lines",
        lambda w: {"service_id": int(w["service"]), "quantity": 3},
        {M, S},
        {M},
        Action.UPDATE_OPPORTUNITY,
        lambda w: w["client_owner"],
        _if_match("open"),
    ),
    "opportunity update-line": (
        "PATCH",
        lambda w: f"/opportunities/{w['open']}/lines/{w['line']}",
        lambda w: {"quantity": 7, "version": w["open_version"]},
        {M, S},
        {M},
        Action.UPDATE_OPPORTUNITY,
        lambda w: w["client_owner"],
        NO_HEADERS,
    ),
    "opportunity remove-line": (
        "DELETE",
        lambda w: f"/opportunities/{w['open']}/lines/{w['line']}",
        lambda w: None,
        {M, S},
        {M},
        Action.UPDATE_OPPORTUNITY,
        lambda w: w["client_owner"],
        _if_match("open"),
    ),
    "opportunity move": (
        "POST",
        lambda w: f"/opportunities/{w['open']}/move",
        lambda w: {"stage": "proposal", "version": w["open_version"]},
        {M, S},
        {M},
        Action.MOVE_OPPORTUNITY,
        lambda w: w["client_owner"],
        NO_HEADERS,
    ),
    "opportunity lose": (
        "POST",
        lambda w: f"/opportunities/{w['open']}/lose",
        lambda w: {"reason": "Budget cut", "version": w["open_version"]},
        {M, S},
        {M},
        Action.LOSE_OPPORTUNITY,
        lambda w: w["client_owner"],
        NO_HEADERS,
    ),
    "opportunity win": (
        "POST",
        lambda w: f"/opportunities/{w['negotiation']}/win",
        lambda w: {"version": w["negotiation_version"]},
        {M},
        {M},
        Action.WIN_OPPORTUNITY,
        lambda w: w["client_owner"],
        NO_HEADERS,
    ),
}
PIPELINE_MATRIX = [
    (endpoint, team, case) for endpoint in PIPELINE_ENDPOINTS for team in (M, S, P) for case in CASES
]


def http_pipeline_world(admin_conn, team, owns):
    w = pipeline_world(admin_conn, team, owns)
    w["retired_service"] = str(make_service(admin_conn, "Old Venue", "100.00", "event", active=False))
    owner = admin_conn.execute("SELECT sales_contact_id FROM clients WHERE id = %s", (int(w["client"]),))
    w["client_owner"] = owner.fetchone()[0]
    for key, table in (
        ("service", "services"),
        ("retired_service", "services"),
        ("open", "opportunities"),
        ("negotiation", "opportunities"),
    ):
        query = sql.SQL("SELECT version FROM {} WHERE id = %s").format(sql.Identifier(table))
        found = admin_conn.execute(query, (int(w[key]),))
        w[key + "_version"] = found.fetchone()[0]
    return w


@pytest.mark.parametrize(
    "endpoint, team, case",
    PIPELINE_MATRIX,
    ids=[f"{e}-{t}-{k}".replace(" ", "_") for e, t, k in PIPELINE_MATRIX],
)
def test_every_pipeline_write_endpoint_by_every_team(api, admin_conn, endpoint, team, case):
    method, path, body, own_teams, any_teams, action, owner, extra = PIPELINE_ENDPOINTS[endpoint]
    w = http_pipeline_world(admin_conn, team, owns=case != "not own")
    headers = login(api, "actor")
    if case == "deactivated":
        admin_conn.execute("UPDATE employees SET is_active = false WHERE id = %s", (w["actor"].id,))
    before = pipeline_snapshot(admin_conn)
    payload = body(w)
    answer = api.request(
        method, API + path(w), headers=headers | extra(w), **({} if payload is None else {"json": payload})
    )
    allowed = case != "deactivated" and team in (own_teams if case == "own" else any_teams)
    if allowed:
        assert answer.status_code in (200, 201, 204), answer.text
        assert pipeline_snapshot(admin_conn) != before
        return
    status, code, message = error_of(answer)
    if case == "deactivated":
        assert (status, code, message) == (
            401,
            "session_deactivated",
            "Your account has been deactivated: you have been logged out.",
        )
    else:
        expected = permissions.refusal(w["actor"], action, owner_id=owner(w))
        assert (status, code, message) == (403, "permission_denied", expected)
    assert w["actor"].team == Team(team)
    assert pipeline_snapshot(admin_conn) == before
