"""Session life through HTTP, as in the commands: the same sessions table, expiry, logout,
lockout; deactivation (and a team change, a new password) ends every token at once; a token of
another CRM database is refused; writes need a recent password (POST /api/v1/sessions/reauth)."""

from __future__ import annotations

import pytest

from crm import security
from tests.api import API, TestClient, error_of, login, make_app
from tests.conftest import drop_database, fresh_database
from tests.factories import DEFAULT_PASSWORD, make_staff, throttle_row

NEW_CLIENT = {"full_name": "Kevin Casey", "email": "kevin@startup.io"}


def clients_count(admin_conn) -> int:
    return admin_conn.execute("SELECT count(*) FROM clients").fetchone()[0]


def test_a_failed_api_login_is_a_failed_login(api, admin_conn):
    make_staff(admin_conn, "bill")
    wrong = api.post(f"{API}/sessions", json={"username": "bill", "password": "not the password"})
    assert error_of(wrong) == (401, "authentication_failed", "Invalid username or password.")
    assert throttle_row(admin_conn, "bill", "failures")[0] == 1
    unknown = api.post(f"{API}/sessions", json={"username": "nobody", "password": "whatever it is"})
    assert error_of(unknown) == (401, "authentication_failed", "Invalid username or password.")
    assert "hash" not in wrong.text.lower() and "argon" not in wrong.text.lower()


def test_too_many_failures_lock_the_username(api, admin_conn):
    make_staff(admin_conn, "bill")
    for _ in range(security.MAX_FAILURES):
        api.post(f"{API}/sessions", json={"username": "bill", "password": "not the password"})
    locked = api.post(f"{API}/sessions", json={"username": "bill", "password": DEFAULT_PASSWORD})
    status, code, message = error_of(locked)
    assert (status, code) == (423, "account_locked") and message.startswith("Too many failed attempts")
    assert int(locked.headers["Retry-After"]) > 0
    assert admin_conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0


def test_too_many_requests_from_one_address(admin_conn, crm_db):
    make_staff(admin_conn, "bill")
    with TestClient(make_app(crm_db, login_attempts=(3, 60.0))) as client:
        for _ in range(3):
            client.post(f"{API}/sessions", json={"username": "nobody", "password": "whatever it is"})
        refused = client.post(f"{API}/sessions", json={"username": "bill", "password": DEFAULT_PASSWORD})
        assert error_of(refused)[:2] == (429, "too_many_requests")
        assert int(refused.headers["Retry-After"]) >= 1


def test_logout_ends_the_token(api, admin_conn):
    make_staff(admin_conn, "bill")
    headers = login(api, "bill")
    assert api.delete(f"{API}/sessions", headers=headers).status_code == 204
    assert error_of(api.get(f"{API}/me", headers=headers)) == (
        401,
        "session_logout",
        "You have logged out: log in again.",
    )
    assert admin_conn.execute("SELECT end_reason FROM sessions").fetchone()[0] == "logout"


def test_idle_and_lifetime_expiry(api, admin_conn, api_clock):
    make_staff(admin_conn, "bill")
    idle = login(api, "bill")
    api_clock.advance(minutes=16)
    assert error_of(api.get(f"{API}/me", headers=idle))[:2] == (401, "session_expired")
    busy = login(api, "bill")
    for _ in range(40):  # used every 14 minutes: still ends after its 8 hours
        api_clock.advance(minutes=14)
        answer = api.get(f"{API}/me", headers=busy)
        if answer.status_code != 200:
            break
    assert error_of(answer) == (401, "session_expired", "Your session has expired: log in again.")


@pytest.mark.parametrize("change", ["deactivated", "team", "password"])
def test_an_account_change_ends_every_token_at_once(api, admin_conn, change):
    staff = make_staff(admin_conn, "manager", "bill")
    tokens = [login(api, "bill") for _ in range(3)]
    manager = login(api, "marie")
    bill = staff["bill"]
    if change == "deactivated":
        done = api.post(
            f"{API}/employees/{bill.id}/deactivate", json={"reassignments_seen": True}, headers=manager
        )
    elif change == "team":
        done = api.patch(
            f"{API}/employees/{bill.id}", json={"team": "support", "version": 1}, headers=manager
        )
    else:
        done = api.post(
            f"{API}/employees/{bill.id}/password",
            json={"new_password": "a fresh passphrase here"},
            headers=manager,
        )
    assert done.status_code in (200, 204), done.text
    for headers in tokens:
        assert error_of(api.get(f"{API}/clients", headers=headers))[:2] == (401, f"session_{change}")
        assert error_of(api.post(f"{API}/clients", json=NEW_CLIENT, headers=headers))[0] == 401
    assert clients_count(admin_conn) == 0
    assert api.get(f"{API}/me", headers=manager).status_code == 200


def test_a_token_of_another_crm_database_is_refused(api, admin_conn, admin_dsn):
    make_staff(admin_conn, "bill")
    other = fresh_database(admin_dsn, "crm_other")
    try:
        import psycopg

        with psycopg.connect(other.admin_dsn, autocommit=True) as conn:
            make_staff(conn, "bill")
        with TestClient(make_app(other)) as elsewhere:
            foreign = login(elsewhere, "bill")
            assert elsewhere.get(f"{API}/me", headers=foreign).status_code == 200
        assert error_of(api.get(f"{API}/me", headers=foreign))[:2] == (401, "session_unknown")
    finally:
        drop_database(admin_dsn, other)


def test_a_write_needs_a_recent_password(api, admin_conn, api_clock):
    make_staff(admin_conn, "bill")
    headers = login(api, "bill")
    assert api.post(f"{API}/clients", json=NEW_CLIENT, headers=headers).status_code == 201  # the login counts
    api_clock.advance(minutes=6)
    refused = api.post(f"{API}/clients", json=NEW_CLIENT | {"email": "k2@startup.io"}, headers=headers)
    assert error_of(refused)[:2] == (403, "password_confirmation_required")
    assert api.get(f"{API}/clients", headers=headers).status_code == 200  # reads need none
    wrong = api.post(f"{API}/sessions/reauth", json={"password": "not the password"}, headers=headers)
    assert error_of(wrong) == (401, "authentication_failed", "Wrong password; nothing was saved.")
    assert throttle_row(admin_conn, "bill", "failures")[0] == 1
    confirmed = api.post(f"{API}/sessions/reauth", json={"password": DEFAULT_PASSWORD}, headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    assert (
        api.post(f"{API}/clients", json=NEW_CLIENT | {"email": "k2@startup.io"}, headers=headers).status_code
        == 201
    )
    assert clients_count(admin_conn) == 2


def test_a_device_token_keeps_others_failures_from_locking_this_client_out(api, admin_conn):
    make_staff(admin_conn, "bill")
    device = "d3v1ce-t0ken-of-the-accountants-tool"
    first = api.post(
        f"{API}/sessions", json={"username": "bill", "password": DEFAULT_PASSWORD, "device_token": device}
    )
    assert first.status_code == 201, first.text
    for _ in range(security.MAX_FAILURES):  # someone else, without the device token
        api.post(f"{API}/sessions", json={"username": "bill", "password": "not the password"})
    locked = api.post(f"{API}/sessions", json={"username": "bill", "password": DEFAULT_PASSWORD})
    assert error_of(locked)[:2] == (423, "account_locked")
    mine = api.post(
        f"{API}/sessions", json={"username": "bill", "password": DEFAULT_PASSWORD, "device_token": device}
    )
    assert mine.status_code == 201, mine.text
    headers = {"Authorization": f"Bearer {mine.json()['token']}"}
    confirmed = api.post(
        f"{API}/sessions/reauth", json={"password": DEFAULT_PASSWORD, "device_token": device}, headers=headers
    )
    assert confirmed.status_code == 200, confirmed.text
