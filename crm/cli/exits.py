"""Exit statuses of the commands (and of the interactive program), one per kind of outcome.

The one-line reason goes to standard error; data only to standard output, so a pipe into `jq`
gets valid JSON or nothing.
"""

from __future__ import annotations

from crm.errors import (
    AuthenticationError,
    ConfigError,
    CRMError,
    DatabaseUnavailable,
    NotFound,
    PermissionDenied,
    StaleRecord,
)
from crm.i18n import N_

OK = 0
REFUSED = 1  # a business rule or a validation refused it
USAGE = 2  # the command line itself is wrong (click's convention)
NOT_LOGGED_IN = 3  # no session, a session that has ended, or credentials refused
PERMISSION = 4  # crm.permissions refused it
NOT_FOUND = 5
STALE = 6  # changed by someone else since the version given
UNAVAILABLE = 69  # the database cannot be reached (EX_UNAVAILABLE)
CONFIG = 78  # the configuration is missing, unsafe or wrong (EX_CONFIG)
INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
BUG = 70  # an unexpected error, reported with a reference (EX_SOFTWARE)

DESCRIPTIONS = {
    OK: N_("success"),
    REFUSED: N_("refused by a business rule or by validation (the reason is printed)"),
    USAGE: N_("usage error: unknown command or option, missing or malformed argument"),
    NOT_LOGGED_IN: N_("not logged in, or the session has ended (run `python -m main login`)"),
    PERMISSION: N_("permission denied: your team or your role may not do this"),
    NOT_FOUND: N_("no such record"),
    STALE: N_("the record was changed by someone else since the version given"),
    UNAVAILABLE: N_("the database is unavailable"),
    CONFIG: N_("configuration error (the config file is missing, unsafe or wrong)"),
    INTERRUPTED: N_("interrupted (Ctrl-C)"),
}


def for_error(error: CRMError) -> int:
    """The exit status of a domain error."""
    for kind, status in (
        (PermissionDenied, PERMISSION),
        (NotFound, NOT_FOUND),
        (StaleRecord, STALE),
        (AuthenticationError, NOT_LOGGED_IN),
        (DatabaseUnavailable, UNAVAILABLE),
        (ConfigError, CONFIG),
    ):
        if isinstance(error, kind):
            return status
    return REFUSED
