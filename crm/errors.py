"""Domain errors: small classes whose message is one line a user can read.

The menu loop (crm.ui.menu) catches CRMError and prints str(error); anything else is unexpected.
"""

from __future__ import annotations

from datetime import datetime


class CRMError(Exception):
    """Base of every error whose message is meant for the user."""


class ValidationError(CRMError):
    """Input that does not meet a rule; the user is asked again."""


class AmbiguousMoment(ValidationError):
    """A typed local time that happens twice (clocks go back): `occurrences` holds both moments,
    earliest first, for a face that can ask which one is meant; the message says how to type it."""

    def __init__(self, message: str, occurrences: tuple[datetime, datetime]) -> None:
        super().__init__(message)
        self.occurrences = occurrences


class PermissionDenied(CRMError):
    """The acting employee may not do this; nothing was changed."""


class NotFound(CRMError):
    """No record with that id (or of that kind)."""


class StaleRecord(CRMError):
    """The record changed since it was read; the save was refused."""

    def __init__(self, message: str = "Changed by someone else meanwhile — reload and try again."):
        super().__init__(message)


class AuthenticationError(CRMError):
    """Login or re-authentication failed (the message never says why exactly)."""


class ConfigError(CRMError):
    """The INI file is missing, unsafe or incomplete."""


class SetupError(CRMError):
    """The setup wizard could not prepare the database."""


class DatabaseUnavailable(CRMError):
    """The database cannot be reached with the configured settings."""


class WriteLost(DatabaseUnavailable):
    """The connection was lost during a write: nothing was saved, the user may try again."""


class WriteOutcomeUnknown(DatabaseUnavailable):
    """The connection was lost while a write was being committed and whether it was cannot be told."""


class ServerUnavailable(DatabaseUnavailable):
    """Team mode: the CRM server cannot be reached (the employee's program talks to it, not to the
    database)."""
