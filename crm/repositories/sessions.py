"""SQL for login sessions (sql/0012_sessions.sql): only token hashes, never tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg import sql

from crm.models import Employee
from crm.repositories.employees import employee_columns
from crm.repositories.rows import one_row


@dataclass(frozen=True)
class SessionRow:
    """A session as the database holds it, with its employee as they are now."""

    id: int
    last_used_at: datetime
    expires_at: datetime
    reauthenticated_at: datetime | None
    end_reason: str | None  # None while the session is open
    employee: Employee
    face: str = "api"  # the face that opened it (menus, commands, api, web)


_SELECT = sql.SQL(
    "SELECT s.id, s.last_used_at, s.expires_at, s.reauthenticated_at, s.end_reason, s.face, {}"
    " FROM sessions s JOIN employees e ON e.id = s.employee_id WHERE s.token_hash = %s"
).format(employee_columns("e"))


class SessionRepository:
    """Reads and writes the sessions table."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def insert(
        self, token_hash: bytes, employee_id: int, face: str, now: datetime, expires_at: datetime
    ) -> int:
        """A new open session, its password just typed; its id."""
        cur = self.conn.execute(
            "INSERT INTO sessions (token_hash, employee_id, face, created_at, last_used_at, expires_at,"
            " reauthenticated_at) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (token_hash, employee_id, face, now, now, expires_at, now),
        )
        row = one_row(cur)
        return row[0]

    def get(self, token_hash: bytes) -> SessionRow | None:
        """The session of this token hash, with its employee; None when there is none."""
        row = self.conn.execute(_SELECT, (token_hash,)).fetchone()
        if row is None:
            return None
        session_id, last_used, expires, reauth, reason, face, *employee = row
        return SessionRow(session_id, last_used, expires, reauth, reason, Employee(*employee), face)

    def used(self, session_id: int, now: datetime) -> None:
        """The session was used at `now`."""
        self.conn.execute(
            "UPDATE sessions SET last_used_at = %s WHERE id = %s AND ended_at IS NULL AND last_used_at < %s",
            (now, session_id, now),
        )

    def reauthenticated(self, session_id: int, now: datetime) -> None:
        """The password was typed again in this session at `now`."""
        self.conn.execute(
            "UPDATE sessions SET reauthenticated_at = %s, last_used_at = greatest(last_used_at, %s)"
            " WHERE id = %s AND ended_at IS NULL",
            (now, now, session_id),
        )

    def keep_open(self, session_id: int) -> None:
        """In this transaction, a change of the employee's password does not end this session."""
        self.conn.execute("SELECT set_config('crm.session_id', %s, true)", (str(session_id),))

    def end(self, session_id: int, reason: str, now: datetime) -> None:
        """End one session (logout, expiry); an ended session stays as it ended."""
        self.conn.execute(
            "UPDATE sessions SET ended_at = %s, end_reason = %s WHERE id = %s AND ended_at IS NULL",
            (now, reason, session_id),
        )
