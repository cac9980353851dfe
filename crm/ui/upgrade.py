"""`python -m main --upgrade`: apply schema upgrades on an existing server with superuser rights."""

from __future__ import annotations

from crm import setup
from crm.config import Config
from crm.db import admin_conninfo
from crm.errors import CRMError
from crm.ui.prompts import Prompts


def run_upgrade(prompts: Prompts, config: Config) -> int:
    """Ask for superuser credentials (never stored) and apply pending migrations; exit status."""
    if config.embedded:
        print("The embedded database is upgraded automatically at start-up.")
        return 0
    db = config.database
    host, port = db.admin_address
    user = prompts.text(f"Superuser name on {host}:{port}:", "postgres")
    password = prompts.password("Superuser password (not stored):")
    admin = admin_conninfo(config, user, password)
    try:
        setup.inspect_server(admin)
        applied = setup.upgrade(admin, db.name)
    except CRMError as error:
        print(error)
        return 69  # the database is unavailable (crm/cli/exits.py)
    print(f"Applied: {', '.join(applied)}." if applied else "The schema is already up to date.")
    return 0
