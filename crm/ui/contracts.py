"""The Contracts section: list, detail with payments, the follow-up filters, the contract forms,
payments and their corrections."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from crm import permissions, validation
from crm.errors import NotFound, ValidationError
from crm.models import Contract, ContractDetail, Payment
from crm.permissions import Action
from crm.services import contracts as service
from crm.ui.csvfiles import export_action
from crm.ui.menu import MenuAction, Section
from crm.ui.pickers import find_client, find_contract
from crm.ui.render import NAME, WHOLE, Column, Columns, cell, local_day, show_record, show_table
from crm.ui.session import Session

# Amounts and dates are never cut; on a narrow terminal the sales contact is left out.
LIST_HEADERS = Columns(
    Column("Id", WHOLE),
    Column("Client", NAME, most=30),
    Column("Sales contact", most=30, drop=1),
    Column("Total", WHOLE),
    Column("Remaining", WHOLE),
    Column("Signed", WHOLE),
    Column("Created", WHOLE),
    show="Show a contract gives the whole record",
)
# Under "Payments (…)" of a contract: the id column is the payment's. The correction note (which
# payment it cancels) gives way after who recorded it.
PAYMENT_HEADERS = Columns(
    Column("Id", WHOLE),
    Column("Paid at", WHOLE),
    Column("Amount", WHOLE),
    Column("Recorded by"),
    Column("Correction", NAME),
    show="a wider terminal shows more",
)


def money(value: Decimal) -> str:
    """An amount as shown everywhere: thousands separated, 2 decimals."""
    return cell(value)


def payment_row(payment: Payment) -> tuple:
    """One line of a contract's payment history; a correction and what it cancels name each other."""
    if payment.corrects_payment_id is not None:
        note = f"cancels payment {payment.corrects_payment_id}"
    elif payment.corrected_by_id is not None:
        note = f"cancelled by payment {payment.corrected_by_id}"
    else:
        note = None
    return (payment.id, payment.paid_at, payment.amount, payment.recorded_by_name, note)


def contract_row(contract: Contract) -> tuple:
    """One line of a contracts table."""
    return (
        contract.id,
        contract.client_name,
        contract.sales_contact_name,
        contract.total_amount,
        contract.remaining_amount,
        contract.is_signed,
        local_day(contract.created_at),
    )


def show_contract(detail: ContractDetail) -> None:
    """One contract in detail: client, sales contact, amounts, signed state, payment history."""
    contract = detail.contract
    show_record(
        f"Contract {contract.id}",
        [
            ("Client", f"{contract.client_name} (client {contract.client_id})"),
            ("Sales contact", contract.sales_contact_name),
            ("Total", contract.total_amount),
            ("Paid", contract.total_amount - contract.remaining_amount),
            ("Remaining", contract.remaining_amount),
            ("Signed", f"yes, on {cell(contract.signed_at)}" if contract.is_signed else "no"),
            ("Created", contract.created_at),
            ("Last updated", contract.updated_at),
        ]
        + (
            [("Won from", f"opportunity {detail.opportunity_id}: {detail.opportunity_title}")]
            if detail.opportunity_id is not None
            else []
        ),
    )
    if not detail.payments:
        print("No payment recorded yet.")
        return
    corrections = any(p.corrects_payment_id is not None for p in detail.payments)
    count = f"{detail.payment_count}{', corrections included' if corrections else ''}"
    print(f"Payments ({count}; {money(detail.paid_total)} paid in all; newest first):")
    show_table(PAYMENT_HEADERS, [payment_row(p) for p in detail.payments])
    if detail.payment_count > len(detail.payments):
        print(f"Only the latest {len(detail.payments)} payments are shown.")


def _browse(session: Session, title: str, fetch: Callable[[int, int], Sequence[Contract]]) -> None:
    session.browse(title, fetch, LIST_HEADERS, contract_row)


def _ask_contract(session: Session) -> Contract:
    """Ask for a contract by id or by part of its client's name (crm.ui.pickers.find_contract)."""
    return find_contract(session, lambda contract_id: session.run(service.get_contract, contract_id))


def _ask_contract_detail(session: Session) -> ContractDetail:
    """A contract with its payment history, by id or by part of its client's name."""
    return find_contract(session, lambda contract_id: session.run(service.get_contract_detail, contract_id))


# Reads ---------------------------------------------------------------------------------------------


def list_contracts(session: Session) -> None:
    """All contracts, newest first, a page at a time."""
    _browse(session, "Contracts", session.pages(service.list_contracts))


def show_one_contract(session: Session) -> None:
    """One contract with its payment history."""
    show_contract(_ask_contract_detail(session))


def _own_only(session: Session) -> int | None:
    """The sales employee's id if they want only their clients' contracts, else None (all;
    management, who owns no clients, always sees all)."""
    if not permissions.visible(session.employee, Action.LIST_MY_CLIENTS):
        return None
    own = session.prompts.confirm("Only your own clients' contracts?", default=True)
    session.touch()
    return session.employee.id if own else None


def contracts_not_signed(session: Session) -> None:
    """Sales and management: the contracts not signed yet, of the seller's clients or everyone's."""
    sales_id = _own_only(session)
    title = "Contracts not signed" + (" (my clients)" if sales_id else "")
    _browse(
        session,
        title,
        session.pages(service.contracts_not_signed, sales_id=sales_id),
    )


def contracts_not_fully_paid(session: Session) -> None:
    """Sales and management: the contracts with something left to pay, of the seller's clients or
    everyone's."""
    sales_id = _own_only(session)
    title = "Contracts not fully paid" + (" (my clients)" if sales_id else "")
    _browse(
        session,
        title,
        session.pages(service.contracts_not_fully_paid, sales_id=sales_id),
    )


# Forms ---------------------------------------------------------------------------------------------


def _ask_total(session: Session, current: Contract | None) -> Decimal:
    """Ask the total amount; an existing contract's cannot go below what was already paid.

    The remaining amount is never asked: it is the total minus the payments recorded.
    """
    paid = current.total_amount - current.remaining_amount if current else Decimal(0)

    def parse_total(raw: str) -> Decimal:
        total = validation.amount(raw, "Total amount")
        if total < paid:
            raise ValidationError(service.total_below_paid(total, paid))
        return total

    return session.ask("Total amount:", parse_total, str(current.total_amount) if current else "")


def create_contract(session: Session) -> None:
    """Management: create a contract for any client (its sales contact is the client's)."""
    permissions.require(session.employee, Action.CREATE_CONTRACT)
    client = find_client(session)
    print(
        f"New contract for {client.full_name} (client {client.id}),"
        f" sales contact {client.sales_contact_name}."
    )
    total = _ask_total(session, None)
    signed = session.prompts.confirm("Is it signed already?", default=False)
    session.confirm_write()
    contract = session.act(service.create_contract, client.id, total, signed)
    state = "signed" if contract.is_signed else "not signed yet"
    print(f"Contract {contract.id} created for {contract.client_name} ({state}).")


def update_contract(session: Session) -> None:
    """Management (any contract) or sales (their clients'): edit the amounts, sign it."""
    contract = _ask_contract(session)
    permissions.require(session.employee, Action.UPDATE_CONTRACT, owner_id=contract.sales_contact_id)
    show_contract(session.run(service.get_contract_detail, contract.id))
    print("Press Enter to keep a value. The remaining amount follows the total (total minus payments).")
    total = _ask_total(session, contract)
    if contract.is_signed:
        print("The contract is signed; it stays signed.")
        signed = True
    else:
        signed = session.prompts.confirm("Sign the contract now?", default=False)
    if total == contract.total_amount and signed == contract.is_signed:
        print("Nothing changed.")
        return
    session.confirm_write()
    saved = session.act(service.update_contract, contract.id, contract.version, total, signed)
    note = " and signed" if saved.is_signed and not contract.is_signed else ""
    print(f"Contract {saved.id} saved{note}.")
    print(f"Total {money(saved.total_amount)}; {money(saved.remaining_amount)} remains to be paid.")


def record_payment(session: Session) -> None:
    """Management (any contract) or sales (their clients'): record a payment received."""
    contract = _ask_contract(session)
    permissions.require(session.employee, Action.RECORD_PAYMENT, owner_id=contract.sales_contact_id)
    if contract.remaining_amount == 0:
        print(f"Contract {contract.id} is fully paid: there is nothing left to pay.")
        return
    print(
        f"Contract {contract.id} ({contract.client_name}): total {money(contract.total_amount)},"
        f" remaining {money(contract.remaining_amount)}."
    )

    def parse_payment(raw: str) -> Decimal:
        amount = validation.amount(raw, "Payment")
        if amount <= 0:
            raise ValidationError(service.PAYMENT_NOT_POSITIVE)
        if amount > contract.remaining_amount:
            raise ValidationError(service.payment_too_large(amount, contract.remaining_amount))
        return amount

    amount = session.ask("Payment amount:", parse_payment)
    session.confirm_write()
    saved = session.act(service.record_payment, contract.id, amount)
    print(
        f"Payment of {money(amount)} recorded on contract {saved.id};"
        f" {money(saved.remaining_amount)} remains to be paid."
    )


def correct_payment(session: Session) -> None:
    """Management: cancel a payment recorded by mistake, by a correction of the opposite amount."""
    permissions.require(session.employee, Action.CORRECT_PAYMENT)
    detail = _ask_contract_detail(session)
    show_contract(detail)
    contract = detail.contract
    if not detail.payments:
        return
    if detail.payment_count == len(detail.payments) and all(service.correctable(p) for p in detail.payments):
        print(f"Contract {contract.id} has no payment left to correct: each is a correction or corrected.")
        return

    def parse_payment_id(raw: str) -> Payment:
        payment_id = validation.record_id(raw, "Payment id")
        try:
            payment = session.run(service.get_payment, payment_id)
        except NotFound as missing:
            raise ValidationError(str(missing)) from None
        if payment.contract_id != contract.id:
            raise ValidationError(f"Payment {payment_id} is not a payment of contract {contract.id}.")
        reason = service.correctable(payment)
        if reason is not None:
            raise ValidationError(reason)
        return payment

    payment = session.ask("Payment to cancel (its id):", parse_payment_id)
    print(
        f"Payment {payment.id} of {money(payment.amount)} ({cell(payment.paid_at)}, recorded by"
        f" {payment.recorded_by_name}) will be cancelled: {money(contract.remaining_amount + payment.amount)}"
        " will remain to be paid."
    )
    session.confirm_write()
    saved = session.act(service.correct_payment, payment.id)
    left = money(saved.remaining_amount)
    print(f"Payment {payment.id} cancelled; contract {saved.id} has {left} left to pay.")


def contracts_section() -> Section:
    """The Contracts section."""
    return Section(
        "Contracts",
        (
            MenuAction("List contracts", list_contracts, Action.READ),
            MenuAction("Show a contract", show_one_contract, Action.READ),
            MenuAction("Contracts not signed", contracts_not_signed, Action.FOLLOW_UP_CONTRACTS),
            MenuAction("Contracts not fully paid", contracts_not_fully_paid, Action.FOLLOW_UP_CONTRACTS),
            MenuAction("Create a contract", create_contract, Action.CREATE_CONTRACT),
            MenuAction("Update a contract", update_contract, Action.UPDATE_CONTRACT),
            MenuAction("Record a payment", record_payment, Action.RECORD_PAYMENT),
            MenuAction("Correct a payment", correct_payment, Action.CORRECT_PAYMENT),
            MenuAction("Export to CSV", export_action("contracts"), Action.EXPORT_CSV),
        ),
    )
