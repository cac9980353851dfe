"""SQL for login_throttle: failed logins per username (lower-cased, known or not) and locks.

The clock is the caller's (`now`), so tests move time without sleeping; the table keeps the
lock across restarts of the program.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import psycopg


class ThrottleRepository:
    """Counts failed logins per username and stores when a locked username may try again."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def locked_until(self, username: str, now: datetime) -> datetime | None:
        """When the username's lock ends, if it is locked at `now`."""
        row = self.conn.execute(
            "SELECT locked_until FROM login_throttle WHERE username = %s AND locked_until > %s",
            (username, now),
        ).fetchone()
        return row[0] if row else None

    def record_failure(self, username: str, now: datetime, window: timedelta) -> int:
        """Count one failed attempt; return the failures within the window that ends now.

        A first failure, or one after the window since the first counted failure, starts a new count.
        """
        row = self.conn.execute(
            "INSERT INTO login_throttle AS t (username, failures, first_failure_at)"
            " VALUES (%(username)s, 1, %(now)s)"
            " ON CONFLICT (username) DO UPDATE SET"
            "  failures = CASE WHEN t.first_failure_at IS NULL OR t.first_failure_at <= %(start)s"
            "                  THEN 1 ELSE t.failures + 1 END,"
            "  first_failure_at = CASE WHEN t.first_failure_at IS NULL OR t.first_failure_at <= %(start)s"
            "                  THEN %(now)s ELSE t.first_failure_at END"
            " RETURNING failures",
            {"username": username, "now": now, "start": now - window},
        ).fetchone()
        return row[0]

    def lock(self, username: str, until: datetime) -> None:
        """Lock the username until `until`; the count starts again afterwards."""
        self.conn.execute(
            "UPDATE login_throttle SET locked_until = %s, failures = 0, first_failure_at = NULL"
            " WHERE username = %s",
            (until, username),
        )

    def reset(self, username: str) -> None:
        """Forget the username's failures and lock (after a successful login or a password reset)."""
        self.conn.execute(
            "UPDATE login_throttle SET failures = 0, first_failure_at = NULL, locked_until = NULL"
            " WHERE username = %s AND (failures <> 0 OR locked_until IS NOT NULL)",
            (username,),
        )
