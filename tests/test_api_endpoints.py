"""Every endpoint of the HTTP API through httpx, on a real PostgreSQL: what it answers, what it
changes in the database, its one error shape, its headers, pages and versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api import API, error_of, login
from tests.factories import (
    DEFAULT_PASSWORD,
    make_client,
    make_contract,
    make_event,
    make_staff,
    signed_contract,
)

NEW_PASSWORD = "a fresh passphrase for someone"


def test_log_in_and_who_am_i(api, admin_conn):
    staff = make_staff(admin_conn, "bill")
    answer = api.post(f"{API}/sessions", json={"username": "bill", "password": DEFAULT_PASSWORD})
    assert answer.status_code == 201
    body = answer.json()
    assert body["token_type"] == "bearer" and len(body["token"]) >= 43
    assert body["employee"]["id"] == staff["bill"].id and "password_hash" not in body["employee"]
    assert datetime.fromisoformat(body["expires_at"]).utcoffset() is not None
    me = api.get(f"{API}/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json()["username"] == "bill"
    assert me.headers["ETag"] == '"1"'
    stored = admin_conn.execute("SELECT face, token_hash FROM sessions").fetchall()
    assert [row[0] for row in stored] == ["api"]
    assert body["token"].encode() not in stored[0][1]  # only the hash is kept


def test_security_headers_and_no_cors(api, admin_conn):
    make_staff(admin_conn, "bill")
    headers = login(api, "bill") | {"Origin": "https://evil.example"}
    answer = api.get(f"{API}/clients", headers=headers)
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert not any(name.lower().startswith("access-control-") for name in answer.headers)
    preflight = api.options(f"{API}/clients", headers={"Origin": "https://evil.example"})
    assert not any(name.lower().startswith("access-control-") for name in preflight.headers)
    assert error_of(api.get(f"{API}/nowhere"))[:2] == (404, "not_found")


def test_no_token_bad_token(api, admin_conn):
    assert error_of(api.get(f"{API}/clients"))[:2] == (401, "not_logged_in")
    bad = api.get(f"{API}/clients", headers={"Authorization": "Bearer nope"})
    assert error_of(bad)[:2] == (401, "session_unknown")
    assert bad.headers["WWW-Authenticate"].startswith("Bearer")


def test_clients_create_list_show_update_reassign(api, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "sam")
    bill = login(api, "bill")
    created = api.post(
        f"{API}/clients",
        json={"full_name": " Kevin Casey ", "email": "kevin@startup.io", "company_name": "Cool Startup LLC"},
        headers=bill,
    )
    assert created.status_code == 201, created.text
    client = created.json()
    assert client["full_name"] == "Kevin Casey" and client["sales_contact_id"] == staff["bill"].id
    assert created.headers["Location"] == f"/api/v1/clients/{client['id']}"
    assert admin_conn.execute("SELECT full_name FROM clients").fetchall() == [("Kevin Casey",)]
    # the audit trail names the acting employee, set for that transaction only
    assert admin_conn.execute(
        "SELECT employee_id FROM audit_log WHERE table_name = 'clients'"
    ).fetchall() == [(staff["bill"].id,)]
    shown = api.get(f"{API}/clients/{client['id']}", headers=bill)
    assert shown.json() == client and shown.headers["ETag"] == '"1"'
    for query in ("", "?mine=true", f"?sales_contact_id={staff['bill'].id}", "?search=kevin"):
        listed = api.get(f"{API}/clients{query}", headers=bill).json()
        assert [c["id"] for c in listed["data"]] == [client["id"]], query
    assert api.get(f"{API}/clients?search=nobody", headers=bill).json()["data"] == []
    refused = api.get(f"{API}/clients?mine=true&search=x", headers=bill)
    assert error_of(refused)[:2] == (400, "conflicting_filters")

    updated = api.patch(
        f"{API}/clients/{client['id']}",
        json={"phone": "+33 6 12 34 56 78"},
        headers=bill | {"If-Match": '"1"'},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["phone"] == "+33 6 12 34 56 78" and updated.headers["ETag"] == '"2"'
    stale = api.patch(f"{API}/clients/{client['id']}", json={"phone": "", "version": 1}, headers=bill)
    assert error_of(stale) == (
        409,
        "stale_version",
        "Changed by someone else meanwhile — reload and try again.",
    )
    unversioned = api.patch(f"{API}/clients/{client['id']}", json={"phone": ""}, headers=bill)
    assert error_of(unversioned)[:2] == (400, "version_required")
    bad = api.patch(f"{API}/clients/{client['id']}", json={"email": "a..b@x.com", "version": 2}, headers=bill)
    assert error_of(bad) == (400, "invalid", "Enter a valid e-mail address, like name@example.com.")
    same = api.patch(f"{API}/clients/{client['id']}", json={"version": 2}, headers=bill)
    assert same.status_code == 200 and same.json()["version"] == 2  # nothing changed: nothing saved

    manager = login(api, "marie")
    moved = api.post(
        f"{API}/clients/{client['id']}/reassign",
        json={"sales_contact_id": staff["sam"].id, "version": 2},
        headers=manager,
    )
    assert moved.status_code == 200, moved.text
    assert admin_conn.execute("SELECT sales_contact_id FROM clients").fetchone()[0] == staff["sam"].id
    assert error_of(api.get(f"{API}/clients/999", headers=bill)) == (
        404,
        "not_found",
        "No client with id 999.",
    )


def test_pages_follow_a_cursor(api, admin_conn):
    staff = make_staff(admin_conn, "bill")
    ids = [make_client(admin_conn, staff["bill"].id, f"Client {n}") for n in range(5)]
    headers = login(api, "bill")
    seen, after = [], ""
    while True:
        answer = api.get(f"{API}/clients", params={"limit": 2, "after": after}, headers=headers).json()
        seen += [c["id"] for c in answer["data"]]
        assert len(answer["data"]) <= 2
        if not answer["has_more"]:
            assert answer["next_cursor"] is None
            break
        after = answer["next_cursor"]
    assert seen == sorted(ids, reverse=True)
    assert error_of(api.get(f"{API}/clients?limit=101", headers=headers))[:2] == (422, "invalid_request")
    assert error_of(api.get(f"{API}/clients?after=bogus", headers=headers))[:2] == (400, "invalid_cursor")


def test_contracts_pay_and_correct(api, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill")
    client_id = make_client(admin_conn, staff["bill"].id)
    manager, bill = login(api, "marie"), login(api, "bill")
    created = api.post(
        f"{API}/contracts", json={"client_id": client_id, "total_amount": "1,500.00"}, headers=manager
    )
    assert created.status_code == 201, created.text
    contract = created.json()
    assert (contract["total_amount"], contract["remaining_amount"], contract["payments"]) == (
        "1500.00",
        "1500.00",
        [],
    )
    cid = contract["id"]
    paid = api.post(f"{API}/contracts/{cid}/payments", json={"amount": "500.25"}, headers=bill)
    assert paid.status_code == 201, paid.text
    assert paid.json()["remaining_amount"] == "999.75" and paid.json()["paid_total"] == "500.25"
    too_much = api.post(f"{API}/contracts/{cid}/payments", json={"amount": "1000"}, headers=bill)
    assert error_of(too_much) == (
        400,
        "invalid",
        "A payment of 1,000.00 is more than what remains to be paid (999.75).",
    )
    assert error_of(api.post(f"{API}/contracts/{cid}/payments", json={"amount": "1e5"}, headers=bill))[
        :2
    ] == (
        400,
        "invalid",
    )
    signed = api.patch(f"{API}/contracts/{cid}", json={"is_signed": True}, headers=bill | {"If-Match": '"2"'})
    assert signed.status_code == 200, signed.text
    assert signed.json()["is_signed"] and signed.json()["signed_at"]
    unsign = api.patch(f"{API}/contracts/{cid}", json={"is_signed": False, "version": 3}, headers=bill)
    assert error_of(unsign) == (400, "invalid", "A signed contract cannot be un-signed.")
    for query in ("", "?unpaid=true", "?unpaid=true&mine=true", f"?client_id={client_id}"):
        assert [c["id"] for c in api.get(f"{API}/contracts{query}", headers=bill).json()["data"]] == [cid], (
            query
        )
    assert api.get(f"{API}/contracts?unsigned=true", headers=bill).json()["data"] == []
    assert error_of(api.get(f"{API}/contracts?mine=true", headers=bill))[:2] == (400, "invalid")
    payment_id = paid.json()["payments"][0]["id"]
    corrected = api.post(f"{API}/contracts/{cid}/payments/{payment_id}/correction", headers=manager)
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["remaining_amount"] == "1500.00"
    assert admin_conn.execute("SELECT amount::text FROM payments ORDER BY id").fetchall() == [
        ("500.25",),
        ("-500.25",),
    ]
    again = api.post(f"{API}/contracts/{cid}/payments/{payment_id}/correction", headers=manager)
    assert error_of(again)[0] == 400
    elsewhere = api.post(f"{API}/contracts/{cid + 1}/payments/{payment_id}/correction", headers=manager)
    assert error_of(elsewhere)[:2] == (404, "not_found")
    detail = api.get(f"{API}/contracts/{cid}", headers=bill).json()
    assert detail["payment_count"] == 2 and detail["paid_total"] == "0.00"


def test_events_create_update_assign(api, admin_conn, api_clock):
    staff = make_staff(admin_conn, "manager", "bill", "kate")
    contract_id = signed_contract(admin_conn, staff["bill"].id)
    bill, manager, kate = login(api, "bill"), login(api, "marie"), login(api, "kate")
    start = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    body = {
        "contract_id": contract_id,
        "name": "John Ouick Wedding",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=5)).isoformat(),
        "attendees": 75,
    }
    awaiting = api.get(f"{API}/contracts/awaiting-event", headers=bill).json()["data"]
    assert [c["id"] for c in awaiting] == [contract_id]
    created = api.post(f"{API}/events", json=body, headers=bill)
    assert created.status_code == 201, created.text
    assert api.get(f"{API}/contracts/awaiting-event", headers=bill).json()["data"] == []
    event = created.json()
    assert event["client_contact"].startswith("Kevin Casey") and event["support_contact_id"] is None
    naive = api.post(f"{API}/events", json=body | {"starts_at": "2031-05-05T15:00:00"}, headers=bill)
    assert error_of(naive)[:2] == (422, "invalid_request")
    again = api.post(f"{API}/events", json=body, headers=bill)
    assert error_of(again)[0] == 400
    assert [e["id"] for e in api.get(f"{API}/events?no_support=true", headers=manager).json()["data"]] == [
        event["id"]
    ]
    assigned = api.post(
        f"{API}/events/{event['id']}/support",
        json={"support_contact_id": staff["kate"].id, "version": 1},
        headers=manager,
    )
    assert assigned.status_code == 200, assigned.text
    assert [e["id"] for e in api.get(f"{API}/events?mine=true", headers=kate).json()["data"]] == [event["id"]]
    assert [e["id"] for e in api.get(f"{API}/events?search=ouick", headers=kate).json()["data"]] == [
        event["id"]
    ]
    support_list = api.get(f"{API}/events?support_contact_id={staff['kate'].id}", headers=manager).json()
    assert [e["id"] for e in support_list["data"]] == [event["id"]]
    updated = api.patch(
        f"{API}/events/{event['id']}",
        json={"attendees": 80, "notes": "Band at 9"},
        headers=kate | {"If-Match": '"2"'},
    )
    assert updated.status_code == 200, updated.text
    assert admin_conn.execute("SELECT attendees, notes FROM events").fetchone() == (80, "Band at 9")
    past = api.patch(
        f"{API}/events/{event['id']}",
        json={"starts_at": "2001-01-01T10:00:00+00:00", "version": 3},
        headers=kate,
    )
    assert error_of(past) == (400, "invalid", "The start cannot be in the past.")
    assert api.get(f"{API}/events/{event['id']}", headers=bill).json()["attendees"] == 80


def test_employees(api, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "kate")
    manager = login(api, "marie")
    created = api.post(
        f"{API}/employees",
        json={
            "username": "newbie",
            "full_name": "New Bie",
            "email": "newbie@epicevents.test",
            "team": "sales",
            "password": NEW_PASSWORD,
        },
        headers=manager,
    )
    assert created.status_code == 201, created.text
    newbie = created.json()
    weak = api.post(
        f"{API}/employees",
        json={
            "username": "weak",
            "full_name": "W",
            "email": "w@epicevents.test",
            "team": "sales",
            "password": "short",
        },
        headers=manager,
    )
    assert error_of(weak) == (400, "invalid", "A password needs at least 12 characters.")
    listed = api.get(f"{API}/employees?team=sales", headers=manager).json()["data"]
    assert {e["username"] for e in listed} == {"bill", "newbie"}
    renamed = api.patch(
        f"{API}/employees/{newbie['id']}", json={"full_name": "Newbie Bee", "version": 1}, headers=manager
    )
    assert renamed.status_code == 200 and renamed.json()["full_name"] == "Newbie Bee"
    own_team = api.patch(
        f"{API}/employees/{staff['manager'].id}", json={"team": "sales", "version": 1}, headers=manager
    )
    assert error_of(own_team) == (403, "permission_denied", "You cannot change your own team.")
    assert (
        api.post(
            f"{API}/employees/{newbie['id']}/password",
            json={"new_password": "another fine passphrase"},
            headers=manager,
        ).status_code
        == 204
    )
    login(api, "newbie", "another fine passphrase")
    bill_client = make_client(admin_conn, staff["bill"].id)
    assert bill_client
    care = api.get(f"{API}/employees/{staff['bill'].id}/reassignments", headers=manager)
    assert care.status_code == 200, care.text
    assert (care.json()["client_count"], [c["id"] for c in care.json()["clients"]]) == (1, [bill_client])
    mine = api.get(f"{API}/employees/{staff['manager'].id}/reassignments", headers=manager)
    assert error_of(mine) == (403, "permission_denied", "You cannot deactivate your own account.")
    pending = api.post(f"{API}/employees/{staff['bill'].id}/deactivate", headers=manager)
    assert error_of(pending)[:2] == (409, "reassignment_needed")
    gone = api.post(
        f"{API}/employees/{staff['bill'].id}/deactivate", json={"reassignments_seen": True}, headers=manager
    )
    assert gone.status_code == 200 and gone.json()["is_active"] is False
    assert [
        e["username"] for e in api.get(f"{API}/employees?status=deactivated", headers=manager).json()["data"]
    ] == ["bill"]
    back = api.post(f"{API}/employees/{staff['bill'].id}/reactivate", headers=manager)
    assert back.status_code == 200 and back.json()["is_active"] is True
    assert api.get(f"{API}/employees/{staff['kate'].id}", headers=manager).json()["username"] == "kate"


def test_history_for_management_only(api, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill")
    client_id = make_client(admin_conn, staff["bill"].id)
    contract_id = make_contract(admin_conn, client_id, remaining="900.00")
    make_event(admin_conn, make_contract(admin_conn, client_id, signed=True))
    manager = login(api, "marie")
    lines = api.get(f"{API}/history/contracts/{contract_id}", headers=manager)
    assert lines.status_code == 200, lines.text
    assert {line["source"] for line in lines.json()["data"]} == {"contracts", "payments"}
    assert error_of(api.get(f"{API}/history/clients/999", headers=manager))[:2] == (404, "not_found")
    assert error_of(api.get(f"{API}/history/clients/{client_id}", headers=login(api, "bill"))) == (
        403,
        "permission_denied",
        "Only management can read a record's history.",
    )
    assert error_of(api.get(f"{API}/history/payments/1", headers=manager))[:2] == (422, "invalid_request")


def test_own_password(api, admin_conn):
    make_staff(admin_conn, "bill")
    first, second = login(api, "bill"), login(api, "bill")
    wrong = api.post(
        f"{API}/me/password",
        json={"current_password": "not it at all", "new_password": NEW_PASSWORD},
        headers=first,
    )
    assert error_of(wrong)[0] == 401
    changed = api.post(
        f"{API}/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        headers=first,
    )
    assert changed.status_code == 204, changed.text
    assert api.get(f"{API}/me", headers=first).status_code == 200  # this session goes on
    assert error_of(api.get(f"{API}/me", headers=second)) == (
        401,
        "session_password",
        "Your password was changed: log in again.",
    )
    login(api, "bill", NEW_PASSWORD)


def test_framework_validation_is_one_line_and_declared(api, admin_conn):
    make_staff(admin_conn, "bill")
    bill = login(api, "bill")
    long_name = api.post(f"{API}/clients", json={"full_name": "x" * 151, "email": "a@b.test"}, headers=bill)
    assert error_of(long_name) == (422, "invalid_request", "Full name has at most 150 characters.")
    assert long_name.json()["error"]["field"] == "full_name"
    unknown = api.post(
        f"{API}/clients", json={"full_name": "A", "email": "a@b.test", "vip": True}, headers=bill
    )
    assert error_of(unknown) == (422, "invalid_request", "vip: no such field.")
    not_json = api.post(f"{API}/clients", content=b"{", headers=bill | {"Content-Type": "application/json"})
    assert error_of(not_json) == (422, "invalid_request", "The request body is not valid JSON.")
    huge = api.post(
        f"{API}/clients", content=b"x" * 70_000, headers=bill | {"Content-Type": "application/json"}
    )
    assert error_of(huge)[:2] == (413, "body_too_large")
    chunked = api.post(
        f"{API}/clients",
        content=(b"x" * 10_000 for _ in range(8)),  # no Content-Length: counted as it comes
        headers=bill | {"Content-Type": "application/json"},
    )
    assert error_of(chunked)[:2] == (413, "body_too_large")
    event = {"contract_id": 1, "name": "X", "starts_at": "2031-05-05T15:00:00+00:00"}
    negative = api.post(
        f"{API}/events", json=event | {"ends_at": event["starts_at"], "attendees": -1}, headers=bill
    )
    assert error_of(negative) == (422, "invalid_request", "Attendees must be a whole number, 0 or more.")
    zero = api.get(f"{API}/clients/0", headers=bill)
    assert error_of(zero) == (422, "invalid_request", "Id must be a positive whole number.")
    assert api.get(f"{API}/clients", headers=bill).status_code == 200
    spec = api.get(f"{API}/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "401", "403", "404", "409", "422", "423", "429", "500", "503"):
                declared = operation["responses"][status]["content"]["application/json"]["schema"]
                assert declared == {"$ref": "#/components/schemas/ErrorBody"}, (path, method, status)
    assert api.get("/api/docs").status_code == 200


def test_nothing_of_a_request_stays_on_its_pooled_connection(crm_db, admin_conn):
    """One pooled connection for every request: after a write, it holds no acting employee, no
    open transaction, no setting of the session (set_config(…, true) only)."""
    from tests.api import TestClient, make_app

    make_staff(admin_conn, "bill")
    app = make_app(crm_db, pool_max=1)
    with TestClient(app) as client:
        headers = login(client, "bill")
        created = client.post(
            f"{API}/clients", json={"full_name": "Kevin Casey", "email": "k@startup.io"}, headers=headers
        )
        assert created.status_code == 201
        with app.state.pool.pool.connection() as conn:
            assert conn.info.transaction_status.name == "IDLE"
            assert conn.execute("SELECT current_setting('crm.employee_id', true)").fetchone()[0] in (None, "")
            assert conn.execute("SELECT current_setting('crm.session_id', true)").fetchone()[0] in (None, "")


def test_an_unexpected_error_is_reported_with_a_reference(api, admin_conn, monkeypatch):
    from crm import monitoring
    from crm.services import clients as client_service

    staff = make_staff(admin_conn, "bill")
    client_id = make_client(admin_conn, staff["bill"].id)
    headers = login(api, "bill")
    reported = []
    real_capture = monitoring.capture

    def capture(error):
        reported.append(error)
        return real_capture(error)

    def broken(db, wanted):
        raise RuntimeError("SELECT password_hash FROM employees -- kevin@startup.io")

    monkeypatch.setattr(monitoring, "capture", capture)
    monkeypatch.setattr(client_service, "get_client", broken)
    answer = api.get(f"{API}/clients/{client_id}", headers=headers)
    status, code, message = error_of(answer)
    reference = answer.json()["error"]["reference"]
    assert (status, code) == (500, "internal_error") and reference and len(reference) == 8
    assert message == f"Something went wrong; it has been reported (reference {reference})."
    assert (
        "SELECT" not in answer.text and "password_hash" not in answer.text and "Traceback" not in answer.text
    )
    assert len(reported) == 1 and isinstance(reported[0], RuntimeError)
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_database_unavailable_is_503(crm_db):
    from crm.services.pool import DatabasePool
    from crm.web.app import create_app
    from tests.api import POLICY, TestClient

    pool = DatabasePool("host=127.0.0.1 port=1 dbname=x user=x connect_timeout=1", 0, 1, wait=0.5)
    with TestClient(create_app(pool, POLICY)) as client:
        answer = client.post(f"{API}/sessions", json={"username": "bill", "password": DEFAULT_PASSWORD})
        assert error_of(answer) == (503, "database_unavailable", "The database is unavailable, try again.")
        assert answer.headers["Retry-After"]
        assert client.get(f"{API}/openapi.json").status_code == 200  # the docs need no database
