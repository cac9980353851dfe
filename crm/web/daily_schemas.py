"""What the daily-work endpoints (issue 15) send and answer, as the OpenAPI document describes them:
notes, the digest, notifications, event status, the agenda, handing over, CSV import and export.

As in crm.web.schemas: the schema says what it can (types, lengths, ranges); the services still
decide, with the menus' one-line messages (400)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, Field

from crm.models import (
    AgendaDay,
    Digest,
    Employee,
    Event,
    EventStatus,
    ImportDuplicate,
    ImportProblem,
    ImportReport,
    Note,
    Notification,
    Team,
)
from crm.services.events import REASON_MAX
from crm.services.notes import NOTE_MAX
from crm.web.schemas import Body

ID_MAX = 2**63 - 1
VERSION = Field(None, ge=1, le=2_147_483_647, description="The version read (or If-Match).")


class NoteCreate(Body):
    text: str = Field(
        max_length=NOTE_MAX, examples=["called, wants a DJ"], description="1 to 2,000 characters."
    )


class DigestSetting(Body):
    enabled: bool = Field(description="true: the digest is shown at login (in the menus); false: it is not.")


class DigestEnabled(BaseModel):
    enabled: bool


class MarkRead(Body):
    ids: list[Annotated[int, Field(ge=1, le=ID_MAX)]] | None = Field(
        None, max_length=1000, description="Only these notifications (absent: every unread one of yours)."
    )


class Marked(BaseModel):
    marked: int = Field(description="How many notifications were marked read now.")


class StatusChange(Body):
    status: EventStatus = Field(
        description="planned → confirmed → done; or cancelled (management, a reason)."
    )
    reason: str | None = Field(
        None, max_length=REASON_MAX, description="Why it is cancelled (cancelled only)."
    )
    version: int | None = VERSION


class AgendaWeek(BaseModel):
    """A week, Monday first, in the company's time zone (Europe/Paris): each day its events."""

    week_of: date
    days: list[AgendaDay]


class RecordVersion(BaseModel):
    id: int = Field(ge=1, le=ID_MAX)
    version: int = Field(ge=1, le=2_147_483_647)


class SeenWork(BaseModel):
    """The records the hand-over plan listed, at the versions it gave."""

    clients: list[RecordVersion] = Field(default_factory=list, max_length=100_000)
    events: list[RecordVersion] = Field(default_factory=list, max_length=100_000)


class HandOverBody(Body):
    to: int = Field(ge=1, le=ID_MAX, description="An active employee of the same team.")
    deactivate: bool = Field(False, description="Also deactivate the employee, in the same transaction.")
    seen: SeenWork | None = Field(
        None,
        description="The plan GET …/hand-over gave: if any of it changed since, nothing moves (409). "
        "Absent: whatever they have now.",
    )


class HandOverPlanOut(BaseModel):
    """What a hand-over moves (or moved): each record at its version."""

    employee_id: int
    team: Team
    clients: list[RecordVersion]
    events: list[RecordVersion]
    count: int


class HandOverOffer(HandOverPlanOut):
    candidates: list[Employee] = Field(
        description="Who the work may go to: the other active employees of the team."
    )


def plan_out(plan: Any) -> dict[str, Any]:
    """A crm.models.HandOverPlan as the API writes it."""
    return {
        "employee_id": plan.employee_id,
        "team": plan.team,
        "clients": [{"id": i, "version": v} for i, v in plan.clients],
        "events": [{"id": i, "version": v} for i, v in plan.events],
        "count": plan.count,
    }


CSV_BODY = {
    "requestBody": {
        "required": True,
        "description": "The CSV file (UTF-8, a header line first).",
        "content": {"text/csv": {"schema": {"type": "string", "contentMediaType": "text/csv"}}},
    }
}
CSV_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The CSV file (RFC 4180, UTF-8).",
        "content": {"text/csv": {"schema": {"type": "string", "contentMediaType": "text/csv"}}},
    }
}
ICS_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An iCalendar file (RFC 5545) with the Europe/Paris VTIMEZONE.",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
    }
}

__all__ = [
    "AgendaDay",
    "AgendaWeek",
    "Digest",
    "DigestEnabled",
    "DigestSetting",
    "Event",
    "HandOverBody",
    "HandOverOffer",
    "HandOverPlanOut",
    "ImportDuplicate",
    "ImportProblem",
    "ImportReport",
    "Marked",
    "MarkRead",
    "Note",
    "NoteCreate",
    "Notification",
    "StatusChange",
]
