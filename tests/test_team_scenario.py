"""Issue 13's scenario, once per transport: a manager creates employees, sales creates a client,
management a contract, sales signs it and records a payment and creates the event, management
assigns support, support updates the event, management deactivates an employee — through the
menus, with the services in this process ("direct") and over the HTTP API ("remote"). Both runs
ask the same questions, show the same screens and leave the same database."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg import sql

from crm.services import employees
from crm.ui.menus import all_sections
from tests import scripted
from tests.conftest import empty_tables
from tests.factories import DEFAULT_PASSWORD, make_staff
from tests.scripted import Clock, run_menu

PW = DEFAULT_PASSWORD
NEW = "violet tractor on the moon"  # the new employees' initial password
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def stamped_now(out: str) -> str:
    """The output with the moments the database stamps (created, last updated: now, so another
    minute on the second run) masked; the moments typed in the forms are kept."""

    def mask(match: re.Match) -> str:
        moment = datetime.strptime(match.group(0), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        return "<now>" if abs(moment - datetime.now(UTC)) < timedelta(days=1) else match.group(0)

    return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", mask, out)


def scenario(db, admin_conn, capsys) -> list[tuple[str, list[tuple[str, str]], dict[str, list[str]], str]]:
    """Run the scenario on empty tables; each step's (who, questions asked, choices shown, output)."""
    empty_tables(admin_conn)
    marie = make_staff(admin_conn, "manager")["manager"]
    clock = Clock(T0)
    steps = []

    def as_(employee, answers):
        try:
            prompts = run_menu(db, employee, all_sections(), [*answers, "Quit"], clock=clock)
        except AssertionError as error:  # what the screen said, for the failure's report
            raise AssertionError(f"{error}\n{capsys.readouterr().out[-3000:]}") from None
        steps.append((employee.username, prompts.asked, prompts.shown, stamped_now(capsys.readouterr().out)))

    def new_employee(username, full_name, team):
        return [
            "Create an employee",
            username,
            full_name,
            f"{username}@epicevents.test",
            "",
            team,
        ]

    as_(
        marie,
        [
            "Employees",
            *new_employee("bill.b", "Bill Boquet", "sales"),
            NEW,
            NEW,
            PW,
            *new_employee("kate.h", "Kate Hastroff", "support"),
            NEW,
            NEW,
            PW,
            *new_employee("tom.t", "Tom Temp", "support"),
            NEW,
            NEW,
            PW,
            "Back",
        ],
    )
    bill, kate, tom = (employees.get_employee(db, n) for n in (2, 3, 4))
    client = [
        "Clients",
        "Create a client",
        "Kevin Casey",
        "kevin@startup.io",
        "+678 123 456 78",
        "Cool Startup",
    ]
    as_(bill, [*client, NEW, "Back"])
    as_(marie, ["Contracts", "Create a contract", "1", "12000", False, PW, "Back"])
    as_(
        bill,
        [
            *["Contracts", "Update a contract", "1", None, True, NEW],
            *["Record a payment", "1", "2500.50", NEW, "Back"],
            *["Events", "Create an event", "1", "Lou Bouzin General Assembly", None, "2026-06-04 13:00"],
            *["2026-06-05 02:00", "Salle des fêtes de Mufflins", "200", "Wedding of the year", NEW, "Back"],
        ],
    )
    as_(marie, ["Events", "Assign support", "1", str(kate.id), PW, "Back"])
    as_(kate, ["Events", "Update an event", "1", *[None] * 6, "Bring flowers", NEW, "Back"])
    as_(marie, ["Employees", "Deactivate an employee", str(tom.id), True, PW, "Back"])
    return steps


TABLES = (
    "employees",
    "clients",
    "contracts",
    "payments",
    "events",
    "audit_log",
    "sessions",
    "notes",
    "exports",
)
KEPT_MOMENTS = {("events", "starts_at"), ("events", "ends_at")}  # typed in the forms, not stamped
RANDOM = {"password_hash", "token_hash"}


def database(admin_conn: psycopg.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the scenario's tables; a stamped moment (now()), a hash or a token only as
    whether it is set. The audit's changes: the names of the fields changed, and their values but
    for those of stamped moments and hashes."""
    rows = {}
    for table in TABLES:
        columns = admin_conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
            (table,),
        ).fetchall()
        picked = []
        for name, kind in columns:
            column = sql.Identifier(name)
            stamped = kind.startswith("timestamp") and (table, name) not in KEPT_MOMENTS
            if stamped or name in RANDOM:
                picked.append(sql.SQL("{} IS NOT NULL").format(column))
            elif name == "changes":
                picked.append(
                    sql.SQL(
                        "(SELECT jsonb_object_agg(key, CASE WHEN key ~ '(_at|hash)$'"
                        " THEN to_jsonb('set'::text) ELSE value END) FROM jsonb_each(changes))"
                    )
                )
            else:
                picked.append(column)
        query = sql.SQL("SELECT {} FROM {} ORDER BY 1").format(
            sql.SQL(", ").join(picked), sql.Identifier(table)
        )
        rows[table] = admin_conn.execute(query).fetchall()
    return rows


def test_the_scenario_asks_shows_and_saves_the_same_on_both_transports(
    db, admin_conn, remote_api, capsys, monkeypatch
):
    runs = {}
    for variant in ("direct", "remote"):
        monkeypatch.setattr(scripted, "VARIANT", variant)
        monkeypatch.setattr(scripted, "REMOTE", remote_api)
        before = len(remote_api.backends)
        steps = scenario(db, admin_conn, capsys)
        runs[variant] = (steps, database(admin_conn))
        assert len(remote_api.backends) - before == (len(steps) if variant == "remote" else 0)
    (direct_steps, direct_db), (remote_steps, remote_db) = runs["direct"], runs["remote"]
    for here, there in zip(direct_steps, remote_steps, strict=True):
        assert here == there
    assert direct_db == remote_db

    out = "".join(step[3] for step in remote_steps)
    for line in [
        "Employee 2 created: bill.b (Bill Boquet, sales).",
        "Employee 4 created: tom.t (Tom Temp, support).",
        "Contract 1 saved and signed.",
        "Payment of 2,500.50 recorded on contract 1; 9,499.50 remains to be paid.",
        "Kate Hastroff is now the support contact of event 1.",
        "Event 1 saved.",
        "Tom Temp (tom.t) is deactivated.",
    ]:
        assert line in out
    contract = admin_conn.execute(
        "SELECT total_amount, remaining_amount, is_signed FROM contracts"
    ).fetchone()
    assert [str(v) for v in contract] == ["12000.00", "9499.50", "True"]
    event = admin_conn.execute("SELECT support_contact_id, notes FROM events").fetchone()
    assert event == (3, "Bring flowers")
    assert admin_conn.execute("SELECT is_active FROM employees WHERE id = 4").fetchone() == (False,)
    faces = {face for (face,) in admin_conn.execute("SELECT face FROM sessions").fetchall()}
    assert faces == {"menus"}


@pytest.fixture(autouse=True)
def _direct_afterwards():
    yield
    scripted.VARIANT = "direct"
