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


@dataclass(frozen=True)
class Note:
    """A note on a client or an event (exactly one of the two ids is set); never edited."""

    id: int
    client_id: int | None
    event_id: int | None
    author_id: int
    author_name: str
    created_at: datetime
    body: str


@dataclass(frozen=True)
class DigestItem:
    """One record a digest line names: what it is, its id and name, a date, a short detail."""

    kind: str  # client, contract, event, employee
    id: int
    name: str
    at: datetime | None
    detail: str


@dataclass(frozen=True)
class DigestLine:
    """One line of the login digest: how many records it counts, and the first few of them."""

    key: str  # stable name (JSON, tests): "upcoming_events", "unsigned_contracts", …
    title: str
    count: int
    items: list[DigestItem]
    capped: bool = False  # there are more than `count` (counting stops there)


@dataclass(frozen=True)
class Digest:
    """An employee's digest: their team's lines, in order (crm/services/digest.py)."""

    employee_id: int
    team: Team
    enabled: bool  # shown at login (My account turns it off)
    lines: list[DigestLine]


@dataclass(frozen=True)
class HandOverPlan:
    """What handing over an employee's work moves: their clients (sales) or their events that have
    not ended (support), each as (id, version) when read."""

    employee_id: int
    team: Team
    clients: tuple[tuple[int, int], ...] = ()
    events: tuple[tuple[int, int], ...] = ()

    @property
    def count(self) -> int:
        return len(self.clients) + len(self.events)


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
