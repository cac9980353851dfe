"""The "CRM server" config ([server] url, ca_file): written 0600 with no secret and no [database],
read back, refused in one line when the address or the CA file is wrong; the session file of the
commands kept per server."""

from __future__ import annotations

import stat

import pytest

from crm import config as config_file
from crm.cli import tokens
from crm.config import NO_DATABASE, Config, DatabaseSettings, ServerSettings
from crm.errors import ConfigError


def remote(tmp_path, url="https://crm.example.com", ca_file="", **options) -> Config:
    return Config(
        database=NO_DATABASE,
        path=tmp_path / "crm.ini",
        server=ServerSettings(url=url, ca_file=ca_file),
        **options,
    )


def written(tmp_path, text: str):
    path = tmp_path / "crm.ini"
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_a_crm_server_config_round_trips_with_no_secret_and_no_database(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    config = remote(tmp_path, ca_file=str(ca), session_idle_minutes=7)
    path = config_file.write(config)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = config_file.load(path)
    assert loaded == config
    assert loaded.remote and not loaded.embedded
    assert loaded.server == ServerSettings(url="https://crm.example.com", ca_file=str(ca))
    assert loaded.session_idle_minutes == 7
    text = path.read_text()
    sections = [line for line in text.splitlines() if line.startswith("[")]
    assert sections == ["[server]", "[security]", "[sentry]", "[logging]", "[ui]"]
    keys = {line.split("=")[0].strip() for line in text.splitlines() if "=" in line and line[0] != "#"}
    assert not keys & {"password", "user", "token", "host", "name", "mode"}
    assert "url = https://crm.example.com" in text
    assert all(line.startswith("#") for line in text.splitlines()[:4])  # commented like the others


def test_existing_configs_load_as_before(tmp_path):
    database = DatabaseSettings(mode="server", name="epic", user="epic_app", password="pw", host="db")
    config = Config(database=database, path=tmp_path / "crm.ini")
    loaded = config_file.load(config_file.write(config))
    assert loaded.database == database and loaded.server is None and not loaded.remote
    assert "[server]" not in config_file.render(config)


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://crm.example.com/", "https://crm.example.com"),
        ("https://crm.example.com:8443/crm", "https://crm.example.com:8443/crm"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("http://localhost:8000/", "http://localhost:8000"),
    ],
)
def test_https_and_plain_http_to_this_machine_are_accepted(tmp_path, url, kept):
    path = written(tmp_path, f"[server]\nurl = {url}\n")
    assert config_file.load(path).server == ServerSettings(url=kept)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[server]\nurl =\n", r"missing \[server\] url\.$"),
        (
            "[server]\nurl = http://crm.example.com\n",
            r"\[server\] url must start with https:// \(http:// only",
        ),
        ("[server]\nurl = http://10.0.0.5:8000\n", r"must start with https://"),
        ("[server]\nurl = crm.example.com\n", r"url must be the server's address, like https://crm"),
        ("[server]\nurl = ftp://crm.example.com\n", r"url must be the server's address"),
        ("[server]\nurl = https://bill:pw@crm.example.com\n", r"url must not hold a user or a password\.$"),
        ("[server]\nurl = https://crm.example.com:99999\n", r"the port must be a number from 1 to 65535"),
        ("[server]\nurl = https://crm.example.com/?next=1\n", r"the server's address alone"),
        (
            "[server]\nurl = https://crm.example.com\nca_file = missing.pem\n",
            r"\[server\] ca_file: no such file .*missing\.pem\.$",
        ),
        (
            "[server]\nurl = https://crm.example.com\n[database]\nmode = server\npassword = x\n",
            r"a \[server\] config has no \[database\] section",
        ),
        (
            "[server]\nurl = https://crm.example.com\n[mail]\nhost = smtp\npassword = x\n",
            r"a \[server\] config has no \[mail\] section",
        ),
        ("[server]\nurl = https://crm.example.com\n[security]\nsession_idle_minutes = 0\n", "from 1 to 1440"),
    ],
)
def test_a_wrong_crm_server_config_is_refused_in_one_line(tmp_path, text, message):
    path = written(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as info:
        config_file.load(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)
    assert "pw" not in str(info.value).replace(str(path), "")


def test_a_ca_file_needs_https_and_a_relative_one_is_beside_the_config(tmp_path):
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    path = written(tmp_path, "[server]\nurl = https://crm.example.com\nca_file = ca.pem\n")
    assert config_file.load(path).server.ca_file == str(tmp_path / "ca.pem")
    path = written(tmp_path, "[server]\nurl = http://127.0.0.1:8000\nca_file = ca.pem\n")
    with pytest.raises(ConfigError, match=r"ca_file is for an https:// url\.$"):
        config_file.load(path)


def test_a_crm_server_config_readable_by_others_is_refused_like_the_others(tmp_path):
    path = config_file.write(remote(tmp_path))
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        config_file.load(path)


def test_the_session_file_is_kept_per_crm_server(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    ini = tmp_path / "crm.ini"
    one, other = "https://crm.example.com", "https://evil.example.com"
    assert len({tokens.path_for(ini), tokens.path_for(ini, one), tokens.path_for(ini, other)}) == 3
    tokens.write(ini, "token-of-one", one)
    assert tokens.read(ini, one) == "token-of-one"
    assert tokens.read(ini, other) is None and tokens.read(ini) is None
    tokens.remove(ini, one)
    assert tokens.read(ini, one) is None
