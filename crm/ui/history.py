"""The History section (management): a record's changes from the audit trail, newest first."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from crm import permissions, validation
from crm.errors import NotFound
from crm.i18n import N_, _
from crm.models import HistoryLine
from crm.permissions import Action
from crm.services import history as service
from crm.ui.menu import MenuAction, Section
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
# Each kind of record: the id's question, its name in messages, the history's empty line and title.
KIND_TEXTS = {
    "clients": (
        N_("Client id:"),
        N_("Client id"),
        N_("No change recorded for client {id}."),
        N_("History of client {id} (newest first)"),
    ),
    "contracts": (
        N_("Contract id:"),
        N_("Contract id"),
        N_("No change recorded for contract {id}."),
        N_("History of contract {id} (newest first)"),
    ),
    "events": (
        N_("Event id:"),
        N_("Event id"),
        N_("No change recorded for event {id}."),
        N_("History of event {id} (newest first)"),
    ),
    "employees": (
        N_("Employee id:"),
        N_("Employee id"),
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


def history_of_record(session: Session) -> None:
    """Pick a kind of record and its id; show its changes, newest first, a page at a time."""
    permissions.require(session.employee, Action.READ_HISTORY)
    table = session.prompts.choose(_("History of which kind of record?"), [*KIND_CHOICES, (_("Back"), None)])
    if table is None:
        return
    question, label, nothing, title = KIND_TEXTS[table]
    while True:
        record_id = session.ask(_(question), partial(validation.record_id, what=_(label)))
        fetch = session.pages_as(service.record_history, table, record_id)
        try:
            first = fetch(0, 1)
        except NotFound as error:
            print(error)
            continue
        break
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
