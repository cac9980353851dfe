"""What requests send and answers hold, as the OpenAPI document describes them.

Answers are the records of crm.models (their dataclasses are the schemas), written by
crm.services.jsonable: money as strings ("999.75"), timestamps ISO 8601 with their offset, ids
integers. Requests put in the schema what can be said there (types, lengths, ranges); the rules
themselves (crm.validation, the services) still decide, with the menus' one-line messages (400).
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import date
from typing import Any, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model

from crm.models import (
    Client,
    Contract,
    ContractForEvent,
    Employee,
    Event,
    HistoryLine,
    Opportunity,
    OpportunityLine,
    OwnedRecord,
    Payment,
    PipelineReport,
    Service,
    Stage,
    Team,
    Unit,
)
from crm.services.catalogue import DESCRIPTION_MAX
from crm.services.pipeline import ATTENDEES_MAX, QUANTITY_MAX, REASON_MAX, TITLE_MAX
from crm.validation import EMAIL_MAX, NAME_MAX, NOTES_MAX, TEXT_MAX

T = TypeVar("T")

PASSWORD_MAX = 1024  # longer than any password the policy accepts (it says why it refuses)
MONEY_TEXT = 'An amount as text, dot for decimals: "1500.00" (commas only between thousands).'


def money(*default: Any) -> Any:
    """An amount field (required unless a default is given)."""
    return Field(*default, max_length=32, description=MONEY_TEXT, examples=["1500.00"])


PHONE_MAX = 40


class Body(BaseModel):
    """A request body: unknown keys are refused (a typo never goes unnoticed)."""

    model_config = ConfigDict(extra="forbid")


class Page(BaseModel, Generic[T]):
    """One page of a list, and the cursor of the next one (`?after=<next_cursor>`)."""

    data: list[T]
    has_more: bool
    next_cursor: str | None = None


def _extended(name: str, record: type, doc: str, **extra: Any) -> type[BaseModel]:
    """A response model: the record's fields, then `extra`."""
    hints = typing.get_type_hints(record)
    fields: dict[str, Any] = {f.name: (hints[f.name], ...) for f in dataclasses.fields(record)}
    model = create_model(name, __doc__=doc, **fields, **extra)
    return model


ContractDetail = _extended(
    "ContractDetail",
    Contract,
    "A contract with its latest payments (newest first, 50 at most) and their count and sum.",
    payments=(list[Payment], ...),
    payment_count=(int, ...),
    paid_total=(str, Field(description="The sum of every payment, corrections included.")),
)

# Sessions -----------------------------------------------------------------------------------------


DEVICE = Field(
    None,
    max_length=200,
    description="Optional: a random token this client keeps for the username (e.g. 32 random bytes, "
    "base64). After one successful login with it, this client's failed attempts are counted apart "
    "from everyone else's, so others failing cannot lock it out.",
)


class LoginBody(Body):
    username: str = Field(max_length=200, examples=["bill"])
    password: str = Field(max_length=PASSWORD_MAX, examples=["correct horse battery staple"])
    device_token: str | None = DEVICE
    face: Literal["api", "menus", "commands"] = Field(
        "api",
        description="Who logs in: `api` (a program of your own), or the CRM's own terminal program "
        "in team mode (`menus`, which locks itself when idle: the session does not end for idling; "
        "`commands`).",
    )


class SessionOut(BaseModel):
    token: str = Field(description="Send it as `Authorization: Bearer <token>`; kept nowhere else.")
    token_type: Literal["bearer"] = "bearer"
    expires_at: AwareDatetime = Field(description="When the session ends at the latest.")
    idle_minutes: int | None = Field(description="It also ends after this many minutes unused.")
    confirmed_until: AwareDatetime = Field(description="Writes need no password confirmation until then.")
    employee: Employee


class PasswordBody(Body):
    password: str = Field(max_length=PASSWORD_MAX)
    device_token: str | None = DEVICE


class ConfirmedOut(BaseModel):
    confirmed_until: AwareDatetime = Field(description="Writes need no password confirmation until then.")
    employee: Employee = Field(description="You, as you are now.")


class CurrentSessionOut(BaseModel):
    confirmed: bool = Field(description="The password was typed recently: writes need no confirmation now.")
    employee: Employee = Field(description="You, as you are now.")


class NewPasswordBody(Body):
    current_password: str = Field(max_length=PASSWORD_MAX)
    new_password: str = Field(max_length=PASSWORD_MAX)
    device_token: str | None = DEVICE


class ResetPasswordBody(Body):
    new_password: str = Field(max_length=PASSWORD_MAX)


# Clients ------------------------------------------------------------------------------------------


class ClientCreate(Body):
    full_name: str = Field(max_length=NAME_MAX, examples=["Kevin Casey"])
    email: str = Field(max_length=EMAIL_MAX, examples=["kevin@startup.io"])
    phone: str | None = Field(None, max_length=PHONE_MAX, examples=["+678 123 456 78"])
    company_name: str = Field("", max_length=NAME_MAX, examples=["Cool Startup LLC"])


class ClientPatch(Body):
    full_name: str | None = Field(None, max_length=NAME_MAX)
    email: str | None = Field(None, max_length=EMAIL_MAX)
    phone: str | None = Field(None, max_length=PHONE_MAX, description='"" clears it.')
    company_name: str | None = Field(None, max_length=NAME_MAX, description='"" clears it.')
    version: int | None = Field(None, ge=1, le=2_147_483_647, description="The version read (or If-Match).")


class Reassign(Body):
    sales_contact_id: int = Field(ge=1, le=2**63 - 1)
    version: int | None = Field(None, ge=1, le=2_147_483_647, description="The version read (or If-Match).")


# Contracts ----------------------------------------------------------------------------------------


class AwaitingEvent(BaseModel):
    data: list[ContractForEvent]


class ContractCreate(Body):
    client_id: int = Field(ge=1, le=2**63 - 1)
    total_amount: str = money()
    is_signed: bool = False


class ContractPatch(Body):
    total_amount: str | None = money(None)
    is_signed: bool | None = Field(None, description="true signs it (a signed contract stays signed).")
    version: int | None = Field(None, ge=1, le=2_147_483_647, description="The version read (or If-Match).")


class PaymentCreate(Body):
    amount: str = money()


# Events -------------------------------------------------------------------------------------------


class EventCreate(Body):
    contract_id: int = Field(ge=1, le=2**63 - 1)
    name: str = Field(max_length=NAME_MAX, examples=["John Ouick Wedding"])
    starts_at: AwareDatetime = Field(description="ISO 8601 with its offset: 2027-06-04T13:00:00+02:00")
    ends_at: AwareDatetime
    location: str = Field("", max_length=TEXT_MAX)
    attendees: int = Field(0, ge=0, le=2_147_483_647)
    notes: str = Field("", max_length=NOTES_MAX)
    client_contact: str | None = Field(
        None, max_length=TEXT_MAX, description="Default: the client's e-mail and phone."
    )


class EventPatch(Body):
    name: str | None = Field(None, max_length=NAME_MAX)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    location: str | None = Field(None, max_length=TEXT_MAX)
    attendees: int | None = Field(None, ge=0, le=2_147_483_647)
    notes: str | None = Field(None, max_length=NOTES_MAX)
    client_contact: str | None = Field(None, max_length=TEXT_MAX)
    version: int | None = Field(None, ge=1, le=2_147_483_647, description="The version read (or If-Match).")


class AssignSupport(Body):
    support_contact_id: int = Field(ge=1, le=2**63 - 1)
    version: int | None = Field(None, ge=1, le=2_147_483_647, description="The version read (or If-Match).")


# Employees ----------------------------------------------------------------------------------------


class EmployeeCreate(Body):
    username: str = Field(max_length=40, examples=["bill"])
    full_name: str = Field(max_length=NAME_MAX, examples=["Bill Boquet"])
    email: str = Field(max_length=EMAIL_MAX, examples=["bill@epicevents.test"])
    phone: str | None = Field(None, max_length=PHONE_MAX)
    team: Team
    password: str = Field(max_length=PASSWORD_MAX, description="The initial password (the policy applies).")


class EmployeePatch(Body):
    username: str | None = Field(None, max_length=40)
    full_name: str | None = Field(None, max_length=NAME_MAX)
    email: str | None = Field(None, max_length=EMAIL_MAX)
    phone: str | None = Field(None, max_length=PHONE_MAX, description='"" clears it.')
    team: Team | None = None
    version: int | None = Field(None, ge=1, le=2_147_483_647, description="The version read (or If-Match).")


class Reassignments(BaseModel):
    """What an employee still has in their care (the first 20 of each, and how many in all)."""

    clients: list[OwnedRecord]
    client_count: int
    events: list[OwnedRecord]
    event_count: int


class Deactivate(Body):
    reassignments_seen: bool = Field(
        False,
        description="true: deactivate even though they still have clients or upcoming events "
        "(else 409 reassignment_needed lists how many).",
    )


# Services (the catalogue) -------------------------------------------------------------------------

VERSION_TEXT = "The version read (or If-Match)."


def version_field() -> Any:
    return Field(None, ge=1, le=2_147_483_647, description=VERSION_TEXT)


class ServiceCreate(Body):
    name: str = Field(max_length=NAME_MAX, examples=["Catering"])
    description: str = Field("", max_length=DESCRIPTION_MAX)
    unit_price: str = money()
    unit: Unit = Field(description="What the unit price is for: per event, per guest or per hour.")


class ServicePatch(Body):
    name: str | None = Field(None, max_length=NAME_MAX)
    description: str | None = Field(None, max_length=DESCRIPTION_MAX, description='"" clears it.')
    unit_price: str | None = money(None)
    unit: Unit | None = None
    version: int | None = version_field()


class VersionBody(Body):
    version: int | None = version_field()


# Opportunities ------------------------------------------------------------------------------------


OpportunityDetail = _extended(
    "OpportunityDetail",
    Opportunity,
    "An opportunity with its lines (its amount is their sum); its ETag is its version, which every "
    "write to it or to its lines carries.",
    lines=(list[OpportunityLine], ...),
)


class OpportunityCreate(Body):
    client_id: int = Field(ge=1, le=2**63 - 1, description="One of your clients.")
    title: str = Field(max_length=TITLE_MAX, examples=["Wedding in June, 200 guests"])
    expected_close_on: date | None = Field(None, description="A day: 2027-06-04.")
    expected_attendees: int = Field(0, ge=0, le=ATTENDEES_MAX)


class OpportunityPatch(Body):
    title: str | None = Field(None, max_length=TITLE_MAX)
    expected_close_on: date | None = Field(None, description="A day: 2027-06-04; null clears it.")
    expected_attendees: int | None = Field(None, ge=0, le=ATTENDEES_MAX)
    version: int | None = version_field()


class LineCreate(Body):
    service_id: int = Field(ge=1, le=2**63 - 1, description="A service still in the catalogue.")
    quantity: int = Field(ge=1, le=QUANTITY_MAX)
    unit_price: str | None = money(None)
    version: int | None = Field(None, ge=1, le=2_147_483_647, description="The opportunity's version.")


class LinePatch(Body):
    quantity: int | None = Field(None, ge=1, le=QUANTITY_MAX)
    unit_price: str | None = money(None)
    version: int | None = Field(None, ge=1, le=2_147_483_647, description="The opportunity's version.")


class MoveBody(Body):
    stage: Stage = Field(description="An open stage: one forward, or back to an earlier one.")
    version: int | None = version_field()


class LoseBody(Body):
    reason: str = Field(max_length=REASON_MAX, examples=["Went with a competitor"])
    version: int | None = version_field()


__all__ = [
    "AssignSupport",
    "Client",
    "ClientCreate",
    "ClientPatch",
    "ContractCreate",
    "ContractDetail",
    "ContractPatch",
    "Deactivate",
    "Employee",
    "EmployeeCreate",
    "EmployeePatch",
    "Event",
    "EventCreate",
    "EventPatch",
    "HistoryLine",
    "LineCreate",
    "LinePatch",
    "LoseBody",
    "MoveBody",
    "OpportunityCreate",
    "OpportunityDetail",
    "OpportunityPatch",
    "Page",
    "PaymentCreate",
    "PipelineReport",
    "Reassign",
    "Service",
    "ServiceCreate",
    "ServicePatch",
    "VersionBody",
]
