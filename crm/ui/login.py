"""The login loop: username and password, then the employee's team menu."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from crm.db import Database
from crm.errors import CRMError
from crm.services import auth
from crm.ui.menu import Outcome, Section, run_team_menu
from crm.ui.prompts import Prompts
from crm.ui.render import visible
from crm.ui.session import Session, utc_now


def login_loop(
    db: Database,
    prompts: Prompts,
    sections: list[Section],
    *,
    idle_limit: timedelta = timedelta(minutes=15),
    clock: Callable[[], datetime] = utc_now,
) -> None:
    """Log employees in and run their menu until someone quits (or Ctrl-D / Ctrl-C at login)."""
    while True:
        try:
            username = prompts.text("Username (Ctrl-D to quit):")
            password = prompts.password("Password:")
        except (EOFError, KeyboardInterrupt):
            print("Goodbye.")
            return
        try:
            employee = auth.login(db, username, password, now=clock())
        except CRMError as error:
            print(error)
            continue
        print(f"Welcome, {visible(employee.full_name)} ({employee.team}).")
        session = Session(db, employee, prompts, clock=clock, idle_limit=idle_limit)
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
