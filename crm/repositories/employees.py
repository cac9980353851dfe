"""SQL for the employees table (and the login throttle that guards their accounts)."""

from __future__ import annotations

import psycopg
from psycopg import sql
from psycopg.rows import class_row

from crm.models import Employee

# Every column but the password hash: what anyone may see.
EMPLOYEE_COLUMNS = sql.SQL(
    "id, username, full_name, email, phone, team, is_active, created_at, updated_at, version"
)


class EmployeeRepository:
    """Reads and writes employees; never returns a password hash except through `credentials`."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def get(self, employee_id: int) -> Employee | None:
        """One employee by id."""
        with self.conn.cursor(row_factory=class_row(Employee)) as cur:
            return cur.execute(
                sql.SQL("SELECT {} FROM employees WHERE id = %s").format(EMPLOYEE_COLUMNS), (employee_id,)
            ).fetchone()

    def credentials(self, username: str) -> tuple[int, str, bool] | None:
        """(id, password hash, active) for a username, case-insensitively."""
        return self.conn.execute(
            "SELECT id, password_hash, is_active FROM employees WHERE lower(username) = lower(%s)",
            (username,),
        ).fetchone()

    def password_hash(self, employee_id: int) -> str | None:
        """The stored hash of one employee (for re-authentication)."""
        row = self.conn.execute(
            "SELECT password_hash FROM employees WHERE id = %s", (employee_id,)
        ).fetchone()
        return row[0] if row else None

    def set_password_hash(self, employee_id: int, password_hash: str) -> None:
        """Store a new hash for an employee."""
        self.conn.execute(
            "UPDATE employees SET password_hash = %s, updated_at = now(), version = version + 1"
            " WHERE id = %s",
            (password_hash, employee_id),
        )
