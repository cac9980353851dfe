"""Dataclasses the repositories return and the UI renders. No behaviour, no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


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
