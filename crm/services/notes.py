"""Notes: the append-only thread of a client or an event (docs/rules.md §4, §5.1).

Everyone reads every note. Sales add notes to their own clients, support to their events,
management to any client or event. A note is never edited nor deleted (the database refuses it to
the application role): a correction is a new note. Its author is the acting employee and its date
the database's.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from crm import validation
from crm.db import Database
from crm.errors import NotFound, ValidationError
from crm.i18n import N_, _
from crm.models import Employee, Note
from crm.permissions import Action
from crm.repositories.notes import NoteRepository
from crm.services.actor import recheck_actor
from crm.services.rules import RuleMessage, rules_as_messages

__all__ = [
    "NOTE_MAX",
    "add_client_note",
    "add_event_note",
    "clean_note",
    "client_notes",
    "count_notes",
    "event_notes",
]

NOTE_MAX = 2000
_KINDS = {"client": Action.ADD_CLIENT_NOTE, "event": Action.ADD_EVENT_NOTE}

# What a broken database rule means to the user, by constraint name.
_RULE_MESSAGES: dict[str, RuleMessage] = {
    "notes_body_check": lambda: _("A note is 1 to {NOTE_MAX} characters.").format(NOTE_MAX=NOTE_MAX),
    "notes_body_text": lambda: validation.text_rule(_("A note"), shown=True, multiline=True),
    "notes_author_is_actor": N_("A note is written by the employee who adds it."),
    "notes_one_record": N_("A note is on one client or one event."),
}


def database_rules_as_messages() -> AbstractContextManager[None]:
    """Turn a broken note rule into a one-line ValidationError."""
    return rules_as_messages(_RULE_MESSAGES)


def clean_note(text: str) -> str:
    """A note's text (docs/rules.md §7): trimmed, not empty, at most 2,000 characters, tabs and line
    breaks kept, no control or invisible characters."""
    if not isinstance(text, str):
        raise ValidationError(_("A note must be text."))
    body = validation.text(text, _("A note"), NOTE_MAX, multiline=True)
    if not body:
        raise ValidationError(_("A note cannot be empty."))
    return body


# Reads --------------------------------------------------------------------------------------------


def client_notes(db: Database, client_id: int, offset: int, limit: int) -> list[Note]:
    """A page of a client's notes, latest first."""
    return NoteRepository(db.conn).page("client", client_id, offset, limit)


def event_notes(db: Database, event_id: int, offset: int, limit: int) -> list[Note]:
    """A page of an event's notes, latest first."""
    return NoteRepository(db.conn).page("event", event_id, offset, limit)


def count_notes(db: Database, kind: str, record_id: int) -> int:
    """How many notes a client ("client") or an event ("event") has."""
    return NoteRepository(db.conn).count(kind, record_id)


# Writes -------------------------------------------------------------------------------------------


def _add(db: Database, actor: Employee, kind: str, record_id: int, text: str) -> Note:
    body = clean_note(text)
    repo = NoteRepository(db.conn)
    with db.transaction(actor.id), database_rules_as_messages():
        found = repo.owner(kind, record_id)
        if found is None:
            missing = (
                N_("No client with id {record_id}.")
                if kind == "client"
                else N_("No event with id {record_id}.")
            )
            raise NotFound(_(missing).format(record_id=record_id))
        recheck_actor(db, actor, _KINDS[kind], owner_id=found[0])
        note_id = repo.insert(kind, record_id, actor.id, body)
    note = repo.get(note_id)
    assert note is not None
    return note


def add_client_note(db: Database, actor: Employee, client_id: int, text: str) -> Note:
    """Append a note to a client (management: any; sales: their own clients)."""
    return _add(db, actor, "client", client_id, text)


def add_event_note(db: Database, actor: Employee, event_id: int, text: str) -> Note:
    """Append a note to an event (management: any; support: the events assigned to them)."""
    return _add(db, actor, "event", event_id, text)
