"""Connecting to PostgreSQL, units of work, the acting employee — and surviving a lost connection.

The program holds one autocommit connection: reads run on their own, and every write runs in
`Database.transaction(actor_id)`. The acting employee is verified by the database itself
(sql/0017_verified_actor.sql): the transaction's first statement hands the session token of the
employee to `crm_act_as`, which records them for the audit trail and the rules only when the
session is open; the application role's writes without a verified actor are refused. Where the
token comes from: `Database.session_token` (set by the face's backend for its calls, see
`using_token`), else `Database.token_provider(actor_id)` (tests, programs embedding the CRM).
Without a token the actor is only named (`crm.employee_id`), which the database believes from its
owner and superusers alone.

A connection can be lost at any moment (the server ended the backend, restarted or failed over;
an idle timeout; PgBouncer closed the client). `Database` recovers without its callers knowing:

- Before each statement run outside a transaction, and before each transaction, the socket is
  looked at without a round trip: a connection the server has closed is replaced first (a short
  bounded retry; `notify` is told "Reconnected to the database.").
- A read that loses its connection while it runs is run once more on the new connection, inside
  a READ ONLY transaction, so a statement that writes can never be repeated that way.
- A write transaction that loses its connection is never run again: WriteLost ("nothing was
  saved, try again") — unless the connection broke during COMMIT and the server, asked after
  reconnecting, says the transaction committed (`pg_xact_status` of the transaction id each write
  records in its first statement, trusted only on the same server history: same system
  identifier and WAL timeline). Then the write has succeeded; when that cannot be told,
  WriteOutcomeUnknown says so.
- When no connection can be opened within RECONNECT_WINDOW: DatabaseUnavailable ("The database
  is unavailable, try again."); the next action tries again.
"""

from __future__ import annotations

import logging
import select
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg.pq import TransactionStatus

from crm.config import Config
from crm.errors import CRMError, DatabaseUnavailable, WriteLost, WriteOutcomeUnknown
from crm.i18n import N_, _
from crm.repositories.rows import scalar

CONNECT_TIMEOUT = 5
RECONNECT_WINDOW = 5.0  # seconds of retrying to connect before "the database is unavailable"
COMMIT_STATUS_WAIT = 2.0  # seconds a commit 'in progress' (e.g. a synchronous standby) may take

RECONNECTED = N_("Reconnected to the database.")
UNAVAILABLE = N_("The database is unavailable, try again.")
NOT_SAVED = N_("The connection to the database was lost during the save: nothing was saved, try again.")
OUTCOME_UNKNOWN = N_(
    "The connection to the database was lost while the save was being committed, and whether it "
    "was saved cannot be told: look at the record before trying again."
)

log = logging.getLogger("crm.db")
T = TypeVar("T")

# psycopg prepares a statement on the server after it ran this many times on a connection; None
# never prepares (PgBouncer < 1.21 in transaction mode). One value for every connection of the
# process: set from [database] prepare_threshold at start-up.
_prepare_threshold: int | None = 5


def use_prepare_threshold(threshold: int | None) -> None:
    """Use this prepare_threshold for every connection opened from now on (None: never prepare)."""
    global _prepare_threshold
    _prepare_threshold = threshold


def prepare_threshold() -> int | None:
    """The prepare_threshold connections get (see use_prepare_threshold)."""
    return _prepare_threshold


# TCP keepalives: a server that vanished without closing the connection (a failover, a cable)
# is noticed within about a minute, not after the system's two hours.
KEEPALIVES = {
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "10",
    "keepalives_count": "3",
}


def server_settings(config: Config) -> dict[str, str]:
    """The libpq settings of a server-mode config's TCP connections: sslmode, sslrootcert when
    set, and keepalives."""
    db = config.database
    settings = {"sslmode": db.sslmode, **KEEPALIVES}
    if db.sslrootcert:
        settings["sslrootcert"] = db.sslrootcert
    return settings


def app_conninfo(config: Config, socket_dir: str | None = None) -> str:
    """The application role's conninfo from the config (socket_dir for the embedded server)."""
    db = config.database
    where = {"host": socket_dir or ""} if config.embedded else {"host": db.host, **server_settings(config)}
    return make_conninfo(
        **where,
        port=db.port,
        dbname=db.name,
        user=db.user,
        password=db.password,
        connect_timeout=CONNECT_TIMEOUT,
        application_name="epic-events-crm",
    )


def admin_conninfo(config: Config, user: str, password: str, dbname: str = "postgres") -> str:
    """A server-mode superuser conninfo: the server itself ([database] admin_host / admin_port
    when host:port is PgBouncer), with the config's TLS settings."""
    host, port = config.database.admin_address
    return make_conninfo(
        host=host,
        port=port,
        user=user,
        password=password,
        dbname=dbname,
        connect_timeout=CONNECT_TIMEOUT,
        application_name="epic-events-crm-admin",
        **server_settings(config),
    )


def describe(conninfo: str) -> str:
    """host:port/dbname of a conninfo, for messages: never the password."""
    params = psycopg.conninfo.conninfo_to_dict(conninfo)
    return f"{params.get('host') or 'localhost'}:{params.get('port') or 5432}/{params.get('dbname', '')}"


def connect(conninfo: str, *, autocommit: bool = True) -> psycopg.Connection:
    """Open a connection, or raise DatabaseUnavailable naming host/port (never the password)."""
    try:
        return psycopg.connect(conninfo, autocommit=autocommit, prepare_threshold=_prepare_threshold)
    except psycopg.OperationalError as exc:
        reason = first_line(exc)
        if "certificate verify failed" in reason:
            reason += " (the server's certificate is not signed by the CA file of sslrootcert)"
        raise DatabaseUnavailable(
            _("Cannot connect to the database at {describe}: {reason}").format(
                describe=describe(conninfo), reason=reason
            )
        ) from None


def first_line(exc: BaseException) -> str:
    """The first line of a server/driver message, without any echoed connection string."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    # psycopg and libpq prefix messages with 'connection failed: connection to server at "host"
    # (addr), port N failed: '
    if "failed:" in text:
        text = text.rsplit("failed:", 1)[1].strip()
    return text.removeprefix("FATAL:").strip()


def _lost(conn: psycopg.Connection) -> bool:
    return conn.closed or conn.broken


def _closed_by_server(conn: psycopg.Connection) -> bool:
    """Whether an idle connection has been closed by the other end, found without a round trip:
    a server that ends a backend sends an error and closes the socket, which makes it readable."""
    if _lost(conn):
        return True
    if conn.info.transaction_status != TransactionStatus.IDLE:
        return False
    try:
        for _ in range(8):  # a few reads: the FATAL message, then the end of the stream
            readable, _, _ = select.select([conn.pgconn.socket], [], [], 0)
            if not readable:
                return False
            conn.pgconn.consume_input()
    except (OSError, ValueError, psycopg.OperationalError):
        return True
    return _lost(conn)


def _same_settings(conn: psycopg.Connection) -> Callable[[], psycopg.Connection]:
    """Open a connection like `conn` again (its libpq settings, without the address libpq looked up)."""
    params = {
        option.keyword.decode(): option.val.decode()
        for option in conn.pgconn.info
        if option.val is not None and option.keyword != b"hostaddr"
    }
    conninfo = make_conninfo(**params)
    return lambda: connect(conninfo, autocommit=conn.autocommit)


def server_history(conn: psycopg.Connection) -> tuple[str, str] | None:
    """(system identifier, WAL timeline) of the server behind an idle autocommit connection (see
    _server_history), for a caller that reuses one connection for many Databases (a pool)."""
    return _server_history(conn)


def _server_history(conn: psycopg.Connection) -> tuple[str, str] | None:
    """(system identifier, WAL timeline) of the server behind `conn`; None when it cannot be told.

    A transaction id means the same transaction only on the same history: a promoted standby
    (failover) starts a new timeline and may hand out the ids the old primary had used.
    """
    if not conn.autocommit or conn.info.transaction_status != TransactionStatus.IDLE:
        return None
    try:
        row = conn.execute(
            "SELECT system_identifier::text, CASE WHEN NOT pg_is_in_recovery()"
            " THEN substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) END FROM pg_control_system()"
        ).fetchone()
    except psycopg.Error:
        return None
    return (row[0], row[1]) if row and row[1] else None


class Database:
    """The program's connection, with units of work that carry the acting employee.

    `conn` is what repositories use: it always reaches the current connection, so a repository
    built before a reconnect keeps working after it. reconnect: opens a new connection (default:
    the same settings as `conn`); notify: shown "Reconnected to the database." (the face prints).
    """

    def __init__(
        self,
        conn: psycopg.Connection,
        *,
        reconnect: Callable[[], psycopg.Connection] | None = None,
        notify: Callable[[str], None] | None = None,
        history: tuple[str, str] | None | object = ...,
    ) -> None:
        self._conn = conn
        self._reconnect = reconnect or _same_settings(conn)
        self.notify: Callable[[str], None] = notify or (lambda message: None)
        self._depth = 0  # Database.transaction blocks open
        self._closed = False
        # history: server_history(conn) when the caller has it already (a pooled connection's)
        self._history: tuple[str, str] | None = (
            _server_history(conn) if history is ... else history  # type: ignore[assignment]
        )
        self.conn: Any = LiveConnection(self)
        # The open session whose employee acts (the backend's, for its calls), and where a token
        # comes from when none is set (tests: a session opened for the actor on demand).
        self.session_token: str | None = None
        self.token_provider: Callable[[int], str | None] | None = None

    @contextmanager
    def using_token(self, token: str | None) -> Iterator[Database]:
        """Run the block's transactions with this session token (the previous one afterwards)."""
        previous, self.session_token = self.session_token, token
        try:
            yield self
        finally:
            self.session_token = previous

    def _token_for(self, actor_id: int | None) -> str | None:
        if actor_id is None:
            return None
        if self.session_token is not None:
            return self.session_token
        return self.token_provider(actor_id) if self.token_provider is not None else None

    @contextmanager
    def transaction(self, actor_id: int | None = None) -> Iterator[Any]:
        """One all-or-nothing unit of work as the employee actor_id, verified by the database from
        the session token (see the module doc); without an actor, the database refuses the
        application role's writes to audited tables.

        A lost connection ends it with WriteLost (nothing was saved), or returns normally when it
        broke during COMMIT and the server says the transaction committed (see the module doc).
        """
        token = self._token_for(actor_id)
        if self._depth:  # nested: a savepoint of the enclosing unit of work
            with self._conn.transaction():
                if actor_id is not None:
                    self._conn.execute(*_actor_statement("SELECT", actor_id, token))
                yield self.conn
            return
        conn = self._ready()
        xid: str | None = None
        committing = False
        self._depth = 1
        try:
            with conn.transaction():
                xid = _begin(conn, actor_id, token)
                yield self.conn
                committing = True  # leaving the block sends COMMIT
        except psycopg.OperationalError as error:
            if not _lost(conn):
                raise
            self._depth = 0
            self._after_lost_write(xid if committing else None, error)
        finally:
            self._depth = 0

    @contextmanager
    def snapshot(self) -> Iterator[psycopg.Connection]:
        """A read-only transaction seeing one consistent snapshot (for reading a long list in
        pages: nothing committed meanwhile moves a row from one page to another). A lost
        connection ends it like any error (what was read so far stays read; nothing is retried)."""
        conn = self._ready()
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield self.conn

    def close(self) -> None:
        """Close the connection for good (a closed Database never reconnects)."""
        self._closed = True
        self._conn.close()

    # -- what LiveConnection uses --------------------------------------------------------------

    def current(self) -> psycopg.Connection:
        """The connection now (replaced first when found closed, outside a transaction)."""
        return self._conn if self._depth else self._ready()

    def run(self, statement: Callable[[psycopg.Connection], T]) -> T:
        """Run statement(conn); outside a transaction, a read that loses its connection runs again
        once on a new one, READ ONLY (a write is never repeated: WriteOutcomeUnknown)."""
        if self._depth or self._closed:
            return statement(self._conn)  # a lost connection ends the whole transaction instead
        conn = self._ready()
        if conn.info.transaction_status != TransactionStatus.IDLE:
            return statement(conn)  # inside a transaction psycopg was asked for directly
        try:
            return statement(conn)
        except psycopg.OperationalError as error:
            if not _lost(conn):
                raise
            self._replace(error)
        conn = self._conn
        conn.read_only = True
        try:
            with conn.transaction():
                return statement(conn)
        except psycopg.errors.ReadOnlySqlTransaction:
            # a statement that writes, run outside a transaction: whether its first run got
            # through cannot be told, and it is not run again
            raise WriteOutcomeUnknown(OUTCOME_UNKNOWN) from None
        except psycopg.OperationalError:
            if not _lost(conn):
                raise
            raise DatabaseUnavailable(UNAVAILABLE) from None
        finally:
            if not conn.closed:
                conn.read_only = False

    # -- reconnecting --------------------------------------------------------------------------

    def _ready(self) -> psycopg.Connection:
        if not self._closed and _closed_by_server(self._conn):
            self._replace(None)
        return self._conn

    def _replace(self, error: BaseException | None) -> None:
        """Open a new connection in place of the lost one, retrying for RECONNECT_WINDOW seconds;
        DatabaseUnavailable when none can be opened (the next action tries again)."""
        reason = first_line(error) if error is not None else "closed by the server"
        deadline = time.monotonic() + RECONNECT_WINDOW
        delay = 0.1
        while True:
            try:
                new = self._reconnect()
                break
            except (CRMError, psycopg.Error) as failure:
                if time.monotonic() + delay >= deadline:
                    log.warning("Database connection lost (%s); cannot reconnect: %s", reason, failure)
                    raise DatabaseUnavailable(UNAVAILABLE) from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        old, self._conn = self._conn, new
        old.close()
        self._history = _server_history(new)
        log.warning("Database connection lost (%s); reconnected.", reason)
        self.notify(_(RECONNECTED))

    def _after_lost_write(self, xid: str | None, error: BaseException) -> None:
        """The connection broke inside a write transaction (xid given: during its COMMIT). Return
        when the commit is known to have happened; raise WriteLost / WriteOutcomeUnknown otherwise."""
        history = self._history
        try:
            self._replace(error)
        except DatabaseUnavailable:
            if xid is None:
                raise WriteLost(NOT_SAVED) from None
            raise WriteOutcomeUnknown(OUTCOME_UNKNOWN) from None
        if xid is None:
            raise WriteLost(NOT_SAVED)
        outcome = self._commit_status(xid, history)
        log.warning("Connection lost during COMMIT of transaction %s: %s.", xid, outcome or "unknown")
        if outcome == "committed":
            return
        if outcome == "aborted":
            raise WriteLost(NOT_SAVED)
        raise WriteOutcomeUnknown(OUTCOME_UNKNOWN)

    def _commit_status(self, xid: str, history: tuple[str, str] | None) -> str | None:
        """'committed', 'aborted', or None when it cannot be told (another server history, a
        transaction still in progress after COMMIT_STATUS_WAIT, or no answer)."""
        if history is None or self._history != history:
            return None
        deadline = time.monotonic() + COMMIT_STATUS_WAIT
        while True:
            try:
                status = scalar(self._conn.execute("SELECT pg_xact_status(%s::xid8)", (xid,)))
            except psycopg.Error:
                return None
            if status in ("committed", "aborted"):
                return status
            if status is None or time.monotonic() > deadline:
                return None
            time.sleep(0.05)


def _actor_statement(select: str, actor_id: int, token: str | None) -> tuple[str, tuple]:
    """`select` followed by the actor's verification (crm_act_as, with a session token) or, without
    a token, its naming (crm.employee_id: believed from the owner and superusers only)."""
    if token is not None and token.isascii():
        return f"{select} public.crm_act_as(%s, %s)", (token, actor_id)
    return f"{select} set_config('crm.employee_id', %s, true)", (str(actor_id),)


def _begin(conn: psycopg.Connection, actor_id: int | None, token: str | None = None) -> str:
    """The first statement of a write: its transaction id (for pg_xact_status), and the actor."""
    if actor_id is None:
        return scalar(conn.execute("SELECT pg_current_xact_id()::text"))
    return scalar(conn.execute(*_actor_statement("SELECT pg_current_xact_id()::text,", actor_id, token)))


class LiveConnection:
    """Database.conn: a stand-in for the current psycopg connection, whichever it is now.

    execute() and cursors' execute() go through Database.run (a lost read runs again); anything
    else (transaction(), info, copy …) is the current connection's own.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> psycopg.Cursor:
        return self._db.run(lambda conn: conn.execute(query, params, **kwargs))

    def cursor(self, *args: Any, **kwargs: Any) -> LiveCursor:
        return LiveCursor(self._db, args, kwargs)

    def transaction(self, *args: Any, **kwargs: Any) -> Any:
        """Database.transaction() (psycopg's own when given savepoint_name / force_rollback)."""
        if args or kwargs:
            return self._db.current().transaction(*args, **kwargs)
        return self._db.transaction()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db.current(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:  # cursor_factory, prepare_threshold …: the connection's own
            setattr(self._db.current(), name, value)


class LiveCursor:
    """A cursor of LiveConnection: execute() is run by Database.run on whichever connection is
    current; everything else is the underlying psycopg cursor's."""

    def __init__(self, db: Database, args: tuple, kwargs: dict) -> None:
        self._db, self._args, self._kwargs = db, args, kwargs
        self._cursor: psycopg.Cursor | None = None

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> LiveCursor:
        def statement(conn: psycopg.Connection) -> LiveCursor:
            if self._cursor is None or self._cursor.connection is not conn:
                self.close()  # the first run, or a run again on a new connection
                self._cursor = conn.cursor(*self._args, **self._kwargs)
            self._cursor.execute(query, params, **kwargs)
            return self

        return self._db.run(statement)

    def _underlying(self) -> psycopg.Cursor:
        if self._cursor is None:
            self._cursor = self._db.current().cursor(*self._args, **self._kwargs)
        return self._cursor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._underlying(), name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._underlying())

    def __enter__(self) -> LiveCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None
