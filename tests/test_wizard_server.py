"""The wizard's three deployments, through its real functions with scripted answers: connecting an
employee's computer to a CRM server (a real API server in a thread: the address is checked before
anything is written, and the INI holds no secret), and the server's own setup telling what next."""

from __future__ import annotations

import configparser
import stat

import httpx
import pytest

from crm import config as config_file
from crm.services import crm_server
from crm.ui.wizard import LOCATION, SERVE_NEXT, run_wizard
from tests.api import free_port, live_server, make_app
from tests.scripted import CtrlC, ScriptedPrompts
from tests.test_wizard import MANAGER, dbname, no_embedded, server, server_answers  # noqa: F401 — fixtures

ADDRESS = "The CRM server's address (like https://crm.example.com):"
CA_FILE = "CA certificate file of the CRM server (Enter for this computer's trusted CAs):"


@pytest.fixture(scope="module")
def api(crm_db):
    """A CRM server answering over a real socket: its base URL."""
    with live_server(make_app(crm_db)) as base:
        yield base


def test_the_first_run_offers_the_three_deployments(tmp_path):
    prompts = ScriptedPrompts([CtrlC])
    assert run_wizard(prompts, tmp_path / "crm.ini", no_embedded) is None
    assert prompts.shown[LOCATION] == [
        "Embedded PostgreSQL (one computer: nothing to install)",
        "Connect to a CRM server (a team: the server's address is all you need)",
        "An existing PostgreSQL server: set up the CRM server on it (superuser needed once)",
    ]
    assert not (tmp_path / "crm.ini").exists()


def test_connecting_to_a_crm_server_writes_its_address_and_no_secret(tmp_path, api, capsys):
    path = tmp_path / "crm.ini"
    answers = [
        "Connect",
        "http://crm.example.com",
        "crm.example.com",
        "https://u:secret@crm.example.com",
        api,
    ]
    prompts = ScriptedPrompts(answers)
    config = run_wizard(prompts, path, no_embedded)

    out = capsys.readouterr().out
    assert "The address must start with https:// (http:// only to this machine" in out
    assert "The address must be the server's address, like https://crm.example.com." in out
    assert "The address must not hold a user or a password." in out
    assert f"The CRM server at {api} answers (version " in out
    assert "no password in it, only the server's address" in out
    assert prompts.messages.count(ADDRESS) == 4
    assert CA_FILE not in prompts.messages  # plain http to this machine: no certificate to check
    assert prompts.passwords == 0  # nothing secret is asked

    assert config is not None and config.remote
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = config_file.load(path)
    assert loaded.server == config_file.ServerSettings(url=api) and loaded == config
    assert ini_keys(path) == {
        "server": {"url", "ca_file"},
        "security": {"session_idle_minutes"},
        "sentry": {"dsn", "environment", "traces_sample_rate"},
        "logging": {"file"},
        "ui": {"language", "accessible"},
    }


def ini_keys(path) -> dict[str, set[str]]:
    """The sections of an INI file and their keys (comments aside)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    return {section: set(parser[section]) for section in parser.sections()}


def test_an_address_where_no_crm_server_answers_is_said_and_asked_again(tmp_path, api, capsys):
    nobody = f"http://127.0.0.1:{free_port()}"
    prompts = ScriptedPrompts(["Connect", nobody, "Try again", api])
    assert run_wizard(prompts, tmp_path / "crm.ini", no_embedded) is not None
    out = capsys.readouterr().out
    assert f"Cannot connect to a CRM server at {nobody}: nothing answers there." in out
    assert prompts.defaults[ADDRESS] == ["", nobody]  # what was typed, offered again
    assert config_file.load(tmp_path / "crm.ini").server.url == api


def test_giving_up_after_a_failed_check_writes_nothing(tmp_path, capsys):
    nobody = f"http://127.0.0.1:{free_port()}"
    prompts = ScriptedPrompts(["Connect", nobody, "Cancel setup"])
    assert run_wizard(prompts, tmp_path / "crm.ini", no_embedded) is None
    assert not (tmp_path / "crm.ini").exists()
    assert "no configuration was written" in capsys.readouterr().out


def test_something_that_is_not_a_crm_server_is_refused(tmp_path, capsys):
    def not_a_crm(url, ca_file):
        page = httpx.MockTransport(lambda request: httpx.Response(200, json={"info": {"title": "Blog"}}))
        return crm_server.check(url, ca_file, transport=page)

    prompts = ScriptedPrompts(["Connect", "https://blog.example.com", "", "Cancel setup"])
    assert run_wizard(prompts, tmp_path / "crm.ini", no_embedded, check_server=not_a_crm) is None
    out = capsys.readouterr().out
    assert "https://blog.example.com answers (HTTP 200), but not as an Epic Events CRM server" in out
    assert CA_FILE in prompts.messages


def test_https_asks_for_an_optional_ca_file_that_must_be_a_certificate(tmp_path, capsys):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\nnot checked by this test\n-----END CERTIFICATE-----\n")
    (tmp_path / "notes.txt").write_text("hello")
    seen = []

    def answers(url, ca_file):
        seen.append((url, ca_file))
        return "1.0"

    typed = [
        "Connect",
        "https://crm.example.com/",
        str(tmp_path / "missing.pem"),
        str(tmp_path / "notes.txt"),
    ]
    prompts = ScriptedPrompts([*typed, str(ca)])
    config = run_wizard(prompts, tmp_path / "crm.ini", no_embedded, check_server=answers)
    assert config is not None
    assert seen == [("https://crm.example.com", str(ca))]
    out = capsys.readouterr().out
    assert "Cannot read" in out and "holds no PEM certificate" in out
    loaded = config_file.load(tmp_path / "crm.ini")
    assert loaded.server == config_file.ServerSettings(url="https://crm.example.com", ca_file=str(ca))


def test_an_untrusted_certificate_is_said_in_one_line(tmp_path):
    def refused(request):
        raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")

    with pytest.raises(crm_server.ServerUnreachable) as info:
        crm_server.check("https://crm.example.com", transport=httpx.MockTransport(refused))
    assert str(info.value) == (
        "The server at https://crm.example.com has a certificate this computer does not trust:"
        " give the CA file that signed it."
    )


def test_setting_up_the_server_says_to_serve_it_and_give_employees_the_address(
    tmp_path,
    server,  # noqa: F811
    dbname,  # noqa: F811
    capsys,
):
    config = run_wizard(
        ScriptedPrompts(server_answers(server, dbname) + MANAGER), tmp_path / "crm.ini", no_embedded
    )
    assert config is not None and not config.remote
    out = capsys.readouterr().out
    assert SERVE_NEXT in out and "python -m main serve" in out
