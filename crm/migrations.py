"""Schema migrations: the numbered SQL files of sql/, applied in order, each recorded once.

They run on a superuser (or schema-owner) connection with the schema owner role active, so the
tables belong to the owner role and never to the application role.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg
from psycopg import sql

from crm.repositories.rows import scalar

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
TABLE = "schema_migrations"
_LOCK_KEY = 7_200_411  # pg_advisory_xact_lock key: one migrating process at a time


def migration_files(sql_dir: Path | None = None) -> list[Path]:
    """The migration files, in the order they apply (NNNN_name.sql)."""
    sql_dir = sql_dir or SQL_DIR
    return sorted(p for p in sql_dir.glob("[0-9][0-9][0-9][0-9]_*.sql") if p.is_file())


def applied(conn: psycopg.Connection) -> dict[str, str]:
    """Applied migration file names and their checksums (empty when none ever ran)."""
    if scalar(conn.execute("SELECT to_regclass('public.schema_migrations')")) is None:
        return {}
    return dict(conn.execute("SELECT filename, checksum FROM schema_migrations").fetchall())


def status(conn: psycopg.Connection, sql_dir: Path | None = None) -> tuple[list[Path], list[str]]:
    """(files not applied yet, names of applied files whose text has changed since), in one read."""
    done = applied(conn)
    files = migration_files(sql_dir)
    waiting = [p for p in files if p.name not in done]
    changed = [p.name for p in files if p.name in done and done[p.name] != _checksum(p)]
    return waiting, changed


def pending(conn: psycopg.Connection, sql_dir: Path | None = None, upto: str | None = None) -> list[Path]:
    """Migration files not applied yet (up to and including the file named `upto`, if given)."""
    return [p for p in status(conn, sql_dir)[0] if upto is None or p.name <= upto]


def modified(conn: psycopg.Connection, sql_dir: Path | None = None) -> list[str]:
    """Applied migration files whose text has changed since they were applied."""
    return status(conn, sql_dir)[1]


def _checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lock(conn: psycopg.Connection) -> None:
    """Wait for the migration lock, held until the current transaction ends: one program at a
    time changes the schema or its grants (a transaction-level lock, so PgBouncer's transaction
    pooling keeps it too)."""
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))


def apply_pending(
    conn: psycopg.Connection, owner_role: str, sql_dir: Path | None = None, upto: str | None = None
) -> list[str]:
    """Apply every pending migration (up to `upto`) in one transaction as owner_role; their names."""
    with conn.transaction():
        lock(conn)
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(owner_role)))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " filename text PRIMARY KEY,"
            " checksum text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        names = []
        for path in pending(conn, sql_dir, upto):
            conn.execute(path.read_text(encoding="utf-8"))
            conn.execute(
                "INSERT INTO schema_migrations (filename, checksum) VALUES (%s, %s)",
                (path.name, _checksum(path)),
            )
            names.append(path.name)
    return names
