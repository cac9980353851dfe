"""The HTTP API's application: `create_app(pool)` gives the ASGI app `python -m main serve` runs.

A face like the menus and the commands: each endpoint parses the request, calls crm.services
(through the caller's session) and writes the records as JSON. Every answer carries the security
headers; bodies are limited in size; CORS is off (no Access-Control-* header is ever sent); every
error has one shape (crm.web.errors), declared for every endpoint in /api/v1/openapi.json.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm import __version__, validation
from crm.errors import CRMError, DatabaseUnavailable
from crm.services.backend import utc_now
from crm.services.pool import UNAVAILABLE
from crm.services.sessions import SessionPolicy
from crm.web import (
    calls,
    catalogue,
    clients,
    contracts,
    employees,
    events,
    history,
    me,
    opportunities,
    pipeline,
    sessions,
)
from crm.web.daily_work import BODY_MAX_BY_PATH, ROUTERS
from crm.web.deps import RateLimit
from crm.web.errors import ERRORS, ApiError, error_response, for_crm_error, for_unexpected

API = "/api/v1"
BODY_MAX = 64 * 1024  # bytes: the largest request body (an event's 5000-character notes fit)
LOGIN_ATTEMPTS = (30, 60.0)  # password checks a minute from one address, per process

DESCRIPTION = """\
The Epic Events CRM over HTTP: the same actions, rules, refusals and audit trail as the menus
and the commands.

**Log in** with `POST /api/v1/sessions` (username, password): the answer's `token` goes in
`Authorization: Bearer <token>` on every other request. `DELETE /api/v1/sessions` logs out.

**Writes need a recent password**: the login counts; after `[security] reauth_minutes`, a write
answers 403 `password_confirmation_required` until `POST /api/v1/sessions/reauth` (password)
confirms it again.

**Versions**: a detail's `ETag` is its version; a write to an existing record sends it back in
`If-Match` (or `version` in the body). A record changed meanwhile: 409 `stale_version`.

**Lists** page with a cursor: `?limit=` (at most 100), then `?after=<next_cursor>`.

**Errors** all have one shape: `{"error": {"code", "message", "field", "reference"}}`.
"""

NO_STORE = [
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")


class Guard:
    """The outermost layer: security headers on every answer, the body size limit, and any
    unexpected error turned into a 500 with a reference (reported, never shown)."""

    def __init__(self, app: ASGIApp, body_max: int = BODY_MAX) -> None:
        self.app, self.body_max = app, body_max

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"].startswith("/api/docs")
        path = scope["path"]
        body_max = BODY_MAX_BY_PATH.get(path) or calls.BODY_MAX_BY_PATH.get(path, self.body_max)
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {name for name, _ in NO_STORE} | {API_CSP[0]}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                headers += NO_STORE if docs else [*NO_STORE, API_CSP]
                message = {**message, "headers": headers}
            await send(message)

        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and not length.isdigit():
            bad = error_response(400, "invalid_request", "Content-Length must be a whole number.")
            await self._answer(bad, scope, receive, send_with_headers)
            return
        if length is not None and int(length) > body_max:
            await self._answer(
                error_response(413, "body_too_large", self._too_large(body_max)),
                scope,
                receive,
                send_with_headers,
            )
            return
        app_receive = receive
        if length is None and scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
            # No Content-Length (chunked): the body is read here first, up to the limit.
            chunks, total = [], 0
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client went away
                chunks.append(message.get("body", b""))
                total += len(chunks[-1])
                if total > body_max:
                    too_large = error_response(413, "body_too_large", self._too_large(body_max))
                    await self._answer(too_large, scope, receive, send_with_headers)
                    return
                if not message.get("more_body"):
                    break
            replayed = False

            async def app_receive() -> Message:
                nonlocal replayed
                if replayed:
                    return await receive()
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        try:
            await self.app(scope, app_receive, send_with_headers)
        except Exception as error:  # noqa: BLE001 — reported with a reference, never a traceback
            response = for_unexpected(error)
            if not started:
                await self._answer(response, scope, receive, send_with_headers)

    def _too_large(self, body_max: int) -> str:
        return f"The request body is too large (at most {body_max // 1024} KiB)."

    @staticmethod
    async def _answer(response: Any, scope: Scope, receive: Receive, send: Send) -> None:
        await response(scope, receive, send)


class Admission:
    """At most as many requests at work as the pool has connections; the others wait here, without
    holding a worker thread (a request waiting for a connection in a thread would keep the
    requests that hold one from getting the threads they need to finish). A request that waits
    longer than the pool's wait: 503."""

    def __init__(self, app: ASGIApp, pool: Any) -> None:
        self.app, self.pool = app, pool
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not scope["path"].startswith(API)
            or scope["path"].endswith("openapi.json")
        ):
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:  # one semaphore an event loop
            self._slots, self._loop = asyncio.Semaphore(self.pool.max_size), loop
        slots = self._slots
        try:
            await asyncio.wait_for(slots.acquire(), timeout=self.pool.wait)
        except TimeoutError:
            answer = for_crm_error(DatabaseUnavailable(UNAVAILABLE))
            await answer(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()


# How the menus name the fields, for the framework's own messages (422).
LABELS = {
    "full_name": "Full name",
    "email": "E-mail",
    "phone": "Phone",
    "company_name": "Company name",
    "name": "Event name",
    "location": "Location",
    "notes": "Notes",
    "client_contact": "Client contact",
    "attendees": "Attendees",
    "username": "Username",
    "starts_at": "Start",
    "ends_at": "End",
    "total_amount": "Total amount",
    "amount": "Payment",
    "search": "Search text",
    "title": "Title",
    "expected_close_on": "Expected close date",
    "expected_attendees": "Expected attendees",
    "quantity": "Quantity",
    "unit_price": "Unit price",
    "reason": "Reason",
    "description": "Description",
    "stage": "Stage",
    "unit": "Unit",
    "text": "A note",
}
# Where a field name means something else (a service's name is not an event's).
PATH_LABELS = {f"{API}/services": {"name": "Name"}}


def _validation_message(error: RequestValidationError, path: str = "") -> tuple[str, str | None]:
    """The first problem of a request that does not match the schema, in one line (the menus'
    wording where they have one), and its field."""
    problems = error.errors()
    if not problems:
        return "The request does not match the API's schema.", None
    first = problems[0]
    where = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "header")]
    kind = first.get("type", "")
    if kind == "json_invalid":
        return "The request body is not valid JSON.", None
    field = ".".join(where) or None
    labels = next((names for start, names in PATH_LABELS.items() if path.startswith(start)), {})
    label = labels.get(where[-1], LABELS.get(where[-1], where[-1])) if where else "The request body"
    context = first.get("ctx") or {}
    if kind == "missing":
        message = f"{label} is required." if field else "The request body is required."
    elif kind == "extra_forbidden":
        message = f"{field}: no such field."
    elif kind == "string_too_long":
        message = f"{label} has at most {context.get('max_length')} characters."
    elif kind == "greater_than_equal" and context.get("ge") in (0, 1):
        noun = "Id" if where and where[-1].endswith("_id") else label
        message = validation.whole_number_rule(noun, int(context["ge"]))
    elif kind == "less_than_equal" and context.get("le") == 2**63 - 1:
        message = f"{label} is too large."
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = {"greater_than_equal": "at least", "less_than_equal": "at most"}.get(kind, "beyond")
        limit = next(iter(context.values()), "")
        message = f"{label} must be {bound} {limit}."
    elif kind.startswith("int"):
        message = f"{label} must be a whole number."
    elif kind == "timezone_aware":
        message = f"{label}: an ISO 8601 date-time needs its offset (2027-06-04T13:00:00+02:00)."
    elif kind.startswith("datetime"):
        message = f"{label} must be an ISO 8601 date-time with its offset, like 2027-06-04T13:00:00+02:00."
    elif kind.startswith("date"):
        message = f"{label} must be a day like 2027-06-04."
    elif kind.startswith("string"):
        message = f"{label} must be text."
    elif kind.startswith("bool"):
        message = f"{label} must be true or false."
    else:
        text = str(first.get("msg", "is not valid")).replace("\n", " ")
        message = f"{label}: {text}."
    return message.replace("\n", " ")[:300], field


def create_app(
    pool: Any,
    policy: SessionPolicy | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    manage_pool: bool = True,
    login_attempts: tuple[int, float] = LOGIN_ATTEMPTS,
) -> FastAPI:
    """The API on a crm.services.pool.DatabasePool (opened and closed with the app when
    manage_pool); policy: how long sessions last (the config's, idle included); clock: injectable
    for tests."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = max(limiter.total_tokens, 2 * pool.max_size)  # threads never run short
        if manage_pool:
            pool.open()
        try:
            yield
        finally:
            if manage_pool:
                pool.close()

    app = FastAPI(
        title="Epic Events CRM API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=f"{API}/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
        responses=ERRORS,
    )
    app.state.pool = pool
    app.state.policy = policy or SessionPolicy(idle=None)
    app.state.clock = clock
    app.state.password_limit = RateLimit(*login_attempts)
    for module in (sessions, me, employees, clients, contracts, events, history):
        app.include_router(module.router, prefix=API)
    for module in (catalogue, opportunities, pipeline):  # the sales pipeline
        app.include_router(module.router, prefix=API)
    for router in ROUTERS:  # issue 15's daily work (crm/web/daily_work.py)
        app.include_router(router, prefix=API)
    app.include_router(calls.router, prefix=API)  # team mode's service calls (crm/services/remote.py)

    @app.exception_handler(CRMError)
    def crm_error(_request: Request, error: CRMError) -> Any:
        return for_crm_error(error)

    @app.exception_handler(ApiError)
    def api_error(_request: Request, error: ApiError) -> Any:
        return error_response(error.status, error.code, error.message, error.field, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, error: RequestValidationError) -> Any:
        message, field = _validation_message(error, request.url.path)
        return error_response(422, "invalid_request", message, field)

    @app.exception_handler(StarletteHTTPException)
    def http_error(_request: Request, error: StarletteHTTPException) -> Any:
        codes = {404: "not_found", 405: "method_not_allowed"}
        message = {404: "No such endpoint.", 405: "This endpoint does not take that method."}.get(
            error.status_code, str(error.detail).splitlines()[0] if error.detail else "Refused."
        )
        return error_response(
            error.status_code,
            codes.get(error.status_code, "http_error"),
            message,
            headers=dict(error.headers or {}),
        )

    app.add_middleware(Admission, pool=pool)
    app.add_middleware(Guard)
    return app
