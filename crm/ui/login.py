"""The login loop: username and password, then the employee's team menu."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from crm import i18n
from crm.config import SessionPolicy
from crm.devices import DeviceTokens
from crm.errors import CRMError
from crm.i18n import _
from crm.services import auth
from crm.services.backend import Backend, Database, DirectBackend
from crm.ui.digest import show_login_digest
from crm.ui.menu import Outcome, Section, run_team_menu
from crm.ui.prompts import Prompts
from crm.ui.render import term, visible
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
    program_language = i18n.language()  # [ui] language; each employee may have their own
    while True:
        i18n.set_language(program_language)
        try:
            username = prompts.text(_("Username (Ctrl-D to quit):"))
            password = prompts.password(_("Password:"))
        except (EOFError, KeyboardInterrupt):
            print(_("Goodbye."))
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
        session = Session(
            backend, employee, prompts, clock=clock, idle_limit=idle_limit, default_language=program_language
        )
        session.speak_own_language()
        print(
            _("Welcome, {full_name} ({team}).").format(
                full_name=visible(employee.full_name), team=term(employee.team)
            )
        )
        prompts.idle_timeout = idle_limit.total_seconds()  # the session's prompts give up when idle
        try:
            show_login_digest(session)
            outcome = run_team_menu(session, sections)
        finally:
            prompts.idle_timeout = None  # the login prompt waits
            _log_out(backend)
        if outcome is Outcome.QUIT:  # said in the employee's language; then the program's again
            print(_("Goodbye."))
            i18n.set_language(program_language)
            return
        if outcome is Outcome.LOG_OUT:
            print(_("Logged out."))


def _log_out(backend: Backend) -> None:
    """End the session if it is still open (it may have ended by itself, or the database gone)."""
    try:
        backend.log_out()
    except CRMError:
        pass
