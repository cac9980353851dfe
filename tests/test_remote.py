"""Team mode's transport end to end: POST /api/v1/calls/{name} (crm/web/calls.py) and RemoteBackend
(crm/services/remote.py) against a live API server on the module's database — the same dataclasses
and the same domain errors and one-line messages as the direct transport, the caller as the actor,
writes after a recent password, files written on the employee's side only, TLS checked, and a
constant number of HTTP calls a screen."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from crm import i18n
from crm.errors import (
    AuthenticationError,
    CRMError,
    DatabaseUnavailable,
    NotFound,
    PermissionDenied,
    ServerUnavailable,
    StaleRecord,
    ValidationError,
)
from crm.models import ClientFields, EmployeeFields, EventFields, ExportRequest, Team
from crm.services import calls, client_imports, clients, contracts, employees, events, exports, sessions, wire
from crm.services.backend import DirectBackend
from crm.services.remote import RemoteBackend
from crm.services.sessions import SessionEnded
from crm.ui.clients import clients_section
from crm.ui.csvfiles import export_list
from crm.ui.menu import Outcome, run_team_menu
from tests.api import API, free_port, login
from tests.conftest import empty_tables
from tests.factories import DEFAULT_PASSWORD, make_client, make_contract, make_event, make_staff
from tests.scripted import Clock, ScriptedPrompts
from tests.tlsserver import make_certificates

CALLS = f"{API}/calls"


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "sam", "kate")


@pytest.fixture
def server(remote_api, admin_conn):
    """The live server on empty tables, its clock the real one."""
    remote_api.clock.clock = None
    remote_api.app.state.password_limit._hits.clear()
    return remote_api


def logged_in(server, username: str) -> RemoteBackend:
    backend = server.backend()
    backend.log_in(username, DEFAULT_PASSWORD)
    return backend


def error_of(answer) -> tuple[int, str, str]:
    """(status, code, message) of a call's error answer: the API's shape, and the error's class in
    error.detail."""
    error = answer.json()["error"]
    assert set(answer.json()) == {"error"} and set(error) <= {
        "code",
        "message",
        "field",
        "reference",
        "detail",
    }
    assert "\n" not in error["message"]
    return answer.status_code, error["code"], error["message"]


def body(*args, **kwargs):
    return {"args": list(args), "kwargs": kwargs}


# The router -------------------------------------------------------------------------------------------


def test_a_call_answers_the_service_result_in_the_wire_format(api, db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["bill"].id)
    answer = api.post(f"{CALLS}/clients.get_client", json=body(client_id), headers=login(api, "kate"))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"result": wire.encode(clients.get_client(db, client_id))}
    assert answer.headers["cache-control"] == "no-store"


def test_unknown_calls_and_callers_without_a_session_are_refused(api, staff):
    headers = login(api, "bill")
    assert error_of(api.post(f"{CALLS}/sessions.end", json=body("x"), headers=headers))[:2] == (
        404,
        "not_found",
    )
    assert error_of(api.post(f"{CALLS}/os.system", json=body("id"), headers=headers))[:2] == (
        404,
        "not_found",
    )
    assert error_of(api.post(f"{CALLS}/clients.list_clients", json=body(0, 10)))[:2] == (401, "not_logged_in")


def test_an_act_acts_as_the_caller_whatever_the_body_says(api, admin_conn, staff):
    headers = login(api, "bill")
    fields = wire.encode(ClientFields("Kevin Casey", "kevin@startup.io", None, "Cool Startup"))
    forged = wire.encode(staff["sam"])
    status, _code, message = error_of(
        api.post(f"{CALLS}/clients.create_client", json=body(fields, actor=forged), headers=headers)
    )
    assert (status, message) == (400, "create_client takes no argument actor.")
    refused = api.post(f"{CALLS}/clients.create_client", json=body(forged, fields), headers=headers)
    assert refused.status_code == 400  # one argument too many: an actor cannot be slipped in first
    answer = api.post(f"{CALLS}/clients.create_client", json=body(fields), headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"]["sales_contact_id"] == staff["bill"].id
    actors = admin_conn.execute("SELECT DISTINCT employee_id FROM audit_log WHERE table_name = 'clients'")
    assert actors.fetchall() == [(staff["bill"].id,)]


def test_writes_need_a_recent_password_reads_and_dry_runs_do_not(api, api_clock, admin_conn, staff):
    headers = login(api, "bill")
    api_clock.advance(minutes=6)  # past the 5-minute reauth window of the login
    fields = wire.encode(ClientFields("Kevin Casey", "kevin@startup.io", None, "Cool Startup"))
    status, code, _ = error_of(api.post(f"{CALLS}/clients.create_client", json=body(fields), headers=headers))
    assert (status, code) == (403, "password_confirmation_required")
    assert api.post(f"{CALLS}/clients.list_clients", json=body(0, 10), headers=headers).status_code == 200
    data = wire.encode(b"full_name,email,phone,company_name\r\nAnn Lee,ann@x.test,,Acme\r\n")
    dry = api.post(f"{CALLS}/client_imports.import_clients", json=body(data, dry_run=True), headers=headers)
    assert dry.status_code == 200 and dry.json()["result"]["created"] == 1
    assert (
        api.post(f"{CALLS}/client_imports.import_clients", json=body(data), headers=headers).status_code
        == 403
    )
    reauth = api.post(f"{API}/sessions/reauth", json={"password": DEFAULT_PASSWORD}, headers=headers)
    assert reauth.status_code == 200
    assert api.post(f"{CALLS}/clients.create_client", json=body(fields), headers=headers).status_code == 200
    assert admin_conn.execute("SELECT count(*) FROM clients").fetchone() == (1,)


def test_the_server_sets_now_and_never_takes_a_stream_or_a_path(api, staff):
    headers = login(api, "kate")
    now = "2020-01-01T00:00:00+00:00"
    status, _, message = error_of(
        api.post(f"{CALLS}/events.my_events", json=body(0, 10, now=now), headers=headers)
    )
    assert status == 400 and "now" in message
    request = wire.encode(ExportRequest("clients"))
    for sneaked in ({"stream": "/tmp/x.csv"}, {"progress": "print"}):
        answer = api.post(f"{CALLS}/exports.export_csv", json=body(request, **sneaked), headers=headers)
        assert error_of(answer)[0] == 400


def test_an_export_call_answers_the_file_text_and_is_recorded(api, admin_conn, staff):
    make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    headers = login(api, "bill")
    request = wire.encode(ExportRequest("clients", mine=True))
    answer = api.post(f"{CALLS}/exports.export_csv", json=body(request, face="menus"), headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["x-call-result"] == "1"
    assert answer.text.splitlines()[0] == ",".join(exports.columns("clients"))
    assert admin_conn.execute("SELECT employee_id, kind, row_count, face FROM exports").fetchall() == [
        (staff["bill"].id, "clients", 1, "menus")
    ]


def test_the_openapi_document_names_every_call(api):
    document = api.get(f"{API}/openapi.json").json()
    operation = document["paths"][f"{CALLS}/{{name}}"]["post"]
    (name,) = [p for p in operation["parameters"] if p["name"] == "name"]
    assert name["schema"]["enum"] == sorted(calls.CALLS)
    assert "error.detail" in operation["description"]
    assert operation["responses"]["403"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }


# RemoteBackend: the same answers as DirectBackend ------------------------------------------------------


def test_log_in_current_password_again_and_log_out(server, db, staff):
    backend = server.backend()
    assert backend.log_in("bill", DEFAULT_PASSWORD) == employees.get_employee(db, staff["bill"].id)
    assert backend.current() == staff["bill"]
    assert backend.confirm_password(DEFAULT_PASSWORD) == staff["bill"]
    face = db.conn.execute("SELECT face FROM sessions WHERE employee_id = %s", (staff["bill"].id,)).fetchone()
    assert face == ("menus",)
    with pytest.raises(AuthenticationError, match="^Wrong password; nothing was saved.$"):
        backend.confirm_password("not my password")
    token = backend.token
    backend.log_out()
    backend.token = token
    with pytest.raises(SessionEnded) as ended:
        backend.current()
    assert ended.value.reason == "logout" and str(ended.value) == "You have logged out: log in again."
    with pytest.raises(AuthenticationError, match="^Invalid username or password.$"):
        server.backend().log_in("bill", "not my password")


def test_change_password_ends_the_other_sessions_not_this_one(server, db, staff):
    backend, other = logged_in(server, "bill"), logged_in(server, "bill")
    with pytest.raises(ValidationError, match="at least 12 characters"):
        backend.change_password(DEFAULT_PASSWORD, "short")
    backend.change_password(DEFAULT_PASSWORD, "a brand new passphrase 42")
    assert backend.current() == employees.get_employee(db, staff["bill"].id)
    with pytest.raises(SessionEnded, match="Your password was changed"):
        other.current()


def same_error(direct, remote, error_class):
    """Both transports raise error_class with the same one-line message."""
    with pytest.raises(error_class) as here:
        direct()
    with pytest.raises(error_class) as there:
        remote()
    assert type(there.value) is type(here.value)
    assert str(there.value) == str(here.value) and "\n" not in str(there.value)
    return there.value


def test_domain_errors_come_back_as_the_same_classes_and_messages(server, db, staff, admin_conn):
    direct = DirectBackend(db)
    bill, kate = logged_in(server, "bill"), logged_in(server, "kate")
    client_id = make_client(admin_conn, staff["bill"].id, email="taken@client.test")
    same_error(
        lambda: direct.run(clients.get_client, 999), lambda: bill.run(clients.get_client, 999), NotFound
    )
    fields = ClientFields("Ann Lee", "ann@x.test", None, "Acme")
    same_error(
        lambda: direct.act(staff["kate"], clients.create_client, fields),
        lambda: kate.act(staff["kate"], clients.create_client, fields),
        PermissionDenied,
    )
    same_error(
        lambda: direct.run(clients.check_email_free, "TAKEN@client.test"),
        lambda: bill.run(clients.check_email_free, "TAKEN@client.test"),
        ValidationError,
    )
    current = bill.run(clients.get_client, client_id)
    changed = replace(fields, email="new@client.test")
    bill.confirm_password(DEFAULT_PASSWORD)
    assert bill.act(staff["bill"], clients.update_client, client_id, current.version, changed).version == 2
    same_error(
        lambda: direct.act(staff["bill"], clients.update_client, client_id, current.version, changed),
        lambda: bill.act(staff["bill"], clients.update_client, client_id, current.version, changed),
        StaleRecord,
    )
    contract_id = make_contract(admin_conn, client_id, total="100.00")
    too_much = same_error(
        lambda: direct.act(staff["bill"], contracts.record_payment, contract_id, Decimal("500")),
        lambda: bill.act(staff["bill"], contracts.record_payment, contract_id, Decimal("500")),
        ValidationError,
    )
    assert "more than what remains" in str(too_much)


def test_an_import_refused_carries_its_report(server, staff):
    bill = logged_in(server, "bill")
    data = b"full_name,email,phone,company_name\r\n,not an address,,Acme\r\n"
    with pytest.raises(client_imports.ImportRefused) as refused:
        bill.act(staff["bill"], client_imports.import_clients, data, "skip")
    report = refused.value.report
    assert report.problem_count >= 2 and report.problems[0].line == 2 and not report.written


def test_an_act_for_someone_else_or_a_function_not_listed_sends_nothing(server, staff):
    sent = []
    backend = RemoteBackend(server.base, transport=Recording(sent))
    backend.log_in("bill", DEFAULT_PASSWORD)
    sent.clear()
    with pytest.raises(PermissionDenied, match="the logged-in employee only"):
        backend.act(staff["sam"], clients.my_clients, 0, 10)
    with pytest.raises(calls.NotRemote):
        backend.run(sessions.end, "token")
    with pytest.raises(calls.NotRemote, match="act"):
        backend.run(clients.my_clients, 0, 10)
    assert sent == []
    backend.close()


def test_a_server_that_cannot_be_reached_is_unavailable_in_one_line():
    backend = RemoteBackend(f"http://127.0.0.1:{free_port()}", timeout=5)
    with pytest.raises(ServerUnavailable) as unavailable:
        backend.log_in("bill", DEFAULT_PASSWORD)
    assert isinstance(unavailable.value, DatabaseUnavailable)
    message = str(unavailable.value)
    assert (
        message.startswith("The CRM server 127.0.0.1:")
        and "\n" not in message
        and message.endswith("try again.")
    )


class Recording(httpx.BaseTransport):
    """A real transport that keeps each request it sends (method, path, headers, body)."""

    def __init__(self, sent: list, inner: httpx.BaseTransport | None = None) -> None:
        self.sent, self.inner = sent, inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.method, request.url.path, dict(request.headers), request.read()))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_every_request_says_the_language_and_the_login_sends_the_device_token(server, staff):
    sent = []
    backend = RemoteBackend(server.base, transport=Recording(sent))
    with i18n.speaking("fr"):
        backend.log_in("bill", DEFAULT_PASSWORD, device_token="this-laptop")
        backend.run(clients.list_clients, 0, 5)
    backend.close()
    assert [path for _, path, _, _ in sent] == [f"{API}/sessions", f"{CALLS}/clients.list_clients"]
    assert all(headers["accept-language"] == "fr" for _, _, headers, _ in sent)
    assert json.loads(sent[0][3])["device_token"] == "this-laptop"
    assert json.loads(sent[0][3])["face"] == "menus"
    assert sent[1][2]["authorization"] == f"Bearer {backend.token}"


def test_an_export_from_the_menus_writes_the_file_here_and_sends_no_file_name(
    server, db, admin_conn, staff, tmp_path
):
    make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    sent = []
    backend = RemoteBackend(server.base, transport=Recording(sent))
    backend.log_in("bill", DEFAULT_PASSWORD)
    target = tmp_path / "my-clients.csv"
    from crm.ui.session import Session

    session = Session(
        backend, staff["bill"], ScriptedPrompts(["My clients", str(target), False]), clock=Clock()
    )
    export_list(session, "clients")
    backend.close()
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert target.read_text().splitlines()[1].startswith("1,Kevin Casey,")
    assert all(str(tmp_path).encode() not in content for *_, content in sent)
    assert admin_conn.execute("SELECT face, row_count FROM exports").fetchall() == [("menus", 1)]


# TLS -------------------------------------------------------------------------------------------------


@contextmanager
def tls_live_server(app, folder):
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ssl_certfile=str(folder / "server.crt"),
        ssl_keyfile=str(folder / "server.key"),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the TLS test server did not start"
        time.sleep(0.02)
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def test_tls_is_checked_against_the_ca_file(crm_db, admin_conn, tmp_path):
    from tests.api import make_app

    make_staff(admin_conn, "bill")
    make_certificates(tmp_path)
    with tls_live_server(make_app(crm_db), tmp_path) as base:
        trusted = RemoteBackend(base, ca_file=str(tmp_path / "ca.crt"))
        assert trusted.log_in("bill", DEFAULT_PASSWORD).username == "bill"
        trusted.close()
        for ca_file in (str(tmp_path / "other-ca.crt"), None):  # another CA; the system's store
            stranger = RemoteBackend(base, ca_file=ca_file)
            with pytest.raises(
                ServerUnavailable, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"
            ):
                stranger.log_in("bill", DEFAULT_PASSWORD)
            stranger.close()


# HTTP calls a screen ------------------------------------------------------------------------------------


def calls_for(server, db, employee, answers, sections) -> list[str]:
    sent: list = []
    backend = RemoteBackend(server.base, transport=Recording(sent))
    backend.token = sessions.open_for(db, employee, "menus", sessions.SessionPolicy()).token
    backend.employee = employee
    from crm.ui.session import Session

    prompts = ScriptedPrompts(answers)
    assert run_team_menu(Session(backend, employee, prompts, clock=Clock()), sections) is Outcome.QUIT
    backend.close()
    return [path.removeprefix(API) for _, path, _, _ in sent]


@pytest.mark.parametrize("count", [3, 40])
def test_a_list_page_is_two_calls_whatever_its_rows(server, db, admin_conn, staff, count):
    for n in range(count):
        make_client(admin_conn, staff["bill"].id, f"Client {n:02d}")
    pages = ["Next page", "Next page", "Back"] if count > 15 else []  # a single page asks nothing
    answers = ["Clients", "List clients", *pages, "Back", "Quit"]
    sent = calls_for(server, db, staff["bill"], answers, [clients_section()])
    # Every pick reads the session (GET /me) once; a page is one call.
    assert sent.count("/me") == len(answers)
    assert sent.count("/calls/clients.list_clients") == (3 if pages else 1)
    assert len(sent) == len(answers) + (3 if pages else 1)


@pytest.mark.parametrize("contracts_and_notes", [0, 12])
def test_a_client_detail_costs_the_same_calls_whatever_it_holds(
    server, db, admin_conn, staff, contracts_and_notes
):
    client_id = make_client(admin_conn, staff["bill"].id)
    for n in range(contracts_and_notes):
        make_contract(admin_conn, client_id, total=f"{100 + n}.00")
        admin_conn.execute(
            "INSERT INTO notes (client_id, author_id, body) VALUES (%s, %s, %s)",
            (client_id, staff["bill"].id, f"n{n}"),
        )
    answers = ["Clients", "Show a client", str(client_id), "Back", "Quit"]
    if contracts_and_notes:
        answers.insert(3, "Back")  # the notes' "Older notes" question
    sent = calls_for(server, db, staff["bill"], answers, [clients_section()])
    service_calls = [path for path in sent if path.startswith("/calls/")]
    assert service_calls == [
        "/calls/clients.get_client",
        "/calls/contracts.list_client_contracts",
        "/calls/notes.count_notes",
        "/calls/notes.client_notes",
    ]
    assert Team.SALES == staff["bill"].team


# The permission matrix of the write calls: the same outcome on both transports ----------------------


def write_calls(w):
    """(name, function, arguments) of write calls in a world `w` (ids of its records)."""
    event = w["event"]
    fields = EventFields(
        "Renamed", event.client_contact, event.starts_at, event.ends_at, event.location, 80, "notes"
    )
    return [
        ("create a client", clients.create_client, (ClientFields("New One", "new@client.test", None, "Co"),)),
        (
            "update a client",
            clients.update_client,
            (w["client"], 1, ClientFields("Renamed", "r@c.test", None, "Co")),
        ),
        ("create a contract", contracts.create_contract, (w["client"], Decimal("500.00"))),
        ("record a payment", contracts.record_payment, (w["contract"], Decimal("10.00"))),
        ("assign support", events.assign_support, (event.id, event.version, w["kate"].id)),
        ("update an event", events.update_event, (event.id, event.version, fields)),
        (
            "create an employee",
            employees.create_employee,
            (EmployeeFields("new.one", "New One", "n@e.test", None, Team.SALES), NEW_PASSWORD),
        ),
        ("reset a password", employees.reset_password, (w["bill"].id, NEW_PASSWORD)),
    ]


def matrix_world(admin_conn, db):
    empty_tables(admin_conn)
    staff = make_staff(admin_conn, "manager", "bill", "kate")
    client = make_client(admin_conn, staff["bill"].id)
    contract = make_contract(admin_conn, client, total="1000.00", signed=True)
    event = events.get_event(db, make_event(admin_conn, contract))
    return {**staff, "client": client, "contract": contract, "event": event}


def outcome(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except CRMError as error:
        return type(error).__name__, str(error)
    return "done"


NEW_PASSWORD = "violet tractor on the moon"
# docs/rules.md §5 for these writes (the support employee of the world's event is not kate).
ALLOWED = {
    "manager": {
        "assign support",
        "create a contract",
        "create an employee",
        "record a payment",
        "reset a password",
        "update an event",
    },  # fmt: skip
    "bill": {"create a client", "update a client", "record a payment"},
    "kate": set(),
}


@pytest.mark.parametrize("team", ["manager", "bill", "kate"])
def test_write_calls_are_allowed_and_refused_as_on_the_direct_transport(server, db, admin_conn, team):
    names = [name for name, _, _ in write_calls(matrix_world(admin_conn, db))]
    outcomes = {}
    for transport in ("direct", "remote"):
        for index, name in enumerate(names):
            w = matrix_world(admin_conn, db)
            actor = w[team]
            _, fn, args = write_calls(w)[index]
            if transport == "direct":
                now = {"now": datetime.now(UTC)} if fn is events.update_event else {}
                result = outcome(DirectBackend(db).act, actor, fn, *args, **now)
            else:
                backend = logged_in(server, actor.username)
                result = outcome(backend.act, actor, fn, *args)
            outcomes[transport, name] = (result, database(admin_conn))
    for name in names:
        assert outcomes["remote", name] == outcomes["direct", name], name
    allowed = {name for name in names if outcomes["direct", name][0] == "done"}
    assert allowed == ALLOWED[team]


def database(admin_conn):
    """What the writes change (stamped moments and hashes as whether they are set)."""
    return [
        admin_conn.execute(query).fetchall()
        for query in (
            "SELECT id, full_name, email, sales_contact_id, version FROM clients ORDER BY id",
            "SELECT id, total_amount, remaining_amount, is_signed, version FROM contracts ORDER BY id",
            "SELECT id, amount, recorded_by FROM payments ORDER BY id",
            "SELECT id, name, support_contact_id, attendees, notes, version FROM events ORDER BY id",
            "SELECT id, username, team, is_active, version FROM employees ORDER BY id",
            "SELECT count(*) FROM audit_log",
        )
    ]


def test_a_save_is_the_session_read_the_password_and_the_write(server, db, admin_conn, staff):
    client_id = make_client(admin_conn, staff["bill"].id)
    answers = ["Clients", "Update a client", str(client_id), None, "kevin@new.example", None, None]
    sent = calls_for(
        server, db, staff["bill"], [*answers, DEFAULT_PASSWORD, "Back", "Quit"], [clients_section()]
    )
    save = sent.index("/calls/clients.update_client")
    assert sent[save - 2 : save + 1] == ["/me", "/sessions/reauth", "/calls/clients.update_client"]
    assert admin_conn.execute("SELECT email FROM clients").fetchone() == ("kevin@new.example",)


@pytest.mark.parametrize("name", sorted(calls.CALLS))
def test_no_call_answers_an_unexpected_error_whatever_its_typed_arguments(api, admin_conn, name):
    """Arguments of the right types (hypothesis, from the function's hints), as a manager who may
    write: refusals are 4xx with one line, never a 500 (the REST API's own checks are not there)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.test_calls import argument_values, sent_parameters

    staff = make_staff(admin_conn, "manager", "bill", "kate")
    client_id = make_client(admin_conn, staff["bill"].id)
    make_event(admin_conn, make_contract(admin_conn, client_id, signed=True), support_id=staff["kate"].id)
    headers = login(api, "marie")
    call = calls.CALLS[name]
    hints = wire.hints_of(call.function)
    values = st.fixed_dictionaries({n: argument_values(n, hints.get(n)) for n in sent_parameters(call)})

    @given(values)
    @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def typed(given_values):
        sent = wire.encode_arguments(call.function, call.skip, (), given_values, call.kept)
        answer = api.post(f"{CALLS}/{name}", json=sent, headers=headers)
        assert answer.status_code < 500, (given_values, answer.text)

    typed()


def test_text_arguments_of_a_closed_set_are_checked_before_the_service(api, staff):
    headers = login(api, "bill")
    answer = api.post(f"{CALLS}/notes.count_notes", json=body("clients; --", 1), headers=headers)
    assert error_of(answer) == (400, "invalid", "kind: one of client, event.")
    request = wire.encode(ExportRequest("clients"))
    answer = api.post(f"{CALLS}/exports.export_csv", json=body(request, face="system"), headers=headers)
    assert error_of(answer) == (400, "invalid", "face: one of menus, commands.")


def test_the_server_says_whether_a_save_needs_the_password_again(server, staff):
    """What the commands ask before a save (crm/cli/context.py confirm_write): the login and the
    password typed again count for the server's reauth window, then it has to be typed again."""
    clock = Clock()
    server.clock.clock = clock
    backend = logged_in(server, "bill")
    assert backend.recently_confirmed() is True  # the login typed it
    clock.now += timedelta(minutes=6)  # past the 5-minute window
    assert backend.recently_confirmed() is False
    backend.confirm_password(DEFAULT_PASSWORD)
    assert backend.recently_confirmed() is True
    assert backend.employee == staff["bill"]
