"""The login loop: username and password, then the employee's team menu."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from crm.config import SessionPolicy
from crm.devices import DeviceTokens
from crm.errors import CRMError
from crm.services import auth
from crm.services.backend import Backend, Database, DirectBackend
from crm.ui.digest import show_login_digest
from crm.ui.menu import Outcome, Section, run_team_menu
from crm.ui.prompts import Prompts
from crm.ui.render import visible
from crm.ui.session import Session, utc_now


def login_loop(
    backend: Backend | Database,
    prompts: Prompts,
    sections: list[Section],
    *,
    idle_limit: timedelta = timedelta(minutes=15),
    clock: Callable[[], datetime] = utc_now,
    policy: SessionPolicy | None = None,
    devices: DeviceTokens | None = None,
) -> None:
    """Log employees in and run their menu until someone quits (or Ctrl-D / Ctrl-C at login).

    Each login opens a session (crm.services.sessions; policy: its lifetime), ended at log out.
    devices: this computer's device tokens; an attempt sends the username's token, and a
    successful login keeps it, so failures elsewhere never lock the employee out of here.
    """
    if isinstance(backend, Database):
        backend = DirectBackend(backend, face="menus", policy=policy, clock=clock)
    while True:
        try:
            username = prompts.text("Username (Ctrl-D to quit):")
            password = prompts.password("Password:")
        except (EOFError, KeyboardInterrupt):
            print("Goodbye.")
            return
        name = auth.typed_username(username)
        token = devices.token_for(name) if devices is not None else None
        try:
            employee = backend.log_in(username, password, device_token=token)
        except CRMError as error:
            print(error)
            continue
        if devices is not None and token is not None:
            devices.remember(name, token)
        print(f"Welcome, {visible(employee.full_name)} ({employee.team}).")
        session = Session(backend, employee, prompts, clock=clock, idle_limit=idle_limit)
        prompts.idle_timeout = idle_limit.total_seconds()  # the session's prompts give up when idle
        try:
            show_login_digest(session)
            outcome = run_team_menu(session, sections)
        finally:
            prompts.idle_timeout = None  # the login prompt waits
            _log_out(backend)
        if outcome is Outcome.QUIT:
            print("Goodbye.")
            return
        if outcome is Outcome.LOG_OUT:
            print("Logged out.")


def _log_out(backend: Backend) -> None:
    """End the session if it is still open (it may have ended by itself, or the database gone)."""
    try:
        backend.log_out()
    except CRMError:
        pass
