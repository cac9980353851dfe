"""French amounts and dates through the menus (scripted prompts): typed as a French office writes
them, stored as numeric, shown back the French way (crm/formats.py).

The menus' own words may or may not be translated yet: the answers that pick a menu entry are
the entries' titles in the current language (crm.i18n._), and the checks are on the amounts
and the dates.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from psycopg import sql

from crm.i18n import _, speaking
from crm.ui import render
from crm.ui.clients import clients_section
from crm.ui.contracts import contracts_section
from tests.factories import DEFAULT_PASSWORD, make_client, make_contract, make_staff
from tests.scripted import run_menu

NNBSP, NBSP = "\u202f", "\u00a0"
FRENCH_MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill")


def run(db, employee, answers):
    return run_menu(db, employee, [clients_section(), contracts_section()], answers)


def test_management_types_a_french_amount_and_reads_it_back_in_french(db, admin_conn, staff, capsys):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    with speaking("fr"):
        answers = [
            _("Contracts"),
            _("Create a contract"),
            str(client_id),
            "1.500,50",  # ambiguous: refused, asked again
            "1,500",  # thousands or decimals? refused
            "1 500,50",
            False,
            DEFAULT_PASSWORD,
            _("Show a contract"),
            None,  # filled below, once the id is known
            _("List contracts"),
            _("Back"),
            _("Quit"),
        ]
        answers[answers.index(None)] = str(_next_id(admin_conn, "contracts_id_seq"))
        run(db, staff["manager"], answers)
        out = capsys.readouterr().out
        row = admin_conn.execute(
            "SELECT id, total_amount, remaining_amount, created_at FROM contracts"
        ).fetchone()
        created = render.local_moment(row[3])
    assert row[1:3] == (Decimal("1500.50"), Decimal("1500.50"))  # numeric(12,2) in the database
    assert "pas les deux" in out and "2 décimales au plus" in out
    assert out.count(f"1{NNBSP}500,50{NBSP}€") >= 4  # the detail's Total and Remaining, the list's
    assert f"0,00{NBSP}€" in out  # nothing paid yet
    assert created in out and any(f" {month} " in created for month in FRENCH_MONTHS)
    shown = out.rsplit("séparez les milliers", 1)[1]  # after the refusals, which quote 1,500.50
    assert "1,500.50" not in shown and "1500.50" not in shown
    # The list: the same amount, the day of creation day first.
    assert f"{row[3].astimezone():%d/%m/%Y}" in out


def _next_id(admin_conn, sequence: str) -> int:
    """The id the next row will get (the sequence's next value, not consumed)."""
    query = sql.SQL("SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM {}")
    return int(admin_conn.execute(query.format(sql.Identifier(sequence))).fetchone()[0])


def test_sales_records_a_french_payment_and_reads_what_remains(db, admin_conn, staff, capsys):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    contract_id = make_contract(admin_conn, client_id, total="2000.00", signed=True)
    with speaking("fr"):
        answers = [
            _("Contracts"),
            _("Record a payment"),
            str(contract_id),
            "2 500",  # more than remains: refused, in French figures
            "499,75 €",
            DEFAULT_PASSWORD,
            _("Back"),
            _("Quit"),
        ]
        run(db, staff["bill"], answers)
    out = capsys.readouterr().out
    assert f"2{NNBSP}000,00{NBSP}€" in out  # the total shown before the question
    assert f"2{NNBSP}500,00{NBSP}€" in out  # in the refusal of a payment above what remains
    assert f"1{NNBSP}500,25{NBSP}€" in out  # what remains after the payment
    remaining = admin_conn.execute("SELECT remaining_amount FROM contracts WHERE id = %s", (contract_id,))
    assert remaining.fetchone()[0] == Decimal("1500.25")
    paid = admin_conn.execute("SELECT amount FROM payments WHERE contract_id = %s", (contract_id,)).fetchall()
    assert paid == [(Decimal("499.75"),)]


def test_the_same_contract_reads_as_always_in_english(db, admin_conn, staff, capsys):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    contract_id = make_contract(admin_conn, client_id, total="1500.50")
    run(db, staff["manager"], ["Contracts", "Show a contract", str(contract_id), "Back", "Quit"])
    out = capsys.readouterr().out
    assert "1,500.50" in out and "€" not in out
    created = admin_conn.execute("SELECT created_at FROM contracts WHERE id = %s", (contract_id,)).fetchone()[
        0
    ]
    assert f"{created.astimezone():%Y-%m-%d %H:%M}" in out
    assert isinstance(created, datetime)


def test_sales_types_french_dates_for_an_event_and_reads_them_in_words(db, admin_conn, staff, capsys):
    from zoneinfo import ZoneInfo

    from crm.ui.events import events_section
    from tests.factories import signed_contract
    from tests.scripted import Clock

    paris = ZoneInfo("Europe/Paris")
    bill = staff["bill"]
    contract = signed_contract(admin_conn, bill.id, "Kevin Casey")
    with speaking("fr"):
        answers = [
            _("Events"),
            _("Create an event"),
            str(contract),
            "Assemblée générale",
            None,  # keep the client's contact details offered
            "31/06/2026 13:00",  # no such day
            "lundi 4 juin 2026 13:00",  # 4 June 2026 is a Thursday
            "04/06/2026 13:00",
            "vendredi 5 juin 2026 à 2h",
            "Salle des fêtes",
            "200",
            "",
            DEFAULT_PASSWORD,
            _("Show an event"),
            None,  # the event's id, once known
            _("Back"),
            _("Quit"),
        ]
        answers[answers.index(None, 5)] = str(_next_id(admin_conn, "events_id_seq"))
        run_menu(
            db, bill, [events_section(paris)], answers, clock=Clock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
        )
    out = capsys.readouterr().out
    assert "la date du 31/06/2026 n’existe pas" in out
    assert "le 4 juin 2026 est un jeudi, pas un lundi" in out
    starts, ends = admin_conn.execute("SELECT starts_at, ends_at FROM events").fetchone()
    assert (starts, ends) == (datetime(2026, 6, 4, 11, 0, tzinfo=UTC), datetime(2026, 6, 5, 0, 0, tzinfo=UTC))
    assert "jeudi 4 juin 2026 13:00" in out and "vendredi 5 juin 2026 02:00" in out
