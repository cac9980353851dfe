"""`python -m main --upgrade`: apply schema upgrades on an existing server with superuser rights."""

from __future__ import annotations

from crm import setup
from crm.cli import exits
from crm.config import Config
from crm.db import admin_conninfo
from crm.errors import CRMError
from crm.i18n import _
from crm.ui.prompts import Prompts


def superuser_conninfo(prompts: Prompts, config: Config) -> str:
    """Ask for the server's superuser name and password (never stored); their conninfo (to
    PostgreSQL itself: [database] admin_host / admin_port when the program goes through PgBouncer)."""
    host, port = config.database.admin_address
    user = prompts.text(_("Superuser name on {host}:{port}:").format(host=host, port=port), "postgres")
    password = prompts.password(_("Superuser password (not stored):"))
    return admin_conninfo(config, user, password)


def run_upgrade(prompts: Prompts, config: Config) -> int:
    """Ask for superuser credentials (never stored) and apply pending migrations; exit status.

    The application role's grants, limits, settings and password are put back as the config
    says too, whatever a holder of its password did to it meanwhile.
    """
    if config.embedded:
        print(_("The embedded database is upgraded automatically at start-up."))
        return exits.OK
    admin = superuser_conninfo(prompts, config)
    try:
        setup.inspect_server(admin)
        applied = setup.upgrade(admin, config.database.name, app_password=config.database.password)
    except CRMError as error:
        print(error)
        return exits.for_error(error)
    if applied:
        print(_("Applied: {names}.").format(names=", ".join(applied)))
    else:
        print(_("The schema is already up to date."))
    return exits.OK
