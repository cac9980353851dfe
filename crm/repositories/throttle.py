"""SQL for login_throttle: login attempts per username (lower-cased, known or not) and locks.

An attempt is counted before its password is checked and forgotten when the password was
right, so what the table counts is failed attempts and attempts still being checked.

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

    def begin_attempt(self, username: str, now: datetime, window: timedelta) -> tuple[int, datetime | None]:
        """Count an attempt before its password is checked, in one atomic statement.

        Returns (attempts counted within the window that ends now, this one included; None) —
        or (count, end of the lock) when the username is locked at `now`, and then nothing is
        counted. Attempts made at the same time are counted one after the other, so each sees
        how many came before it. A first attempt, or one after the window since the first
        counted one, starts a new count; a right password clears it (clear_unless_locked).
        """
        row = self.conn.execute(
            "INSERT INTO login_throttle AS t (username, failures, first_failure_at)"
            " VALUES (%(username)s, 1, %(now)s)"
            " ON CONFLICT (username) DO UPDATE SET"
            "  failures = CASE WHEN t.locked_until > %(now)s THEN t.failures"
            "    WHEN t.first_failure_at IS NULL OR t.first_failure_at <= %(start)s THEN 1"
            "    ELSE t.failures + 1 END,"
            "  first_failure_at = CASE WHEN t.locked_until > %(now)s THEN t.first_failure_at"
            "    WHEN t.first_failure_at IS NULL OR t.first_failure_at <= %(start)s THEN %(now)s"
            "    ELSE t.first_failure_at END"
            " RETURNING failures, CASE WHEN locked_until > %(now)s THEN locked_until END",
            {"username": username, "now": now, "start": now - window},
        ).fetchone()
        return row[0], row[1]

    def lock(self, username: str, until: datetime) -> datetime:
        """Lock the username until `until` (a longer lock already there stays); the count starts
        again afterwards. Returns when the lock ends."""
        row = self.conn.execute(
            "UPDATE login_throttle SET locked_until = GREATEST(locked_until, %s), failures = 0,"
            " first_failure_at = NULL WHERE username = %s RETURNING locked_until",
            (until, username),
        ).fetchone()
        return row[0] if row else until

    def clear_unless_locked(self, username: str, now: datetime) -> datetime | None:
        """After a right password: forget the username's attempts — unless it has been locked
        meanwhile (by attempts made at the same time); then the end of that lock, and nothing
        changes. Call it inside a transaction: the row stays locked until it ends."""
        row = self.conn.execute(
            "SELECT locked_until FROM login_throttle WHERE username = %s FOR UPDATE", (username,)
        ).fetchone()
        if row is not None and row[0] is not None and row[0] > now:
            return row[0]
        self.reset(username)
        return None

    def reset(self, username: str) -> None:
        """Forget the username's failures and lock (after a successful login or a password reset)."""
        self.conn.execute(
            "UPDATE login_throttle SET failures = 0, first_failure_at = NULL, locked_until = NULL"
            " WHERE username = %s AND (failures <> 0 OR locked_until IS NOT NULL)",
            (username,),
        )
