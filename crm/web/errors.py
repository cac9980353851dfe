"""The API's one error shape, and what each error of the program becomes in HTTP.

Every error answer is `{"error": {"code", "message", "field", "reference"}}`: `message` is the
same one line the menus and the commands show; `field` names the input at fault when one is;
`reference` is set only for an unexpected error (the one reported to Sentry). Never a stack
trace, an SQL text or a hash.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from crm import monitoring
from crm.errors import (
    AuthenticationError,
    CRMError,
    DatabaseUnavailable,
    NotFound,
    PermissionDenied,
    StaleRecord,
    ValidationError,
)
from crm.i18n import N_, _
from crm.services.auth import AccountLocked
from crm.services.employees import ReassignmentNeeded
from crm.services.sessions import SessionEnded

__all__ = ["ERRORS", "ApiError", "ErrorBody", "error_response", "for_crm_error", "for_unexpected"]

JSON_HEADERS = {"Cache-Control": "no-store"}
NOT_LOGGED_IN = N_("Not logged in: send `Authorization: Bearer <token>` (POST /api/v1/sessions gives one).")


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable machine-readable code, e.g. `stale_version`.")
    message: str = Field(description="One line for a person: the menus' own message.")
    field: str | None = Field(None, description="The input at fault, when one is.")
    reference: str | None = Field(None, description="For an unexpected error: the reference reported.")


class ErrorBody(BaseModel):
    """What every error answer holds."""

    error: ErrorDetail


class ApiError(Exception):
    """An error the web face itself raises (no session, a bad cursor, too many requests…)."""

    def __init__(
        self, status: int, code: str, message: str, field: str | None = None, headers: dict | None = None
    ) -> None:
        message = _(message)  # a constant marked N_(): in the request's language (crm/web/language.py)
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = headers or {}


# Declared on every endpoint in the OpenAPI document (the shape is the same for all of them).
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        400: "A rule refused the input (the menus' one-line message).",
        401: "No session, or it ended (expired, logged out, deactivated…); a failed login.",
        403: "Refused by the permissions (the one-line reason), or the password must be confirmed.",
        404: "No such record.",
        409: "Stale version: the record changed since it was read (reload and try again).",
        413: "The request body is too large.",
        422: "The request does not match this schema (one-line message naming the field).",
        423: "Too many failed logins for this username: locked for a while.",
        429: "Too many requests: slow down (Retry-After says when).",
        500: "An unexpected error: it has been reported (reference in the answer).",
        503: "The database is unavailable: try again.",
    }.items()
}


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    reference: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "field": field, "reference": reference}}
    return JSONResponse(body, status_code=status, headers={**JSON_HEADERS, **(headers or {})})


def _retry_after(until: datetime) -> str:
    return str(max(1, math.ceil((until - datetime.now(UTC)).total_seconds())))


def for_crm_error(error: CRMError) -> JSONResponse:
    """A domain error as HTTP: its one-line message intact."""
    message = str(error)
    if isinstance(error, AccountLocked):
        return error_response(
            423, "account_locked", message, headers={"Retry-After": _retry_after(error.until)}
        )
    if isinstance(error, SessionEnded):
        return error_response(
            401,
            f"session_{error.reason}",
            message,
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    if isinstance(error, AuthenticationError):
        return error_response(401, "authentication_failed", message, headers={"WWW-Authenticate": "Bearer"})
    if isinstance(error, PermissionDenied):
        return error_response(403, "permission_denied", message)
    if isinstance(error, NotFound):
        return error_response(404, "not_found", message)
    if isinstance(error, StaleRecord):
        return error_response(409, "stale_version", message)
    if isinstance(error, ReassignmentNeeded):
        return error_response(409, "reassignment_needed", message)
    if isinstance(error, DatabaseUnavailable):
        return error_response(503, "database_unavailable", message, headers={"Retry-After": "2"})
    if isinstance(error, ValidationError):
        return error_response(400, "invalid", message)
    return error_response(400, "refused", message)


def for_unexpected(error: BaseException) -> JSONResponse:
    """An unexpected error: reported (scrubbed) with a reference; the answer says only that."""
    reference = monitoring.capture(error)
    return error_response(
        500,
        "internal_error",
        _("Something went wrong; it has been reported (reference {reference}).").format(reference=reference),
        reference=reference,
    )
