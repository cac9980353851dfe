"""`python -m main --unlock USERNAME`: the installer lifts an employee's login lock.

Embedded mode uses the embedded server's superuser on its private socket; server mode asks for
the server's superuser credentials, as `--upgrade` does (never stored).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from crm import monitoring, setup
from crm.config import Config
from crm.errors import CRMError
from crm.i18n import _
from crm.ui.prompts import Prompts
from crm.ui.upgrade import superuser_conninfo

EXIT_OK, EXIT_UNKNOWN, EXIT_UNAVAILABLE = 0, 1, 2


def run_unlock(
    prompts: Prompts, config: Config, username: str, start_embedded: Callable[[Path, bool], str]
) -> int:
    """Forget the username's failed logins and locks; exit status (1: no such employee)."""
    try:
        if config.embedded:
            admin = start_embedded(config.data_dir, config.keep_running)
            setup.upgrade(admin, config.database.name)  # as every start-up does
        else:
            admin = superuser_conninfo(prompts, config)
            setup.inspect_server(admin)
        result = setup.unlock_login(admin, config.database.name, username)
    except CRMError as error:
        print(error)
        return EXIT_UNAVAILABLE
    if result is None:
        print(_("No employee has the username {value!r}.").format(value=username.strip()))
        return EXIT_UNKNOWN
    employee_id, lifted = result
    monitoring.business_event("login.unlocked", employee_id=employee_id, by="installer", locks=lifted)
    if lifted:
        print(
            _("{value!r} may log in again: their failed logins are forgotten.").format(value=username.strip())
        )
    else:
        print(_("{value!r} had no failed logins or lock to lift.").format(value=username.strip()))
    return EXIT_OK
