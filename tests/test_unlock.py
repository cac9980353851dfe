"""`python -m main --unlock USERNAME`: the installer lifts a login lock, as a real subprocess.

Server mode asks for the server's superuser (as --upgrade does); embedded mode uses the embedded
server's own superuser on its private socket and asks nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from psycopg.conninfo import conninfo_to_dict

from crm import security
from crm.errors import AuthenticationError
from crm.services import auth
from tests.configs import write_config
from tests.e2e import PASSWORD, Crm, embedded_wizard
from tests.factories import DEFAULT_PASSWORD, make_employee, throttle_row


def lock(db, username: str) -> None:
    for _ in range(security.MAX_FAILURES):
        with pytest.raises(AuthenticationError):
            auth.login(db, username, "not the password at all")
    with pytest.raises(auth.AccountLocked):
        auth.login(db, username, DEFAULT_PASSWORD)


def unlock_on_the_server(tmp_path, crm_db, admin_dsn, username: str) -> tuple[int, str]:
    """Run --unlock in server mode, answering the superuser questions; (exit status, output)."""
    write_config(tmp_path / "crm.ini", crm_db)
    admin = conninfo_to_dict(admin_dsn)
    crm = Crm(tmp_path, "--unlock", username)
    try:
        crm.answer("Superuser name on", admin.get("user") or "postgres", clear=True)
        crm.answer("Superuser password (not stored):", admin.get("password") or "trusted-here")
        status = crm.wait()
    finally:
        crm.close()
    return status, (tmp_path / "transcript.txt").read_text()


def test_unlock_on_a_server_lifts_the_lock_of_every_count(db, admin_conn, crm_db, admin_dsn, tmp_path):
    boss = make_employee(admin_conn, "management", "boss")
    auth.login(db, "boss", DEFAULT_PASSWORD, device_token="the-boss-laptop-token-0123456789")
    lock(db, "boss")
    for _ in range(security.MAX_FAILURES):
        with pytest.raises(AuthenticationError):
            auth.login(db, "boss", "not the password", device_token="the-boss-laptop-token-0123456789")
    status, out = unlock_on_the_server(tmp_path, crm_db, admin_dsn, "BOSS")
    assert status == 0, out
    assert "'BOSS' may log in again: their failed logins are forgotten." in out
    assert throttle_row(admin_conn, "boss") is None
    assert auth.login(db, "boss", DEFAULT_PASSWORD).id == boss.id
    assert (
        auth.login(db, "boss", DEFAULT_PASSWORD, device_token="the-boss-laptop-token-0123456789").id
        == boss.id
    )
    assert admin_conn.execute(
        "SELECT count(*) FROM login_throttle WHERE locked_until IS NOT NULL"
    ).fetchone() == (0,)


def test_unlock_of_a_username_nobody_has_says_so_and_exits_1(db, admin_conn, crm_db, admin_dsn, tmp_path):
    make_employee(admin_conn, "management", "boss")
    lock(db, "boss")
    status, out = unlock_on_the_server(tmp_path, crm_db, admin_dsn, "nobody")
    assert status == 1
    assert "No employee has the username 'nobody'." in out
    with pytest.raises(auth.AccountLocked):
        auth.login(db, "boss", DEFAULT_PASSWORD)


def test_unlock_on_the_embedded_server_asks_nothing(tmp_path, embedded_tmp):
    data_dir = embedded_tmp / "data"
    first = Crm(tmp_path)
    try:
        embedded_wizard(first, data_dir)
        for _ in range(security.MAX_FAILURES):  # someone at this computer, as boss
            first.login("boss", "not the password at all")
        first.expect("Too many failed attempts for this username")
        first.login("boss")
        first.expect("Too many failed attempts for this username")
        assert first.quit_at_login() == 0
    finally:
        first.close()

    unlock = Crm(tmp_path, "--unlock", "boss")
    try:
        unlock.expect("'boss' may log in again: their failed logins are forgotten.")
        assert unlock.wait() == 0
    finally:
        unlock.close()
    assert "Superuser" not in (tmp_path / "transcript.txt").read_text()

    again = Crm(tmp_path)
    try:
        again.login("boss", PASSWORD)
        again.expect("Welcome, Bill Boss (management).")
        again.pick("Bill Boss (management) — main menu", "Quit")
        assert again.wait() == 0
    finally:
        again.close()


def test_unlock_needs_no_lock_to_run(db, admin_conn, crm_db, admin_dsn, tmp_path):
    make_employee(admin_conn, "management", "boss")
    status, out = unlock_on_the_server(tmp_path, crm_db, admin_dsn, "boss")
    assert status == 0 and "'boss' had no failed logins or lock to lift." in out
    assert auth.login(db, "boss", DEFAULT_PASSWORD, now=datetime.now(UTC)).username == "boss"
