"""`python -m main serve` as a real process on a free port: it answers over a real socket (log in,
create a client), and SIGTERM stops it cleanly — requests done, its connections closed, the
embedded server released."""

from __future__ import annotations

import signal
import subprocess
import time

import httpx
import pexpect
import psycopg

from crm.embedded import EmbeddedServer
from tests.api import API, start_serve
from tests.configs import write_config
from tests.e2e import PASSWORD, Crm, embedded_wizard
from tests.factories import DEFAULT_PASSWORD, make_staff


def stop(process: subprocess.Popen) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=30)
    return process.returncode, err


def create_a_client(base: str, username: str, password: str) -> dict:
    with httpx.Client(base_url=base, timeout=10) as http:
        token = http.post(f"{API}/sessions", json={"username": username, "password": password})
        assert token.status_code == 201, token.text
        headers = {"Authorization": f"Bearer {token.json()['token']}"}
        created = http.post(
            f"{API}/clients", json={"full_name": "Kevin Casey", "email": "kevin@startup.io"}, headers=headers
        )
        assert created.status_code == 201, created.text
        assert http.get(f"{API}/clients", headers=headers).json()["data"][0]["id"] == created.json()["id"]
        return created.json()


def test_two_serve_processes_share_sessions_and_writes(tmp_path, crm_db, admin_conn):
    make_staff(admin_conn, "bill")
    config = write_config(tmp_path / "crm.ini", crm_db)
    one, first = start_serve(config.path)
    two, second = start_serve(config.path)
    try:
        token = httpx.post(f"{first}{API}/sessions", json={"username": "bill", "password": DEFAULT_PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['token']}"}
        created = httpx.post(
            f"{second}{API}/clients",
            json={"full_name": "Kevin Casey", "email": "k@startup.io"},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        assert httpx.get(f"{first}{API}/clients/{created.json()['id']}", headers=headers).status_code == 200
        assert httpx.delete(f"{second}{API}/sessions", headers=headers).status_code == 204
        assert httpx.get(f"{first}{API}/me", headers=headers).status_code == 401
    finally:
        assert stop(one)[0] == 0 and stop(two)[0] == 0


def test_serve_on_a_server_then_sigterm(tmp_path, crm_db, admin_conn):
    make_staff(admin_conn, "bill")
    config = write_config(tmp_path / "crm.ini", crm_db)
    process, base = start_serve(config.path, "--workers", "1")
    try:
        client = create_a_client(base, "bill", DEFAULT_PASSWORD)
        held = admin_conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND usename = %s",
            (config.database.user,),
        ).fetchone()[0]
        assert held >= 1  # the pool's connections
    finally:
        status, err = stop(process)
    assert status == 0, err
    assert "The API has stopped." in err and "Traceback" not in err
    assert admin_conn.execute("SELECT full_name FROM clients WHERE id = %s", (client["id"],)).fetchone() == (
        "Kevin Casey",
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        admin_conn.execute("SELECT pg_stat_clear_snapshot()")
        left = admin_conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND usename = %s",
            (config.database.user,),
        ).fetchone()[0]
        if left == 0:
            break
        time.sleep(0.1)
    assert left == 0, "every connection of the pool was closed"
    with psycopg.connect(crm_db.admin_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM sessions WHERE face = 'api'").fetchone()[0] == 1


def test_serve_on_the_embedded_server_releases_it(tmp_path, embedded_tmp):
    data_dir = embedded_tmp / "data"
    wizard = Crm(tmp_path)
    try:
        embedded_wizard(wizard, data_dir)
        wizard.expect("Username (Ctrl-D to quit):")
        wizard.child.kill(signal.SIGTERM)
        wizard.child.expect(pexpect.EOF)
    finally:
        wizard.close()
    assert not EmbeddedServer(data_dir).is_running()
    process, base = start_serve(tmp_path / "crm.ini", "--workers", "2")
    try:
        assert EmbeddedServer(data_dir).is_running()
        with httpx.Client(base_url=base, timeout=10) as http:
            token = http.post(f"{API}/sessions", json={"username": "boss", "password": PASSWORD})
            assert token.status_code == 201, token.text
            headers = {"Authorization": f"Bearer {token.json()['token']}"}
            hired = http.post(
                f"{API}/employees",
                json={
                    "username": "bill",
                    "full_name": "Bill Boquet",
                    "email": "bill@epicevents.test",
                    "team": "sales",
                    "password": DEFAULT_PASSWORD,
                },
                headers=headers,
            )
            assert hired.status_code == 201, hired.text
        create_a_client(base, "bill", DEFAULT_PASSWORD)
    finally:
        status, err = stop(process)
    assert status == 0, err
    assert "Traceback" not in err
    assert not EmbeddedServer(data_dir).is_running(), "the embedded server was released"
