"""/api/v1/agenda: a week's events day by day in the company's time zone (support: theirs;
management: everyone's or one support employee's); /api/v1/me/calendar.ics: a support employee's
upcoming events as an iCalendar file for their phone."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from crm import validation
from crm.errors import ValidationError
from crm.i18n import _
from crm.services import agenda as service
from crm.web.daily_schemas import ICS_ANSWER, AgendaWeek
from crm.web.deps import FilterId, Reader, ok

router = APIRouter(tags=["agenda"])


@router.get("/agenda", response_model=AgendaWeek, summary="A week's agenda, day by day (support, management)")
def week_agenda(  # noqa: ANN201
    who: Reader,
    week: Annotated[
        date | None, Query(description="A day of the week to show, YYYY-MM-DD (default: this week).")
    ] = None,
    support_id: Annotated[
        FilterId, Query(description="Management: only this support employee's events.")
    ] = None,
):
    """Monday first, days from one Europe/Paris midnight to the next (23 or 25 hours when the
    clocks change); an event is on every day it overlaps; cancelled events are left out."""
    day = week if week is not None else who.now().astimezone(service.COMPANY_ZONE).date()
    if not validation.YEAR_MIN <= day.year <= validation.YEAR_MAX:
        raise ValidationError(
            _("The week must be in the years {YEAR_MIN} to {YEAR_MAX}.").format(
                YEAR_MIN=validation.YEAR_MIN, YEAR_MAX=validation.YEAR_MAX
            )
        )
    days = who.act(service.week_agenda, day, support_id)
    return ok({"week_of": days[0].day, "days": days})


@router.get(
    "/me/calendar.ics",
    response_class=Response,
    responses=ICS_ANSWER,
    summary="Your upcoming events as an iCalendar file (support)",
)
def calendar(who: Reader) -> Response:
    """Planned and confirmed events that have not ended; each keeps its UID from one export to the
    next (and its version as SEQUENCE), so importing a new one updates the phone's calendar."""
    data, _count = who.act(service.export_calendar, who.now())
    return Response(
        data,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": 'attachment; filename="epic-events.ics"',
        },
    )
