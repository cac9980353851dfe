"""The History section (management): a record's changes from the audit trail, newest first."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from crm import permissions, validation
from crm.errors import NotFound
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


def history_of_record(session: Session) -> None:
    """Pick a kind of record and its id; show its changes, newest first, a page at a time."""
    permissions.require(session.employee, Action.READ_HISTORY)
    table = session.prompts.choose("History of which kind of record?", [*KIND_CHOICES, ("Back", None)])
    if table is None:
        return
    what = service.KINDS[table]
    label = f"{what.capitalize()} id"
    while True:
        record_id = session.ask(f"{label}:", partial(validation.record_id, what=label))
        fetch = session.pages_as(service.record_history, table, record_id)
        try:
            first = fetch(0, 1)
        except NotFound as error:
            print(error)
            continue
        break
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
