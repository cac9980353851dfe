"""The History section (management): a record's changes from the audit trail, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm import permissions
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
    Column("When", WHOLE),
    Column("Who", least=10, most=24),
    Column("Action", least=8, drop=1),
    Column("Field", least=10),
    Column("Old", NAME, least=16, most=VALUE_WIDTH),
    Column("New", NAME, least=16, most=VALUE_WIDTH),
    show="a wider terminal shows more (values up to 40 characters)",
)
KIND_CHOICES = [
    ("Clients", "clients"),
    ("Contracts", "contracts"),
    ("Events", "events"),
    ("Employees", "employees"),
]
ACTIONS = {"insert": "created", "update": "updated", "note": "note added"}
SYSTEM = "system"


def _value(field: str, value: Any) -> Any:
    """How an old or new value is shown: dates as local date-times (long texts are shortened by
    the table, at most VALUE_WIDTH)."""
    if isinstance(value, str) and field.endswith("_at"):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def field_label(field: str) -> str:
    """A column name as people say it: support_contact_id -> support contact, is_signed -> signed."""
    return field.removeprefix("is_").removesuffix("_id").replace("_", " ")


def history_row(line: HistoryLine) -> tuple:
    """One line of a history table."""
    return (
        line.at,
        line.employee_name or SYSTEM,
        f"payment {line.source_id} recorded"
        if line.source == "payments"
        else ACTIONS.get(line.action, line.action),
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
    table = session.prompts.choose("History of which kind of record?", [*KIND_CHOICES, ("Back", None)])
    if table is None:
        return
    what = service.KINDS[table]
    record_id = _pick(session, table)
    fetch = session.pages_as(service.record_history, table, record_id)
    first = fetch(0, 1)
    if not first:
        print(f"No change recorded for {what} {record_id}.")
        return
    session.browse(f"History of {what} {record_id} (newest first)", fetch, HEADERS, history_row)


def history_section() -> Section:
    """The History section: management only."""
    return Section(
        "History",
        (MenuAction("History of a record", history_of_record, Action.READ_HISTORY),),
    )
