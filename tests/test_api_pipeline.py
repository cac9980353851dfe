"""The sales pipeline through HTTP, on a real PostgreSQL: /api/v1/services, /api/v1/opportunities
(lines, stages, lost, won → the contract) and /api/v1/pipeline/report — what each endpoint
answers, what it changes in the database, the services' own one-line refusals, versions, and two
managers winning one opportunity at once over real sockets."""

from __future__ import annotations

from decimal import Decimal as D

import httpx

from crm.services import pipeline
from tests.api import API, error_of, http_login, live_server, login, make_app
from tests.factories import make_client, make_employee, make_opportunity, make_service, make_staff
from tests.test_api_concurrency import together

STALE = (409, "stale_version", "Changed by someone else meanwhile — reload and try again.")


def _version(answer) -> str:
    return answer.headers["ETag"]


def test_the_catalogue(api, admin_conn):
    make_staff(admin_conn, "manager", "bill")
    manager, bill = login(api, "marie"), login(api, "bill")
    created = api.post(
        f"{API}/services",
        json={"name": " Catering ", "unit_price": "45.50", "unit": "guest", "description": "Dinner"},
        headers=manager,
    )
    assert created.status_code == 201, created.text
    catering = created.json()
    assert (catering["name"], catering["unit_price"], catering["unit"], catering["is_active"]) == (
        "Catering",
        "45.50",
        "guest",
        True,
    )
    assert created.headers["Location"] == f"/api/v1/services/{catering['id']}" and _version(created) == '"1"'
    assert admin_conn.execute("SELECT name, unit_price FROM services").fetchall() == [
        ("Catering", D("45.50"))
    ]
    taken = api.post(
        f"{API}/services", json={"name": "CATERING", "unit_price": "1", "unit": "event"}, headers=manager
    )
    assert error_of(taken) == (400, "invalid", "Another service already has this name.")
    negative = api.post(
        f"{API}/services", json={"name": "Venue", "unit_price": "-1", "unit": "event"}, headers=manager
    )
    assert error_of(negative)[:2] == (400, "invalid")
    long_name = api.post(
        f"{API}/services", json={"name": "x" * 151, "unit_price": "1", "unit": "event"}, headers=manager
    )
    assert error_of(long_name) == (422, "invalid_request", "Name has at most 150 characters.")
    bad_unit = api.post(
        f"{API}/services", json={"name": "Venue", "unit_price": "1", "unit": "day"}, headers=manager
    )
    assert error_of(bad_unit)[:2] == (422, "invalid_request")
    refused = api.post(
        f"{API}/services", json={"name": "Venue", "unit_price": "1", "unit": "event"}, headers=bill
    )
    assert error_of(refused) == (
        403,
        "permission_denied",
        "Only management can create, edit or retire services.",
    )

    sid = catering["id"]
    shown = api.get(f"{API}/services/{sid}", headers=bill)
    assert shown.json() == catering and _version(shown) == '"1"'
    updated = api.patch(
        f"{API}/services/{sid}", json={"unit_price": "48.00"}, headers=manager | {"If-Match": '"1"'}
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["unit_price"], updated.json()["name"], _version(updated)) == (
        "48.00",
        "Catering",
        '"2"',
    )
    assert (
        error_of(api.patch(f"{API}/services/{sid}", json={"name": "X", "version": 1}, headers=manager))
        == STALE
    )
    same = api.patch(f"{API}/services/{sid}", json={"version": 2}, headers=manager)
    assert same.status_code == 200 and same.json()["version"] == 2  # nothing changed: nothing saved
    unversioned = api.post(f"{API}/services/{sid}/retire", headers=manager)
    assert error_of(unversioned)[:2] == (400, "version_required")

    venue = make_service(admin_conn, "Venue", "1000.00", "event")
    retired = api.post(f"{API}/services/{sid}/retire", headers=manager | {"If-Match": '"2"'})
    assert retired.status_code == 200 and retired.json()["is_active"] is False, retired.text
    assert admin_conn.execute("SELECT is_active FROM services WHERE id = %s", (sid,)).fetchone() == (False,)
    again = api.post(f"{API}/services/{sid}/retire", json={"version": 3}, headers=manager)
    assert error_of(again) == (400, "invalid", f"Service {sid} (Catering) is already retired.")
    listed = api.get(f"{API}/services", headers=bill).json()
    assert [s["name"] for s in listed["data"]] == ["Catering", "Venue"] and not listed["has_more"]
    assert [s["id"] for s in api.get(f"{API}/services?active=true", headers=bill).json()["data"]] == [venue]
    first = api.get(f"{API}/services?limit=1", headers=bill).json()
    second = api.get(
        f"{API}/services", params={"limit": 1, "after": first["next_cursor"]}, headers=bill
    ).json()
    assert [s["name"] for s in first["data"] + second["data"]] == ["Catering", "Venue"]
    restored = api.post(f"{API}/services/{sid}/restore", json={"version": 3}, headers=manager)
    assert restored.status_code == 200 and restored.json()["is_active"] is True, restored.text
    assert error_of(api.get(f"{API}/services/999", headers=bill)) == (
        404,
        "not_found",
        "No service with id 999.",
    )


def test_an_opportunity_from_new_to_won(api, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "sam")
    client_id = make_client(admin_conn, staff["bill"].id)
    catering = make_service(admin_conn, "Catering", "45.00", "guest")
    venue = make_service(admin_conn, "Venue", "1000.00", "event")
    bill, sam, manager = login(api, "bill"), login(api, "sam"), login(api, "marie")

    created = api.post(
        f"{API}/opportunities",
        json={"client_id": client_id, "title": "Wedding in June", "expected_close_on": "2031-06-01"},
        headers=bill,
    )
    assert created.status_code == 201, created.text
    opp = created.json()
    oid = opp["id"]
    assert (opp["stage"], opp["probability"], opp["amount"], opp["lines"], opp["expected_close_on"]) == (
        "new",
        10,
        "0.00",
        [],
        "2031-06-01",
    )
    assert (
        opp["sales_contact_id"] == staff["bill"].id
        and created.headers["Location"] == f"/api/v1/opportunities/{oid}"
    )
    not_yours = api.post(f"{API}/opportunities", json={"client_id": client_id, "title": "Mine"}, headers=sam)
    assert error_of(not_yours) == (
        403,
        "permission_denied",
        "Only the client's sales contact can create an opportunity for this client.",
    )
    bad_day = api.post(
        f"{API}/opportunities",
        json={"client_id": client_id, "title": "X", "expected_close_on": "June"},
        headers=bill,
    )
    assert error_of(bad_day) == (422, "invalid_request", "Expected close date must be a day like 2027-06-04.")
    old_day = api.post(
        f"{API}/opportunities",
        json={"client_id": client_id, "title": "X", "expected_close_on": "1999-01-01"},
        headers=bill,
    )
    assert error_of(old_day)[:2] == (400, "invalid")

    # lines: the catalogue's price unless one is given; the amount is always their sum
    added = api.post(
        f"{API}/opportunities/{oid}/lines",
        json={"service_id": catering, "quantity": 200},
        headers=bill | {"If-Match": _version(created)},
    )
    assert added.status_code == 201, added.text
    assert added.json()["amount"] == "9000.00" and added.json()["lines"][0]["unit_price"] == "45.00"
    added = api.post(
        f"{API}/opportunities/{oid}/lines",
        json={
            "service_id": venue,
            "quantity": 1,
            "unit_price": "1,200.00",
            "version": added.json()["version"],
        },
        headers=bill,
    )
    assert added.status_code == 201, added.text
    assert added.json()["amount"] == "10200.00"
    lines = {line["service_id"]: line for line in added.json()["lines"]}
    stale = api.post(
        f"{API}/opportunities/{oid}/lines",
        json={"service_id": venue, "quantity": 1, "version": 1},
        headers=bill,
    )
    assert error_of(stale) == STALE
    changed = api.patch(
        f"{API}/opportunities/{oid}/lines/{lines[catering]['id']}",
        json={"quantity": 180},
        headers=bill | {"If-Match": _version(added)},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["amount"] == "9300.00"
    removed = api.delete(
        f"{API}/opportunities/{oid}/lines/{lines[venue]['id']}",
        headers=bill | {"If-Match": _version(changed)},
    )
    assert removed.status_code == 200, removed.text
    assert removed.json()["amount"] == "8100.00" and len(removed.json()["lines"]) == 1
    assert admin_conn.execute("SELECT amount FROM opportunities WHERE id = %s", (oid,)).fetchone() == (
        D("8100.00"),
    )
    assert admin_conn.execute(
        "SELECT sum(quantity * unit_price) FROM opportunity_lines"
        " WHERE opportunity_id = %s AND NOT is_removed",
        (oid,),
    ).fetchone() == (D("8100.00"),)
    no_header = api.delete(f"{API}/opportunities/{oid}/lines/{lines[catering]['id']}", headers=bill)
    assert error_of(no_header)[:2] == (400, "version_required")

    # details
    updated = api.patch(
        f"{API}/opportunities/{oid}",
        json={"title": "Wedding in July", "expected_close_on": None, "expected_attendees": 180},
        headers=bill | {"If-Match": _version(removed)},
    )
    assert updated.status_code == 200, updated.text
    assert (
        updated.json()["title"],
        updated.json()["expected_close_on"],
        updated.json()["expected_attendees"],
    ) == (
        "Wedding in July",
        None,
        180,
    )
    assert (
        error_of(api.patch(f"{API}/opportunities/{oid}", json={"title": "Y", "version": 1}, headers=bill))
        == STALE
    )

    # stages: the service's own refusals
    version = updated.json()["version"]
    skip = api.post(
        f"{API}/opportunities/{oid}/move", json={"stage": "negotiation", "version": version}, headers=bill
    )
    assert error_of(skip) == (
        400,
        "invalid",
        "An opportunity at new moves one stage forward or back: to qualified.",
    )
    won_by_move = api.post(
        f"{API}/opportunities/{oid}/move", json={"stage": "won", "version": version}, headers=bill
    )
    assert error_of(won_by_move) == (
        400,
        "invalid",
        "To win an opportunity use Mark won: it creates the contract.",
    )
    unknown = api.post(
        f"{API}/opportunities/{oid}/move", json={"stage": "signed", "version": version}, headers=bill
    )
    assert error_of(unknown)[:2] == (422, "invalid_request")
    for stage in ("qualified", "proposal", "negotiation"):
        moved = api.post(
            f"{API}/opportunities/{oid}/move", json={"stage": stage, "version": version}, headers=bill
        )
        assert moved.status_code == 200, moved.text
        assert (
            moved.json()["stage"] == stage
            and moved.json()["probability"] == pipeline.DEFAULT_PROBABILITIES[stage]
        )
        version = moved.json()["version"]
    early = api.post(
        f"{API}/opportunities/{oid}/move", json={"stage": "qualified", "version": 1}, headers=bill
    )
    assert error_of(early) == STALE
    by_sales = api.post(f"{API}/opportunities/{oid}/win", json={"version": version}, headers=bill)
    assert error_of(by_sales) == (403, "permission_denied", "Only management can mark an opportunity won.")

    # lists: open ones in pipeline order, by stage, mine, of a sales employee
    other = make_opportunity(admin_conn, client_id, "Gala", stage="proposal")
    lost = make_opportunity(admin_conn, make_client(admin_conn, staff["sam"].id, "Lou Bouzin"), stage="lost")
    for query, expected in (
        ("", [other, oid]),
        ("?stage=negotiation", [oid]),
        ("?stage=lost", [lost]),
        ("?mine=true", [other, oid]),
        ("?mine=true&stage=proposal", [other]),
        (f"?sales_contact_id={staff['sam'].id}", []),
        (f"?sales_contact_id={staff['sam'].id}&stage=lost", [lost]),
    ):
        assert [
            o["id"] for o in api.get(f"{API}/opportunities{query}", headers=bill).json()["data"]
        ] == expected, query
    first = api.get(f"{API}/opportunities?limit=1", headers=manager).json()
    assert first["has_more"] and [o["id"] for o in first["data"]] == [other]
    rest = api.get(
        f"{API}/opportunities", params={"limit": 1, "after": first["next_cursor"]}, headers=manager
    ).json()
    assert [o["id"] for o in rest["data"]] == [oid] and not rest["has_more"]
    both = api.get(f"{API}/opportunities?mine=true&sales_contact_id=1", headers=bill)
    assert error_of(both)[:2] == (400, "conflicting_filters")

    # won: the contract is the answer
    won = api.post(f"{API}/opportunities/{oid}/win", headers=manager | {"If-Match": f'"{version}"'})
    assert won.status_code == 201, won.text
    contract = won.json()
    assert (
        contract["client_id"],
        contract["total_amount"],
        contract["remaining_amount"],
        contract["is_signed"],
    ) == (
        client_id,
        "8100.00",
        "8100.00",
        False,
    )
    assert won.headers["Location"] == f"/api/v1/contracts/{contract['id']}" and contract["payments"] == []
    assert admin_conn.execute(
        "SELECT stage, contract_id FROM opportunities WHERE id = %s", (oid,)
    ).fetchone() == (
        "won",
        contract["id"],
    )
    shown = api.get(f"{API}/opportunities/{oid}", headers=bill)
    assert shown.json()["contract_id"] == contract["id"] and _version(shown) == f'"{version + 1}"'
    again = api.post(f"{API}/opportunities/{oid}/win", json={"version": version + 1}, headers=manager)
    assert error_of(again) == (
        400,
        "invalid",
        f"Opportunity {oid} is already won (contract {contract['id']}).",
    )
    closed = api.post(
        f"{API}/opportunities/{oid}/lose", json={"reason": "Too late", "version": version + 1}, headers=bill
    )
    assert error_of(closed) == (400, "invalid", pipeline.CLOSED.format(id=oid, stage="won"))
    assert admin_conn.execute("SELECT count(*) FROM contracts").fetchone() == (1,)
    assert error_of(api.get(f"{API}/opportunities/999", headers=bill)) == (
        404,
        "not_found",
        "No opportunity with id 999.",
    )


def test_lost_with_a_reason_and_lines_of_another_opportunity(api, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill")
    client_id = make_client(admin_conn, staff["bill"].id)
    service_id = make_service(admin_conn)
    first = make_opportunity(admin_conn, client_id, lines=[(service_id, 2, "45.00")], stage="proposal")
    second = make_opportunity(admin_conn, client_id, "Gala", lines=[(service_id, 3, "45.00")])
    line_of_second = admin_conn.execute(
        "SELECT id FROM opportunity_lines WHERE opportunity_id = %s", (second,)
    ).fetchone()[0]
    bill, manager = login(api, "bill"), login(api, "marie")
    version = api.get(f"{API}/opportunities/{first}", headers=bill).json()["version"]
    elsewhere = api.patch(
        f"{API}/opportunities/{first}/lines/{line_of_second}",
        json={"quantity": 9, "version": version},
        headers=bill,
    )
    assert error_of(elsewhere) == (404, "not_found", f"No line {line_of_second} on opportunity {first}.")
    gone = api.delete(
        f"{API}/opportunities/{first}/lines/{line_of_second}", headers=bill | {"If-Match": f'"{version}"'}
    )
    assert error_of(gone)[:2] == (404, "not_found")
    blank = api.post(
        f"{API}/opportunities/{first}/lose", json={"reason": "  ", "version": version}, headers=bill
    )
    assert error_of(blank)[:2] == (400, "invalid")
    lost = api.post(
        f"{API}/opportunities/{first}/lose",
        json={"reason": "Went with a competitor", "version": version},
        headers=manager,
    )
    assert lost.status_code == 200, lost.text
    assert (lost.json()["stage"], lost.json()["lost_reason"], lost.json()["probability"]) == (
        "lost",
        "Went with a competitor",
        0,
    )
    assert admin_conn.execute(
        "SELECT stage, lost_reason FROM opportunities WHERE id = %s", (first,)
    ).fetchone() == (
        "lost",
        "Went with a competitor",
    )
    unwinnable = api.post(f"{API}/opportunities/{second}/win", json={"version": 1}, headers=manager)
    assert error_of(unwinnable) == (400, "invalid", pipeline.WIN_ONLY_FROM_NEGOTIATION.format(stage="new"))
    assert admin_conn.execute("SELECT count(*) FROM contracts").fetchone() == (0,)


def test_the_pipeline_report(api, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "sam", "kate")
    kevin = make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    lou = make_client(admin_conn, staff["sam"].id, "Lou Bouzin")
    s = make_service(admin_conn, "Venue", "100.00", "event")
    make_opportunity(admin_conn, kevin, lines=[(s, 1, "1000.00")])  # new: weighted 100.00
    make_opportunity(admin_conn, kevin, lines=[(s, 1, "333.33")], stage="qualified")  # 83.33
    make_opportunity(admin_conn, lou, lines=[(s, 1, "4000.00")], stage="negotiation")  # 3000.00
    make_opportunity(admin_conn, lou, lines=[(s, 1, "700.00")], stage="won")  # closed now
    make_opportunity(admin_conn, kevin, lines=[(s, 1, "50.00")], stage="lost")
    answer = api.get(f"{API}/pipeline/report", headers=login(api, "bill"))
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert set(report) == {"by_stage", "by_sales", "closed", "conversion"}
    assert [
        (f["stage"], f["probability"], f["count"], f["amount"], f["weighted_amount"])
        for f in report["by_stage"]
    ] == [
        ("new", 10, 1, "1000.00", "100.00"),
        ("qualified", 25, 1, "333.33", "83.33"),
        ("proposal", 50, 0, "0", "0"),  # the service gives an empty stage as 0
        ("negotiation", 75, 1, "4000.00", "3000.00"),
    ]
    assert [(f["sales_id"], f["count"], f["amount"], f["weighted_amount"]) for f in report["by_sales"]] == [
        (staff["sam"].id, 1, "4000.00", "3000.00"),
        (staff["bill"].id, 2, "1333.33", "183.33"),
    ]
    closed = {f["period"]: f for f in report["closed"]}
    assert (closed["this month"]["won_amount"], closed["this month"]["lost_count"]) == ("700.00", 1)
    conversion = {f["period"]: f for f in report["conversion"]}
    assert (conversion["all time"]["closed_count"], conversion["all time"]["conversion_rate"]) == (2, "50.0")
    assert api.get(f"{API}/pipeline/report", headers=login(api, "marie")).status_code == 200
    refused = api.get(f"{API}/pipeline/report", headers=login(api, "kate"))
    assert error_of(refused) == (
        403,
        "permission_denied",
        "Only management or sales can read the pipeline report.",
    )


def test_two_managers_winning_at_once_make_exactly_one_contract(crm_db, admin_conn):
    staff = make_staff(admin_conn, "manager", "bill")
    make_employee(admin_conn, "management", "max")
    client_id = make_client(admin_conn, staff["bill"].id)
    service_id = make_service(admin_conn)
    oid = make_opportunity(admin_conn, client_id, lines=[(service_id, 10, "45.00")], stage="negotiation")
    version = admin_conn.execute("SELECT version FROM opportunities WHERE id = %s", (oid,)).fetchone()[0]
    with live_server(make_app(crm_db)) as base:
        marie, max_ = http_login(base, "marie"), http_login(base, "max")
        url = f"{base}{API}/opportunities/{oid}/win"
        answers = together(
            lambda: httpx.post(url, json={"version": version}, headers=marie, timeout=30),
            lambda: httpx.post(url, json={"version": version}, headers=max_, timeout=30),
        )
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [201, 400], [a.text for a in answers]
    winner = next(a for a in answers if a.status_code == 201).json()
    loser = next(a for a in answers if a.status_code == 400).json()["error"]["message"]
    assert loser == f"Opportunity {oid} is already won (contract {winner['id']})."
    assert admin_conn.execute("SELECT id, total_amount FROM contracts").fetchall() == [
        (winner["id"], D("450.00"))
    ]
    assert admin_conn.execute("SELECT contract_id FROM opportunities WHERE id = %s", (oid,)).fetchone() == (
        winner["id"],
    )
