"""Notes on a client or an event, as the detail views show them (latest first, a few at a time)
and as "Add a note" asks for one (docs/rules.md §4)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from crm.i18n import _
from crm.models import Note
from crm.services import notes as service
from crm.ui.render import local_moment, visible
from crm.ui.session import Session

NOTES_PAGE = 5  # notes shown at a time in a detail view


def _blocks(notes: Sequence[Note], tz: tzinfo | None) -> None:
    for note in notes:
        print(f"  {local_moment(note.created_at, tz)}  {visible(note.author_name)}")
        for line in visible(note.body, multiline=True).splitlines() or [""]:
            print(f"    {line}")


def print_notes(notes: Sequence[Note], total: int, tz: tzinfo | None = None) -> None:
    """Notes as blocks, latest first: when and who, then the text (its own lines kept); total:
    how many the record has (more than shown: said in the heading)."""
    if not notes:
        print(_("Notes: none yet."))
        return
    if total > len(notes):
        print(_("Notes (latest first, {total} in all):").format(total=total))
    else:
        print(_("Notes (latest first):"))
    _blocks(notes, tz)


def show_notes(session: Session, kind: str, record_id: int, tz: tzinfo | None = None) -> None:
    """A client's ("client") or an event's ("event") notes, NOTES_PAGE at a time, latest first;
    while older ones remain, "Older notes" shows the next ones (Back, Ctrl-C or Ctrl-D stops)."""
    fetch = service.client_notes if kind == "client" else service.event_notes
    total = session.run(service.count_notes, kind, record_id)
    notes = session.run(fetch, record_id, 0, NOTES_PAGE)
    print_notes(notes, total, tz)
    shown = len(notes)
    while notes and shown < total:
        try:
            older = session.prompts.choose(_("Notes:"), [(_("Older notes"), True), (_("Back"), False)])
        except (KeyboardInterrupt, EOFError):
            return
        session.pick_made()
        if not older:
            return
        notes = session.run(fetch, record_id, shown, NOTES_PAGE)
        _blocks(notes, tz)
        shown += len(notes)


def ask_note(session: Session) -> str:
    """The text of a new note, asked until it is acceptable (not empty, at most 2,000 characters)."""
    return session.ask(
        _("Note (at most {NOTE_MAX} characters):").format(NOTE_MAX=service.NOTE_MAX), service.clean_note
    )
