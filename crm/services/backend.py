"""How a face calls the services: the one interface every face uses, whatever the transport.

A face never holds a database connection. It logs in through a backend, then calls service
functions through it — `backend.run(clients.list_clients, 0, 15)` for a function of the database
alone, `backend.act(actor, clients.update_client, 7, 3, fields)` for one that takes the acting
employee — and gets the same dataclasses back and the same domain errors raised, with the same
one-line messages. DirectBackend calls them in this process on a database connection, handing
the session's token to the database for each call (Database.using_token): the database verifies
the acting employee from it (sql/0017_verified_actor.sql).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from crm.config import SessionPolicy
from crm.db import Database
from crm.models import Employee
from crm.services import sessions

__all__ = ["Backend", "Database", "DirectBackend"]

P = ParamSpec("P")
R = TypeVar("R")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Backend(Protocol):
    """What a face may call. `token` is the open session's (None before login)."""

    token: str | None

    def log_in(self, username: str, password: str, device_token: str | None = None) -> Employee: ...

    def current(self) -> Employee: ...

    def confirm_password(self, password: str) -> Employee: ...

    def recently_confirmed(self) -> bool: ...

    def change_password(self, old: str, new: str) -> None: ...

    def log_out(self) -> None: ...

    def run(self, fn: Callable[Concatenate[Database, P], R], /, *args: P.args, **kwargs: P.kwargs) -> R: ...

    def act(
        self,
        actor: Employee,
        fn: Callable[Concatenate[Database, Employee, P], R],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R: ...


class DirectBackend:
    """The services run in this process, on one database connection (the program's own, or one
    borrowed from a pool by the API server)."""

    def __init__(
        self,
        db: Database,
        *,
        face: str = "menus",
        policy: SessionPolicy | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.db, self.face, self.clock = db, face, clock
        self.policy = policy or SessionPolicy()
        self.token: str | None = None
        self.device_token: str | None = None  # this computer's, for the login throttle (crm/devices.py)

    def log_in(self, username: str, password: str, device_token: str | None = None) -> Employee:
        """Check the credentials and open a session (its token kept here); device_token: this
        computer's token for the username, so others' failures never lock them out of it."""
        opened = sessions.log_in(
            self.db, username, password, self.face, self.policy, self.clock(), device_token=device_token
        )
        self.token, self.device_token = opened.token, device_token
        return opened.employee

    def adopt(self, employee: Employee) -> None:
        """Open a session for an employee whose password the caller has checked (tests, and
        programs embedding the CRM); log_in is the way for everyone else."""
        self.token = sessions.open_for(self.db, employee, self.face, self.policy, self.clock()).token

    def current(self) -> Employee:
        """The logged-in employee as they are now (SessionEnded when the session has ended)."""
        return sessions.resolve(self.db, self.token or "", self.policy, self.clock())

    def confirm_password(self, password: str) -> Employee:
        """The password typed again (a wrong one counts as a failed login)."""
        return sessions.confirm_password(
            self.db, self.token or "", password, self.policy, self.clock(), device_token=self.device_token
        )

    def recently_confirmed(self) -> bool:
        """Whether the password was typed in this session within [security] reauth_minutes (the
        commands then save without asking it again)."""
        return sessions.recently_confirmed(self.db, self.token or "", self.policy, self.clock())

    def change_password(self, old: str, new: str) -> None:
        """Change one's own password: the other sessions end, this one goes on."""
        sessions.change_password(
            self.db, self.token or "", old, new, self.policy, self.clock(), device_token=self.device_token
        )

    def log_out(self) -> None:
        """End the session."""
        if self.token:
            sessions.end(self.db, self.token, self.clock())
        self.token = None

    def run(self, fn: Callable[Concatenate[Database, P], R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call a service function of the database alone (reads anyone may make)."""
        with self.db.using_token(self.token):
            return fn(self.db, *args, **kwargs)

    def act(
        self,
        actor: Employee,
        fn: Callable[Concatenate[Database, Employee, P], R],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        """Call a service function as the acting employee (the database verifies them from the
        session's token)."""
        with self.db.using_token(self.token):
            return fn(self.db, actor, *args, **kwargs)
