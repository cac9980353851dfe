"""The Pipeline and Services sections driven through the team menu loop with scripted answers."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from crm.ui.catalogue import catalogue_section
from crm.ui.contracts import contracts_section
from crm.ui.pipeline import pipeline_section
from tests.factories import DEFAULT_PASSWORD, make_client, make_opportunity, make_service, make_staff
from tests.scripted import CtrlC, run_menu

pytestmark = pytest.mark.usefixtures("menu_variant")

PW = DEFAULT_PASSWORD


def run(db, employee, answers):
    return run_menu(db, employee, [contracts_section(), pipeline_section(), catalogue_section()], answers)


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "sam", "kate")


def opportunities(admin_conn):
    return admin_conn.execute(
        "SELECT title, stage, amount, expected_attendees, lost_reason, version FROM opportunities ORDER BY id"
    ).fetchall()


def test_management_keeps_the_catalogue_from_the_menu(db, admin_conn, staff, capsys):
    answers = [
        "Services",
        "Create a service",
        "Catering",
        "Menus for every taste",
        "45",
        "per week",
        "guest",
        PW,
    ]
    answers += ["Create a service", "catering", "DJ", "", "1,5", "300", "hour", PW]
    answers += ["Update a service", "1", None, None, "48.50", None, PW]
    answers += ["Retire or restore a service", "2", True, PW, "Back", "Quit"]
    run(db, staff["manager"], answers)
    out = capsys.readouterr().out
    assert "Service 1 (Catering) added to the catalogue." in out
    assert "The unit is per event, per guest or per hour" in out
    assert "Another service already has this name." in out
    assert "a comma only separates thousands" in out
    assert "Service 2 (DJ) retired." in out
    assert admin_conn.execute(
        "SELECT name, unit_price, unit, is_active, version FROM services ORDER BY id"
    ).fetchall() == [
        ("Catering", D("48.50"), "guest", True, 2),
        ("DJ", D("300.00"), "hour", False, 2),
    ]


def test_the_services_section_is_managements(db, admin_conn, staff, capsys):
    make_service(admin_conn, "Catering", "45.00", "guest")
    prompts = run(db, staff["bill"], ["Quit"])
    assert "Services" not in prompts.shown[next(iter(prompts.shown))]
    prompts = run(db, staff["manager"], ["Services", "List services", "Back", "Quit"])
    assert "Catering" in capsys.readouterr().out


def test_sales_open_quote_and_move_an_opportunity(db, admin_conn, staff, capsys):
    client = make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    catering = make_service(admin_conn, "Catering", "45.00", "guest")
    retired = make_service(admin_conn, "Fireworks", "10.00", "event", active=False)
    answers = [
        "Pipeline",
        "Create an opportunity",
        str(client),
        "Wedding in June",
        "31/03/2027",
        "2027-03-31",
    ]
    answers += ["200", PW]
    answers += ["Edit an opportunity", "1", "Add a line", str(retired), str(catering), "0", "200", None, PW]
    answers += ["Change a line", "7", "1", "180", None, PW]
    answers += ["Title, close date, guests", "Wedding in July", None, "180", PW, "Done"]
    answers += ["Move to another stage", "1", "qualified", PW]
    answers += ["My opportunities by stage", "Back", "Quit"]
    prompts = run(db, staff["bill"], answers)
    out = capsys.readouterr().out
    assert "Expected close date must look like 2027-06-04 (or be empty)." in out
    assert f"Service {retired} is not one of those above." in out
    assert "Quantity must be a positive whole number." in out
    assert "Line added; the amount is now 9,000.00." in out
    assert "Line 7 is not one of this opportunity's." in out
    assert "Line 1 saved; the amount is now 8,100.00." in out
    assert "Opportunity 1 is now at qualified (25% likely)." in out
    assert prompts.shown["Move to:"] == ["qualified (25%)", "Cancel"]
    assert opportunities(admin_conn) == [("Wedding in July", "qualified", D("8100.00"), 180, None, 5)]
    assert prompts.passwords == 5


def test_the_moves_offered_are_the_machines(db, admin_conn, staff, capsys):
    client = make_client(admin_conn, staff["bill"].id)
    make_opportunity(admin_conn, client, stage="proposal")
    prompts = run(db, staff["bill"], ["Pipeline", "Move to another stage", "1", "Cancel", "Back", "Quit"])
    assert prompts.shown["Move to:"] == ["new (10%)", "qualified (25%)", "negotiation (75%)", "Cancel"]
    assert "Nothing changed." in capsys.readouterr().out


def test_sales_mark_lost_with_a_reason_and_cannot_win(db, admin_conn, staff, capsys):
    client = make_client(admin_conn, staff["bill"].id)
    service = make_service(admin_conn)
    make_opportunity(admin_conn, client, lines=[(service, 2, "45.00")], stage="negotiation")
    answers = ["Pipeline", "Mark won or lost", "1", "   ", "Went with a competitor", PW, "Back", "Quit"]
    prompts = run(db, staff["bill"], answers)
    out = capsys.readouterr().out
    assert "Reason cannot be blank" in out and "Opportunity 1 marked lost." in out
    assert "Close as:" not in prompts.messages  # sales are not offered won
    assert opportunities(admin_conn)[0][1:5] == ("lost", D("90.00"), 200, "Went with a competitor")


def test_sales_cannot_touch_another_sales_employees_opportunity(db, admin_conn, staff, capsys):
    client = make_client(admin_conn, staff["sam"].id)
    make_opportunity(admin_conn, client)
    before = opportunities(admin_conn)
    answers = ["Pipeline", "Edit an opportunity", "1", "Move to another stage", "1", "Mark won or lost", "1"]
    run(db, staff["bill"], answers + ["Back", "Quit"])
    out = capsys.readouterr().out
    assert "Only the client's sales contact can edit this opportunity." in out
    assert "Only the client's sales contact can move this opportunity." in out
    assert "Only the client's sales contact can mark this opportunity lost." in out
    assert opportunities(admin_conn) == before


def test_management_wins_and_the_contract_names_the_opportunity(db, admin_conn, staff, capsys):
    client = make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    service = make_service(admin_conn, "Venue", "2500.00", "event")
    make_opportunity(admin_conn, client, lines=[(service, 2, "2500.00")], stage="negotiation")
    answers = ["Pipeline", "Mark won or lost", "1", "Won", PW, "Back"]
    answers += ["Contracts", "Show a contract", "1", "Back", "Quit"]
    run(db, staff["manager"], answers)
    out = capsys.readouterr().out
    assert "Opportunity 1 won: contract 1 created for 5,000.00 (not signed yet; sign it in Contracts)." in out
    assert "Won from" in out and "opportunity 1: Wedding in June" in out
    assert admin_conn.execute("SELECT client_id, total_amount FROM contracts").fetchall() == [
        (client, D("5000.00"))
    ]


def test_ctrl_c_while_closing_saves_nothing(db, admin_conn, staff, capsys):
    client = make_client(admin_conn, staff["bill"].id)
    make_opportunity(admin_conn, client)
    before = opportunities(admin_conn)
    run(db, staff["manager"], ["Pipeline", "Mark won or lost", "1", "Lost", CtrlC, "Back", "Quit"])
    assert "Cancelled; nothing was saved." in capsys.readouterr().out
    assert opportunities(admin_conn) == before


def test_the_report_and_the_open_list_from_the_menu(db, admin_conn, staff, capsys):
    client = make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    service = make_service(admin_conn, "Venue", "1000.00", "event")
    make_opportunity(admin_conn, client, "Gala", lines=[(service, 4, "1000.00")], stage="negotiation")
    make_opportunity(admin_conn, client, "Lost one", lines=[(service, 1, "1000.00")], stage="lost")
    answers = [
        "Pipeline",
        "Pipeline report",
        "Open opportunities",
        "Show an opportunity",
        "1",
        "Back",
        "Quit",
    ]
    run(db, staff["manager"], answers)
    out = capsys.readouterr().out
    report = out.split("Open opportunities by stage:")[1].split("Open opportunities —")[0]
    assert "negotiation" in report and "4,000.00" in report and "3,000.00" in report
    assert "all time" in report and "0.0%" in report
    listed = out.split("Open opportunities —")[1].split("Opportunity 1")[0]
    assert "Gala" in listed and "Lost one" not in listed
    assert "Can move to" in out and "new, qualified, proposal, won, lost" in out
