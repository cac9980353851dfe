"""Connecting to PostgreSQL, units of work, and the acting employee.

The program holds one autocommit connection: reads run on their own, and every write runs in
`Database.transaction(actor_id)`, which records the acting employee for the audit trail in a
transaction-local setting (`crm.employee_id`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.conninfo import make_conninfo

from crm.config import Config
from crm.errors import DatabaseUnavailable

CONNECT_TIMEOUT = 5


def app_conninfo(config: Config, socket_dir: str | None = None) -> str:
    """The application role's conninfo from the config (socket_dir for the embedded server)."""
    db = config.database
    where = {"host": socket_dir or ""} if config.embedded else {"host": db.host, "sslmode": db.sslmode}
    return make_conninfo(
        **where,
        port=db.port,
        dbname=db.name,
        user=db.user,
        password=db.password,
        connect_timeout=CONNECT_TIMEOUT,
        application_name="epic-events-crm",
    )


def describe(conninfo: str) -> str:
    """host:port/dbname of a conninfo, for messages: never the password."""
    params = psycopg.conninfo.conninfo_to_dict(conninfo)
    return f"{params.get('host') or 'localhost'}:{params.get('port') or 5432}/{params.get('dbname', '')}"


def connect(conninfo: str, *, autocommit: bool = True) -> psycopg.Connection:
    """Open a connection, or raise DatabaseUnavailable naming host/port (never the password)."""
    try:
        return psycopg.connect(conninfo, autocommit=autocommit)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(
            f"Cannot connect to the database at {describe(conninfo)}: {first_line(exc)}"
        ) from None


def first_line(exc: BaseException) -> str:
    """The first line of a server/driver message, without any echoed connection string."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    # libpq prefixes messages with 'connection to server at "host" (addr), port N failed: '
    if "failed:" in text:
        text = text.split("failed:", 1)[1].strip()
    return text


class Database:
    """The program's connection, with units of work that carry the acting employee."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    @contextmanager
    def transaction(self, actor_id: int | None = None) -> Iterator[psycopg.Connection]:
        """One all-or-nothing unit of work; actor_id is recorded for the audit trail."""
        with self.conn.transaction():
            if actor_id is not None:
                self.conn.execute("SELECT set_config('crm.employee_id', %s, true)", (str(actor_id),))
            yield self.conn

    @contextmanager
    def snapshot(self) -> Iterator[psycopg.Connection]:
        """A read-only transaction seeing one consistent snapshot (for reading a long list in
        pages: nothing committed meanwhile moves a row from one page to another)."""
        with self.conn.transaction():
            self.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield self.conn

    def close(self) -> None:
        self.conn.close()
