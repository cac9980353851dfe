"""What a command needs around it: the config, the database, the logged-in employee, and the
password before a write.

A command opens the database like the menus do (the embedded server started on demand, pending
migrations applied where the program may) and reads its session from the session file
(crm.cli.tokens). In "CRM server" mode ([server] url) there is no database here: every call goes
through the server's HTTP API (crm.services.remote), with the session of the file kept for that
server. Each command reads the employee again through the session, so a deactivation,
a team change or a new password is seen at once.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast

from crm.cli import language
from crm.errors import AuthenticationError, ConfigError, CRMError, DatabaseUnavailable, ValidationError
from crm.i18n import N_, _, set_language
from crm.models import Employee
from crm.services.backend import Backend, DirectBackend, utc_now
from crm.services.sessions import SessionEnded

T = TypeVar("T")
NOT_LOGGED_IN = N_("Not logged in: run `python -m main login`.")
SESSION_EXPIRED = N_("Session expired: run `python -m main login`.")
NEED_PASSWORD = N_(
    "This command saves: type your password at a terminal, or give it on standard input with "
    "--password-stdin."
)


class SessionMissing(AuthenticationError):
    """No session to use (never logged in, logged out, or the session has ended)."""


def _now() -> datetime:
    """The commands' clock (tests move it by replacing utc_now here)."""
    return utc_now()


def stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


@dataclass
class CommandContext:
    """Opened lazily: a command that needs no database (help, --version) costs nothing."""

    password_stdin: bool = False
    _runtime: object = None
    _backend: Backend | None = None
    _config: object = None
    _stdin_lines: list[str] = field(default_factory=list)

    # The config and the database ----------------------------------------------------------------

    @property
    def config(self):  # noqa: ANN201 — crm.config.Config (imported lazily)
        if self._config is None:
            from crm import config as config_file
            from crm import monitoring

            path = config_file.config_path()
            if not path.exists():
                raise ConfigError(
                    _(
                        "No configuration at {path}: run `python -m main` once to set up this computer"
                        " (its database, or the CRM server it connects to; or set CRM_CONFIG)."
                    ).format(path=path)
                )
            self._config = config_file.load(path)
            monitoring.init(self._config)
            from crm.services import mail

            mail.configure(self._config.mail)  # event writes e-mail their notifications after commit
        return self._config

    @property
    def backend(self) -> Backend:
        """The services, on this program's database connection (opened on first use); in "CRM
        server" mode, on the server's HTTP API."""
        if self._backend is None:
            from crm.app import Runtime

            config = self.config
            if config.server is not None:
                self._backend = self.new_backend()
                return self._backend
            runtime = Runtime(linger=config.linger_seconds)  # the next command reuses the server
            self._runtime = runtime
            try:
                db = runtime.open(config)
            except (ConfigError, DatabaseUnavailable):
                raise
            except CRMError as error:
                raise DatabaseUnavailable(str(error)) from None
            self._backend = DirectBackend(
                db, face="commands", policy=config.session_policy(idle_lock_of_its_own=False), clock=_now
            )
        return self._backend

    def new_backend(self) -> Backend:
        """Another backend like `backend` (no session yet): the same database connection, or a
        new client of the same CRM server."""
        config = self.config
        if config.server is not None:
            from crm.services.remote import RemoteBackend

            return RemoteBackend(config.server.url, ca_file=config.server.ca_file or None, face="commands")
        backend = self.backend
        assert isinstance(backend, DirectBackend)
        return DirectBackend(backend.db, face="commands", policy=backend.policy, clock=backend.clock)

    @property
    def server(self) -> str | None:
        """The CRM server's URL in "CRM server" mode (the session file is kept per server)."""
        server = self.config.server
        return server.url if server is not None else None

    def read_token(self) -> str | None:
        from crm.cli import tokens

        return tokens.read(self.config.path, self.server)

    def keep_token(self, token: str) -> None:
        from crm.cli import tokens

        tokens.write(self.config.path, token, self.server)

    def every(self, fetch: Callable[[int, int], Sequence[T]]) -> Iterator[T]:
        """Every row of a list service, page after page: in one snapshot of the database (direct),
        or page by page from the CRM server."""
        from crm.services import streaming

        backend = self.backend
        if isinstance(backend, DirectBackend):
            yield from streaming.every(backend.db, fetch)
            return
        offset = 0
        while True:
            page = fetch(offset, streaming.PAGE)
            yield from page
            if len(page) < streaming.PAGE:
                return
            offset += streaming.PAGE

    def close(self) -> None:
        """Release the connection and the embedded server (or the CRM server's client)."""
        close = getattr(self._backend, "close", None)
        if close is not None:
            close()
        if self._runtime is not None:
            self._runtime.close()  # type: ignore[attr-defined]
            self._runtime = None

    # The session -------------------------------------------------------------------------------

    def employee(self) -> Employee:
        """The logged-in employee, as the database has them now."""
        token = self.read_token()
        if token is None:
            raise SessionMissing(NOT_LOGGED_IN)
        backend = self.backend
        backend.token = token
        try:
            employee = backend.current()
            self._speak_their_language(employee)
            # this computer's token for the username: a wrong password before a save counts here
            cast(Any, backend).device_token = self.devices().token_for(employee.username)
            return employee
        except SessionEnded as ended:
            self.forget_session()
            reason = SESSION_EXPIRED if ended.reason in ("expired", "unknown", "logout") else str(ended)
            raise SessionMissing(reason) from None

    def _speak_their_language(self, employee: Employee) -> None:
        """The employee's own language (My account → Language), when they chose one, wins over
        the config's; CRM_LANGUAGE wins over both (crm.cli.language)."""
        from crm.services import employees as employee_service

        if language.override() is not None:
            return
        chosen = language.for_employee(self.backend.act(employee, employee_service.own_language))
        if chosen is not None:
            set_language(chosen)

    def devices(self):  # noqa: ANN201 — crm.devices.DeviceTokens (imported lazily)
        """This computer's device tokens (shared with the menus): its failed logins are counted
        apart from everyone else's."""
        from crm.devices import DeviceTokens, devices_path

        return DeviceTokens(devices_path(self.config))

    # Passwords ---------------------------------------------------------------------------------

    def read_secret(self, prompt: str) -> str:
        """A password: the next line of standard input with --password-stdin, else asked (masked)
        at the terminal. Never an argument or an environment variable."""
        if self.password_stdin:
            line = sys.stdin.readline()
            if not line:
                raise AuthenticationError(_("--password-stdin: no password on standard input."))
            return line.rstrip("\r\n")
        if not stdin_is_terminal():
            raise AuthenticationError(NEED_PASSWORD)
        return getpass.getpass(prompt)

    def confirm_write(self, actor: Employee) -> Employee:
        """Proof of a recent password before a write: none needed within [security] reauth_minutes
        of the last one typed in this session; else the password (a wrong one counts as a failed
        login). With --password-stdin the first line is always read and checked, so a script
        behaves the same inside and outside that window. The actor as they are now."""
        from crm.services import auth

        backend = self.backend
        # (a password given on standard input is always read and checked)
        if not self.password_stdin and backend.recently_confirmed():
            return actor
        password = self.read_secret(_("Password for {username}: ").format(username=actor.username))
        if not password:
            raise AuthenticationError(_("No password typed; nothing was saved."))
        try:
            return backend.confirm_password(password)
        except auth.AccountLocked:
            self.forget_session()
            raise

    def new_password(self, username: str, from_stdin: bool) -> str:
        """A new password that meets the policy: the next line of standard input, or typed twice."""
        from crm.services.employees import check_password_policy

        if from_stdin:
            line = sys.stdin.readline()
            if not line:
                raise ValidationError(_("--new-password-stdin: no new password on standard input."))
            password = line.rstrip("\r\n")
            check_password_policy(password, username)
            return password
        if not stdin_is_terminal():
            raise ValidationError(
                _("Type the new password at a terminal, or give it with --new-password-stdin.")
            )
        while True:
            password = getpass.getpass(_("New password: "))
            try:
                check_password_policy(password, username)
            except ValidationError as error:
                print(error, file=sys.stderr)
                continue
            if getpass.getpass(_("New password again: ")) == password:
                return password
            print(_("The two passwords differ; try again."), file=sys.stderr)

    def forget_session(self) -> None:
        from crm.cli import tokens

        tokens.remove(self.config.path, self.server)
