"""Dataclasses the repositories return, the services take and the faces render. No behaviour, no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

# The company's time zone: its days (the agenda, the pipeline report's months and quarters), its
# calendar file and its e-mails.
COMPANY_ZONE = ZoneInfo("Europe/Paris")


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
    opportunity_id: int | None = None  # the opportunity it was won from (sql/0013), if any
    opportunity_title: str | None = None


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


# The sales pipeline (sql/0013_pipeline.sql) -------------------------------------------------------


class Unit(StrEnum):
    """What a service's unit price is for."""

    EVENT = "event"
    GUEST = "guest"
    HOUR = "hour"


class Stage(StrEnum):
    """An opportunity's stage, in pipeline order; won and lost are final."""

    NEW = "new"
    QUALIFIED = "qualified"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    WON = "won"
    LOST = "lost"


@dataclass(frozen=True)
class Service:
    """A service of the catalogue; retired ones (not active) are kept, never offered for new lines."""

    id: int
    name: str
    description: str
    unit_price: Decimal
    unit: Unit
    is_active: bool
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class ServiceFields:
    """The fields of a service that management types in."""

    name: str
    description: str
    unit_price: Decimal
    unit: Unit


@dataclass(frozen=True)
class Opportunity:
    """A sale opportunity; its owner is its client's sales contact (read through the client)."""

    id: int
    client_id: int
    client_name: str
    sales_contact_id: int
    sales_contact_name: str
    title: str
    stage: Stage
    probability: int  # percent, the stage's
    expected_close_on: date | None
    expected_attendees: int
    amount: Decimal  # the sum of its lines
    weighted_amount: Decimal  # amount x probability / 100, to the cent
    line_count: int
    lost_reason: str | None
    contract_id: int | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class OpportunityLine:
    id: int
    opportunity_id: int
    service_id: int
    service_name: str
    unit: Unit
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    version: int


@dataclass(frozen=True)
class OpportunityDetail:
    opportunity: Opportunity
    lines: list[OpportunityLine]


@dataclass(frozen=True)
class OpportunityFields:
    """The fields of an opportunity that its editors type in (its lines are edited one by one)."""

    title: str
    expected_close_on: date | None
    expected_attendees: int


@dataclass(frozen=True)
class StageFigures:
    """Open opportunities at one stage."""

    stage: Stage
    probability: int
    count: int
    amount: Decimal
    weighted_amount: Decimal


@dataclass(frozen=True)
class SalesFigures:
    """Open opportunities of one sales employee's clients."""

    sales_id: int
    sales_name: str
    count: int
    amount: Decimal
    weighted_amount: Decimal


@dataclass(frozen=True)
class ClosedFigures:
    """Opportunities won and lost since the start of a period (this month, this quarter)."""

    period: str
    since: datetime
    won_count: int
    won_amount: Decimal
    lost_count: int
    lost_amount: Decimal


@dataclass(frozen=True)
class ConversionFigures:
    """Of the opportunities closed since the start of a period (or ever), the share won."""

    period: str
    since: datetime | None
    closed_count: int
    won_count: int
    conversion_rate: Decimal | None  # percent, 1 decimal; None when nothing was closed


@dataclass(frozen=True)
class PipelineReport:
    by_stage: list[StageFigures]
    by_sales: list[SalesFigures]
    closed: list[ClosedFigures]
    conversion: list[ConversionFigures]


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
