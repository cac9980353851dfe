"""The Clients section: list, detail, search, "my clients", and the client forms of each team."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from crm import permissions, validation
from crm.i18n import N_, _
from crm.models import Client, ClientFields, Contract, Note, Team
from crm.permissions import Action
from crm.services import clients as service
from crm.services import contracts as contract_service
from crm.services import notes as note_service
from crm.ui.csvfiles import export_action
from crm.ui.csvfiles import import_clients as import_clients_from_csv
from crm.ui.menu import MenuAction, Section
from crm.ui.notes import ask_note, print_notes, show_notes
from crm.ui.pickers import (
    CLIENT_HEADERS,
    client_row,
    find_client,
    pick_employee,
    pick_team_member,
    show_candidates,
)
from crm.ui.render import PAGE_SIZE, WHOLE, Column, Columns, show_record, show_table
from crm.ui.session import Session

CLIENT_QUESTION = N_("Client id, or part of a name or company:")
NEW_SALES_QUESTION = N_("New sales contact (id, or part of a name):")

LIST_HEADERS = CLIENT_HEADERS
CONTRACT_HEADERS = Columns(
    Column(N_("Contract"), WHOLE),
    Column(N_("Total"), WHOLE),
    Column(N_("Remaining"), WHOLE),
    Column(N_("Signed"), WHOLE),
    Column(N_("Created"), WHOLE),
    show=N_("Show a contract gives the whole record"),
)


def print_client(
    client: Client, contracts: Sequence[Contract], notes: Sequence[Note] | None = None, note_count: int = 0
) -> None:
    """One client in detail, with their latest contracts (shared with the commands) and, when
    given, their latest notes (note_count: how many there are in all)."""
    show_record(
        _("Client {id}").format(id=client.id),
        [
            (_("Full name"), client.full_name),
            (_("E-mail"), client.email),
            (_("Phone"), client.phone),
            (_("Company"), client.company_name or None),
            (_("Sales contact"), client.sales_contact_name),
            (_("First contact"), client.created_at),
            (_("Last contact"), client.updated_at),
        ],
    )
    print(_("Contracts (newest first):"))
    show_table(
        CONTRACT_HEADERS,
        [(c.id, c.total_amount, c.remaining_amount, c.is_signed, c.created_at) for c in contracts],
        empty=_("  No contract yet."),
    )
    if notes is not None:
        print_notes(notes, note_count)


def show_client(session: Session, client: Client) -> None:
    """One client in detail, with their latest contracts."""
    print_client(client, session.run(contract_service.list_client_contracts, client.id, 0, PAGE_SIZE))


def _browse(session: Session, title: str, fetch: Callable[[int, int], Sequence[Client]]) -> None:
    session.browse(title, fetch, LIST_HEADERS, client_row)


def ask_client(session: Session, message: str = CLIENT_QUESTION) -> Client:
    """Ask for a client by id or by part of a name or company (crm.ui.pickers.find_client)."""
    return find_client(session, message)


# Reads ---------------------------------------------------------------------------------------------


def list_clients(session: Session) -> None:
    """All clients, newest first, a page at a time."""
    _browse(session, _("Clients"), session.pages(service.list_clients))


def show_one_client(session: Session) -> None:
    """One client in detail, with their notes (latest first)."""
    client = ask_client(session)
    show_client(session, client)
    show_notes(session, "client", client.id)


def search_clients(session: Session) -> None:
    """Clients whose name or company contains what the user types."""
    text = session.ask(
        _("Search clients by name or company:"),
        partial(validation.name, what=_("Search text"), max_len=service.SEARCH_MAX),
    )
    _browse(
        session, _("Clients matching {text!r}").format(text=text), session.pages(service.search_clients, text)
    )


def my_clients(session: Session) -> None:
    """The sales employee's own clients, newest first."""
    _browse(session, _("My clients"), session.pages_as(service.my_clients))


def clients_of_sales(session: Session) -> None:
    """Management: one sales employee's clients (active or deactivated), newest first."""
    sales = pick_team_member(session, Team.SALES, _("Sales employee id:"))
    _browse(
        session,
        _("Clients of {full_name}").format(full_name=sales.full_name),
        session.pages(service.clients_of, sales.id),
    )


# Forms ---------------------------------------------------------------------------------------------


def _ask_fields(session: Session, current: Client | None) -> ClientFields:
    """Ask every field of a client (current values as defaults); each answer is checked at once."""
    client_id = current.id if current else None

    def parse_email(raw: str) -> str:
        email = validation.email(raw)
        session.run(service.check_email_free, email, client_id)
        return email

    full_name = session.ask(
        _("Full name:"),
        partial(validation.name, what=_("Full name")),
        current.full_name if current else "",
    )
    email = session.ask(_("E-mail:"), parse_email, current.email if current else "")
    phone = session.ask(_("Phone (optional):"), validation.phone, (current.phone or "") if current else "")
    company = session.ask(
        _("Company name (optional):"),
        partial(validation.text, what=_("Company name"), max_len=validation.NAME_MAX),
        current.company_name if current else "",
    )
    return ClientFields(full_name=full_name, email=email, phone=phone, company_name=company)


def _unchanged(client: Client, fields: ClientFields) -> bool:
    """Whether the answers are the client's current values (nothing to save)."""
    return (
        fields.full_name == client.full_name
        and fields.email == client.email
        and (fields.phone or None) == (client.phone or None)
        and fields.company_name == client.company_name
    )


def create_client(session: Session) -> None:
    """Sales: create a client, who becomes theirs."""
    permissions.require(session.employee, Action.CREATE_CLIENT, owner_id=session.employee.id)
    fields = _ask_fields(session, None)
    session.confirm_write()
    client = session.act(service.create_client, fields)
    print(
        _("Client {id} ({full_name}) created; you are their sales contact.").format(
            id=client.id, full_name=client.full_name
        )
    )


def update_client(session: Session) -> None:
    """Sales: edit one of their clients."""
    client = ask_client(session)
    permissions.require(session.employee, Action.UPDATE_CLIENT, owner_id=client.sales_contact_id)
    show_client(session, client)
    print(_("Press Enter to keep a value."))
    fields = _ask_fields(session, client)
    if _unchanged(client, fields):
        print(_("Nothing changed."))
        return
    session.confirm_write()
    saved = session.act(service.update_client, client.id, client.version, fields)
    print(_("Client {id} saved.").format(id=saved.id))


def reassign_client(session: Session) -> None:
    """Management: give a client (and its contracts) another active sales employee."""
    permissions.require(session.employee, Action.REASSIGN_CLIENT)
    client = ask_client(session)
    print(
        _("Client {id} ({full_name}): sales contact {sales_contact_name}.").format(
            id=client.id, full_name=client.full_name, sales_contact_name=client.sales_contact_name
        )
    )
    if not show_candidates(
        session,
        N_("Active sales employees:"),
        team=Team.SALES,
        active=True,
        leave_out=client.sales_contact_id,
    ):
        print(_("There is no other active sales employee to reassign this client to."))
        return
    already = {
        client.sales_contact_id: _("{name} is already this client's sales contact.").format(
            name=client.sales_contact_name
        )
    }
    sales_id = pick_employee(
        session, NEW_SALES_QUESTION, _("another active sales employee"), team=Team.SALES, refusals=already
    )
    session.confirm_write()
    saved = session.act(service.reassign_client, client.id, client.version, sales_id)
    print(
        _("{sales_contact_name} is now the sales contact of client {id} and of its contracts.").format(
            sales_contact_name=saved.sales_contact_name, id=saved.id
        )
    )


def add_client_note(session: Session) -> None:
    """Management (any client) or sales (their clients): append a note to a client."""
    client = ask_client(session)
    permissions.require(session.employee, Action.ADD_CLIENT_NOTE, owner_id=client.sales_contact_id)
    print(
        _("Client {id} ({full_name}). A note is never edited: a correction is a new note.").format(
            id=client.id, full_name=client.full_name
        )
    )
    text = ask_note(session)
    session.confirm_write()
    session.act(note_service.add_client_note, client.id, text)
    print(_("Note added to client {id}.").format(id=client.id))


def clients_section() -> Section:
    """The Clients section."""
    return Section(
        N_("Clients"),
        (
            MenuAction(N_("List clients"), list_clients, Action.READ),
            MenuAction(N_("Show a client"), show_one_client, Action.READ),
            MenuAction(N_("Search clients"), search_clients, Action.READ),
            MenuAction(N_("My clients"), my_clients, Action.LIST_MY_CLIENTS),
            MenuAction(N_("Clients of a sales employee"), clients_of_sales, Action.LIST_CLIENTS_OF_SALES),
            MenuAction(N_("Create a client"), create_client, Action.CREATE_CLIENT),
            MenuAction(N_("Update a client"), update_client, Action.UPDATE_CLIENT),
            MenuAction(N_("Reassign a client"), reassign_client, Action.REASSIGN_CLIENT),
            MenuAction(N_("Add a note"), add_client_note, Action.ADD_CLIENT_NOTE),
            MenuAction(N_("Export to CSV"), export_action("clients"), Action.EXPORT_CSV),
            MenuAction(N_("Import clients from CSV"), import_clients_from_csv, Action.IMPORT_CLIENTS),
        ),
    )
