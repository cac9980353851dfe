"""`contract …` commands: list, show, create, update, sign, pay, correct-payment."""

from __future__ import annotations

import click

from crm import permissions, validation
from crm.cli.common import format_options, list_options, one_of, pass_context, password_option, show_list
from crm.cli.context import CommandContext
from crm.cli.output import Table, note, write_one
from crm.errors import StaleRecord, ValidationError
from crm.i18n import _
from crm.models import Contract, ContractDetail
from crm.permissions import Action
from crm.services import contracts as service
from crm.ui.contracts import LIST_HEADERS, contract_row, money, show_contract

TABLE = Table(LIST_HEADERS, contract_row)


@click.group()
def contract() -> None:
    """Contracts: list, show, create (management), update, sign, pay, correct a payment."""


@contract.command("list")
@click.option("--unsigned", is_flag=True, help="Only contracts not signed yet.")
@click.option("--unpaid", is_flag=True, help="Only contracts with something left to pay.")
@click.option("--mine", is_flag=True, help="With --unsigned / --unpaid: only your clients' (sales).")
@click.option("--client", "client_id", type=click.IntRange(min=1), metavar="ID", help="Only this client's.")
@click.option(
    "--no-event",
    is_flag=True,
    help="Only signed contracts without an event (sales: your clients'; management: all).",
)
@list_options
@pass_context
def list_contracts(
    ctx: CommandContext,
    unsigned: bool,
    unpaid: bool,
    mine: bool,
    client_id: int | None,
    no_event: bool,
    page: int,
    page_size: int,
    every: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Contracts, newest first (--no-event: latest signed first).

    \b
    Examples:
      python -m main contract list --unsigned --mine
      python -m main contract list --unpaid --all --format csv > to-chase.csv
      python -m main contract list --no-event
    """
    actor = ctx.employee()
    backend = ctx.backend
    chosen = one_of(unsigned=unsigned, unpaid=unpaid, client=client_id, no_event=no_event)
    if mine and chosen not in ("unsigned", "unpaid"):
        raise click.UsageError(_("--mine goes with --unsigned or --unpaid."))
    sales_id = actor.id if mine else None
    if chosen == "unsigned":
        fetch = lambda o, n: backend.run(service.contracts_not_signed, o, n, sales_id)  # noqa: E731
    elif chosen == "unpaid":
        fetch = lambda o, n: backend.run(service.contracts_not_fully_paid, o, n, sales_id)  # noqa: E731
    elif chosen == "no_event":
        fetch = lambda o, n: backend.act(actor, service.contracts_without_event, o, n)  # noqa: E731
    elif client_id is not None:
        fetch = lambda o, n: backend.run(service.list_client_contracts, client_id, o, n)  # noqa: E731
    else:
        fetch = lambda o, n: backend.run(service.list_contracts, o, n)  # noqa: E731
    show_list(ctx, fetch, Contract, TABLE, page=page, page_size=page_size, every=every, fmt=fmt, excel=excel)


def _write_detail(detail: ContractDetail, fmt: str, excel: bool) -> None:
    related = {
        "payments": detail.payments,
        "payment_count": detail.payment_count,
        "paid_total": detail.paid_total,
        "opportunity_id": detail.opportunity_id,  # the opportunity it was won from (sql/0013)
    }
    write_one(detail.contract, fmt, lambda: show_contract(detail), related=related, excel=excel)


@contract.command("show")
@click.argument("contract_id", type=click.IntRange(min=1), metavar="ID")
@format_options
@pass_context
def show(ctx: CommandContext, contract_id: int, fmt: str, excel: bool) -> None:
    """One contract: client, sales contact, amounts, signed, and its payment history."""
    ctx.employee()
    _write_detail(ctx.backend.run(service.get_contract_detail, contract_id), fmt, excel)


@contract.command("create")
@click.option(
    "--client", "client_id", required=True, type=click.IntRange(min=1), metavar="ID", help="The client."
)
@click.option("--total", required=True, help="Total amount, e.g. 1500.00 (nothing is paid yet).")
@click.option("--signed", is_flag=True, help="It is signed already.")
@password_option
@format_options
@pass_context
def create(
    ctx: CommandContext, client_id: int, total: str, signed: bool, password_stdin: bool, fmt: str, excel: bool
) -> None:
    """Create a contract for a client (management); its sales contact is the client's.

    \b
    Example:
      python -m main contract create --client 12 --total 1500.00
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    permissions.require(actor, Action.CREATE_CONTRACT)
    amount = validation.amount(total, _("Total amount"))
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.create_contract, client_id, amount, signed)
    _write_detail(ctx.backend.run(service.get_contract_detail, saved.id), fmt, excel)
    created = (
        _("Contract {id} created for {client_name} (signed).")
        if saved.is_signed
        else _("Contract {id} created for {client_name} (not signed yet).")
    )
    note(created.format(id=saved.id, client_name=saved.client_name))


def _save(
    ctx: CommandContext,
    contract_id: int,
    version: int | None,
    total: str | None,
    sign: bool,
    fmt: str,
    excel: bool,
) -> None:
    """update and sign: the total and/or the signature, versioned."""
    actor = ctx.employee()
    current = ctx.backend.run(service.get_contract, contract_id)
    permissions.require(actor, Action.UPDATE_CONTRACT, owner_id=current.sales_contact_id)
    if version is not None and version != current.version:
        raise StaleRecord(
            _("Contract {contract_id} is at version {version}, not {version2}: reload and try again.").format(
                contract_id=contract_id, version=current.version, version2=version
            )
        )
    amount = current.total_amount if total is None else validation.amount(total, _("Total amount"))
    paid = current.total_amount - current.remaining_amount
    if amount < paid:
        raise ValidationError(service.total_below_paid(amount, paid))
    signed = current.is_signed or sign
    if amount == current.total_amount and signed == current.is_signed:
        note(
            _("Nothing changed.")
            if not sign
            else _("Contract {id} is already signed.").format(id=contract_id)
        )
        return
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.update_contract, contract_id, current.version, amount, signed)
    _write_detail(ctx.backend.run(service.get_contract_detail, saved.id), fmt, excel)
    saved_text = (
        _("Contract {id} saved and signed; {money} remains to be paid.")
        if saved.is_signed and not current.is_signed
        else _("Contract {id} saved; {money} remains to be paid.")
    )
    note(saved_text.format(id=saved.id, money=money(saved.remaining_amount)))


VERSION = click.option(
    "--version",
    "version",
    type=click.IntRange(min=1),
    help="Refuse if the contract is no longer at this version.",
)


@contract.command("update")
@click.argument("contract_id", type=click.IntRange(min=1), metavar="ID")
@click.option("--total", help="New total (the remaining amount follows: total minus payments).")
@click.option("--sign", is_flag=True, help="Sign it too (a signed contract stays signed).")
@VERSION
@password_option
@format_options
@pass_context
def update(
    ctx: CommandContext,
    contract_id: int,
    total: str | None,
    sign: bool,
    version: int | None,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Update a contract's total (management, or the client's sales contact)."""
    ctx.password_stdin = password_stdin
    _save(ctx, contract_id, version, total, sign, fmt, excel)


@contract.command("sign")
@click.argument("contract_id", type=click.IntRange(min=1), metavar="ID")
@VERSION
@password_option
@format_options
@pass_context
def sign(
    ctx: CommandContext, contract_id: int, version: int | None, password_stdin: bool, fmt: str, excel: bool
) -> None:
    """Sign a contract (it then stays signed)."""
    ctx.password_stdin = password_stdin
    _save(ctx, contract_id, version, None, True, fmt, excel)


@contract.command("pay")
@click.argument("contract_id", type=click.IntRange(min=1), metavar="ID")
@click.option("--amount", required=True, help="The amount received, e.g. 500.25 (at most what remains).")
@password_option
@format_options
@pass_context
def pay(
    ctx: CommandContext, contract_id: int, amount: str, password_stdin: bool, fmt: str, excel: bool
) -> None:
    """Record a payment on a contract.

    \b
    Example:
      python -m main contract pay 31 --amount 500.25
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    current = ctx.backend.run(service.get_contract, contract_id)
    permissions.require(actor, Action.RECORD_PAYMENT, owner_id=current.sales_contact_id)
    value = service.clean_payment(validation.amount(amount, _("Payment")))
    if value > current.remaining_amount:
        raise ValidationError(service.payment_too_large(value, current.remaining_amount))
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.record_payment, contract_id, value)
    _write_detail(ctx.backend.run(service.get_contract_detail, saved.id), fmt, excel)
    note(
        _("Payment of {money} recorded on contract {id}; {money2} remains.").format(
            money=money(value), id=saved.id, money2=money(saved.remaining_amount)
        )
    )


@contract.command("correct-payment")
@click.argument("payment_id", type=click.IntRange(min=1), metavar="PAYMENT_ID")
@password_option
@format_options
@pass_context
def correct_payment(
    ctx: CommandContext, payment_id: int, password_stdin: bool, fmt: str, excel: bool
) -> None:
    """Cancel a payment recorded by mistake (management): a correction of the opposite amount."""
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    permissions.require(actor, Action.CORRECT_PAYMENT)
    payment = ctx.backend.run(service.get_payment, payment_id)
    reason = service.correctable(payment)
    if reason is not None:
        raise ValidationError(reason)
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.correct_payment, payment_id)
    _write_detail(ctx.backend.run(service.get_contract_detail, saved.id), fmt, excel)
    left = money(saved.remaining_amount)
    note(
        _("Payment {payment_id} cancelled; contract {id} has {left} left to pay.").format(
            payment_id=payment_id, id=saved.id, left=left
        )
    )
