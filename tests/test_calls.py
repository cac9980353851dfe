"""Team mode's service calls: the whitelist covers exactly what the faces call (a static scan of
crm/ui and crm/cli), and the wire format round-trips every argument and result of those calls with
the real models (hypothesis), decoding strictly by the functions' type hints."""

from __future__ import annotations

import ast
import dataclasses
import json
import sys
import types
import typing
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm import models
from crm.services import calls, clients, contracts, employees, events, exports, wire
from crm.services.calls import CALLS, LOCAL_ONLY
from crm.services.wire import WireError

CRM = Path(__file__).resolve().parent.parent / "crm"
FACES = sorted((CRM / "ui").glob("*.py")) + sorted((CRM / "cli").glob("*.py"))
METHODS = {"run", "act", "pages", "pages_as", "ask_record"}
# Calls of these names that are not service calls through a backend (checked by where they are).
NOT_SERVICE_CALLS = {
    ("session.py", "fn"),  # Session.run / act themselves pass the face's function on
    ("session.py", "get"),  # Session.ask_record's function, itself called with one (scanned)
    ("menu.py", "session"),  # MenuAction.run(session)
    ("serve.py", "build_app(config, app_conninfo(config, socket_dir))"),  # uvicorn.run(app)
    ("serve.py", "'crm.cli.serve:worker_app'"),  # uvicorn.run("module:app")
}


def _imports(tree: ast.AST) -> dict[str, str]:
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name] = alias.name
    return names


def _assigned(function: ast.AST | None, name: str) -> list[ast.expr]:
    """What a local name is assigned in the enclosing function."""
    found: list[ast.expr] = []
    for node in ast.walk(function) if function is not None else ():
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            found.append(node.value)
    return found


def _resolve(expr: ast.expr, names: dict[str, str], function: ast.AST | None) -> list[str] | None:
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id in names:
        return [f"{names[expr.value.id]}.{expr.attr}"]
    if isinstance(expr, ast.Name) and expr.id in names:
        return [names[expr.id]]
    if isinstance(expr, ast.Name):
        values = _assigned(function, expr.id)
        if not values:
            return None
        resolved: list[str] = []
        for value in values:
            parts = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
            for part in parts:
                one = _resolve(part, names, None)
                if one is None:
                    return None
                resolved += one
        return resolved
    return None


def face_calls() -> dict[tuple[str, str], list[str]]:
    """(full name of the function, how it is called: run / act) → where, for every service call of
    crm/ui and crm/cli through a session or a backend."""
    found: dict[tuple[str, str], list[str]] = {}
    unresolved = []
    for path in FACES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _imports(tree)
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            method = node.func.attr
            if method not in METHODS:
                continue
            receiver = ast.unparse(node.func.value)
            index = {"ask_record": 2}.get(method, 1 if method == "act" and "backend" in receiver else 0)
            if len(node.args) <= index:
                unresolved.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
                continue
            expr = node.args[index]
            enclosing = next(
                (f for f in functions if f.lineno <= node.lineno <= (f.end_lineno or f.lineno)), None
            )
            resolved = _resolve(expr, names, enclosing)
            if resolved is None:
                if (path.name, ast.unparse(expr)) not in NOT_SERVICE_CALLS:
                    unresolved.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
                continue
            kind = "act" if method in ("act", "pages_as") else "run"
            for name in resolved:
                if name.startswith("crm.services."):
                    found.setdefault((name, kind), []).append(f"{path.parent.name}/{path.name}:{node.lineno}")
    assert not unresolved, f"service calls the scan cannot name: {unresolved}"
    return found


def full_name(fn) -> str:
    return f"{fn.__module__}.{fn.__name__}"


def test_every_service_call_of_the_faces_is_whitelisted_with_its_kind():
    found = face_calls()
    assert len(found) > 80
    whitelisted = {full_name(call.function): call for call in CALLS.values()}
    local = {full_name(fn) for fn in LOCAL_ONLY}
    known = set(whitelisted) | local
    missing = sorted(
        f"{name} ({', '.join(where)})" for (name, _), where in found.items() if name not in known
    )
    assert not missing, f"faces call functions crm/services/calls.py does not list: {missing}"
    wrong_kind = sorted(
        f"{name} called with {kind} at {where[0]}, listed as {whitelisted[name].kind}"
        for (name, kind), where in found.items()
        if name in whitelisted and whitelisted[name].kind != kind
    )
    assert not wrong_kind


def test_the_whitelist_lists_nothing_the_faces_do_not_call():
    called = {name for name, _ in face_calls()}
    unused = sorted(name for name in (full_name(c.function) for c in CALLS.values()) if name not in called)
    assert not unused, f"whitelisted but called by no face: {unused}"
    assert not {full_name(fn) for fn in LOCAL_ONLY} - called


def test_the_scan_finds_a_call_the_whitelist_lacks(tmp_path, monkeypatch):
    face = tmp_path / "ui"
    face.mkdir()
    (face / "odd.py").write_text(
        "from crm.services import sessions\n\ndef f(session):\n    session.run(sessions.end, 'token')\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "FACES", [face / "odd.py"])
    assert ("crm.services.sessions.end", "run") in face_calls()
    assert "crm.services.sessions.end" not in {full_name(c.function) for c in CALLS.values()}


def test_writes_are_the_calls_the_faces_ask_the_password_for():
    writes = {name for name, call in CALLS.items() if call.writes}
    assert {"clients.create_client", "contracts.record_payment", "employees.deactivate_employee"} <= writes
    assert not {"clients.get_client", "exports.export_csv", "notifications.mark_read"} & writes
    assert CALLS["client_imports.import_clients"].is_write({"dry_run": True}) is False
    assert CALLS["client_imports.import_clients"].is_write({}) is True
    with pytest.raises(calls.NotRemote, match="mail send"):
        calls.call_for(next(iter(LOCAL_ONLY)))


def test_no_call_takes_a_file_name_of_the_server():
    """A call never names a file: parameters that look like one do not exist, and the one that
    writes a file's text gets the server's own spool (its stream), never sent by the client."""
    for call in CALLS.values():
        hints = wire.hints_of(call.function)
        for name in [p.name for p in wire.parameters(call.function, call.skip)]:
            assert name not in ("path", "file", "filename", "folder", "target"), call.name
            assert hints.get(name) is not Path, call.name
    assert CALLS["exports.export_csv"].kept >= {"stream", "progress", "now"}


# The wire format: strategies from the type hints ----------------------------------------------------

# Fixed offsets: an aware datetime in a zone with summer time compares unequal to the same instant
# at a fixed offset when it falls in the hour that happens twice (PEP 495); such zones are checked
# by instant below (test_a_moment_keeps_its_instant_in_any_zone).
ZONES = [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]
TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=12)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


def strategy(hint: Any, *, argument: bool = False) -> st.SearchStrategy:  # noqa: C901, PLR0911, PLR0912
    """Values of a type hint; an unsupported hint fails the test (the wire format would refuse it)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint in (Any, object):  # an argument: one JSON scalar (the service checks it)
        return (st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | TEXT) if argument else JSON
    if hint is type(None) or hint is None:
        return st.none()
    if origin in (typing.Union, types.UnionType):
        return st.one_of([strategy(a, argument=argument) for a in args])
    if origin is Literal:
        return st.sampled_from(args)
    if hint is bool:
        return st.booleans()
    if hint is int:
        return st.integers(-(2**63), 2**63 - 1)
    if hint is float:
        return st.floats(allow_nan=False, allow_infinity=False)
    if hint is str:
        return TEXT
    if hint is Decimal:
        return st.decimals(allow_nan=False, allow_infinity=False, places=2)
    if hint is datetime:
        return st.datetimes(
            min_value=datetime(1900, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.sampled_from(ZONES)
        )
    if hint is date:
        return st.dates()
    if hint is bytes:
        return st.binary(max_size=64)
    if hint is tzinfo:
        return st.sampled_from([ZoneInfo("Europe/Paris"), ZoneInfo("UTC"), ZoneInfo("America/New_York")])
    if hint is type:
        return st.sampled_from(sorted(wire.RECORD_TYPES.values(), key=lambda t: t.__name__))
    if isinstance(hint, type) and issubclass(hint, Enum):
        return st.sampled_from(list(hint))
    if origin in (list, Sequence):
        return st.lists(strategy(args[0], argument=argument), max_size=3)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(strategy(args[0], argument=argument), max_size=3).map(tuple)
        return st.tuples(*[strategy(a, argument=argument) for a in args])
    if origin in (dict, Mapping):
        return st.dictionaries(TEXT, strategy(args[1], argument=argument), max_size=3)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        fields = {
            f.name: strategy(hints[f.name], argument=argument) for f in dataclasses.fields(hint) if f.init
        }
        return st.builds(hint, **fields)
    raise AssertionError(f"the wire format has no way to send {hint!r}")


def argument_values(name: str, hint: Any) -> st.SearchStrategy:
    if name in wire.BOUNDS:
        return st.integers(*wire.BOUNDS[name])
    if hint in (Any, object):  # raw input: an amount arrives a Decimal (wire.DECIMAL_TAG)
        return strategy(hint, argument=True) | st.decimals(allow_nan=False, allow_infinity=False, places=2)
    return strategy(hint, argument=True)


def through_json(value: Any) -> Any:
    return json.loads(json.dumps(value, allow_nan=False))


def sent_parameters(call) -> list[str]:
    return [p.name for p in wire.parameters(call.function, call.skip) if p.name not in call.kept]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_call_has_arguments_and_a_result_the_wire_format_sends(name):
    call = CALLS[name]
    hints = wire.hints_of(call.function)
    for parameter in sent_parameters(call):
        strategy(hints.get(parameter, Any), argument=True)
    strategy(hints.get("return", Any))


SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_arguments_and_results_round_trip(name):
    call = CALLS[name]
    hints = wire.hints_of(call.function)
    names = sent_parameters(call)
    arguments = st.fixed_dictionaries(
        {
            n: st.integers(*wire.BOUNDS[n])
            if n in wire.BOUNDS
            else strategy(hints.get(n, Any), argument=True)
            for n in names
        }
    )
    parameters = wire.parameters(call.function, call.skip)
    can_be_positional = {p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD}
    if any(p.name in call.kept and p.kind is p.POSITIONAL_OR_KEYWORD for p in parameters):
        can_be_positional = {
            p.name
            for p in parameters[
                : [p.name for p in parameters].index(
                    min(
                        (p.name for p in parameters if p.name in call.kept),
                        key=[q.name for q in parameters].index,
                    )
                )
            ]
        }

    @given(values=arguments, result=strategy(hints.get("return", Any)), by_name=st.booleans())
    @SETTINGS
    def round_trip(values, result, by_name):
        positional = [] if by_name else [values[n] for n in names if n in can_be_positional]
        named = values if by_name else {n: v for n, v in values.items() if n not in can_be_positional}
        body = through_json(
            wire.encode_arguments(call.function, call.skip, tuple(positional), named, call.kept)
        )
        args, kwargs = wire.decode_arguments(
            call.function, call.skip, body["args"], body["kwargs"], call.kept
        )
        assert dict(zip([n for n in names if n in can_be_positional], args, strict=False)) | kwargs == values
        assert wire.decode_result(call.function, through_json(wire.encode(result))) == result

    round_trip()


@given(strategy(models.Event))
@SETTINGS
def test_a_model_round_trips_field_for_field(event):
    again = wire.decode(models.Event, through_json(wire.encode(event)))
    assert again == event and type(again.starts_at) is datetime


@given(st.datetimes(timezones=st.sampled_from([ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")])))
@SETTINGS
def test_a_moment_keeps_its_instant_in_any_zone(moment):
    again = wire.decode(datetime, through_json(wire.encode(moment)))
    assert again.utcoffset() == moment.utcoffset()
    assert again.astimezone(UTC) == moment.astimezone(UTC)


# Strict decoding: anything else is refused, one line ------------------------------------------------


@pytest.mark.parametrize(
    ("hint", "value"),
    [
        (int, "3"),
        (int, 3.0),
        (int, True),
        (int, 2**63),
        (bool, 1),
        (str, 3),
        (Decimal, 3),
        (Decimal, "NaN"),
        (Decimal, "Infinity"),
        (Decimal, "12,50"),
        (datetime, "2027-06-04T13:00:00"),  # no offset
        (datetime, "tomorrow"),
        (date, "2027-06-04T13:00:00+02:00"),
        (models.Team, "admins"),
        (int | None, "x"),
        (list[int], {"0": 1}),
        (tuple[int, int], [1, 2, 3]),
        (dict[str, int], [1]),
        (bytes, "not base64!"),
        (type, "os.system"),
        (type, "__import__('os')"),
        (tzinfo, "../../etc/passwd"),
        (models.ClientFields, {"full_name": "A", "email": "a@b.c", "phone": None}),  # missing
        (
            models.ClientFields,
            {"full_name": "A", "email": "a@b.c", "phone": None, "company_name": "C", "x": 1},
        ),
        (models.ClientFields, ["A", "a@b.c", None, "C"]),
        (set[int], [1]),
        (Path, "/etc/passwd"),
    ],
)
def test_what_does_not_match_the_hint_is_refused(hint, value):
    with pytest.raises(WireError) as refused:
        wire.decode(hint, value, "x")
    assert "\n" not in str(refused.value) and isinstance(refused.value, wire.ValidationError)


def test_an_argument_never_holds_nul_or_nested_raw_data():
    with pytest.raises(WireError):
        wire.decode_arguments(clients.search_clients, 1, ["a\x00b", 0, 10], {})
    with pytest.raises(WireError):  # raw input (object) is one scalar
        wire.decode_arguments(contracts.record_payment, 2, [1, {"__class__": "x"}], {})
    args, _ = wire.decode_arguments(contracts.record_payment, 2, [1, {wire.DECIMAL_TAG: "12.50"}], {})
    assert args == [1, Decimal("12.50")]


def test_calls_are_refused_what_their_function_does_not_take():
    with pytest.raises(WireError, match="takes no argument actor"):
        wire.decode_arguments(clients.create_client, 2, [], {"actor": {}})
    with pytest.raises(WireError, match="takes at most"):
        wire.decode_arguments(clients.get_client, 1, [1, 2], {})
    with pytest.raises(WireError, match="now"):
        wire.decode_arguments(
            events.my_events, 2, [], {"now": "2027-01-01T00:00:00+00:00"}, frozenset({"now"})
        )
    with pytest.raises(WireError, match="offset"):
        wire.decode_arguments(clients.list_clients, 1, [-1, 10], {})
    with pytest.raises(WireError, match="stream"):
        wire.decode_arguments(
            exports.export_csv, 2, [], {"stream": "/etc/passwd"}, CALLS["exports.export_csv"].kept
        )


def test_errors_come_back_as_their_class_with_what_they_carry():
    needed = employees.ReassignmentNeeded.__new__(employees.ReassignmentNeeded)
    Exception.__init__(needed, "Bill still has 1 client to reassign.")
    needed.reassignments = employees.Reassignments()
    for error in (needed, wire.StaleRecord(), wire.NotFound("No client with id 9.")):
        detail = through_json(wire.error_detail(error))
        again = wire.error_from("x", str(error), "email", detail)
        assert type(again) is type(error) and str(again) == str(error) and again.field == "email"
    ended = wire.error_from("session_deactivated", "Your account has been deactivated.", None, None)
    assert isinstance(ended, wire.SessionEnded) and ended.reason == "deactivated"
    assert type(wire.error_from("stale_version", "Changed.", None, None)) is wire.StaleRecord
    assert type(wire.error_from("something_new", "Refused.", None, None)) is wire.CRMError
