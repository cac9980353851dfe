"""Contract use cases: lists and filters, detail with payments, create (management), update amounts
and sign (management, or the client's sales contact), record a payment, correct a payment
(management: a row of the opposite amount that cancels it; payments are never edited).

Each write is one transaction that reads the contract under lock, re-reads the actor and asks
crm.permissions once (its client may have been reassigned meanwhile), validates, and writes.
Amount saves carry the version the editor read, so a concurrent change makes the second save
fail with StaleRecord. A payment lowers the remaining amount with a guarded UPDATE,
so two payments at once can never take it below zero.

The remaining amount is never typed: it is the total minus the payments recorded (a new contract
owes its total). Editing the total recomputes it under the contract's lock, and a total below what
was already paid is refused. The database checks the same rule at every commit
(sql/0006_hardening.sql).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from decimal import Decimal

from crm import formats, monitoring, permissions, validation
from crm.db import Database
from crm.errors import NotFound, StaleRecord, ValidationError
from crm.models import Contract, ContractDetail, Employee, Payment, Team
from crm.permissions import Action
from crm.repositories.contracts import ContractRepository
from crm.repositories.opportunities import OpportunityRepository
from crm.services.actor import recheck_actor
from crm.services.clients import get_client
from crm.services.rules import rules_as_messages

__all__ = [
    "ContractDetail",
    "clean_payment",
    "clean_total",
    "correct_payment",
    "contracts_not_fully_paid",
    "contracts_without_event",
    "contracts_not_signed",
    "create_contract",
    "database_rules_as_messages",
    "get_contract",
    "get_contract_detail",
    "get_payment",
    "list_client_contracts",
    "list_contracts",
    "record_payment",
    "search_contracts",
    "update_contract",
]

PAYMENTS_SHOWN = 50
REMAINING_ABOVE_TOTAL = "The remaining amount cannot be more than the total."
REMAINING_FOLLOWS_PAYMENTS = "The remaining amount is always the total minus the payments recorded."
NO_UNSIGN = "A signed contract cannot be un-signed."
PAYMENT_NOT_POSITIVE = "A payment must be more than 0."
ALREADY_CORRECTED = "This payment has already been corrected."

# What a broken database rule means to the user, by constraint name.
_RULE_MESSAGES = {
    "contracts_remaining_range": REMAINING_ABOVE_TOTAL,
    "contracts_remaining_is_total_minus_paid": REMAINING_FOLLOWS_PAYMENTS,
    "contracts_total_amount_check": "The total cannot be negative.",
    "contracts_never_unsign": NO_UNSIGN,
    "contracts_signed_at": "A signed contract has a signing date, an unsigned one none.",
    "contracts_client_id_fkey": "No client with that id.",
    "payments_amount_sign": PAYMENT_NOT_POSITIVE,
    "payments_corrects_payment_id_key": ALREADY_CORRECTED,
    "payments_correction_matches": "A correction cancels one payment of its contract, for its whole amount.",
    "payments_contract_id_fkey": "No contract with that id.",
    "payments_recorded_by_fkey": "No employee with that id.",
}


def database_rules_as_messages() -> AbstractContextManager[None]:
    """Turn a broken contract or payment rule (CHECK, trigger, key) into a one-line ValidationError."""
    return rules_as_messages(_RULE_MESSAGES)


def _money(value: object, what: str) -> Decimal:
    """An exact amount: a Decimal (or whole int) >= 0, at most 2 decimals, within numeric(12,2)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValidationError(f"{what} must be an exact decimal amount.")
    return validation.exact_amount(value, what)


def clean_total(total: object) -> Decimal:
    """A validated total amount: exact, >= 0, 2 decimals at most."""
    return _money(total, "Total amount")


def total_below_paid(total: Decimal, paid: Decimal) -> str:
    """The refusal of a total below what the contract's payments already add up to."""
    total_shown, paid_shown = formats.money(total), formats.money(paid)
    return f"The total ({total_shown}) cannot be less than what was already paid ({paid_shown})."


def clean_payment(amount: object) -> Decimal:
    """A validated payment amount: exact, more than 0, 2 decimals at most."""
    amount = _money(amount, "Payment")
    if amount <= 0:
        raise ValidationError(PAYMENT_NOT_POSITIVE)
    return amount


def payment_too_large(amount: Decimal, remaining: Decimal) -> str:
    """The refusal of a payment above what remains."""
    amount_shown, remaining_shown = formats.money(amount), formats.money(remaining)
    return f"A payment of {amount_shown} is more than what remains to be paid ({remaining_shown})."


SEARCH_MAX = 150  # the longest search text, as the client and event searches

# Reads --------------------------------------------------------------------------------------------


def list_contracts(db: Database, offset: int, limit: int) -> list[Contract]:
    """A page of all contracts, newest first."""
    return ContractRepository(db.conn).list_newest(offset, limit)


def list_client_contracts(db: Database, client_id: int, offset: int, limit: int) -> list[Contract]:
    """A page of one client's contracts, newest first."""
    return ContractRepository(db.conn).list_for_client(client_id, offset, limit)


def search_contracts(db: Database, text: str, offset: int, limit: int) -> list[Contract]:
    """A page of the contracts whose client's name or company contains the text, newest first."""
    text = validation.name(text, "Search text", SEARCH_MAX)
    return ContractRepository(db.conn).search(text, offset, limit)


def contracts_not_signed(
    db: Database, offset: int, limit: int, sales_id: int | None = None
) -> list[Contract]:
    """A page of the contracts not signed yet, newest first (of sales_id's clients if given)."""
    return ContractRepository(db.conn).list_not_signed(sales_id, offset, limit)


def contracts_not_fully_paid(
    db: Database, offset: int, limit: int, sales_id: int | None = None
) -> list[Contract]:
    """A page of the contracts with something left to pay, newest first (of sales_id's clients if given)."""
    return ContractRepository(db.conn).list_not_fully_paid(sales_id, offset, limit)


def contracts_without_event(db: Database, actor: Employee, offset: int, limit: int) -> list[Contract]:
    """A page of the signed contracts that have no event yet, latest signed first: a sales
    employee's own clients', or everyone's for management."""
    permissions.require(actor, Action.LIST_CONTRACTS_WITHOUT_EVENT)
    sales_id = actor.id if actor.team == Team.SALES else None
    return ContractRepository(db.conn).list_signed_without_event(sales_id, offset, limit)


def get_contract(db: Database, contract_id: int) -> Contract:
    """One contract, or NotFound."""
    contract = ContractRepository(db.conn).get(contract_id)
    if contract is None:
        raise NotFound(f"No contract with id {contract_id}.")
    return contract


def get_contract_detail(db: Database, contract_id: int) -> ContractDetail:
    """One contract with its payment history, or NotFound."""
    contract = get_contract(db, contract_id)
    payments, count, paid = ContractRepository(db.conn).payments(contract_id, PAYMENTS_SHOWN)
    opportunity = OpportunityRepository(db.conn).for_contract(contract_id)  # won from (sql/0013)
    return ContractDetail(contract, payments, count, paid, *(opportunity or (None, None)))


def get_payment(db: Database, payment_id: int) -> Payment:
    """One payment, or NotFound."""
    payment = ContractRepository(db.conn).payment(payment_id)
    if payment is None:
        raise NotFound(f"No payment with id {payment_id}.")
    return payment


def correctable(payment: Payment) -> str | None:
    """Why this payment cannot be corrected, or None when it can."""
    if payment.corrects_payment_id is not None:
        return f"Payment {payment.id} is itself a correction (of payment {payment.corrects_payment_id})."
    if payment.corrected_by_id is not None:
        return f"Payment {payment.id} has already been corrected (by payment {payment.corrected_by_id})."
    return None


# Writes -------------------------------------------------------------------------------------------


def _locked(db: Database, contract_id: int) -> Contract:
    contract = ContractRepository(db.conn).get(contract_id, lock=True)
    if contract is None:
        raise NotFound(f"No contract with id {contract_id}.")
    return contract


def _signed_event(contract: Contract, actor: Employee) -> None:
    monitoring.business_event(
        "contract.signed",
        contract_id=contract.id,
        client_id=contract.client_id,
        total_amount=contract.total_amount,
        by=actor.id,
    )


def _signed(signed: object) -> bool:
    if not isinstance(signed, bool):
        raise ValidationError("Signed must be yes or no.")
    return signed


def create_contract(
    db: Database, actor: Employee, client_id: int, total: object, signed: bool = False
) -> Contract:
    """Create a contract for any client (management); its sales contact is the client's.

    Nothing is paid yet: the remaining amount is the total.
    """
    with database_rules_as_messages(), db.transaction(actor.id):
        client = get_client(db, client_id)
        recheck_actor(db, actor, Action.CREATE_CONTRACT, owner_id=client.sales_contact_id)
        total = clean_total(total)
        contract_id = ContractRepository(db.conn).insert(client_id, total, total, _signed(signed))
    contract = get_contract(db, contract_id)
    if contract.is_signed:
        _signed_event(contract, actor)
    return contract


def update_contract(
    db: Database,
    actor: Employee,
    contract_id: int,
    version: int,
    total: object,
    signed: bool,
) -> Contract:
    """Save a contract's total and signed state (a signed contract stays signed).

    The remaining amount becomes the total minus the payments recorded; a total below what was
    already paid is refused.
    """
    repo = ContractRepository(db.conn)
    with database_rules_as_messages(), db.transaction(actor.id):
        # Under the contract's lock no payment can be recorded: what is paid now is what stays
        # paid (the database keeps remaining = total - payments at every commit).
        current = _locked(db, contract_id)
        recheck_actor(db, actor, Action.UPDATE_CONTRACT, owner_id=current.sales_contact_id)
        if current.version != version:
            raise StaleRecord()
        total = clean_total(total)
        signed = _signed(signed)
        if current.is_signed and not signed:
            raise ValidationError(NO_UNSIGN)
        paid = current.total_amount - current.remaining_amount
        if total < paid:
            raise ValidationError(total_below_paid(total, paid))
        if not repo.update(contract_id, version, total, total - paid, signed):
            raise StaleRecord()
    contract = get_contract(db, contract_id)
    if contract.is_signed and not current.is_signed:
        _signed_event(contract, actor)
    return contract


def record_payment(db: Database, actor: Employee, contract_id: int, amount: object) -> Contract:
    """Record a payment (more than 0, at most what remains) and lower the remaining amount with it."""
    repo = ContractRepository(db.conn)
    with database_rules_as_messages(), db.transaction(actor.id):
        # Under lock: another payment, an edit or a reassignment may have happened meanwhile.
        current = _locked(db, contract_id)
        recheck_actor(db, actor, Action.RECORD_PAYMENT, owner_id=current.sales_contact_id)
        amount = clean_payment(amount)
        if amount > current.remaining_amount or repo.take_payment(contract_id, amount) is None:
            raise ValidationError(payment_too_large(amount, current.remaining_amount))
        repo.insert_payment(contract_id, amount, actor.id)
    return get_contract(db, contract_id)


def correct_payment(db: Database, actor: Employee, payment_id: int) -> Contract:
    """Cancel a payment recorded by mistake (management): record a correction of the opposite
    amount on its contract, whose remaining amount goes back up by as much. Once per payment."""
    repo = ContractRepository(db.conn)
    with database_rules_as_messages(), db.transaction(actor.id):
        recheck_actor(db, actor, Action.CORRECT_PAYMENT)
        payment = get_payment(db, payment_id)
        # Under the contract's lock: a payment or a correction at the same time waits for this one,
        # and one that went first is seen (the payment is read again under the lock).
        _locked(db, payment.contract_id)
        reason = correctable(get_payment(db, payment_id))
        if reason is not None:
            raise ValidationError(reason)
        if repo.take_payment(payment.contract_id, -payment.amount) is None:
            raise ValidationError(REMAINING_ABOVE_TOTAL)
        correction_id = repo.insert_payment(
            payment.contract_id, -payment.amount, actor.id, corrects=payment.id
        )
    monitoring.business_event(
        "payment.corrected",
        payment_id=payment.id,
        correction_id=correction_id,
        contract_id=payment.contract_id,
        amount=payment.amount,
        by=actor.id,
    )
    return get_contract(db, payment.contract_id)
