"""Client use cases: list, search, "my clients", create and update (sales), reassign (management).

Each write is one transaction that reads the record, re-reads the actor and asks crm.permissions
once (crm.services.actor), validates, and writes. Saves carry the version the editor read, so a
concurrent change makes the second save fail with StaleRecord.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from crm import validation
from crm.db import Database
from crm.errors import NotFound, StaleRecord, ValidationError
from crm.i18n import N_, _
from crm.models import Client, ClientFields, Employee, Team
from crm.permissions import Action
from crm.repositories.clients import ClientRepository
from crm.repositories.employees import EmployeeRepository
from crm.services.actor import recheck_actor
from crm.services.rules import RuleMessage, rules_as_messages

__all__ = [
    "FIELD_CHECKS",
    "ClientFields",
    "active_sales_employees",
    "check_email_free",
    "clean_fields",
    "create_client",
    "database_rules_as_messages",
    "get_client",
    "list_clients",
    "my_clients",
    "reassign_client",
    "search_clients",
    "update_client",
]

SEARCH_MAX = 150
EMAIL_TAKEN = N_("Another client already has this e-mail address.")

# What a broken database rule means to the user, by constraint name.
_RULE_MESSAGES: dict[str, RuleMessage] = {
    "clients_email_key": EMAIL_TAKEN,
    "clients_sales_is_active_sales": N_("The sales contact must be an active sales employee."),
    "clients_sales_contact_id_fkey": N_("No employee with that id."),
    "clients_full_name_check": lambda: _(
        "Full name cannot be blank and has at most {NAME_MAX} characters."
    ).format(NAME_MAX=validation.NAME_MAX),
    "clients_email_check": N_("Enter a valid e-mail address, like name@example.com."),
    "clients_phone_check": N_("A phone number has at most 40 characters."),
    "clients_company_name_check": lambda: _("Company name has at most {NAME_MAX} characters.").format(
        NAME_MAX=validation.NAME_MAX
    ),
    "clients_full_name_text": lambda: validation.text_rule(_("Full name"), shown=True),
    "clients_email_text": lambda: validation.text_rule(_("E-mail")),
    "clients_phone_text": lambda: validation.text_rule(_("Phone")),
    "clients_company_name_text": lambda: validation.text_rule(_("Company name")),
}


def database_rules_as_messages() -> AbstractContextManager[None]:
    """Turn a broken client rule (CHECK, UNIQUE, trigger) into a one-line ValidationError."""
    return rules_as_messages(_RULE_MESSAGES)


def clean_fields(fields: ClientFields) -> ClientFields:
    """Validated client fields (docs/rules.md §7): a name, a valid e-mail, an optional phone and company."""
    for value in (fields.full_name, fields.email, fields.company_name):
        if not isinstance(value, str):
            raise ValidationError(_("Client fields must be text."))
    if fields.phone is not None and not isinstance(fields.phone, str):
        raise ValidationError(_("Client fields must be text."))
    return ClientFields(**{name: check(getattr(fields, name)) for name, check in FIELD_CHECKS.items()})


# Each client field's check, by field name: the forms', the commands' and the CSV import's rule.
FIELD_CHECKS: dict[str, Callable[[Any], Any]] = {
    "full_name": lambda value: validation.name(value, _("Full name")),
    "email": validation.email,
    "phone": lambda value: validation.phone(value or ""),
    "company_name": lambda value: validation.text(value, _("Company name"), validation.NAME_MAX),
}


# Reads --------------------------------------------------------------------------------------------


def list_clients(db: Database, offset: int, limit: int) -> list[Client]:
    """A page of all clients, newest first."""
    return ClientRepository(db.conn).list_newest(offset, limit)


def my_clients(db: Database, actor: Employee, offset: int, limit: int) -> list[Client]:
    """A page of the actor's clients (as their sales contact), newest first."""
    return clients_of(db, actor.id, offset, limit)


def clients_of(db: Database, sales_id: int, offset: int, limit: int) -> list[Client]:
    """A page of one sales employee's clients, newest first."""
    return ClientRepository(db.conn).list_for_sales(sales_id, offset, limit)


def search_clients(db: Database, text: str, offset: int, limit: int) -> list[Client]:
    """A page of the clients whose name or company contains the text, newest first."""
    text = validation.name(text, _("Search text"), SEARCH_MAX)
    return ClientRepository(db.conn).search(text, offset, limit)


def get_client(db: Database, client_id: int) -> Client:
    """One client, or NotFound."""
    client = ClientRepository(db.conn).get(client_id)
    if client is None:
        raise NotFound(_("No client with id {client_id}.").format(client_id=client_id))
    return client


def active_sales_employees(db: Database) -> list[Employee]:
    """The employees a client may be reassigned to."""
    return EmployeeRepository(db.conn).active_of_team(Team.SALES)


# Writes -------------------------------------------------------------------------------------------


def check_email_free(db: Database, email: str, client_id: int | None = None) -> None:
    """Refuse an e-mail address another client (than client_id) already has, in any case (early
    feedback for a form; the save is refused the same way by the database's unique index)."""
    if ClientRepository(db.conn).email_in_use(email, client_id):
        raise ValidationError(EMAIL_TAKEN)


def _current(repo: ClientRepository, client_id: int) -> Client:
    client = repo.get(client_id)
    if client is None:
        raise NotFound(_("No client with id {client_id}.").format(client_id=client_id))
    return client


def create_client(db: Database, actor: Employee, fields: ClientFields) -> Client:
    """Create a client whose sales contact is the actor (a sales employee)."""
    repo = ClientRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        recheck_actor(db, actor, Action.CREATE_CLIENT, owner_id=actor.id)
        client_id = repo.insert(actor.id, clean_fields(fields))
    return get_client(db, client_id)


def update_client(
    db: Database, actor: Employee, client_id: int, version: int, fields: ClientFields
) -> Client:
    """Save a client's name, e-mail, phone and company (their sales contact only), if it is still
    at the version the editor read (StaleRecord otherwise)."""
    repo = ClientRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        current = _current(repo, client_id)
        recheck_actor(db, actor, Action.UPDATE_CLIENT, owner_id=current.sales_contact_id)
        if current.version != version:
            raise StaleRecord()
        if not repo.update(client_id, version, clean_fields(fields)):
            raise StaleRecord()
    return get_client(db, client_id)


def reassign_client(db: Database, actor: Employee, client_id: int, version: int, sales_id: int) -> Client:
    """Give a client (and so its contracts) another sales contact: an active sales employee."""
    repo = ClientRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        current = _current(repo, client_id)
        recheck_actor(db, actor, Action.REASSIGN_CLIENT, owner_id=current.sales_contact_id)
        if current.version != version:
            raise StaleRecord()
        if (
            isinstance(sales_id, bool)
            or not isinstance(sales_id, int)
            or not EmployeeRepository(db.conn).is_active_in_team(sales_id, Team.SALES)
        ):
            raise ValidationError(
                _("Employee {sales_id} is not an active sales employee.").format(sales_id=sales_id)
            )
        if sales_id == current.sales_contact_id:
            raise ValidationError(
                _("{sales_contact_name} is already this client's sales contact.").format(
                    sales_contact_name=current.sales_contact_name
                )
            )
        if not repo.set_sales_contact(client_id, version, sales_id):
            raise StaleRecord()
    return get_client(db, client_id)
