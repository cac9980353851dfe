"""Demo data: what it loads, that its accounts work, and when it refuses to run."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime

import pytest

from crm import app, demo
from crm.errors import CRMError
from crm.services import auth
from tests.configs import write_config
from tests.factories import make_client, make_client_of, make_employee
from tests.scripted import ScriptedPrompts

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def counts(conn) -> dict[str, int]:
    tables = ("employees", "clients", "contracts", "payments", "events", "services", "opportunities")
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608


def test_load_fills_every_table_consistently(db, admin_conn):
    result = demo.load(db, 60, seed=7, progress_stream=None, now=NOW)

    assert counts(admin_conn) == result.counts
    assert result.counts["clients"] == 60
    assert result.counts["contracts"] == 60 * 2 + 6  # every 10th client has an unsigned third contract
    assert result.counts["events"] == 60 * 2  # one per signed contract
    (unsigned, partly_paid, unpaid, paid_off) = admin_conn.execute(
        "SELECT count(*) FILTER (WHERE NOT is_signed),"
        " count(*) FILTER (WHERE is_signed AND remaining_amount > 0 AND remaining_amount < total_amount),"
        " count(*) FILTER (WHERE remaining_amount = total_amount),"
        " count(*) FILTER (WHERE remaining_amount = 0) FROM contracts"
    ).fetchone()
    assert unsigned == 6 and partly_paid > 0 and unpaid > 0 and paid_off > 0
    # Payments add up to what was paid on each contract, and were recorded by its sales contact.
    mismatched = admin_conn.execute(
        "SELECT count(*) FROM contracts c"
        " LEFT JOIN (SELECT contract_id, sum(amount) AS paid FROM payments GROUP BY contract_id) p"
        "   ON p.contract_id = c.id"
        " WHERE coalesce(p.paid, 0) <> c.total_amount - c.remaining_amount"
    ).fetchone()[0]
    assert mismatched == 0
    assert admin_conn.execute(
        "SELECT bool_and(p.recorded_by = cl.sales_contact_id) FROM payments p"
        " JOIN contracts c ON c.id = p.contract_id JOIN clients cl ON cl.id = c.client_id"
    ).fetchone()[0]
    unassigned, past, upcoming = admin_conn.execute(
        "SELECT count(*) FILTER (WHERE support_contact_id IS NULL),"
        " count(*) FILTER (WHERE starts_at < %s), count(*) FILTER (WHERE starts_at >= %s) FROM events",
        (NOW, NOW),
    ).fetchone()
    assert unassigned > 0 and past > 0 and upcoming > 0
    # Clients belong to sales employees; events to support employees.
    assert admin_conn.execute(
        "SELECT bool_and(e.team = 'sales') FROM clients c JOIN employees e ON e.id = c.sales_contact_id"
    ).fetchone()[0]
    assert admin_conn.execute(
        "SELECT bool_and(s.team = 'support') FROM events e JOIN employees s ON s.id = e.support_contact_id"
    ).fetchone()[0]


def test_dates_follow_each_other_as_in_real_life(db, admin_conn):
    demo.load(db, 80, seed=5, progress_stream=None, now=NOW)
    (bad_contracts,) = admin_conn.execute(
        "SELECT count(*) FROM contracts c JOIN clients cl ON cl.id = c.client_id"
        " WHERE c.created_at < cl.created_at OR c.created_at > %s"
        " OR c.signed_at < c.created_at OR c.signed_at > %s"
        " OR c.updated_at < coalesce(c.signed_at, c.created_at)",
        (NOW, NOW),
    ).fetchone()
    (bad_payments,) = admin_conn.execute(
        "SELECT count(*) FROM payments p JOIN contracts c ON c.id = p.contract_id"
        " WHERE p.paid_at < c.signed_at OR p.paid_at > %s",
        (NOW,),
    ).fetchone()
    (bad_events,) = admin_conn.execute(
        "SELECT count(*) FROM events e JOIN contracts c ON c.id = e.contract_id"
        " WHERE e.starts_at < c.signed_at OR e.created_at < c.signed_at"
        " OR extract(hour FROM e.starts_at AT TIME ZONE 'UTC') NOT BETWEEN 9 AND 20",
    ).fetchone()
    assert (bad_contracts, bad_payments, bad_events) == (0, 0, 0)


def test_demo_accounts_log_in_with_the_printed_passwords(db):
    result = demo.load(db, 5, seed=1, progress_stream=None, now=NOW)
    out: list[str] = []
    demo.print_accounts(result, out.append)
    printed = "\n".join(out)
    for team in ("management", "sales", "support"):
        account = next(a for a in result.accounts if a.team == team)
        assert account.password in printed
        employee = auth.login(db, account.username, account.password)
        assert employee.team == team


def test_non_latin_names_are_loaded_as_they_are(db, admin_conn):
    demo.load(db, 300, seed=3, progress_stream=None, now=NOW)
    names = {r[0] for r in admin_conn.execute("SELECT full_name FROM clients")}
    assert any(not name.isascii() for name in names)


def test_refuses_a_database_with_real_clients_even_forced(db, admin_conn):
    """Beside real data a demo load would write without a logged-in employee, which the database
    refuses (sql/0017): --force no longer mixes them."""
    sales = make_employee(admin_conn, "sales")
    make_client(admin_conn, sales.id, email="real.client@company.com")
    before = counts(admin_conn)

    with pytest.raises(CRMError, match="already holds real data"):
        demo.load(db, 5, progress_stream=None)
    assert counts(admin_conn) == before

    with pytest.raises(CRMError, match="takes demo data only into a database without it"):
        demo.load(db, 5, progress_stream=None, force=True)
    assert counts(admin_conn) == before


def test_a_fresh_install_with_only_its_manager_is_not_real_data(db, admin_conn):
    make_employee(admin_conn, "management")
    demo.load(db, 3, progress_stream=None)
    assert counts(admin_conn)["clients"] == 3


def test_refuses_to_load_twice(db, admin_conn):
    demo.load(db, 3, progress_stream=None)
    before = counts(admin_conn)
    with pytest.raises(CRMError, match="already holds demo data"):
        demo.load(db, 3, progress_stream=None)
    assert counts(admin_conn) == before


def test_a_failure_half_way_leaves_nothing_behind(db, admin_conn):
    # The client below (a demo-looking one, so not real data) has the e-mail the demo's third
    # client will get: the clients' insert fails on it.
    rng = random.Random(11)
    clients = list(demo._client_rows(rng, 3, [1], NOW))
    sales = make_employee(admin_conn, "management")
    make_client_of(admin_conn, sales, "Look Alike")
    admin_conn.execute("UPDATE clients SET email = %s", (clients[2][1],))
    before = counts(admin_conn)

    with pytest.raises(Exception, match="clients_email_key"):
        demo.load(db, 3, seed=11, progress_stream=None, now=NOW)
    assert counts(admin_conn) == before


@pytest.mark.parametrize("clients", [0, demo.CLIENTS_MAX + 1])
def test_scale_out_of_range_is_refused(db, clients):
    with pytest.raises(CRMError, match="between 1 and"):
        demo.load(db, clients, progress_stream=None)


def test_progress_bar_reaches_100_percent(db):
    stream = io.StringIO()
    demo.load(db, 4, progress_stream=stream)
    assert stream.getvalue().rstrip().endswith("100%")


def test_command_line_loads_and_prints_accounts(crm_db, admin_conn, tmp_path, monkeypatch, capsys):
    write_config(tmp_path / "crm.ini", crm_db, monkeypatch=monkeypatch)
    assert app.main(["--demo-data", "--clients", "12"], ScriptedPrompts([])) == 0
    out = capsys.readouterr().out
    assert "12 clients" in out and "password: demo-" in out
    assert counts(admin_conn)["clients"] == 12


def test_command_line_refusal_is_one_line_and_exit_1(crm_db, admin_conn, tmp_path, monkeypatch, capsys):
    sales = make_employee(admin_conn, "sales")
    make_client(admin_conn, sales.id, email="real@company.com")
    write_config(tmp_path / "crm.ini", crm_db, monkeypatch=monkeypatch)
    assert app.main(["--demo-data", "--clients", "5"], ScriptedPrompts([])) == 1
    out = capsys.readouterr().out.strip()
    assert "--force" in out and len(out.splitlines()) == 1


def test_demo_data_has_services_and_opportunities_at_every_stage(db, admin_conn):
    result = demo.load(db, 60, seed=3, progress_stream=None, now=NOW)
    assert result.counts["services"] == len(demo.SERVICES)
    stages = dict(admin_conn.execute("SELECT stage, count(*) FROM opportunities GROUP BY stage").fetchall())
    assert set(stages) == {"new", "qualified", "proposal", "negotiation", "won", "lost"}
    # Won ones are the origin of a signed contract of their client, for its total; lost ones say why.
    assert admin_conn.execute(
        "SELECT bool_and(c.client_id = o.client_id AND c.total_amount = o.amount AND c.is_signed)"
        " FROM opportunities o JOIN contracts c ON c.id = o.contract_id"
    ).fetchone() == (True,)
    assert admin_conn.execute(
        "SELECT count(*) FROM opportunities WHERE stage = 'lost' AND lost_reason IS NULL"
    ).fetchone() == (0,)
    assert admin_conn.execute(
        "SELECT count(*) FROM opportunities WHERE closed_at > %s OR closed_at < created_at", (NOW,)
    ).fetchone() == (0,)
