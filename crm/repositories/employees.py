"""SQL for the employees table: reads anyone may see, management's writes, and credentials.

Only `credentials` and `reauth_credentials` ever return a password hash, and only to the auth
service; every other read selects EMPLOYEE_COLUMNS. Lists are one statement, paged.
"""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg import sql
from psycopg.rows import class_row

from crm.models import Employee, EmployeeFields, OwnedRecord, Team
from crm.repositories.events import OPEN_E
from crm.repositories.rows import one_row, scalar

# Every column but the password hash: what anyone may see (the fields of crm.models.Employee).
EMPLOYEE_FIELDS = (
    "id", "username", "full_name", "email", "phone", "team", "is_active",
    "created_at", "updated_at", "version",
)  # fmt: skip
EMPLOYEE_COLUMNS = sql.SQL(", ").join(sql.Identifier(name) for name in EMPLOYEE_FIELDS)


def employee_columns(alias: str) -> sql.Composed:
    """EMPLOYEE_COLUMNS of the employees table named `alias` in a query (e.id, e.username, …)."""
    return sql.SQL(", ").join(sql.Identifier(alias, name) for name in EMPLOYEE_FIELDS)


class EmployeeRepository:
    """Reads and writes employees; never returns a password hash except through `credentials`."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def _employees(self, query: sql.Composed, params: dict | tuple) -> list[Employee]:
        with self.conn.cursor(row_factory=class_row(Employee)) as cur:
            return cur.execute(query, params).fetchall()

    # Reads -----------------------------------------------------------------------------------------

    def get(self, employee_id: int, *, lock: bool = False, share: bool = False) -> Employee | None:
        """One employee by id. lock=True: the row stays as it is until the transaction ends, and
        only this transaction may change it; share=True: it stays as it is, nobody changes it."""
        suffix = " FOR UPDATE" if lock else " FOR SHARE" if share else ""
        query = sql.SQL("SELECT {} FROM employees WHERE id = %s{}").format(EMPLOYEE_COLUMNS, sql.SQL(suffix))
        rows = self._employees(query, (employee_id,))
        return rows[0] if rows else None

    def page(
        self, offset: int, limit: int, team: Team | None = None, active: bool | None = None
    ) -> list[Employee]:
        """A page of employees by name, optionally of one team and/or only (in)active ones."""
        query = sql.SQL(
            "SELECT {} FROM employees"
            " WHERE (%(team)s::text IS NULL OR team = %(team)s)"
            " AND (%(active)s::boolean IS NULL OR is_active = %(active)s)"
            " ORDER BY lower(full_name), id OFFSET %(offset)s LIMIT %(limit)s"
        ).format(EMPLOYEE_COLUMNS)
        params = {
            "team": team.value if team is not None else None,
            "active": active,
            "offset": offset,
            "limit": limit,
        }
        return self._employees(query, params)

    def search(
        self, text: str, offset: int, limit: int, team: Team | None = None, active: bool | None = None
    ) -> list[Employee]:
        """A page of the employees whose name or username contains `text`, by name; team and
        active filter when given. Any case, any accents, as the client and event searches
        (sql/0008_search.sql): "helene" finds "Hélène"."""
        query = sql.SQL(
            "SELECT {} FROM employees"
            " WHERE (f_unaccent(full_name) ILIKE f_search_pattern(%(text)s)"
            " OR f_unaccent(username) ILIKE f_search_pattern(%(text)s))"
            " AND (%(team)s::text IS NULL OR team = %(team)s)"
            " AND (%(active)s::boolean IS NULL OR is_active = %(active)s)"
            " ORDER BY lower(full_name), id OFFSET %(offset)s LIMIT %(limit)s"
        ).format(EMPLOYEE_COLUMNS)
        params = {
            "text": text,
            "team": team.value if team is not None else None,
            "active": active,
            "offset": offset,
            "limit": limit,
        }
        return self._employees(query, params)

    def active_of_team(self, team: Team) -> list[Employee]:
        """The active employees of one team, by name (who a client or an event may go to)."""
        query = sql.SQL(
            "SELECT {} FROM employees WHERE team = %s AND is_active ORDER BY full_name, id"
        ).format(EMPLOYEE_COLUMNS)
        return self._employees(query, (team.value,))

    def is_active_in_team(self, employee_id: int, team: Team) -> bool:
        """Whether an id is an active employee's of this team."""
        cur = self.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM employees WHERE id = %s AND team = %s AND is_active)",
            (employee_id, team.value),
        )
        row = one_row(cur)
        return bool(row[0])

    def id_of_username(self, username: str) -> int | None:
        """The id of the employee with this username (any case)."""
        row = self.conn.execute(
            "SELECT id FROM employees WHERE lower(username) = lower(%s)", (username,)
        ).fetchone()
        return row[0] if row else None

    def id_of_email(self, email: str) -> int | None:
        """The id of the employee with this e-mail address (any case)."""
        row = self.conn.execute(
            "SELECT id FROM employees WHERE lower(email) = lower(%s)", (email,)
        ).fetchone()
        return row[0] if row else None

    def active_manager_ids(self) -> list[int]:
        """The ids of the active managers, in id order (no lock: for a refusal shown early)."""
        rows = self.conn.execute(
            "SELECT id FROM employees WHERE team = 'management' AND is_active ORDER BY id"
        ).fetchall()
        return [r[0] for r in rows]

    def lock_active_managers(self) -> list[int]:
        """Lock the active managers' rows until the transaction ends; return their ids.

        Whoever deactivates or moves a manager takes these locks first, so two such changes run
        one after the other and the second sees the first (there is always an active manager).
        """
        rows = self.conn.execute(
            "SELECT id FROM employees WHERE team = 'management' AND is_active ORDER BY id FOR UPDATE"
        ).fetchall()
        return [r[0] for r in rows]

    def clients_owned(self, employee_id: int, limit: int = 20) -> list[OwnedRecord]:
        """The clients whose sales contact is this employee, by name (at most `limit`)."""
        query = (
            "SELECT id, full_name AS name, company_name AS detail, NULL::timestamptz AS starts_at,"
            " count(*) OVER ()::int AS total"
            " FROM clients WHERE sales_contact_id = %s ORDER BY lower(full_name), id LIMIT %s"
        )
        with self.conn.cursor(row_factory=class_row(OwnedRecord)) as cur:
            return cur.execute(query, (employee_id, limit)).fetchall()

    def events_ahead(self, employee_id: int, now: datetime, limit: int = 20) -> list[OwnedRecord]:
        """The open events (planned, confirmed) this employee supports that have not ended at `now`,
        soonest first."""
        query = (
            sql.SQL(
                "SELECT e.id, e.name, cl.full_name AS detail, e.starts_at, count(*) OVER ()::int AS total"
                " FROM events e JOIN contracts c ON c.id = e.contract_id"
                " JOIN clients cl ON cl.id = c.client_id"
                " WHERE e.support_contact_id = %s AND e.ends_at >= %s AND "
            )
            + OPEN_E
            + sql.SQL(" ORDER BY e.starts_at, e.id LIMIT %s")
        )
        with self.conn.cursor(row_factory=class_row(OwnedRecord)) as cur:
            return cur.execute(query, (employee_id, now, limit)).fetchall()

    def credentials(self, username: str) -> tuple[int, str, bool] | None:
        """(id, password hash, active) for a username, case-insensitively."""
        return self.conn.execute(
            "SELECT id, password_hash, is_active FROM employees WHERE lower(username) = lower(%s)",
            (username,),
        ).fetchone()

    def reauth_credentials(self, employee_id: int) -> tuple[str, str, bool] | None:
        """(username, password hash, active) of one employee, for re-authentication."""
        return self.conn.execute(
            "SELECT username, password_hash, is_active FROM employees WHERE id = %s", (employee_id,)
        ).fetchone()

    # Writes ----------------------------------------------------------------------------------------

    def insert(self, fields: EmployeeFields, password_hash: str) -> int:
        """Create an active employee; return its id."""
        cur = self.conn.execute(
            "INSERT INTO employees (username, full_name, email, phone, team, password_hash)"
            " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            (fields.username, fields.full_name, fields.email, fields.phone, fields.team.value, password_hash),
        )
        row = one_row(cur)
        return row[0]

    def update(self, employee_id: int, version: int, fields: EmployeeFields) -> bool:
        """Save an employee's fields if still at `version`; False when it is not. Through
        employee_update() (sql/0017): the database checks the verified actor is a manager and
        does not change their own team."""
        cur = self.conn.execute(
            "SELECT employee_update(%s, %s, %s, %s, %s, %s, %s)",
            (
                employee_id,
                version,
                fields.username,
                fields.full_name,
                fields.email,
                fields.phone,
                fields.team.value,
            ),
        )
        return bool(scalar(cur))

    def set_active(self, employee_id: int, active: bool) -> bool:
        """Deactivate or reactivate an employee; False when it already was so (or does not exist).
        Through employee_set_active() (sql/0017): a verified manager, never themselves."""
        return bool(scalar(self.conn.execute("SELECT employee_set_active(%s, %s)", (employee_id, active))))

    def set_password_hash(self, employee_id: int, password_hash: str) -> None:
        """Store a new hash for an employee (a changed or reset password). Through
        employee_set_password_hash() (sql/0017): one's own, or someone else's by a verified manager."""
        self.conn.execute("SELECT employee_set_password_hash(%s, %s)", (employee_id, password_hash))

    def language(self, employee_id: int) -> str | None:
        """The employee's own language ('en', 'fr'), or None: the program's setting."""
        row = self.conn.execute("SELECT language FROM employees WHERE id = %s", (employee_id,)).fetchone()
        return row[0] if row else None

    def set_language(self, employee_id: int, language: str | None) -> None:
        """Store the employee's own language (None: follow the program's setting), through
        employee_set_own_language() (sql/0019): only the verified employee sets their own."""
        self.conn.execute("SELECT employee_set_own_language(%s)", (language,))

    def replace_hash(self, employee_id: int, old_hash: str, new_hash: str) -> None:
        """Swap a hash for a stronger one of the same password (at login); no visible change.

        Nothing happens if the password changed meanwhile. The audit trail records 'rehashed'.
        Through employee_rehash() (sql/0017): only by the verified employee themselves.
        """
        self.conn.execute("SELECT employee_rehash(%s, %s, %s)", (employee_id, old_hash, new_hash))
