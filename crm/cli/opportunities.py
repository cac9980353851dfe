"""`opportunity …` commands: list, show, create (sales), update, add-line, update-line,
remove-line, move, lose (management, or the client's sales contact), win (management)."""

from __future__ import annotations

import click

from crm import permissions, validation
from crm.cli.common import format_options, list_options, pass_context, password_option, show_list
from crm.cli.context import CommandContext
from crm.cli.output import Table, note, write_one
from crm.errors import StaleRecord, ValidationError
from crm.models import Opportunity, OpportunityDetail, OpportunityFields, Stage
from crm.permissions import Action
from crm.services import clients as client_service
from crm.services import pipeline as service
from crm.ui.pipeline import OPPORTUNITY_HEADERS, opportunity_row, print_opportunity
from crm.ui.render import money

TABLE = Table(OPPORTUNITY_HEADERS, opportunity_row)
STAGES = click.Choice([s.value for s in Stage])
VERSION = click.option(
    "--version",
    "version",
    type=click.IntRange(min=1),
    help="Refuse if the opportunity is no longer at this version.",
)


@click.group()
def opportunity() -> None:
    """Opportunities: the sales pipeline (create: sales; edit, move, lose: management or the
    client's sales contact; win, which creates the contract: management)."""


@opportunity.command("list")
@click.option(
    "--stage", type=STAGES, help="Only those at this stage (won and lost included); else the open ones."
)
@click.option("--mine", is_flag=True, help="Only your clients' (sales).")
@click.option(
    "--sales", "sales_id", type=click.IntRange(min=1), metavar="ID", help="Only this sales employee's."
)
@list_options
@pass_context
def list_opportunities(
    ctx: CommandContext,
    stage: str | None,
    mine: bool,
    sales_id: int | None,
    page: int,
    page_size: int,
    every: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Open opportunities (or those at --stage) in pipeline order: stage, then expected close date.

    \b
    Examples:
      python -m main opportunity list --stage proposal
      python -m main opportunity list --mine --format json
      python -m main opportunity list --stage won --all --format csv > won.csv
    """
    actor = ctx.employee()
    if mine and sales_id is not None:
        raise click.UsageError("Choose one of --mine, --sales.")
    if mine:
        permissions.require(actor, Action.LIST_MY_OPPORTUNITIES)
        sales_id = actor.id
    backend = ctx.backend
    fetch = lambda o, n: backend.run(service.list_open, o, n, stage=stage, sales_id=sales_id)  # noqa: E731
    show_list(
        ctx, fetch, Opportunity, TABLE, page=page, page_size=page_size, every=every, fmt=fmt, excel=excel
    )


def _write_detail(detail: OpportunityDetail, fmt: str, excel: bool) -> None:
    write_one(
        detail.opportunity,
        fmt,
        lambda: print_opportunity(detail),
        related={"lines": detail.lines},
        excel=excel,
    )


@opportunity.command("show")
@click.argument("opportunity_id", type=click.IntRange(min=1), metavar="ID")
@format_options
@pass_context
def show(ctx: CommandContext, opportunity_id: int, fmt: str, excel: bool) -> None:
    """One opportunity in detail, with its lines."""
    ctx.employee()
    _write_detail(ctx.backend.run(service.get_opportunity_detail, opportunity_id), fmt, excel)


def _current(ctx: CommandContext, opportunity_id: int, version: int | None) -> Opportunity:
    current = ctx.backend.run(service.get_opportunity, opportunity_id)
    if version is not None and version != current.version:
        raise StaleRecord(
            f"Opportunity {opportunity_id} is at version {current.version}, not {version}:"
            " reload and try again."
        )
    return current


def _open(current: Opportunity) -> None:
    if current.closed_at is not None:
        raise ValidationError(service.CLOSED.format(id=current.id, stage=current.stage))


@opportunity.command("create")
@click.option(
    "--client", "client_id", required=True, type=click.IntRange(min=1), metavar="ID", help="Your client."
)
@click.option("--title", required=True, help="What the client wants, e.g. 'Wedding in June, 200 guests'.")
@click.option("--close-date", default="", metavar="YYYY-MM-DD", help="Expected close date.")
@click.option(
    "--attendees", type=click.IntRange(0, service.ATTENDEES_MAX), default=0, help="Expected guests."
)
@password_option
@format_options
@pass_context
def create(
    ctx: CommandContext,
    client_id: int,
    title: str,
    close_date: str,
    attendees: int,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Open an opportunity (sales) for one of your clients, at stage new; then add its lines.

    \b
    Example:
      python -m main opportunity create --client 12 --title "Wedding in June" \\
          --close-date 2027-03-31 --attendees 200
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    client = ctx.backend.run(client_service.get_client, client_id)
    permissions.require(actor, Action.CREATE_OPPORTUNITY, owner_id=client.sales_contact_id)
    fields = OpportunityFields(
        validation.name(title, "Title", service.TITLE_MAX), service.parse_close_date(close_date), attendees
    )
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.create_opportunity, client_id, fields)
    _write_detail(OpportunityDetail(saved, []), fmt, excel)
    note(f"Opportunity {saved.id} ({saved.title}) opened at stage new.")


@opportunity.command("update")
@click.argument("opportunity_id", type=click.IntRange(min=1), metavar="ID")
@click.option("--title", help="New title.")
@click.option("--close-date", metavar="YYYY-MM-DD", help="New expected close date ('' to clear it).")
@click.option("--attendees", type=click.IntRange(0, service.ATTENDEES_MAX), help="New expected guests.")
@VERSION
@password_option
@format_options
@pass_context
def update(
    ctx: CommandContext,
    opportunity_id: int,
    title: str | None,
    close_date: str | None,
    attendees: int | None,
    version: int | None,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Update an open opportunity's title, expected close date or guests: only the options given change."""
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    current = _current(ctx, opportunity_id, version)
    permissions.require(actor, Action.UPDATE_OPPORTUNITY, owner_id=current.sales_contact_id)
    _open(current)
    fields = OpportunityFields(
        validation.name(title, "Title", service.TITLE_MAX) if title is not None else current.title,
        service.parse_close_date(close_date) if close_date is not None else current.expected_close_on,
        attendees if attendees is not None else current.expected_attendees,
    )
    if fields == OpportunityFields(current.title, current.expected_close_on, current.expected_attendees):
        note("Nothing changed.")
        return
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.update_opportunity, opportunity_id, current.version, fields)
    _write_detail(ctx.backend.run(service.get_opportunity_detail, saved.id), fmt, excel)
    note(f"Opportunity {saved.id} saved (version {saved.version}).")


@opportunity.command("add-line")
@click.argument("opportunity_id", type=click.IntRange(min=1), metavar="ID")
@click.option(
    "--service", "service_id", required=True, type=click.IntRange(min=1), metavar="ID", help="Service."
)
@click.option(
    "--quantity", required=True, type=click.IntRange(1, service.QUANTITY_MAX), help="How many units."
)
@click.option("--price", help="Unit price (default: the catalogue's).")
@VERSION
@password_option
@format_options
@pass_context
def add_line(
    ctx: CommandContext,
    opportunity_id: int,
    service_id: int,
    quantity: int,
    price: str | None,
    version: int | None,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Add a line: a service, a quantity, its unit price (the catalogue's unless --price).

    \b
    Example:
      python -m main opportunity add-line 7 --service 2 --quantity 200
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    current = _current(ctx, opportunity_id, version)
    permissions.require(actor, Action.UPDATE_OPPORTUNITY, owner_id=current.sales_contact_id)
    _open(current)
    unit_price = validation.amount(price, "Unit price") if price is not None else None
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(
        actor, service.add_line, opportunity_id, current.version, service_id, quantity, unit_price
    )
    _write_detail(saved, fmt, excel)
    note(f"Line added; the amount of opportunity {opportunity_id} is now {money(saved.opportunity.amount)}.")


@opportunity.command("update-line")
@click.argument("line_id", type=click.IntRange(min=1), metavar="LINE_ID")
@click.option("--quantity", type=click.IntRange(1, service.QUANTITY_MAX), help="New quantity.")
@click.option("--price", help="New unit price.")
@VERSION
@password_option
@format_options
@pass_context
def update_line(
    ctx: CommandContext,
    line_id: int,
    quantity: int | None,
    price: str | None,
    version: int | None,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Change a line's quantity or unit price (--version: the opportunity's)."""
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    line = ctx.backend.run(service.get_line, line_id)
    current = _current(ctx, line.opportunity_id, version)
    permissions.require(actor, Action.UPDATE_OPPORTUNITY, owner_id=current.sales_contact_id)
    _open(current)
    new_quantity = line.quantity if quantity is None else quantity
    new_price = line.unit_price if price is None else validation.amount(price, "Unit price")
    if (new_quantity, new_price) == (line.quantity, line.unit_price):
        note("Nothing changed.")
        return
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.update_line, line_id, current.version, new_quantity, new_price)
    _write_detail(saved, fmt, excel)
    note(f"Line {line_id} saved; the amount is now {money(saved.opportunity.amount)}.")


@opportunity.command("remove-line")
@click.argument("line_id", type=click.IntRange(min=1), metavar="LINE_ID")
@VERSION
@password_option
@format_options
@pass_context
def remove_line(
    ctx: CommandContext, line_id: int, version: int | None, password_stdin: bool, fmt: str, excel: bool
) -> None:
    """Remove a line (--version: the opportunity's); the amount follows."""
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    line = ctx.backend.run(service.get_line, line_id)
    current = _current(ctx, line.opportunity_id, version)
    permissions.require(actor, Action.UPDATE_OPPORTUNITY, owner_id=current.sales_contact_id)
    _open(current)
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.remove_line, line_id, current.version)
    _write_detail(saved, fmt, excel)
    note(f"Line {line_id} removed; the amount is now {money(saved.opportunity.amount)}.")


@opportunity.command("move")
@click.argument("opportunity_id", type=click.IntRange(min=1), metavar="ID")
@click.option(
    "--to",
    "stage",
    required=True,
    type=click.Choice([s.value for s in service.OPEN_STAGES]),
    help="Open stage.",
)
@VERSION
@password_option
@format_options
@pass_context
def move(
    ctx: CommandContext,
    opportunity_id: int,
    stage: str,
    version: int | None,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Move an open opportunity one stage forward, or back to an earlier one (won and lost: `win`,
    `lose`).

    \b
    Example:
      python -m main opportunity move 7 --to proposal
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    current = _current(ctx, opportunity_id, version)
    permissions.require(actor, Action.MOVE_OPPORTUNITY, owner_id=current.sales_contact_id)
    _open(current)
    if (Stage(current.stage), Stage(stage)) not in service.ALLOWED_MOVES:
        allowed = ", ".join(s.value for s in service.moves_from(current.stage) if s in service.OPEN_STAGES)
        raise ValidationError(
            f"An opportunity at {current.stage} moves one stage forward or back: to {allowed}."
        )
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.move_opportunity, opportunity_id, current.version, stage)
    _write_detail(ctx.backend.run(service.get_opportunity_detail, saved.id), fmt, excel)
    note(f"Opportunity {saved.id} is now at {saved.stage} ({saved.probability}% likely).")


@opportunity.command("lose")
@click.argument("opportunity_id", type=click.IntRange(min=1), metavar="ID")
@click.option("--reason", required=True, help="Why it was lost.")
@VERSION
@password_option
@format_options
@pass_context
def lose(
    ctx: CommandContext,
    opportunity_id: int,
    reason: str,
    version: int | None,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Mark an open opportunity lost, with the reason. Final.

    \b
    Example:
      python -m main opportunity lose 7 --reason "Went with a competitor"
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    current = _current(ctx, opportunity_id, version)
    permissions.require(actor, Action.LOSE_OPPORTUNITY, owner_id=current.sales_contact_id)
    _open(current)
    reason = service.clean_reason(reason)
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.lose_opportunity, opportunity_id, current.version, reason)
    _write_detail(ctx.backend.run(service.get_opportunity_detail, saved.id), fmt, excel)
    note(f"Opportunity {saved.id} marked lost.")


@opportunity.command("win")
@click.argument("opportunity_id", type=click.IntRange(min=1), metavar="ID")
@VERSION
@password_option
@format_options
@pass_context
def win(
    ctx: CommandContext, opportunity_id: int, version: int | None, password_stdin: bool, fmt: str, excel: bool
) -> None:
    """Mark an opportunity in negotiation won (management): its contract is created (same client,
    total = the amount, not signed yet). Final.

    \b
    Example:
      python -m main opportunity win 7 --version 6
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    current = _current(ctx, opportunity_id, version)
    permissions.require(actor, Action.WIN_OPPORTUNITY, owner_id=current.sales_contact_id)
    _open(current)
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.win_opportunity, opportunity_id, current.version)
    _write_detail(ctx.backend.run(service.get_opportunity_detail, saved.id), fmt, excel)
    note(
        f"Opportunity {saved.id} won: contract {saved.contract_id} created for {money(saved.amount)}"
        " (not signed yet)."
    )
