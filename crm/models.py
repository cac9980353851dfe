"""Dataclasses the repositories return, the services take and the faces render. No behaviour, no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
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
    status: str = "planned"  # EventStatus
    cancel_reason: str | None = None


class EventStatus(StrEnum):
    """Where an event stands: planned → confirmed → done, or cancelled (sql/0015)."""

    PLANNED = "planned"
    CONFIRMED = "confirmed"
    DONE = "done"
    CANCELLED = "cancelled"


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


# Notifications, the agenda (issue 15 §2, §3). ------------------------------------------------------


@dataclass(frozen=True)
class Notification:
    """A support employee told of a change to one of their events: what changed (field → [old,
    new]), by whom, when; read_at once they have seen it."""

    id: int
    employee_id: int
    event_id: int
    event_name: str
    kind: str  # assigned / unassigned / changed
    changes: dict[str, Any]
    changed_by: int | None
    changed_by_name: str | None
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class AgendaDay:
    """One day of a week's agenda (in the company's time zone) and the events on it."""

    day: date
    events: list[Event]


@dataclass(frozen=True)
class MailReport:
    """What one drain of the e-mail outbox did."""

    sent: int
    retried: int
    failed: int
    expired: int
