"""docs/rules.md §5 through the commands: every write command x every team x own / not own /
deactivated. Allowed: exit 0 and the change is there; refused: exit 4 (crm.permissions) — or 3
for a deactivated employee, whose sessions ended with the deactivation — and an unchanged
database. Run in this process (tests.commands) to keep the matrix fast."""

from __future__ import annotations

import pytest
from psycopg import sql

from tests.commands import Commands
from tests.factories import DEFAULT_PASSWORD, make_client_of, make_contract, make_employee, make_event

CASES = ("own", "not own", "deactivated")
PW = DEFAULT_PASSWORD + "\n"
NEW_PW = "a fresh passphrase for someone\n"

M, S, P = "management", "sales", "support"
# command -> (its arguments in a world, teams allowed on their own records, teams allowed on any)
COMMANDS = {
    "client create": (
        lambda w: ["client", "create", "--name", "New Client", "--email", "new@client.example"],
        {S},
        {S},
    ),
    "client update": (lambda w: ["client", "update", w["client"], "--name", "Renamed"], {S}, set()),
    "client reassign": (lambda w: ["client", "reassign", w["client"], "--to", w["new_sales"]], {M}, {M}),
    "contract create": (
        lambda w: ["contract", "create", "--client", w["client"], "--total", "500"],
        {M},
        {M},
    ),
    "contract update": (lambda w: ["contract", "update", w["contract"], "--total", "1200"], {M, S}, {M}),
    "contract sign": (lambda w: ["contract", "sign", w["unsigned"]], {M, S}, {M}),
    "contract pay": (lambda w: ["contract", "pay", w["contract"], "--amount", "100"], {M, S}, {M}),
    "contract correct-payment": (lambda w: ["contract", "correct-payment", w["payment"]], {M}, {M}),
    "event create": (
        lambda w: [
            "event",
            "create",
            "--contract",
            w["awaiting"],
            "--name",
            "Gala",
            "--start",
            "2031-05-05 15:00",
            "--end",
            "2031-05-05 17:00",
        ],
        {S},
        set(),
    ),  # fmt: skip
    "event update": (lambda w: ["event", "update", w["event"], "--attendees", "99"], {M, P}, {M}),
    "event assign": (lambda w: ["event", "assign", w["event"], "--support", w["new_support"]], {M}, {M}),
    "employee create": (
        lambda w: [
            "employee",
            "create",
            "--username",
            "newbie",
            "--name",
            "New Bie",
            "--email",
            "newbie@epicevents.test",
            "--team",
            "sales",
            "--new-password-stdin",
        ],
        {M},
        {M},
    ),  # fmt: skip
    "employee update": (lambda w: ["employee", "update", w["target"], "--name", "Renamed"], {M}, {M}),
    "employee deactivate": (lambda w: ["employee", "deactivate", w["target"]], {M}, {M}),
    "employee reactivate": (lambda w: ["employee", "reactivate", w["retired"]], {M}, {M}),
    "employee reset-password": (
        lambda w: ["employee", "reset-password", w["target"], "--new-password-stdin"],
        {M},
        {M},
    ),
    # Issue 15: notes and handing over someone's work.
    "client note": (lambda w: ["client", "note", w["client"], "--text", "called, wants a DJ"], {M, S}, {M}),
    "event note": (lambda w: ["event", "note", w["event"], "--text", "venue confirmed"], {M, P}, {M}),
    "employee hand-over": (
        lambda w: ["employee", "hand-over", w["other_support"], "--to", w["new_support"]],
        {M},
        {M},
    ),
}
MATRIX = [(command, team, case) for command in COMMANDS for team in (M, S, P) for case in CASES]
TABLES = ("employees", "clients", "contracts", "payments", "events", "notes")


def snapshot(admin_conn):
    return [
        admin_conn.execute(sql.SQL("SELECT * FROM {} ORDER BY id").format(sql.Identifier(table))).fetchall()
        for table in TABLES
    ]


def world(admin_conn, team, owns):
    actor = make_employee(admin_conn, team, "actor")
    other_sales = make_employee(admin_conn, "sales", "other_sales")
    other_support = make_employee(admin_conn, "support", "other_support")
    client_id = make_client_of(admin_conn, actor if owns else other_sales, "Kevin Casey")
    contract_id = make_contract(admin_conn, client_id, total="1000.00", remaining="900.00", signed=True)
    payment_id = admin_conn.execute("SELECT id FROM payments").fetchone()[0]
    support = actor if owns and team == "support" else other_support
    event_id = make_event(admin_conn, contract_id, support_id=support.id)
    return {
        "actor": actor,
        "client": str(client_id),
        "contract": str(contract_id),
        "payment": str(payment_id),
        "unsigned": str(make_contract(admin_conn, client_id, total="300.00")),
        "awaiting": str(make_contract(admin_conn, client_id, total="400.00", signed=True)),
        "event": str(event_id),
        "new_sales": str(make_employee(admin_conn, "sales", "new_sales").id),
        "new_support": str(make_employee(admin_conn, "support", "new_support").id),
        "target": str(make_employee(admin_conn, "support", "target").id),
        "retired": str(make_employee(admin_conn, "sales", "retired", active=False).id),
        "other_support": str(other_support.id),
    }


@pytest.fixture
def cli(crm_db, tmp_path):
    return Commands(crm_db, tmp_path)


@pytest.mark.parametrize(
    "command, team, case", MATRIX, ids=[f"{c}-{t}-{k}".replace(" ", "_") for c, t, k in MATRIX]
)
def test_every_write_command_by_every_team(cli, admin_conn, capsys, monkeypatch, command, team, case):
    build, own_teams, any_teams = COMMANDS[command]
    w = world(admin_conn, team, owns=case != "not own")
    assert (
        cli(
            "login",
            "--username",
            "actor",
            "--password-stdin",
            stdin=PW,
            capsys=capsys,
            monkeypatch=monkeypatch,
        ).status
        == 0
    )
    if case == "deactivated":
        admin_conn.execute("UPDATE employees SET is_active = false WHERE id = %s", (w["actor"].id,))
    before = snapshot(admin_conn)
    done = cli(*build(w), "--password-stdin", stdin=PW + NEW_PW, capsys=capsys, monkeypatch=monkeypatch)
    allowed = case != "deactivated" and team in (own_teams if case == "own" else any_teams)
    if allowed:
        assert done.status == 0, done.err
        assert snapshot(admin_conn) != before
        return
    expected = 3 if case == "deactivated" else 4
    assert (done.status, done.out) == (expected, ""), done.err
    assert done.err.count("\n") == 1  # one line saying why
    assert snapshot(admin_conn) == before
