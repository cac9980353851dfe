"""`event …` commands: list, show, create, update, assign support.

Dates are typed `YYYY-MM-DD HH:MM` in the company's time zone (as in the menus: $TZ, else the
system's), or as ISO 8601 with an offset (`2027-06-04T13:00+02:00`); JSON gives them back in
ISO 8601 with their offset.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

import click

from crm import permissions, validation
from crm.cli.common import format_options, list_options, one_of, pass_context, password_option, show_list
from crm.cli.context import CommandContext
from crm.cli.output import Table, jsonable, machine_stdout, note, write_one
from crm.errors import StaleRecord, ValidationError
from crm.i18n import _, ngettext
from crm.models import Event, EventFields
from crm.permissions import Action
from crm.services import agenda as agenda_service
from crm.services import events as service
from crm.services import notes as note_service
from crm.ui.events import LIST_HEADERS, event_row, local_zone, show_event
from crm.ui.notes import print_notes

NOTES_SHOWN = 50


def _table(tz: tzinfo) -> Table:
    return Table(LIST_HEADERS, lambda event: event_row(event, tz))


# The example in --help: next month at 13:00, so it is in the future when read.
EXAMPLE = validation.example_moment(UTC)
# ISO 8601 has a T between the date and the time (a "(UTC+01:00)" after the time is the menus' form).
_ISO = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}T")


def parse_moment(value: str, tz: tzinfo, what: str, now: datetime | None = None) -> datetime:
    """A date-time typed as in the menus (in tz), or ISO 8601 with an offset. A local time that
    happens twice is refused unless its offset says which (a command cannot ask)."""
    text = value.strip()
    if _ISO.match(text):
        example = validation.example_moment(tz, now)
        iso = validation.moment(example, tz, what, now).isoformat(timespec="minutes")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(
                _("{what} must look like {example}, or {iso}.").format(what=what, example=example, iso=iso)
            ) from None
        if moment.tzinfo is None:
            raise ValidationError(
                _("{what}: an ISO 8601 date-time needs its offset ({iso}).").format(what=what, iso=iso)
            )
        if not validation.YEAR_MIN <= moment.year <= validation.YEAR_MAX:
            raise ValidationError(
                _("{what} must be in the years {YEAR_MIN} to {YEAR_MAX}.").format(
                    what=what, YEAR_MIN=validation.YEAR_MIN, YEAR_MAX=validation.YEAR_MAX
                )
            )
        return moment
    return validation.moment(text, tz, what, now)


@click.group()
def event() -> None:
    """Events: list, show, create (sales), update (management, the assigned support), assign support,
    status, agenda, calendar export."""


@event.command("list")
@click.option("--mine", is_flag=True, help="Only the events you support (upcoming first).")
@click.option("--no-support", is_flag=True, help="Only events without a support employee (upcoming first).")
@click.option(
    "--support", "support_id", type=click.IntRange(min=1), metavar="ID", help="Only this support employee's."
)
@click.option("--search", metavar="TEXT", help="Name or client contains TEXT (any case, any accents).")
@list_options
@pass_context
def list_events(
    ctx: CommandContext,
    mine: bool,
    no_support: bool,
    support_id: int | None,
    search: str | None,
    page: int,
    page_size: int,
    every: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Events, newest first (filters: upcoming first, then past ones).

    \b
    Examples:
      python -m main event list --mine
      python -m main event list --no-support --format json
    """
    actor = ctx.employee()
    backend = ctx.backend
    now = datetime.now(UTC)
    chosen = one_of(mine=mine, no_support=no_support, support=support_id, search=search)
    if chosen == "mine":
        fetch = lambda o, n: backend.act(actor, service.my_events, now, o, n)  # noqa: E731
    elif chosen == "no_support":
        fetch = lambda o, n: backend.run(service.events_without_support, o, n, now)  # noqa: E731
    elif support_id is not None:
        fetch = lambda o, n: backend.run(service.events_of, support_id, now, o, n)  # noqa: E731
    elif search is not None:
        fetch = lambda o, n: backend.run(service.search_events, search, o, n)  # noqa: E731
    else:
        fetch = lambda o, n: backend.run(service.list_events, o, n)  # noqa: E731
    tz = local_zone()
    show_list(
        ctx, fetch, Event, _table(tz), page=page, page_size=page_size, every=every, fmt=fmt, excel=excel
    )


@event.command("show")
@click.argument("event_id", type=click.IntRange(min=1), metavar="ID")
@format_options
@pass_context
def show(ctx: CommandContext, event_id: int, fmt: str, excel: bool) -> None:
    """One event: its client and how to reach them, contract, support contact; its latest notes."""
    ctx.employee()
    found = ctx.backend.run(service.get_event, event_id)
    notes = ctx.backend.run(note_service.event_notes, event_id, 0, NOTES_SHOWN)
    count = (
        ctx.backend.run(note_service.count_notes, "event", event_id)
        if len(notes) == NOTES_SHOWN
        else len(notes)
    )
    tz = local_zone()

    def detail() -> None:
        show_event(found, tz)
        print_notes(notes, count, tz)

    write_one(found, fmt, detail, related={"notes": notes, "note_count": count}, excel=excel)


@event.command("create")
@click.option(
    "--contract",
    "contract_id",
    required=True,
    type=click.IntRange(min=1),
    metavar="ID",
    help="A signed contract of your client.",
)
@click.option("--name", required=True, help="Event name.")
@click.option("--start", required=True, help=f'Start, "{EXAMPLE}" (company time zone) or ISO 8601.')
@click.option("--end", required=True, help="End, as --start.")
@click.option("--location", default="", help="Where.")
@click.option("--attendees", default=0, type=click.IntRange(min=0), help="Expected attendees.")
@click.option("--notes", default="", help="Notes.")
@click.option("--contact", help="Client contact details (default: the client's name, e-mail and phone).")
@password_option
@format_options
@pass_context
def create(
    ctx: CommandContext,
    contract_id: int,
    name: str,
    start: str,
    end: str,
    location: str,
    attendees: int,
    notes: str,
    contact: str | None,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Create the event of a signed contract of your client (sales).

    \b
    Example:
      python -m main event create --contract 31 --name "John Ouick Wedding" \\
          --start "2027-06-04 13:00" --end "2027-06-05 02:00" --attendees 75 \\
          --location "53 Rue du Château, 41120 Candé-sur-Beuvron"
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    waiting = ctx.backend.act(actor, service.contract_for_new_event, contract_id)
    tz = local_zone()
    if contact is None:
        contact = ", ".join(p for p in (waiting.client_name, waiting.client_email, waiting.client_phone) if p)
    fields = EventFields(
        name=validation.name(name, _("Event name")),
        client_contact=validation.text(contact, _("Client contact")),
        starts_at=parse_moment(start, tz, "Start"),
        ends_at=parse_moment(end, tz, "End"),
        location=validation.text(location, _("Location")),
        attendees=attendees,
        notes=validation.text(notes, _("Notes"), validation.NOTES_MAX, multiline=True),
    )
    now = datetime.now(UTC)
    service.clean_fields(fields, now)
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.create_event, contract_id, fields, now)
    write_one(saved, fmt, lambda: show_event(saved, tz), excel=excel)
    note(
        _("Event {id} created for contract {contract_id}; it awaits a support employee.").format(
            id=saved.id, contract_id=contract_id
        )
    )


@event.command("update")
@click.argument("event_id", type=click.IntRange(min=1), metavar="ID")
@click.option("--name", help="New name.")
@click.option("--start", help=f'New start, "{EXAMPLE}" or ISO 8601.')
@click.option("--end", help="New end.")
@click.option("--location", help="New location.")
@click.option("--attendees", type=click.IntRange(min=0), help="New number of attendees.")
@click.option("--notes", help="New notes (they replace the old ones).")
@click.option("--contact", help="New client contact details.")
@click.option(
    "--version",
    "version",
    type=click.IntRange(min=1),
    help="Refuse if the event is no longer at this version.",
)
@password_option
@format_options
@pass_context
def update(
    ctx: CommandContext,
    event_id: int,
    name: str | None,
    start: str | None,
    end: str | None,
    location: str | None,
    attendees: int | None,
    notes: str | None,
    contact: str | None,
    version: int | None,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Update an event (management; support: the events assigned to them). Only the options given
    change."""
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    current = ctx.backend.run(service.get_event, event_id)
    permissions.require(actor, Action.UPDATE_EVENT, owner_id=current.support_contact_id)
    if service.closed_refusal(current):
        raise ValidationError(service.closed_refusal(current))
    if version is not None and version != current.version:
        raise StaleRecord(
            _("Event {event_id} is at version {version}, not {version2}: reload and try again.").format(
                event_id=event_id, version=current.version, version2=version
            )
        )
    tz = local_zone()
    kept = EventFields(
        current.name,
        current.client_contact,
        current.starts_at,
        current.ends_at,
        current.location,
        current.attendees,
        current.notes,
    )
    # The options given, each checked (values of several types: a field's own each).
    given: dict[str, Any] = {
        "name": None if name is None else validation.name(name, _("Event name")),
        "client_contact": None if contact is None else validation.text(contact, _("Client contact")),
        "starts_at": None if start is None else parse_moment(start, tz, "Start"),
        "ends_at": None if end is None else parse_moment(end, tz, "End"),
        "location": None if location is None else validation.text(location, _("Location")),
        "attendees": attendees,
        "notes": None
        if notes is None
        else validation.text(notes, _("Notes"), validation.NOTES_MAX, multiline=True),
    }
    fields = replace(kept, **{key: value for key, value in given.items() if value is not None})
    if fields == kept:
        note(_("Nothing changed."))
        return
    now = datetime.now(UTC)
    service.clean_fields(fields, now, previous_start=current.starts_at)
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.update_event, event_id, current.version, fields, now)
    write_one(saved, fmt, lambda: show_event(saved, tz), excel=excel)
    note(_("Event {id} saved (version {version}).").format(id=saved.id, version=saved.version))


@event.command("assign")
@click.argument("event_id", type=click.IntRange(min=1), metavar="ID")
@click.option(
    "--support",
    "support_id",
    required=True,
    type=click.IntRange(min=1),
    metavar="ID",
    help="An active support employee.",
)
@click.option(
    "--version",
    "version",
    type=click.IntRange(min=1),
    help="Refuse if the event is no longer at this version.",
)
@password_option
@format_options
@pass_context
def assign(
    ctx: CommandContext,
    event_id: int,
    support_id: int,
    version: int | None,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Assign (or change) the support employee of an event (management)."""
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    permissions.require(actor, Action.ASSIGN_SUPPORT)
    current = ctx.backend.run(service.get_event, event_id)
    if service.closed_refusal(current):
        raise ValidationError(service.closed_refusal(current))
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, service.assign_support, event_id, version or current.version, support_id)
    write_one(saved, fmt, lambda: show_event(saved, local_zone()), excel=excel)
    note(
        _("{support_contact_name} is now the support contact of event {id}.").format(
            support_contact_name=saved.support_contact_name, id=saved.id
        )
    )


@event.command("note")
@click.argument("event_id", type=click.IntRange(min=1), metavar="ID")
@click.option("--text", required=True, help="The note (at most 2,000 characters; line breaks kept).")
@password_option
@format_options
@pass_context
def add_note(
    ctx: CommandContext, event_id: int, text: str, password_stdin: bool, fmt: str, excel: bool
) -> None:
    """Add a note to an event (management: any; support: the events assigned to them).

    \b
    Example:
      python -m main event note 31 --text "venue confirmed for 14:00"
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    current = ctx.backend.run(service.get_event, event_id)
    permissions.require(actor, Action.ADD_EVENT_NOTE, owner_id=current.support_contact_id)
    body = note_service.clean_note(text)
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(actor, note_service.add_event_note, event_id, body)
    write_one(saved, fmt, lambda: print_notes([saved], 1, local_zone()), excel=excel)
    note(_("Note {id} added to event {event_id}.").format(id=saved.id, event_id=event_id))


@event.command("status")
@click.argument("event_id", type=click.IntRange(min=1), metavar="ID")
@click.argument("status", type=click.Choice(["confirmed", "done", "cancelled"]))
@click.option("--reason", help="Why it is cancelled (needed with cancelled).")
@click.option(
    "--version",
    "version",
    type=click.IntRange(min=1),
    help="Refuse if the event is no longer at this version.",
)
@password_option
@format_options
@pass_context
def status(
    ctx: CommandContext,
    event_id: int,
    status: str,
    reason: str | None,
    version: int | None,
    password_stdin: bool,
    fmt: str,
    excel: bool,
) -> None:
    """Move an event on: confirmed, then done (management, its support employee), or cancelled
    with a reason (management).

    \b
    Examples:
      python -m main event status 12 confirmed
      python -m main event status 12 cancelled --reason "The client called it off"
    """
    ctx.password_stdin = password_stdin
    actor = ctx.employee()
    current = ctx.backend.run(service.get_event, event_id)
    permissions.require(actor, service.status_action(status), owner_id=current.support_contact_id)
    if status == "cancelled":
        reason = service.clean_reason(reason)
    elif reason is not None:
        raise click.UsageError(_("--reason goes with cancelled."))
    actor = ctx.confirm_write(actor)
    saved = ctx.backend.act(
        actor, service.change_status, event_id, version or current.version, status, reason
    )
    write_one(saved, fmt, lambda: show_event(saved, local_zone()), excel=excel)
    note(_("Event {id} is now {status}.").format(id=saved.id, status=service.status_label(saved.status)))


def _week(value: str | None) -> date:
    from crm.ui.planning import parse_week

    today = datetime.now(UTC).astimezone(agenda_service.COMPANY_ZONE).date()
    return parse_week(value or "", today)


@event.command("agenda")
@click.option("--week", metavar="YYYY-MM-DD", help="A day of the week to show (default: this week).")
@click.option(
    "--support",
    "support_id",
    type=click.IntRange(min=1),
    metavar="ID",
    help="Management: only this support employee's events (default: everyone's).",
)
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True)
@pass_context
def agenda(ctx: CommandContext, week: str | None, support_id: int | None, fmt: str) -> None:
    """A week's events day by day, Monday first, in the company's time zone (Europe/Paris): support
    see theirs, management everyone's or one support employee's. Cancelled events are left out.

    \b
    Examples:
      python -m main event agenda
      python -m main event agenda --week 2027-10-25 --support 4 --format json
    """
    actor = ctx.employee()
    days = ctx.backend.act(actor, agenda_service.week_agenda, _week(week), support_id)
    if fmt == "json":
        out = machine_stdout()
        out.write(json.dumps(jsonable(days), ensure_ascii=False, indent=2) + "\n")
        return
    from crm.ui.planning import show_agenda

    show_agenda(_("Week of {isoformat}").format(isoformat=days[0].day.isoformat()), days)


@event.command("ics")
@click.option("--output", "output", required=True, metavar="FILE", help="The .ics file to write (mode 0600).")
@pass_context
def ics(ctx: CommandContext, output: str) -> None:
    """Export your upcoming events (support) as an iCalendar file for your phone's calendar.
    Import a new export after changes: events keep their UIDs, so they are updated, not doubled.

    \b
    Example:
      python -m main event ics --output ~/epic-events.ics
    """
    actor = ctx.employee()
    data, count = ctx.backend.act(actor, agenda_service.export_calendar, datetime.now(UTC))
    written = agenda_service.write_private(Path(output), data)
    note(
        ngettext(
            "{count} upcoming event written to {written}.",
            "{count} upcoming events written to {written}.",
            count,
        ).format(count=count, written=written)
    )
