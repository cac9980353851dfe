"""TLS to a PostgreSQL server: the wizard given the server's CA file sets up with verify-full, the
program then connects only to a server whose certificate that CA signed for the host it dials,
and a wrong CA or host name is refused in one line. (A local server made by tests/tlsserver.py.)
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import replace

import pytest

from crm import config as config_file
from crm import setup
from crm.app import Runtime
from crm.errors import CRMError
from crm.services import auth
from crm.ui.upgrade import run_upgrade
from crm.ui.wizard import run_wizard
from tests.scripted import ScriptedPrompts
from tests.tlsserver import SUPERUSER_PASSWORD, TlsServer, tls_server

MANAGER = ["boss", "Bill Boss", "boss@epicevents.test", "a long enough secret", "a long enough secret"]


@pytest.fixture(scope="module")
def server() -> Iterator[TlsServer]:
    with tls_server() as running:
        yield running


@pytest.fixture(scope="module")
def installed(server, tmp_path_factory) -> config_file.Config:
    """The wizard's server mode, given the CA file: the config it wrote (read back)."""
    path = tmp_path_factory.mktemp("tls") / "crm.ini"
    answers = ["An existing", "127.0.0.1", str(server.port), str(server.ca), "postgres"]
    answers += [SUPERUSER_PASSWORD, SUPERUSER_PASSWORD, f"crm_tls_{secrets.token_hex(3)}", *MANAGER]
    assert run_wizard(ScriptedPrompts(answers), path, start_embedded=None) is not None
    return config_file.load(path)


def opened(config: config_file.Config):
    runtime = Runtime()
    return runtime, runtime.open(config)


def test_the_wizard_given_a_ca_file_writes_verify_full_and_the_program_connects_over_tls(installed, server):
    db = installed.database
    assert (db.sslmode, db.sslrootcert) == ("verify-full", str(server.ca))
    text = installed.path.read_text()
    assert "sslmode = verify-full" in text and f"sslrootcert = {server.ca}" in text
    runtime, database = opened(installed)
    try:
        settings = {o.keyword.decode(): (o.val or b"").decode() for o in database.conn.pgconn.info}
        assert settings["sslmode"] == "verify-full" and settings["sslrootcert"] == str(server.ca)
        assert (settings["keepalives_idle"], settings["keepalives_count"]) == ("30", "3")
        ssl, version = database.conn.execute(
            "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        ).fetchone()
        assert ssl and version.startswith("TLSv1.")
        assert auth.login(database, "boss", "a long enough secret").username == "boss"
    finally:
        runtime.close()


def refusal(config: config_file.Config) -> str:
    with pytest.raises(CRMError) as refused:
        opened(config)
    return str(refused.value)


def test_a_certificate_not_signed_by_the_configured_ca_is_refused_in_one_line(installed, server):
    message = refusal(
        replace(installed, database=replace(installed.database, sslrootcert=str(server.other_ca)))
    )
    assert message == (
        f"Cannot connect to the database at 127.0.0.1:{server.port}/{installed.database.name}: SSL error: "
        "certificate verify failed (the server's certificate is not signed by the CA file of sslrootcert)"
    )


def test_a_host_name_the_certificate_does_not_hold_is_refused_in_one_line(installed, server):
    message = refusal(replace(installed, database=replace(installed.database, host="localhost")))
    assert "\n" not in message and message.startswith(
        f"Cannot connect to the database at localhost:{server.port}"
    )
    assert message.endswith('does not match host name "localhost"')


def test_a_server_that_takes_only_tls_refuses_a_config_without_it(installed, server):
    message = refusal(replace(installed, database=replace(installed.database, sslmode="disable")))
    assert "\n" not in message and "no encryption" in message


def test_the_wizard_with_the_wrong_ca_says_why_and_sets_nothing_up(server, tmp_path, capsys):
    name = f"crm_tls_{secrets.token_hex(3)}"
    answers = ["An existing", "127.0.0.1", str(server.port), str(server.other_ca), "postgres"]
    answers += [SUPERUSER_PASSWORD, SUPERUSER_PASSWORD, "Cancel setup"]
    assert run_wizard(ScriptedPrompts(answers), tmp_path / "crm.ini", start_embedded=None) is None
    out = capsys.readouterr().out
    assert "SSL error: certificate verify failed" in out and SUPERUSER_PASSWORD not in out
    assert not (tmp_path / "crm.ini").exists()
    assert setup.inspect_database(server.superuser, name) is setup.DatabaseState.ABSENT


def test_the_wizard_refuses_a_ca_file_that_is_not_a_certificate_and_asks_again(server, tmp_path, capsys):
    not_pem = tmp_path / "ca.txt"
    not_pem.write_text("hello")
    answers = ["An existing", "127.0.0.1", str(server.port), str(not_pem), str(tmp_path / "missing.pem")]
    answers += [str(server.other_ca), "postgres", SUPERUSER_PASSWORD, SUPERUSER_PASSWORD, "Cancel setup"]
    assert run_wizard(ScriptedPrompts(answers), tmp_path / "crm.ini", start_embedded=None) is None
    out = capsys.readouterr().out
    assert f"{not_pem} holds no PEM certificate" in out and "missing.pem: give the CA certificate file" in out


def test_upgrade_connects_with_the_same_tls_settings(installed, server, capsys):
    assert run_upgrade(ScriptedPrompts(["postgres", SUPERUSER_PASSWORD]), installed) == 0
    assert "The schema is already up to date." in capsys.readouterr().out
    wrong = replace(installed, database=replace(installed.database, sslrootcert=str(server.other_ca)))
    assert run_upgrade(ScriptedPrompts(["postgres", SUPERUSER_PASSWORD]), wrong) == 1
    assert "certificate verify failed" in capsys.readouterr().out
