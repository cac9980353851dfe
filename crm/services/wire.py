"""Service calls over HTTP: arguments and results as JSON, and back, decoded strictly by type hints.

Encoding is crm.services.jsonable's (Decimal as text, timestamps ISO 8601 with their offset,
dataclasses as objects, enums as their value), plus bytes as base64 text, a record type by its
name and a time zone by its IANA name. Decoding never guesses: the value must be what the
service function's own type hints (typing.get_type_hints) say — int, str, bool, Decimal,
datetime (with its offset), date, enums, Optional / unions with None, lists and tuples,
Mapping[str, X], Literal, bytes, the program's dataclasses (field by field, recursively) — and
anything else is refused with a one-line WireError (a ValidationError: HTTP 400). Nothing is
ever evaluated or unpickled.

Errors that carry data for the face (an import's report, the reassignments a deactivation needs,
a lock's end, a time that happens twice) travel as `error_detail` / `error_from`.
"""

from __future__ import annotations

import base64
import binascii
import collections.abc
import dataclasses
import functools
import inspect
import types
import typing
import zoneinfo
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from crm import models
from crm.errors import (
    AmbiguousMoment,
    AuthenticationError,
    CRMError,
    DatabaseUnavailable,
    NotFound,
    PermissionDenied,
    StaleRecord,
    ValidationError,
)
from crm.services.auth import AccountDeactivated, AccountLocked
from crm.services.client_imports import ImportRefused
from crm.services.employees import ReassignmentNeeded, Reassignments
from crm.services.jsonable import jsonable
from crm.services.sessions import SessionEnded

__all__ = [
    "WireError",
    "decode",
    "decode_arguments",
    "decode_result",
    "encode",
    "encode_arguments",
    "error_detail",
    "error_from",
]

INT_MIN, INT_MAX = -(2**63), 2**63 - 1  # ids and counts are bigint at most
DEPTH_MAX = 32  # nested lists / objects in one value
DECIMAL_TAG = "$decimal"  # an amount given to a parameter that takes raw input: {"$decimal": "12.50"}

# The record types a call may name (exports.record_listing takes one): the models' dataclasses.
RECORD_TYPES: dict[str, type] = {
    name: value
    for name, value in vars(models).items()
    if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == models.__name__
}


class WireError(ValidationError):
    """A call's arguments (or result) that do not match the service function's type hints."""


# Encoding ------------------------------------------------------------------------------------------


def encode(value: Any) -> Any:
    """A value as JSON holds it (crm.services.jsonable, plus bytes, record types, time zones)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, type):
        if RECORD_TYPES.get(value.__name__) is not value:
            raise WireError(f"{value.__name__} cannot be sent in a call.")
        return value.__name__
    if isinstance(value, tzinfo):
        key = getattr(value, "key", None)
        if key is None:
            raise WireError("Only a named time zone (Europe/Paris) can be sent in a call.")
        return key
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, float):
        return value
    if value is None or isinstance(value, bool | int | str | Enum | Decimal | date):
        return jsonable(value)
    raise WireError(f"A {type(value).__name__} cannot be sent in a call.")


# Decoding ------------------------------------------------------------------------------------------


def _refuse(where: str, expected: str) -> WireError:
    return WireError(f"{where}: expected {expected}.")


def _is_json(value: Any, depth: int = 0) -> bool:
    if depth > DEPTH_MAX:
        return False
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, list):
        return all(_is_json(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v, depth + 1) for k, v in value.items())
    return False


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@functools.cache
def _field_hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def decode(hint: Any, value: Any, where: str = "value", depth: int = 0, *, argument: bool = False) -> Any:
    """`value` (parsed JSON) as the type `hint` says; WireError (one line) when it is not that.

    argument: a value a client sent (Any / object there is one JSON scalar: the services that take
    raw input check text, numbers and None, never nested data; text never holds NUL)."""
    return _decode(hint, value, where, depth, argument)


def _decode(hint: Any, value: Any, where: str, depth: int, argument: bool) -> Any:  # noqa: C901, PLR0911, PLR0912
    if depth > DEPTH_MAX:
        raise WireError(f"{where}: nested too deeply.")
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any or hint is object:  # a service that takes raw input checks it itself
        if argument and isinstance(value, dict) and set(value) == {DECIMAL_TAG}:
            return _decode(Decimal, value[DECIMAL_TAG], where, depth, argument)
        if argument and not (value is None or isinstance(value, bool | int | str)):
            raise _refuse(where, "text, a number or null")
        if argument and isinstance(value, str) and "\x00" in value:
            raise _refuse(where, "text without NUL")
        if not _is_json(value):
            raise _refuse(where, "a JSON value")
        return value
    if hint is None or hint is type(None):
        if value is not None:
            raise _refuse(where, "null")
        return None
    if origin is typing.Union or origin is types.UnionType:
        if value is None and type(None) in args:
            return None
        for option in args:
            if option is type(None):
                continue
            try:
                return _decode(option, value, where, depth, argument)
            except WireError:
                continue
        raise _refuse(where, " or ".join(_name(a) for a in args))
    if origin is typing.Literal:
        if not any(value == a and type(value) is type(a) for a in args):
            raise _refuse(where, "one of " + ", ".join(repr(a) for a in args))
        return value
    if origin is typing.Annotated:
        return _decode(args[0], value, where, depth, argument)
    if hint is bool:
        if not isinstance(value, bool):
            raise _refuse(where, "true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int) or not INT_MIN <= value <= INT_MAX:
            raise _refuse(where, "a whole number")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _refuse(where, "a number")
        return float(value)
    if hint is str:
        if not isinstance(value, str) or (argument and "\x00" in value):
            raise _refuse(where, "text")
        return value
    if hint is Decimal:
        if not isinstance(value, str) or len(value) > 64:
            raise _refuse(where, 'an amount as text ("999.75")')
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise _refuse(where, 'an amount as text ("999.75")') from None
        if not number.is_finite():
            raise _refuse(where, "a finite amount")
        return number
    if hint is datetime:
        if not isinstance(value, str) or len(value) > 64:
            raise _refuse(where, "an ISO 8601 date-time with its offset")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise _refuse(where, "an ISO 8601 date-time with its offset") from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise _refuse(where, "an ISO 8601 date-time with its offset")
        return moment
    if hint is date:
        if not isinstance(value, str) or len(value) != 10:
            raise _refuse(where, "a day (YYYY-MM-DD)")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise _refuse(where, "a day (YYYY-MM-DD)") from None
    if hint is bytes:
        if not isinstance(value, str):
            raise _refuse(where, "base64 text")
        try:
            return base64.b64decode(value.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise _refuse(where, "base64 text") from None
    if hint is tzinfo:
        if not isinstance(value, str) or value not in _zones():
            raise _refuse(where, "a time zone name (Europe/Paris)")
        return zoneinfo.ZoneInfo(value)
    if hint is type:
        if not isinstance(value, str) or value not in RECORD_TYPES:
            raise _refuse(where, "the name of a record type")
        return RECORD_TYPES[value]
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(value)
        except ValueError:
            raise _refuse(where, "one of " + ", ".join(str(m.value) for m in hint)) from None
    if origin in (list, collections.abc.Sequence, collections.abc.Iterable, tuple):
        if not isinstance(value, list):
            raise _refuse(where, "a list")
        if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            if len(value) != len(args):
                raise _refuse(where, f"a list of {len(args)}")
            return tuple(
                _decode(a, v, f"{where}[{i}]", depth + 1, argument)
                for i, (a, v) in enumerate(zip(args, value, strict=True))
            )
        item = args[0] if args else Any
        items = [_decode(item, v, f"{where}[{i}]", depth + 1, argument) for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin in (dict, collections.abc.Mapping):
        if not isinstance(value, dict):
            raise _refuse(where, "an object")
        key_hint, value_hint = args if args else (str, Any)
        if key_hint is not str:
            raise WireError(f"{where}: only text keys can be sent.")
        return {k: _decode(value_hint, v, f"{where}.{k}", depth + 1, argument) for k, v in value.items()}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _decode_dataclass(hint, value, where, depth, argument)
    raise WireError(f"{where}: a {_name(hint)} cannot be sent in a call.")


def _decode_dataclass(cls: type, value: Any, where: str, depth: int, argument: bool) -> Any:
    if not isinstance(value, dict):
        raise _refuse(where, f"a {cls.__name__} (an object)")
    hints = _field_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise WireError(f"{where}: {cls.__name__} has no field {unknown[0]}.")
    kwargs = {}
    for name, field in fields.items():
        if name in value:
            kwargs[name] = _decode(hints[name], value[name], f"{where}.{name}", depth + 1, argument)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise WireError(f"{where}: {cls.__name__}.{name} is missing.")
    return cls(**kwargs)


def _name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


# A function's arguments and result -------------------------------------------------------------------


def parameters(fn: Callable[..., Any], skip: int) -> list[inspect.Parameter]:
    """The parameters a call sends: all but the first `skip` (db, and the actor of an act)."""
    return list(inspect.signature(fn).parameters.values())[skip:]


@functools.cache
def hints_of(fn: Callable[..., Any]) -> dict[str, Any]:
    return typing.get_type_hints(fn)


def encode_arguments(
    fn: Callable[..., Any], skip: int, args: tuple[Any, ...], kwargs: dict[str, Any], kept: frozenset[str]
) -> dict[str, Any]:
    """{"args": [...], "kwargs": {...}} of a call, the `kept` parameters (kept by the face) left out."""
    signature = inspect.signature(fn)
    placeholders = [None] * skip
    try:
        signature.bind_partial(*placeholders, *args, **kwargs)
    except TypeError as error:
        raise WireError(f"{fn.__name__}: {error}.") from None
    names = [p.name for p in signature.parameters.values()][skip:]
    hints = hints_of(fn)

    def sent(name: str, value: Any) -> Any:
        return encode_raw(value) if hints.get(name, Any) in (Any, object) else encode(value)

    positional = list(zip(names, args, strict=False))
    if any(name in kept for name, _ in positional):  # a kept parameter given positionally: by name
        kwargs, positional = dict(positional) | kwargs, []
    return {
        "args": [sent(name, value) for name, value in positional],
        "kwargs": {name: sent(name, value) for name, value in kwargs.items() if name not in kept},
    }


def encode_raw(value: Any) -> Any:
    """A value for a parameter that takes raw input (hint object / Any: the service checks it):
    a JSON scalar as it is, an amount tagged (DECIMAL_TAG) so that it arrives a Decimal."""
    if isinstance(value, Decimal):
        return {DECIMAL_TAG: format(value, "f")}
    return encode(value)


def decode_arguments(
    fn: Callable[..., Any], skip: int, args: Any, kwargs: Any, refused: frozenset[str] = frozenset()
) -> tuple[list[Any], dict[str, Any]]:
    """The arguments of a call, each decoded by the function's hint for its parameter; unknown or
    `refused` parameters (those the server sets, or the face keeps) are refused."""
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise WireError('A call\'s body: {"args": [...], "kwargs": {...}}.')
    hints = hints_of(fn)
    params = parameters(fn, skip)
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(args) > len(positional):
        raise WireError(f"{fn.__name__} takes at most {len(positional)} arguments.")
    by_name = {p.name: p for p in params if p.kind is not p.POSITIONAL_ONLY}
    decoded_args = []
    for param, value in zip(positional, args, strict=False):
        if param.name in refused:
            raise WireError(f"{param.name}: not an argument a call sends.")
        decoded_args.append(_argument(hints.get(param.name, Any), value, param.name))
    decoded_kwargs = {}
    for name, value in kwargs.items():
        known = by_name.get(name)
        if known is None or name in refused or known.kind in (known.VAR_POSITIONAL, known.VAR_KEYWORD):
            raise WireError(f"{fn.__name__} takes no argument {name}.")
        if any(p.name == name for p in positional[: len(args)]):
            raise WireError(f"{name}: given twice.")
        decoded_kwargs[name] = _argument(hints.get(name, Any), value, name)
    return decoded_args, decoded_kwargs


# Bounds of the paging parameters every list service takes (the REST API's own are tighter).
BOUNDS = {"offset": (0, 10**9), "limit": (0, 1000)}


def _argument(hint: Any, value: Any, name: str) -> Any:
    decoded = decode(hint, value, name, argument=True)
    low, high = BOUNDS.get(name, (None, None))
    if isinstance(decoded, int) and low is not None and high is not None and not low <= decoded <= high:
        raise WireError(f"{name}: expected a whole number from {low} to {high}.")
    return decoded


def decode_result(fn: Callable[..., Any], value: Any) -> Any:
    """A call's result, decoded by the function's return annotation."""
    return decode(hints_of(fn).get("return", Any), value, "result")


# Errors that carry data -------------------------------------------------------------------------------

# class → (its attribute the face reads, that attribute's type).
CARRIED: dict[type[CRMError], tuple[str, Any]] = {
    ImportRefused: ("report", models.ImportReport),
    ReassignmentNeeded: ("reassignments", Reassignments),
    AccountLocked: ("until", datetime),
    AmbiguousMoment: ("occurrences", tuple[datetime, datetime]),
    SessionEnded: ("reason", str),
}
# The classes an error answer may name, most specific first; anything else by its HTTP code.
ERROR_CLASSES: dict[str, type[CRMError]] = {
    cls.__name__: cls
    for cls in (
        *CARRIED,
        AccountDeactivated,
        WireError,
        StaleRecord,
        NotFound,
        PermissionDenied,
        DatabaseUnavailable,
        AuthenticationError,
        ValidationError,
        CRMError,
    )
}
BY_CODE: dict[str, type[CRMError]] = {
    "permission_denied": PermissionDenied,
    "not_found": NotFound,
    "stale_version": StaleRecord,
    "reassignment_needed": ReassignmentNeeded,
    "database_unavailable": DatabaseUnavailable,
    "invalid": ValidationError,
    "invalid_request": ValidationError,
    "account_locked": AccountLocked,
    "authentication_failed": AuthenticationError,
    "not_logged_in": AuthenticationError,
}


def error_detail(error: CRMError) -> dict[str, Any] | None:
    """What a call's error answer adds for the face: the error's class (the nearest one a face
    knows) and the data it carries."""
    cls = next((c for c in ERROR_CLASSES.values() if isinstance(error, c)), None)
    if cls is None:
        return None
    detail: dict[str, Any] = {"class": cls.__name__}
    carried = CARRIED.get(cls)
    if carried is not None:
        detail[carried[0]] = encode(getattr(error, carried[0], None))
    return detail


def _made(cls: type[CRMError], message: str, attributes: dict[str, Any]) -> CRMError:
    """An error of `cls` with the server's message and these attributes (its own __init__, which
    composes its message, is not run)."""
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(attributes)
    return error


def error_from(code: str, message: str, field: str | None, detail: Any) -> CRMError:
    """The domain error an error answer stands for: the same class, message and field."""
    attributes: dict[str, Any] = {"field": field}
    cls: type[CRMError] | None = None
    if isinstance(detail, dict) and detail.get("class") in ERROR_CLASSES:
        cls = ERROR_CLASSES[detail["class"]]
        carried = CARRIED.get(cls)
        if carried is not None:
            name, hint = carried
            try:
                attributes[name] = decode(hint, detail.get(name), name)
            except WireError:
                cls = None
    if cls is None and code.startswith("session_"):
        cls, attributes["reason"] = SessionEnded, code.removeprefix("session_")
    if cls is None:
        cls = BY_CODE.get(code, CRMError)
        if cls is ReassignmentNeeded or cls is AccountLocked:  # without their data: the base class
            cls = CRMError if cls is ReassignmentNeeded else AuthenticationError
    return _made(cls, message, attributes)
