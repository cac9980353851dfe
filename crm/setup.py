"""Bootstrap a CRM database on a PostgreSQL server — no prompts, no prints.

`inspect_server` checks the superuser connection, `inspect_database` says what a database holds,
and `bootstrap` creates the database, the schema owner role, the least-privilege application
role, the schema and the first manager, undoing what it created if anything fails.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum

import psycopg
from psycopg import errors, sql
from psycopg.conninfo import make_conninfo

from crm import migrations, security
from crm.db import connect, first_line
from crm.errors import CRMError, SetupError

# What the application role may do, table by table: no DDL, no TRUNCATE, no DELETE. UPDATE is
# granted column by column (APP_UPDATE_COLUMNS).
APP_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "employees": ("SELECT", "INSERT"),
    "login_throttle": ("SELECT", "INSERT"),
    "clients": ("SELECT", "INSERT"),
    "contracts": ("SELECT", "INSERT"),
    "payments": ("SELECT", "INSERT"),
    "events": ("SELECT", "INSERT"),
    "sessions": ("SELECT", "INSERT"),
    # Read only: audit rows are written by the owner's trigger (sql/0005_audit.sql), never by the app.
    "audit_log": ("SELECT",),
    "schema_migrations": ("SELECT",),
}

# The only columns the application role may UPDATE: exactly those the repositories' UPDATE
# statements set. Never an id, a created_at, a contract's client, an event's contract or a
# payment (payments are never updated). A new column the program updates must be added here.
APP_UPDATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "employees": (
        "username", "full_name", "email", "phone", "team", "is_active", "password_hash",
        "updated_at", "version",
    ),
    "login_throttle": ("failures", "first_failure_at", "locked_until"),
    "clients": ("full_name", "email", "phone", "company_name", "sales_contact_id", "updated_at", "version"),
    "contracts": ("total_amount", "remaining_amount", "is_signed", "signed_at", "updated_at", "version"),
    "events": (
        "name", "client_contact", "starts_at", "ends_at", "location", "attendees", "notes",
        "support_contact_id", "updated_at", "version",
    ),
    "sessions": ("last_used_at", "reauthenticated_at", "ended_at", "end_reason"),
}  # fmt: skip


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
        row = conn.execute(
            "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
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
        row = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM employees WHERE team = 'management' AND is_active)"
        ).fetchone()
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
    is_super = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    if not is_super[0]:
        conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(roles.owner)))
    if not _role_exists(conn, roles.app):
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT").format(
                sql.Identifier(roles.app)
            )
        )
        created.append(roles.app)
    # The clear password never reaches the server (or its log): only a SCRAM verifier does.
    verifier = conn.pgconn.encrypt_password(
        app_password.encode(), roles.app.encode(), b"scram-sha-256"
    ).decode()
    conn.execute(
        sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(
            sql.Identifier(roles.app), sql.Literal(verifier)
        )
    )
    return created


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
    for table, columns in APP_UPDATE_COLUMNS.items():
        if table not in present:
            continue
        conn.execute(
            sql.SQL("GRANT UPDATE ({}) ON TABLE {} TO {}").format(
                sql.SQL(", ").join(ident(c) for c in columns), ident(table), ident(roles.app)
            )
        )
    conn.execute(sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {}").format(ident(roles.app)))
    # Audit ids are drawn by the audit trigger as the owner; the app cannot even burn one.
    conn.execute(sql.SQL("REVOKE ALL ON SEQUENCE audit_log_id_seq FROM {}").format(ident(roles.app)))


def upgrade(admin_conninfo: str, dbname: str, upto: str | None = None) -> list[str]:
    """Apply pending migrations (up to the sql/ file `upto`, if given) and refresh the app role's
    grants; return what was applied."""
    roles = role_names(dbname)
    with connect(with_dbname(admin_conninfo, dbname)) as conn:
        applied = migrations.apply_pending(conn, roles.owner, upto=upto)
        with conn.transaction():
            migrations.lock(conn)  # two programs granting at once: "tuple concurrently updated"
            grant_app_privileges(conn, dbname, roles)
    return applied


def insert_manager(admin_conninfo: str, dbname: str, manager: NewManager) -> None:
    """Create the first management employee."""
    with connect(with_dbname(admin_conninfo, dbname)) as conn:
        conn.execute(
            "INSERT INTO employees (username, full_name, email, phone, team, password_hash)"
            " VALUES (%s, %s, %s, %s, 'management', %s)",
            (manager.username, manager.full_name, manager.email, manager.phone, manager.password_hash),
        )


def drop_database(admin_conninfo: str, dbname: str | None, roles: list[str] = ()) -> None:
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
        upgrade(admin_conninfo, dbname, upto)
        if manager is not None:
            insert_manager(admin_conninfo, dbname, manager)
    return app_password
