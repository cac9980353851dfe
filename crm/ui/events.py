"""The Events section: lists, filters, search, details, and the event forms of each team.

Dates are typed and shown as YYYY-MM-DD HH:MM in one time zone (the system's by default,
injectable for tests); "now" is the session's clock.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from functools import partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm import permissions, validation
from crm.errors import AmbiguousMoment, ValidationError
from crm.i18n import N_, _
from crm.models import ContractForEvent, Event, EventFields, Team
from crm.permissions import Action
from crm.services import events as service
from crm.services import notes as note_service
from crm.ui.csvfiles import export_action
from crm.ui.menu import MenuAction, Section
from crm.ui.notes import ask_note, show_notes
from crm.ui.pickers import find_contract, find_event, pick_employee, pick_team_member, show_candidates
from crm.ui.render import NAME, WHOLE, Column, Columns, local_moment, show_record, show_table, term
from crm.ui.session import Session

SUPPORT_QUESTION = N_("Support employee (id, or part of a name):")

# Dates and numbers are never cut; on a narrow terminal the location, the client, then the support
# contact are left out.
LIST_HEADERS = Columns(
    Column(N_("Id"), WHOLE),
    Column(N_("Name"), NAME, least=14, most=40),
    Column(N_("Client"), least=14, most=32, drop=2),
    Column(N_("Start"), WHOLE),
    Column(N_("End"), WHOLE),
    Column(N_("Location"), least=14, most=32, drop=1),
    Column(N_("Guests"), WHOLE),
    Column(N_("Support"), least=12, drop=3),
    show=N_("Show an event gives the whole record"),
)
UNASSIGNED = N_("unassigned")


def local_zone() -> tzinfo:
    """The system's time zone: $TZ, else /etc/localtime, else the current UTC offset."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        with open("/etc/localtime", "rb") as file:
            return ZoneInfo.from_file(file, key="localtime")
    except (OSError, ValueError):
        return datetime.now().astimezone().tzinfo or UTC


def zone_name(tz: tzinfo) -> str:
    """How the zone is named on screen: its IANA name ("Europe/Paris"), else its abbreviation now."""
    key = getattr(tz, "key", None)
    if key == "localtime":  # read from /etc/localtime: its link usually names the zone
        target = os.path.realpath("/etc/localtime")
        key = target.split("/zoneinfo/", 1)[1] if "/zoneinfo/" in target else None
    return key or datetime.now(tz).tzname() or _("local time")


DATE_QUESTIONS = {
    "Start": N_("Start (YYYY-MM-DD HH:MM, {zone} time):"),
    "End": N_("End (YYYY-MM-DD HH:MM, {zone} time):"),
}


def date_prompt(what: str, tz: tzinfo) -> str:
    """The question for a date-time ("Start" or "End"), naming the zone it is typed in."""
    return _(DATE_QUESTIONS[what]).format(zone=zone_name(tz))


def when(moment: datetime, tz: tzinfo) -> str:
    """A date-time as typed: YYYY-MM-DD HH:MM in the zone tz, with its offset when that local
    time happens twice there ("2027-10-31 02:30 (UTC+01:00)")."""
    return local_moment(moment, tz)


def ask_moment(session: Session, raw: str, tz: tzinfo, what: str) -> datetime:
    """The moment typed (validation.moment, in tz); a local time that happens twice (clocks go
    back) is asked about: which of the two is meant."""
    try:
        return validation.moment(raw, tz, _(what), now=session.clock())
    except AmbiguousMoment as twice:
        first, second = twice.occurrences
        typed = first.strftime(validation.DATE_FORMAT)
        question = _("{what}: {typed} happens twice in {zone} (clocks go back). Which one?").format(
            what=_(what), typed=typed, zone=zone_name(tz)
        )
        choices = [
            (_("{first}, before the clocks go back").format(first=when(first, tz)), first),
            (_("{second}, after the clocks go back").format(second=when(second, tz)), second),
        ]
        chosen = session.prompts.choose(question, choices)
        session.touch()
        return chosen


def _end(event: Event, tz: tzinfo) -> str:
    """The end as typed, or only its time when it is on the start's day (keeps lists narrow)."""
    end = local_moment(event.ends_at, tz, compact=True)
    start = local_moment(event.starts_at, tz, compact=True)
    return end[11:] if end[:10] == start[:10] else end


def event_row(event: Event, tz: tzinfo) -> tuple:
    """One line of an events table."""
    return (
        event.id,
        event.name,
        event.client_name,
        local_moment(event.starts_at, tz, compact=True),  # an offset as (+01:00): lists stay narrow
        _end(event, tz),
        event.location,
        event.attendees,
        event.support_contact_name or _(UNASSIGNED),
    )


def show_event(event: Event, tz: tzinfo) -> None:
    """One event in detail: its client and how to reach them, its contract, its support contact."""
    show_record(
        _("Event {id}").format(id=event.id),
        [
            (_("Name"), event.name),
            (_("Contract"), event.contract_id),
            (_("Client"), event.client_name),
            (_("Client e-mail"), event.client_email),
            (_("Client phone"), event.client_phone),
            (_("Client contact"), event.client_contact or None),
            (_("Start"), when(event.starts_at, tz)),
            (_("End"), when(event.ends_at, tz)),
            (_("Location"), event.location or None),
            (_("Attendees"), event.attendees),
            (_("Support contact"), event.support_contact_name or _(UNASSIGNED)),
            (
                _("Status"),
                _("{status} ({reason})").format(status=term(event.status), reason=event.cancel_reason)
                if event.cancel_reason
                else term(event.status),
            ),
            (_("Notes"), event.notes or None),
            (_("Created"), when(event.created_at, tz)),
            (_("Last updated"), when(event.updated_at, tz)),
            (_("Times are in"), zone_name(tz)),
        ],
    )


def _browse(session: Session, title: str, fetch: Callable[[int, int], Sequence[Event]], tz: tzinfo) -> None:
    session.browse(title, fetch, LIST_HEADERS, partial(event_row, tz=tz))


def _ask_event(session: Session, tz: tzinfo) -> Event:
    """Ask for an event by id or by part of its name or client's name (crm.ui.pickers.find_event)."""
    return find_event(session, tz=tz)


# Reads ---------------------------------------------------------------------------------------------


def list_events(session: Session, tz: tzinfo) -> None:
    """All events, newest first, a page at a time."""
    # The order says so, as the dates shown are the events' own (not when they were created).
    _browse(session, _("Events (newest first)"), session.pages(service.list_events), tz)


def show_one_event(session: Session, tz: tzinfo) -> None:
    """One event in detail, with its notes (latest first)."""
    event = _ask_event(session, tz)
    show_event(event, tz)
    show_notes(session, "event", event.id, tz)


def search_events(session: Session, tz: tzinfo) -> None:
    """Events whose name or client's name contains what the user types."""
    text = session.ask(
        _("Search events by name or client:"),
        partial(validation.name, what=_("Search text"), max_len=service.SEARCH_MAX),
    )
    _browse(
        session,
        _("Events matching {text!r}").format(text=text),
        session.pages(service.search_events, text),
        tz,
    )


def my_events(session: Session, tz: tzinfo) -> None:
    """The support employee's events: upcoming first (soonest first), then past ones."""
    now = session.clock()
    fetch = session.pages_as(service.my_events, now)
    _browse(session, _("My events (upcoming first)"), fetch, tz)


def events_without_support(session: Session, tz: tzinfo) -> None:
    """Events no support employee is assigned to yet: upcoming first (soonest first), then past ones."""
    fetch = session.pages(service.events_without_support, now=session.clock())
    _browse(session, _("Events without support (upcoming first)"), fetch, tz)


def events_of_support(session: Session, tz: tzinfo) -> None:
    """Management: one support employee's events (active or deactivated), upcoming first."""
    support = pick_team_member(session, Team.SUPPORT, _("Support employee id:"))
    fetch = session.pages(service.events_of, support.id, session.clock())
    _browse(
        session, _("Events of {full_name} (upcoming first)").format(full_name=support.full_name), fetch, tz
    )


# Forms ---------------------------------------------------------------------------------------------


def _ask_fields(session: Session, tz: tzinfo, current: Event | None, contact_default: str) -> EventFields:
    """Ask every editable field (current values as defaults); each answer is checked at once."""
    previous_start = current.starts_at if current else None
    previous_end = current.ends_at if current else None

    def parse_start(raw: str) -> datetime:
        if previous_start is not None and raw.strip() == when(previous_start, tz):
            return previous_start  # unchanged (a past start may stay as it is)
        start = ask_moment(session, raw, tz, N_("Start"))
        if start < session.clock():
            raise ValidationError(service.START_IN_PAST)
        return start

    name = session.ask(
        _("Event name:"), partial(validation.name, what=_("Event name")), current.name if current else ""
    )
    contact = session.ask(
        _("Client contact details:"),
        partial(validation.text, what=_("Client contact")),
        current.client_contact if current else contact_default,
    )
    start = session.ask(
        date_prompt("Start", tz), parse_start, when(previous_start, tz) if previous_start else ""
    )

    def parse_end(raw: str) -> datetime:
        if previous_end is not None and raw.strip() == when(previous_end, tz):
            end = previous_end
        else:
            end = ask_moment(session, raw, tz, N_("End"))
        if end < start:
            raise ValidationError(service.END_BEFORE_START)
        return end

    end = session.ask(date_prompt("End", tz), parse_end, when(previous_end, tz) if previous_end else "")
    location = session.ask(
        _("Location:"), partial(validation.text, what=_("Location")), current.location if current else ""
    )
    attendees = session.ask(
        _("Attendees:"),
        partial(validation.whole_number, what=_("Attendees")),
        str(current.attendees) if current else "",  # empty: typing must not append to a "0"
    )
    notes = session.ask(
        _("Notes:"),
        partial(validation.text, what=_("Notes"), max_len=validation.NOTES_MAX, multiline=True),
        current.notes if current else "",
    )
    return EventFields(
        name=name,
        client_contact=contact,
        starts_at=start,
        ends_at=end,
        location=location,
        attendees=attendees,
        notes=notes,
    )


def _ask_contract(session: Session) -> ContractForEvent:
    """Ask for a contract (by id or by part of its client's name) until it is one the employee
    may create an event for."""
    return find_contract(
        session, lambda contract_id: session.act(service.contract_for_new_event, contract_id)
    )


def create_event(session: Session, tz: tzinfo) -> None:
    """Sales: create the event of a signed contract of one of their clients."""
    waiting = session.act(service.contracts_awaiting_event)
    if not waiting:
        print(_("None of your clients' signed contracts is waiting for an event."))
        return
    print(_("Signed contracts of your clients without an event:"))
    show_table(
        (N_("Contract"), N_("Client"), N_("Total")), [(c.id, c.client_name, c.total_amount) for c in waiting]
    )
    contract = _ask_contract(session)
    contact_default = ", ".join(
        part for part in (contract.client_name, contract.client_email, contract.client_phone) if part
    )
    fields = _ask_fields(session, tz, None, contact_default)
    session.confirm_write()
    event = session.act(service.create_event, contract.id, fields, now=session.clock())
    print(
        _("Event {id} created for contract {id2}; it awaits a support employee.").format(
            id=event.id, id2=contract.id
        )
    )


def _unchanged(event: Event, fields: EventFields) -> bool:
    """Whether the answers are the event's current values (nothing to save)."""
    return (
        fields.name == event.name
        and fields.client_contact == event.client_contact
        and validation.same_moment(fields.starts_at, event.starts_at)
        and validation.same_moment(fields.ends_at, event.ends_at)
        and fields.location == event.location
        and fields.attendees == event.attendees
        and fields.notes == event.notes
    )


def update_event(session: Session, tz: tzinfo) -> None:
    """Management (any event) or support (their events): edit an event's details."""
    event = _ask_event(session, tz)
    permissions.require(session.employee, Action.UPDATE_EVENT, owner_id=event.support_contact_id)
    if service.closed_refusal(event):
        print(service.closed_refusal(event))
        return
    show_event(event, tz)
    print(_("Press Enter to keep a value."))
    fields = _ask_fields(session, tz, event, event.client_contact)
    if _unchanged(event, fields):
        print(_("Nothing changed."))
        return
    session.confirm_write()
    saved = session.act(service.update_event, event.id, event.version, fields, now=session.clock())
    print(_("Event {id} saved.").format(id=saved.id))


def assign_support(session: Session, tz: tzinfo) -> None:
    """Management: assign or change the support employee of an event."""
    permissions.require(session.employee, Action.ASSIGN_SUPPORT)
    event = _ask_event(session, tz)
    if service.closed_refusal(event):
        print(service.closed_refusal(event))
        return
    print(
        _("Event {id} ({name}): support contact {support}.").format(
            id=event.id, name=event.name, support=event.support_contact_name or _(UNASSIGNED)
        )
    )
    if not show_candidates(
        session,
        N_("Active support employees:"),
        team=Team.SUPPORT,
        active=True,
        leave_out=event.support_contact_id,
    ):
        print(_("There is no other active support employee to assign."))
        return
    already = {}
    if event.support_contact_id is not None:
        already[event.support_contact_id] = _("{name} is already this event's support contact.").format(
            name=event.support_contact_name
        )
    support_id = pick_employee(
        session, SUPPORT_QUESTION, _("another active support employee"), team=Team.SUPPORT, refusals=already
    )
    session.confirm_write()
    saved = session.act(service.assign_support, event.id, event.version, support_id)
    print(
        _("{support_contact_name} is now the support contact of event {id}.").format(
            support_contact_name=saved.support_contact_name, id=saved.id
        )
    )


def add_event_note(session: Session, tz: tzinfo) -> None:
    """Management (any event) or support (their events): append a note to an event."""
    event = _ask_event(session, tz)
    permissions.require(session.employee, Action.ADD_EVENT_NOTE, owner_id=event.support_contact_id)
    print(
        _("Event {id} ({name}). A note is never edited: a correction is a new note.").format(
            id=event.id, name=event.name
        )
    )
    text = ask_note(session)
    session.confirm_write()
    session.act(note_service.add_event_note, event.id, text)
    print(_("Note added to event {id}.").format(id=event.id))


STATUS_LABELS = {"confirmed": N_("Confirm it"), "done": N_("Mark it done"), "cancelled": N_("Cancel it")}


def change_status(session: Session, tz: tzinfo) -> None:
    """Management (any event) or support (their events): confirm an event, mark it done; management
    may cancel it, with a reason."""
    event = _ask_event(session, tz)
    permissions.require(session.employee, Action.MOVE_EVENT_STATUS, owner_id=event.support_contact_id)
    moves = [
        status
        for status in service.status_moves(event)
        if permissions.visible(session.employee, service.status_action(status))
    ]
    print(
        _("Event {id} ({name}), {starts_at}: {status}.").format(
            id=event.id, name=event.name, starts_at=when(event.starts_at, tz), status=term(event.status)
        )
    )
    if not moves:
        if service.status_moves(event):
            print(_("Its status can no longer be changed by you."))
        else:
            print(_("Its status can no longer be changed."))
        return
    choices: list[tuple[str, str | None]] = [(_(STATUS_LABELS[m]), m) for m in moves]
    choices.append((_("Back"), None))
    target = session.prompts.choose(_("New status:"), choices)
    session.touch()
    if target is None:
        return
    reason = None
    if target == "cancelled":
        reason = session.ask(_("Reason for cancelling:"), service.clean_reason)
    session.confirm_write()
    saved = session.act(service.change_status, event.id, event.version, target, reason)
    print(_("Event {id} is now {status}.").format(id=saved.id, status=term(saved.status)))


def events_section(tz: tzinfo | None = None) -> Section:
    """The Events section; dates in tz (the system's zone when None)."""
    zone = tz or local_zone()

    def run(action: Callable[[Session, tzinfo], None]) -> Callable[[Session], None]:
        return lambda session: action(session, zone)

    return Section(
        N_("Events"),
        (
            MenuAction(N_("List events"), run(list_events), Action.READ),
            MenuAction(N_("Show an event"), run(show_one_event), Action.READ),
            MenuAction(N_("Search events"), run(search_events), Action.READ),
            MenuAction(N_("My events"), run(my_events), Action.LIST_MY_EVENTS),
            Section(
                N_("Reports"),
                (
                    MenuAction(
                        N_("Events without support"),
                        run(events_without_support),
                        Action.LIST_EVENTS_WITHOUT_SUPPORT,
                    ),
                    MenuAction(
                        N_("Events of a support employee"),
                        run(events_of_support),
                        Action.LIST_EVENTS_OF_SUPPORT,
                    ),
                ),
            ),
            MenuAction(N_("Create an event"), run(create_event), Action.CREATE_EVENT),
            MenuAction(N_("Assign support"), run(assign_support), Action.ASSIGN_SUPPORT),
            MenuAction(N_("Update an event"), run(update_event), Action.UPDATE_EVENT),
            MenuAction(N_("Add a note"), run(add_event_note), Action.ADD_EVENT_NOTE),
            MenuAction(N_("Export to CSV"), export_action("events"), Action.EXPORT_CSV),
            MenuAction(N_("Change an event's status"), run(change_status), Action.MOVE_EVENT_STATUS),
        ),
    )
