"""`python -m main serve --tls-certfile … --tls-keyfile …`: the CRM server over https with a
certificate of the company's own CA (made here with openssl); an employee's computer in "CRM
server" mode trusts it through [server] ca_file — the wizard's check, the commands — and refuses
a server whose certificate another CA signed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from crm import config as config_file
from crm.config import NO_DATABASE, Config, ServerSettings
from crm.services import crm_server
from tests.api import API, free_port
from tests.configs import write_config
from tests.e2e import PASSWORD, REPO
from tests.factories import make_employee
from tests.tlsserver import make_certificates

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tls")
    make_certificates(folder)
    (folder / "server.key").chmod(0o600)
    return folder


def serve_process(config: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "main", "serve", *args],
        cwd=REPO,
        env=dict(os.environ, CRM_CONFIG=str(config)),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def https_server(tmp_path_factory, crm_db, certificates):
    """serve over https on 127.0.0.1 (its certificate for IP 127.0.0.1, signed by ca.crt)."""
    config = write_config(tmp_path_factory.mktemp("server") / "crm.ini", crm_db).path
    port = free_port()
    tls = [
        "--tls-certfile",
        str(certificates / "server.crt"),
        "--tls-keyfile",
        str(certificates / "server.key"),
    ]
    process = serve_process(config, "--port", str(port), *tls)
    base = f"https://127.0.0.1:{port}"
    trust = crm_server.tls_context(str(certificates / "ca.crt"))
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx.get(f"{base}{API}/openapi.json", verify=trust, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"serve over https did not start: {process.communicate(timeout=10)[1][-2000:]}"
                )
            time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
        assert "Traceback" not in err


def test_the_wizards_check_trusts_the_ca_file_and_refuses_another(https_server, certificates):
    assert crm_server.check(https_server, str(certificates / "ca.crt"))  # the server's version
    untrusted = (
        f"The server at {https_server} has a certificate this computer does not trust: give the CA"
        " file that signed it."
    )
    for ca_file in (str(certificates / "other-ca.crt"), ""):  # another CA; the system's CAs
        with pytest.raises(crm_server.ServerUnreachable) as info:
            crm_server.check(https_server, ca_file)
        assert str(info.value) == untrusted
    plain = https_server.replace("https://", "http://")  # plain http to a TLS port: no CRM server
    with pytest.raises(crm_server.ServerUnreachable):
        crm_server.check(plain)


def test_the_commands_log_in_and_write_over_https_with_the_ca_file(
    tmp_path, https_server, certificates, admin_conn
):
    bill = make_employee(admin_conn, "sales", "bill", PASSWORD)
    ini = tmp_path / "crm.ini"
    ca = str(certificates / "ca.crt")
    config_file.write(
        Config(database=NO_DATABASE, path=ini, server=ServerSettings(url=https_server, ca_file=ca))
    )
    assert config_file.load(ini).server == ServerSettings(url=https_server, ca_file=ca)
    run_dir = tmp_path / "run"
    run_dir.mkdir(mode=0o700)

    def command(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        env = dict(os.environ, CRM_CONFIG=str(ini), XDG_RUNTIME_DIR=str(run_dir))
        return subprocess.run(
            [sys.executable, "-m", "main", *args],
            cwd=REPO,
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    logged = command("login", "--username", "bill", "--password-stdin", stdin=PASSWORD + "\n")
    assert logged.returncode == 0, logged.stderr
    made = command(
        "client",
        "create",
        "--name",
        "Ada Lovelace",
        "--email",
        "ada@engines.io",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert made.returncode == 0, made.stderr
    assert admin_conn.execute("SELECT full_name, sales_contact_id FROM clients").fetchall() == [
        ("Ada Lovelace", bill.id)
    ]

    # the same config trusting another CA: the server is refused before any password is sent
    other = str(certificates / "other-ca.crt")
    config_file.write(
        Config(database=NO_DATABASE, path=ini, server=ServerSettings(url=https_server, ca_file=other))
    )
    refused = command("login", "--username", "bill", "--password-stdin", stdin=PASSWORD + "\n")
    assert refused.returncode == 69 and refused.stderr.count("\n") == 1, refused.stderr


def test_a_private_key_others_can_read_is_refused(tmp_path, crm_db, certificates):
    config = write_config(tmp_path / "crm.ini", crm_db).path
    key = tmp_path / "server.key"
    shutil.copy(certificates / "server.key", key)
    key.chmod(0o644)
    process = serve_process(
        config,
        "--port",
        str(free_port()),
        "--tls-certfile",
        str(certificates / "server.crt"),
        "--tls-keyfile",
        str(key),
    )
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 78
    assert err.strip() == (
        f"{key} is readable by other users (mode 644); it is the server's private key."
        f" Fix it with: chmod 600 {key}"
    )


def test_a_certificate_without_its_key_is_a_usage_error(tmp_path, crm_db, certificates):
    config = write_config(tmp_path / "crm.ini", crm_db).path
    process = serve_process(
        config, "--port", str(free_port()), "--tls-certfile", str(certificates / "server.crt")
    )
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "Give both --tls-certfile and --tls-keyfile (or neither)." in err
