"""/api/v1/contracts: lists (not signed, not fully paid, of a client), detail with payments,
create (management), update and sign, record a payment, correct a payment (management)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from crm import permissions, validation
from crm.errors import NotFound, ValidationError
from crm.i18n import _
from crm.models import Contract
from crm.permissions import Action
from crm.services import contracts as service
from crm.services import events as events_service
from crm.web.deps import (
    LIMIT_MAX,
    Caller,
    FilterId,
    Id,
    IfMatch,
    Paging,
    Reader,
    Writer,
    ok,
    one_of,
    page,
    version_of,
)
from crm.web.schemas import AwaitingEvent, ContractCreate, ContractDetail, ContractPatch, Page, PaymentCreate

router = APIRouter(prefix="/contracts", tags=["contracts"])


def _detail(who: Caller, contract_id: int, status: int = 200, location: str | None = None):  # noqa: ANN202
    detail = who.run(service.get_contract_detail, contract_id)
    body = {
        **vars(detail.contract),
        "payments": detail.payments,
        "payment_count": detail.payment_count,
        "paid_total": detail.paid_total,
    }
    return ok(body, status, version=detail.contract.version, location=location)


@router.get("", response_model=Page[Contract], summary="List contracts, newest first")
def list_contracts(  # noqa: ANN201
    who: Reader,
    paging: Paging,
    unsigned: Annotated[bool, Query(description="Only contracts not signed yet.")] = False,
    unpaid: Annotated[bool, Query(description="Only contracts with something left to pay.")] = False,
    mine: Annotated[bool, Query(description="With unsigned or unpaid: only your clients' (sales).")] = False,
    client_id: Annotated[FilterId, Query(description="Only this client's contracts.")] = None,
    no_event: Annotated[
        bool, Query(description="Only signed contracts without an event, latest signed first (sales: yours).")
    ] = False,
):
    chosen = one_of(unsigned=unsigned, unpaid=unpaid, client_id=client_id, no_event=no_event)
    if mine and chosen not in ("unsigned", "unpaid"):
        raise ValidationError(_("mine goes with unsigned or unpaid."))
    sales_id = who.employee.id if mine else None
    if chosen == "unsigned":
        return ok(page(lambda o, n: who.run(service.contracts_not_signed, o, n, sales_id), paging))
    if chosen == "unpaid":
        return ok(page(lambda o, n: who.run(service.contracts_not_fully_paid, o, n, sales_id), paging))
    if chosen == "client_id":
        return ok(page(lambda o, n: who.run(service.list_client_contracts, client_id, o, n), paging))
    if chosen == "no_event":
        return ok(page(lambda o, n: who.act(service.contracts_without_event, o, n), paging))
    return ok(page(lambda o, n: who.run(service.list_contracts, o, n), paging))


@router.get(
    "/awaiting-event", response_model=AwaitingEvent, summary="Your signed contracts without an event (sales)"
)
def awaiting_event(who: Reader):  # noqa: ANN201
    """The contracts an event can be created for: signed, of your clients, no event yet."""
    return ok({"data": who.act(events_service.contracts_awaiting_event)[: LIMIT_MAX * 10]})


@router.get("/{contract_id}", response_model=ContractDetail, summary="One contract, with its payments")
def show_contract(contract_id: Id, who: Reader):  # noqa: ANN201
    return _detail(who, contract_id)


@router.post("", status_code=201, response_model=ContractDetail, summary="Create a contract (management)")
def create_contract(body: ContractCreate, who: Writer):  # noqa: ANN201
    """Its sales contact is the client's; nothing is paid yet (the remaining amount is the total)."""
    total = validation.amount(body.total_amount, _("Total amount"))
    saved = who.act(service.create_contract, body.client_id, total, body.is_signed)
    return _detail(who, saved.id, 201, f"/api/v1/contracts/{saved.id}")


@router.patch("/{contract_id}", response_model=ContractDetail, summary="Update a contract: total, sign it")
def update_contract(contract_id: Id, body: ContractPatch, who: Writer, if_match: IfMatch):  # noqa: ANN201
    """Management, or the client's sales contact. The remaining amount follows (total minus the
    payments); a total below what was paid is refused; a signed contract stays signed."""
    version = version_of(if_match, body.version)
    current = who.run(service.get_contract, contract_id)
    total = current.total_amount
    if body.total_amount is not None:
        total = validation.amount(body.total_amount, _("Total amount"))
    signed = current.is_signed if body.is_signed is None else body.is_signed
    if (total, signed, version) == (current.total_amount, current.is_signed, current.version):
        # Nothing changed: nothing saved, but refused as the save would be.
        permissions.require(who.employee, Action.UPDATE_CONTRACT, owner_id=current.sales_contact_id)
        return _detail(who, contract_id)
    saved = who.act(service.update_contract, contract_id, version, total, signed)
    return _detail(who, saved.id)


@router.post(
    "/{contract_id}/payments",
    status_code=201,
    response_model=ContractDetail,
    summary="Record a payment (at most what remains)",
)
def record_payment(contract_id: Id, body: PaymentCreate, who: Writer):  # noqa: ANN201
    """Management, or the client's sales contact. Two payments at once never take the remaining
    amount below zero."""
    amount = validation.amount(body.amount, _("Payment"))
    saved = who.act(service.record_payment, contract_id, amount)
    return _detail(who, saved.id, 201, f"/api/v1/contracts/{saved.id}")


@router.post(
    "/{contract_id}/payments/{payment_id}/correction",
    status_code=201,
    response_model=ContractDetail,
    summary="Correct a payment (management)",
)
def correct_payment(contract_id: Id, payment_id: Id, who: Writer):  # noqa: ANN201
    """Cancel a payment recorded by mistake: a correction of the opposite amount gives it back to
    the remaining amount. Once per payment; payments are never edited or deleted."""
    payment = who.run(service.get_payment, payment_id)
    if payment.contract_id != contract_id:
        raise NotFound(
            _("No payment {payment_id} on contract {contract_id}.").format(
                payment_id=payment_id, contract_id=contract_id
            )
        )
    saved = who.act(service.correct_payment, payment_id)
    return _detail(who, saved.id, 201, f"/api/v1/contracts/{saved.id}")
