"""End to end through `python -m main` in a pseudo-terminal, the heart of the CRM: sales creates a
client → management creates a contract → sales signs it → sales creates the event → management
assigns a support employee → support updates the event's notes → every team sees the change."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from tests.configs import write_config
from tests.e2e import PASSWORD, Crm
from tests.factories import make_employee

NOTES = "Catering at 5 PM — « près de la rivière » '; DROP TABLE events; --"


@pytest.fixture
def workdir(tmp_path, crm_db, admin_conn):
    """A server-mode config for the module's database, with a manager, a sales and a support employee."""
    make_employee(admin_conn, "management", "boss", PASSWORD, full_name="Bill Boss")
    make_employee(admin_conn, "sales", "bill", PASSWORD, full_name="Bill Boquet")
    make_employee(admin_conn, "support", "kate", PASSWORD, full_name="Kate Hastroff")
    write_config(tmp_path / "crm.ini", crm_db)
    return tmp_path


def log_in(crm: Crm, username: str, welcome: str) -> None:
    crm.login(username)
    crm.expect(f"Welcome, {welcome}.")


def test_client_to_contract_to_event_across_the_three_teams(workdir, admin_conn):
    start = (datetime.now() + timedelta(days=40)).replace(hour=13, minute=0)
    crm = Crm(workdir)
    try:
        log_in(crm, "bill", "Bill Boquet (sales)")
        crm.pick("main menu", "Clients")
        crm.pick("Clients", "Create a client")
        crm.answer("Full name:", "Kevin Casey")
        crm.answer("E-mail:", "kevin@startup.io")
        crm.answer("Phone (optional):", "+678 123 456 78")
        crm.answer("Company name (optional):", "Cool Startup LLC")
        crm.confirm_write("bill")
        crm.expect("Client 1 (Kevin Casey) created; you are their sales contact.")
        crm.log_out("Clients")

        log_in(crm, "boss", "Bill Boss (management)")
        crm.pick("main menu", "Contracts")
        crm.pick("Contracts", "Create a contract")
        crm.answer("Client id, or part of a name or company to search:", "cool")
        crm.pick("Matches for 'cool'", "Kevin Casey — Cool Startup LLC")
        crm.answer("Total amount:", "15000")  # nothing paid yet: 15000 remains
        crm.expect("Is it signed already?")
        crm.child.send("n\r")
        crm.confirm_write("boss")
        crm.expect("Contract 1 created for Kevin Casey (not signed yet).")
        crm.log_out("Contracts")

        log_in(crm, "bill", "Bill Boquet (sales)")
        crm.pick("main menu", "Contracts")
        crm.pick("Contracts", "Update a contract")
        crm.answer("Contract id, or part of the client's name:", "1")
        crm.answer("Total amount:", "")
        crm.expect("Sign the contract now?")
        crm.child.send("y\r")
        crm.confirm_write("bill")
        crm.expect("Contract 1 saved and signed.")
        crm.pick("Contracts", "Record a payment")
        crm.answer("Contract id, or part of the client's name:", "kévin")  # any case, any accents
        crm.pick("Matches for 'kévin'", "Kevin Casey — contract 1")
        crm.answer("Payment amount:", "5000")
        crm.confirm_write("bill")
        crm.expect("Payment of 5,000.00 recorded on contract 1; 10,000.00 remains to be paid.")
        crm.pick("Contracts", "Back")
        crm.pick("main menu", "Events")
        crm.pick("Events", "Create an event")
        crm.answer("Contract id, or part of the client's name:", "1")
        crm.answer("Event name:", "Kevin Casey Launch Party")
        crm.answer("Client contact details:", "")
        crm.answer("Start (YYYY-MM-DD HH:MM, ", start.strftime("%Y-%m-%d %H:%M"))
        crm.answer("End (YYYY-MM-DD HH:MM, ", (start + timedelta(hours=4)).strftime("%Y-%m-%d %H:%M"))
        crm.answer("Location:", "53 Rue du Château, Candé-sur-Beuvron")
        crm.answer("Attendees:", "75", clear=True)
        crm.answer("Notes:", "")
        crm.confirm_write("bill")
        crm.expect("Event 1 created for contract 1; it awaits a support employee.")
        crm.log_out("Events")

        log_in(crm, "boss", "Bill Boss (management)")
        crm.pick("main menu", "Events")
        crm.pick("Events", "Assign support")
        crm.answer("Event id, or part of its name or its client's name:", "1")
        crm.answer("Support employee (id, or part of a name):", "hastr")
        crm.pick("Matches for 'hastr'", "Kate Hastroff")
        crm.confirm_write("boss")
        crm.expect("Kate Hastroff is now the support contact of event 1.")
        crm.log_out("Events")

        log_in(crm, "kate", "Kate Hastroff (support)")
        crm.pick("main menu", "Events")
        crm.pick("Events", "Update an event")
        crm.answer("Event id, or part of its name or its client's name:", "1")
        for prompt in ("Event name:", "Client contact details:", "Start (YYYY-MM-DD HH:MM, "):
            crm.answer(prompt, "")
        for prompt in ("End (YYYY-MM-DD HH:MM, ", "Location:", "Attendees:"):
            crm.answer(prompt, "")
        crm.answer("Notes:", NOTES, clear=True)
        crm.confirm_write("kate")
        crm.expect("Event 1 saved.")
        crm.log_out("Events")

        for username, welcome in (
            ("boss", "Bill Boss (management)"),
            ("bill", "Bill Boquet (sales)"),
            ("kate", "Kate Hastroff (support)"),
        ):
            log_in(crm, username, welcome)
            crm.pick("main menu", "Events")
            crm.pick("Events", "List events")
            crm.expect("Events (newest first) — page 1")
            crm.expect("Kevin Casey Launch Party")
            crm.expect("Kate Hastroff")
            crm.pick("Events", "Show an event")
            crm.answer("Event id, or part of its name or its client's name:", "1")
            crm.expect("Notes")
            crm.expect(NOTES)
            crm.log_out("Events")
        assert crm.quit_at_login() == 0
    finally:
        crm.close()

    assert admin_conn.execute(
        "SELECT cl.full_name, cl.sales_contact_id, c.total_amount, c.remaining_amount, c.is_signed,"
        " e.name, e.support_contact_id, e.attendees, e.notes"
        " FROM events e JOIN contracts c ON c.id = e.contract_id JOIN clients cl ON cl.id = c.client_id"
    ).fetchall() == [
        (
            "Kevin Casey",
            2,
            Decimal("15000.00"),
            Decimal("10000.00"),
            True,
            "Kevin Casey Launch Party",
            3,
            75,
            NOTES,
        )
    ]
    assert admin_conn.execute("SELECT amount, recorded_by FROM payments").fetchall() == [
        (Decimal("5000.00"), 2)
    ]
    transcript = (workdir / "transcript.txt").read_text(encoding="utf-8")
    assert PASSWORD not in transcript
    assert "Traceback" not in transcript
