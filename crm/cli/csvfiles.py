"""`export …` and `import clients`: lists to CSV files, clients from one.

An export writes the list to --output (mode 0600, complete or not at all; an existing file is
replaced only with --force) and is recorded in the database; an import checks the whole file
first and prints its report (line, column, message), then imports all of it or nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from crm import permissions
from crm.cli.common import pass_context, password_option
from crm.cli.context import CommandContext
from crm.cli.output import note
from crm.models import ExportRequest
from crm.permissions import Action
from crm.services import client_imports as import_service
from crm.services import exports as service
from crm.services.csvio import atomic_file, writable_target
from crm.ui.csvfiles import Progress, exported_message, read_import_file, report_lines

F = TypeVar("F", bound=Callable[..., Any])
ID = click.IntRange(min=1)


def file_options(f: F) -> F:
    """--output, --excel, --force."""
    f = click.option("--force", is_flag=True, help="Replace FILE if it exists.")(f)
    f = click.option("--excel", is_flag=True, help="Start the file with a BOM, so Excel reads UTF-8.")(f)
    return click.option(
        "--output", "-o", "output", required=True, metavar="FILE", help="The CSV file to write (mode 0600)."
    )(f)


def _export(ctx: CommandContext, request: ExportRequest, output: str, excel: bool, force: bool) -> None:
    actor = ctx.employee()
    permissions.require(actor, Action.EXPORT_CSV)
    target = writable_target(output, overwrite=force)
    progress = Progress(sys.stderr)
    try:
        with atomic_file(target) as stream:
            count = ctx.backend.act(
                actor, service.export_csv, request, stream, excel=excel, face="commands", progress=progress
            )
    finally:
        progress.end()
    note(exported_message(count, request.kind, target))


@click.group()
def export() -> None:
    """Export a list to a CSV file (RFC 4180, UTF-8): clients, contracts, events or payments.

    Everyone may export what they may read; every export is recorded (who, which list, which
    filters, how many rows).
    """


@export.command("clients")
@click.option("--mine", is_flag=True, help="Only your clients (you are their sales contact).")
@click.option("--sales", "sales_id", type=ID, metavar="ID", help="Only this sales employee's.")
@click.option("--search", metavar="TEXT", help="Name or company contains TEXT (any case, any accents).")
@file_options
@pass_context
def export_clients(
    ctx: CommandContext,
    mine: bool,
    sales_id: int | None,
    search: str | None,
    output: str,
    excel: bool,
    force: bool,
) -> None:
    """Clients, newest first.

    \b
    Examples:
      python -m main export clients --output clients.csv --excel
      python -m main export clients --mine -o mine.csv
    """
    _export(ctx, ExportRequest("clients", mine=mine, sales_id=sales_id, search=search), output, excel, force)


@export.command("contracts")
@click.option("--unsigned", is_flag=True, help="Only contracts not signed yet.")
@click.option("--unpaid", is_flag=True, help="Only contracts with something left to pay.")
@click.option("--mine", is_flag=True, help="Only your clients' contracts (sales).")
@click.option("--client", "client_id", type=ID, metavar="ID", help="Only this client's.")
@file_options
@pass_context
def export_contracts(
    ctx: CommandContext,
    unsigned: bool,
    unpaid: bool,
    mine: bool,
    client_id: int | None,
    output: str,
    excel: bool,
    force: bool,
) -> None:
    """Contracts with their total, paid and remaining amounts, newest first.

    \b
    Example:
      python -m main export contracts --unpaid --output to-chase.csv
    """
    request = ExportRequest("contracts", unsigned=unsigned, unpaid=unpaid, mine=mine, client_id=client_id)
    _export(ctx, request, output, excel, force)


@export.command("events")
@click.option("--mine", is_flag=True, help="Only your events (support).")
@click.option("--no-support", is_flag=True, help="Only events without a support employee.")
@click.option("--support", "support_id", type=ID, metavar="ID", help="Only this support employee's.")
@click.option("--search", metavar="TEXT", help="Name or client contains TEXT.")
@file_options
@pass_context
def export_events(
    ctx: CommandContext,
    mine: bool,
    no_support: bool,
    support_id: int | None,
    search: str | None,
    output: str,
    excel: bool,
    force: bool,
) -> None:
    """Events (one support employee's or without support: upcoming first; else newest first).

    \b
    Example:
      python -m main export events --mine --output my-events.csv
    """
    request = ExportRequest("events", mine=mine, no_support=no_support, support_id=support_id, search=search)
    _export(ctx, request, output, excel, force)


@export.command("payments")
@click.option("--contract", "contract_id", type=ID, metavar="ID", help="Only this contract's.")
@click.option("--mine", is_flag=True, help="Only the payments you recorded.")
@file_options
@pass_context
def export_payments(
    ctx: CommandContext, contract_id: int | None, mine: bool, output: str, excel: bool, force: bool
) -> None:
    """Payments and their corrections, newest first.

    \b
    Example:
      python -m main export payments --output payments.csv --excel
    """
    _export(ctx, ExportRequest("payments", contract_id=contract_id, mine=mine), output, excel, force)


@click.group("import")
def import_group() -> None:
    """Import clients from a CSV file (sales and management)."""


@import_group.command("clients")
@click.argument("file", metavar="FILE")
@click.option("--dry-run", is_flag=True, help="Only check the file and print the report; write nothing.")
@click.option(
    "--on-duplicate",
    type=click.Choice(import_service.ON_DUPLICATE),
    default="skip",
    show_default=True,
    help="A line whose e-mail address a client already has: skip it, or update that client (yours).",
)
@password_option
@pass_context
def import_clients(
    ctx: CommandContext, file: str, dry_run: bool, on_duplicate: str, password_stdin: bool
) -> None:
    """Import clients from FILE: every line is checked first; then all of them, or none.

    FILE is UTF-8 CSV with a header line: full_name, email, phone, company_name (management adds
    sales_contact_id, an active sales employee; sales become the sales contact of every client).
    A file written by `export clients` imports as it is (its other columns are ignored).

    \b
    Examples:
      python -m main import clients old-clients.csv --dry-run
      printf '%s\\n' "$CRM_PASSWORD" | python -m main import clients old-clients.csv --password-stdin
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    permissions.require(actor, Action.IMPORT_CLIENTS, owner_id=actor.id)
    data = read_import_file(file)
    try:
        report = ctx.backend.act(actor, import_service.import_clients, data, on_duplicate, dry_run=True)
    except import_service.ImportRefused as refused:
        _print(report_lines(refused.report, dry_run=True, on_duplicate=on_duplicate))
        raise
    if dry_run:
        _print(report_lines(report, dry_run=True, on_duplicate=on_duplicate))
        return
    actor = ctx.confirm_write(actor)
    done = ctx.backend.act(actor, import_service.import_clients, data, on_duplicate)
    _print(report_lines(done, dry_run=False, on_duplicate=on_duplicate))


def _print(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)
