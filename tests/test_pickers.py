"""Pickers that find by name: a client, a contract, an event or an employee chosen by id or by part
of a name (any case, any accents), among a page of matches, through the scripted prompts."""

from __future__ import annotations

import pytest

from crm.models import Team
from crm.services import contracts as contract_service
from crm.services import employees as employee_service
from crm.ui.clients import clients_section
from crm.ui.contracts import contracts_section
from crm.ui.employees import employees_section
from crm.ui.events import events_section
from crm.ui.history import history_section
from crm.ui.pickers import PICK_PAGE
from tests.factories import DEFAULT_PASSWORD, make_client, make_contract, make_event, make_staff
from tests.scripted import run_menu

MATCHES = "Matches for "


@pytest.fixture
def staff(admin_conn):
    return make_staff(admin_conn, "manager", "bill", "kate", "alienor")


@pytest.fixture
def helene(admin_conn, staff):
    return make_client(
        admin_conn, staff["bill"].id, "Hélène Dupré", email="helene@dupre.test", company="Dupré Traiteur"
    )


def matches_offered(prompts):
    """The titles of the first matches menu shown."""
    return next(titles for message, titles in prompts.shown.items() if message.startswith(MATCHES))


@pytest.mark.parametrize("typed", ["helene", "DUPRE", "hélène dup", "traiteur"])
def test_a_client_is_found_by_part_of_a_name_any_case_any_accents(
    db, admin_conn, staff, helene, capsys, typed
):
    make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    answers = ["Clients", "Show a client", typed, "Hélène Dupré", "Back", "Quit"]
    prompts = run_menu(db, staff["bill"], [clients_section()], answers)
    offered = matches_offered(prompts)
    # The one match is still chosen (never taken silently), with its company and e-mail.
    assert offered[0] == f"Hélène Dupré — Dupré Traiteur — helene@dupre.test (client {helene})"
    assert [o for o in offered[1:]] == ["Search again", "Help (?)", "Cancel"]
    out = capsys.readouterr().out
    assert "helene@dupre.test" in out  # the record, shown once picked
    assert "Kevin Casey" not in out


def test_an_id_still_finds_the_client_at_once(db, staff, helene, capsys):
    prompts = run_menu(
        db, staff["bill"], [clients_section()], ["Clients", "Show a client", str(helene), "Back", "Quit"]
    )
    assert not [m for m in prompts.messages if m.startswith(MATCHES)]
    assert "Dupré Traiteur" in capsys.readouterr().out


def test_no_match_says_so_and_asks_again(db, staff, helene, capsys):
    answers = ["Clients", "Show a client", "zzz", "dupr", 1, "Back", "Quit"]
    prompts = run_menu(db, staff["bill"], [clients_section()], answers)
    out = capsys.readouterr().out
    assert "No client's name or company contains 'zzz'." in out
    assert prompts.messages.count("Client id, or part of a name or company:") == 2
    assert "helene@dupre.test" in out


def test_an_unknown_id_says_so_and_asks_again(db, staff, helene, capsys):
    answers = ["Clients", "Show a client", "999999", str(helene), "Back", "Quit"]
    run_menu(db, staff["bill"], [clients_section()], answers)
    out = capsys.readouterr().out
    assert "No client with id 999999." in out
    assert "Dupré Traiteur" in out


def test_search_again_and_cancel(db, admin_conn, staff, helene, capsys):
    before = admin_conn.execute("SELECT count(*) FROM notes").fetchone()
    answers = ["Clients", "Add a note", "dupre", "Search again", "helene", "0", "Back", "Quit"]
    prompts = run_menu(db, staff["bill"], [clients_section()], answers)
    assert "Cancelled; nothing was saved." in capsys.readouterr().out
    assert prompts.passwords == 0
    assert admin_conn.execute("SELECT count(*) FROM notes").fetchone() == before


def test_more_than_a_page_of_matches_pages_with_n_and_p(db, admin_conn, staff, capsys):
    ids = [make_client(admin_conn, staff["bill"].id, f"Dupont {n:02d}") for n in range(PICK_PAGE + 3)]
    # Newest first: the last one made is offered first; the 10th to 12th are on the next page.
    answers = ["Clients", "Show a client", "dupont", "n", "p", "n", 3, "Back", "Quit"]
    prompts = run_menu(db, staff["bill"], [clients_section()], answers)
    out = capsys.readouterr().out
    assert (
        f"There are more than {PICK_PAGE} matches: type more of the name (s), or see the next ones (n)."
        in out
    )
    first = prompts.shown["Matches for 'dupont', page 1:"]
    second = prompts.shown["Matches for 'dupont', page 2:"]
    assert len([t for t in first if t.startswith("Dupont")]) == PICK_PAGE and "Next matches (n)" in first
    on_second = [t for t in second if t.startswith("Dupont")]
    assert [t.split(" — ")[0] for t in on_second] == ["Dupont 02", "Dupont 01", "Dupont 00"]
    assert [t.endswith(f"(client {ids[n]})") for t, n in zip(on_second, (2, 1, 0), strict=True)] == [True] * 3
    assert "Previous matches (p)" in second and "Next matches (n)" not in second
    assert "Dupont 00" in out  # the third of page 2, shown


def test_a_contract_is_found_by_its_clients_name(db, admin_conn, staff, helene, capsys):
    contract = make_contract(admin_conn, helene, total="1500.50", signed=True)
    make_contract(admin_conn, make_client(admin_conn, staff["bill"].id, "Kevin Casey"))
    answers = ["Contracts", "Show a contract", "helene dupre", 1, "Back", "Quit"]
    prompts = run_menu(db, staff["manager"], [contracts_section()], answers)
    offered = matches_offered(prompts)
    assert offered[0].startswith(f"Hélène Dupré — contract {contract}: total 1,500.50")
    assert not [t for t in offered if "Kevin" in t]
    assert f"Contract {contract}" in capsys.readouterr().out


def test_a_payment_is_recorded_on_a_contract_found_by_name(db, admin_conn, staff, helene):
    contract = make_contract(admin_conn, helene, total="1000.00", signed=True)
    answers = ["Contracts", "Record a payment", "DUPRÉ", 1, "250", DEFAULT_PASSWORD, "Back", "Quit"]
    run_menu(db, staff["bill"], [contracts_section()], answers)
    assert (
        admin_conn.execute("SELECT remaining_amount FROM contracts WHERE id = %s", (contract,)).fetchone()[0]
        == 750
    )


def test_an_event_is_found_by_its_clients_name(db, admin_conn, staff, helene, capsys):
    event = make_event(admin_conn, make_contract(admin_conn, helene, signed=True), "Mariage d'été")
    answers = ["Events", "Show an event", "helene", 1, "Back", "Quit"]
    prompts = run_menu(db, staff["kate"], [events_section()], answers)
    assert matches_offered(prompts)[0].startswith("Mariage d'été — Hélène Dupré — ")
    assert matches_offered(prompts)[0].endswith(f"(event {event})")
    assert "Mariage d'été" in capsys.readouterr().out


def test_an_employee_is_found_by_part_of_their_name(db, staff, capsys):
    answers = ["Employees", "Show an employee", "ALIENOR", "Aliénor", "Back", "Quit"]
    prompts = run_menu(db, staff["manager"], [employees_section()], answers)
    assert (
        matches_offered(prompts)[0] == f"Aliénor Vichum (alienor, support) — employee {staff['alienor'].id}"
    )
    assert "alienor" in capsys.readouterr().out


def test_support_is_assigned_by_name_among_active_support_employees_only(
    db, admin_conn, staff, helene, capsys
):
    event = make_event(admin_conn, make_contract(admin_conn, helene, signed=True))
    answers = [
        "Events",
        "Assign support",
        str(event),
        "bill",
        "kat",
        "Kate",
        DEFAULT_PASSWORD,
        "Back",
        "Quit",
    ]
    run_menu(db, staff["manager"], [events_section()], answers)
    out = capsys.readouterr().out
    assert "No employee's name or username contains 'bill'." in out  # a sales employee is not offered
    assert admin_conn.execute("SELECT support_contact_id FROM events WHERE id = %s", (event,)).fetchone() == (
        staff["kate"].id,
    )


def test_the_id_of_someone_who_may_not_be_picked_is_refused(db, admin_conn, staff, helene, capsys):
    event = make_event(admin_conn, make_contract(admin_conn, helene, signed=True))
    answers = ["Events", "Assign support", str(event), str(staff["bill"].id), str(staff["kate"].id)]
    run_menu(db, staff["manager"], [events_section()], [*answers, DEFAULT_PASSWORD, "Back", "Quit"])
    out = capsys.readouterr().out
    assert f"Employee {staff['bill'].id} is not another active support employee; pick another one." in out


def test_the_searches_read_one_page(db, admin_conn, staff, helene):
    """The services the pickers call: a page of matches, any case, any accents."""
    make_contract(admin_conn, helene)
    make_contract(admin_conn, helene)
    assert len(contract_service.search_contracts(db, "DUPRE", 0, 1)) == 1
    assert len(contract_service.search_contracts(db, "dupré", 0, 10)) == 2
    assert contract_service.search_contracts(db, "dupré", 2, 10) == []
    found = employee_service.search_employees(db, "alienor", 0, 10)
    assert [e.username for e in found] == ["alienor"]
    assert employee_service.search_employees(db, "kate", 0, 10, team=Team.SALES) == []
    assert employee_service.search_employees(db, "vichum", 0, 10, active=False) == []
    assert employee_service.search_employees(db, "%", 0, 10) == []  # taken literally


def test_a_records_history_is_found_by_name(db, staff, helene, capsys):
    answers = ["History", "History of a record", "Clients", "dupre", "Hélène", "Back", "Quit"]
    run_menu(db, staff["manager"], [history_section()], answers)
    out = capsys.readouterr().out
    assert (
        f"History of client {helene} (newest first)" in out
        or f"No change recorded for client {helene}." in out
    )


def test_help_among_the_matches_says_what_the_keys_do(db, staff, helene, capsys):
    answers = ["Clients", "Show a client", "dupre", "?", "s", "dupre", "0", "Back", "Quit"]
    run_menu(db, staff["bill"], [clients_section()], answers)
    out = capsys.readouterr().out
    assert "The keys of the menus:" in out
    assert "Among the matches, s searches again and 0 cancels: nothing is saved." in out
    assert out.rstrip().endswith("Cancelled; nothing was saved.")
