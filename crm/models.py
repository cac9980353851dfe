"""Dataclasses the repositories return, the services take and the faces render. No behaviour, no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Team(StrEnum):
    MANAGEMENT = "management"
    SALES = "sales"
    SUPPORT = "support"


@dataclass(frozen=True)
class Employee:
    """An employee as everyone may see them: never the password hash."""

    id: int
    username: str
    full_name: str
    email: str
    phone: str | None
    team: Team
    is_active: bool
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class Client:
    id: int
    full_name: str
    email: str
    phone: str | None
    company_name: str
    sales_contact_id: int
    sales_contact_name: str
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class Contract:
    """A contract; its sales contact is always its client's (read through the client)."""

    id: int
    client_id: int
    client_name: str
    sales_contact_id: int
    sales_contact_name: str
    total_amount: Decimal
    remaining_amount: Decimal
    is_signed: bool
    signed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class Payment:
    id: int
    contract_id: int
    amount: Decimal
    paid_at: datetime
    recorded_by: int
    recorded_by_name: str
    corrects_payment_id: int | None = None  # a correction: cancels that payment (amount < 0)
    corrected_by_id: int | None = None  # the correction that cancels this payment, if any


@dataclass(frozen=True)
class Event:
    id: int
    name: str
    contract_id: int
    client_id: int
    client_name: str
    client_email: str
    client_phone: str | None
    client_contact: str
    support_contact_id: int | None
    support_contact_name: str | None
    starts_at: datetime
    ends_at: datetime
    location: str
    attendees: int
    notes: str
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class ContractDetail:
    """A contract with its latest payments (newest first) and the count and sum of all of them."""

    contract: Contract
    payments: list[Payment]
    payment_count: int
    paid_total: Decimal


@dataclass(frozen=True)
class ContractForEvent:
    """What creating an event needs to know about a contract."""

    id: int
    client_id: int
    client_name: str
    client_email: str
    client_phone: str | None
    sales_contact_id: int
    total_amount: Decimal
    is_signed: bool
    event_id: int | None


@dataclass(frozen=True)
class OwnedRecord:
    """A client or an event still in an employee's care (to reassign before deactivating them)."""

    id: int
    name: str
    detail: str
    starts_at: datetime | None
    total: int  # how many such records there are in all (the list may be cut short)


@dataclass(frozen=True)
class HistoryLine:
    """One changed field of one audit row."""

    audit_id: int
    at: datetime
    employee_id: int | None
    employee_name: str | None
    action: str  # insert / update
    source: str  # the audited table: the record's own, or "payments" for a contract's payments
    source_id: int
    field: str
    old: Any
    new: Any


# What the faces send: the fields a form (or a command, or a request) gives to a write. --------------


@dataclass(frozen=True)
class EmployeeFields:
    """The fields of an employee that management types in."""

    username: str
    full_name: str
    email: str
    phone: str | None
    team: Team


@dataclass(frozen=True)
class ClientFields:
    """The fields of a client that its sales contact types in."""

    full_name: str
    email: str
    phone: str | None
    company_name: str


@dataclass(frozen=True)
class EventFields:
    """The fields of an event that its editors type in."""

    name: str
    client_contact: str
    starts_at: datetime
    ends_at: datetime
    location: str
    attendees: int
    notes: str


# CSV export and import (issue 15 §5) ---------------------------------------------------------------


@dataclass(frozen=True)
class ContractExport:
    """A contract as exported: with how much has been paid beside what remains."""

    id: int
    client_id: int
    client_name: str
    sales_contact_id: int
    sales_contact_name: str
    total_amount: Decimal
    paid_amount: Decimal
    remaining_amount: Decimal
    is_signed: bool
    signed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class ExportRequest:
    """Which list to export (clients, contracts, events or payments) and its filters, as the
    matching `list` command takes them; filters that do not apply to the kind are refused."""

    kind: str
    mine: bool = False  # clients: as their sales contact; contracts: of my clients; events: as support
    sales_id: int | None = None  # clients of this sales employee
    search: str | None = None  # clients: name or company; events: name or client
    unsigned: bool = False  # contracts not signed yet
    unpaid: bool = False  # contracts with something left to pay
    client_id: int | None = None  # contracts of this client
    no_support: bool = False  # events without support
    support_id: int | None = None  # events of this support employee
    contract_id: int | None = None  # payments of this contract


@dataclass(frozen=True)
class ImportedClient:
    """One line of a client import, checked: what will be written."""

    line: int
    full_name: str
    email: str
    phone: str | None
    company_name: str
    sales_contact_id: int


@dataclass(frozen=True)
class ImportProblem:
    """Why a line (0: the file itself, 1: the header) cannot be imported; column may be ''."""

    line: int
    column: str
    message: str


@dataclass(frozen=True)
class ImportDuplicate:
    """A line whose e-mail address an existing client already has."""

    line: int
    email: str
    client_id: int
    sales_contact_id: int


@dataclass(frozen=True)
class ImportReport:
    """What an import found (a dry run) or did: problems mean nothing was (or would be) written."""

    rows: int
    problems: tuple[ImportProblem, ...] = ()
    duplicates: tuple[ImportDuplicate, ...] = ()
    created: int = 0
    updated: int = 0
    skipped: int = 0  # duplicates left as they were
    written: bool = False
    problem_count: int = 0  # all of them (problems keeps the first ones)
