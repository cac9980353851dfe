"""`python -m main --upgrade`: apply schema upgrades on an existing server with superuser rights."""

from __future__ import annotations

from psycopg.conninfo import make_conninfo

from crm import setup
from crm.config import Config
from crm.errors import CRMError
from crm.ui.prompts import Prompts


def run_upgrade(prompts: Prompts, config: Config) -> int:
    """Ask for superuser credentials (never stored) and apply pending migrations; exit status."""
    if config.embedded:
        print("The embedded database is upgraded automatically at start-up.")
        return 0
    db = config.database
    user = prompts.text(f"Superuser name on {db.host}:{db.port}:", "postgres")
    password = prompts.password("Superuser password (not stored):")
    admin = make_conninfo(
        host=db.host,
        port=db.port,
        user=user,
        password=password,
        dbname="postgres",
        sslmode=db.sslmode,
        connect_timeout=5,
    )
    try:
        setup.inspect_server(admin)
        applied = setup.upgrade(admin, db.name)
    except CRMError as error:
        print(error)
        return 69  # the database is unavailable (crm/cli/exits.py)
    print(f"Applied: {', '.join(applied)}." if applied else "The schema is already up to date.")
    return 0
