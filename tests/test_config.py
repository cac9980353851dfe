"""The INI file: written 0600, read back, refused when unsafe or incomplete."""

from __future__ import annotations

import os
import stat

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
