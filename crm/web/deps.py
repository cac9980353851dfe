"""What every endpoint gets: a database for the request, the caller from their bearer token, the
proof of a recent password before a write, cursor pages, the version a write carries."""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from crm.models import Employee
from crm.services import sessions
from crm.services.backend import Database, DirectBackend
from crm.services.jsonable import jsonable
from crm.web.errors import NOT_LOGGED_IN, ApiError

T = TypeVar("T")

LIMIT_DEFAULT = 20
LIMIT_MAX = 100
BAD_CURSOR = "after: not a cursor of this list; give the next_cursor of the previous page."
REAUTH_NEEDED = (
    "This request saves: confirm your password first with POST /api/v1/sessions/reauth "
    "(it then stays confirmed for {minutes} minutes)."
)
NO_VERSION = "Give the version you read: an If-Match header (the ETag) or version in the body."

ID_MAX = 2**63 - 1  # ids are bigint
Id = Annotated[int, Path(ge=1, le=ID_MAX, description="The record's id.")]
FilterId = Annotated[int | None, Query(ge=1, le=ID_MAX)]

bearer = HTTPBearer(auto_error=False, description="The token POST /api/v1/sessions gives.")


def database(request: Request) -> Iterator[Database]:
    """A Database on a pooled connection, for this request only."""
    with request.app.state.pool.database() as db:
        yield db


DB = Annotated[Database, Depends(database)]


@dataclass
class Caller:
    """The logged-in employee of this request, and the services through their session."""

    backend: DirectBackend
    employee: Employee
    confirmed: bool = False  # the password was typed within [security] reauth_minutes

    def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        return self.backend.run(fn, *args, **kwargs)

    def act(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        return self.backend.act(self.employee, fn, *args, **kwargs)

    def now(self):  # noqa: ANN201 — datetime
        return self.backend.clock()


def backend_for(request: Request, db: Database, token: str | None = None, face: str = "api") -> DirectBackend:
    state = request.app.state
    backend = DirectBackend(db, face=face, policy=state.policy, clock=state.clock)
    backend.token = token
    return backend


def token_of(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "not_logged_in", NOT_LOGGED_IN, headers={"WWW-Authenticate": "Bearer"})
    return credentials.credentials


def caller(
    request: Request,
    db: DB,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """The employee of the bearer token, as the database has them now (401 when the session has
    ended: expired, logged out, deactivated, moved to another team, new password)."""
    backend = backend_for(request, db, token_of(credentials))
    employee, confirmed = sessions.resolve_confirmed(db, backend.token or "", backend.policy, backend.clock())
    return Caller(backend, employee, confirmed)


def writer(who: Annotated[Caller, Depends(caller)]) -> Caller:
    """A caller who typed their password within [security] reauth_minutes (at login, or with POST
    /api/v1/sessions/reauth); 403 password_confirmation_required otherwise."""
    if not who.confirmed:
        minutes = int(who.backend.policy.reauth_window.total_seconds() // 60)
        raise ApiError(403, "password_confirmation_required", REAUTH_NEEDED.format(minutes=minutes))
    return who


Reader = Annotated[Caller, Depends(caller)]
Writer = Annotated[Caller, Depends(writer)]


# Pages ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageRequest:
    offset: int
    limit: int


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def page_request(
    after: Annotated[
        str | None,
        Query(max_length=64, description="The next_cursor of the previous page (absent: the first page)."),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=LIMIT_MAX, description="Rows a page (at most 100).")
    ] = LIMIT_DEFAULT,
) -> PageRequest:
    if after is None or after == "":
        return PageRequest(0, limit)
    try:
        text = base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError(400, "invalid_cursor", BAD_CURSOR, field="after") from None
    kind, _, number = text.partition(":")
    if kind != "o" or not number.isdigit() or len(number) > 9 or _cursor(int(number)) != after:
        raise ApiError(400, "invalid_cursor", BAD_CURSOR, field="after")
    return PageRequest(int(number), limit)


Paging = Annotated[PageRequest, Depends(page_request)]


def one_of(**filters: Any) -> str | None:
    """The one list filter given (its name), or None; 400 when several are."""
    given = [name for name, value in filters.items() if value not in (None, False)]
    if len(given) > 1:
        raise ApiError(400, "conflicting_filters", f"Choose one of {', '.join(given)}.", given[1])
    return given[0] if given else None


def page(fetch: Callable[[int, int], Sequence[Any]], paging: PageRequest) -> dict[str, Any]:
    """One page of a list service (fetch(offset, limit)): one row more is read to know whether
    another page follows."""
    rows = list(fetch(paging.offset, paging.limit + 1))
    more = len(rows) > paging.limit
    return {
        "data": rows[: paging.limit],
        "has_more": more,
        "next_cursor": _cursor(paging.offset + paging.limit) if more else None,
    }


# Versions ------------------------------------------------------------------------------------------


def etag(version: int) -> str:
    return f'"{version}"'


def if_match(
    value: Annotated[
        str | None,
        Header(
            alias="If-Match",
            max_length=40,
            description='The ETag of the version read (e.g. "3"); or give version in the body.',
        ),
    ] = None,
) -> int | None:
    if value is None:
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 9 or int(text) < 1:
        raise ApiError(
            400, "invalid_if_match", 'If-Match must be an ETag this API gave, like "3".', "If-Match"
        )
    return int(text)


IfMatch = Annotated[int | None, Depends(if_match)]


def version_of(header: int | None, body: int | None) -> int:
    """The version a write carries: If-Match, else the body's version (both: they must agree)."""
    if header is not None and body is not None and header != body:
        raise ApiError(400, "version_mismatch", "If-Match and version differ: give one of them.", "version")
    version = header if header is not None else body
    if version is None:
        raise ApiError(400, "version_required", NO_VERSION, "version")
    return version


# Too many requests -----------------------------------------------------------------------------------


class RateLimit:
    """At most `count` requests a `window` seconds from one client address (this process's count;
    the login throttle in the database is the real guard, this one spares the password hashing)."""

    def __init__(self, count: int, window: float) -> None:
        self.count, self.window = count, window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, request: Request) -> None:
        key = request.client.host if request.client else "?"
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.count:
                wait = max(1, int(hits[0] + self.window - now) + 1)
                raise ApiError(
                    429,
                    "too_many_requests",
                    f"Too many attempts from this address: try again in {wait} seconds.",
                    headers={"Retry-After": str(wait)},
                )
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle addresses
                for old in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
                    del self._hits[old]


def password_attempts(request: Request) -> None:
    """The rate limit of the endpoints that check a password."""
    request.app.state.password_limit.check(request)


# Answers -------------------------------------------------------------------------------------------


def ok(
    value: Any, status: int = 200, *, version: int | None = None, location: str | None = None
) -> JSONResponse:
    """A record (or a page) as JSON (crm.services.jsonable), with its ETag when it has a version."""
    headers = {"Cache-Control": "no-store"}
    if version is not None:
        headers["ETag"] = etag(version)
    if location is not None:
        headers["Location"] = location
    return JSONResponse(jsonable(value), status_code=status, headers=headers)


def no_content() -> Response:
    return Response(status_code=204, headers={"Cache-Control": "no-store"})
