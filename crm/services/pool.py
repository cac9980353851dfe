"""A pool of application-role connections for a server face (the HTTP API): one Database a request.

Each request borrows a connection, wrapped in the same `Database` the menus and the commands use,
so its writes have the acting employee verified transaction-locally from the request's session
token (`crm_act_as`, sql/0017) exactly as they do there, and a lost connection is handled the
same way. Nothing session-level is ever set on a pooled connection (it works through PgBouncer in
transaction mode), and a connection comes back to the pool outside any transaction (the pool
rolls back whatever a request left open).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from crm.db import UNAVAILABLE, Database, connect, prepare_threshold, server_history
from crm.errors import DatabaseUnavailable

__all__ = ["UNAVAILABLE", "DatabasePool"]

log = logging.getLogger("crm.pool")
WAIT = 5.0  # seconds a request waits for a free connection before "the database is unavailable"


class DatabasePool:
    """`with pool.database() as db:` a Database on a pooled connection, for one request."""

    def __init__(self, conninfo: str, min_size: int = 1, max_size: int = 10, *, wait: float = WAIT) -> None:
        self.conninfo, self.max_size, self.wait = conninfo, max_size, wait
        self.pool = ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            kwargs={"autocommit": True, "prepare_threshold": prepare_threshold()},
            open=False,
            timeout=wait,
            name="crm-api",
            configure=self._remember_history,
        )
        # each pooled connection's server history (crm.db), read once when the pool opens it
        self._histories: weakref.WeakKeyDictionary[psycopg.Connection, tuple[str, str] | None] = (
            weakref.WeakKeyDictionary()
        )

    def _remember_history(self, conn: psycopg.Connection) -> None:
        self._histories[conn] = server_history(conn)

    def open(self) -> None:
        """Start the pool (connections are opened in the background: a database down at start-up
        makes requests answer 503 until it is back, not the server fail)."""
        self.pool.open(wait=False)

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def database(self) -> Iterator[Database]:
        """A Database on a borrowed connection; DatabaseUnavailable when none comes in time."""
        opened: list[psycopg.Connection] = []

        def reconnect() -> psycopg.Connection:
            """The borrowed connection was lost: a connection of this request's own (the pool
            replaces the lost one by itself)."""
            new = connect(self.conninfo)
            opened.append(new)
            return new

        try:
            borrowed = self.pool.connection()
            conn = borrowed.__enter__()
        except PoolTimeout:
            log.warning("No database connection within %s s", self.pool.timeout)
            raise DatabaseUnavailable(UNAVAILABLE) from None
        failure: BaseException | None = None
        try:
            yield Database(conn, reconnect=reconnect, history=self._histories.get(conn, ...))
        except BaseException as error:
            failure = error
            raise
        finally:
            for extra in opened:
                extra.close()
            if failure is None:
                borrowed.__exit__(None, None, None)
            else:
                borrowed.__exit__(type(failure), failure, failure.__traceback__)

    def stats(self) -> dict[str, int]:
        """The pool's counters (psycopg_pool's get_stats)."""
        return dict(self.pool.get_stats())
