"""POST /api/v1/calls/{name}: the service functions the menus and the commands call, over HTTP.

The transport of crm/services/remote.py (team mode): the whitelist is crm/services/calls.py, the
wire format crm/services/wire.py (arguments decoded strictly by the function's type hints). A
"run" call needs a logged-in caller; an "act" call acts as the caller's employee (the body never
names an actor); a write needs a recent password, like every write of the REST API. Parameters
named `now` take the server's clock. A call that writes a file's text (an export) answers that
text: the employee's program writes the file on their own machine; nothing here names a file.

Errors are the API's (crm.web.errors.for_crm_error, the same one-line messages), with
`error.detail` added: the domain error's class and the data it carries (wire.error_detail).
"""

from __future__ import annotations

import inspect
import json
import tempfile
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from crm.errors import CRMError
from crm.i18n import N_, _
from crm.services import wire
from crm.services.calls import CALLS, Call
from crm.web.csvfiles import IMPORT_BODY_MAX, SPOOL_MAX, _chunks
from crm.web.deps import Reader, writer
from crm.web.errors import ApiError, for_crm_error

router = APIRouter(prefix="/calls", tags=["calls"])

ARGS_MAX = 32
RESULT_HEADER = "X-Call-Result"  # a streamed call's result (JSON), the body being the file's text
# A call's body is at most the API's 64 KiB, but an import carries its file (base64).
BODY_MAX_BY_PATH = {"/api/v1/calls/client_imports.import_clients": 4 * -(-IMPORT_BODY_MAX // 3) + 64 * 1024}
NO_SUCH_CALL = N_("No such call: see the names POST /api/v1/calls/{name} lists.")

Name = Annotated[
    str,
    Path(
        description="The service function, `module.function` (crm/services/calls.py).",
        json_schema_extra={"enum": sorted(CALLS)},
        max_length=80,
    ),
]


class CallBody(BaseModel):
    """The function's arguments after db (and after the actor of an act), encoded as the wire
    format says: positional ones in `args`, the others by name in `kwargs`."""

    model_config = ConfigDict(extra="forbid")
    args: list[Any] = Field(default_factory=list, max_length=ARGS_MAX)
    kwargs: dict[str, Any] = Field(default_factory=dict, max_length=ARGS_MAX)


class CallResult(BaseModel):
    result: Any = Field(description="What the function returned, encoded as the wire format says.")


# The 200 answer: JSON (CallResult), or a file's text for a call that writes one. Errors have the
# API's one shape (ERRORS, declared by the app for every endpoint), `error.detail` added here: the
# domain error's class and what it carries.
ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The result; for a call that writes a file's text (an export), that text.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    },
}


def _error(error: CRMError) -> Response:
    """for_crm_error's answer, with the error's class and data in error.detail."""
    response = for_crm_error(error)
    detail = wire.error_detail(error)
    if detail is None:
        return response
    body = json.loads(bytes(response.body))
    body["error"]["detail"] = detail
    headers = {
        k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")
    }
    return JSONResponse(body, status_code=response.status_code, headers=headers)


def _known(name: str) -> Call:
    call = CALLS.get(name)
    if call is None:
        raise ApiError(404, "not_found", NO_SUCH_CALL, field="name")
    return call


@router.post(
    "/{name}",
    response_model=CallResult,
    responses=ANSWERS,
    summary="Call a service function (team mode: the menus and the commands)",
)
def call_service(name: Name, who: Reader, body: Annotated[CallBody, Body()]):  # noqa: ANN201
    """What the terminal program calls in team mode: one of the service functions the menus and
    the commands use (the names in the path's enum), with the arguments after the database (and
    after the acting employee, who is always you). Writes need a recent password (POST
    /api/v1/sessions/reauth). The answer: `{"result": …}`; an export answers the file's text
    (text/csv) with its row count in the X-Call-Result header. An error answer's `error.detail`
    names the domain error's class and holds what it carries (an import's report…)."""
    call = _known(name)
    try:
        return _call(call, who, body)
    except CRMError as error:
        return _error(error)


def _call(call: Call, who: Any, body: CallBody) -> Response:
    args, kwargs = wire.decode_arguments(call.function, call.skip, body.args, body.kwargs, call.kept)
    call.check_choices(args, kwargs)
    if call.is_write(kwargs):
        writer(who)  # 403 password_confirmation_required when the password is not recent
    if call.server_now:
        kwargs["now"] = who.now()
    spool = None
    if call.stream is not None:
        spool = tempfile.SpooledTemporaryFile(SPOOL_MAX, mode="w+", encoding="utf-8", newline="")
        kwargs[call.stream] = spool
    lead = [] if call.kind == "run" else [who.employee]
    try:
        inspect.signature(call.function).bind(None, *lead, *args, **kwargs)
    except TypeError as error:
        raise wire.WireError(_("{name}: {error}.").format(name=call.name, error=error)) from None
    try:
        if call.kind == "run":
            result = who.run(call.function, *args, **kwargs)
        else:
            result = who.act(call.function, *args, **kwargs)
    except BaseException:
        if spool is not None:
            spool.close()
        raise
    if spool is not None:
        return StreamingResponse(
            _chunks(spool),
            media_type="text/csv; charset=utf-8",
            headers={"Cache-Control": "no-store", RESULT_HEADER: json.dumps(wire.encode(result))},
        )
    return JSONResponse({"result": wire.encode(result)}, headers={"Cache-Control": "no-store"})
