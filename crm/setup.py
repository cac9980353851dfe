"""Bootstrap a CRM database on a PostgreSQL server — no prompts, no prints.

`inspect_server` checks the superuser connection, `inspect_database` says what a database holds,
and `bootstrap` creates the database, the schema owner role, the least-privilege application
role, the schema and the first manager, undoing what it created if anything fails.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum

import psycopg
from psycopg import errors, sql
from psycopg.conninfo import make_conninfo

from crm import migrations, security
from crm.db import connect, first_line
from crm.errors import CRMError, SetupError
from crm.repositories.rows import one_row, scalar

# What the application role may do, table by table: no DDL, no TRUNCATE, no DELETE. UPDATE is
# granted column by column (APP_UPDATE_COLUMNS). A table not named here gets nothing: the login
# throttle's tables (login_throttle, login_devices, login_throttle_secret) are reached only through
# the functions of APP_FUNCTIONS.
APP_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "employees": ("SELECT", "INSERT"),
    "clients": ("SELECT", "INSERT"),
    "contracts": ("SELECT", "INSERT"),
    "payments": ("SELECT", "INSERT"),
    "events": ("SELECT", "INSERT"),
    "sessions": ("SELECT", "INSERT"),
    "services": ("SELECT", "INSERT"),
    "opportunities": ("SELECT", "INSERT"),
    "opportunity_lines": ("SELECT", "INSERT"),
    # The stages and their probabilities (sql/0013): the schema owner's to change.
    "opportunity_stages": ("SELECT",),
    # Read only: audit rows are written by the owner's trigger (sql/0005_audit.sql), never by the app.
    "audit_log": ("SELECT",),
    "schema_migrations": ("SELECT",),
    # Which transactions are demo loads (sql/0011): read by the rows' insert trigger.
    "demo_loads": ("SELECT",),
    # Notes are append-only (sql/0014_daily.sql): never updated nor deleted.
    "notes": ("SELECT", "INSERT"),
    # The login digest's setting and "seen up to" mark, one row per employee (sql/0014_daily.sql).
    "employee_digest": ("SELECT", "INSERT"),
    # Append-only: one row per CSV export (sql/0016_exports.sql), never changed.
    "exports": ("SELECT", "INSERT"),
    # Written by the owner's trigger on events (sql/0015); the app reads them and marks them read.
    "notifications": ("SELECT",),
    "mail_outbox": ("SELECT",),
}

# The only columns the application role may UPDATE: exactly those the repositories' UPDATE
# statements set. Never an id, a created_at, a contract's client, an event's contract or a
# payment (payments are never updated). A new column the program updates must be added here.
APP_UPDATE_COLUMNS: dict[str, tuple[str, ...]] = {
    # Employees change only through the functions of sql/0017 (employee_update ...); updated_at is
    # kept for the row locks (FOR SHARE needs UPDATE on a column), and writes no change.
    "employees": ("updated_at",),
    "clients": ("full_name", "email", "phone", "company_name", "sales_contact_id", "updated_at", "version"),
    "contracts": ("total_amount", "remaining_amount", "is_signed", "signed_at", "updated_at", "version"),
    "events": (
        "name", "client_contact", "starts_at", "ends_at", "location", "attendees", "notes",
        "support_contact_id", "updated_at", "version", "status", "cancel_reason",
    ),
    "sessions": ("last_used_at", "reauthenticated_at", "ended_at", "end_reason"),
    "services": ("name", "description", "unit_price", "unit", "is_active", "updated_at", "version"),
    "opportunities": (
        "title", "stage", "expected_close_on", "expected_attendees", "amount", "lost_reason",
        "contract_id", "closed_at", "updated_at", "version",
    ),
    "opportunity_lines": ("quantity", "unit_price", "is_removed", "updated_at", "version"),
    "employee_digest": ("enabled", "seen_audit_id", "updated_at"),
    "notifications": ("read_at",),
    "mail_outbox": ("status", "attempts", "next_attempt_at", "last_error", "sent_at"),
}  # fmt: skip

# The SECURITY DEFINER functions the application role may call (sql/0011, 0016, 0017): login throttling,
# the demo loader's dates, the import staging, the verified actor and the employees' sensitive columns.
# Every other function of the schema is the owner's or anyone's.
APP_FUNCTIONS: tuple[str, ...] = (
    "login_throttle_key(text, text)",
    "login_attempt_begin(text, timestamptz, interval)",
    "login_attempt_lock(text, timestamptz)",
    "login_attempt_clear(text, timestamptz)",
    "login_attempts_forget(bigint)",
    "login_device_remember(bigint, text)",
    "demo_load_begin()",
    "client_import_staging()",
    # The verified actor and the employees' sensitive columns (sql/0017_verified_actor.sql).
    "crm_act_as(text, bigint)",
    "crm_actor()",
    "crm_actor_team()",
    "crm_actor_session()",
    "crm_actor_rehash()",
    "employee_update(bigint, integer, text, text, text, text, text)",
    "employee_set_active(bigint, boolean)",
    "employee_set_own_language(text)",
    "employee_set_password_hash(bigint, text)",
    "employee_rehash(bigint, text, text)",
)

# Columns the database sets itself on the rows the application role writes, whatever it sends
# (sql/0011): ids from their sequence, creation dates, a payment's paid_at, a contract's signed_at,
# and versions (1 on insert, exactly one more on every change). tests/test_app_role.py probes each
# column of each table as the application role; a new table must be added here and there.
DATABASE_SET_COLUMNS: dict[str, tuple[str, ...]] = {
    "employees": ("id", "created_at", "updated_at", "version"),
    "clients": ("id", "created_at", "updated_at", "version"),
    "contracts": ("id", "created_at", "updated_at", "version", "signed_at"),
    "payments": ("id", "created_at", "paid_at", "recorded_by"),  # recorded_by: the verified actor (0017)
    "events": ("id", "created_at", "updated_at", "version"),
    "sessions": ("id",),
    "services": ("id", "created_at", "updated_at", "version"),
    "opportunities": ("id", "created_at", "updated_at", "version"),
    "opportunity_lines": ("id", "created_at", "updated_at", "version"),
    "notes": ("id", "created_at"),  # and the author: the acting employee (sql/0014_daily.sql)
    "employee_digest": ("updated_at",),  # and a seen mark that never goes back (sql/0014_daily.sql)
    "exports": ("id", "created_at"),  # and employee_id: the transaction's acting employee (0016)
}

# What the application role must be refused, whatever it sends: tests/test_app_role.py runs each
# statement as that role on a database holding a row of every table, and checks the database
# refuses it and is left as it was. %(other_pid)s is another employee's session. Add the new
# table's probes here when adding a table.
APP_ROLE_PROBES: dict[str, str] = {
    # Large objects live outside every table and the audit trail.
    "create a large object": "SELECT lo_create(0)",
    "create a large object (old call)": "SELECT lo_creat(-1)",
    "large object from bytes": "SELECT lo_from_bytea(0, '\\x00')",
    "import a server file": "SELECT lo_import('/etc/hostname')",
    # Other employees' sessions.
    "terminate another session": "SELECT pg_terminate_backend(%(other_pid)s)",
    "cancel another session's query": "SELECT pg_cancel_backend(%(other_pid)s)",
    # Ids at chosen values.
    "move an id sequence": "SELECT setval('public.clients_id_seq', 1000000)",
    "restart an id sequence": "ALTER SEQUENCE clients_id_seq RESTART 1000000",
    # What a role cannot change about itself (what it can is in README, Signing in / server).
    "raise its connection limit": "ALTER ROLE CURRENT_USER CONNECTION LIMIT -1",
    "create databases": "ALTER ROLE CURRENT_USER CREATEDB",
    "create roles": "ALTER ROLE CURRENT_USER CREATEROLE",
    "inherit roles": "ALTER ROLE CURRENT_USER INHERIT",
    "bypass row security": "ALTER ROLE CURRENT_USER BYPASSRLS",
    "replicate": "ALTER ROLE CURRENT_USER REPLICATION",
    "expire itself": "ALTER ROLE CURRENT_USER VALID UNTIL '2000-01-01'",
    "stop logging in": "ALTER ROLE CURRENT_USER NOLOGIN",
    "set a parameter for every role": "ALTER ROLE ALL SET statement_timeout = 1",
    "create a temporary table": "CREATE TEMP TABLE scratch (id int)",
    # Refused on PostgreSQL 15 and 18 while the role holds sequence privileges (it would revoke
    # every grant it holds); --upgrade would grant them again.
    "revoke its own grants": "DROP OWNED BY CURRENT_USER",
    # Versions only go up, by one.
    "rewind an employee's version": "UPDATE employees SET version = version - 1",
    "rewind a client's version": "UPDATE clients SET version = version - 1",
    "rewind a contract's version": "UPDATE contracts SET version = 1 - version",
    "rewind an event's version": "UPDATE events SET version = version - 1",
    "change a client and keep its version": "UPDATE clients SET full_name = full_name || '!'",
    "change an employee and keep its version": "UPDATE employees SET team = 'management'",
    "change a contract and keep its version": "UPDATE contracts SET total_amount = total_amount + 1",
    "change an event and keep its version": "UPDATE events SET attendees = attendees + 1",
    "skip a version": "UPDATE clients SET version = version + 2",
    # Login throttling: only through its functions.
    "read the throttle": "SELECT * FROM login_throttle",
    "read the throttle's secret": "SELECT * FROM login_throttle_secret",
    "read the devices": "SELECT * FROM login_devices",
    "forge a throttle row": "INSERT INTO login_throttle (throttle_key) VALUES ('employee:1')",
    "clear the throttle": "UPDATE login_throttle SET failures = 0",
    "forge a device": "INSERT INTO login_devices (token_hash, employee_id) VALUES (repeat('a', 64), 1)",
    "declare a demo load": "INSERT INTO demo_loads VALUES (pg_current_xact_id())",
    # The pipeline (sql/0013): versions, the stage machine, the stages' probabilities (amounts are
    # checked at commit, after the audit trigger drew an id: tests/test_pipeline_db.py).
    "rewind a service's version": "UPDATE services SET version = version - 1",
    "rewind an opportunity's version": "UPDATE opportunities SET version = version - 1",
    "change a service and keep its version": "UPDATE services SET unit_price = unit_price + 1",
    "skip a stage": "UPDATE opportunities SET stage = 'proposal', version = version + 1",
    "win without a contract": "UPDATE opportunities SET stage = 'won', version = version + 1",
    "change a probability": "UPDATE opportunity_stages SET probability = 100",
    "delete a line": "DELETE FROM opportunity_lines",
    # Notes are append-only, and written by the acting employee (sql/0014_daily.sql).
    "edit a note": "UPDATE notes SET body = 'rewritten'",
    "delete a note": "DELETE FROM notes",
    "write a note as someone else": (
        "INSERT INTO notes (client_id, author_id, body) SELECT id, sales_contact_id, 'forged' FROM clients"
    ),
    "delete a digest mark": "DELETE FROM employee_digest",
    # The trace of exports is append-only (sql/0016).
    "rewrite an export's trace": "UPDATE exports SET row_count = 0",
    "remove an export's trace": "DELETE FROM exports",
    # Event status: only the allowed moves (sql/0015).
    "jump an event from planned to done": "UPDATE events SET status = 'done', version = version + 1",
    "cancel an event without a reason": "UPDATE events SET status = 'cancelled', version = version + 1",
    # Notifications and the outbox: written by the owner's trigger only, moved only forward.
    "forge a notification": "INSERT INTO notifications (employee_id, event_id, kind, changes)"
    " SELECT employee_id, event_id, 'changed', '{}' FROM notifications",
    "delete notifications": "DELETE FROM notifications",
    "mark another employee's notification read": "UPDATE notifications SET read_at = now()",
    "mark a notification unread": "UPDATE notifications SET read_at = NULL",
    "move a notification to another employee": "UPDATE notifications SET employee_id = employee_id",
    "queue an e-mail": "INSERT INTO mail_outbox (notification_id) SELECT id FROM notifications",
    "take an e-mail's attempts back": "UPDATE mail_outbox SET attempts = attempts - 1",
    "burn a notification id": "SELECT nextval('notifications_id_seq')",
}

# What a holder of the application role's password is refused when they try to write as someone
# they are not (sql/0017_verified_actor.sql): (who acts, the statements run in order in one
# transaction). Who: None — nobody verified (a psql session); or the employee of tests/
# test_app_role.py's fixture whose open session verified the transaction: "boss" (management),
# "sales" (bill), "support" (kate). The parameters name that fixture's rows: %(rival)s is another
# sales employee, %(rival_client)s / %(rival_contract)s theirs, %(rival_event)s another support
# employee's event, %(ended_token)s the token of the boss's ended session, %(sales_token)s bill's
# open one. A new audited table gets its probes here.
APP_ROLE_FORGERIES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    # The acting employee comes only from a verified session.
    "forge the audit actor": (None, (
        "SELECT set_config('crm.employee_id', %(boss)s::text, true)",
        "UPDATE clients SET full_name = 'Forged', version = version + 1",
    )),
    "write as system": (None, (
        "INSERT INTO clients (full_name, email, sales_contact_id)"
        " VALUES ('Planted', 'planted@x.io', %(sales)s)",
    )),
    "record a payment without a session": (None, (
        "INSERT INTO payments (contract_id, amount, recorded_by) VALUES (%(contract)s, 1, %(boss)s)",
    )),
    "verify a wrong token": (None, (
        "SELECT crm_act_as('not a token', %(boss)s)",
        "UPDATE events SET attendees = 1, version = version + 1",
    )),
    "verify an ended session's token": (None, (
        "SELECT crm_act_as(%(ended_token)s, %(boss)s)",
        "UPDATE events SET attendees = 1, version = version + 1",
    )),
    "verify someone else's token as a manager": (None, (
        "SELECT crm_act_as(%(sales_token)s, %(boss)s)",
        "SELECT employee_set_active(%(rival)s, false)",
    )),
    "set another employee's language": ("sales", (
        "UPDATE employees SET language = 'fr', version = version + 1 WHERE id = %(boss)s",
    )),
    "set one's language without a session": (None, ("SELECT employee_set_own_language('fr')",)),
    "reopen an ended session": (None, ("UPDATE sessions SET ended_at = NULL, end_reason = NULL",)),
    "read the verified actors": (None, ("SELECT * FROM verified_actors",)),
    "forge a verified actor": (None, (
        "INSERT INTO verified_actors VALUES (pg_current_xact_id(), %(boss)s, 'management', 1)",
    )),
    "claim a rehash without a session": (None, (
        "SELECT set_config('crm.password_change', 'rehashed', true)",
        "SELECT employee_rehash(%(boss)s, %(boss_hash)s, %(known_hash)s)",
    )),
    # Employees: team, active flag and password hash only through the functions, by management.
    "promote themselves": ("sales", ("UPDATE employees SET team = 'management' WHERE id = %(sales)s",)),
    "promote themselves through the function": ("sales", (
        "SELECT employee_update(%(sales)s, 1, 'bill', 'Bill', 'bill@epicevents.test', NULL, 'management')",
    )),
    "set a manager's password hash": ("sales", ("UPDATE employees SET password_hash = %(known_hash)s",)),
    "set a manager's password hash through the function": ("sales", (
        "SELECT employee_set_password_hash(%(boss)s, %(known_hash)s)",
    )),
    "rehash a manager's password": ("sales", (
        "SELECT employee_rehash(%(boss)s, %(boss_hash)s, %(known_hash)s)",
    )),
    "deactivate every manager": ("sales", (
        "UPDATE employees SET is_active = false WHERE team = 'management'",
    )),
    "deactivate every manager through the function": ("sales", (
        "SELECT employee_set_active(id, false) FROM employees WHERE team = 'management'",
    )),
    "create a manager": ("sales", (
        "INSERT INTO employees (username, full_name, email, team, password_hash)"
        " VALUES ('mole', 'Mole', 'mole@x.io', 'management', %(known_hash)s)",
    )),
    "rename a colleague": ("sales", ("UPDATE employees SET full_name = 'Renamed'",)),
    "touch an employee": ("support", ("UPDATE employees SET updated_at = now()",)),
    "change their own team": ("boss", (
        "SELECT employee_update(%(boss)s, 1, 'boss', 'Boss', 'boss@epicevents.test', NULL, 'sales')",
    )),
    "deactivate themselves": ("boss", ("SELECT employee_set_active(%(boss)s, false)",)),
    "store a hash that is not argon2id": ("boss", ("SELECT employee_set_password_hash(%(sales)s, 'plain')",)),
    "rehash someone else's password": ("boss", (
        "SELECT employee_rehash(%(sales)s, %(sales_hash)s, %(known_hash)s)",
    )),
    # Row-level security: sales their own clients' rows, support their events.
    "update another's client": ("sales", (
        "UPDATE clients SET full_name = 'Mine now', version = version + 1 WHERE id = %(rival_client)s",
    )),
    "take another's client": ("sales", (
        "UPDATE clients SET sales_contact_id = %(sales)s, version = version + 1 WHERE id = %(rival_client)s",
    )),
    "give their client away": ("sales", (
        "UPDATE clients SET sales_contact_id = %(rival)s, version = version + 1 WHERE id = %(client)s",
    )),
    "create a client for someone else": ("sales", (
        "INSERT INTO clients (full_name, email, sales_contact_id)"
        " VALUES ('Planted', 'planted@x.io', %(rival)s)",
    )),
    "create a contract": ("sales", (
        "INSERT INTO contracts (client_id, total_amount, remaining_amount) VALUES (%(client)s, 10, 10)",
    )),
    "update another's contract": ("sales", (
        "UPDATE contracts SET total_amount = total_amount + 1, remaining_amount = remaining_amount + 1,"
        " version = version + 1 WHERE id = %(rival_contract)s",
    )),
    "record a payment on another's contract": ("sales", (
        "INSERT INTO payments (contract_id, amount, recorded_by) VALUES (%(rival_contract)s, 1, %(rival)s)",
    )),
    "record a correction": ("sales", (
        "INSERT INTO payments (contract_id, amount, recorded_by, corrects_payment_id)"
        " SELECT contract_id, -amount, recorded_by, id FROM payments WHERE contract_id = %(contract)s",
    )),
    "create an event for another's contract": ("sales", (
        "INSERT INTO events (name, contract_id, starts_at, ends_at)"
        " VALUES ('E', %(rival_contract)s, now(), now())",
    )),
    "update an event as sales": ("sales", (
        "UPDATE events SET attendees = attendees + 1, version = version + 1",
    )),
    "update another's event": ("support", (
        "UPDATE events SET attendees = attendees + 1, version = version + 1 WHERE id = %(rival_event)s",
    )),
    "take another's event": ("support", (
        "UPDATE events SET support_contact_id = %(support)s, version = version + 1"
        " WHERE id = %(rival_event)s",
    )),
    "drop their event": ("support", (
        "UPDATE events SET support_contact_id = NULL, version = version + 1 WHERE id = %(event)s",
    )),
    "update a client as support": ("support", (
        "UPDATE clients SET full_name = 'Support was here', version = version + 1",
    )),
    "update a contract as support": ("support", (
        "UPDATE contracts SET total_amount = total_amount + 1, remaining_amount = remaining_amount + 1,"
        " version = version + 1",
    )),
    "create an event as a manager": ("boss", (
        "INSERT INTO events (name, contract_id, starts_at, ends_at)"
        " VALUES ('E', %(rival_contract)s, now(), now())",
    )),
}  # fmt: skip

# One program instance holds one connection; 50 lets a team of about 45 work at once and leaves
# the rest of max_connections (100 by default) to the installer (--upgrade, --unlock) and to the
# server's other databases, which a flood of connections with the shared credential cannot take.
APP_CONNECTION_LIMIT = 50

# PostgreSQL lets every role call these (EXECUTE granted to PUBLIC); the bootstrap takes them back
# in the CRM database when it runs as a superuser (only the functions' owner may): large objects
# live outside every table and the audit trail, and any role may cancel or end the sessions of its
# own role, that is every other employee's. A managed server's admin role without superuser keeps
# them (README: A team on one central PostgreSQL server).
PUBLIC_FUNCTIONS_REVOKED: tuple[str, ...] = (
    "lo_close", "lo_creat", "lo_create", "lo_export", "lo_from_bytea", "lo_get", "lo_import",
    "lo_lseek", "lo_lseek64", "lo_open", "lo_put", "lo_tell", "lo_tell64", "lo_truncate",
    "lo_truncate64", "lo_unlink", "loread", "lowrite", "pg_cancel_backend", "pg_terminate_backend",
)  # fmt: skip

# Every overload of the functions named in the transaction-local setting crm.revoke_functions.
_REVOKE_PUBLIC_FUNCTIONS = """
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p
              WHERE p.pronamespace = 'pg_catalog'::regnamespace
                AND p.proname = ANY (string_to_array(current_setting('crm.revoke_functions'), ',')::name[])
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END $$
"""


check_password_policy = security.check_password_policy  # what the first manager's password meets


@dataclass(frozen=True)
class Roles:
    owner: str
    app: str


def role_names(dbname: str) -> Roles:
    """The owner and application role names of a CRM database (each at most 63 bytes)."""
    base = dbname
    if len(base.encode()) > 57:
        digest = hashlib.sha256(dbname.encode()).hexdigest()[:8]
        base = f"{dbname.encode()[:48].decode(errors='ignore')}_{digest}"
    return Roles(owner=f"{base}_owner", app=f"{base}_app")


class DatabaseState(Enum):
    ABSENT = "absent"
    EMPTY = "empty"  # exists, holds no tables: safe to use (e.g. left by an interrupted setup)
    CRM = "crm"  # holds this CRM's schema
    FOREIGN = "foreign"  # holds something else: never touched


@dataclass(frozen=True)
class NewManager:
    username: str
    full_name: str
    email: str
    password_hash: str
    phone: str | None = None

    @classmethod
    def with_password(cls, username: str, full_name: str, email: str, password: str) -> NewManager:
        """The first manager, their password (which must meet the policy) hashed."""
        security.check_password_policy(password, username)
        return cls(username, full_name, email, security.hash_password(password))


def with_dbname(admin_conninfo: str, dbname: str) -> str:
    """The same connection settings, to another database."""
    return make_conninfo(admin_conninfo, dbname=dbname)


def inspect_server(admin_conninfo: str) -> None:
    """Check the admin connection and its rights; raise SetupError with a one-line reason."""
    try:
        conn = connect(admin_conninfo)
    except CRMError as exc:
        raise SetupError(str(exc)) from None
    with conn:
        cur = conn.execute(
            "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        )
        row = one_row(cur)
    name, is_super, createdb, createrole = row
    if not is_super and not (createdb and createrole):
        raise SetupError(
            f"The role {name!r} cannot create databases and roles: "
            "connect as a superuser (or a role with CREATEDB and CREATEROLE)."
        )


def inspect_database(admin_conninfo: str, dbname: str) -> DatabaseState:
    """Whether the database is absent, empty, this CRM's, or something else's."""
    with connect(admin_conninfo) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
    if not exists:
        return DatabaseState.ABSENT
    with connect(with_dbname(admin_conninfo, dbname)) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')"
                " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
                " AND n.nspname NOT LIKE 'pg_toast%%'"
            )
        }
        if not tables:
            return DatabaseState.EMPTY
        first = migrations.migration_files()[0].name
        if "schema_migrations" in tables and first in migrations.applied(conn):
            return DatabaseState.CRM
    return DatabaseState.FOREIGN


def has_active_manager(admin_conninfo: str, dbname: str) -> bool:
    """Whether a CRM database already has an active management employee."""
    with connect(with_dbname(admin_conninfo, dbname)) as conn:
        cur = conn.execute("SELECT EXISTS (SELECT 1 FROM employees WHERE team = 'management' AND is_active)")
        row = one_row(cur)
    return bool(row[0])


def existing_roles(admin_conninfo: str, roles: list[str]) -> set[str]:
    """Which of these roles exist on the server."""
    with connect(admin_conninfo) as conn:
        return {r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (roles,))}


def _role_exists(conn: psycopg.Connection, role: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is not None


def _ensure_roles(conn: psycopg.Connection, roles: Roles, app_password: str) -> list[str]:
    """Create the owner (no login) and app roles, or reset the app role's password."""
    created = []
    if not _role_exists(conn, roles.owner):
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(roles.owner)))
        created.append(roles.owner)
    is_super = one_row(conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
    if not is_super[0]:
        conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(roles.owner)))
    if not _role_exists(conn, roles.app):
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT").format(
                sql.Identifier(roles.app)
            )
        )
        created.append(roles.app)
    _set_app_password(conn, roles.app, app_password)
    return created


def _set_app_password(conn: psycopg.Connection, app_role: str, app_password: str) -> None:
    """Give the app role this password (and LOGIN)."""
    # The clear password never reaches the server (or its log): only a SCRAM verifier does.
    verifier = conn.pgconn.encrypt_password(
        app_password.encode(), app_role.encode(), b"scram-sha-256"
    ).decode()
    conn.execute(
        sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(
            sql.Identifier(app_role), sql.Literal(verifier)
        )
    )


def _create_database(conn: psycopg.Connection, dbname: str, owner: str) -> None:
    create = sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0").format(
        sql.Identifier(dbname), sql.Identifier(owner)
    )
    try:
        conn.execute(create)
    except errors.InvalidParameterValue:
        # The server's default locale is not UTF-8: use a UTF-8 one.
        conn.execute(sql.SQL("{} LOCALE 'C.UTF-8'").format(create))


def grant_app_privileges(conn: psycopg.Connection, dbname: str, roles: Roles) -> None:
    """Give the app role exactly APP_PRIVILEGES (conn is on dbname, as superuser or owner)."""
    ident = sql.Identifier
    conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(ident(dbname)))
    conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(ident(dbname), ident(roles.app)))
    conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident(roles.app)))
    # Revoking table privileges revokes the column ones too: an upgraded database loses its old
    # table-wide UPDATE here and gets the column grants below.
    conn.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(ident(roles.app)))
    # Only the tables the applied migrations have made (a database upgraded step by step, or
    # restored from an older release, may not have them all yet).
    present = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    for table, privileges in APP_PRIVILEGES.items():
        if table not in present:
            continue
        conn.execute(
            sql.SQL("GRANT {} ON TABLE {} TO {}").format(
                sql.SQL(", ").join(sql.SQL(p) for p in privileges), ident(table), ident(roles.app)
            )
        )
    for table, wanted in APP_UPDATE_COLUMNS.items():
        if table not in present:
            continue
        # Only the columns the applied migrations have made (events' status came with 0015).
        existing = {
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = 'public' AND table_name = %s",
                (table,),
            )
        }
        columns = [c for c in wanted if c in existing]
        conn.execute(
            sql.SQL("GRANT UPDATE ({}) ON TABLE {} TO {}").format(
                sql.SQL(", ").join(ident(c) for c in columns), ident(table), ident(roles.app)
            )
        )
    # USAGE: the rows' insert trigger (sql/0011) draws their ids as the writer; no UPDATE, so no setval.
    conn.execute(sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {}").format(ident(roles.app)))
    # Audit ids are drawn by the audit trigger as the owner; the app cannot even burn one.
    conn.execute(sql.SQL("REVOKE ALL ON SEQUENCE audit_log_id_seq FROM {}").format(ident(roles.app)))
    # So are notifications' and the outbox's (sql/0015), when that migration is applied.
    for sequence in ("notifications_id_seq", "mail_outbox_id_seq"):
        if scalar(conn.execute("SELECT to_regclass(%s)", (f"public.{sequence}",))) is not None:
            conn.execute(
                sql.SQL("REVOKE ALL ON SEQUENCE {} FROM {}").format(ident(sequence), ident(roles.app))
            )
    conn.execute(sql.SQL("REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM {}").format(ident(roles.app)))
    for signature in APP_FUNCTIONS:
        if scalar(conn.execute("SELECT to_regprocedure(%s)", (f"public.{signature}",))) is None:
            continue
        name, args = signature.rstrip(")").split("(")
        conn.execute(
            sql.SQL("GRANT EXECUTE ON FUNCTION {}({}) TO {}").format(
                ident("public", name), sql.SQL(args), ident(roles.app)
            )
        )
    _limit_app_role(conn, dbname, roles.app)


def _is_superuser(conn: psycopg.Connection) -> bool:
    return bool(scalar(conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")))


def _limit_app_role(conn: psycopg.Connection, dbname: str, app_role: str) -> None:
    """The app role's attributes and settings as the bootstrap made them, whatever it did to itself.

    A role may always change its own password and set its own defaults for any parameter a
    session may set (search_path, statement_timeout, local_preload_libraries…), which can keep
    every new session from working; PostgreSQL offers no way to forbid it, so every upgrade puts
    them back. Large objects and signalling other sessions are revoked from PUBLIC (superuser only).
    """
    ident = sql.Identifier
    superuser = _is_superuser(conn)
    # SUPERUSER, REPLICATION and BYPASSRLS can only be named by a superuser, even to take them away.
    attributes = "NOCREATEDB NOCREATEROLE NOINHERIT"
    if superuser:
        attributes += " NOSUPERUSER NOREPLICATION NOBYPASSRLS"
    conn.execute(
        sql.SQL("ALTER ROLE {} {} CONNECTION LIMIT {}").format(
            ident(app_role), sql.SQL(attributes), sql.Literal(APP_CONNECTION_LIMIT)
        )
    )
    conn.execute(sql.SQL("ALTER ROLE {} RESET ALL").format(ident(app_role)))
    conn.execute(sql.SQL("ALTER ROLE {} IN DATABASE {} RESET ALL").format(ident(app_role), ident(dbname)))
    if superuser:
        conn.execute(
            "SELECT set_config('crm.revoke_functions', %s, true)", (",".join(PUBLIC_FUNCTIONS_REVOKED),)
        )
        conn.execute(_REVOKE_PUBLIC_FUNCTIONS)


def upgrade(
    admin_conninfo: str, dbname: str, app_password: str | None = None, upto: str | None = None
) -> list[str]:
    """Apply pending migrations (up to the sql/ file `upto`, if given) and refresh the app role's
    grants, limits and settings; return what was applied. app_password (the config's): set the app
    role's password back to it too."""
    roles = role_names(dbname)
    with connect(with_dbname(admin_conninfo, dbname)) as conn:
        applied = migrations.apply_pending(conn, roles.owner, upto=upto)
        with conn.transaction():
            migrations.lock(conn)  # two programs granting at once: "tuple concurrently updated"
            grant_app_privileges(conn, dbname, roles)
            if app_password:
                _set_app_password(conn, roles.app, app_password)
    return applied


def unlock_login(admin_conninfo: str, dbname: str, username: str) -> tuple[int, int] | None:
    """Forget an employee's failed logins and locks (the installer's `--unlock USERNAME`).

    Returns (the employee's id, how many of their counts held failures or a lock: 0 = nothing to
    lift), or None when no employee has this username. Refused (CRMError) while the schema waits
    for an upgrade.
    """
    from crm.repositories.employees import EmployeeRepository
    from crm.repositories.throttle import ThrottleRepository

    with connect(with_dbname(admin_conninfo, dbname)) as conn:
        waiting = migrations.pending(conn)
        if waiting:
            raise CRMError(
                f"The database needs schema upgrades ({', '.join(p.name for p in waiting)}): "
                "run `python -m main --upgrade` first."
            )
        employee_id = EmployeeRepository(conn).id_of_username(username.strip())
        if employee_id is None:
            return None
        return employee_id, ThrottleRepository(conn).forget_employee(employee_id)


def insert_manager(admin_conninfo: str, dbname: str, manager: NewManager) -> None:
    """Create the first management employee."""
    with connect(with_dbname(admin_conninfo, dbname)) as conn:
        conn.execute(
            "INSERT INTO employees (username, full_name, email, phone, team, password_hash)"
            " VALUES (%s, %s, %s, %s, 'management', %s)",
            (manager.username, manager.full_name, manager.email, manager.phone, manager.password_hash),
        )


def drop_database(admin_conninfo: str, dbname: str | None, roles: Sequence[str] = ()) -> None:
    """Remove a database and roles (made by an aborted setup, or by tests)."""
    with connect(admin_conninfo) as conn:
        if dbname:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
        for role in roles:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@dataclass
class Made:
    """What a setup step created, to be dropped again if it fails."""

    database: str | None = None
    roles: list[str] = field(default_factory=list)


@contextmanager
def undone_on_failure(
    admin_conninfo: str, failure: str, error: type[CRMError] = SetupError
) -> Iterator[Made]:
    """Drop what the block records in the Made it gets when the block fails (Ctrl-C included),
    so a rerun starts cleanly; a database error becomes error(f"{failure}: <its first line>")."""
    made = Made()
    try:
        yield made
    except BaseException as exc:
        try:
            drop_database(admin_conninfo, made.database, made.roles)
        except Exception:  # noqa: BLE001 — best effort; the first failure is what to report
            pass
        if isinstance(exc, psycopg.Error):
            raise error(f"{failure}: {first_line(exc)}") from None
        raise


def bootstrap(admin_conninfo: str, dbname: str, manager: NewManager | None, upto: str | None = None) -> str:
    """Create or reuse the CRM database, roles, schema and first manager; return the app password.

    upto: build the schema only up to that sql/ file (a restore of an older backup). Refuses a
    database that holds something else. On any failure (Ctrl-C included), what this call created
    is dropped again, so a rerun starts cleanly.
    """
    state = inspect_database(admin_conninfo, dbname)
    if state is DatabaseState.FOREIGN:
        raise SetupError(
            f"Database {dbname!r} already holds tables that are not this CRM's; choose another name."
        )
    roles = role_names(dbname)
    app_password = secrets.token_urlsafe(32)
    with undone_on_failure(admin_conninfo, "Setup failed") as made:
        with connect(admin_conninfo) as conn:
            made.roles = _ensure_roles(conn, roles, app_password)
            if state is DatabaseState.ABSENT:
                _create_database(conn, dbname, roles.owner)
                made.database = dbname
            else:
                conn.execute(
                    sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                        sql.Identifier(dbname), sql.Identifier(roles.owner)
                    )
                )
        upgrade(admin_conninfo, dbname, upto=upto)
        if manager is not None:
            insert_manager(admin_conninfo, dbname, manager)
    return app_password
