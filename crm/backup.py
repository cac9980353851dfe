"""Backing up the CRM database and restoring a backup into a new database — no prompts, no prints.

`backup` writes a consistent `pg_dump -Fc` archive (one snapshot; the file is 0600 from the
moment it exists, written under a temporary name and renamed when complete and readable).
`inspect_archive` says what an archive holds; `restore` puts it into a NEW database, embedded or
on a server, through the wizard's own bootstrap: the database and its roles are made by
crm.setup (a new application-role password, the grants of APP_PRIVILEGES), the schema comes
from this program's sql/ files up to the level the backup was made at, the rows from the
archive, then the newer sql/ files are applied. Anything failing drops what was made.

A backup is data, never code: the archive's SQL is not run. pg_restore turns its rows into COPY
text, which goes into the CRM's own tables (names and columns checked against the new schema);
its sequence positions are set with setval; anything else in it is refused. So a restore never
depends on the SQL dialect of the pg_dump that made the archive, and a crafted file cannot run
statements as the superuser who restores it.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from crm import embedded, migrations, setup
from crm.db import connect, describe, first_line
from crm.errors import CRMError
from crm.repositories.rows import scalar

LOCK_WAIT = "60s"  # pg_dump waits this long for its table locks (a migration holds them), then fails
TLS_REQUIRED = ("require", "verify-ca", "verify-full")

# progress(what, table, amount): ("dumping", table, bytes written so far) as pg_dump goes;
# ("restoring", table, 0) then ("restored", table, rows) for each table restored
Progress = Callable[[str, str, int], None]


class BackupError(CRMError):
    """A backup or restore that cannot be done (one line, for the user); nothing was left behind."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int  # bytes
    tables: int


@dataclass(frozen=True)
class Archive:
    """What a pg_dump archive of a CRM database holds."""

    path: Path
    dbname: str  # the database it was made from
    dumped_by: str  # "18.6"
    migrations: tuple[str, ...]  # the sql/ files applied to that database
    tables: tuple[str, ...]  # tables with data in it

    @property
    def schema_level(self) -> str:
        return self.migrations[-1]


# -- the PostgreSQL programs ---------------------------------------------------------------------

_majors: dict[Path, int] = {}
_with_tls: dict[Path, bool] = {}


def _major(program: Path) -> int:
    if program not in _majors:
        out = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=30).stdout
        match = re.search(r"(\d+)(?:\.\d+)?", out)
        _majors[program] = int(match.group(1)) if match else 0
    return _majors[program]


def _speaks_tls(program: Path) -> bool:
    """Whether a libpq program was built with TLS: without it, libpq refuses sslmode=require at once."""
    if program not in _with_tls:
        probe = subprocess.run(
            [program, "--schema-only", "-d", "host=/nonexistent-crm-probe dbname=x sslmode=require"],
            capture_output=True,
            text=True,
            timeout=30,
            env=_clean_env(),
        )
        _with_tls[program] = "SSL support is not compiled in" not in probe.stderr
    return _with_tls[program]


def pg_program(name: str, *, server_major: int = 0, tls: str = "") -> Path:
    """pg_dump or pg_restore for a server of `server_major` reached with libpq sslmode `tls` ("" for
    none): the embedded wheel's when it will do (its libpq has no TLS), else a PostgreSQL
    installation's on this machine (PATH, then /usr/lib/postgresql/N/bin, newest first)."""
    candidates = [embedded.bin_dir() / name]
    if on_path := shutil.which(name):
        candidates.append(Path(on_path))
    candidates += sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parent.parent.name),
        reverse=True,
    )
    usable = [p for p in candidates if p.is_file() and _major(p) >= server_major]
    if tls in TLS_REQUIRED:
        usable = [p for p in usable if _speaks_tls(p)]
    elif tls not in ("", "disable"):  # prefer / allow: encrypted when some program can
        usable.sort(key=lambda p: not _speaks_tls(p))
    if usable:
        return usable[0]
    need = f"{name} {server_major} or newer" + (
        f" built with TLS (sslmode {tls})" if tls in TLS_REQUIRED else ""
    )
    raise BackupError(f"No {need} on this machine: install PostgreSQL's client programs (postgresql-client).")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(LC_ALL="C", LANG="C", **extra)
    return env


@contextmanager
def _libpq_target(admin_conninfo: str, dbname: str) -> Iterator[tuple[str, dict[str, str]]]:
    """(a conninfo without the password, the environment giving it in a private passfile): a
    password never appears on a command line (which other users can read in ps)."""
    params = conninfo_to_dict(admin_conninfo)
    password = params.pop("password", None)
    params["dbname"] = dbname
    with tempfile.TemporaryDirectory(prefix="crm-pass-") as folder:  # 0700
        env = _clean_env()
        if password:
            passfile = Path(folder) / "pgpass"
            escaped = str(password).replace("\\", "\\\\").replace(":", "\\:")
            fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(f"*:*:*:*:{escaped}\n")
            env["PGPASSFILE"] = str(passfile)
        yield make_conninfo("", **params), env


def _last_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if "error:" in line or "FATAL" in line]
    line = lines[-1] if lines else (stderr.strip().splitlines() or ["unknown error"])[-1]
    return line.split("error:", 1)[-1].strip().removeprefix("FATAL:").strip()


# -- backup ----------------------------------------------------------------------------------------


def check_target(path: Path) -> None:
    """Refuse a backup file that exists already or whose folder does not (before asking anything)."""
    if path.exists() or path.is_symlink():
        raise BackupError(f"{path} already exists: a backup never overwrites a file; choose another name.")
    if not path.parent.is_dir():
        raise BackupError(f"No folder {path.parent} for the backup file.")
    if not os.access(path.parent, os.W_OK):
        raise BackupError(f"Cannot write in {path.parent}.")


def _server_major(admin_conninfo: str, dbname: str) -> int:
    try:
        state = setup.inspect_database(admin_conninfo, dbname)
    except CRMError as error:
        raise BackupError(str(error)) from None
    except psycopg.Error as error:
        raise BackupError(f"Cannot read the database {dbname!r}: {first_line(error)}") from None
    if state is not setup.DatabaseState.CRM:
        raise BackupError(f"Database {dbname!r} at {describe(admin_conninfo)} holds no CRM data to back up.")
    with connect(admin_conninfo) as conn:
        return int(scalar(conn.execute("SHOW server_version_num"))) // 10000


def backup(admin_conninfo: str, dbname: str, path: Path, progress: Progress | None = None) -> BackupResult:
    """Write a pg_dump -Fc archive of the CRM database `dbname` at `path` (which must not exist);
    admin_conninfo: a superuser (or a member of the owner role), never stored."""
    path = Path(path).absolute()
    check_target(path)
    program = pg_program(
        "pg_dump",
        server_major=_server_major(admin_conninfo, dbname),
        tls=_tls_mode(admin_conninfo),
    )
    # The file exists, mode 0600 (mkstemp: O_EXCL), before pg_dump opens it (and truncates it,
    # keeping the mode); pg_dump writes it itself, seekable, so the archive records where each
    # table's data is (what pg_restore -j needs).
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    partial_path = Path(partial)
    try:
        os.fchmod(fd, 0o600)
        os.close(fd)
        with _libpq_target(admin_conninfo, dbname) as (target, env):
            _run_pg_dump(program, target, env, partial_path, progress)
        fd = os.open(partial_path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        tables = len(_toc(partial_path, "TABLE DATA"))  # the archive reads back
        os.link(partial_path, path)  # never over a file that appeared meanwhile
        partial_path.unlink()
    except FileExistsError:
        partial_path.unlink(missing_ok=True)
        raise BackupError(f"{path} appeared while the backup was written; it was left alone.") from None
    except BaseException:
        partial_path.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)
    return BackupResult(path=path, size=path.stat().st_size, tables=tables)


def _tls_mode(conninfo: str) -> str:
    params = conninfo_to_dict(conninfo)
    host = str(params.get("host") or "")
    return "" if host.startswith("/") else str(params.get("sslmode") or "prefer")


def _run_pg_dump(program: Path, target: str, env: dict, out: Path, progress: Progress | None) -> None:
    command = [str(program), "-Fc", "--no-password", "--verbose", f"--lock-wait-timeout={LOCK_WAIT}"]
    command += ["-f", str(out), "-d", target]
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    errors: list[str] = []
    tables: queue.Queue[str] = queue.Queue()
    stderr = process.stderr
    assert stderr is not None  # stderr=PIPE

    def read_stderr() -> None:
        for raw in stderr:
            line = raw.decode(errors="replace").rstrip()
            errors.append(line)
            found = re.search(r'dumping contents of table "([^"]+)"', line)
            if found:
                tables.put(found.group(1).removeprefix("public."))

    def report() -> None:  # each table pg_dump has reached, with the file's size now
        while progress is not None and not tables.empty():
            progress("dumping", tables.get(), out.stat().st_size)

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        while True:
            try:
                process.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                report()
    except BaseException:
        process.kill()
        process.wait()
        raise
    reader.join()
    report()
    if process.returncode != 0:
        raise BackupError(f"pg_dump failed: {_last_error(chr(10).join(errors))}")


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- reading an archive ----------------------------------------------------------------------------

_TOC_LINE = re.compile(r"^\d+; \d+ \d+ (?P<kind>TABLE DATA|SEQUENCE SET) (?P<schema>\S+) (?P<name>\S+) ")


def _pg_restore(*args: str, stdout=subprocess.PIPE) -> subprocess.Popen:
    return subprocess.Popen(
        [str(pg_program("pg_restore")), *args],
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=_clean_env(),
    )


def _toc(path: Path, kind: str | None = None) -> list[str]:
    """The archive's table of contents (pg_restore -l), or its `kind` entries; BackupError when
    the file is not a pg_dump archive pg_restore can read."""
    process = _pg_restore("-l", str(path))
    out, err = process.communicate(timeout=120)
    if process.returncode != 0:
        raise BackupError(
            f"{path} is not a backup pg_restore can read ({_last_error(err.decode(errors='replace'))})."
        )
    lines = out.decode(errors="replace").splitlines()
    if kind is None:
        return lines
    return [line for line in lines if (m := _TOC_LINE.match(line)) and m["kind"] == kind]


def inspect_archive(path: Path) -> Archive:
    """What a backup file holds; BackupError (one line) when it is missing, unreadable, not a
    pg_dump archive, not a CRM backup, or made by a newer version of this program."""
    path = Path(path).expanduser().absolute()
    if not path.is_file():
        raise BackupError(f"No backup file {path}.")
    if not os.access(path, os.R_OK):
        raise BackupError(f"Cannot read {path}.")
    toc = _toc(path)
    header = "\n".join(line for line in toc if line.startswith(";"))
    dbname = re.search(r"dbname: (\S+)", header)
    dumped_by = re.search(r"Dumped by pg_dump version: (\S+)", header)
    tables = tuple(m["name"] for line in toc if (m := _TOC_LINE.match(line)) and m["kind"] == "TABLE DATA")
    if "schema_migrations" not in tables or "employees" not in tables:
        raise BackupError(f"{path} is a pg_dump archive, but not a backup of this CRM.")
    applied = tuple(sorted(row[0] for row in _rows_of(path, "schema_migrations")))
    ours = [p.name for p in migrations.migration_files()]
    unknown = [name for name in applied if name not in ours]
    if unknown:
        raise BackupError(
            f"{path} was made by a newer version of this program (sql/{unknown[0]} is not in this one): "
            "restore it with that version."
        )
    if not applied or list(applied) != ours[: len(applied)]:
        raise BackupError(
            f"{path} holds a schema this program cannot rebuild (sql/ files missing in between)."
        )
    return Archive(
        path=path,
        dbname=dbname.group(1) if dbname else "",
        dumped_by=dumped_by.group(1) if dumped_by else "",
        migrations=applied,
        tables=tables,
    )


def _rows_of(path: Path, table: str) -> list[list[str]]:
    """The rows of one table of the archive, as COPY text fields (small tables only)."""
    process = _pg_restore("-a", "-t", table, "-f", "-", str(path))
    out, err = process.communicate(timeout=120)
    if process.returncode != 0:
        raise BackupError(f"Cannot read {path}: {_last_error(err.decode(errors='replace'))}.")
    rows, inside = [], False
    for line in out.decode().splitlines():
        if line.startswith("COPY "):
            inside = True
        elif line == "\\.":
            inside = False
        elif inside:
            rows.append(line.split("\t"))
    return rows


# -- restore ---------------------------------------------------------------------------------------


def restore(archive: Archive, admin_conninfo: str, dbname: str, progress: Progress | None = None) -> str:
    """Restore `archive` into the new database `dbname`; return the new application-role password.

    BackupError when the database exists already; on any failure (Ctrl-C included) the database
    and the roles this call made are dropped again.
    """
    try:
        state = setup.inspect_database(admin_conninfo, dbname)
    except CRMError as error:
        raise BackupError(str(error)) from None
    if state is not setup.DatabaseState.ABSENT:
        raise BackupError(
            f"Database {dbname!r} already exists at {describe(admin_conninfo)}: a backup is restored "
            "into a new database; choose another name."
        )
    roles = setup.role_names(dbname)
    existing = setup.existing_roles(admin_conninfo, [roles.owner, roles.app])
    with setup.undone_on_failure(admin_conninfo, "Restore failed", BackupError) as made:
        made.roles = [role for role in (roles.app, roles.owner) if role not in existing]
        made.database = dbname  # it was absent: whatever holds this name now is ours
        app_password = setup.bootstrap(admin_conninfo, dbname, None, upto=archive.schema_level)
        with connect(setup.with_dbname(admin_conninfo, dbname)) as conn:
            _load(conn, archive, roles.owner, progress)
        setup.upgrade(admin_conninfo, dbname)  # the sql/ files newer than the backup, the grants
    return app_password


_COPY = re.compile(r"^COPY public\.(?P<table>\w+) \((?P<columns>[^)]*)\) FROM stdin;$")
_SETVAL = re.compile(
    r"^SELECT pg_catalog\.setval\('public\.(?P<seq>\w+)', (?P<value>\d+), (?P<called>true|false)\);$"
)
# pg_restore's own session settings and comments, and psql's \restrict / \unrestrict lines
_IGNORED = re.compile(
    r"^(--.*|SET \w+ = .*;|SELECT pg_catalog\.set_config\('search_path', '', false\);|\\\w.*|)$"
)


BOOTSTRAP_ROWS = ("schema_migrations", "login_throttle_secret", "opportunity_stages")


def _load(conn: psycopg.Connection, archive: Archive, owner: str, progress: Progress | None) -> None:
    """Copy the archive's rows into the new database, in one transaction, as the owner role, with
    the tables' triggers off (the audit trail is restored as it was, not written again)."""
    columns = _columns(conn)
    extra = [t for t in archive.tables if t not in columns]
    if extra:
        raise BackupError(f"{archive.path} holds a table this CRM does not have ({extra[0]}).")
    sequences = {r[0] for r in conn.execute("SELECT relname FROM pg_class WHERE relkind = 'S'")}
    order = _load_order(conn, list(columns))
    with conn.transaction():
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(owner)))
        # What the bootstrap filled in (the schema's level, the throttle's secret): the archive's
        # own rows replace it.
        present = [t for t in BOOTSTRAP_ROWS if t in columns]
        # (CASCADE: the stages' rows are referenced by the opportunities, none of them here yet.)
        conn.execute(sql.SQL("TRUNCATE {} CASCADE").format(sql.SQL(", ").join(map(sql.Identifier, present))))
        for table in order:
            conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(sql.Identifier(table)))
        with tempfile.NamedTemporaryFile("w", prefix="crm-restore-", suffix=".list") as listing:
            listing.write(_ordered_listing(archive.path, order))
            listing.flush()
            _copy_rows(conn, archive.path, listing.name, columns, sequences, progress)
        for table in order:
            conn.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(sql.Identifier(table)))
        for table in order:
            conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))


def _columns(conn: psycopg.Connection) -> dict[str, set[str]]:
    rows = conn.execute(
        "SELECT c.relname, a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
        " WHERE n.nspname = 'public' AND c.relkind = 'r'"
    ).fetchall()
    tables: dict[str, set[str]] = {}
    for table, column in rows:
        tables.setdefault(table, set()).add(column)
    return tables


def _load_order(conn: psycopg.Connection, tables: list[str]) -> list[str]:
    """Tables in an order where each comes after the tables its foreign keys point at."""
    graph: dict[str, set[str]] = {table: set() for table in tables}
    for table, referenced in conn.execute(
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint WHERE contype = 'f'"
    ):
        if table in graph and referenced in graph and referenced != table:
            graph[table].add(referenced)
    return list(TopologicalSorter(graph).static_order())


def _ordered_listing(path: Path, order: list[str]) -> str:
    """A pg_restore -L list: the archive's table data in `order`, then its sequence positions."""
    data = {m["name"]: line for line in _toc(path, "TABLE DATA") if (m := _TOC_LINE.match(line))}
    sequences = _toc(path, "SEQUENCE SET")
    return "\n".join([data[t] for t in order if t in data] + sequences) + "\n"


def _copy_rows(
    conn: psycopg.Connection,
    path: Path,
    listing: str,
    columns: dict[str, set[str]],
    sequences: set[str],
    progress: Progress | None,
) -> None:
    process = _pg_restore("-a", "-L", listing, "-f", "-", str(path))
    assert process.stdout is not None and process.stderr is not None  # both PIPE
    try:
        lines = iter(process.stdout)
        for raw in lines:
            line = raw.rstrip(b"\n").decode("utf-8", errors="strict")
            if copy := _COPY.match(line):
                _copy_table(conn, copy["table"], copy["columns"], columns, lines, progress)
            elif setval := _SETVAL.match(line):
                if setval["seq"] not in sequences:
                    raise BackupError(f"{path} sets a sequence this CRM does not have ({setval['seq']}).")
                conn.execute(
                    "SELECT setval(%s::regclass, %s, %s)",
                    (f"public.{setval['seq']}", int(setval["value"]), setval["called"] == "true"),
                )
            elif line.startswith("SET client_encoding") and "'UTF8'" not in line:
                raise BackupError(f"{path} is not UTF-8 ({line}).")
            elif not _IGNORED.match(line):
                raise BackupError(f"{path} holds something else than this CRM's rows: {line[:60]!r}.")
        err = process.stderr.read()
        process.wait()
    except BaseException:
        process.kill()
        process.wait()
        raise
    if process.returncode != 0:
        raise BackupError(f"Cannot read {path}: {_last_error(err.decode(errors='replace'))}.")


def _copy_table(conn, table, column_list, columns, lines, progress) -> None:
    """COPY the data lines that follow a `COPY public.table (…) FROM stdin;` line, up to `\\.`."""
    if table not in columns:
        raise BackupError(f"The backup holds a table this CRM does not have ({table}).")
    names = [name.strip().strip('"') for name in column_list.split(",")]
    unknown = [name for name in names if name not in columns[table]]
    if unknown:
        raise BackupError(f"The backup's {table} has a column this CRM does not have ({unknown[0]}).")
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(name) for name in names)
    )
    if progress is not None:
        progress("restoring", table, 0)
    rows = 0
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for raw in lines:
            if raw in (b"\\.\n", b"\\."):
                break
            copy.write(raw)
            rows += 1
        else:
            raise BackupError(f"The backup's data of {table} is cut short.")
    if progress is not None:
        progress("restored", table, rows)
