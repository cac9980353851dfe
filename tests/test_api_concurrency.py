"""Concurrent clients over real sockets (uvicorn in a thread, httpx clients in threads): two
payments at once never take the remaining amount below zero; two saves of the same version give
one 200 and one 409; two API servers on one database see each other's sessions and writes."""

from __future__ import annotations

import threading
from decimal import Decimal

import httpx

from tests.api import API, http_login, live_server, make_app
from tests.factories import make_client, make_contract, make_staff


def together(*calls):
    """Run the calls at the same moment, each in its thread; their answers, in order."""
    barrier = threading.Barrier(len(calls))
    answers = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        answers[index] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_payments_at_once_never_go_below_zero(crm_db, admin_conn):
    staff = make_staff(admin_conn, "bill")
    contract_id = make_contract(admin_conn, make_client(admin_conn, staff["bill"].id), total="1000.00")
    with live_server(make_app(crm_db)) as base:
        headers = http_login(base, "bill")
        url = f"{base}{API}/contracts/{contract_id}/payments"
        for _round in range(3):
            answers = together(
                *[lambda: httpx.post(url, json={"amount": "300.00"}, headers=headers, timeout=30)] * 4
            )
            codes = sorted(answer.status_code for answer in answers)
            assert all(code in (201, 400) for code in codes), [a.text for a in answers]
        remaining = admin_conn.execute("SELECT remaining_amount FROM contracts").fetchone()[0]
        paid = admin_conn.execute("SELECT coalesce(sum(amount), 0) FROM payments").fetchone()[0]
    assert remaining == Decimal("100.00") and paid == Decimal("900.00")  # three of 300, never more


def test_two_saves_of_one_version_one_wins(crm_db, admin_conn):
    staff = make_staff(admin_conn, "bill")
    client_id = make_client(admin_conn, staff["bill"].id)
    with live_server(make_app(crm_db)) as base:
        first, second = http_login(base, "bill"), http_login(base, "bill")
        url = f"{base}{API}/clients/{client_id}"
        answers = together(
            lambda: httpx.patch(url, json={"full_name": "First Save"}, headers=first | {"If-Match": '"1"'}),
            lambda: httpx.patch(url, json={"full_name": "Second Save"}, headers=second | {"If-Match": '"1"'}),
        )
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [200, 409], [a.text for a in answers]
    loser = next(a for a in answers if a.status_code == 409)
    assert loser.json()["error"]["code"] == "stale_version"
    winner = next(a for a in answers if a.status_code == 200).json()["full_name"]
    assert admin_conn.execute("SELECT full_name, version FROM clients").fetchone() == (winner, 2)


def test_two_servers_share_sessions_and_writes(crm_db, admin_conn):
    make_staff(admin_conn, "bill")
    with live_server(make_app(crm_db)) as one, live_server(make_app(crm_db)) as two:
        headers = http_login(one, "bill")
        created = httpx.post(
            f"{two}{API}/clients",
            json={"full_name": "Kevin Casey", "email": "kevin@startup.io"},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        seen = httpx.get(f"{one}{API}/clients/{created.json()['id']}", headers=headers)
        assert seen.status_code == 200 and seen.json()["full_name"] == "Kevin Casey"
        assert httpx.delete(f"{two}{API}/sessions", headers=headers).status_code == 204
        assert httpx.get(f"{one}{API}/me", headers=headers).status_code == 401
