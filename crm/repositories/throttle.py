"""Login attempts and locks, kept in login_throttle through the database's own functions.

The application role cannot read or write the table itself (sql/0011_app_role_limits.sql): it
asks for a key, then counts, locks and clears by that key. A key never holds what was typed: an
employee's username is counted by their id ('employee:42'), a device they logged in from by its
token's hash ('device:…'), anything else by a keyed hash under a secret only the database reads
('unknown:…'), so a password typed into the username field cannot be read back. Rows expire an
hour after their last write.

An attempt is counted before its password is checked and forgotten when the password was
right, so what the table counts is failed attempts and attempts still being checked. The clock
is the caller's (`now`), so tests move time without sleeping; the table keeps the lock across
restarts of the program.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import psycopg

from crm.repositories.rows import one_row, scalar


class ThrottleRepository:
    """Counts failed logins per key and stores when a locked key may try again."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def key(self, username: str, device_token_hash: str | None = None) -> str:
        """The key attempts at this username (trimmed, lower-cased) are counted under; a device
        token's hash that belongs to that employee gives the device's own key."""
        cur = self.conn.execute("SELECT login_throttle_key(%s, %s)", (username, device_token_hash))
        return scalar(cur)

    def begin_attempt(self, key: str, now: datetime, window: timedelta) -> tuple[int, datetime | None]:
        """Count an attempt before its password is checked, in one atomic statement.

        Returns (attempts counted within the window that ends now, this one included; None) —
        or (count, end of the lock) when the key is locked at `now`, and then nothing is
        counted. Attempts made at the same time are counted one after the other, so each sees
        how many came before it. A first attempt, or one after the window since the first
        counted one, starts a new count; a right password clears it (clear_unless_locked).
        """
        cur = self.conn.execute("SELECT * FROM login_attempt_begin(%s, %s, %s)", (key, now, window))
        row = one_row(cur)
        return row[0], row[1]

    def lock(self, key: str, until: datetime) -> datetime:
        """Lock the key until `until` (a longer lock already there stays); the count starts
        again afterwards. Returns when the lock ends."""
        row = one_row(self.conn.execute("SELECT login_attempt_lock(%s, %s)", (key, until)))
        return row[0] or until

    def clear_unless_locked(self, key: str, now: datetime) -> datetime | None:
        """After a right password: forget the key's attempts — unless it has been locked
        meanwhile (by attempts made at the same time); then the end of that lock, and nothing
        changes. Call it inside a transaction: the row stays locked until it ends."""
        return scalar(self.conn.execute("SELECT login_attempt_clear(%s, %s)", (key, now)))

    def forget_employee(self, employee_id: int) -> int:
        """Forget every count and lock of an employee (any device); how many held one."""
        return scalar(self.conn.execute("SELECT login_attempts_forget(%s)", (employee_id,)))

    def remember_device(self, employee_id: int, device_token_hash: str) -> None:
        """A device the employee has just logged in from: its attempts get their own count."""
        self.conn.execute("SELECT login_device_remember(%s, %s)", (employee_id, device_token_hash))
