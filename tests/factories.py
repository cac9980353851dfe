"""Test data, inserted as superuser so tests do not depend on the code they test."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
from psycopg.rows import class_row

from crm import security
from crm.models import Employee
from crm.repositories.employees import EMPLOYEE_COLUMNS

DEFAULT_PASSWORD = "correct horse battery staple"


def make_employee(
    conn: psycopg.Connection,
    team: str = "management",
    username: str | None = None,
    password: str = DEFAULT_PASSWORD,
    *,
    full_name: str | None = None,
    active: bool = True,
) -> Employee:
    """Insert an employee and return it."""
    if username is None:
        count = conn.execute("SELECT count(*) FROM employees").fetchone()[0]
        username = f"{team}_{count + 1}"
    with conn.cursor(row_factory=class_row(Employee)) as cur:
        return cur.execute(
            psycopg.sql.SQL(
                "INSERT INTO employees (username, full_name, email, team, is_active, password_hash)"
                " VALUES (%s, %s, %s, %s, %s, %s) RETURNING {}"
            ).format(EMPLOYEE_COLUMNS),
            (
                username,
                full_name or username.title(),
                f"{username}@epicevents.test",
                team,
                active,
                security.hash_password(password),
            ),
        ).fetchone()


def _email_name(name: str) -> str:
    """A name as the part of an e-mail address before the @: spaces as dots, no character the
    e-mail syntax refuses (sql/0010_text_rules.sql), no dot first, last or doubled."""
    local = re.sub(r"[^\w.!#$%&'*+/=?^`{|}~-]", "", name.lower().replace(" ", "."))
    return re.sub(r"[.]{2,}", ".", local).strip(".") or "client"


# The people tests meet, by the key a test knows them by: (team, username, full name).
PEOPLE = {
    "manager": ("management", "marie", "Marie Manager"),
    "bill": ("sales", "bill", "Bill Boquet"),
    "sam": ("sales", "sam", "Sam Seller"),
    "kate": ("support", "kate", "Kate Hastroff"),
    "alienor": ("support", "alienor", "Aliénor Vichum"),
}


def make_staff(conn: psycopg.Connection, *keys: str) -> dict[str, Employee]:
    """Insert the active PEOPLE named by `keys`, in that order; {key: Employee}."""
    staff = {}
    for key in keys:
        team, username, full_name = PEOPLE[key]
        staff[key] = make_employee(conn, team, username, full_name=full_name)
    return staff


def make_client(conn: psycopg.Connection, sales_id: int, name: str = "Kevin Casey", **fields) -> int:
    """Insert a client; return its id."""
    email = fields.pop("email", f"{_email_name(name)}.{sales_id}@client.test")
    row = conn.execute(
        "INSERT INTO clients (full_name, email, phone, company_name, sales_contact_id)"
        " VALUES (%s, %s, %s, %s, %s) RETURNING id",
        (
            name,
            email,
            fields.get("phone", "+678 123 456 78"),
            fields.get("company", "Cool Startup LLC"),
            sales_id,
        ),
    ).fetchone()
    return row[0]


def make_client_of(conn: psycopg.Connection, employee: Employee, name: str = "Kevin Casey") -> int:
    """Insert a client whose sales contact is `employee`, whatever their team is now.

    The database gives new clients only to active sales employees; a manager or support employee
    with clients is one who moved teams since, so they are made sales for the insert.
    """
    if employee.team == "sales":
        return make_client(conn, employee.id, name)
    with conn.transaction():
        conn.execute("UPDATE employees SET team = 'sales' WHERE id = %s", (employee.id,))
        client_id = make_client(conn, employee.id, name)
        conn.execute("UPDATE employees SET team = %s WHERE id = %s", (str(employee.team), employee.id))
    return client_id


def make_contract(
    conn: psycopg.Connection,
    client_id: int,
    total: str = "1000.00",
    remaining: str | None = None,
    signed: bool = False,
) -> int:
    """Insert a contract; return its id.

    A remaining amount below the total comes with a payment of the difference, recorded by the
    client's sales contact (the database holds remaining = total - payments).
    """
    total_amount = Decimal(total)
    remaining_amount = Decimal(remaining if remaining is not None else total)
    with conn.transaction():
        contract_id = conn.execute(
            "INSERT INTO contracts (client_id, total_amount, remaining_amount, is_signed, signed_at)"
            " VALUES (%s, %s, %s, %s, %s) RETURNING id",
            (client_id, total_amount, remaining_amount, signed, datetime.now(UTC) if signed else None),
        ).fetchone()[0]
        if remaining_amount < total_amount:
            conn.execute(
                "INSERT INTO payments (contract_id, amount, recorded_by)"
                " SELECT %s, %s, sales_contact_id FROM clients WHERE id = %s",
                (contract_id, total_amount - remaining_amount, client_id),
            )
    return contract_id


def signed_contract(conn: psycopg.Connection, sales_id: int, client: str = "Kevin Casey") -> int:
    """A new client of sales_id with one signed contract; return the contract's id."""
    return make_contract(conn, make_client(conn, sales_id, client), signed=True)


def fields_from(fields_class, record, **changes):
    """A fields dataclass (EmployeeFields, EventFields…) filled from a record read back, with changes."""
    values = {field.name: getattr(record, field.name) for field in dataclasses.fields(fields_class)}
    return fields_class(**{**values, **changes})


def audit_count(conn: psycopg.Connection) -> int:
    """How many audit rows there are."""
    return conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]


def versions(conn: psycopg.Connection, table: str) -> list[tuple]:
    """(id, version, updated_at) of every row of a versioned table, by id."""
    query = psycopg.sql.SQL("SELECT id, version, updated_at FROM {} ORDER BY id").format(
        psycopg.sql.Identifier(table)
    )
    return conn.execute(query).fetchall()


def make_event(
    conn: psycopg.Connection,
    contract_id: int,
    name: str = "John Ouick Wedding",
    support_id: int | None = None,
    starts_in_days: int = 30,
    hours: int = 4,
) -> int:
    """Insert an event on a signed contract; return its id."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=starts_in_days)
    row = conn.execute(
        "INSERT INTO events (name, contract_id, support_contact_id, client_contact, starts_at,"
        " ends_at, location, attendees, notes) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " RETURNING id",
        (
            name,
            contract_id,
            support_id,
            "john.ouick@gmail.com, +1 234 567 8901",
            start,
            start + timedelta(hours=hours),
            "53 Rue du Château, 41120 Candé-sur-Beuvron",
            75,
            "",
        ),
    ).fetchone()
    return row[0]


def throttle_key(conn: psycopg.Connection, username: str, device_token: str | None = None) -> str:
    """The login_throttle key attempts at this username (from that device) are counted under."""
    from crm.services.auth import device_token_hash, typed_username

    return conn.execute(
        "SELECT login_throttle_key(%s, %s)", (typed_username(username), device_token_hash(device_token))
    ).fetchone()[0]


def throttle_row(
    conn: psycopg.Connection, username: str, columns: str = "failures, first_failure_at, locked_until"
) -> tuple | None:
    """Those columns of the login_throttle row of a username (None: no row)."""
    query = psycopg.sql.SQL("SELECT {} FROM login_throttle WHERE throttle_key = %s").format(
        psycopg.sql.SQL(", ").join(psycopg.sql.Identifier(c.strip()) for c in columns.split(","))
    )
    return conn.execute(query, (throttle_key(conn, username),)).fetchone()


def make_service(
    conn: psycopg.Connection,
    name: str = "Catering",
    unit_price: str = "45.00",
    unit: str = "guest",
    *,
    active: bool = True,
    description: str = "",
) -> int:
    """Insert a service of the catalogue; return its id."""
    return conn.execute(
        "INSERT INTO services (name, description, unit_price, unit, is_active) VALUES (%s, %s, %s, %s, %s)"
        " RETURNING id",
        (name, description, Decimal(unit_price), unit, active),
    ).fetchone()[0]


def make_opportunity(
    conn: psycopg.Connection,
    client_id: int,
    title: str = "Wedding in June",
    *,
    lines: list[tuple[int, int, str]] = (),
    stage: str = "new",
    closed_at: datetime | None = None,
    attendees: int = 200,
) -> int:
    """Insert an opportunity with lines (service id, quantity, unit price), its amount their sum,
    then walk it through the stages up to `stage` (a new one always starts at new, sql/0013); a won
    one gets its contract. Return its id."""
    path = ["new", "qualified", "proposal", "negotiation"]
    with conn.transaction():
        amount = sum((quantity * Decimal(price) for _, quantity, price in lines), Decimal("0.00"))
        opportunity_id = conn.execute(
            "INSERT INTO opportunities (client_id, title, expected_attendees, amount)"
            " VALUES (%s, %s, %s, %s) RETURNING id",
            (client_id, title, attendees, amount),
        ).fetchone()[0]
        for service_id, quantity, price in lines:
            conn.execute(
                "INSERT INTO opportunity_lines (opportunity_id, service_id, quantity, unit_price)"
                " VALUES (%s, %s, %s, %s)",
                (opportunity_id, service_id, quantity, Decimal(price)),
            )
        steps = path[1 : path.index(stage) + 1] if stage in path else path[1:]
        for step in steps:
            conn.execute(
                "UPDATE opportunities SET stage = %s, version = version + 1 WHERE id = %s",
                (step, opportunity_id),
            )
        if stage == "lost":
            conn.execute(
                "UPDATE opportunities SET stage = 'lost', lost_reason = 'Went with a competitor',"
                " closed_at = %s, version = version + 1 WHERE id = %s",
                (closed_at, opportunity_id),
            )
        elif stage == "won":
            contract_id = make_contract(conn, client_id, total=str(amount))
            conn.execute(
                "UPDATE opportunities SET stage = 'won', contract_id = %s, closed_at = %s,"
                " version = version + 1 WHERE id = %s",
                (contract_id, closed_at, opportunity_id),
            )
    return opportunity_id
