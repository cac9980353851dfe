"""The Clients and Contracts sections driven through the team menu loop with scripted answers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm.ui.clients import clients_section
from crm.ui.contracts import contracts_section
from crm.ui.menus import all_sections
from tests.factories import (
    DEFAULT_PASSWORD,
    audit_count,
    make_client,
    make_contract,
    make_employee,
    make_staff,
    versions,
)
from tests.scripted import CtrlC, run_menu
from tests.test_validation import COMMA_MESSAGE

pytestmark = pytest.mark.usefixtures("menu_variant")

SQL_LIKE = "'; DROP TABLE clients; --"
NON_LATIN = "Société Générale 東京"
D = Decimal


def run(db, employee, answers):
    """The team menu with the Clients and Contracts sections (tests.scripted.run_menu)."""
    return run_menu(db, employee, [clients_section(), contracts_section()], answers)


@pytest.fixture
def staff(admin_conn):
    staff = make_staff(admin_conn, "manager", "bill", "sam", "kate")
    rita = make_employee(admin_conn, "sales", "retired_rita", full_name="Rita Retired", active=False)
    return {**staff, "rita": rita}


def client_rows(admin_conn):
    return admin_conn.execute("SELECT * FROM clients ORDER BY id").fetchall()


def contract_rows(admin_conn):
    return admin_conn.execute("SELECT * FROM contracts ORDER BY id").fetchall()


def test_clients_and_contracts_come_first_in_the_menu():
    titles = [section.title for section in all_sections()]
    assert titles[:3] == ["Clients", "Contracts", "Events"]


@pytest.mark.parametrize(
    "team, clients, contracts",
    [
        (
            "management",
            [
                "List clients",
                "Show a client",
                "Search clients",
                "Clients of a sales employee",
                "Reassign a client",
                "Add a note",
                "Export to CSV",
                "Import clients from CSV",
            ],
            [
                "List contracts",
                "Show a contract",
                "Contracts not signed",
                "Contracts not fully paid",
                "Create a contract",
                "Update a contract",
                "Record a payment",
                "Correct a payment",
                "Export to CSV",
            ],
        ),
        (
            "sales",
            [
                "List clients",
                "Show a client",
                "Search clients",
                "My clients",
                "Create a client",
                "Update a client",
                "Add a note",
                "Export to CSV",
                "Import clients from CSV",
            ],
            [
                "List contracts",
                "Show a contract",
                "Contracts not signed",
                "Contracts not fully paid",
                "Update a contract",
                "Record a payment",
                "Export to CSV",
            ],
        ),
        (
            "support",
            ["List clients", "Show a client", "Search clients", "Export to CSV"],
            ["List contracts", "Show a contract", "Export to CSV"],
        ),
    ],
)
def test_each_team_is_offered_its_client_and_contract_actions_only(db, admin_conn, team, clients, contracts):
    employee = make_employee(admin_conn, team, "someone")
    prompts = run(db, employee, ["Clients", "Back", "Contracts", "Back", "Quit"])
    assert prompts.shown["Clients"] == clients + ["Help (?)", "Back"]
    assert prompts.shown["Contracts"] == contracts + ["Help (?)", "Back"]
    # One key each: 1-9, then 0 (Back, for management's contracts).
    assert len(clients) <= 9 and len(contracts) <= 9


# Clients -----------------------------------------------------------------------------------------------


def test_sales_creates_a_client_each_bad_answer_asked_again(db, admin_conn, staff, capsys):
    make_client(admin_conn, staff["sam"].id, "Taken", email="taken@client.test")
    answers = [
        "Clients",
        "Create a client",
        "  ",
        "Kevin Casey",
        "kevin at startup",
        "TAKEN@client.test",
        "kevin@startup.io",
        "call me",
        "+678 123 456 78",
        NON_LATIN,
        DEFAULT_PASSWORD,
        "Back",
        "Quit",
    ]
    prompts = run(db, staff["bill"], answers)
    out = capsys.readouterr().out
    assert "Full name cannot be blank." in out
    assert "Enter a valid e-mail address, like name@example.com." in out
    assert "Another client already has this e-mail address." in out
    assert "A phone number has at least 6 digits" in out
    row = admin_conn.execute(
        "SELECT id, full_name, email, phone, company_name, sales_contact_id FROM clients"
        " WHERE full_name = 'Kevin Casey'"
    ).fetchone()
    assert row[1:] == ("Kevin Casey", "kevin@startup.io", "+678 123 456 78", NON_LATIN, staff["bill"].id)
    assert f"Client {row[0]} (Kevin Casey) created; you are their sales contact." in out
    assert ("password", "Password for bill:") in prompts.asked


def test_sales_updates_their_client_keeping_what_they_do_not_retype(db, admin_conn, staff, capsys):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin Casey", email="kevin@startup.io")
    answers = ["Clients", "Update a client", "abc", "999", str(client_id), None, None, "+33 6 12 34 56 78"]
    answers += [SQL_LIKE, DEFAULT_PASSWORD, "Back", "Quit"]
    run(db, staff["bill"], answers)
    out = capsys.readouterr().out
    assert "No client's name or company contains 'abc'." in out  # not an id: a search
    assert "No client with id 999." in out
    assert f"Client {client_id} saved." in out
    assert admin_conn.execute(
        "SELECT full_name, email, phone, company_name, version FROM clients WHERE id = %s", (client_id,)
    ).fetchone() == ("Kevin Casey", "kevin@startup.io", "+33 6 12 34 56 78", SQL_LIKE, 2)


def test_sales_cannot_open_another_sales_employees_client(db, admin_conn, staff, capsys):
    client_id = make_client(admin_conn, staff["sam"].id, "Sam's client")
    before = client_rows(admin_conn)
    run(db, staff["bill"], ["Clients", "Update a client", str(client_id), "Back", "Quit"])
    assert "Only the client's sales contact can update this client." in capsys.readouterr().out
    assert client_rows(admin_conn) == before


def test_a_wrong_password_at_the_save_saves_no_client(db, admin_conn, staff, capsys):
    answers = ["Clients", "Create a client", "Kevin", "kevin@startup.io", "", "", "not my password"]
    run(db, staff["bill"], answers + ["Back", "Quit"])
    assert "Wrong password; nothing was saved." in capsys.readouterr().out
    assert client_rows(admin_conn) == []


def test_ctrl_c_while_creating_a_client_saves_nothing(db, admin_conn, staff, capsys):
    run(db, staff["bill"], ["Clients", "Create a client", "Kevin", CtrlC, "Back", "Quit"])
    assert "Cancelled; nothing was saved." in capsys.readouterr().out
    assert client_rows(admin_conn) == []


def test_management_reassigns_to_another_active_sales_employee_only(db, admin_conn, staff, capsys):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    contract_id = make_contract(admin_conn, client_id)
    answers = ["Clients", "Reassign a client", str(client_id)]
    answers += [str(staff["kate"].id), str(staff["rita"].id), str(staff["bill"].id), str(staff["sam"].id)]
    answers += [DEFAULT_PASSWORD, "Back", "Quit"]
    run(db, staff["manager"], answers)
    out = capsys.readouterr().out
    offered = out.split("sales contact Bill Boquet.")[1].split("Employee")[0]
    assert "Sam Seller" in offered and "Rita Retired" not in offered and "Bill Boquet" not in offered
    for refused in ("kate", "rita"):
        assert f"Employee {staff[refused].id} is not another active sales employee; pick another one." in out
    assert "Bill Boquet is already this client's sales contact." in out
    assert f"Sam Seller is now the sales contact of client {client_id} and of its contracts." in out
    assert admin_conn.execute(
        "SELECT sales_contact_id, version FROM clients WHERE id = %s", (client_id,)
    ).fetchone() == (staff["sam"].id, 2)
    run(db, staff["kate"], ["Contracts", "Show a contract", str(contract_id), "Back", "Quit"])
    assert "Sam Seller" in capsys.readouterr().out


def test_the_clients_list_shows_the_date_it_is_sorted_by(db, admin_conn, staff, capsys):
    old = make_client(admin_conn, staff["sam"].id, "Old Client")
    make_client(admin_conn, staff["sam"].id, "New Client")
    admin_conn.execute(
        "UPDATE clients SET created_at = '2025-01-15 12:00+00', updated_at = '2026-02-01 12:00+00'"
        " WHERE id = %s",
        (old,),
    )
    run(db, staff["bill"], ["Clients", "List clients", "Back", "Quit"])
    header, _, newer, older = capsys.readouterr().out.split("Clients — page 1 (last)\n")[1].splitlines()[:4]
    assert header.split()[-3:] == ["Created", "Last", "contact"]
    assert "New Client" in newer and "Old Client" in older
    assert older.split()[-2:] == ["2025-01-15", "2026-02-01"]


def test_list_search_detail_and_my_clients(db, admin_conn, staff, capsys):
    for i in range(16):
        make_client(admin_conn, staff["sam"].id, f"Client {i:02}", company=f"Company {i:02}")
    mine = make_client(admin_conn, staff["bill"].id, NON_LATIN, company=SQL_LIKE)
    make_contract(admin_conn, mine, total="1500.00", remaining="250.00", signed=True)
    prompts = run(
        db,
        staff["bill"],
        [
            "Clients",
            "List clients",
            "Next page",
            "Back",
            "Search clients",
            " ",
            "'; drop",
            "My clients",
            "Show a client",
            str(mine),
            "Back",
            "Quit",
        ],
    )
    out = capsys.readouterr().out
    first, second = out.split("Clients — page ")[1:3]
    assert NON_LATIN in first and "Client 02" in first and "Client 01" not in first
    assert second.startswith("2") and "Client 00" in second and "Client 01" in second
    assert "Search text cannot be blank." in out
    found = out.split("Clients matching")[1].split("My clients")[0]
    assert SQL_LIKE in found and "Client 00" not in found
    my = out.split("My clients — page 1")[1].split(f"Client {mine}")[0]
    assert NON_LATIN in my and "Client 0" not in my
    detail = out.split(f"Client {mine}")[1]
    for expected in (NON_LATIN, SQL_LIKE, "Bill Boquet", "1,500.00", "250.00", "yes"):
        assert expected in detail
    assert prompts.messages.count("Page:") == 2  # page 1: Next; page 2: Back


def test_a_client_update_that_changes_nothing_writes_nothing(db, admin_conn, staff, capsys):
    sales = staff["bill"]
    client_id = make_client(admin_conn, sales.id, "Kevin Casey")
    before, audited = versions(admin_conn, "clients"), audit_count(admin_conn)
    answers = ["Clients", "Update a client", str(client_id), None, None, None, None, "Back", "Quit"]
    prompts = run(db, sales, answers)
    assert "Nothing changed." in capsys.readouterr().out
    assert prompts.passwords == 0
    assert versions(admin_conn, "clients") == before and audit_count(admin_conn) == audited

    answers = [
        "Clients",
        "Update a client",
        str(client_id),
        None,
        None,
        None,
        "Kevin's Bakery",
        DEFAULT_PASSWORD,
    ]
    prompts = run(db, sales, [*answers, "Back", "Quit"])
    assert f"Client {client_id} saved." in capsys.readouterr().out
    assert prompts.passwords == 1
    assert admin_conn.execute("SELECT company_name, version FROM clients").fetchone() == ("Kevin's Bakery", 2)
    assert audit_count(admin_conn) == audited + 1


# Contracts ---------------------------------------------------------------------------------------------


def test_management_creates_a_contract_finding_the_client_by_search(db, admin_conn, staff, capsys):
    client_id = make_client(admin_conn, staff["sam"].id, "Kevin Casey", company="Cool Startup LLC")
    make_client(admin_conn, staff["bill"].id, "Other Person", company="Elsewhere")
    answers = [
        "Contracts",
        "Create a contract",
        "nobody like that",
        "cool start",
        "Search again",
        "999",
        str(client_id),
        "-5",
        "12.345",
        "1e3",
        "1000",
        False,
        DEFAULT_PASSWORD,
        "Back",
        "Quit",
    ]
    prompts = run(db, staff["manager"], answers)
    out = capsys.readouterr().out
    assert "No client's name or company contains 'nobody like that'." in out
    matches = prompts.shown["Matches for 'cool start', page 1:"]
    assert matches[0].startswith("Kevin Casey — Cool Startup LLC — ")
    assert matches[1:] == ["Search again", "Help (?)", "Cancel"]
    assert "No client with id 999." in out
    assert "Total amount cannot be negative." in out
    assert "Total amount can have at most 2 decimals." in out
    assert "Total amount must be a number like 1200 or 1200.50." in out
    row = admin_conn.execute(
        "SELECT id, client_id, total_amount, remaining_amount, is_signed FROM contracts"
    ).fetchall()
    assert [r[1:] for r in row] == [(client_id, D("1000.00"), D("1000.00"), False)]
    assert f"Contract {row[0][0]} created for Kevin Casey (not signed yet)." in out
    assert "sales contact Sam Seller" in out


def test_ctrl_c_while_creating_a_contract_saves_nothing(db, admin_conn, staff, capsys):
    client_id = make_client(admin_conn, staff["bill"].id)
    run(
        db, staff["manager"], ["Contracts", "Create a contract", str(client_id), "100", CtrlC, "Back", "Quit"]
    )
    assert "Cancelled; nothing was saved." in capsys.readouterr().out
    assert contract_rows(admin_conn) == []


def test_sales_signs_their_contract_then_records_a_payment(db, admin_conn, staff, capsys):
    contract_id = make_contract(admin_conn, make_client(admin_conn, staff["bill"].id), total="1000.00")
    answers = ["Contracts", "Update a contract", str(contract_id), None, True, DEFAULT_PASSWORD]
    answers += ["Record a payment", str(contract_id), "2000", "0", "abc", "250.50", DEFAULT_PASSWORD]
    answers += ["Back", "Quit"]
    run(db, staff["bill"], answers)
    out = capsys.readouterr().out
    assert f"Contract {contract_id} saved and signed." in out
    assert "Total 1,000.00; 1,000.00 remains to be paid." in out
    assert "A payment of 2,000.00 is more than what remains to be paid (1,000.00)." in out
    assert "A payment must be more than 0." in out
    assert "Payment must be a number like 1200 or 1200.50." in out
    assert f"Payment of 250.50 recorded on contract {contract_id}; 749.50 remains to be paid." in out
    assert admin_conn.execute(
        "SELECT total_amount, remaining_amount, is_signed, signed_at IS NOT NULL, version FROM contracts"
    ).fetchone() == (D("1000.00"), D("749.50"), True, True, 3)
    assert admin_conn.execute("SELECT amount, recorded_by FROM payments").fetchall() == [
        (D("250.50"), staff["bill"].id)
    ]


def test_a_signed_contract_is_not_offered_unsigning(db, admin_conn, staff, capsys):
    contract_id = make_contract(
        admin_conn, make_client(admin_conn, staff["sam"].id), total="1000.00", remaining="800.00", signed=True
    )
    answers = [
        "Contracts",
        "Update a contract",
        str(contract_id),
        "199.99",  # 200 was paid
        "1200",
        DEFAULT_PASSWORD,
        "Back",
        "Quit",
    ]
    prompts = run(db, staff["manager"], answers)
    out = capsys.readouterr().out
    assert "The total (199.99) cannot be less than what was already paid (200.00)." in out
    assert "The contract is signed; it stays signed." in out
    assert "Total 1,200.00; 1,000.00 remains to be paid." in out
    assert not any(kind == "confirm" for kind, _ in prompts.asked)
    assert [message for _, message in prompts.asked].count("Remaining amount:") == 0
    assert admin_conn.execute(
        "SELECT total_amount, remaining_amount, is_signed FROM contracts"
    ).fetchone() == (
        D("1200.00"),
        D("1000.00"),
        True,
    )


def test_sales_cannot_update_or_pay_another_sales_employees_contract(db, admin_conn, staff, capsys):
    contract_id = make_contract(admin_conn, make_client(admin_conn, staff["sam"].id))
    before = contract_rows(admin_conn)
    run(
        db,
        staff["bill"],
        [
            "Contracts",
            "Update a contract",
            str(contract_id),
            "Record a payment",
            str(contract_id),
            "Back",
            "Quit",
        ],
    )
    out = capsys.readouterr().out
    assert "Only the client's sales contact can update this contract." in out
    assert "Only the client's sales contact can record a payment on this contract." in out
    assert contract_rows(admin_conn) == before


def test_a_wrong_password_at_the_save_records_no_payment(db, admin_conn, staff, capsys):
    contract_id = make_contract(admin_conn, make_client(admin_conn, staff["bill"].id), total="100.00")
    before = contract_rows(admin_conn)
    answers = ["Contracts", "Record a payment", str(contract_id), "10", "wrong password", "Back", "Quit"]
    run(db, staff["manager"], answers)
    assert "Wrong password; nothing was saved." in capsys.readouterr().out
    assert contract_rows(admin_conn) == before
    assert admin_conn.execute("SELECT count(*) FROM payments").fetchone() == (0,)


def test_a_fully_paid_contract_asks_for_no_payment(db, admin_conn, staff, capsys):
    contract_id = make_contract(admin_conn, make_client(admin_conn, staff["bill"].id), remaining="0")
    run(db, staff["bill"], ["Contracts", "Record a payment", str(contract_id), "Back", "Quit"])
    assert f"Contract {contract_id} is fully paid: there is nothing left to pay." in capsys.readouterr().out


def test_the_sales_filters_through_the_menu(db, admin_conn, staff, capsys):
    bill, sam = staff["bill"].id, staff["sam"].id
    make_contract(admin_conn, make_client(admin_conn, bill, "Bill Unsigned"), total="100.00")
    make_contract(admin_conn, make_client(admin_conn, bill, "Bill Paid"), remaining="0", signed=True)
    make_contract(admin_conn, make_client(admin_conn, sam, "Sam Unsigned"), total="100.00")
    make_contract(admin_conn, make_client(admin_conn, sam, "Sam Owing"), remaining="10.00", signed=True)
    answers = ["Contracts", "Contracts not signed", True, "Contracts not signed", False]
    answers += ["Contracts not fully paid", True, "Contracts not fully paid", False, "Back", "Quit"]
    run(db, staff["bill"], answers)
    out = capsys.readouterr().out
    unsigned, owing = out.split("Contracts not fully paid", 1)
    mine_unsigned, all_unsigned = unsigned.split("Contracts not signed")[1:3]
    assert (
        "Bill Unsigned" in mine_unsigned
        and "Sam Unsigned" not in mine_unsigned
        and "Bill Paid" not in mine_unsigned
    )
    assert (
        "Bill Unsigned" in all_unsigned and "Sam Unsigned" in all_unsigned and "Sam Owing" not in all_unsigned
    )
    mine_owing, all_owing = ("Contracts not fully paid" + owing).split("Contracts not fully paid")[1:3]
    assert "Bill Unsigned" in mine_owing and "Sam" not in mine_owing and "Bill Paid" not in mine_owing
    assert "Sam Owing" in all_owing and "Sam Unsigned" in all_owing and "Bill Paid" not in all_owing


def test_management_follows_up_every_unsigned_and_unpaid_contract_without_being_asked_whose(
    db, admin_conn, staff, capsys
):
    bill, sam = staff["bill"].id, staff["sam"].id
    make_contract(admin_conn, make_client(admin_conn, bill, "Bill Unsigned"), total="100.00")
    make_contract(admin_conn, make_client(admin_conn, bill, "Bill Paid"), remaining="0", signed=True)
    make_contract(admin_conn, make_client(admin_conn, sam, "Sam Owing"), remaining="10.00", signed=True)
    answers = ["Contracts", "Contracts not signed", "Contracts not fully paid", "Back", "Quit"]
    prompts = run(db, staff["manager"], answers)
    unsigned, owing = capsys.readouterr().out.split("Contracts not fully paid", 1)
    assert "Bill Unsigned" in unsigned and "Sam Owing" not in unsigned and "Bill Paid" not in unsigned
    assert "Bill Unsigned" in owing and "Sam Owing" in owing and "Bill Paid" not in owing
    assert not [kind for kind, _ in prompts.asked if kind == "confirm"]


def test_show_a_contract_gives_client_sales_contact_amounts_and_payments(db, admin_conn, staff, capsys):
    client_id = make_client(admin_conn, staff["bill"].id, "Kevin Casey")
    contract_id = make_contract(admin_conn, client_id, total="1000.00", signed=True)
    answers = ["Contracts", "Record a payment", str(contract_id), "100", DEFAULT_PASSWORD]
    answers += ["Show a contract", "0", str(contract_id), "Back", "Quit"]
    run(db, staff["manager"], answers)
    out = capsys.readouterr().out
    assert "Contract id must be a positive whole number." in out
    detail = out.split(f"Contract {contract_id}\n")[1]
    for expected in (
        f"Kevin Casey (client {client_id})",
        "Bill Boquet",
        "1,000.00",
        "900.00",
        "yes, on ",
        "Payments (1; 100.00 paid in all; newest first):",
        "Marie Manager",
    ):
        assert expected in detail


def test_the_contract_list_pages(db, admin_conn, staff, capsys):
    for i in range(16):
        make_contract(admin_conn, make_client(admin_conn, staff["bill"].id, f"Client {i:02}"))
    run(
        db,
        staff["kate"],
        ["Contracts", "List contracts", "Next page", "Previous page", "Back", "Back", "Quit"],
    )
    out = capsys.readouterr().out
    first, second, third = out.split("Contracts — page ")[1:]
    assert "Client 15" in first and "Client 01" in first and "Client 00" not in first
    assert second.startswith("2") and "Client 00" in second and "Client 01" not in second
    assert third.startswith("1")


def test_management_lists_the_clients_of_a_sales_employee(db, admin_conn, staff, capsys):
    make_client(admin_conn, staff["bill"].id, "Ann Bill", email="ann@bill.test")
    make_client(admin_conn, staff["sam"].id, "Bob Sam", email="bob@sam.test")
    answers = ["Clients", "Clients of a sales employee", str(staff["sam"].id), "Back", "Quit"]
    run(db, staff["manager"], answers)
    out = capsys.readouterr().out
    listed = out[out.index("Clients of ") :]
    assert "Bob Sam" in listed and "Ann Bill" not in listed


def test_a_manager_types_a_total_with_thousands_separators(db, admin_conn, staff, capsys):
    manager, bill = staff["manager"], staff["bill"]
    client_id = make_client(admin_conn, bill.id)
    answers = ["Contracts", "Create a contract", str(client_id), "1e5", "NaN", "1000,50", "1,5"]
    answers += ["12,345.67", False, DEFAULT_PASSWORD, "Back", "Quit"]
    run(db, manager, answers)
    out = capsys.readouterr().out
    assert out.count("Total amount must be a number like 1200 or 1200.50.") == 2
    assert out.count(COMMA_MESSAGE) == 2
    assert admin_conn.execute(
        "SELECT client_id, total_amount, remaining_amount FROM contracts"
    ).fetchall() == [(client_id, D("12345.67"), D("12345.67"))]


def test_a_payment_is_typed_as_amounts_are_shown(db, admin_conn, staff, capsys):
    bill = staff["bill"]
    contract_id = make_contract(admin_conn, make_client(admin_conn, bill.id), total="5000.00", signed=True)
    answers = ["Contracts", "Record a payment", str(contract_id), "2e3", "1,000.50", DEFAULT_PASSWORD]
    answers += ["Back", "Quit"]
    run(db, bill, answers)
    out = capsys.readouterr().out
    assert "Payment must be a number like 1200 or 1200.50." in out
    assert admin_conn.execute("SELECT amount FROM payments").fetchall() == [(D("1000.50"),)]
    assert admin_conn.execute("SELECT remaining_amount FROM contracts").fetchone() == (D("3999.50"),)


def test_a_contract_update_that_changes_nothing_writes_nothing(db, admin_conn, staff, capsys):
    sales = staff["bill"]
    contract_id = make_contract(admin_conn, make_client(admin_conn, sales.id), total="1000.00")
    before, audited = versions(admin_conn, "contracts"), audit_count(admin_conn)
    answers = ["Contracts", "Update a contract", str(contract_id), None, False]
    answers += ["Update a contract", str(contract_id), "1,000.00", False, "Back", "Quit"]
    prompts = run(db, sales, answers)
    assert capsys.readouterr().out.count("Nothing changed.") == 2
    assert prompts.passwords == 0
    assert versions(admin_conn, "contracts") == before and audit_count(admin_conn) == audited

    answers = [
        "Contracts",
        "Update a contract",
        str(contract_id),
        None,
        True,
        DEFAULT_PASSWORD,
        "Back",
        "Quit",
    ]
    run(db, sales, answers)
    assert f"Contract {contract_id} saved and signed." in capsys.readouterr().out
    assert admin_conn.execute("SELECT is_signed, version FROM contracts").fetchone() == (True, 2)
