"""Issue 15's daily work through the HTTP API (httpx, a real PostgreSQL): the digest and its mark,
notes, notifications, event status, contracts without an event, the agenda, the calendar file,
handing over, CSV exports (recorded) and the client import (its report) — each asserted in the
database."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from icalendar import Calendar

from tests.api import API, error_of, login
from tests.factories import make_client, make_contract, make_event, make_staff, signed_contract


def _event_version(admin_conn, event_id):
    return admin_conn.execute("SELECT version FROM events WHERE id = %s", (event_id,)).fetchone()[0]


def test_digest_its_mark_and_its_setting(api, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "kate")
    client_id = make_client(admin_conn, staff["bill"].id)
    make_contract(admin_conn, client_id)  # not signed
    bill = login(api, "bill")
    digest = api.get(f"{API}/me/digest", headers=bill)
    assert digest.status_code == 200, digest.text
    body = digest.json()
    assert body["team"] == "sales" and body["enabled"] is True
    lines = {line["key"]: line for line in body["lines"]}
    assert list(lines) == ["unsigned_contracts", "unpaid_contracts", "quiet_clients"]
    assert lines["unsigned_contracts"]["count"] == 1
    assert lines["unsigned_contracts"]["items"][0]["name"].startswith("Kevin Casey")
    mark = "SELECT seen_audit_id FROM employee_digest WHERE employee_id = %s"
    assert admin_conn.execute(mark, (staff["bill"].id,)).fetchone() is None  # reading moves nothing
    seen = api.post(f"{API}/me/digest/seen", headers=bill)
    assert seen.status_code == 200 and seen.json()["lines"] == body["lines"]
    newest = admin_conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    assert admin_conn.execute(mark, (staff["bill"].id,)).fetchone() == (newest,)
    off = api.put(f"{API}/me/digest/setting", json={"enabled": False}, headers=bill)
    assert off.status_code == 200 and off.json() == {"enabled": False}
    enabled = "SELECT enabled FROM employee_digest WHERE employee_id = %s"
    assert admin_conn.execute(enabled, (staff["bill"].id,)).fetchone() == (False,)
    assert api.get(f"{API}/me/digest", headers=bill).json()["enabled"] is False
    bad = api.put(f"{API}/me/digest/setting", json={"enabled": "maybe"}, headers=bill)
    assert error_of(bad) == (422, "invalid_request", "enabled must be true or false.")
    manager = api.get(f"{API}/me/digest", headers=login(api, "marie")).json()
    assert [line["key"] for line in manager["lines"]] == [
        "unstaffed_events",
        "overdue_contracts",
        "deactivated_owners",
    ]


def test_notes_on_clients_and_events(api, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "sam", "kate")
    client_id = make_client(admin_conn, staff["bill"].id)
    event_id = make_event(
        admin_conn, make_contract(admin_conn, client_id, signed=True), support_id=staff["kate"].id
    )
    bill, sam, kate = login(api, "bill"), login(api, "sam"), login(api, "kate")
    first = api.post(f"{API}/clients/{client_id}/notes", json={"text": "called, wants a DJ"}, headers=bill)
    assert first.status_code == 201, first.text
    assert first.json()["author_id"] == staff["bill"].id and first.json()["client_id"] == client_id
    second = api.post(f"{API}/clients/{client_id}/notes", json={"text": "  sent the quote  "}, headers=bill)
    assert second.json()["body"] == "sent the quote"
    listed = api.get(f"{API}/clients/{client_id}/notes?limit=1", headers=kate).json()  # everyone reads
    assert [n["body"] for n in listed["data"]] == ["sent the quote"] and listed["has_more"]
    rest = api.get(f"{API}/clients/{client_id}/notes?after={listed['next_cursor']}", headers=kate).json()
    assert [n["body"] for n in rest["data"]] == ["called, wants a DJ"] and not rest["has_more"]
    refused = api.post(f"{API}/clients/{client_id}/notes", json={"text": "mine now"}, headers=sam)
    assert error_of(refused) == (
        403,
        "permission_denied",
        "Only the client's sales contact can add a note to this client.",
    )
    empty = api.post(f"{API}/clients/{client_id}/notes", json={"text": "   "}, headers=bill)
    assert error_of(empty) == (400, "invalid", "A note cannot be empty.")
    long = api.post(f"{API}/clients/{client_id}/notes", json={"text": "x" * 2001}, headers=bill)
    assert error_of(long) == (422, "invalid_request", "A note has at most 2000 characters.")
    assert error_of(api.get(f"{API}/clients/{client_id + 99}/notes", headers=bill))[:2] == (404, "not_found")
    on_event = api.post(
        f"{API}/events/{event_id}/notes", json={"text": "venue confirmed for 14:00"}, headers=kate
    )
    assert on_event.status_code == 201, on_event.text
    assert error_of(api.post(f"{API}/events/{event_id}/notes", json={"text": "hi"}, headers=bill))[0] == 403
    assert [n["body"] for n in api.get(f"{API}/events/{event_id}/notes", headers=bill).json()["data"]] == [
        "venue confirmed for 14:00"
    ]
    stored = admin_conn.execute(
        "SELECT client_id, event_id, author_id, body FROM notes ORDER BY id"
    ).fetchall()
    assert stored == [
        (client_id, None, staff["bill"].id, "called, wants a DJ"),
        (client_id, None, staff["bill"].id, "sent the quote"),
        (None, event_id, staff["kate"].id, "venue confirmed for 14:00"),
    ]


def test_notifications_and_event_status(api, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "kate")
    event_id = make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id))
    manager, kate, bill = login(api, "marie"), login(api, "kate"), login(api, "bill")
    assigned = api.post(
        f"{API}/events/{event_id}/support",
        json={"support_contact_id": staff["kate"].id, "version": 1},
        headers=manager,
    )
    assert assigned.status_code == 200, assigned.text
    confirmed = api.post(
        f"{API}/events/{event_id}/status", json={"status": "confirmed"}, headers=kate | {"If-Match": '"2"'}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed" and confirmed.headers["ETag"] == '"3"'
    stale = api.post(f"{API}/events/{event_id}/status", json={"status": "done", "version": 2}, headers=kate)
    assert error_of(stale)[:2] == (409, "stale_version")
    no_version = api.post(f"{API}/events/{event_id}/status", json={"status": "done"}, headers=kate)
    assert error_of(no_version)[:2] == (400, "version_required")
    support_cancels = api.post(
        f"{API}/events/{event_id}/status",
        json={"status": "cancelled", "reason": "rain", "version": 3},
        headers=kate,
    )
    assert error_of(support_cancels)[:2] == (403, "permission_denied")
    no_reason = api.post(
        f"{API}/events/{event_id}/status", json={"status": "cancelled", "version": 3}, headers=manager
    )
    assert error_of(no_reason) == (400, "invalid", "A cancellation needs a reason.")
    back = api.post(
        f"{API}/events/{event_id}/status", json={"status": "planned", "version": 3}, headers=manager
    )
    assert error_of(back)[0] == 400
    cancelled = api.post(
        f"{API}/events/{event_id}/status",
        json={"status": "cancelled", "reason": "Client moved abroad", "version": 3},
        headers=manager,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert admin_conn.execute("SELECT status, cancel_reason FROM events").fetchone() == (
        "cancelled",
        "Client moved abroad",
    )
    # kate was told of the assignment and of the cancellation (not of her own confirmation)
    listed = api.get(f"{API}/notifications?unread=true", headers=kate)
    assert listed.status_code == 200, listed.text
    kinds = [(n["kind"], n["changed_by"]) for n in listed.json()["data"]]
    assert kinds == [("changed", staff["manager"].id), ("assigned", staff["manager"].id)]
    newest = listed.json()["data"][0]
    assert newest["changes"]["status"] == ["confirmed", "cancelled"]
    first = api.post(f"{API}/notifications/read", json={"ids": [newest["id"]]}, headers=kate)
    assert first.json() == {"marked": 1}
    unread = "SELECT count(*) FROM notifications WHERE employee_id = %s AND read_at IS NULL"
    assert admin_conn.execute(unread, (staff["kate"].id,)).fetchone() == (1,)
    assert api.post(f"{API}/notifications/read", headers=kate).json() == {"marked": 1}
    assert admin_conn.execute(unread, (staff["kate"].id,)).fetchone() == (0,)
    assert api.get(f"{API}/notifications?unread=true", headers=kate).json()["data"] == []
    assert len(api.get(f"{API}/notifications", headers=kate).json()["data"]) == 2
    assert error_of(api.get(f"{API}/notifications", headers=bill))[:2] == (403, "permission_denied")
    assert error_of(api.post(f"{API}/notifications/read", headers=bill))[:2] == (403, "permission_denied")


def test_contracts_without_an_event(api, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "sam", "kate")
    bills = signed_contract(admin_conn, staff["bill"].id)
    sams = signed_contract(admin_conn, staff["sam"].id, "Sam's client")
    make_event(admin_conn, signed_contract(admin_conn, staff["bill"].id, "Has an event"))
    make_contract(admin_conn, make_client(admin_conn, staff["bill"].id, "Unsigned"))
    ids = lambda who: {c["id"] for c in api.get(f"{API}/contracts?no_event=true", headers=who).json()["data"]}  # noqa: E731
    assert ids(login(api, "bill")) == {bills}
    assert ids(login(api, "marie")) == {bills, sams}
    refused = api.get(f"{API}/contracts?no_event=true", headers=login(api, "kate"))
    assert error_of(refused)[:2] == (403, "permission_denied")
    both = api.get(f"{API}/contracts?no_event=true&unpaid=true", headers=login(api, "bill"))
    assert error_of(both)[:2] == (400, "conflicting_filters")


def test_agenda_and_calendar_file(api, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "kate", "alienor")
    kates = make_event(
        admin_conn,
        signed_contract(admin_conn, staff["bill"].id),
        support_id=staff["kate"].id,
        starts_in_days=3,
    )
    aliens = make_event(
        admin_conn,
        signed_contract(admin_conn, staff["bill"].id, "Other"),
        "Other party",
        support_id=staff["alienor"].id,
        starts_in_days=3,
    )
    day = admin_conn.execute(
        "SELECT (starts_at AT TIME ZONE 'Europe/Paris')::date FROM events WHERE id = %s", (kates,)
    ).fetchone()[0]
    kate, manager = login(api, "kate"), login(api, "marie")
    week = api.get(f"{API}/agenda?week={day.isoformat()}", headers=kate)
    assert week.status_code == 200, week.text
    body = week.json()
    assert len(body["days"]) == 7 and body["week_of"] == body["days"][0]["day"]
    assert datetime.fromisoformat(body["week_of"]).weekday() == 0
    on_day = {d["day"]: [e["id"] for e in d["events"]] for d in body["days"]}
    assert kates in on_day[day.isoformat()] and aliens not in on_day[day.isoformat()]
    everyone = api.get(f"{API}/agenda?week={day.isoformat()}", headers=manager).json()
    assert {kates, aliens} <= {e["id"] for d in everyone["days"] for e in d["events"]}
    hers = api.get(
        f"{API}/agenda?week={day.isoformat()}&support_id={staff['alienor'].id}", headers=manager
    ).json()
    assert {e["id"] for d in hers["days"] for e in d["events"]} == {aliens}
    other = api.get(f"{API}/agenda?support_id={staff['alienor'].id}", headers=kate)
    assert error_of(other) == (403, "permission_denied", "Support employees see their own agenda only.")
    assert error_of(api.get(f"{API}/agenda?week=1000-01-01", headers=kate))[:2] == (400, "invalid")
    assert error_of(api.get(f"{API}/agenda", headers=login(api, "bill")))[0] == 403
    ics = api.get(f"{API}/me/calendar.ics", headers=kate)
    assert ics.status_code == 200, ics.text
    assert (
        ics.headers["content-type"].startswith("text/calendar") and ics.headers["Cache-Control"] == "no-store"
    )
    calendar = Calendar.from_ical(ics.content)
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]).startswith(f"event-{kates}@") for e in events] == [True]
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"
    assert error_of(api.get(f"{API}/me/calendar.ics", headers=manager))[:2] == (403, "permission_denied")


def test_hand_over_with_the_versions_seen(api, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "sam", "kate")
    first = make_client(admin_conn, staff["bill"].id, "First Client")
    second = make_client(admin_conn, staff["bill"].id, "Second Client")
    manager = login(api, "marie")
    offer = api.get(f"{API}/employees/{staff['bill'].id}/hand-over", headers=manager)
    assert offer.status_code == 200, offer.text
    plan = offer.json()
    assert sorted(c["id"] for c in plan["clients"]) == [first, second] and plan["count"] == 2
    assert [c["id"] for c in plan["candidates"]] == [staff["sam"].id]
    admin_conn.execute(
        "UPDATE clients SET phone = '+33 1 00 00 00 00', version = version + 1 WHERE id = %s", (first,)
    )
    seen = {"clients": plan["clients"], "events": []}
    stale = api.post(
        f"{API}/employees/{staff['bill'].id}/hand-over",
        json={"to": staff["sam"].id, "seen": seen},
        headers=manager,
    )
    assert error_of(stale)[:2] == (409, "stale_version")
    owners = "SELECT DISTINCT sales_contact_id FROM clients"
    assert admin_conn.execute(owners).fetchall() == [(staff["bill"].id,)]
    wrong = api.post(
        f"{API}/employees/{staff['bill'].id}/hand-over", json={"to": staff["kate"].id}, headers=manager
    )
    assert error_of(wrong) == (
        400,
        "invalid",
        f"Employee {staff['kate'].id} is not an active sales employee.",
    )
    fresh = api.get(f"{API}/employees/{staff['bill'].id}/hand-over", headers=manager).json()
    done = api.post(
        f"{API}/employees/{staff['bill'].id}/hand-over",
        json={"to": staff["sam"].id, "deactivate": True, "seen": {"clients": fresh["clients"]}},
        headers=manager,
    )
    assert done.status_code == 200, done.text
    assert done.json()["count"] == 2
    assert admin_conn.execute(owners).fetchall() == [(staff["sam"].id,)]
    active = "SELECT is_active FROM employees WHERE id = %s"
    assert admin_conn.execute(active, (staff["bill"].id,)).fetchone() == (False,)
    refused = api.get(f"{API}/employees/{staff['sam'].id}/hand-over", headers=login(api, "sam"))
    assert error_of(refused)[:2] == (403, "permission_denied")


def _rows(answer):
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))


def test_csv_exports_are_streamed_and_recorded(api, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "sam", "kate")
    client_id = make_client(
        admin_conn, staff["bill"].id, "Hélène =SUM(A1)", company="Robert'); DROP TABLE clients;--"
    )
    make_client(admin_conn, staff["sam"].id, "Sam's client")
    contract_id = make_contract(admin_conn, client_id, total="1000.00", remaining="400.00", signed=True)
    make_event(admin_conn, contract_id, support_id=staff["kate"].id)
    bill = login(api, "bill")
    mine = api.get(f"{API}/exports/clients.csv?mine=true&excel=true", headers=bill)
    assert mine.status_code == 200, mine.text
    assert mine.headers["content-type"].startswith("text/csv") and mine.headers["Cache-Control"] == "no-store"
    assert mine.content.startswith("\ufeff".encode())
    rows = _rows(mine)
    assert [r["full_name"] for r in rows] == ["Hélène =SUM(A1)"]
    assert rows[0]["company_name"] == "Robert'); DROP TABLE clients;--"
    assert len(_rows(api.get(f"{API}/exports/clients.csv", headers=bill))) == 2
    contracts = _rows(api.get(f"{API}/exports/contracts.csv?unpaid=true", headers=bill))
    assert [(r["id"], r["remaining_amount"]) for r in contracts] == [(str(contract_id), "400.00")]
    events = _rows(api.get(f"{API}/exports/events.csv?mine=true", headers=login(api, "kate")))
    assert len(events) == 1
    payments = _rows(api.get(f"{API}/exports/payments.csv?contract_id={contract_id}", headers=bill))
    assert [r["amount"] for r in payments] == ["600.00"]
    traces = admin_conn.execute(
        "SELECT employee_id, kind, filters, row_count, excel, face FROM exports ORDER BY id"
    ).fetchall()
    assert traces == [
        (staff["bill"].id, "clients", {"mine": True}, 1, True, "api"),
        (staff["bill"].id, "clients", {}, 2, False, "api"),
        (staff["bill"].id, "contracts", {"unpaid": True}, 1, False, "api"),
        (staff["kate"].id, "events", {"mine": True}, 1, False, "api"),
        (staff["bill"].id, "payments", {"contract_id": contract_id}, 1, False, "api"),
    ]
    both = api.get(f"{API}/exports/clients.csv?mine=true&search=x", headers=bill)
    assert error_of(both)[:2] == (400, "conflicting_filters")
    assert admin_conn.execute("SELECT count(*) FROM exports").fetchone() == (5,)  # a refused one: no trace


def test_client_import_dry_run_report_then_all_or_nothing(api, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "sam")
    make_client(admin_conn, staff["sam"].id, "Existing", email="taken@client.test")
    bill = login(api, "bill")
    csv_headers = bill | {"Content-Type": "text/csv"}
    broken = (
        "full_name,email,phone,company_name\r\nAnne Été,anne@client.test,,Été SARL\r\nBob,not-an-email,,\r\n"
    )
    report = api.post(f"{API}/imports/clients?dry_run=true", content=broken.encode(), headers=csv_headers)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["written"] is False and body["rows"] == 2 and body["problem_count"] == 1
    assert [(p["line"], p["column"]) for p in body["problems"]] == [(3, "email")]
    refused = api.post(f"{API}/imports/clients", content=broken.encode(), headers=csv_headers)
    status, code, message = error_of(refused)
    assert (status, code, refused.json()["error"]["field"]) == (400, "import_refused", "email")
    assert message.startswith("Nothing was imported: 1 problem(s) in the file. First: line 3, email:")
    count = "SELECT count(*) FROM clients"
    assert admin_conn.execute(count).fetchone() == (1,)
    good = (
        "full_name,email,phone,company_name\r\nAnne Été,anne@client.test,,Été SARL\r\n"
        "Taken,taken@client.test,,\r\n"
    )
    dry = api.post(f"{API}/imports/clients?dry_run=true", content=good.encode(), headers=csv_headers).json()
    assert (dry["created"], dry["skipped"], dry["written"]) == (1, 1, False)
    assert [d["email"] for d in dry["duplicates"]] == ["taken@client.test"]
    assert admin_conn.execute(count).fetchone() == (1,)
    done = api.post(f"{API}/imports/clients?on_duplicate=skip", content=good.encode(), headers=csv_headers)
    assert done.status_code == 200, done.text
    assert (done.json()["created"], done.json()["skipped"], done.json()["written"]) == (1, 1, True)
    assert admin_conn.execute(
        "SELECT full_name, company_name, sales_contact_id FROM clients WHERE email = 'anne@client.test'"
    ).fetchone() == ("Anne Été", "Été SARL", staff["bill"].id)
    latin1 = api.post(
        f"{API}/imports/clients?dry_run=true", content=good.encode("latin-1"), headers=csv_headers
    )
    assert latin1.json()["problems"][0]["message"].startswith("The file is not UTF-8 text")
    update = api.post(
        f"{API}/imports/clients?on_duplicate=update", content=good.encode(), headers=csv_headers
    )
    assert error_of(update)[:2] == (400, "import_refused")  # sam's client is not bill's to update
    assert (
        error_of(
            api.post(f"{API}/imports/clients?on_duplicate=merge", content=good.encode(), headers=csv_headers)
        )[0]
        == 422
    )
    manager = login(api, "marie") | {"Content-Type": "text/csv"}
    with_owner = (
        f"full_name,email,phone,company_name,sales_contact_id\r\nZoé,zoe@client.test,,,{staff['sam'].id}\r\n"
    )
    assert api.post(f"{API}/imports/clients", content=with_owner.encode(), headers=manager).status_code == 200
    assert admin_conn.execute(
        "SELECT sales_contact_id FROM clients WHERE email = 'zoe@client.test'"
    ).fetchone() == (staff["sam"].id,)
    big = (
        b"full_name,email,phone,company_name\r\n" + b"A,a@b.test,,\r\n" * 5000
    )  # over the 64 KiB of JSON bodies
    assert (
        api.post(f"{API}/imports/clients?dry_run=true", content=big, headers=csv_headers).status_code == 200
    )


def test_a_large_export_goes_through_a_file_and_streams_whole(api, admin_conn, monkeypatch):
    from crm.web import csvfiles

    staff = make_staff(admin_conn, "bill")
    for n in range(30):
        make_client(admin_conn, staff["bill"].id, f"Client {n} Ünïcode")
    bill = login(api, "bill")
    whole = api.get(f"{API}/exports/clients.csv", headers=bill).content
    monkeypatch.setattr(csvfiles, "SPOOL_MAX", 100)  # past it: a temporary file on disk
    monkeypatch.setattr(csvfiles, "CHUNK", 7)  # many small chunks
    streamed = api.get(f"{API}/exports/clients.csv", headers=bill)
    assert streamed.content == whole and streamed.headers["X-Row-Count"] == "30"
    assert len(_rows(streamed)) == 30
    assert admin_conn.execute("SELECT row_count FROM exports ORDER BY id").fetchall() == [(30,), (30,)]


def test_hand_over_of_events_tells_both_support_employees(api, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "kate", "alienor")
    event_id = make_event(
        admin_conn, signed_contract(admin_conn, staff["bill"].id), support_id=staff["kate"].id
    )
    manager = login(api, "marie")
    plan = api.get(f"{API}/employees/{staff['kate'].id}/hand-over", headers=manager).json()
    assert plan["events"] == [{"id": event_id, "version": 1}] and plan["clients"] == []
    done = api.post(
        f"{API}/employees/{staff['kate'].id}/hand-over",
        json={"to": staff["alienor"].id, "seen": {"events": plan["events"]}},
        headers=manager,
    )
    assert done.status_code == 200, done.text
    assert admin_conn.execute("SELECT support_contact_id FROM events").fetchone() == (staff["alienor"].id,)
    told = admin_conn.execute("SELECT employee_id, kind FROM notifications ORDER BY id").fetchall()
    assert sorted(told) == sorted([(staff["kate"].id, "unassigned"), (staff["alienor"].id, "assigned")])
    nothing = api.post(
        f"{API}/employees/{staff['kate'].id}/hand-over", json={"to": staff["alienor"].id}, headers=manager
    )
    assert error_of(nothing) == (400, "invalid", "Kate Hastroff has no events to hand over.")
