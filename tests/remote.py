"""The menu tests' "remote" variant: the menus on a RemoteBackend (crm/services/remote.py), against
a live API server (uvicorn in a thread, tests/api.py live_server) on the test module's database.

The server's clock is the clock of the menu session under test (FollowClock), so tests that move
time move it for both sides; its login limit is off (tests log in often).

Modules that use ScriptedPrompts but run on the direct transport only, and why: test_app,
test_backup, test_demo, test_managed, test_monitoring, test_reconnect_menu, test_terminal_prompts,
test_tls, test_wizard and the login-loop tests (test_auth, test_lockout, test_login_input,
test_idle_timeout) drive the whole program or its login screen, whose backend comes from the
config (team mode's own tests: the wizard and the program on a CRM server); test_render draws
tables without a session; test_statement_counts counts the SQL of this process's connection
(tests/test_remote.py counts the HTTP calls of a screen instead).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crm.config import SessionPolicy
from crm.db import Database
from crm.models import Employee
from crm.services import sessions
from crm.services.remote import RemoteBackend
from crm.ui.session import Session
from tests.api import live_server, make_app


class FollowClock:
    """The server's clock: the one the current menu session runs on (else the real one)."""

    def __init__(self) -> None:
        self.clock: Callable[[], datetime] | None = None

    def __call__(self) -> datetime:
        return self.clock() if self.clock is not None else datetime.now(UTC)


@dataclass
class RemoteServer:
    base: str
    clock: FollowClock
    app: Any
    backends: list[RemoteBackend] = field(default_factory=list)

    def backend(self) -> RemoteBackend:
        backend = RemoteBackend(self.base, face="menus")
        self.backends.append(backend)
        return backend


@contextmanager
def remote_server(crm_db: Any) -> Iterator[RemoteServer]:
    clock = FollowClock()
    app = make_app(crm_db, clock, login_attempts=(1_000_000, 60.0))
    with ExitStack() as stack:
        base = stack.enter_context(live_server(app))
        server = RemoteServer(base, clock, app)
        try:
            yield server
        finally:
            for backend in server.backends:
                backend.close()


def remote_session(
    server: RemoteServer, db: Database, employee: Employee, prompts: Any, clock: Any
) -> Session:
    """A menus Session whose services are called on the server: a session opened for `employee` as
    DirectBackend.adopt does (the same row: face menus), its token given to a RemoteBackend."""
    server.clock.clock = clock
    server.app.state.password_limit._hits.clear()
    backend = server.backend()
    backend.token = sessions.open_for(db, employee, "menus", SessionPolicy(), clock()).token
    backend.employee = employee
    return Session(backend, employee, prompts, clock=clock)
