"""The query plan of what a repository call runs, for tests that check an index can serve it."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from psycopg import sql


def explain(conn: psycopg.Connection, run: Callable[[psycopg.Connection], object]) -> str:
    """EXPLAIN of the one statement run(conn) executes, planned as it is (with its parameters)."""
    statements = []

    class Recording(psycopg.Cursor):
        def execute(self, query, params=None, **kwargs):
            statements.append((query, params, kwargs))
            return super().execute(query, params, **kwargs)

    conn.cursor_factory = Recording
    try:
        run(conn)
    finally:
        conn.cursor_factory = psycopg.Cursor
    [(query, params, kwargs)] = statements
    query = sql.SQL(query) if isinstance(query, str) else query
    with psycopg.Cursor(conn) as cur:
        rows = cur.execute(sql.SQL("EXPLAIN ") + query, params, **kwargs).fetchall()
    return "\n".join(row[0] for row in rows)
