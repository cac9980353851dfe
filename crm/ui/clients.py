"""The Clients section: list, detail, search, "my clients", and the client forms of each team."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from crm import permissions, validation
from crm.errors import NotFound, ValidationError
from crm.models import Client, Team
from crm.permissions import Action
from crm.services import clients as service
from crm.services import contracts as contract_service
from crm.ui.employees import pick_employee, pick_team_member
from crm.ui.menu import MenuAction, Section
from crm.ui.render import NAME, PAGE_SIZE, WHOLE, Column, Columns, local_day, show_record, show_table
from crm.ui.session import Session

# Newest first: "Created" (the first contact) is what the list is sorted by. On a narrow
# terminal the last contact, the company, the sales contact, then the phone are left out.
LIST_HEADERS = Columns(
    Column("Id", WHOLE),
    Column("Full name", NAME, least=16, most=30),
    Column("Company", least=16, most=30, drop=2),
    Column("E-mail", least=20, most=36),
    Column("Phone", WHOLE, drop=4),
    Column("Sales contact", most=30, drop=3),
    Column("Created", WHOLE),
    Column("Last contact", WHOLE, drop=1),
    show="Show a client gives the whole record",
)
CONTRACT_HEADERS = Columns(
    Column("Contract", WHOLE),
    Column("Total", WHOLE),
    Column("Remaining", WHOLE),
    Column("Signed", WHOLE),
    Column("Created", WHOLE),
    show="Show a contract gives the whole record",
)


def client_row(client: Client) -> tuple:
    """One line of a clients table."""
    return (
        client.id,
        client.full_name,
        client.company_name or None,
        client.email,
        client.phone,
        client.sales_contact_name,
        local_day(client.created_at),
        local_day(client.updated_at),
    )


def show_client(session: Session, client: Client) -> None:
    """One client in detail, with their latest contracts."""
    show_record(
        f"Client {client.id}",
        [
            ("Full name", client.full_name),
            ("E-mail", client.email),
            ("Phone", client.phone),
            ("Company", client.company_name or None),
            ("Sales contact", client.sales_contact_name),
            ("First contact", client.created_at),
            ("Last contact", client.updated_at),
        ],
    )
    contracts = contract_service.list_client_contracts(session.db, client.id, 0, PAGE_SIZE)
    print("Contracts (newest first):")
    show_table(
        CONTRACT_HEADERS,
        [(c.id, c.total_amount, c.remaining_amount, c.is_signed, c.created_at) for c in contracts],
        empty="  No contract yet.",
    )


def _browse(session: Session, title: str, fetch: Callable[[int, int], list[Client]]) -> None:
    session.browse(title, fetch, LIST_HEADERS, client_row)


def ask_client(session: Session, message: str = "Client id:") -> Client:
    """Ask for a client id until it names a client."""
    return session.ask_record(message, "Client id", service.get_client)


def find_client(session: Session) -> Client:
    """Ask for a client by id, or search by name or company and then pick an id among the matches."""
    while True:
        raw = session.ask(
            "Client id, or part of a name or company to search:",
            partial(validation.name, what="Client id or search text", max_len=service.SEARCH_MAX),
        )
        if raw.isdigit():
            try:
                return service.get_client(session.db, validation.record_id(raw, "Client id"))
            except (NotFound, ValidationError) as error:
                print(error)
                continue
        matches = service.search_clients(session.db, raw, 0, PAGE_SIZE)
        if not matches:
            print(f"No client's name or company contains {raw!r}.")
            continue
        show_table(LIST_HEADERS, [client_row(c) for c in matches])
        if len(matches) == PAGE_SIZE:
            print("Only the newest matches are shown; type more of the name to narrow them.")


# Reads ---------------------------------------------------------------------------------------------


def list_clients(session: Session) -> None:
    """All clients, newest first, a page at a time."""
    _browse(session, "Clients", partial(service.list_clients, session.db))


def show_one_client(session: Session) -> None:
    """One client in detail."""
    show_client(session, ask_client(session))


def search_clients(session: Session) -> None:
    """Clients whose name or company contains what the user types."""
    text = session.ask(
        "Search clients by name or company:",
        partial(validation.name, what="Search text", max_len=service.SEARCH_MAX),
    )
    _browse(session, f"Clients matching {text!r}", partial(service.search_clients, session.db, text))


def my_clients(session: Session) -> None:
    """The sales employee's own clients, newest first."""
    _browse(session, "My clients", partial(service.my_clients, session.db, session.employee))


def clients_of_sales(session: Session) -> None:
    """Management: one sales employee's clients (active or deactivated), newest first."""
    sales = pick_team_member(session, Team.SALES, "Sales employee id:")
    _browse(session, f"Clients of {sales.full_name}", partial(service.clients_of, session.db, sales.id))


# Forms ---------------------------------------------------------------------------------------------


def _ask_fields(session: Session, current: Client | None) -> service.ClientFields:
    """Ask every field of a client (current values as defaults); each answer is checked at once."""
    client_id = current.id if current else None

    def parse_email(raw: str) -> str:
        email = validation.email(raw)
        service.check_email_free(session.db, email, client_id)
        return email

    full_name = session.ask(
        "Full name:",
        partial(validation.name, what="Full name"),
        current.full_name if current else "",
    )
    email = session.ask("E-mail:", parse_email, current.email if current else "")
    phone = session.ask("Phone (optional):", validation.phone, (current.phone or "") if current else "")
    company = session.ask(
        "Company name (optional):",
        partial(validation.text, what="Company name", max_len=validation.NAME_MAX),
        current.company_name if current else "",
    )
    return service.ClientFields(full_name=full_name, email=email, phone=phone, company_name=company)


def _unchanged(client: Client, fields: service.ClientFields) -> bool:
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
    client = service.create_client(session.db, session.employee, fields)
    print(f"Client {client.id} ({client.full_name}) created; you are their sales contact.")


def update_client(session: Session) -> None:
    """Sales: edit one of their clients."""
    client = ask_client(session)
    permissions.require(session.employee, Action.UPDATE_CLIENT, owner_id=client.sales_contact_id)
    show_client(session, client)
    print("Press Enter to keep a value.")
    fields = _ask_fields(session, client)
    if _unchanged(client, fields):
        print("Nothing changed.")
        return
    session.confirm_write()
    saved = service.update_client(session.db, session.employee, client.id, client.version, fields)
    print(f"Client {saved.id} saved.")


def reassign_client(session: Session) -> None:
    """Management: give a client (and its contracts) another active sales employee."""
    permissions.require(session.employee, Action.REASSIGN_CLIENT)
    client = ask_client(session)
    candidates = [e for e in service.active_sales_employees(session.db) if e.id != client.sales_contact_id]
    if not candidates:
        print("There is no other active sales employee to reassign this client to.")
        return
    print(f"Client {client.id} ({client.full_name}): sales contact {client.sales_contact_name}.")
    already = {
        client.sales_contact_id: f"{client.sales_contact_name} is already this client's sales contact."
    }
    sales_id = pick_employee(
        session, candidates, "New sales contact id:", "another active sales employee", refusals=already
    )
    session.confirm_write()
    saved = service.reassign_client(session.db, session.employee, client.id, client.version, sales_id)
    print(f"{saved.sales_contact_name} is now the sales contact of client {saved.id} and of its contracts.")


def clients_section() -> Section:
    """The Clients section."""
    return Section(
        "Clients",
        (
            MenuAction("List clients", list_clients),
            MenuAction("Show a client", show_one_client),
            MenuAction("Search clients", search_clients),
            MenuAction("My clients", my_clients, teams=frozenset({Team.SALES})),
            MenuAction("Clients of a sales employee", clients_of_sales, teams=frozenset({Team.MANAGEMENT})),
            MenuAction("Create a client", create_client, permission=Action.CREATE_CLIENT),
            MenuAction("Update a client", update_client, permission=Action.UPDATE_CLIENT),
            MenuAction("Reassign a client", reassign_client, permission=Action.REASSIGN_CLIENT),
        ),
    )
