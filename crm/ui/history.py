"""The History section (management): a record's changes from the audit trail, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm import permissions
from crm.i18n import N_, _
from crm.models import HistoryLine
from crm.permissions import Action
from crm.services import contracts as contract_service
from crm.services import history as service
from crm.ui.menu import MenuAction, Section
from crm.ui.pickers import find_client, find_contract, find_employee, find_event
from crm.ui.render import NAME, WHOLE, Column, Columns
from crm.ui.session import Session

VALUE_WIDTH = 40
# The old and new values are what a history is read for: they give way last (16 keeps a date or
# an amount whole); on a narrow terminal the action is left out.
HEADERS = Columns(
    Column(N_("When"), WHOLE),
    Column(N_("Who"), least=10, most=24),
    Column(N_("Action"), least=8, drop=1),
    Column(N_("Field"), least=10),
    Column(N_("Old"), NAME, least=16, most=VALUE_WIDTH),
    Column(N_("New"), NAME, least=16, most=VALUE_WIDTH),
    show=N_("a wider terminal shows more (values up to 40 characters)"),
)
KIND_CHOICES = [
    (N_("Clients"), "clients"),
    (N_("Contracts"), "contracts"),
    (N_("Events"), "events"),
    (N_("Employees"), "employees"),
]
# Each kind of record: the history's empty line and title.
KIND_TEXTS = {
    "clients": (
        N_("No change recorded for client {id}."),
        N_("History of client {id} (newest first)"),
    ),
    "contracts": (
        N_("No change recorded for contract {id}."),
        N_("History of contract {id} (newest first)"),
    ),
    "events": (
        N_("No change recorded for event {id}."),
        N_("History of event {id} (newest first)"),
    ),
    "employees": (
        N_("No change recorded for employee {id}."),
        N_("History of employee {id} (newest first)"),
    ),
}
ACTIONS = {"insert": N_("created"), "update": N_("updated"), "note": N_("note added")}
SYSTEM = N_("system")


def _value(field: str, value: Any) -> Any:
    """How an old or new value is shown: dates as local date-times (long texts are shortened by
    the table, at most VALUE_WIDTH)."""
    if isinstance(value, str) and field.endswith("_at"):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


# The audited columns as people say them (a column not here: support_contact_id -> support contact).
FIELDS = {
    "username": N_("username"),
    "full_name": N_("full name"),
    "email": N_("e-mail"),
    "phone": N_("phone"),
    "team": N_("team"),
    "is_active": N_("active"),
    "password": N_("password"),
    "language": N_("language"),
    "company_name": N_("company name"),
    "sales_contact_id": N_("sales contact"),
    "total_amount": N_("total amount"),
    "remaining_amount": N_("remaining amount"),
    "is_signed": N_("signed"),
    "signed_at": N_("signed at"),
    "client_id": N_("client"),
    "contract_id": N_("contract"),
    "name": N_("name"),
    "client_contact": N_("client contact"),
    "starts_at": N_("start"),
    "ends_at": N_("end"),
    "location": N_("location"),
    "attendees": N_("attendees"),
    "notes": N_("notes"),
    "support_contact_id": N_("support contact"),
    "status": N_("status"),
    "cancel_reason": N_("cancel reason"),
    "amount": N_("amount"),
    "paid_at": N_("paid at"),
    "recorded_by": N_("recorded by"),
    "corrects_payment_id": N_("corrects payment"),
    "note": N_("note"),
}


def field_label(field: str) -> str:
    """A column name as people say it: support_contact_id -> support contact, is_signed -> signed."""
    if field in FIELDS:
        return _(FIELDS[field])
    return field.removeprefix("is_").removesuffix("_id").replace("_", " ")


def history_row(line: HistoryLine) -> tuple:
    """One line of a history table."""
    return (
        line.at,
        line.employee_name or _(SYSTEM),
        _("payment {id} recorded").format(id=line.source_id)
        if line.source == "payments"
        else _(ACTIONS.get(line.action, line.action)),
        field_label(line.field),
        _value(line.field, line.old),
        _value(line.field, line.new),
    )


def _pick(session: Session, table: str) -> int:
    """The id of the record whose history is asked: by id, or by part of a name (crm.ui.pickers)."""
    if table == "clients":
        return find_client(session).id
    if table == "contracts":
        return find_contract(
            session, lambda contract_id: session.run(contract_service.get_contract, contract_id)
        ).id
    if table == "events":
        return find_event(session).id
    return find_employee(session).id


def history_of_record(session: Session) -> None:
    """Pick a kind of record, then the record (by id or by name); show its changes, newest first,
    a page at a time."""
    permissions.require(session.employee, Action.READ_HISTORY)
    table = session.prompts.choose(_("History of which kind of record?"), [*KIND_CHOICES, (_("Back"), None)])
    if table is None:
        return
    nothing, title = KIND_TEXTS[table]
    record_id = _pick(session, table)
    fetch = session.pages_as(service.record_history, table, record_id)
    first = fetch(0, 1)
    if not first:
        print(_(nothing).format(id=record_id))
        return
    session.browse(
        _(title).format(id=record_id),
        fetch,
        HEADERS,
        history_row,
    )


def history_section() -> Section:
    """The History section: management only."""
    return Section(
        N_("History"),
        (MenuAction(N_("History of a record"), history_of_record, Action.READ_HISTORY),),
    )
