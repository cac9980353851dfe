"""Monitoring: Sentry through an in-memory transport (no network), business events, scrubbing,
the private local log, and the program's one friendly line for unexpected errors."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from sentry_sdk.transport import Transport

from crm import app, monitoring, security, setup
from crm import config as config_file
from crm.config import Config
from crm.errors import AuthenticationError
from crm.models import Team
from crm.permissions import Action
from crm.services import auth, contracts, employees
from crm.services.auth import AccountLocked
from crm.services.employees import EmployeeFields
from crm.ui.menu import MenuAction, run_action
from tests.configs import server_config
from tests.factories import make_client, make_employee
from tests.scripted import ScriptedPrompts

SENTRY_DSN = "https://0123456789abcdef@o1.ingest.sentry.example/42"

# Planted secrets: none of them may ever appear in what is sent or logged.
USER_PASSWORD = "Tr0ub4dor-and-3-more-words"
PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"
DB_PASSWORD = "pg-Pa55w0rd-xyzzy"
DB_DSN = f"postgresql://crm_app:{DB_PASSWORD}@db.epicevents.example:5432/crm"
CLIENT_EMAIL = "kevin.casey@startup.example"
CLIENT_PHONE = "+678 123 456 78"
CLIENT_NAME = "Aliénor Vichum"
SUPERUSER_PASSWORD = "su-Secret-4-setup-only"
CONFIG_PASSWORD = "app-pw-in-ini"  # the config's own database password: scrubbed wherever it shows
NOW = datetime.now(UTC)
SECRETS = (
    USER_PASSWORD,
    PASSWORD_HASH,
    DB_PASSWORD,
    CLIENT_EMAIL,
    CLIENT_PHONE,
    SUPERUSER_PASSWORD,
    CONFIG_PASSWORD,
)


class MemoryTransport(Transport):
    """A sentry-sdk transport that keeps envelopes in memory."""

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope) -> None:
        self.envelopes.append(envelope)

    def text(self) -> str:
        """Everything sent, as the text that would have gone over the wire."""
        return "\n".join(envelope.serialize().decode("utf-8") for envelope in self.envelopes)

    def events(self) -> list[dict]:
        return [
            item.payload.json
            for envelope in self.envelopes
            for item in envelope.items
            if item.headers.get("type") == "event"
        ]


def make_config(tmp_path: Path, dsn: str = SENTRY_DSN, **extra) -> Config:
    """A config with Sentry on (dsn) and CONFIG_PASSWORD as its database password."""
    database = {"password": CONFIG_PASSWORD}
    return server_config(
        tmp_path / "crm.ini", None, database, sentry_dsn=dsn, sentry_environment="test", **extra
    )


@pytest.fixture
def sentry(tmp_path):
    """Monitoring started with a DSN and the in-memory transport; stopped afterwards."""
    transport = MemoryTransport()
    assert monitoring.init(make_config(tmp_path), transport=transport)
    try:
        yield transport
    finally:
        monitoring.shutdown()


def assert_no_secrets(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked"


def leaky_action(session) -> None:
    """A menu action that fails with secrets in its locals, its message, extras and breadcrumbs."""
    import sentry_sdk

    new_password = USER_PASSWORD  # noqa: F841 — planted local variables
    password_hash = PASSWORD_HASH  # noqa: F841
    db_password = DB_PASSWORD  # noqa: F841
    client = {"email": CLIENT_EMAIL, "phone": CLIENT_PHONE, "name": "Kevin Casey"}  # noqa: F841
    logging.getLogger("crm").info("connecting with %s for %s", DB_DSN, CLIENT_EMAIL)
    sentry_sdk.set_extra("conninfo", f"host=db user=crm_app password={DB_PASSWORD} dbname=crm")
    sentry_sdk.set_extra("detail", f"host=db user=crm_app password={DB_PASSWORD} dbname=crm")
    sentry_sdk.set_extra("form", {"new_password": USER_PASSWORD, "note": f"call {CLIENT_PHONE}"})
    raise RuntimeError(
        f"cannot save {CLIENT_EMAIL} ({CLIENT_PHONE}) with hash {PASSWORD_HASH} via {DB_DSN}"
        f" as crm_app/{CONFIG_PASSWORD}"
    )


# Unexpected errors --------------------------------------------------------------------------------


def test_unexpected_error_in_an_action_is_sent_and_the_user_sees_its_reference(sentry, capsys):
    run_action(MenuAction("Boom", leaky_action, Action.READ), session=None)
    out = capsys.readouterr().out.strip()
    events = sentry.events()
    assert len(events) == 1
    event = events[0]
    reference = event["event_id"][:8]
    assert out == f"Something went wrong; it has been reported (reference {reference})."
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["release"] == f"epic-events-crm@{__import__('crm').__version__}"
    assert event["environment"] == "test"
    assert event["level"] == "error"
    assert datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00"))  # scrubbing keeps it valid


def test_sent_payloads_hold_none_of_the_planted_secrets(sentry, capsys):
    run_action(MenuAction("Boom", leaky_action, Action.READ), session=None)
    monitoring.flush()
    text = sentry.text()
    assert "RuntimeError" in text and "[email]" in text  # it was sent, scrubbed
    assert_no_secrets(text)
    event = sentry.events()[0]
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    assert frames and all("vars" not in frame for frame in frames)
    assert "user" not in event and "server_name" not in event
    assert event["extra"]["conninfo"] == "[redacted]"  # a secret-sounding key: dropped whole
    assert event["extra"]["detail"] == "host=db user=crm_app password=[redacted] dbname=crm"


def test_scrubber_removes_frame_variables_and_secret_keys_even_if_present():
    event = {
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": f"bad {DB_DSN}",
                    "stacktrace": {"frames": [{"function": "f", "vars": {"new_password": USER_PASSWORD}}]},
                }
            ]
        },
        "extra": {"db_password": DB_PASSWORD, "client_email": CLIENT_EMAIL, "count": 3},
        "breadcrumbs": {"values": [{"message": f"hash {PASSWORD_HASH}"}]},
        "user": {"ip_address": "10.0.0.1"},
    }
    cleaned = monitoring.before_send(event, {})
    assert_no_secrets(json.dumps(cleaned))
    assert cleaned["extra"]["count"] == 3
    assert "user" not in cleaned
    assert cleaned["exception"]["values"][0]["stacktrace"]["frames"] == [{"function": "f"}]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (DB_DSN, "postgresql://[redacted]@db.epicevents.example:5432/crm"),
        ("host=db password=abc123 dbname=crm", "host=db password=[redacted] dbname=crm"),
        ("password='two words' sslmode=require", "password=[redacted] sslmode=require"),
        (f"stored {PASSWORD_HASH}.", "stored [password hash]."),
        (f"write to {CLIENT_EMAIL} or {CLIENT_PHONE}", "write to [email] or [phone]"),
        ("Key (lower(email))=(a@b.example) already exists.", "Key (lower(email))= [redacted]"),
        ("DETAIL:  Failing row contains (1, Kevin, 0612345678).", "DETAIL:  Failing row contains [redacted]"),
        ("contract 12: 12500.00 left on 2025-06-01 14:30", "contract 12: 12500.00 left on 2025-06-01 14:30"),
        ("Invalid username or password.", "Invalid username or password."),
        ("Kevin reference 0612345678 called", "Kevin reference [phone] called"),
        ("customer reference +33 6 12 34 56 78", "customer reference [phone]"),
        ("at 2026-11-25T17:44:43.340655Z, v2026.10.19", "at 2026-11-25T17:44:43.340655Z, v2026.10.19"),
    ],
)
def test_scrub(raw, clean):
    assert monitoring.scrub(raw) == clean


def test_same_error_reported_twice_keeps_one_reference_and_one_event(sentry):
    error = ValueError("once")
    assert monitoring.capture(error) == monitoring.capture(error)
    assert len(sentry.events()) == 1


def test_setup_errors_are_sent_without_any_frame_data(sentry):
    def setup_step() -> None:
        superuser_password = SUPERUSER_PASSWORD  # noqa: F841
        raise ConnectionError("server refused")

    with pytest.raises(ConnectionError) as caught, monitoring.secret_in_memory():
        setup_step()
    reference = monitoring.capture(caught.value)  # what main() prints: the same report
    [event] = sentry.events()
    assert event["event_id"].startswith(reference)
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "ConnectionError" and "stacktrace" not in exception
    assert_no_secrets(sentry.text())


def test_wizard_crash_is_one_line_with_a_reference_and_no_frames(sentry, tmp_path, monkeypatch, capsys):
    def broken(admin_conninfo: str) -> None:
        raise RuntimeError("driver exploded")

    monkeypatch.setattr(setup, "inspect_server", broken)
    monkeypatch.setenv("CRM_CONFIG", str(tmp_path / "new" / "crm.ini"))
    prompts = ScriptedPrompts(
        ["An existing", "db.example", "5432", "", "postgres", SUPERUSER_PASSWORD, SUPERUSER_PASSWORD]
    )
    assert app.main([], prompts) == app.EXIT_BUG
    out = capsys.readouterr().out.strip().splitlines()
    [event] = sentry.events()
    assert out[-1] == f"Something went wrong; it has been reported (reference {event['event_id'][:8]})."
    assert "stacktrace" not in event["exception"]["values"][-1]
    assert_no_secrets(sentry.text())
    assert not (tmp_path / "new" / "crm.ini").exists()


def test_upgrade_crash_is_sent_without_frames(tmp_path, monkeypatch, capsys):
    transport = MemoryTransport()
    real_init = monitoring.init
    monkeypatch.setattr(monitoring, "init", lambda config: real_init(config, transport=transport))

    def broken(admin_conninfo: str) -> None:
        raise RuntimeError("driver exploded")

    monkeypatch.setattr(setup, "inspect_server", broken)
    config = make_config(tmp_path)
    config_file.write(config)
    monkeypatch.setenv("CRM_CONFIG", str(config.path))
    try:
        assert app.main(["--upgrade"], ScriptedPrompts(["postgres", SUPERUSER_PASSWORD])) == app.EXIT_BUG
    finally:
        monitoring.shutdown()
    [event] = transport.events()
    assert "stacktrace" not in event["exception"]["values"][-1]
    assert f"reference {event['event_id'][:8]}" in capsys.readouterr().out
    assert_no_secrets(transport.text())


# Planted cases: personal data and secrets an error may carry ---------------------------------------

# (what, text as it would appear, the part that must never get through, whether scrub() recognises
# it in free text). What it cannot recognise — a client's name, a short phone number, a password
# echoed without "password=" — is kept out by never sending or logging an exception's message.
PLANTED = [
    ("user password", USER_PASSWORD, USER_PASSWORD, False),
    ("password echoed", "could not hash Violet-Tractor-42", "Violet-Tractor-42", False),
    ("password typed as a username", "unknown user my-secret-passphrase", "my-secret-passphrase", False),
    ("superuser password", SUPERUSER_PASSWORD, SUPERUSER_PASSWORD, False),
    ("password hash", f"stored {PASSWORD_HASH}", PASSWORD_HASH, True),
    ("database password", f"auth failed with {DB_PASSWORD}", DB_PASSWORD, False),
    ("database URL", DB_DSN, DB_PASSWORD, True),
    (
        "conninfo password",
        "host=db user=crm_app password=Zq9-conninfo-pw dbname=crm",
        "Zq9-conninfo-pw",
        True,
    ),
    ("quoted conninfo password", "password='two words here' sslmode=require", "two words here", True),
    ("JSON password", '{"password": "hunter2-json-pw"}', "hunter2-json-pw", True),
    ("API key", "api_key=sk_live_0123456789abcdef", "sk_live_0123456789abcdef", True),
    ("token", "token: ghp_0123456789abcdefghij", "ghp_0123456789abcdefghij", True),
    ("Sentry DSN", SENTRY_DSN, "0123456789abcdef", True),
    ("client e-mail", CLIENT_EMAIL, CLIENT_EMAIL, True),
    ("e-mail with plus and capitals", "Jacky.B+CRM@LouBouzin.grd", "Jacky.B+CRM@LouBouzin.grd", True),
    ("international phone", f"call {CLIENT_PHONE}", CLIENT_PHONE, True),
    ("phone with parentheses", "call +1 (234) 567-8901", "(234) 567-8901", True),
    ("phone with dots", "call 06.12.34.56.78", "06.12.34.56.78", True),
    ("phone of the spec", "call + 666 12345", "666 12345", True),
    ("six-digit phone", "call 612345", "612345", False),
    ("seven-digit phone", "call 6123456", "6123456", False),
    ("client name", "client Kevin Casey", "Kevin Casey", False),
    ("non-Latin client name", "client Дмитрий Иванов", "Дмитрий Иванов", False),
    ("company name", "company Cool Startup LLC", "Cool Startup LLC", False),
    ("event location", "at 53 Rue du Château, 41120 Candé", "Rue du Château", False),
    ("event notes", "notes: Wedding starts at 3PM by the river", "by the river", False),
    ("row of a DETAIL line", "Failing row contains (7, Lou Bouzin, +33 6 12 34 56 78)", "Lou Bouzin", True),
    ("key of a DETAIL line", "Key (lower(email))=(lou@bouzin.grd) already exists.", "lou@bouzin.grd", True),
    ("home folder", "open /home/alienor.vichum/crm.ini", "alienor.vichum", True),
]
PLANTED_IDS = [case[0] for case in PLANTED]
SCRUBBABLE = [case for case in PLANTED if case[3]]


def raise_with(planted: str) -> None:
    """Fail as code handling that value would: in the message, a cause's message and a note."""
    secret_local = planted  # noqa: F841 — a planted local variable
    try:
        raise KeyError(planted)
    except KeyError as cause:
        error = RuntimeError(f"cannot save {planted}")
        error.add_note(f"while handling {planted}")
        raise error from cause


@pytest.mark.parametrize(("what", "planted", "secret", "scrubbable"), PLANTED, ids=PLANTED_IDS)
def test_no_planted_case_gets_through_an_exception(tmp_path, capsys, what, planted, secret, scrubbable):
    transport = MemoryTransport()
    assert monitoring.init(make_config(tmp_path), transport=transport)
    try:
        run_action(MenuAction("Boom", lambda session: raise_with(planted), Action.READ), session=None)
        monitoring.flush()
    finally:
        monitoring.shutdown()
    sent, logged = transport.text(), (tmp_path / "crm.log").read_text()
    reference = capsys.readouterr().out.strip().removesuffix(").").rsplit(" ", 1)[1]
    assert secret not in sent and secret not in logged
    # What is kept: the type of each exception of the chain, and the reference.
    [event] = transport.events()
    assert [v["type"] for v in event["exception"]["values"]] == ["KeyError", "RuntimeError"]
    assert {v["value"] for v in event["exception"]["values"]} == {"[message removed]"}
    assert event["event_id"].startswith(reference)
    assert f"unexpected error (reference {reference}): RuntimeError" in logged
    assert "KeyError: [message removed]" in logged and "RuntimeError: [message removed]" in logged
    assert "The above exception was the direct cause" in logged and "in raise_with" in logged


@pytest.mark.parametrize(
    ("what", "planted", "secret", "scrubbable"), SCRUBBABLE, ids=[c[0] for c in SCRUBBABLE]
)
def test_no_scrubbable_case_gets_through_extras_tags_breadcrumbs_or_log_lines(
    sentry, tmp_path, what, planted, secret, scrubbable
):
    import sentry_sdk

    def action(session) -> None:
        logging.getLogger("crm").warning("saving %s", planted)  # a log line, and a breadcrumb
        sentry_sdk.set_extra("detail", planted)
        sentry_sdk.set_tag("note", planted)
        sentry_sdk.set_context("form", {"field": planted})
        monitoring.business_event("employee.updated", employee_id=1, note=planted)
        raise RuntimeError("boom")

    run_action(MenuAction("Boom", action, Action.READ), session=None)
    monitoring.flush()
    assert secret not in sentry.text()
    assert secret not in (tmp_path / "crm.log").read_text()
    assert "saving " in sentry.text()  # the breadcrumb was sent, scrubbed


def test_other_loggers_and_the_command_line_never_reach_sentry(sentry, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["main.py", "--unlock", "kevin.casey"])
    logging.getLogger("some.library").warning("retrying for Kevin Casey")
    monitoring.capture(RuntimeError("boom"))
    monitoring.flush()
    text = sentry.text()
    assert "Kevin Casey" not in text and "kevin.casey" not in text
    assert "some.library" not in text


def test_a_database_error_keeps_its_sqlstate_and_constraint_not_its_values(sentry, db, admin_conn, tmp_path):
    import psycopg

    sales = make_employee(admin_conn, "sales", "sally")
    make_client(admin_conn, sales.id, email=CLIENT_EMAIL)
    with pytest.raises(psycopg.errors.UniqueViolation) as duplicate:
        with db.transaction(sales.id):
            db.conn.execute(
                "INSERT INTO clients (full_name, email, sales_contact_id) VALUES (%s, %s, %s)",
                (CLIENT_NAME, CLIENT_EMAIL, sales.id),
            )
    reference = monitoring.capture(duplicate.value)
    monitoring.flush()
    [event] = sentry.events()
    assert event["tags"]["sqlstate"] == "23505" and event["tags"]["constraint"] == "clients_email_key"
    assert event["exception"]["values"][-1]["value"] == "[message removed]"
    logged = (tmp_path / "crm.log").read_text()
    described = "UniqueViolation (sqlstate 23505, constraint clients_email_key)"
    assert f"unexpected error (reference {reference}): {described}" in logged
    for text in (sentry.text(), logged):
        assert CLIENT_EMAIL not in text and CLIENT_NAME not in text


# Business events ----------------------------------------------------------------------------------


def test_business_event_is_a_sentry_message_with_its_fields_as_tags(sentry, tmp_path):
    monitoring.business_event("contract.signed", contract_id=7, client_id=3, by=2)
    [event] = sentry.events()
    assert event["message"] == "business event: contract.signed" or (
        event["logentry"]["message"] == "business event: contract.signed"
    )
    assert event["level"] == "info"
    assert event["tags"]["business_event"] == "contract.signed"
    assert {k: event["tags"][k] for k in ("contract_id", "client_id", "by")} == {
        "contract_id": "7",
        "client_id": "3",
        "by": "2",
    }
    monitoring.flush()
    assert (
        "business event contract.signed by=2 client_id=3 contract_id=7" in (tmp_path / "crm.log").read_text()
    )


def test_business_event_fields_are_scrubbed(sentry, tmp_path):
    monitoring.business_event("employee.created", employee_id=4, email=CLIENT_EMAIL, note=DB_DSN)
    [event] = sentry.events()  # it was sent, and what was sent is scrubbed
    assert event["tags"]["business_event"] == "employee.created"
    assert event["tags"]["employee_id"] == "4"
    assert event["tags"]["email"] == "[redacted]"  # a secret-sounding key: dropped whole
    assert event["tags"]["note"] == "postgresql://[redacted]@db.epicevents.example:5432/crm"
    assert_no_secrets(sentry.text())
    monitoring.flush()
    logged = (tmp_path / "crm.log").read_text()
    line = "business event employee.created email=[email] employee_id=4 note=postgresql://[redacted]@db"
    assert line in logged
    assert_no_secrets(logged)


# Sentry off ---------------------------------------------------------------------------------------


def test_empty_dsn_turns_sentry_off_and_capture_still_gives_a_reference(tmp_path, capsys):
    assert monitoring.init(make_config(tmp_path, dsn="")) is False
    try:
        assert not monitoring.sentry_enabled()
        run_action(MenuAction("Boom", leaky_action, Action.READ), session=None)
        out = capsys.readouterr().out.strip()
        assert out.startswith("Something went wrong; it has been reported (reference ")
        reference = out.removesuffix(").").rsplit(" ", 1)[1]
        assert len(reference) == 8
        monitoring.business_event("contract.signed", contract_id=1)  # no Sentry: just the log
        monitoring.flush()
        text = (tmp_path / "crm.log").read_text()
        assert f"reference {reference}" in text and "business event contract.signed" in text
    finally:
        monitoring.shutdown()


def test_an_all_digit_reference_reaches_the_log_unscrubbed(tmp_path, capsys, monkeypatch):
    """One reference in 40 is all digits: it must not be mistaken for a phone number."""
    monkeypatch.setattr(monitoring.uuid, "uuid4", lambda: SimpleNamespace(hex="46855546" + "0" * 24))
    assert monitoring.init(make_config(tmp_path, dsn="")) is False
    try:
        run_action(MenuAction("Boom", leaky_action, Action.READ), session=None)
        assert "(reference 46855546)." in capsys.readouterr().out
        monitoring.flush()
        text = (tmp_path / "crm.log").read_text()
        assert "unexpected error (reference 46855546): RuntimeError" in text
        assert CLIENT_PHONE not in text and "RuntimeError: [message removed]" in text
    finally:
        monitoring.shutdown()


def test_empty_dsn_never_imports_sentry(tmp_path):
    """An empty DSN costs nothing at start-up: sentry_sdk is not even imported."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from crm import monitoring\n"
        "from crm.config import Config, DatabaseSettings\n"
        "db = DatabaseSettings(mode='server', name='n', user='u', password='p', host='h')\n"
        f"monitoring.init(Config(database=db, path=Path({str(tmp_path / 'crm.ini')!r})))\n"
        "monitoring.capture(ValueError('x'))\n"
        "monitoring.business_event('contract.signed', contract_id=1)\n"
        "monitoring.flush()\n"
        "print('sentry_sdk' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.stdout.strip() == "False"
    assert result.stderr == ""  # and nothing printed on the terminal


def test_invalid_dsn_leaves_sentry_off(tmp_path):
    try:
        assert monitoring.init(make_config(tmp_path, dsn="not a dsn")) is False
        assert len(monitoring.capture(ValueError("x"))) == 8
    finally:
        monitoring.shutdown()


# Local log ----------------------------------------------------------------------------------------


def test_log_file_is_private_and_scrubbed(tmp_path, capsys):
    monitoring.init(make_config(tmp_path, dsn=""))
    try:
        run_action(MenuAction("Boom", leaky_action, Action.READ), session=None)
        monitoring.flush()
    finally:
        monitoring.shutdown()
    path = tmp_path / "crm.log"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "RuntimeError" in text and "Traceback" in text and "[email]" in text
    assert_no_secrets(text)


def test_log_file_is_private_even_when_it_existed_and_after_rotation(tmp_path, monkeypatch):
    path = tmp_path / "logs" / "crm-events.log"
    path.parent.mkdir()
    path.write_text("old line\n")
    os.chmod(path, 0o644)
    monkeypatch.setattr(monitoring, "LOG_MAX_BYTES", 300)
    monitoring.init(make_config(tmp_path, dsn="", log_file="logs/crm-events.log"))
    try:
        for number in range(20):
            monitoring.business_event("employee.updated", employee_id=number)
        monitoring.flush()
    finally:
        monitoring.shutdown()
    files = sorted(path.parent.iterdir())
    assert len(files) > 1  # rotated
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)


def test_log_file_that_cannot_be_opened_does_not_stop_the_program(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    try:
        assert monitoring.init(make_config(tmp_path, dsn="", log_file=str(blocker / "crm.log"))) is False
        assert len(monitoring.capture(ValueError("x"))) == 8
    finally:
        monitoring.shutdown()


# Business events sent by the services -------------------------------------------------------------


def sent_business_events(transport: MemoryTransport) -> list[tuple[str, dict]]:
    """(name, tags without the name) of each business event sent, in order."""
    return [
        (event["tags"]["business_event"], {k: v for k, v in event["tags"].items() if k != "business_event"})
        for event in transport.events()
        if "business_event" in event.get("tags", {})
    ]


def test_employee_management_sends_its_business_events(sentry, db, admin_conn):

    boss = make_employee(admin_conn, "management", "boss")
    fields = EmployeeFields("kate.h", "Kate Hastroff", "kate@epicevents.example", CLIENT_PHONE, Team.SUPPORT)
    kate = employees.create_employee(db, boss, fields, USER_PASSWORD)
    kate = employees.update_employee(
        db,
        boss,
        kate.id,
        kate.version,
        EmployeeFields("kate.h", "Kate H.", fields.email, None, Team.SALES),
        NOW,
    )
    employees.deactivate_employee(db, boss, kate.id, NOW)
    employees.reactivate_employee(db, boss, kate.id)
    expected = {"employee_id": str(kate.id), "by": str(boss.id)}
    assert sent_business_events(sentry) == [
        ("employee.created", {**expected, "team": "support"}),
        ("employee.updated", {**expected, "team": "sales"}),
        ("employee.deactivated", {**expected, "team": "sales"}),
        ("employee.reactivated", {**expected, "team": "sales"}),
    ]
    assert_no_secrets(sentry.text())
    assert "kate" not in sentry.text().lower()  # ids, never names, usernames or addresses


def test_signing_a_contract_sends_contract_signed_once(sentry, db, admin_conn):
    boss = make_employee(admin_conn, "management", "boss")
    sales = make_employee(admin_conn, "sales", "sally")
    client_id = make_client(admin_conn, sales.id, email=CLIENT_EMAIL)
    signed = contracts.create_contract(db, boss, client_id, Decimal("500.00"), signed=True)
    draft = contracts.create_contract(db, boss, client_id, Decimal("900.00"))
    draft = contracts.update_contract(db, sales, draft.id, draft.version, Decimal("950.00"), True)
    contracts.update_contract(db, sales, draft.id, draft.version, Decimal("1000.00"), True)
    contracts.record_payment(db, sales, signed.id, Decimal("100.00"))
    assert sent_business_events(sentry) == [
        (
            "contract.signed",
            {
                "contract_id": str(signed.id),
                "client_id": str(client_id),
                "total_amount": "500.00",
                "by": str(boss.id),
            },
        ),
        (
            "contract.signed",
            {
                "contract_id": str(draft.id),
                "client_id": str(client_id),
                "total_amount": "950.00",
                "by": str(sales.id),
            },
        ),
    ]
    assert_no_secrets(sentry.text())


def test_correcting_a_payment_sends_payment_corrected(sentry, db, admin_conn):
    boss = make_employee(admin_conn, "management", "boss")
    sales = make_employee(admin_conn, "sales", "sally")
    contract = contracts.create_contract(db, boss, make_client(admin_conn, sales.id), Decimal("500.00"))
    contracts.record_payment(db, sales, contract.id, Decimal("120.00"))
    [payment] = contracts.get_contract_detail(db, contract.id).payments
    contracts.correct_payment(db, boss, payment.id)
    assert sent_business_events(sentry) == [
        (
            "payment.corrected",
            {
                "payment_id": str(payment.id),
                "correction_id": str(payment.id + 1),
                "contract_id": str(contract.id),
                "amount": "120.00",
                "by": str(boss.id),
            },
        )
    ]


@pytest.mark.parametrize("known", [True, False])
def test_a_login_lockout_sends_one_business_event_without_the_typed_username(sentry, db, admin_conn, known):
    employee = make_employee(admin_conn, "support", "samuel.support")
    username = "samuel.support" if known else "nobody.at.all"
    for _attempt in range(security.MAX_FAILURES + 1):
        with pytest.raises(AuthenticationError) as refused:
            auth.login(db, username, USER_PASSWORD, NOW)
    assert isinstance(refused.value, AccountLocked)
    [(name, tags)] = sent_business_events(sentry)
    assert name == "login.locked"
    assert tags["employee_id"] == (str(employee.id) if known else "unknown")
    assert tags["during"] == "login" and tags["failures"] == str(security.MAX_FAILURES)
    text = sentry.text()
    assert username not in text
    assert_no_secrets(text)
