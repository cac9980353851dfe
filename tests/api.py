"""The HTTP API in tests: the app on the module's database (through httpx, in this process), a
clock tests can move, logging in, a real uvicorn server in a thread for concurrent clients, and
`python -m main serve` as a real process (the serve tests and tests/bench_api.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

with warnings.catch_warnings():  # starlette's TestClient would rather have httpx2 (not pinned here)
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: F401 — the tests' client

from crm.services.pool import DatabasePool
from crm.services.sessions import SessionPolicy
from crm.web.app import create_app
from tests.factories import DEFAULT_PASSWORD

API = "/api/v1"
POLICY = SessionPolicy(
    lifetime=timedelta(hours=8), idle=timedelta(minutes=15), reauth_window=timedelta(minutes=5)
)


class Clock:
    """The API's clock: now, moved forward by `advance`."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


def make_app(crm_db, clock: Clock | None = None, *, pool_max: int = 8, **options):
    pool = DatabasePool(crm_db.app_dsn, 1, pool_max)
    return create_app(pool, POLICY, clock=clock or Clock(), **options)


def login(client, username: str, password: str = DEFAULT_PASSWORD) -> dict[str, str]:
    """Log in; the Authorization header of the session."""
    answer = client.post(f"{API}/sessions", json={"username": username, "password": password})
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def error_of(answer) -> tuple[int, str, str]:
    """(status, code, message) of an error answer, checking its shape on the way."""
    body = answer.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "field", "reference"}, body
    message = body["error"]["message"]
    assert message and "\n" not in message
    return answer.status_code, body["error"]["code"], message


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_serve(
    config: Path, *args: str, output: int | None = subprocess.PIPE
) -> tuple[subprocess.Popen, str]:
    """`python -m main serve` on a free port with this config (and args), once it answers: the
    process and its base URL. Its stderr is piped (what a failed start said is raised)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "main", "serve", "--port", str(port), *args],
        cwd=Path(__file__).resolve().parent.parent,
        env=dict(os.environ, CRM_CONFIG=str(config)),
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}{API}/openapi.json", timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            _out, err = process.communicate(timeout=10)
            raise RuntimeError(f"serve did not start (status {process.returncode}): {err[-2000:]}")
        time.sleep(0.1)


@contextmanager
def live_server(app) -> Iterator[str]:
    """A real uvicorn server for the app in a thread, on a free port of 127.0.0.1: its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test API server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def http_login(base: str, username: str, password: str = DEFAULT_PASSWORD) -> dict[str, str]:
    answer = httpx.post(f"{base}{API}/sessions", json={"username": username, "password": password})
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}
