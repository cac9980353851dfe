"""Database rules the data broke (CHECK, UNIQUE, foreign key, trigger) as one line a user reads.

Each service module keeps its own table of messages by constraint name; a violation of a rule
that has no message is not the user's doing and is raised as it is (an unexpected error).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from psycopg import errors as pg_errors

from crm.errors import ValidationError

# A message: a constant marked N_() (translated when raised), or a function giving it in the
# current language (a message with a number in it).
RuleMessage = str | Callable[[], str]

_RULE_ERRORS = (pg_errors.CheckViolation, pg_errors.UniqueViolation, pg_errors.ForeignKeyViolation)


@contextmanager
def rules_as_messages(messages: Mapping[str, RuleMessage]) -> Iterator[None]:
    """Turn a broken rule named in `messages` into a one-line ValidationError."""
    try:
        yield
    except _RULE_ERRORS as error:
        message = messages.get(error.diag.constraint_name or "")
        if message is None:
            raise
        raise ValidationError(message() if callable(message) else message) from None
