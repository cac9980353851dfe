"""Config files for tests: a server-mode config for a test database's application role, or with
placeholder settings (a server nobody listens on)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from psycopg.conninfo import conninfo_to_dict

from crm import config as config_file
from crm.config import Config, DatabaseSettings

# A server-mode [database] that reaches nothing: port 1 on this machine.
PLACEHOLDER = {
    "mode": "server",
    "name": "epic",
    "user": "epic_app",
    "password": "S3cret-app-pw",
    "host": "127.0.0.1",
    "port": 1,
    "sslmode": "disable",
}


def app_settings(crm_db) -> dict[str, Any]:
    """The [database] settings of a test database's application role (tests.conftest.CrmDatabase)."""
    params = conninfo_to_dict(crm_db.app_dsn)
    return {
        "mode": "server",
        "name": params["dbname"],
        "user": params["user"],
        "password": params["password"],
        "host": params.get("host") or "localhost",
        "port": int(params.get("port") or 5432),
        "sslmode": params.get("sslmode") or "prefer",
    }


def server_config(path: Path, crm_db=None, database: dict[str, Any] | None = None, **options) -> Config:
    """A server-mode Config at `path`: for crm_db's application role when given, else PLACEHOLDER;
    `database` overrides [database] settings, `options` other Config fields (sentry_dsn=…)."""
    settings = {**(app_settings(crm_db) if crm_db is not None else PLACEHOLDER), **(database or {})}
    return Config(database=DatabaseSettings(**settings), path=path, **options)


def write_config(
    path: Path, crm_db=None, database: dict[str, Any] | None = None, *, monkeypatch=None, **options
) -> Config:
    """server_config(…) written at `path` (mode 0600, as the program writes it); with a pytest
    monkeypatch, CRM_CONFIG names it for the test, so `crm.app.main` reads it."""
    config = server_config(path, crm_db, database, **options)
    config_file.write(config)
    if monkeypatch is not None:
        monkeypatch.setenv("CRM_CONFIG", str(path))
    return config
