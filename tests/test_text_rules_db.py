"""The text rule kept by the database (sql/0010_text_rules.sql): connected as the application
role, as any other writer could be, each bad value is refused by a CHECK on every text column
(the error names the constraint, the table is unchanged), the e-mail columns take the form's
syntax, each constraint has a one-line message in its service, and the upgrade repairs rows
other writers left, in the audit trail with no acting employee."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors as pg_errors
from psycopg import sql

from crm import migrations, setup, validation
from crm.db import connect
from crm.errors import ValidationError
from crm.services import catalogue as catalogue_service
from crm.services import clients as client_service
from crm.services import employees as employee_service
from crm.services import events as event_service
from crm.services import mail as mail_service
from crm.services import notes as note_service
from crm.services import pipeline as pipeline_service
from tests.conftest import database_before
from tests.factories import (
    make_client,
    make_contract,
    make_employee,
    make_event,
    make_opportunity,
    make_service,
)

# Every text column the application role writes, and the CHECK that keeps the text rule on it.
TEXT_RULES = {
    ("employees", "full_name"): "employees_full_name_text",
    ("employees", "email"): "employees_email_text",
    ("employees", "phone"): "employees_phone_text",
    ("employees", "password_hash"): "employees_password_hash_text",
    ("clients", "full_name"): "clients_full_name_text",
    ("clients", "email"): "clients_email_text",
    ("clients", "phone"): "clients_phone_text",
    ("clients", "company_name"): "clients_company_name_text",
    ("events", "name"): "events_name_text",
    ("events", "client_contact"): "events_client_contact_text",
    ("events", "location"): "events_location_text",
    ("events", "notes"): "events_notes_text",
    ("services", "name"): "services_name_text",
    ("services", "description"): "services_description_text",
    ("opportunities", "title"): "opportunities_title_text",
    ("opportunities", "lost_reason"): "opportunities_lost_reason_text",
    ("notes", "body"): "notes_body_text",  # append-only: INSERTs are checked (test below)
    ("events", "cancel_reason"): "events_cancel_reason_text",
    ("mail_outbox", "last_error"): "mail_outbox_last_error_text",
}
# Tables the application role only inserts into: their rule is probed by INSERT, not UPDATE.
INSERT_ONLY = {"notes"}
# Text columns without it, and why (a new text column must be added to one of the two lists).
EXEMPT = {
    ("employees", "username"): "its own CHECK allows ASCII letters, digits, '.', '-' and '_' only",
    ("employees", "team"): "one of three names",
    ("employees", "language"): "one of two language codes",
    ("login_throttle", "throttle_key"): "a CHECKed shape: employee id, device token hash or HMAC (0011)",
    ("login_devices", "token_hash"): "a SHA-256, never shown (sql/0011_app_role_limits.sql)",
    ("audit_log", "table_name"): "written by the owner's trigger only",
    ("audit_log", "action"): "written by the owner's trigger only",
    ("schema_migrations", "filename"): "the application role cannot write it",
    ("schema_migrations", "checksum"): "the application role cannot write it",
    ("sessions", "face"): "one of four names (sql/0012_sessions.sql)",
    ("sessions", "end_reason"): "one of five names (sql/0012_sessions.sql)",
    ("services", "unit"): "one of three names (sql/0013_pipeline.sql)",
    ("opportunities", "stage"): "a key of opportunity_stages (sql/0013_pipeline.sql)",
    ("opportunity_stages", "stage"): "one of six names; the application role cannot write it",
    ("exports", "kind"): "one of four names (sql/0016_exports.sql)",
    ("exports", "face"): "one of four names (sql/0016_exports.sql)",
    ("events", "status"): "one of four names (sql/0015_events_status_notifications.sql)",
    ("notifications", "kind"): "one of three names, written by the owner's trigger only (sql/0015)",
    ("mail_outbox", "status"): "one of four names (sql/0015)",
    ("verified_actors", "team"): "copied from employees.team by the owner's crm_act_as only (sql/0017)",
}
SERVICE_MESSAGES = {
    "employees": employee_service._RULE_MESSAGES,
    "clients": client_service._RULE_MESSAGES,
    "events": event_service._RULE_MESSAGES,
    "services": catalogue_service._RULE_MESSAGES,
    "opportunities": pipeline_service._RULE_MESSAGES,
    "notes": note_service._RULE_MESSAGES,
    "mail_outbox": mail_service.RULE_MESSAGES,
}
NAMES = {("employees", "full_name"), ("clients", "full_name"), ("events", "name"), ("services", "name"),
         ("opportunities", "title")}  # fmt: skip
# Text that may hold tabs and line feeds.
MULTILINE = {("events", "notes"), ("services", "description")}

BAD = {
    "ESC sequence (clear screen)": "Evil\x1b[2J\x1b[H",
    "OSC window title": "Evil\x1b]0;pwned\x07",
    "bell": "ding\x07",
    "C1 CSI": "Evil\x9b31m",
    "DEL": "a\x7fb",
    "carriage return": "a\rb",
    "right-to-left override": "Zo\u202ee",
    "right-to-left isolate": "Zo\u2067e",
    "left-to-right mark": "Zo\u200ee",
    "zero-width space": "Zo\u200be",
    "word joiner": "Zo\u2060e",
    "byte order mark": "\ufeffZoe",
    "soft hyphen": "Zo\u00ade",
    "line separator": "Zo\u2028e",
    "ZWJ between ASCII": "Zo\u200de",
    "ZWNJ first": "\u200cZoe",
    "tag outside a flag": "Zo\U000e0067e",
}
# Bad only where the column is one line; notes keep tab and line feed.
ONE_LINE_ONLY = {"tab": "a\tb", "line feed": "a\nb"}
# Names must show something.
NOTHING_VISIBLE = {"no-break space": "\u00a0", "Hangul filler": "\u3164", "braille blank": "\u2800"}
GOOD = [
    "محمد\u200cرضا شجریان",
    "क्\u200dष",
    "Famille 👩\u200d👩\u200d👧",
    "Fierté 🏳\ufe0f\u200d🌈",
    "Team 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    "Zoé Lefèvre 王伟",
]
BAD_EMAILS = [
    "a..b@x.com",
    ".a@x.com",
    "a.@x.com",
    "a,b@x.com",
    "a b@x.com",
    "Name <a@b.com>",
    "a@b",
    "a@x..com",
    "a@-x.com",
    "a@x.123",
    "a@printer.local",
    "x" * 65 + "@x.com",
]


@pytest.fixture
def records(admin_conn):
    """One row of each table, made as superuser; {table: id}. The event is cancelled (it has a
    reason) and supported (so it has a notification and its e-mail in the outbox)."""
    sales = make_employee(admin_conn, "sales", "bill")
    support = make_employee(admin_conn, "support", "kate")
    client = make_client(admin_conn, sales.id)
    event = make_event(admin_conn, make_contract(admin_conn, client, signed=True), support_id=support.id)
    admin_conn.execute(
        "UPDATE events SET status = 'cancelled', cancel_reason = 'Rain' WHERE id = %s", (event,)
    )
    outbox = admin_conn.execute("SELECT min(id) FROM mail_outbox").fetchone()[0]
    service = make_service(admin_conn)
    opportunity = make_opportunity(admin_conn, client)
    return {"employees": sales.id, "clients": client, "events": event, "mail_outbox": outbox,
            "services": service, "opportunities": opportunity}  # fmt: skip


def rows(admin_conn, table: str) -> list[tuple]:
    return admin_conn.execute(
        sql.SQL("SELECT * FROM {} ORDER BY id").format(sql.Identifier(table))
    ).fetchall()


def manager(admin_conn) -> int:
    """The id of a manager: the writes below are theirs, verified from a session (sql/0017)."""
    found = admin_conn.execute("SELECT id FROM employees WHERE team = 'management' ORDER BY id").fetchone()
    return found[0] if found else make_employee(admin_conn, "management", "boss").id


EMPLOYEE_FIELDS = ("username", "full_name", "email", "phone", "team")


def write_as_app(db, table: str, column: str, value: str, record_id: int) -> None:
    """Write `value` into table.column as the application role, the way the program does (an
    employee's columns through employee_update / employee_set_password_hash, sql/0017)."""
    if table == "employees" and column == "password_hash":
        db.conn.execute("SELECT employee_set_password_hash(%s, %s)", (record_id, value))
    elif table == "employees":
        db.conn.execute(
            sql.SQL("SELECT employee_update(e.id, e.version, {}) FROM employees e WHERE e.id = %s").format(
                sql.SQL(", ").join(
                    sql.Placeholder() if f == column else sql.Identifier("e", f) for f in EMPLOYEE_FIELDS
                )
            ),
            (value, record_id),
        )
    else:
        # Versioned tables raise their version (sql/0011); the outbox has none.
        bump = sql.SQL(", version = version + 1") if table != "mail_outbox" else sql.SQL("")
        db.conn.execute(
            sql.SQL("UPDATE {} SET {} = %s{} WHERE id = %s").format(
                sql.Identifier(table), sql.Identifier(column), bump
            ),
            (value, record_id),
        )


def refused_as_app(db, admin_conn, table: str, column: str, value: str, record_id: int) -> str:
    """Write `value` into table.column as the application role (a manager acting); return the
    refusing constraint."""
    boss = manager(admin_conn)
    before = rows(admin_conn, table)
    with pytest.raises(pg_errors.CheckViolation) as refused:
        with db.transaction(boss):
            write_as_app(db, table, column, value, record_id)
    assert rows(admin_conn, table) == before
    return refused.value.diag.constraint_name


def bad_values(table: str, column: str) -> dict[str, str]:
    values = dict(BAD)
    if (table, column) not in MULTILINE:
        values.update(ONE_LINE_ONLY)
    if (table, column) in NAMES:
        values.update(NOTHING_VISIBLE)
    if column == "email":  # still an address, so that only the text rule can refuse it
        values = {kind: f"{value.replace('@', '')}@example.com" for kind, value in values.items()}
        values = {k: v for k, v in values.items() if k not in NOTHING_VISIBLE}
    return values


def test_every_text_column_has_the_text_rule_or_a_reason(admin_conn):
    columns = set(
        admin_conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND data_type = 'text'"
        ).fetchall()
    )
    assert columns == set(TEXT_RULES) | set(EXEMPT)
    found = dict(
        admin_conn.execute(
            "SELECT conname, convalidated FROM pg_constraint WHERE contype = 'c' AND conname = ANY(%s)",
            (list(TEXT_RULES.values()),),
        ).fetchall()
    )
    assert found == {name: True for name in TEXT_RULES.values()}


def test_each_constraint_has_a_one_line_message_in_its_service():
    for (table, _column), name in TEXT_RULES.items():
        message = shown(SERVICE_MESSAGES[table][name])
        assert message.endswith(".") and "\n" not in message
    assert SERVICE_MESSAGES["clients"]["clients_email_check"] == validation.EMAIL_HINT
    assert SERVICE_MESSAGES["employees"]["employees_email_check"] == validation.EMAIL_HINT


def shown(message) -> str:
    """A service's rule message as raised: a constant, or a function giving it in the language."""
    return message() if callable(message) else message


UPDATED = [key for key in TEXT_RULES if key[0] not in INSERT_ONLY]


@pytest.mark.parametrize("table, column", UPDATED, ids=[f"{t}.{c}" for t, c in UPDATED])
def test_the_app_role_cannot_store_control_or_invisible_characters(db, admin_conn, records, table, column):
    for kind, value in bad_values(table, column).items():
        constraint = refused_as_app(db, admin_conn, table, column, value, records[table])
        # An ASCII control character is not in the e-mail syntax either: either CHECK may say so.
        expected = {TEXT_RULES[table, column]} | ({f"{table}_email_check"} if column == "email" else set())
        assert constraint in expected, kind
        if column == "email" and not value.isascii():
            assert constraint == TEXT_RULES[table, column], kind


def test_the_app_role_cannot_add_a_note_with_control_or_invisible_characters(db, admin_conn, records):
    """Notes keep tabs and line feeds (multiline), and must show something."""
    author = make_employee(admin_conn, "management", "boss")
    values = dict(BAD) | NOTHING_VISIBLE
    for kind, value in values.items():
        with pytest.raises(pg_errors.CheckViolation) as refused:
            with db.transaction(author.id):
                db.conn.execute(
                    "INSERT INTO notes (client_id, author_id, body) VALUES (%s, %s, %s)",
                    (records["clients"], author.id, value),
                )
        assert refused.value.diag.constraint_name == "notes_body_text", kind
    assert rows(admin_conn, "notes") == []
    for value in [*ONE_LINE_ONLY.values(), *GOOD]:
        with db.transaction(author.id):
            db.conn.execute(
                "INSERT INTO notes (client_id, author_id, body) VALUES (%s, %s, %s)",
                (records["clients"], author.id, value),
            )
    assert [r[0] for r in admin_conn.execute("SELECT body FROM notes ORDER BY id")] == [
        *ONE_LINE_ONLY.values(),
        *GOOD,
    ]


def test_inserts_are_refused_too(db, admin_conn, records):
    boss = manager(admin_conn)
    before = rows(admin_conn, "clients")
    with pytest.raises(pg_errors.CheckViolation) as refused, db.transaction(boss):
        db.conn.execute(
            "INSERT INTO clients (full_name, email, sales_contact_id) VALUES (%s, %s, %s)",
            ("Evil\x1b]0;pwned\x07", "evil@example.com", records["employees"]),
        )
    assert refused.value.diag.constraint_name == "clients_full_name_text"
    assert rows(admin_conn, "clients") == before


@pytest.mark.parametrize("value", GOOD)
def test_joiners_that_scripts_and_emoji_need_are_stored(db, admin_conn, records, value):
    assert validation.name(value) == value  # the form's rule agrees
    with db.transaction(manager(admin_conn)):
        db.conn.execute(
            "UPDATE clients SET full_name = %s, company_name = %s, version = version + 1 WHERE id = %s",
            (value, value, records["clients"]),
        )
        db.conn.execute(
            "UPDATE events SET notes = %s, version = version + 1 WHERE id = %s",
            (f"{value}\n\tsecond line", records["events"]),
        )
    assert admin_conn.execute("SELECT full_name, company_name FROM clients").fetchone() == (value, value)


@pytest.mark.parametrize("table", ["clients", "employees"])
def test_the_e_mail_check_is_the_forms_syntax(db, admin_conn, records, table):
    for value in BAD_EMAILS:
        with pytest.raises(ValidationError):
            validation.email(value)  # the form refuses it too
        assert refused_as_app(db, admin_conn, table, "email", value, records[table]) == f"{table}_email_check"


@pytest.mark.parametrize(
    "typed",
    [
        "Jean.Dupont@Example.COM",
        "zoé@BÜCHER.de",
        "a@xn--bcher-kva.de",
        "o'brien+tag@mail.co.uk",
        "用户@例子.广告",
    ],
)
def test_what_the_form_stores_the_database_accepts(db, admin_conn, records, typed):
    stored = validation.email(typed)
    with db.transaction(manager(admin_conn)):
        db.conn.execute(
            "UPDATE clients SET email = %s, version = version + 1 WHERE id = %s", (stored, records["clients"])
        )
    assert admin_conn.execute("SELECT email FROM clients").fetchone()[0] == stored


def test_a_violation_reaches_the_user_as_its_one_line_message(db, admin_conn, records):
    boss = manager(admin_conn)
    for table, column, service in [
        ("clients", "full_name", client_service),
        ("events", "location", event_service),
    ]:
        with (
            pytest.raises(ValidationError) as refused,
            service.database_rules_as_messages(),
            db.transaction(boss),
        ):
            db.conn.execute(
                sql.SQL("UPDATE {} SET {} = %s, version = version + 1 WHERE id = %s").format(
                    sql.Identifier(table), sql.Identifier(column)
                ),
                ("Evil\x1b[2J", records[table]),
            )
        assert str(refused.value) == shown(SERVICE_MESSAGES[table][TEXT_RULES[table, column]])


# The upgrade ----------------------------------------------------------------------------------------


@pytest.fixture
def database_before_0010(admin_dsn, tmp_path, monkeypatch):
    """A CRM database at migration 0009, whose upgrade applies 0010."""
    with database_before(admin_dsn, tmp_path, monkeypatch, "0010") as crm:
        yield crm


def test_the_upgrade_repairs_what_other_writers_stored(database_before_0010, admin_dsn):
    crm = database_before_0010
    with connect(crm.admin_dsn) as conn:
        assert "0010_text_rules.sql" not in migrations.applied(conn)
        sales = make_employee(conn, "sales", "bill", full_name="\u200b")
        planted = make_client(conn, sales.id, "Evil\x1b]0;pwned\x07 Name\u202e", company="\u200bAcme\u2066")
        clean = make_client(conn, sales.id, "Zoé \U0001f469\u200d\U0001f469\u200d\U0001f467")
        conn.execute("UPDATE clients SET email = 'a..b@x.com' WHERE id = %s", (clean,))
        event = make_event(conn, make_contract(conn, planted, signed=True))
        conn.execute(
            "UPDATE events SET notes = %s, location = %s WHERE id = %s",
            ("one\r\ntwo\tthree", "\u3164", event),
        )
        last_audit = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    assert setup.upgrade(admin_dsn, crm.name)[0] == "0010_text_rules.sql"
    with connect(crm.admin_dsn) as conn:
        assert conn.execute("SELECT full_name, version FROM employees").fetchone() == ("\ufffd", 2)
        clients = dict(
            (r[0], r[1:])
            for r in conn.execute("SELECT id, full_name, company_name, email, version FROM clients")
        )
        assert clients[planted][:2] == ("Evil\ufffd]0;pwned\ufffd Name", "Acme")
        assert clients[planted][3] == 2
        # Nothing to repair: untouched, and its old address (valid before 0010) is kept (NOT VALID).
        assert clients[clean][1:] == ("Cool Startup LLC", "a..b@x.com", 1)
        assert conn.execute("SELECT notes, location FROM events").fetchone() == (
            "one\ufffd\ntwo\tthree",
            "\u3164",
        )
        repaired = conn.execute(
            "SELECT table_name, record_id, employee_id FROM audit_log WHERE id > %s"
            " ORDER BY table_name, record_id",
            (last_audit,),
        ).fetchall()
        assert repaired == [
            ("clients", planted, None),
            ("employees", sales.id, None),
            ("events", event, None),
        ]
        valid = dict(
            conn.execute("SELECT conname, convalidated FROM pg_constraint WHERE contype = 'c'").fetchall()
        )
        assert all(valid[name] for name in TEXT_RULES.values())
        assert valid["clients_email_check"] is False and valid["employees_email_check"] is False
        # Any change to that row now needs a valid address.
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE clients SET email = 'c..d@x.com' WHERE id = %s", (clean,))
