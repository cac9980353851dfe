"""Event use cases: list, filter, search, create (sales), assign support (management), update.

Each write is one transaction that reads the record, re-reads the actor and asks crm.permissions
once (crm.services.actor), validates, and writes. Saves carry the version the editor read, so a
concurrent change makes the second save fail with StaleRecord.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime

from crm import permissions, validation
from crm.db import Database
from crm.errors import NotFound, StaleRecord, ValidationError
from crm.i18n import N_, _
from crm.models import ContractForEvent, Employee, Event, EventFields, EventStatus, Team
from crm.permissions import Action
from crm.repositories.employees import EmployeeRepository
from crm.repositories.events import EventRepository
from crm.services import mail
from crm.services.actor import recheck_actor
from crm.services.rules import RuleMessage, rules_as_messages

__all__ = [
    "EventFields",
    "active_support_employees",
    "assign_support",
    "change_status",
    "clean_fields",
    "contract_for_new_event",
    "contracts_awaiting_event",
    "create_event",
    "database_rules_as_messages",
    "events_without_support",
    "get_event",
    "list_events",
    "my_events",
    "search_events",
    "update_event",
]

SEARCH_MAX = 150
START_IN_PAST = N_("The start cannot be in the past.")
REASON_MAX = 500
# The moves the database allows (sql/0015 events_status_moves): planned → confirmed → done, and
# planned or confirmed → cancelled. Done and cancelled events are closed.
STATUS_MOVES: dict[str, tuple[str, ...]] = {
    EventStatus.PLANNED: (EventStatus.CONFIRMED, EventStatus.CANCELLED),
    EventStatus.CONFIRMED: (EventStatus.DONE, EventStatus.CANCELLED),
    EventStatus.DONE: (),
    EventStatus.CANCELLED: (),
}
CLOSED = frozenset({EventStatus.DONE, EventStatus.CANCELLED})
END_BEFORE_START = N_("The end cannot be before the start.")

# What a broken database rule means to the user, by constraint name.
_RULE_MESSAGES: dict[str, RuleMessage] = {
    "events_end_after_start": END_BEFORE_START,
    "events_dates_in_range": N_("Event dates must fall between the years 1900 and 3000."),
    "events_need_signed_contract": N_("An event needs a signed contract."),
    "events_support_is_active_support": N_("The support contact must be an active support employee."),
    "events_contract_id_key": N_("This contract already has an event."),
    "events_contract_id_fkey": N_("No contract with that id."),
    "events_name_check": lambda: _(
        "The event name cannot be blank and has at most {NAME_MAX} characters."
    ).format(NAME_MAX=validation.NAME_MAX),
    "events_client_contact_check": lambda: _("Client contact has at most {TEXT_MAX} characters.").format(
        TEXT_MAX=validation.TEXT_MAX
    ),
    "events_location_check": lambda: _("Location has at most {TEXT_MAX} characters.").format(
        TEXT_MAX=validation.TEXT_MAX
    ),
    "events_attendees_check": lambda: validation.whole_number_rule(_("Attendees")),
    "events_notes_check": lambda: _("Notes have at most {NOTES_MAX} characters.").format(
        NOTES_MAX=validation.NOTES_MAX
    ),
    "events_name_text": lambda: validation.text_rule(_("The event name"), shown=True),
    "events_client_contact_text": lambda: validation.text_rule(_("Client contact")),
    "events_location_text": lambda: validation.text_rule(_("Location")),
    "events_notes_text": lambda: validation.text_rule(_("Notes"), multiline=True),
    "events_status_check": N_("An event's status is planned, confirmed, done or cancelled."),
    "events_status_moves": (
        N_("An event goes from planned to confirmed, then done; planned or confirmed may be cancelled.")
    ),
    "events_cancel_reason_needed": N_(
        "A cancelled event needs a reason, and only a cancelled event has one."
    ),
    "events_cancel_reason_check": lambda: _(
        "The reason cannot be blank and has at most {REASON_MAX} characters."
    ).format(REASON_MAX=REASON_MAX),
    "events_cancel_reason_text": lambda: validation.text_rule(_("The reason")),
}

# An event status as a person reads it (the value itself is what commands and the API take).
STATUS_LABELS = {
    EventStatus.PLANNED: N_("planned"),
    EventStatus.CONFIRMED: N_("confirmed"),
    EventStatus.DONE: N_("done"),
    EventStatus.CANCELLED: N_("cancelled"),
}


def status_label(status: str) -> str:
    """An event status in the current language."""
    label = STATUS_LABELS.get(EventStatus(status)) if status in set(EventStatus) else None
    return _(label) if label else status


def database_rules_as_messages() -> AbstractContextManager[None]:
    """Turn a database rule the data broke (CHECK, UNIQUE, trigger) into a one-line ValidationError."""
    return rules_as_messages(_RULE_MESSAGES)


def clean_fields(fields: EventFields, now: datetime, previous_start: datetime | None = None) -> EventFields:
    """Validated event fields (docs/rules.md §7); a start other than previous_start cannot be before now."""
    attendees = fields.attendees
    if isinstance(attendees, bool) or not isinstance(attendees, int) or attendees < 0:
        raise ValidationError(validation.whole_number_rule("Attendees"))
    if attendees > 2_147_483_647:
        raise ValidationError(_("Attendees is too large."))
    for moment in (fields.starts_at, fields.ends_at):
        if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
            raise ValidationError(_("Dates need a time zone."))
    kept = previous_start is not None and validation.same_moment(fields.starts_at, previous_start)
    if not kept and fields.starts_at < now:
        raise ValidationError(START_IN_PAST)
    if fields.ends_at < fields.starts_at:
        raise ValidationError(END_BEFORE_START)
    return replace(
        fields,
        name=validation.name(fields.name, _("Event name")),
        client_contact=validation.text(fields.client_contact, _("Client contact")),
        location=validation.text(fields.location, _("Location")),
        notes=validation.text(fields.notes, _("Notes"), validation.NOTES_MAX, multiline=True),
    )


# Reads --------------------------------------------------------------------------------------------


def list_events(db: Database, offset: int, limit: int) -> list[Event]:
    """A page of all events, newest first."""
    return EventRepository(db.conn).list_newest(offset, limit)


def events_without_support(db: Database, offset: int, limit: int, now: datetime | None = None) -> list[Event]:
    """A page of the events that have no support employee yet: upcoming ones soonest first, then
    past ones (latest first); now is the current time when not given."""
    moment = now if now is not None else datetime.now(UTC)
    return EventRepository(db.conn).list_without_support(moment, offset, limit)


def my_events(db: Database, actor: Employee, now: datetime, offset: int, limit: int) -> list[Event]:
    """A page of the actor's open events (planned, confirmed) as support contact: upcoming
    soonest first, then past ones. Done and cancelled events are left out."""
    return EventRepository(db.conn).list_for_support(actor.id, now, offset, limit, open_only=True)


def events_of(db: Database, support_id: int, now: datetime, offset: int, limit: int) -> list[Event]:
    """A page of one support employee's events: upcoming soonest first, then past ones."""
    return EventRepository(db.conn).list_for_support(support_id, now, offset, limit)


def search_events(db: Database, text: str, offset: int, limit: int) -> list[Event]:
    """A page of the events whose name or client's name contains the text, newest first."""
    text = validation.name(text, _("Search text"), SEARCH_MAX)
    return EventRepository(db.conn).search(text, offset, limit)


def get_event(db: Database, event_id: int) -> Event:
    """One event, or NotFound."""
    event = EventRepository(db.conn).get(event_id)
    if event is None:
        raise NotFound(_("No event with id {event_id}.").format(event_id=event_id))
    return event


def contracts_awaiting_event(db: Database, actor: Employee) -> list[ContractForEvent]:
    """The signed contracts of the actor's clients that have no event yet."""
    return EventRepository(db.conn).contracts_awaiting_event(actor.id)


def active_support_employees(db: Database) -> list[Employee]:
    """The employees an event may be assigned to."""
    return EmployeeRepository(db.conn).active_of_team(Team.SUPPORT)


def _check_contract(contract: ContractForEvent | None, contract_id: int) -> ContractForEvent:
    if contract is None:
        raise NotFound(_("No contract with id {contract_id}.").format(contract_id=contract_id))
    if not contract.is_signed:
        raise ValidationError(
            _("Contract {contract_id} is not signed yet: an event needs a signed contract.").format(
                contract_id=contract_id
            )
        )
    if contract.event_id is not None:
        raise ValidationError(
            _("Contract {contract_id} already has an event (event {event_id}).").format(
                contract_id=contract_id, event_id=contract.event_id
            )
        )
    return contract


def contract_for_new_event(db: Database, actor: Employee, contract_id: int) -> ContractForEvent:
    """The contract, if the actor may create its event now; otherwise a one-line refusal (early
    feedback for a form: create_event checks the same under lock)."""
    contract = EventRepository(db.conn).contract_for_event(contract_id)
    if contract is not None:
        permissions.require(actor, Action.CREATE_EVENT, owner_id=contract.sales_contact_id)
    return _check_contract(contract, contract_id)


def _current(repo: EventRepository, event_id: int) -> Event:
    event = repo.get(event_id)
    if event is None:
        raise NotFound(_("No event with id {event_id}.").format(event_id=event_id))
    return event


def closed_refusal(event: Event) -> str | None:
    """Why a done or cancelled event can no longer be edited or reassigned (None when open)."""
    if event.status in CLOSED:
        return _("Event {id} is {status}: it can no longer be changed.").format(
            id=event.id, status=status_label(event.status)
        )
    return None


def _require_open(event: Event) -> None:
    reason = closed_refusal(event)
    if reason is not None:
        raise ValidationError(reason)


def status_moves(event: Event) -> tuple[str, ...]:
    """The statuses the event may move to now (whoever may move it)."""
    return STATUS_MOVES.get(event.status, ())


def status_action(status: str) -> Action:
    """Which permission a move to `status` needs: cancelling is management's alone."""
    return Action.CANCEL_EVENT if status == EventStatus.CANCELLED else Action.MOVE_EVENT_STATUS


def clean_reason(reason: str | None) -> str:
    """A cancellation's reason: not blank, at most REASON_MAX characters, one line."""
    if not isinstance(reason, str):
        raise ValidationError(_("A cancellation needs a reason."))
    return validation.name(reason, _("The reason"), REASON_MAX)


# Writes -------------------------------------------------------------------------------------------


def create_event(
    db: Database, actor: Employee, contract_id: int, fields: EventFields, now: datetime
) -> Event:
    """Create the event of a signed contract of one of the actor's clients."""
    repo = EventRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        # Under lock, with the actor as they are now: the client may have been reassigned, the
        # event created, or the actor deactivated, meanwhile.
        contract = repo.contract_for_event(contract_id, lock=True)
        if contract is None:
            raise NotFound(_("No contract with id {contract_id}.").format(contract_id=contract_id))
        recheck_actor(db, actor, Action.CREATE_EVENT, owner_id=contract.sales_contact_id)
        _check_contract(contract, contract_id)
        event_id = repo.insert(contract_id, clean_fields(fields, now))
    return get_event(db, event_id)


def update_event(
    db: Database, actor: Employee, event_id: int, version: int, fields: EventFields, now: datetime
) -> Event:
    """Save an event's name, dates, location, attendees, notes and client contact."""
    repo = EventRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        current = _current(repo, event_id)
        # The versioned save fails if the event (and so its support contact) changed meanwhile.
        recheck_actor(db, actor, Action.UPDATE_EVENT, owner_id=current.support_contact_id)
        if current.version != version:
            raise StaleRecord()
        _require_open(current)
        fields = clean_fields(fields, now, previous_start=current.starts_at)
        if not repo.update(event_id, version, fields):
            raise StaleRecord()
    mail.after_commit(db)  # the support employees told, by e-mail too when [mail] is set
    return get_event(db, event_id)


def assign_support(db: Database, actor: Employee, event_id: int, version: int, support_id: int) -> Event:
    """Assign (or change) the support employee of an event: an active support employee."""
    repo = EventRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        current = _current(repo, event_id)
        recheck_actor(db, actor, Action.ASSIGN_SUPPORT)
        if current.version != version:
            raise StaleRecord()
        _require_open(current)
        if (
            isinstance(support_id, bool)
            or not isinstance(support_id, int)
            or not EmployeeRepository(db.conn).is_active_in_team(support_id, Team.SUPPORT)
        ):
            raise ValidationError(
                _("Employee {support_id} is not an active support employee.").format(support_id=support_id)
            )
        if support_id == current.support_contact_id:
            raise ValidationError(
                _("{support_contact_name} is already this event's support contact.").format(
                    support_contact_name=current.support_contact_name
                )
            )
        if not repo.set_support(event_id, version, support_id):
            raise StaleRecord()
    mail.after_commit(db)  # the support employees told, by e-mail too when [mail] is set
    return get_event(db, event_id)


def change_status(
    db: Database, actor: Employee, event_id: int, version: int, status: str, reason: str | None = None
) -> Event:
    """Move an event on: confirm it or mark it done (management, its support employee), or cancel
    it with a reason (management). Only the moves of STATUS_MOVES; the database keeps them too."""
    repo = EventRepository(db.conn)
    target = EventStatus(status) if status in EventStatus._value2member_map_ else None
    if target is None:
        raise ValidationError(
            _("{status!r} is not an event status: planned, confirmed, done or cancelled.").format(
                status=status
            )
        )
    with db.transaction(actor.id), database_rules_as_messages():
        current = _current(repo, event_id)
        recheck_actor(db, actor, status_action(target), owner_id=current.support_contact_id)
        if current.version != version:
            raise StaleRecord()
        if target not in status_moves(current):
            allowed = " or ".join(status_moves(current))
            refused = (
                _("Event {event_id} is {status}: it cannot become {target}; it can become {allowed}.")
                if allowed
                else _("Event {event_id} is {status}: it cannot become {target}.")
            )
            raise ValidationError(
                refused.format(
                    event_id=event_id,
                    status=status_label(current.status),
                    target=status_label(target),
                    allowed=_(" or ").join(status_label(s) for s in status_moves(current)),
                )
            )
        cleaned = clean_reason(reason) if target == EventStatus.CANCELLED else None
        if not repo.set_status(event_id, version, target, cleaned):
            raise StaleRecord()
    mail.after_commit(db)  # the support employees told, by e-mail too when [mail] is set
    return get_event(db, event_id)
