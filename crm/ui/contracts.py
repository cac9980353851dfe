"""The Contracts section: list, detail with payments, the follow-up filters, the contract forms,
payments and their corrections."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from crm import permissions, validation
from crm.errors import NotFound, ValidationError
from crm.i18n import N_, _
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
    Column(N_("Id"), WHOLE),
    Column(N_("Client"), NAME, most=30),
    Column(N_("Sales contact"), most=30, drop=1),
    Column(N_("Total"), WHOLE),
    Column(N_("Remaining"), WHOLE),
    Column(N_("Signed"), WHOLE),
    Column(N_("Created"), WHOLE),
    show=N_("Show a contract gives the whole record"),
)
# Under "Payments (…)" of a contract: the id column is the payment's. The correction note (which
# payment it cancels) gives way after who recorded it.
PAYMENT_HEADERS = Columns(
    Column(N_("Id"), WHOLE),
    Column(N_("Paid at"), WHOLE),
    Column(N_("Amount"), WHOLE),
    Column(N_("Recorded by")),
    Column(N_("Correction"), NAME),
    show=N_("a wider terminal shows more"),
)


def money(value: Decimal) -> str:
    """An amount as shown everywhere: thousands separated, 2 decimals."""
    return cell(value)


def payment_row(payment: Payment) -> tuple:
    """One line of a contract's payment history; a correction and what it cancels name each other."""
    if payment.corrects_payment_id is not None:
        note = _("cancels payment {id}").format(id=payment.corrects_payment_id)
    elif payment.corrected_by_id is not None:
        note = _("cancelled by payment {id}").format(id=payment.corrected_by_id)
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
        _("Contract {id}").format(id=contract.id),
        [
            (_("Client"), _("{name} (client {id})").format(name=contract.client_name, id=contract.client_id)),
            (_("Sales contact"), contract.sales_contact_name),
            (_("Total"), contract.total_amount),
            (_("Paid"), contract.total_amount - contract.remaining_amount),
            (_("Remaining"), contract.remaining_amount),
            (
                _("Signed"),
                _("yes, on {date}").format(date=cell(contract.signed_at)) if contract.is_signed else _("no"),
            ),
            (_("Created"), contract.created_at),
            (_("Last updated"), contract.updated_at),
        ]
        + (
            [
                (
                    _("Won from"),
                    _("opportunity {id}: {title}").format(
                        id=detail.opportunity_id, title=detail.opportunity_title
                    ),
                )
            ]
            if detail.opportunity_id is not None
            else []
        ),
    )
    if not detail.payments:
        print(_("No payment recorded yet."))
        return
    corrections = any(p.corrects_payment_id is not None for p in detail.payments)
    if corrections:
        heading = _("Payments ({count}, corrections included; {paid_total} paid in all; newest first):")
    else:
        heading = _("Payments ({count}; {paid_total} paid in all; newest first):")
    print(heading.format(count=detail.payment_count, paid_total=money(detail.paid_total)))
    show_table(PAYMENT_HEADERS, [payment_row(p) for p in detail.payments])
    if detail.payment_count > len(detail.payments):
        print(_("Only the latest {payments} payments are shown.").format(payments=len(detail.payments)))


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
    _browse(session, _("Contracts"), session.pages(service.list_contracts))


def show_one_contract(session: Session) -> None:
    """One contract with its payment history."""
    show_contract(_ask_contract_detail(session))


def _own_only(session: Session) -> int | None:
    """The sales employee's id if they want only their clients' contracts, else None (all;
    management, who owns no clients, always sees all)."""
    if not permissions.visible(session.employee, Action.LIST_MY_CLIENTS):
        return None
    own = session.prompts.confirm(_("Only your own clients' contracts?"), default=True)
    session.touch()
    return session.employee.id if own else None


def contracts_not_signed(session: Session) -> None:
    """Sales and management: the contracts not signed yet, of the seller's clients or everyone's."""
    sales_id = _own_only(session)
    title = _("Contracts not signed (my clients)") if sales_id else _("Contracts not signed")
    _browse(
        session,
        title,
        session.pages(service.contracts_not_signed, sales_id=sales_id),
    )


def contracts_not_fully_paid(session: Session) -> None:
    """Sales and management: the contracts with something left to pay, of the seller's clients or
    everyone's."""
    sales_id = _own_only(session)
    title = _("Contracts not fully paid (my clients)") if sales_id else _("Contracts not fully paid")
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
        total = validation.amount(raw, _("Total amount"))
        if total < paid:
            raise ValidationError(service.total_below_paid(total, paid))
        return total

    return session.ask(_("Total amount:"), parse_total, str(current.total_amount) if current else "")


def create_contract(session: Session) -> None:
    """Management: create a contract for any client (its sales contact is the client's)."""
    permissions.require(session.employee, Action.CREATE_CONTRACT)
    client = find_client(session)
    print(
        _("New contract for {full_name} (client {id}), sales contact {sales_contact_name}.").format(
            full_name=client.full_name, id=client.id, sales_contact_name=client.sales_contact_name
        )
    )
    total = _ask_total(session, None)
    signed = session.prompts.confirm(_("Is it signed already?"), default=False)
    session.confirm_write()
    contract = session.act(service.create_contract, client.id, total, signed)
    if contract.is_signed:
        created = _("Contract {id} created for {client_name} (signed).")
    else:
        created = _("Contract {id} created for {client_name} (not signed yet).")
    print(created.format(id=contract.id, client_name=contract.client_name))


def update_contract(session: Session) -> None:
    """Management (any contract) or sales (their clients'): edit the amounts, sign it."""
    contract = _ask_contract(session)
    permissions.require(session.employee, Action.UPDATE_CONTRACT, owner_id=contract.sales_contact_id)
    show_contract(session.run(service.get_contract_detail, contract.id))
    print(_("Press Enter to keep a value. The remaining amount follows the total (total minus payments)."))
    total = _ask_total(session, contract)
    if contract.is_signed:
        print(_("The contract is signed; it stays signed."))
        signed = True
    else:
        signed = session.prompts.confirm(_("Sign the contract now?"), default=False)
    if total == contract.total_amount and signed == contract.is_signed:
        print(_("Nothing changed."))
        return
    session.confirm_write()
    saved = session.act(service.update_contract, contract.id, contract.version, total, signed)
    if saved.is_signed and not contract.is_signed:
        print(_("Contract {id} saved and signed.").format(id=saved.id))
    else:
        print(_("Contract {id} saved.").format(id=saved.id))
    print(
        _("Total {total_amount}; {remaining_amount} remains to be paid.").format(
            total_amount=money(saved.total_amount), remaining_amount=money(saved.remaining_amount)
        )
    )


def record_payment(session: Session) -> None:
    """Management (any contract) or sales (their clients'): record a payment received."""
    contract = _ask_contract(session)
    permissions.require(session.employee, Action.RECORD_PAYMENT, owner_id=contract.sales_contact_id)
    if contract.remaining_amount == 0:
        print(_("Contract {id} is fully paid: there is nothing left to pay.").format(id=contract.id))
        return
    print(
        _("Contract {id} ({client_name}): total {total_amount}, remaining {remaining_amount}.").format(
            id=contract.id,
            client_name=contract.client_name,
            total_amount=money(contract.total_amount),
            remaining_amount=money(contract.remaining_amount),
        )
    )

    def parse_payment(raw: str) -> Decimal:
        amount = validation.amount(raw, _("Payment"))
        if amount <= 0:
            raise ValidationError(service.PAYMENT_NOT_POSITIVE)
        if amount > contract.remaining_amount:
            raise ValidationError(service.payment_too_large(amount, contract.remaining_amount))
        return amount

    amount = session.ask(_("Payment amount:"), parse_payment)
    session.confirm_write()
    saved = session.act(service.record_payment, contract.id, amount)
    print(
        _("Payment of {amount} recorded on contract {id}; {remaining_amount} remains to be paid.").format(
            amount=money(amount), id=saved.id, remaining_amount=money(saved.remaining_amount)
        )
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
        print(
            _("Contract {id} has no payment left to correct: each is a correction or corrected.").format(
                id=contract.id
            )
        )
        return

    def parse_payment_id(raw: str) -> Payment:
        payment_id = validation.record_id(raw, _("Payment id"))
        try:
            payment = session.run(service.get_payment, payment_id)
        except NotFound as missing:
            raise ValidationError(str(missing)) from None
        if payment.contract_id != contract.id:
            raise ValidationError(
                _("Payment {payment_id} is not a payment of contract {id}.").format(
                    payment_id=payment_id, id=contract.id
                )
            )
        reason = service.correctable(payment)
        if reason is not None:
            raise ValidationError(reason)
        return payment

    payment = session.ask(_("Payment to cancel (its id):"), parse_payment_id)
    print(
        _(
            "Payment {id} of {amount} ({paid_at}, recorded by {recorded_by_name}) will be cancelled: "
            "{value} will remain to be paid."
        ).format(
            id=payment.id,
            amount=money(payment.amount),
            paid_at=cell(payment.paid_at),
            recorded_by_name=payment.recorded_by_name,
            value=money(contract.remaining_amount + payment.amount),
        )
    )
    session.confirm_write()
    saved = session.act(service.correct_payment, payment.id)
    left = money(saved.remaining_amount)
    print(
        _("Payment {id} cancelled; contract {id2} has {left} left to pay.").format(
            id=payment.id, id2=saved.id, left=left
        )
    )


def contracts_section() -> Section:
    """The Contracts section."""
    return Section(
        N_("Contracts"),
        (
            MenuAction(N_("List contracts"), list_contracts, Action.READ),
            MenuAction(N_("Show a contract"), show_one_contract, Action.READ),
            MenuAction(N_("Contracts not signed"), contracts_not_signed, Action.FOLLOW_UP_CONTRACTS),
            MenuAction(N_("Contracts not fully paid"), contracts_not_fully_paid, Action.FOLLOW_UP_CONTRACTS),
            MenuAction(N_("Create a contract"), create_contract, Action.CREATE_CONTRACT),
            MenuAction(N_("Update a contract"), update_contract, Action.UPDATE_CONTRACT),
            MenuAction(N_("Record a payment"), record_payment, Action.RECORD_PAYMENT),
            MenuAction(N_("Correct a payment"), correct_payment, Action.CORRECT_PAYMENT),
            MenuAction(N_("Export to CSV"), export_action("contracts"), Action.EXPORT_CSV),
        ),
    )
