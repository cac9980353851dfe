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
    with pytest.raises(ConfigError, match=r"session_idle_minutes must be a whole number from 1 to 1440\.$"):
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
        ({"admin_port": "db"}, r"\[database\] admin_port must be a whole number from 1 to 65535\.$"),
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


def with_value(tmp_path, section, key, value):
    """A sample config file where [section] key is `value` (any text), the key added if absent."""
    path = config_file.write(sample(tmp_path))
    lines = [line for line in path.read_text().splitlines() if line.split(" =")[0] != key]
    at = lines.index(f"[{section}]") + 1
    path.write_text("\n".join([*lines[:at], f"{key} = {value}", *lines[at:]]) + "\n")
    return path


# issue 20.3: every value the program reads, when it is wrong, is one line naming the key and what
# it may be (never Python's "invalid literal for int()" nor "could not convert string to float").
WHOLE = "must be a whole number from"
BAD_VALUES = [
    ("database", "mode", "servr", "[database] mode must be 'embedded' or 'server'."),
    ("database", "port", "abc", f"[database] port {WHOLE} 1 to 65535."),
    ("database", "port", "0", f"[database] port {WHOLE} 1 to 65535."),
    ("database", "port", "65536", f"[database] port {WHOLE} 1 to 65535."),
    ("database", "port", "5432.0", f"[database] port {WHOLE} 1 to 65535."),
    ("database", "admin_port", "-1", f"[database] admin_port {WHOLE} 1 to 65535."),
    (
        "database",
        "sslmode",
        "on",
        "[database] sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full.",
    ),
    (
        "database",
        "prepare_threshold",
        "five",
        "[database] prepare_threshold must be a whole number from 0, or none.",
    ),
    ("embedded", "keep_running", "sometimes", "[embedded] keep_running must be true or false."),
    ("embedded", "keep_running", "2", "[embedded] keep_running must be true or false."),
    ("security", "session_idle_minutes", "abc", f"[security] session_idle_minutes {WHOLE} 1 to 1440."),
    ("security", "session_idle_minutes", "1e3", f"[security] session_idle_minutes {WHOLE} 1 to 1440."),
    ("security", "session_idle_minutes", "9" * 5000, f"[security] session_idle_minutes {WHOLE} 1 to 1440."),
    ("security", "session_idle_minutes", "١٥", f"[security] session_idle_minutes {WHOLE} 1 to 1440."),
    ("security", "session_lifetime_hours", "8h", f"[security] session_lifetime_hours {WHOLE} 1 to 168."),
    ("security", "session_lifetime_hours", "169", f"[security] session_lifetime_hours {WHOLE} 1 to 168."),
    ("security", "reauth_minutes", "five", f"[security] reauth_minutes {WHOLE} 0 to 60."),
    ("security", "reauth_minutes", "61", f"[security] reauth_minutes {WHOLE} 0 to 60."),
    (
        "sentry",
        "traces_sample_rate",
        "half",
        "[sentry] traces_sample_rate must be a number from 0 to 1, like 0.25.",
    ),
    (
        "sentry",
        "traces_sample_rate",
        "1.5",
        "[sentry] traces_sample_rate must be a number from 0 to 1, like 0.25.",
    ),
    (
        "sentry",
        "traces_sample_rate",
        "nan",
        "[sentry] traces_sample_rate must be a number from 0 to 1, like 0.25.",
    ),
    (
        "sentry",
        "dsn",
        "not-a-dsn-secret",
        "[sentry] dsn must be empty (no error reports) or a Sentry DSN, like https://KEY@o0.ingest.sentry.io/0.",
    ),
    (
        "sentry",
        "dsn",
        "https://o0.ingest.sentry.io/12",
        "[sentry] dsn must be empty (no error reports) or a Sentry DSN, like https://KEY@o0.ingest.sentry.io/0.",
    ),
]


@pytest.mark.parametrize(
    "section, key, value, message", BAD_VALUES, ids=[f"{key}={value[:12]}" for _, key, value, _ in BAD_VALUES]
)
def test_every_bad_value_is_one_line_naming_the_key_and_what_it_may_be(
    tmp_path, section, key, value, message
):
    path = with_value(tmp_path, section, key, value)
    with pytest.raises(ConfigError) as info:
        config_file.load(path)
    assert str(info.value) == f"{path}: {message}"
    if key == "dsn":
        assert value not in str(info.value)  # a DSN is a secret: never echoed


GOOD_VALUES = [
    ("database", "port", " 6432 ", ("database", "port"), 6432),
    ("database", "port", "", ("database", "port"), 5432),
    ("database", "admin_port", "", ("database", "admin_port"), None),
    ("embedded", "keep_running", "Yes", ("keep_running",), True),
    ("embedded", "keep_running", "off", ("keep_running",), False),
    ("security", "session_idle_minutes", "", ("session_idle_minutes",), 15),
    ("embedded", "data_dir", "", ("data_dir",), None),  # the default: data/ beside the config
    ("security", "reauth_minutes", "0", ("reauth_minutes",), 0),
    ("security", "session_lifetime_hours", "168", ("session_lifetime_hours",), 168),
    ("sentry", "traces_sample_rate", "0.25", ("sentry_traces_sample_rate",), 0.25),
    ("sentry", "traces_sample_rate", "1", ("sentry_traces_sample_rate",), 1.0),
    (
        "sentry",
        "dsn",
        "https://abc123@o42.ingest.sentry.io/4567",
        ("sentry_dsn",),
        "https://abc123@o42.ingest.sentry.io/4567",
    ),
]


@pytest.mark.parametrize("section, key, value, where, expected", GOOD_VALUES)
def test_good_values_and_empty_ones_are_read(tmp_path, section, key, value, where, expected):
    loaded = config_file.load(with_value(tmp_path, section, key, value))
    target = loaded.database if where[0] == "database" else loaded
    if where == ("data_dir",):
        expected = tmp_path / "data"
    assert getattr(target, where[-1]) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("[database]\nmode = server\nmode = embedded\n", r"\[database\] mode is given twice \(line 3\)\.$"),
        ("[database]\nmode = server\n[database]\n", r"the section \[database\] is given twice \(line 3\)\.$"),
        (
            "mode = server\n[database]\n",
            r"line 1 comes before any \[section\]; the file starts with \[database\]\.$",
        ),
        ("[database]\nhunter2 password\n", r"line 2 is not 'key = value', a \[section\] or a # comment\.$"),
    ],
)
def test_a_file_that_is_not_ini_says_which_line_in_one_line(tmp_path, text, message):
    path = tmp_path / "crm.ini"
    path.write_text(text)
    path.chmod(0o600)
    with pytest.raises(ConfigError, match=message) as info:
        config_file.load(path)
    assert "hunter2" not in str(info.value) and "\n" not in str(info.value)
