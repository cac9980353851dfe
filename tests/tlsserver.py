"""A PostgreSQL server that only takes TLS connections on 127.0.0.1, with certificates the test
makes (openssl): a CA, a server certificate it signs for IP 127.0.0.1, and an unrelated CA.

The embedded wheel's PostgreSQL is built without OpenSSL, so the server comes from a PostgreSQL
installation that has it (Debian's /usr/lib/postgresql/N/bin, or the wheel's if it ever does).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from crm import embedded
from tests.conftest import embedded_folder

SUPERUSER_PASSWORD = "tls-superuser-password"


def tls_bin_dir() -> Path | None:
    """A folder of PostgreSQL binaries built with OpenSSL, newest first; None when there is none."""
    candidates = [embedded.bin_dir()]
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True
    )
    for bins in candidates:
        try:
            flags = subprocess.run(
                [bins / "pg_config", "--configure"], capture_output=True, text=True, timeout=30
            ).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        if "--with-openssl" in flags or "--with-ssl=openssl" in flags:
            return bins
    return None


def tools_or_skip() -> Path:
    """The TLS-capable binaries, when openssl is there too; else skip (fail in CI)."""
    bins = tls_bin_dir()
    missing = [
        what
        for what, there in (("openssl", shutil.which("openssl")), ("PostgreSQL with TLS", bins))
        if not there
    ]
    if missing:
        reason = f"needs {' and '.join(missing)} (apt-get install openssl postgresql)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return bins


@dataclass(frozen=True)
class TlsServer:
    port: int
    folder: Path
    ca: Path  # signed the server's certificate
    other_ca: Path  # signed nothing the server has

    @property
    def superuser(self) -> str:
        """The superuser over the private unix socket (no TLS there)."""
        return make_conninfo(
            host=str(self.folder / "run"), port=self.port, user="postgres", dbname="postgres"
        )


def _openssl(folder: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=60)


def make_certificates(folder: Path) -> None:
    """ca.crt, server.crt / server.key (for IP 127.0.0.1, signed by ca), other-ca.crt."""
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    ca_ext = [
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]
    for name in ("ca", "other-ca"):
        _openssl(folder, "req", "-x509", *key, "-keyout", f"{name}.key", "-out", f"{name}.crt",
                 "-days", "2", "-subj", f"/CN=CRM test {name}", *ca_ext)  # fmt: skip
    _openssl(folder, "req", *key, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (folder / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
    )
    _openssl(folder, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext")  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def tls_server() -> Iterator[TlsServer]:
    """Start the server (see the module doc); stopped and removed afterwards."""
    bins = tools_or_skip()
    folder = embedded_folder("tls")
    user = embedded._ServerUser()  # PostgreSQL will not run as root: as the embedded server's user
    port = _free_port()
    pgdata = folder / "pgdata"

    def run(*args: str) -> None:
        subprocess.run(
            [str(bins / args[0]), *args[1:]], check=True, capture_output=True, timeout=120, cwd=folder,
            env={**os.environ, "LC_ALL": "C"}, **user.run_kwargs(),
        )  # fmt: skip

    try:
        make_certificates(folder)
        (folder / "run").mkdir(mode=0o700)
        for path in folder.iterdir():
            user.chown(path)
            os.chmod(path, 0o600 if path.is_file() else 0o700)
        user.chown(folder)
        user.check_reachable(folder, "the TLS test server's folder")
        user.check_reachable(bins / "postgres", "PostgreSQL's binaries")
        run("initdb", "-D", str(pgdata), "-U", "postgres", "-E", "UTF8", "--locale=C", "-A", "trust")
        (pgdata / "pg_hba.conf").write_text(
            "local    all  postgres                trust\n"
            "hostssl  all  all       127.0.0.1/32  scram-sha-256\n"
            "host     all  all       127.0.0.1/32  reject\n"
        )
        with (pgdata / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {port}\n"
                f"unix_socket_directories = '{folder / 'run'}'\n"
                f"ssl = on\nssl_cert_file = '{folder / 'server.crt'}'\n"
                f"ssl_key_file = '{folder / 'server.key'}'\n"
            )
        run(
            "pg_ctl", "start", "-D", str(pgdata), "-l", str(folder / "postgresql.log"), "-w", "-t", "60", "-s"
        )
        server = TlsServer(port=port, folder=folder, ca=folder / "ca.crt", other_ca=folder / "other-ca.crt")
        with psycopg.connect(server.superuser, autocommit=True) as conn:
            verifier = conn.pgconn.encrypt_password(
                SUPERUSER_PASSWORD.encode(), b"postgres", b"scram-sha-256"
            )
            conn.execute(sql.SQL("ALTER ROLE postgres PASSWORD {}").format(sql.Literal(verifier.decode())))
        yield server
    finally:
        if (pgdata / "postmaster.pid").exists():
            subprocess.run(
                [str(bins / "pg_ctl"), "stop", "-D", str(pgdata), "-m", "fast", "-w", "-s"],
                capture_output=True, timeout=120, **user.run_kwargs(),
            )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)
