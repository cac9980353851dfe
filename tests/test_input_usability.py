"""Usability of typed input and forms (QA review): amounts typed as they are shown, dates that do
not exist, forms that start empty, employee pickers, and updates that change nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from crm import validation
from crm.errors import ValidationError
from crm.services import contracts as contract_service
from crm.ui.contracts import contracts_section
from crm.ui.menu import Outcome, run_team_menu
from crm.ui.session import Session
from tests.factories import DEFAULT_PASSWORD, make_client, make_contract, make_employee
from tests.scripted import ScriptedPrompts

D = Decimal
COMMA_MESSAGE = (
    "Total amount: use a dot for decimals, like 1000.50; a comma only separates thousands (1,000.50)."
)


class Clock:
    def __init__(self, now: datetime | None = None):
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def run(db, employee, sections, answers, clock=None, prompts_class=ScriptedPrompts):
    """Run the team menu with the given sections; the script must end the menu."""
    prompts = prompts_class(answers)
    outcome = run_team_menu(Session(db, employee, prompts, clock=clock or Clock()), sections)
    assert outcome is Outcome.QUIT
    assert prompts.answers == [], "script not used up"
    return prompts


# Amounts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("1000", "1000.00"),
        ("1000.5", "1000.50"),
        ("1,000", "1000.00"),
        ("1,000.50", "1000.50"),
        ("12,345.67", "12345.67"),
        ("1,234,567.89", "1234567.89"),
        (" 1 000.50 ", "1000.50"),
        (".5", "0.50"),
        ("0", "0.00"),
    ],
)
def test_amounts_are_typed_as_they_are_shown(typed, expected):
    assert validation.amount(typed, "Total amount") == D(expected)


@pytest.mark.parametrize(
    "typed", ["1e5", "1E5", "1.5e2", "NaN", "nan", "Infinity", "-Infinity", "inf", "sNaN", "0x10", "１２"]
)
def test_exponents_and_special_numbers_are_refused(typed):
    with pytest.raises(ValidationError, match=r"^Total amount must be a number like 1200 or 1200\.50\.$"):
        validation.amount(typed, "Total amount")


@pytest.mark.parametrize(
    "typed", ["1,5", "1000,50", "1,00", "12,34.5", "1,0000", ",100", "1,,000", "1.000,50"]
)
def test_a_comma_is_only_a_thousands_separator(typed):
    with pytest.raises(ValidationError) as refused:
        validation.amount(typed, "Total amount")
    assert str(refused.value) == COMMA_MESSAGE


def test_services_take_exact_decimals_written_with_an_exponent(db, admin_conn):
    assert contract_service.clean_total(D("1E+5")) == D("100000.00")
    assert contract_service.clean_total(5) == D("5.00")
    with pytest.raises(ValidationError):
        contract_service.clean_total(D("NaN"))


def test_a_manager_types_a_total_with_thousands_separators(db, admin_conn, capsys):
    manager = make_employee(admin_conn, "management", "marie")
    bill = make_employee(admin_conn, "sales", "bill")
    client_id = make_client(admin_conn, bill.id)
    answers = ["Contracts", "Create a contract", str(client_id), "1e5", "NaN", "1000,50", "1,5"]
    answers += ["12,345.67", False, DEFAULT_PASSWORD, "Back", "Quit"]
    run(db, manager, [contracts_section()], answers)
    out = capsys.readouterr().out
    assert out.count("Total amount must be a number like 1200 or 1200.50.") == 2
    assert out.count(COMMA_MESSAGE) == 2
    assert admin_conn.execute(
        "SELECT client_id, total_amount, remaining_amount FROM contracts"
    ).fetchall() == [(client_id, D("12345.67"), D("12345.67"))]


def test_a_payment_is_typed_as_amounts_are_shown(db, admin_conn, capsys):
    bill = make_employee(admin_conn, "sales", "bill")
    contract_id = make_contract(admin_conn, make_client(admin_conn, bill.id), total="5000.00", signed=True)
    answers = ["Contracts", "Record a payment", str(contract_id), "2e3", "1,000.50", DEFAULT_PASSWORD]
    answers += ["Back", "Quit"]
    run(db, bill, [contracts_section()], answers)
    out = capsys.readouterr().out
    assert "Payment must be a number like 1200 or 1200.50." in out
    assert admin_conn.execute("SELECT amount FROM payments").fetchall() == [(D("1000.50"),)]
    assert admin_conn.execute("SELECT remaining_amount FROM contracts").fetchone() == (D("3999.50"),)
