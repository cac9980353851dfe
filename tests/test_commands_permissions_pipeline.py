"""docs/rules.md §5's pipeline rows through the commands: every pipeline write command x every
team x own / not own / deactivated. Allowed: exit 0 and the change is there; refused: exit 4
(crm.permissions) — or 3 for a deactivated employee, whose sessions ended with the deactivation —
and an unchanged database. Run in this process (tests.commands), as tests/test_commands_permissions.py."""

from __future__ import annotations

import pytest
from psycopg import sql

from tests.commands import Commands
from tests.factories import DEFAULT_PASSWORD, make_client_of, make_employee, make_opportunity, make_service

CASES = ("own", "not own", "deactivated")
PW = DEFAULT_PASSWORD + "\n"
M, S, P = "management", "sales", "support"
# command -> (its arguments in a world, teams allowed on their own records, teams allowed on any)
COMMANDS = {
    "service create": (
        lambda w: ["service", "create", "--name", "DJ", "--price", "300", "--unit", "hour"],
        {M},
        {M},
    ),
    "service update": (lambda w: ["service", "update", w["service"], "--price", "50"], {M}, {M}),
    "service retire": (lambda w: ["service", "retire", w["service"]], {M}, {M}),
    "opportunity create": (
        lambda w: ["opportunity", "create", "--client", w["client"], "--title", "Gala"],
        {S},
        set(),
    ),
    "opportunity update": (lambda w: ["opportunity", "update", w["open"], "--attendees", "99"], {M, S}, {M}),
    "opportunity add-line": (
        lambda w: ["opportunity", "add-line", w["open"], "--service", w["service"], "--quantity", "3"],
        {M, S},
        {M},
    ),
    "opportunity update-line": (
        lambda w: ["opportunity", "update-line", w["line"], "--quantity", "7"],
        {M, S},
        {M},
    ),
    "opportunity remove-line": (lambda w: ["opportunity", "remove-line", w["line"]], {M, S}, {M}),
    "opportunity move": (lambda w: ["opportunity", "move", w["open"], "--to", "proposal"], {M, S}, {M}),
    "opportunity lose": (lambda w: ["opportunity", "lose", w["open"], "--reason", "Budget cut"], {M, S}, {M}),
    "opportunity win": (lambda w: ["opportunity", "win", w["negotiation"]], {M}, {M}),
}
MATRIX = [(command, team, case) for command in COMMANDS for team in (M, S, P) for case in CASES]
TABLES = ("services", "opportunities", "opportunity_lines", "contracts")


def snapshot(admin_conn):
    return [
        admin_conn.execute(sql.SQL("SELECT * FROM {} ORDER BY id").format(sql.Identifier(table))).fetchall()
        for table in TABLES
    ]


def world(admin_conn, team, owns):
    actor = make_employee(admin_conn, team, "actor")
    other_sales = make_employee(admin_conn, "sales", "other_sales")
    client_id = make_client_of(admin_conn, actor if owns else other_sales, "Kevin Casey")
    service_id = make_service(admin_conn, "Catering", "45.00", "guest")
    open_id = make_opportunity(admin_conn, client_id, lines=[(service_id, 10, "45.00")], stage="qualified")
    negotiation = make_opportunity(
        admin_conn, client_id, "Gala", lines=[(service_id, 2, "45.00")], stage="negotiation"
    )
    line = admin_conn.execute("SELECT min(id) FROM opportunity_lines WHERE opportunity_id = %s", (open_id,))
    return {
        "actor": actor,
        "client": str(client_id),
        "service": str(service_id),
        "open": str(open_id),
        "negotiation": str(negotiation),
        "line": str(line.fetchone()[0]),
    }


@pytest.fixture
def cli(crm_db, tmp_path):
    return Commands(crm_db, tmp_path)


@pytest.mark.parametrize(
    "command, team, case", MATRIX, ids=[f"{c}-{t}-{k}".replace(" ", "_") for c, t, k in MATRIX]
)
def test_every_pipeline_write_command_by_every_team(
    cli, admin_conn, capsys, monkeypatch, command, team, case
):
    build, own_teams, any_teams = COMMANDS[command]
    w = world(admin_conn, team, owns=case != "not own")
    login = cli(
        "login", "--username", "actor", "--password-stdin", stdin=PW, capsys=capsys, monkeypatch=monkeypatch
    )
    assert login.status == 0
    if case == "deactivated":
        admin_conn.execute("UPDATE employees SET is_active = false WHERE id = %s", (w["actor"].id,))
    before = snapshot(admin_conn)
    done = cli(*build(w), "--password-stdin", stdin=PW, capsys=capsys, monkeypatch=monkeypatch)
    allowed = case != "deactivated" and team in (own_teams if case == "own" else any_teams)
    if allowed:
        assert done.status == 0, done.err
        assert snapshot(admin_conn) != before
        return
    expected = 3 if case == "deactivated" else 4
    assert (done.status, done.out) == (expected, ""), done.err
    assert done.err.count("\n") == 1  # one line saying why
    assert snapshot(admin_conn) == before
