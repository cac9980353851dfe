"""SQL for notes: the append-only thread of a client or an event (sql/0014_daily.sql).

There is no UPDATE or DELETE here, and the application role may do neither: a correction is a new
note. The database sets a note's id and date, and checks its author is the acting employee.
"""

from __future__ import annotations

import psycopg
from psycopg import sql
from psycopg.rows import class_row

from crm.models import Note
from crm.repositories.rows import scalar

_NOTE_SELECT = sql.SQL(
    "SELECT n.id, n.client_id, n.event_id, n.author_id, a.full_name AS author_name, n.created_at, n.body"
    " FROM notes n JOIN employees a ON a.id = n.author_id"
)
# Which record a note is on: "client" or "event" -> its column.
_RECORD_COLUMN = {"client": "client_id", "event": "event_id"}


def _column(kind: str) -> sql.Identifier:
    if kind not in _RECORD_COLUMN:
        raise ValueError(f"notes are on clients or events, not {kind!r}")
    return sql.Identifier("n", _RECORD_COLUMN[kind])


class NoteRepository:
    """Reads and appends notes."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def page(self, kind: str, record_id: int, offset: int, limit: int) -> list[Note]:
        """A page of a client's or an event's notes, latest first."""
        query = _NOTE_SELECT + sql.SQL(
            " WHERE {col} = %(id)s ORDER BY n.created_at DESC, n.id DESC OFFSET %(offset)s LIMIT %(limit)s"
        ).format(col=_column(kind))
        with self.conn.cursor(row_factory=class_row(Note)) as cur:
            return cur.execute(query, {"id": record_id, "offset": offset, "limit": limit}).fetchall()

    def count(self, kind: str, record_id: int) -> int:
        """How many notes a client or an event has."""
        query = sql.SQL("SELECT count(*) FROM notes n WHERE {col} = %s").format(col=_column(kind))
        return scalar(self.conn.execute(query, (record_id,)))

    def get(self, note_id: int) -> Note | None:
        """One note by id, or None."""
        with self.conn.cursor(row_factory=class_row(Note)) as cur:
            return cur.execute(_NOTE_SELECT + sql.SQL(" WHERE n.id = %s"), (note_id,)).fetchone()

    def insert(self, kind: str, record_id: int, author_id: int, body: str) -> int:
        """Append a note to a client or an event; return its id."""
        query = sql.SQL("INSERT INTO notes ({col}, author_id, body) VALUES (%s, %s, %s) RETURNING id").format(
            col=sql.Identifier(_RECORD_COLUMN[kind]) if kind in _RECORD_COLUMN else _column(kind)
        )
        return scalar(self.conn.execute(query, (record_id, author_id, body)))

    def owner(self, kind: str, record_id: int) -> tuple[int | None] | None:
        """The owner of the client (its sales contact) or the event (its support contact, maybe
        None) a note goes on, the row locked FOR SHARE until the transaction ends (a reassignment
        waits); None when there is no such record."""
        query = {
            "client": "SELECT sales_contact_id FROM clients WHERE id = %s FOR SHARE",
            "event": "SELECT support_contact_id FROM events WHERE id = %s FOR SHARE",
        }[kind]
        return self.conn.execute(query, (record_id,)).fetchone()
