"""What a holder of the application role's password can still do, probed through a direct
connection as that role (issue 13's database items, issue 19 item 9).

The probes live beside the grants in crm/setup.py (APP_ROLE_PROBES, DATABASE_SET_COLUMNS), and
the catalog checks below fail when a table appears that they do not cover.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
from psycopg import errors, sql

from crm import setup
from crm.db import Database, connect
from crm.services.sessions import token_hash
from tests.conftest import database_before, drop_database, fresh_database, with_sessions
from tests.factories import (
    make_client,
    make_contract,
    make_employee,
    make_event,
    make_opportunity,
    make_service,
)

CHOSEN = datetime.fromisoformat("2001-02-03 04:05:06+00:00")
FUTURE_ID = 1_000_000


def app_role_of(crm_db) -> str:
    return crm_db.roles.app


@pytest.fixture
def one_of_each(admin_conn):
    """A row in every table the application role writes, and a throttle row."""
    boss = make_employee(admin_conn, "management", "boss")
    sales = make_employee(admin_conn, "sales", "bill")
    support = make_employee(admin_conn, "support", "kate")
    client = make_client(admin_conn, sales.id)
    contract = make_contract(admin_conn, client, total="1000.00", remaining="600.00", signed=True)
    draft = make_contract(admin_conn, client, total="500.00")
    event = make_event(admin_conn, contract, support_id=support.id)
    admin_conn.execute(
        "INSERT INTO login_throttle (throttle_key, failures) VALUES (%s, 2)", (f"employee:{boss.id}",)
    )
    service = make_service(admin_conn)
    opportunity = make_opportunity(admin_conn, client, lines=[(service, 2, "150.00")])
    admin_conn.execute(
        "INSERT INTO notes (client_id, author_id, body) VALUES (%s, %s, 'called')", (client, sales.id)
    )
    admin_conn.execute(
        "INSERT INTO employee_digest (employee_id, seen_audit_id) VALUES (%s, 1)", (support.id,)
    )
    admin_conn.execute(
        "INSERT INTO exports (employee_id, kind, row_count, face) VALUES (%s, 'clients', 1, 'menus')",
        (boss.id,),
    )
    # The event moved: a notification for its support employee, and its e-mail (sql/0015).
    admin_conn.execute("UPDATE events SET location = 'Elsewhere' WHERE id = %s", (event,))
    # Another sales employee's client and signed contract, another support employee's event.
    rival = make_employee(admin_conn, "sales", "rita")
    rival_support = make_employee(admin_conn, "support", "tom")
    rival_client = make_client(admin_conn, rival.id, "Rival Client")
    rival_contract = make_contract(admin_conn, rival_client, total="300.00", signed=True)
    rival_event = make_event(admin_conn, make_contract(admin_conn, rival_client, signed=True),
                             support_id=rival_support.id)  # fmt: skip
    # The boss's ended session, and an open one of bill's (their tokens are known).
    now = datetime.now(UTC)
    for token, employee, created, expires, ended in (
        (ENDED_TOKEN, boss.id, now, now + timedelta(hours=8), now),
        (SALES_TOKEN, sales.id, now, now + timedelta(hours=8), None),
    ):
        admin_conn.execute(
            "INSERT INTO sessions (token_hash, employee_id, face, created_at, last_used_at, expires_at,"
            " ended_at, end_reason) VALUES (%s, %s, 'commands', %s, %s, %s, %s, %s)",
            (token_hash(token), employee, created, created, expires, ended, "logout" if ended else None),
        )
    return {"boss": boss, "sales": sales, "support": support, "client": client, "contract": contract,
            "draft": draft, "event": event, "service": service,
            "opportunity": opportunity, "rival": rival, "rival_support": rival_support,
            "rival_client": rival_client, "rival_contract": rival_contract,
            "rival_event": rival_event}  # fmt: skip


ENDED_TOKEN, SALES_TOKEN = "ended-session-token", "bills-open-token"
KNOWN_HASH = "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$a25vd24gYnkgdGhlIGF0dGFja2Vy"


def warm_sessions(db, one_of_each) -> None:
    """Open the test sessions of the fixture's employees now (tests/conftest.py with_sessions), so
    a snapshot taken next already holds them."""
    for key in ("boss", "sales", "support"):
        assert db.token_provider(one_of_each[key].id)


def probe_parameters(admin_conn, one_of_each, other_pid) -> dict:
    ids = {key: value.id if hasattr(value, "id") else value for key, value in one_of_each.items()}
    hashes = dict(admin_conn.execute("SELECT id, password_hash FROM employees").fetchall())
    return ids | {
        "other_pid": other_pid,
        "ended_token": ENDED_TOKEN,
        "sales_token": SALES_TOKEN,
        "known_hash": KNOWN_HASH,
        "boss_hash": hashes[ids["boss"]],
        "sales_hash": hashes[ids["sales"]],
    }


@pytest.fixture
def other_session(crm_db):
    """Another employee's program: an application-role session, and its backend pid."""
    conn = connect(crm_db.app_dsn)
    try:
        yield conn, conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    finally:
        conn.close()


def snapshot(admin_conn, role: str, sequences: bool = True) -> list:
    """Everything a probe could change: every table, the id sequences (sequences=False: not them —
    an insert refused by row-level security has drawn its id already), large objects, the role."""
    tables = [r[0] for r in admin_conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    state = [
        (t, admin_conn.execute(sql.SQL("SELECT * FROM {} ORDER BY 1").format(sql.Identifier(t))).fetchall())
        for t in sorted(tables)
    ]
    if sequences:
        state.append(
            admin_conn.execute("SELECT sequencename, last_value FROM pg_sequences ORDER BY 1").fetchall()
        )
    state.append(admin_conn.execute("SELECT count(*) FROM pg_largeobject_metadata").fetchone())
    state.append(
        admin_conn.execute(
            "SELECT rolcreatedb, rolcreaterole, rolinherit, rolbypassrls, rolreplication, rolcanlogin,"
            " rolconnlimit, rolvaliduntil FROM pg_roles WHERE rolname = %s",
            (role,),
        ).fetchone()
    )
    state.append(
        admin_conn.execute(
            "SELECT setdatabase, setconfig FROM pg_db_role_setting WHERE setrole = (SELECT oid FROM pg_roles"
            " WHERE rolname = %s) ORDER BY 1",
            (role,),
        ).fetchall()
    )
    return state


# Refused outright ------------------------------------------------------------------------------------


@pytest.mark.parametrize("probe", list(setup.APP_ROLE_PROBES))
def test_the_app_role_is_refused(db, admin_conn, crm_db, one_of_each, other_session, probe):
    statement = setup.APP_ROLE_PROBES[probe]
    other, other_pid = other_session
    warm_sessions(db, one_of_each)
    before = snapshot(admin_conn, crm_db.roles.app)
    with pytest.raises((errors.InsufficientPrivilege, errors.CheckViolation)):
        with db.transaction(one_of_each["boss"].id):
            db.conn.execute(statement, {"other_pid": other_pid} if "%(" in statement else None)
    assert snapshot(admin_conn, crm_db.roles.app) == before
    assert other.execute("SELECT 1").fetchone() == (1,)  # the other employee's session goes on


@pytest.mark.parametrize("probe", list(setup.APP_ROLE_FORGERIES))
def test_the_app_role_cannot_write_as_someone_it_is_not(
    db, admin_conn, crm_db, one_of_each, other_session, probe
):
    """Each forgery of setup.APP_ROLE_FORGERIES, run as raw SQL in one transaction, as nobody (a
    psql session) or as the employee whose open session verified it: refused by the database, and
    the database is left as it was."""
    who, statements = setup.APP_ROLE_FORGERIES[probe]
    _other, other_pid = other_session
    parameters = probe_parameters(admin_conn, one_of_each, other_pid)
    warm_sessions(db, one_of_each)
    before = snapshot(admin_conn, crm_db.roles.app, sequences=False)
    with pytest.raises((errors.InsufficientPrivilege, errors.CheckViolation)):
        with db.transaction(one_of_each[who].id if who else None):
            for statement in statements:
                db.conn.execute(statement, parameters if "%(" in statement else None)
    assert snapshot(admin_conn, crm_db.roles.app, sequences=False) == before


def test_a_wrong_token_verifies_nobody(db, admin_conn, one_of_each):
    boss = one_of_each["boss"]
    with db.transaction():
        for token in ("not a token", ENDED_TOKEN, SALES_TOKEN, ""):
            assert db.conn.execute("SELECT crm_act_as(%s, %s)", (token, boss.id)).fetchone() == (False,)
            assert db.conn.execute("SELECT crm_actor()").fetchone() == (None,)


def test_an_open_sessions_token_verifies_its_employee(db, admin_conn, one_of_each):
    """Raw SQL with a valid token, as any writer would send it: the write goes through, and the
    audit trail names the employee of the session (whatever crm.employee_id says)."""
    sales, client = one_of_each["sales"], one_of_each["client"]
    with db.transaction():
        db.conn.execute("SELECT set_config('crm.employee_id', %s, true)", (str(one_of_each["boss"].id),))
        assert db.conn.execute("SELECT crm_act_as(%s, %s)", (SALES_TOKEN, sales.id)).fetchone() == (True,)
        assert db.conn.execute("SELECT crm_actor(), crm_actor_team()").fetchone() == (sales.id, "sales")
        db.conn.execute(
            "UPDATE clients SET full_name = 'Renamed', version = version + 1 WHERE id = %s", (client,)
        )
    assert admin_conn.execute(
        "SELECT employee_id, changes FROM audit_log WHERE table_name = 'clients' AND record_id = %s"
        " ORDER BY id DESC LIMIT 1",
        (client,),
    ).fetchone() == (sales.id, {"full_name": ["Kevin Casey", "Renamed"]})
    # The verification is the transaction's only: the next one has no actor.
    with pytest.raises(errors.InsufficientPrivilege, match="no verified employee"):
        with db.transaction():
            db.conn.execute(
                "UPDATE clients SET full_name = 'Again', version = version + 1 WHERE id = %s", (client,)
            )


def test_a_session_ended_meanwhile_verifies_nobody(db, admin_conn, one_of_each):
    """Deactivated, moved to another team, new password: the session ends (sql/0012), and its
    token no longer verifies anyone."""
    sales = one_of_each["sales"]
    admin_conn.execute("UPDATE employees SET team = 'support' WHERE id = %s", (sales.id,))
    with db.transaction():
        assert db.conn.execute("SELECT crm_act_as(%s, %s)", (SALES_TOKEN, sales.id)).fetchone() == (False,)


def test_a_payment_is_recorded_by_the_verified_actor(db, admin_conn, one_of_each):
    sales, contract = one_of_each["sales"], one_of_each["contract"]
    with db.transaction(sales.id):
        db.conn.execute(
            "UPDATE contracts SET remaining_amount = remaining_amount - 10, version = version + 1"
            " WHERE id = %s",
            (contract,),
        )
        recorded_by = db.conn.execute(
            "INSERT INTO payments (contract_id, amount, recorded_by) VALUES (%s, 10, %s)"
            " RETURNING recorded_by",
            (contract, one_of_each["boss"].id),
        ).fetchone()
    assert recorded_by == (sales.id,)


def test_management_writes_every_row_and_the_owners_their_own(db, admin_conn, one_of_each):
    """The row-level security lets through what crm/permissions.py allows: a manager reassigns a
    client and an event, the sales contact updates their client, the support employee their event."""
    boss, sales, support = one_of_each["boss"], one_of_each["sales"], one_of_each["support"]
    with db.transaction(boss.id):
        db.conn.execute("UPDATE clients SET sales_contact_id = %s, version = version + 1 WHERE id = %s",
                        (sales.id, one_of_each["rival_client"]))  # fmt: skip
        db.conn.execute("UPDATE events SET support_contact_id = %s, version = version + 1 WHERE id = %s",
                        (support.id, one_of_each["rival_event"]))  # fmt: skip
    with db.transaction(sales.id):
        db.conn.execute("UPDATE clients SET full_name = 'Now Mine', version = version + 1 WHERE id = %s",
                        (one_of_each["rival_client"],))  # fmt: skip
    with db.transaction(support.id):
        db.conn.execute("UPDATE events SET attendees = 5, version = version + 1 WHERE id = %s",
                        (one_of_each["rival_event"],))  # fmt: skip
    client = admin_conn.execute(
        "SELECT full_name, sales_contact_id FROM clients WHERE id = %s", (one_of_each["rival_client"],)
    )
    assert client.fetchone() == ("Now Mine", sales.id)
    event = admin_conn.execute(
        "SELECT attendees, support_contact_id FROM events WHERE id = %s", (one_of_each["rival_event"],)
    )
    assert event.fetchone() == (5, support.id)


def test_large_object_and_signal_functions_are_not_the_app_roles(admin_conn, crm_db):
    executable = admin_conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p"
        " WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname = ANY (%s)"
        " AND has_function_privilege(%s, p.oid, 'EXECUTE')",
        (list(setup.PUBLIC_FUNCTIONS_REVOKED), crm_db.roles.app),
    ).fetchall()
    assert executable == []


def test_the_app_role_calls_only_its_own_security_definer_functions(admin_conn, crm_db):
    definers = dict(
        admin_conn.execute(
            "SELECT p.oid::regprocedure::text, has_function_privilege(%s, p.oid, 'EXECUTE') FROM pg_proc p"
            " WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef",
            (crm_db.roles.app,),
        ).fetchall()
    )
    allowed = {
        s.replace(", ", ",").replace("timestamptz", "timestamp with time zone") for s in setup.APP_FUNCTIONS
    }
    assert {f for f, may in definers.items() if may} == allowed
    assert definers["audit_changes()"] is False


def test_the_app_role_has_its_connection_limit(admin_conn, crm_db):
    limit = admin_conn.execute("SELECT rolconnlimit FROM pg_roles WHERE rolname = %s", (crm_db.roles.app,))
    assert limit.fetchone() == (setup.APP_CONNECTION_LIMIT,)


# Set by the database -----------------------------------------------------------------------------------


def row_with_chosen_values(table: str, ids: dict) -> dict:
    """Values for a new row of `table`, with every column the database sets chosen by the writer."""
    chosen = {"id": FUTURE_ID, "created_at": CHOSEN, "updated_at": CHOSEN, "version": 99, "paid_at": CHOSEN,
              "signed_at": CHOSEN, "recorded_by": ids["sales"].id}  # fmt: skip
    rows = {
        "employees": {
            "username": "forger",
            "full_name": "F",
            "email": "f@x.io",
            "team": "sales",
            "password_hash": "h",
        },  # fmt: skip
        "clients": {"full_name": "C", "email": "c@x.io", "sales_contact_id": ids["sales"].id},
        "contracts": {
            "client_id": ids["client"],
            "total_amount": 10,
            "remaining_amount": 10,
            "is_signed": True,
        },
        "payments": {"contract_id": ids["contract"], "amount": Decimal("10"), "recorded_by": ids["sales"].id},
        "events": {"name": "E", "contract_id": ids["draft_signed"], "starts_at": CHOSEN, "ends_at": CHOSEN},
        "sessions": {
            "token_hash": b"\x01" * 32,
            "employee_id": ids["sales"].id,
            "face": "commands",
            "expires_at": CHOSEN.replace(year=2100),
        },
        "services": {"name": "S", "unit_price": 10, "unit": "hour"},
        "opportunities": {"client_id": ids["client"], "title": "O"},
        "opportunity_lines": {
            "opportunity_id": ids["empty_opportunity"],
            "service_id": ids["service"],
            "quantity": 1,
            "unit_price": 0,
        },
        "notes": {"client_id": ids["client"], "author_id": ids["boss"].id, "body": "N"},
        "employee_digest": {"employee_id": ids["boss"].id},
        "exports": {"employee_id": ids["sales"].id, "kind": "clients", "row_count": 1, "face": "menus"},
    }[table]
    return rows | {column: chosen[column] for column in setup.DATABASE_SET_COLUMNS[table]}


@pytest.mark.parametrize("table", list(setup.DATABASE_SET_COLUMNS))
def test_the_database_sets_ids_dates_and_versions_whatever_the_writer_sends(
    db, admin_conn, one_of_each, table
):
    admin_conn.execute("UPDATE contracts SET is_signed = true, signed_at = now() WHERE id = %s",
                       (one_of_each["draft"],))  # fmt: skip
    empty = make_opportunity(admin_conn, one_of_each["client"], title="Nothing yet")
    values = row_with_chosen_values(
        table, one_of_each | {"draft_signed": one_of_each["draft"], "empty_opportunity": empty}
    )
    set_by_db = setup.DATABASE_SET_COLUMNS[table]
    warm_sessions(db, one_of_each)
    next_id = None
    if "id" in set_by_db:  # employee_digest's key is the employee's
        next_id = admin_conn.execute(
            sql.SQL("SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM {}").format(
                sql.Identifier(f"{table}_id_seq")
            )
        ).fetchone()[0]
    statement = sql.SQL("INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE VALUES ({}) RETURNING {}, now()").format(
        sql.Identifier(table),
        sql.SQL(", ").join(sql.Identifier(c) for c in values),
        sql.SQL(", ").join(sql.Placeholder(c) for c in values),
        sql.SQL(", ").join(sql.Identifier(c) for c in set_by_db),
    )
    actor = one_of_each["sales" if table == "events" else "boss"]  # events: their client's sales contact
    with db.transaction(actor.id):
        if table == "payments":  # what the payment takes off the contract, as the program does
            db.conn.execute(
                "UPDATE contracts SET remaining_amount = remaining_amount - 10, version = version + 1"
                " WHERE id = %s",
                (one_of_each["contract"],),
            )
        *stored, now = db.conn.execute(statement, values).fetchone()
    expected = {
        "id": next_id,
        "created_at": now,
        "updated_at": now,
        "paid_at": now,
        "signed_at": now,
        "version": 1,
        "recorded_by": actor.id,
    }
    assert dict(zip(set_by_db, stored, strict=True)) == {c: expected[c] for c in set_by_db}
    assert "id" not in set_by_db or admin_conn.execute(
        sql.SQL("SELECT count(*) FROM {} WHERE id >= %s").format(sql.Identifier(table)), (FUTURE_ID,)
    ).fetchone() == (0,)


def test_a_chosen_id_never_makes_a_later_create_fail(db, admin_conn, one_of_each):
    sales = one_of_each["sales"]
    next_id = admin_conn.execute("SELECT last_value + 1 FROM clients_id_seq").fetchone()[0]
    with db.transaction(sales.id):
        for offset in range(3):  # at the ids the next creates would get
            db.conn.execute(
                "INSERT INTO clients (id, full_name, email, sales_contact_id) OVERRIDING SYSTEM VALUE"
                " VALUES (%s, 'Squatter', %s, %s)",
                (next_id + offset, f"squat{offset}@x.io", sales.id),
            )
    make_client(admin_conn, sales.id, "After The Squatters")  # would have hit a taken id
    ids = [r[0] for r in admin_conn.execute("SELECT id FROM clients ORDER BY id")]
    assert ids == sorted(set(ids)) and len(ids) == 6


def test_an_update_cannot_backdate_a_signature_nor_its_updated_at(db, admin_conn, one_of_each):
    contract = one_of_each["contract"]
    signed_at = admin_conn.execute("SELECT signed_at FROM contracts WHERE id = %s", (contract,)).fetchone()[0]
    with db.transaction(one_of_each["boss"].id):
        now = db.conn.execute(
            "UPDATE contracts SET signed_at = %s, updated_at = %s, version = version + 1 WHERE id = %s"
            " RETURNING now()",
            (CHOSEN, CHOSEN, contract),
        ).fetchone()[0]
    assert admin_conn.execute(
        "SELECT signed_at, updated_at, version FROM contracts WHERE id = %s", (contract,)
    ).fetchone() == (signed_at, now, 2)
    # Signing a draft: the moment is the database's.
    draft = one_of_each["draft"]
    with db.transaction(one_of_each["boss"].id):
        now = db.conn.execute(
            "UPDATE contracts SET is_signed = true, signed_at = %s, version = version + 1 WHERE id = %s"
            " RETURNING now()",
            (CHOSEN, draft),
        ).fetchone()[0]
    assert admin_conn.execute("SELECT signed_at FROM contracts WHERE id = %s", (draft,)).fetchone() == (now,)


def test_an_update_that_changes_nothing_keeps_its_version(db, admin_conn, one_of_each):
    client = one_of_each["client"]
    with db.transaction(one_of_each["sales"].id):
        db.conn.execute("UPDATE clients SET full_name = full_name WHERE id = %s", (client,))
    assert admin_conn.execute("SELECT version FROM clients WHERE id = %s", (client,)).fetchone() == (1,)


def test_a_demo_load_may_write_past_dates_only_into_a_database_without_real_data(db, admin_conn, one_of_each):
    sales = one_of_each["sales"]  # a real sales employee (not a demo one): real data
    with db.transaction(sales.id):
        assert db.conn.execute("SELECT demo_load_begin()").fetchone() == (False,)
        created = db.conn.execute(
            "INSERT INTO clients (full_name, email, sales_contact_id, created_at) VALUES"
            " ('Demo', 'demo@shop.example', %s, %s) RETURNING created_at = now()",
            (sales.id, CHOSEN),
        ).fetchone()
    assert created == (True,)


# What PostgreSQL lets a role do to itself ---------------------------------------------------------------


def test_what_a_role_may_do_to_itself_is_undone_by_an_upgrade(admin_dsn):
    """PostgreSQL 15 and 18 let any role change (or remove) its own password and set its own
    defaults for any parameter a session may set: each can keep every employee from working, and
    none can be forbidden. `--upgrade` puts the role back as the config says."""
    crm = fresh_database(admin_dsn, "crm_self")
    password = psycopg.conninfo.conninfo_to_dict(crm.app_dsn)["password"]
    try:
        with connect(crm.app_dsn) as conn:
            for statement in (
                sql.SQL("ALTER ROLE CURRENT_USER SET statement_timeout = 1"),
                sql.SQL("ALTER ROLE CURRENT_USER IN DATABASE {} SET search_path = ''").format(
                    sql.Identifier(crm.name)
                ),
                sql.SQL("ALTER ROLE CURRENT_USER SET local_preload_libraries = 'nothing_by_that_name'"),
                sql.SQL("ALTER ROLE CURRENT_USER PASSWORD 'chosen by whoever had the ini'"),
            ):
                conn.execute(statement)  # allowed: PostgreSQL has no way to refuse these
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(crm.app_dsn).close()  # the team is offline
        setup.upgrade(admin_dsn, crm.name, app_password=password)
        database = Database(connect(crm.app_dsn))
        try:
            assert database.conn.execute("SELECT count(*) FROM clients").fetchone() == (0,)
        finally:
            database.close()
        with connect(crm.admin_dsn) as conn:
            settings = conn.execute(
                "SELECT count(*) FROM pg_db_role_setting WHERE setrole = %s::regrole", (crm.roles.app,)
            ).fetchone()
            assert settings == (0,)
    finally:
        drop_database(admin_dsn, crm)


# A new table gets the same treatment -------------------------------------------------------------------


# The tables only the owner touches (login throttling goes through APP_FUNCTIONS).
OWNER_ONLY = {"login_throttle", "login_devices", "login_throttle_secret", "verified_actors"}


def test_every_table_is_covered_by_the_grants_and_the_probes(admin_conn, crm_db):
    app = crm_db.roles.app
    tables = {r[0] for r in admin_conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables - set(setup.APP_PRIVILEGES) == OWNER_ONLY, "a new table: grant it or list it as owner-only"
    insertable = {t for t in tables if admin_conn.execute("SELECT has_table_privilege(%s, %s, 'INSERT')",
                                                          (app, t)).fetchone()[0]}  # fmt: skip
    assert insertable == set(setup.DATABASE_SET_COLUMNS)
    triggers = set(
        admin_conn.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal"
            " AND tgname IN ('set_by_database_on_insert', 'versions_only_go_up')"
        ).fetchall()
    )
    versioned = {
        r[0]
        for r in admin_conn.execute(
            "SELECT table_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND column_name = 'version'"
        )
    }
    assert triggers == {(t, "set_by_database_on_insert") for t in insertable} | {
        (t, "versions_only_go_up") for t in versioned
    }
    assert all("version" in setup.DATABASE_SET_COLUMNS[t] for t in versioned)
    # No identity column the app could override: ids come from the trigger.
    assert admin_conn.execute(
        "SELECT attrelid::regclass::text FROM pg_attribute WHERE attidentity <> ''"
        " AND attrelid = ANY (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)"
    ).fetchall() == [("audit_log",)]


def fingerprint(conn, roles: setup.Roles) -> dict:
    """What the schema, the grants and the app role's limits are, with the role names left out."""
    app = roles.app
    return {
        "triggers": conn.execute(
            "SELECT tgrelid::regclass::text, tgname, tgfoid::regproc::text, tgargs FROM pg_trigger"
            " WHERE NOT tgisinternal ORDER BY 1, 2"
        ).fetchall(),
        "columns": conn.execute(
            "SELECT table_name, column_name, data_type, is_identity, column_default, is_nullable"
            " FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2"
        ).fetchall(),
        "constraints": conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
        ).fetchall(),
        "indexes": conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall(),
        "sequences": conn.execute(
            "SELECT s.relname, d.refobjid::regclass::text FROM pg_class s"
            " LEFT JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')"
            " WHERE s.relkind = 'S' AND s.relnamespace = 'public'::regnamespace ORDER BY 1"
        ).fetchall(),
        "functions": conn.execute(
            "SELECT p.oid::regprocedure::text, p.prosecdef, p.proconfig,"
            " has_function_privilege(%s, p.oid, 'EXECUTE') FROM pg_proc p"
            " WHERE p.pronamespace = 'public'::regnamespace ORDER BY 1",
            (app,),
        ).fetchall(),
        "catalog functions": conn.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p"
            " WHERE p.pronamespace = 'pg_catalog'::regnamespace"
            " AND NOT has_function_privilege(%s, p.oid, 'EXECUTE') ORDER BY 1",
            (app,),
        ).fetchall(),
        "tables": conn.execute(
            "SELECT c.relname, array(SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE',"
            " 'TRUNCATE']) AS p WHERE has_table_privilege(%s, c.oid, p)) FROM pg_class c"
            " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'S') ORDER BY 1",
            (app,),
        ).fetchall(),
        "role": conn.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolinherit, rolreplication, rolbypassrls,"
            " rolconnlimit FROM pg_roles WHERE rolname = %s",
            (app,),
        ).fetchone(),
    }


def test_an_upgraded_database_ends_as_a_fresh_one(admin_dsn, crm_db, tmp_path, monkeypatch):
    with database_before(admin_dsn, tmp_path, monkeypatch, "0011") as old:
        with connect(old.admin_dsn) as conn:
            sales = make_employee(conn, "sales", "bill")
            for number in range(3):
                make_client(conn, sales.id, f"Client {number}")
        setup.upgrade(admin_dsn, old.name)
        with connect(old.admin_dsn) as upgraded, connect(crm_db.admin_dsn) as fresh:
            assert fingerprint(upgraded, old.roles) == fingerprint(fresh, crm_db.roles)
        database = with_sessions(Database(connect(old.app_dsn)))
        try:
            with database.transaction(sales.id):
                new_id = database.conn.execute(
                    "INSERT INTO clients (full_name, email, sales_contact_id)"
                    " VALUES ('N', 'n@x.io', %s) RETURNING id",
                    (sales.id,),
                ).fetchone()[0]
        finally:
            database.close()
        assert new_id == 4  # the sequence went on from the identity's


# A managed server's admin without superuser ---------------------------------------------------------------


def test_an_installer_without_superuser_gets_everything_but_the_catalog_revokes(admin_dsn):
    """The bootstrap as a role with CREATEDB and CREATEROLE only (a managed server's admin): it
    works, the rules of sql/0011 hold, and only the PUBLIC functions of the catalog stay the
    app role's (README: what such a server keeps)."""
    installer = "crm_test_installer"
    with connect(admin_dsn) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(installer)))
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN CREATEDB CREATEROLE PASSWORD 'installer-pw-123'").format(
                sql.Identifier(installer)
            )
        )
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE postgres TO {}").format(sql.Identifier(installer)))
    params = psycopg.conninfo.conninfo_to_dict(admin_dsn)
    params.update(user=installer, password="installer-pw-123")
    installer_dsn = psycopg.conninfo.make_conninfo(**params)
    name = "crm_test_managed"
    roles = setup.role_names(name)
    try:
        setup.bootstrap(installer_dsn, name, None)
        with connect(setup.with_dbname(admin_dsn, name)) as conn:
            role = conn.execute(
                "SELECT rolcreatedb, rolcreaterole, rolinherit, rolconnlimit FROM pg_roles"
                " WHERE rolname = %s",
                (roles.app,),
            ).fetchone()
            assert role == (False, False, False, setup.APP_CONNECTION_LIMIT)
            assert conn.execute("SELECT has_function_privilege(%s, 'lo_create(oid)', 'EXECUTE')",
                                (roles.app,)).fetchone() == (True,)  # fmt: skip
            triggers = conn.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'set_by_database_on_insert'"
            ).fetchone()
            assert triggers == (len(setup.DATABASE_SET_COLUMNS),)
    finally:
        setup.drop_database(admin_dsn, name, [roles.app, roles.owner])
        with connect(admin_dsn) as conn:
            conn.execute(
                sql.SQL("REVOKE CONNECT ON DATABASE postgres FROM {}").format(sql.Identifier(installer))
            )
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(installer)))


# The faces: their backend's session is what the database verifies ---------------------------------------


def test_a_backend_hands_its_session_to_the_database_and_nothing_else_writes(crm_db, admin_conn):
    """As the program holds it (no token provider): a DirectBackend's login opens a session, its
    calls are verified from it (the audit trail names its employee); the same service called on
    the bare Database, without the session, is refused by the database. A hash made with weaker
    parameters is replaced at login by the employee of the new session, which stays open."""
    from argon2 import PasswordHasher

    from crm.models import ClientFields
    from crm.services import clients
    from crm.services.backend import DirectBackend
    from tests.factories import DEFAULT_PASSWORD

    bill = make_employee(admin_conn, "sales", "bill")
    weaker = PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1).hash(DEFAULT_PASSWORD)
    admin_conn.execute("UPDATE employees SET password_hash = %s WHERE id = %s", (weaker, bill.id))
    database = Database(connect(crm_db.app_dsn))
    try:
        backend = DirectBackend(database, face="commands")
        employee = backend.log_in("bill", DEFAULT_PASSWORD)
        assert admin_conn.execute(
            "SELECT employee_id, changes FROM audit_log WHERE table_name = 'employees'"
            " ORDER BY id DESC LIMIT 1"
        ).fetchone() == (bill.id, {"password": "rehashed"})
        assert backend.current().id == bill.id  # the rehash ended no session
        created = backend.act(
            employee, clients.create_client, ClientFields("Kevin Casey", "k@x.io", None, "")
        )
        assert admin_conn.execute(
            "SELECT employee_id FROM audit_log WHERE table_name = 'clients' AND record_id = %s", (created.id,)
        ).fetchone() == (bill.id,)
        assert database.session_token is None  # handed for the call only
        with pytest.raises(errors.InsufficientPrivilege, match="no verified employee"):
            clients.create_client(database, employee, ClientFields("Anna Zed", "a@x.io", None, ""))
        assert admin_conn.execute("SELECT count(*) FROM clients").fetchone() == (1,)
    finally:
        database.close()
