"""The faces' backend in team mode: the services called on the CRM server, over its HTTP API.

RemoteBackend is the Backend protocol (crm/services/backend.py) over HTTPS: it logs in with
POST /api/v1/sessions (the employee's own session token, kept in memory), and every `run` /
`act` is one POST /api/v1/calls/{name} (crm/web/calls.py) of a whitelisted service function
(crm/services/calls.py), its arguments and result in the wire format (crm/services/wire.py):
the same dataclasses come back, and an error answer is raised again as the same domain error
(PermissionDenied, ValidationError, StaleRecord, NotFound, SessionEnded…) with the server's
one-line message and field. A server that cannot be reached is ServerUnavailable, the program's
"database unavailable" kind of error. No database credential is ever needed on this machine.

A call that writes a file's text (a CSV export) gets that text from the server and writes it
into the face's own stream: the file (csvio.atomic_file, mode 0600) is on the employee's machine.
"""

from __future__ import annotations

import codecs
import inspect
import json
import ssl
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import IO, Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlsplit

import httpx

from crm import __version__, i18n
from crm.errors import CRMError, PermissionDenied, ServerUnavailable
from crm.i18n import N_, _
from crm.models import Employee
from crm.services import calls, wire
from crm.services.backend import Database

__all__ = ["RemoteBackend", "ServerUnavailable"]

P = ParamSpec("P")
R = TypeVar("R")

API = "/api/v1"
NOT_YOU = N_("A call acts as the logged-in employee only.")
RESULT_HEADER = "X-Call-Result"


class RemoteBackend:
    """The services on a CRM server: `RemoteBackend("https://crm.example.com", ca_file=…)`.

    ca_file: the CA certificate(s) the server's TLS certificate is checked against (None: the
    system's store); face: "menus" or "commands"; transport: httpx's (tests). One HTTP client,
    kept alive, for every request of this backend.
    """

    def __init__(
        self,
        base_url: str,
        *,
        ca_file: str | None = None,
        face: str = "menus",
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.face = face
        self.token: str | None = None
        self.device_token: str | None = None  # this computer's, for the login throttle
        self.employee: Employee | None = None  # who logged in (acts are theirs)
        verify = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
        self.client = httpx.Client(
            base_url=self.base_url + API,
            verify=verify,
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": f"epic-events-crm/{__version__} ({face})"},
            follow_redirects=False,
        )

    # HTTP ------------------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"Accept-Language": i18n.language()}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _unreachable(self, error: Exception) -> ServerUnavailable:
        host = urlsplit(self.base_url).netloc or self.base_url
        reason = str(error).splitlines()[0].strip() if str(error).strip() else type(error).__name__
        if isinstance(error, httpx.TimeoutException):
            reason = _("no answer in time")
        return ServerUnavailable(
            _("The CRM server {host} cannot be reached ({reason}): try again.").format(
                host=host, reason=reason[:120]
            )
        )

    def _request(self, method: str, path: str, body: Any = None) -> httpx.Response:
        try:
            answer = self.client.request(method, path, json=body, headers=self._headers())
        except httpx.TransportError as error:
            raise self._unreachable(error) from None
        if answer.status_code >= 400:
            raise self._error(answer)
        return answer

    def _error(self, answer: httpx.Response) -> CRMError:
        """The domain error of an error answer (its shape: crm/web/errors.py)."""
        try:
            error = answer.json()["error"]
            code, message = str(error["code"]), str(error["message"])
        except (ValueError, KeyError, TypeError):
            if answer.status_code in (502, 503, 504):
                return ServerUnavailable(
                    _("The CRM server is unavailable (HTTP {status}): try again.").format(
                        status=answer.status_code
                    )
                )
            return CRMError(_("The CRM server answered HTTP {status}.").format(status=answer.status_code))
        field = error.get("field") if isinstance(error.get("field"), str) else None
        detail = error.get("detail")
        retry = answer.headers.get("Retry-After", "")
        if code == "account_locked" and detail is None and retry.isdigit():  # the REST API's lock
            until = datetime.now(UTC) + timedelta(seconds=int(retry))
            detail = {"class": "AccountLocked", "until": until.isoformat()}
        return wire.error_from(code, message.replace("\n", " "), field, detail)

    # The session -----------------------------------------------------------------------------------

    def log_in(self, username: str, password: str, device_token: str | None = None) -> Employee:
        """Check the credentials on the server (throttled like every login; device_token: this
        computer's for the username) and keep the session's token."""
        body = {"username": username, "password": password, "device_token": device_token, "face": self.face}
        self.token = None
        opened = self._request("POST", "/sessions", body).json()
        self.token, self.device_token = opened["token"], device_token
        self.employee = wire.decode(Employee, opened["employee"], "employee")
        return self.employee

    def current(self) -> Employee:
        """The logged-in employee as the server has them now (SessionEnded when it has ended)."""
        self.employee = wire.decode(Employee, self._request("GET", "/me").json(), "employee")
        return self.employee

    def confirm_password(self, password: str) -> Employee:
        """The password typed again (a wrong one counts as a failed login on the server)."""
        body = {"password": password, "device_token": self.device_token}
        confirmed = self._request("POST", "/sessions/reauth", body).json()
        self.employee = wire.decode(Employee, confirmed["employee"], "employee")
        return self.employee

    def recently_confirmed(self) -> bool:
        """Whether the server counts the password as typed within its reauth window."""
        answer = self._request("GET", "/sessions/current").json()
        self.employee = wire.decode(Employee, answer["employee"], "employee")
        return bool(answer["confirmed"])

    def change_password(self, old: str, new: str) -> None:
        """Change one's own password: the other sessions end, this one goes on."""
        body = {"current_password": old, "new_password": new, "device_token": self.device_token}
        self._request("POST", "/me/password", body)

    def log_out(self) -> None:
        """End the session (one already ended on the server is left as it is)."""
        if self.token:
            try:
                self._request("DELETE", "/sessions")
            except CRMError:
                pass
        self.token = None
        self.employee = None

    def close(self) -> None:
        self.client.close()

    # Service calls ---------------------------------------------------------------------------------

    def run(self, fn: Callable[Concatenate[Database, P], R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call a service function of the database alone on the server."""
        call = calls.call_for(fn)
        if call.kind != "run":
            raise calls.NotRemote(_("{name} acts as an employee: call it with act.").format(name=call.name))
        return self._call(call, args, kwargs)

    def act(
        self,
        actor: Employee,
        fn: Callable[Concatenate[Database, Employee, P], R],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        """Call a service function on the server as the logged-in employee (the server takes the
        actor from the session: `actor` must be that employee)."""
        if self.employee is not None and actor.id != self.employee.id:
            raise PermissionDenied(NOT_YOU)
        call = calls.call_for(fn)
        if call.kind != "act":
            raise calls.NotRemote(
                _("{name} does not act as an employee: call it with run.").format(name=call.name)
            )
        return self._call(call, args, kwargs)

    def _call(self, call: calls.Call, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        given = (
            inspect.signature(call.function).bind_partial(*([None] * call.skip), *args, **kwargs).arguments
        )
        body = wire.encode_arguments(call.function, call.skip, args, kwargs, call.kept)
        path = f"/calls/{call.name}"
        if call.stream is None:
            return wire.decode_result(call.function, self._request("POST", path, body).json()["result"])
        stream: IO[str] = given[call.stream]
        try:
            with self.client.stream("POST", path, json=body, headers=self._headers()) as answer:
                if answer.status_code >= 400:
                    answer.read()
                    raise self._error(answer)
                decoder = codecs.getincrementaldecoder("utf-8")()
                for chunk in answer.iter_bytes():
                    stream.write(decoder.decode(chunk))
                stream.write(decoder.decode(b"", final=True))
                result = wire.decode_result(call.function, json.loads(answer.headers[RESULT_HEADER]))
        except httpx.TransportError as error:
            raise self._unreachable(error) from None
        progress = given.get("progress")
        if callable(progress) and isinstance(result, int):
            progress(result, result)
        return result
