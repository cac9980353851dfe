"""Reading the audit trail: a record's history, for management only."""

from __future__ import annotations

from dataclasses import replace

from crm import permissions
from crm.db import Database
from crm.errors import NotFound, ValidationError
from crm.i18n import N_, _
from crm.models import Employee
from crm.permissions import Action
from crm.repositories.audit import AuditRepository, HistoryLine

__all__ = ["KINDS", "HistoryLine", "record_history"]

# What can be looked up, by table: the name of one such record.
KINDS = {"clients": "client", "contracts": "contract", "events": "event", "employees": "employee"}
_NO_SUCH = {
    "clients": N_("No client with id {record_id}."),
    "contracts": N_("No contract with id {record_id}."),
    "events": N_("No event with id {record_id}."),
    "employees": N_("No employee with id {record_id}."),
}

# Fields holding an employee id: shown with that employee's name.
_EMPLOYEE_FIELDS = frozenset({"sales_contact_id", "support_contact_id", "recorded_by"})


def _named(value: object, names: dict[int, str]) -> object:
    if isinstance(value, int) and value in names:
        return f"{value} ({names[value]})"
    return value


def record_history(
    db: Database, actor: Employee, table: str, record_id: int, offset: int, limit: int
) -> list[HistoryLine]:
    """A page of one record's changes, newest first: one line per changed field.

    Refused unless the actor may read history; NotFound when there is no such record.
    """
    permissions.require(actor, Action.READ_HISTORY)
    if table not in KINDS:
        raise ValidationError(
            _("No history for {table!r}; choose one of: {items}.").format(table=table, items=", ".join(KINDS))
        )
    repo = AuditRepository(db.conn)
    lines = repo.history(table, record_id, offset, limit)
    # Records are never deleted: only an empty page can mean there is no such record.
    if not lines and not repo.record_exists(table, record_id):
        raise NotFound(_(_NO_SUCH[table]).format(record_id=record_id))
    ids = {
        value
        for line in lines
        if line.field in _EMPLOYEE_FIELDS
        for value in (line.old, line.new)
        if isinstance(value, int)
    }
    names = repo.employee_names(ids)
    return [
        replace(line, old=_named(line.old, names), new=_named(line.new, names))
        if line.field in _EMPLOYEE_FIELDS
        else line
        for line in lines
    ]
