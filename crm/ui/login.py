"""The login loop: username and password, then the employee's team menu."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from crm.db import Database
from crm.devices import DeviceTokens
from crm.errors import CRMError
from crm.services import auth
from crm.ui.menu import Outcome, Section, run_team_menu
from crm.ui.prompts import Prompts
from crm.ui.session import Session, utc_now


def login_loop(
    db: Database,
    prompts: Prompts,
    sections: list[Section],
    *,
    idle_limit: timedelta = timedelta(minutes=15),
    clock: Callable[[], datetime] = utc_now,
    devices: DeviceTokens | None = None,
) -> None:
    """Log employees in and run their menu until someone quits (or Ctrl-D / Ctrl-C at login).

    devices: this computer's device tokens; an attempt sends the username's token, and a
    successful login keeps it, so failures elsewhere never lock the employee out of here.
    """
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
            employee = auth.login(db, username, password, now=clock(), device_token=token)
        except CRMError as error:
            print(error)
            continue
        if devices is not None:
            devices.remember(name, token)
        print(f"Welcome, {employee.full_name} ({employee.team}).")
        session = Session(db, employee, prompts, clock=clock, idle_limit=idle_limit, device_token=token)
        prompts.idle_timeout = idle_limit.total_seconds()  # the session's prompts give up when idle
        try:
            outcome = run_team_menu(session, sections)
        finally:
            prompts.idle_timeout = None  # the login prompt waits
        if outcome is Outcome.QUIT:
            print("Goodbye.")
            return
        if outcome is Outcome.LOG_OUT:
            print("Logged out.")
