"""Reporting unexpected errors: a reference the user can quote, the log, and Sentry when configured."""

from __future__ import annotations

import logging
import uuid

log = logging.getLogger("crm")


def capture(error: BaseException) -> str:
    """Record an unexpected error; return a short reference for the user."""
    reference = uuid.uuid4().hex[:8]
    log.error("unexpected error (reference %s): %s", reference, error.__class__.__name__, exc_info=error)
    return reference
