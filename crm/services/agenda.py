"""A week's agenda, and a support employee's upcoming events as a calendar file (issue 15 §3).

Days are the company's (Europe/Paris): a day runs from one local midnight to the next, so the
day clocks go back is 25 hours long and the one they go forward 23, and an event at 23:30 local
time is on its own day whatever its UTC date. An event is listed on every day it overlaps.

The calendar file is iCalendar (RFC 5545, the icalendar package) with the Europe/Paris VTIMEZONE
its times refer to; each event's UID is the same in every export (its id and the database's
name), and its SEQUENCE is its version, so importing a new export updates the phone's copy
instead of adding a second one.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from crm import permissions, validation
from crm.db import Database
from crm.errors import ValidationError
from crm.i18n import _
from crm.models import COMPANY_ZONE, AgendaDay, Employee, Event, EventStatus, Team
from crm.permissions import Action
from crm.repositories.employees import EmployeeRepository
from crm.repositories.events import EventRepository
from crm.services.csvio import atomic_file

__all__ = ["COMPANY_ZONE", "calendar_file", "export_calendar", "week_agenda", "week_start", "write_private"]

CALENDAR_MAX = 1000  # upcoming events in one export


def week_start(day: date) -> date:
    """The Monday of the week `day` is in."""
    return day - timedelta(days=day.weekday())


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=COMPANY_ZONE)


def week_agenda(db: Database, actor: Employee, day: date, support_id: int | None = None) -> list[AgendaDay]:
    """The seven days (Monday first) of the week holding `day`, each with the events on it that
    are not cancelled. Support: their own events; management: everyone's, or one support
    employee's (support_id)."""
    if actor.team == Team.SUPPORT and support_id is None:
        support_id = actor.id
    permissions.require(actor, Action.VIEW_AGENDA, owner_id=support_id)
    if support_id is not None and support_id != actor.id:
        found = EmployeeRepository(db.conn).get(support_id)
        if found is None or found.team != Team.SUPPORT:
            raise ValidationError(
                _("Employee {support_id} is not a support employee.").format(support_id=support_id)
            )
    monday = week_start(day)
    days = [monday + timedelta(days=n) for n in range(7)]
    events = EventRepository(db.conn).list_between(
        _midnight(days[0]), _midnight(monday + timedelta(days=7)), support_id
    )
    agenda = []
    for one in days:
        start, end = _midnight(one), _midnight(one + timedelta(days=1))
        on_day = [e for e in events if e.starts_at < end and (e.ends_at > start or e.starts_at >= start)]
        agenda.append(AgendaDay(one, on_day))
    return agenda


# Calendar export -----------------------------------------------------------------------------------


def _uid(event: Event, database: str) -> str:
    return f"event-{event.id}@{database}.epic-events-crm"


_ICS_STATUS = {EventStatus.PLANNED: "TENTATIVE", EventStatus.CONFIRMED: "CONFIRMED"}


def calendar_file(events: list[Event], database: str) -> bytes:
    """An iCalendar file of the events, times in Europe/Paris with its VTIMEZONE."""
    from icalendar import Calendar
    from icalendar import Event as CalendarEvent

    calendar = Calendar()
    calendar.add("prodid", "-//Epic Events//CRM//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Epic Events")
    calendar.add("x-wr-timezone", "Europe/Paris")
    for event in events:
        entry = CalendarEvent()
        entry.add("uid", _uid(event, database))
        entry.add("sequence", event.version)
        entry.add("dtstamp", event.updated_at)
        entry.add("last-modified", event.updated_at)
        entry.add("created", event.created_at)
        entry.add("dtstart", event.starts_at.astimezone(COMPANY_ZONE))
        entry.add("dtend", event.ends_at.astimezone(COMPANY_ZONE))
        entry.add("summary", event.name)
        if event.location:
            entry.add("location", event.location)
        details = [
            _("Client: {name}").format(name=event.client_name),
            _("Client contact: {contact}").format(contact=event.client_contact)
            if event.client_contact
            else "",
            _("Attendees: {count}").format(count=event.attendees),
            _("Contract: {id}").format(id=event.contract_id),
            event.notes,
        ]
        entry.add("description", "\n".join(d for d in details if d))
        entry.add("status", _ICS_STATUS.get(EventStatus(event.status), "TENTATIVE"))
        calendar.add_component(entry)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def export_calendar(db: Database, actor: Employee, now: datetime) -> tuple[bytes, int]:
    """The actor's upcoming open events (not ended, planned or confirmed) as an iCalendar file;
    and how many events it holds."""
    permissions.require(actor, Action.EXPORT_CALENDAR)
    repo = EventRepository(db.conn)
    events = repo.list_upcoming_for_support(actor.id, now, CALENDAR_MAX)
    return calendar_file(events, repo.database_name()), len(events)


def write_private(path: Path, data: bytes) -> Path:
    """Write a file readable by its owner only (0600), atomically (csvio.atomic_file, as the CSV
    exports: a temporary file beside it, renamed over it once complete); the path written."""
    validation.printable(str(path), "The file name")  # no NUL, control or invisible character
    target = path.expanduser().absolute()
    try:
        with atomic_file(target) as stream:
            stream.write(data.decode("utf-8"))
    except OSError as error:
        raise ValidationError(
            _("Cannot write {target}: {value}.").format(target=target, value=error.strerror or error)
        ) from None
    return target
