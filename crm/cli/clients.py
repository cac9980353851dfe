"""`client …` commands: list, show, create, update, reassign, note."""

from __future__ import annotations

import click

from crm import permissions, validation
from crm.cli.common import format_options, list_options, one_of, pass_context, password_option, show_list
from crm.cli.context import CommandContext
from crm.cli.output import Table, note, write_one
from crm.i18n import _
from crm.models import Client, ClientFields
from crm.permissions import Action
from crm.services import clients as service
from crm.services import contracts as contract_service
from crm.services import notes as note_service
from crm.ui.clients import print_client
from crm.ui.notes import print_notes
from crm.ui.pickers import CLIENT_HEADERS, client_row

TABLE = Table(CLIENT_HEADERS, client_row)
CONTRACTS_SHOWN = 50
NOTES_SHOWN = 50


@click.group()
def client() -> None:
    """Clients: list, show, create (sales), update (their sales contact), reassign (management)."""


@client.command("list")
@click.option("--mine", is_flag=True, help="Only your clients (you are their sales contact).")
@click.option(
    "--sales", "sales_id", type=click.IntRange(min=1), metavar="ID", help="Only this sales employee's."
)
@click.option("--search", metavar="TEXT", help="Name or company contains TEXT (any case, any accents).")
@list_options
@pass_context
def list_clients(
    ctx: CommandContext,
    mine: bool,
    sales_id: int | None,
    search: str | None,
    page: int,
    page_size: int,
    every: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Clients, newest first.

    \b
    Examples:
      python -m main client list --mine
      python -m main client list --search "cool startup" --format json
      python -m main client list --all --format csv --excel > clients.csv
    """
    actor = ctx.employee()
    backend = ctx.backend
    chosen = one_of(mine=mine, sales=sales_id, search=search)
    if chosen == "mine":
        fetch = lambda o, n: backend.act(actor, service.my_clients, o, n)  # noqa: E731
    elif sales_id is not None:
        fetch = lambda o, n: backend.run(service.clients_of, sales_id, o, n)  # noqa: E731
    elif search is not None:
        fetch = lambda o, n: backend.run(service.search_clients, search, o, n)  # noqa: E731
    else:
        fetch = lambda o, n: backend.run(service.list_clients, o, n)  # noqa: E731
    show_list(ctx, fetch, Client, TABLE, page=page, page_size=page_size, every=every, fmt=fmt, excel=excel)


@client.command("show")
@click.argument("client_id", type=click.IntRange(min=1), metavar="ID")
@format_options
@pass_context
def show(ctx: CommandContext, client_id: int, fmt: str, excel: bool) -> None:
    """One client in detail, with their latest contracts and latest notes (50 of each)."""
    ctx.employee()
    found = ctx.backend.run(service.get_client, client_id)
    contracts = ctx.backend.run(contract_service.list_client_contracts, client_id, 0, CONTRACTS_SHOWN)
    notes = ctx.backend.run(note_service.client_notes, client_id, 0, NOTES_SHOWN)
    count = (
        ctx.backend.run(note_service.count_notes, "client", client_id)
        if len(notes) == NOTES_SHOWN
        else len(notes)
    )
    write_one(
        found,
        fmt,
        lambda: print_client(found, contracts, notes, count),
        related={"contracts": contracts, "notes": notes, "note_count": count},
        excel=excel,
    )


def _checked(name: str, email: str, phone: str | None, company: str | None) -> ClientFields:
    """The fields, each checked as the form checks it (one line for the first bad one)."""
    return ClientFields(
        full_name=validation.name(name, _("Full name")),
        email=validation.email(email),
        phone=validation.phone(phone or ""),
        company_name=validation.text(company or "", _("Company name"), validation.NAME_MAX),
    )


@client.command("create")
@click.option("--name", required=True, help="Full name.")
@click.option("--email", required=True, help="E-mail address.")
@click.option("--phone", help="Phone (digits, spaces, + - . ( ), at least 6 digits).")
@click.option("--company", help="Company name.")
@password_option
@format_options
@pass_context
def create(
    ctx: CommandContext,
    name: str,
    email: str,
    phone: str | None,
    company: str | None,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Create a client (sales): you become their sales contact.

    \b
    Example:
      python -m main client create --name "Kevin Casey" --email kevin@startup.io \\
          --phone "+678 123 456 78" --company "Cool Startup LLC"
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    permissions.require(actor, Action.CREATE_CLIENT, owner_id=actor.id)
    fields = _checked(name, email, phone, company)
    ctx.backend.run(service.check_email_free, fields.email)
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.create_client, fields)
    write_one(saved, fmt, lambda: print_client(saved, []), excel=excel)
    note(
        _("Client {id} ({full_name}) created; you are their sales contact.").format(
            id=saved.id, full_name=saved.full_name
        )
    )


@client.command("update")
@click.argument("client_id", type=click.IntRange(min=1), metavar="ID")
@click.option("--name", help="New full name.")
@click.option("--email", help="New e-mail address.")
@click.option("--phone", help="New phone ('' to clear it).")
@click.option("--company", help="New company name ('' to clear it).")
@click.option(
    "--version",
    "version",
    type=click.IntRange(min=1),
    help="Refuse if the client is no longer at this version.",
)
@password_option
@format_options
@pass_context
def update(
    ctx: CommandContext,
    client_id: int,
    name: str | None,
    email: str | None,
    phone: str | None,
    company: str | None,
    version: int | None,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Update a client (their sales contact): only the options given change.

    \b
    Example:
      python -m main client update 12 --email kevin@coolstartup.io --version 3
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    current = ctx.backend.run(service.get_client, client_id)
    permissions.require(actor, Action.UPDATE_CLIENT, owner_id=current.sales_contact_id)
    if version is not None and version != current.version:
        from crm.errors import StaleRecord

        raise StaleRecord(
            _("Client {client_id} is at version {version}, not {version2}: reload and try again.").format(
                client_id=client_id, version=current.version, version2=version
            )
        )
    fields = _checked(
        current.full_name if name is None else name,
        current.email if email is None else email,
        current.phone if phone is None else phone,
        current.company_name if company is None else company,
    )
    if fields == ClientFields(current.full_name, current.email, current.phone or None, current.company_name):
        note(_("Nothing changed."))
        return
    ctx.backend.run(service.check_email_free, fields.email, client_id)
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.update_client, client_id, current.version, fields)
    write_one(saved, fmt, lambda: print_client(saved, []), excel=excel)
    note(_("Client {id} saved (version {version}).").format(id=saved.id, version=saved.version))


@client.command("reassign")
@click.argument("client_id", type=click.IntRange(min=1), metavar="ID")
@click.option(
    "--to",
    "sales_id",
    required=True,
    type=click.IntRange(min=1),
    metavar="SALES_ID",
    help="The new sales contact.",
)
@click.option(
    "--version",
    "version",
    type=click.IntRange(min=1),
    help="Refuse if the client is no longer at this version.",
)
@password_option
@format_options
@pass_context
def reassign(
    ctx: CommandContext,
    client_id: int,
    sales_id: int,
    version: int | None,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Give a client (and their contracts) another sales contact (management)."""
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    permissions.require(actor, Action.REASSIGN_CLIENT)
    current = ctx.backend.run(service.get_client, client_id)
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.reassign_client, client_id, version or current.version, sales_id)
    write_one(saved, fmt, lambda: print_client(saved, []), excel=excel)
    note(
        _("{sales_contact_name} is now the sales contact of client {id} and of their contracts.").format(
            sales_contact_name=saved.sales_contact_name, id=saved.id
        )
    )


@client.command("note")
@click.argument("client_id", type=click.IntRange(min=1), metavar="ID")
@click.option("--text", required=True, help="The note (at most 2,000 characters; line breaks kept).")
@password_option
@format_options
@pass_context
def add_note(
    ctx: CommandContext, client_id: int, text: str, password_stdin: bool, fmt: str, excel: bool
) -> None:
    """Add a note to a client (management: any; sales: their own). Notes are never edited.

    \b
    Example:
      python -m main client note 12 --text "called, wants a DJ"
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    current = ctx.backend.run(service.get_client, client_id)
    permissions.require(actor, Action.ADD_CLIENT_NOTE, owner_id=current.sales_contact_id)
    body = note_service.clean_note(text)
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, note_service.add_client_note, client_id, body)
    write_one(saved, fmt, lambda: print_notes([saved], 1), excel=excel)
    note(_("Note {id} added to client {client_id}.").format(id=saved.id, client_id=client_id))
