"""The INI file: written 0600, read back, refused when unsafe or incomplete."""

from __future__ import annotations

import os
import stat
from dataclasses import replace

import pytest

from crm import config as config_file
from crm.config import Config, DatabaseSettings
from crm.errors import ConfigError


def sample(tmp_path, password="app%pa;ss#word") -> Config:
    return Config(
        database=DatabaseSettings(
            mode="server", name="epic", user="epic_app", password=password, host="db.example", port=5433
        ),
        data_dir=tmp_path / "data",
        path=tmp_path / "crm.ini",
    )


def test_written_config_is_owner_only_and_round_trips(tmp_path):
    written = config_file.write(sample(tmp_path))
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    loaded = config_file.load(written)
    assert loaded.database == sample(tmp_path).database  # '%' in a password survives
    assert loaded.data_dir == tmp_path / "data"
    assert loaded.session_idle_minutes == 15 and loaded.sentry_dsn == ""


def test_config_readable_by_others_is_refused_with_the_fix(tmp_path):
    path = config_file.write(sample(tmp_path))
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        config_file.load(path)


@pytest.mark.parametrize("key", ["mode", "name", "user", "password"])
def test_missing_key_is_named(tmp_path, key):
    path = config_file.write(sample(tmp_path))
    lines = [line for line in path.read_text().splitlines() if not line.startswith(f"{key} =")]
    path.write_text("\n".join(lines))
    with pytest.raises(ConfigError, match=rf"missing \[database\] {key}"):
        config_file.load(path)


def with_idle_minutes(tmp_path, minutes):
    """A sample config file whose session_idle_minutes is `minutes` (any text)."""
    path = config_file.write(sample(tmp_path))
    text = path.read_text().replace("session_idle_minutes = 15", f"session_idle_minutes = {minutes}")
    path.write_text(text)
    return path


def test_bad_number_is_reported_in_one_line(tmp_path):
    path = with_idle_minutes(tmp_path, "soon")
    with pytest.raises(ConfigError) as info:
        config_file.load(path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("minutes", ["0", "-5", "1441", "99999999999999"])
def test_idle_minutes_out_of_range_are_refused_in_one_line(tmp_path, minutes):
    path = with_idle_minutes(tmp_path, minutes)
    with pytest.raises(ConfigError, match=r"session_idle_minutes must be from 1 to 1440\.$"):
        config_file.load(path)


@pytest.mark.parametrize("minutes", [1, 1440])
def test_idle_minutes_at_the_bounds_are_accepted(tmp_path, minutes):
    path = with_idle_minutes(tmp_path, minutes)
    assert config_file.load(path).session_idle_minutes == minutes


def test_relative_data_dir_is_relative_to_the_config_file(tmp_path):
    path = config_file.write(sample(tmp_path))
    path.write_text(path.read_text().replace(f"data_dir = {tmp_path / 'data'}", "data_dir = pgdata"))
    assert config_file.load(path).data_dir == tmp_path / "pgdata"


def test_write_never_follows_a_symlink_planted_beside_the_config(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    os.chmod(victim, 0o644)
    (tmp_path / "crm.ini.tmp").symlink_to(victim)
    written = config_file.write(sample(tmp_path))
    assert victim.read_text() == "precious" and stat.S_IMODE(victim.stat().st_mode) == 0o644
    assert not written.is_symlink() and stat.S_IMODE(written.stat().st_mode) == 0o600
    assert config_file.load(written).database == sample(tmp_path).database
    # nothing left behind but the config, the planted link and its target
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.ini", "crm.ini.tmp", "victim.txt"]


def test_rewriting_the_config_replaces_it_atomically(tmp_path):
    config_file.write(sample(tmp_path, password="first-password"))
    written = config_file.write(sample(tmp_path, password="second-password"))
    assert config_file.load(written).database.password == "second-password"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.ini"]


def with_database_lines(tmp_path, **keys):
    """A sample config file whose [database] section also has these key = value lines."""
    path = config_file.write(sample(tmp_path))
    extra = "".join(f"{key} = {value}\n" for key, value in keys.items())
    text = "\n".join(line for line in path.read_text().splitlines() if line.split(" =")[0] not in keys)
    path.write_text(text.replace("[database]\n", "[database]\n" + extra))
    return path


def test_the_team_deployment_keys_round_trip(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    config = sample(tmp_path)
    settings = replace(
        config.database,
        sslmode="verify-full",
        sslrootcert=str(ca),
        prepare_threshold=None,
        admin_host="db.internal",
        admin_port=5432,
    )
    written = config_file.write(replace(config, database=settings))
    loaded = config_file.load(written).database
    assert loaded == settings and loaded.admin_address == ("db.internal", 5432)
    assert "prepare_threshold = none" in written.read_text()


def test_defaults_when_the_keys_are_absent(tmp_path):
    path = config_file.write(sample(tmp_path))
    path.write_text(
        "\n".join(
            line
            for line in path.read_text().splitlines()
            if not line.startswith(("sslrootcert", "prepare_threshold", "admin_host", "admin_port"))
        )
    )
    db = config_file.load(path).database
    assert (db.sslrootcert, db.prepare_threshold, db.admin_address) == ("", 5, ("db.example", 5433))


@pytest.mark.parametrize("value, expected", [("none", None), ("None", None), ("0", 0), ("12", 12)])
def test_prepare_threshold_is_a_whole_number_or_none(tmp_path, value, expected):
    path = with_database_lines(tmp_path, prepare_threshold=value)
    assert config_file.load(path).database.prepare_threshold == expected


@pytest.mark.parametrize(
    "keys, message",
    [
        ({"prepare_threshold": "off"}, r"prepare_threshold must be a whole number from 0, or none\.$"),
        ({"prepare_threshold": "-1"}, r"prepare_threshold must be a whole number from 0, or none\.$"),
        (
            {"sslmode": "verify"},
            r"sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full\.$",
        ),
        ({"sslrootcert": "no-such-ca.pem"}, r"sslrootcert: no such file .*no-such-ca\.pem\.$"),
        ({"admin_port": "db"}, r"invalid literal"),
    ],
)
def test_bad_team_deployment_keys_are_refused_in_one_line(tmp_path, keys, message):
    path = with_database_lines(tmp_path, **keys)
    with pytest.raises(ConfigError, match=message) as info:
        config_file.load(path)
    assert "\n" not in str(info.value)


def test_a_relative_ca_file_is_relative_to_the_config_file_and_system_is_kept(tmp_path):
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    assert config_file.load(with_database_lines(tmp_path, sslrootcert="ca.pem")).database.sslrootcert == str(
        tmp_path / "ca.pem"
    )
    assert (
        config_file.load(with_database_lines(tmp_path, sslrootcert="system")).database.sslrootcert == "system"
    )
