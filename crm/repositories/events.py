"""SQL for events, with what they need to know about contracts, clients and support employees.

Every list is one statement (events joined with their contract, client and support contact),
paged with offset/limit. Writes carry the version the caller read: an UPDATE that finds another
version touches no row, and the caller reports a stale record.
"""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg import sql
from psycopg.rows import class_row

from crm.models import ContractForEvent, Event, EventFields
from crm.repositories.paging import newest_page
from crm.repositories.rows import one_row, scalar

# The columns of crm.models.Event, from events e, contracts c, clients cl, employees sp.
_EVENT_SELECT = sql.SQL(
    "SELECT e.id, e.name, e.contract_id, cl.id AS client_id, cl.full_name AS client_name,"
    " cl.email AS client_email, cl.phone AS client_phone, e.client_contact,"
    " e.support_contact_id, sp.full_name AS support_contact_name, e.starts_at, e.ends_at,"
    " e.location, e.attendees, e.notes, e.created_at, e.updated_at, e.version, e.status, e.cancel_reason"
    " FROM events e"
    " JOIN contracts c ON c.id = e.contract_id"
    " JOIN clients cl ON cl.id = c.client_id"
    " LEFT JOIN employees sp ON sp.id = e.support_contact_id"
)

# The events still to do (planned, confirmed): done and cancelled ones leave "My events", "Events
# without support", the digest and the hand-over. Written once here; the partial index
# events_open_support_starts_idx (sql/0015) states the same predicate.
OPEN = sql.SQL("status IN ('planned', 'confirmed')")
OPEN_E = sql.SQL("e.") + OPEN  # the same, of the events aliased e


class EventRepository:
    """Reads and writes events."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def _events(self, query: sql.Composed, params: dict, *, prepare: bool | None = None) -> list[Event]:
        with self.conn.cursor(row_factory=class_row(Event)) as cur:
            return cur.execute(query, params, prepare=prepare).fetchall()

    # Reads -------------------------------------------------------------------------------------

    def get(self, event_id: int) -> Event | None:
        """One event by id, or None."""
        rows = self._events(_EVENT_SELECT + sql.SQL(" WHERE e.id = %(id)s"), {"id": event_id})
        return rows[0] if rows else None

    def list_newest(self, offset: int, limit: int) -> list[Event]:
        """A page of all events, newest first."""
        return self._events(newest_page("events", "e", _EVENT_SELECT), {"offset": offset, "limit": limit})

    def list_without_support(self, now: datetime, offset: int, limit: int) -> list[Event]:
        """A page of the open events (planned, confirmed) no support employee is assigned to:
        upcoming ones soonest first (the most urgent to staff), then past ones, latest first."""
        who = sql.SQL("support_contact_id IS NULL AND ") + OPEN
        return self._upcoming_then_past(who, {}, now, offset, limit)

    def list_for_support(
        self, support_id: int, now: datetime, offset: int, limit: int, *, open_only: bool = False
    ) -> list[Event]:
        """A page of one support employee's events: upcoming ones soonest first, then past ones;
        open_only: planned and confirmed ones only (done and cancelled events leave "My events")."""
        who = sql.Composed([sql.SQL("support_contact_id = %(support)s")])
        if open_only:
            who += sql.SQL(" AND ") + OPEN
        return self._upcoming_then_past(who, {"support": support_id}, now, offset, limit)

    def list_between(self, start: datetime, end: datetime, support_id: int | None) -> list[Event]:
        """The events that are not cancelled and overlap [start, end) (of one support employee if
        given), by start: read from the GiST index on their time range (sql/0015)."""
        query = _EVENT_SELECT + sql.SQL(
            " WHERE e.status <> 'cancelled'"
            " AND tstzrange(e.starts_at, e.ends_at, '[]') && tstzrange(%(start)s, %(end)s, '[)'){}"
            " ORDER BY e.starts_at, e.id"
        ).format(
            sql.SQL(" AND e.support_contact_id = %(support)s") if support_id is not None else sql.SQL("")
        )
        return self._events(query, {"start": start, "end": end, "support": support_id})

    def database_name(self) -> str:
        """The database's name (part of the calendar UIDs, so two CRMs' events never mix)."""
        return scalar(self.conn.execute("SELECT current_database()"))

    def list_upcoming_for_support(self, support_id: int, now: datetime, limit: int) -> list[Event]:
        """One support employee's open events that have not ended yet, soonest first."""
        query = (
            _EVENT_SELECT
            + sql.SQL(" WHERE e.support_contact_id = %(support)s AND ")
            + OPEN_E
            + sql.SQL(" AND e.ends_at >= %(now)s ORDER BY e.starts_at, e.id LIMIT %(limit)s")
        )
        return self._events(query, {"support": support_id, "now": now, "limit": limit})

    def _upcoming_then_past(
        self, who: sql.Composable, params: dict, now: datetime, offset: int, limit: int
    ) -> list[Event]:
        """Events matching `who` (a condition on support_contact_id): upcoming soonest first, then
        past ones latest first.

        Each half is read from the (support_contact_id, starts_at) index (NULL is indexed), up to
        the end of the page, before anything is joined: a page costs the same however many events
        match.
        """
        query = sql.SQL(
            "WITH page AS (SELECT * FROM ("
            " (SELECT id, 0 AS part, starts_at FROM events"
            "   WHERE {who} AND starts_at >= %(now)s"
            "   ORDER BY starts_at ASC, id DESC LIMIT %(end)s)"
            " UNION ALL"
            " (SELECT id, 1 AS part, starts_at FROM events"
            "   WHERE {who} AND starts_at < %(now)s"
            "   ORDER BY starts_at DESC, id DESC LIMIT %(end)s)) halves"
            " ORDER BY part, CASE WHEN part = 0 THEN starts_at END ASC, starts_at DESC, id DESC"
            " OFFSET %(offset)s LIMIT %(limit)s)"
            " {select} JOIN page ON page.id = e.id"
            " ORDER BY page.part, CASE WHEN page.part = 0 THEN page.starts_at END ASC,"
            " page.starts_at DESC, page.id DESC"
        ).format(who=who, select=_EVENT_SELECT)
        return self._events(
            query, {**params, "now": now, "offset": offset, "limit": limit, "end": offset + limit}
        )

    def search(self, text: str, offset: int, limit: int) -> list[Event]:
        """A page of the events whose name or client's name contains `text`, newest first.

        Any case, any accents: "lefevre" finds "Lefèvre" and "ZOÉ" finds "Zoe" (sql/0008_search.sql).
        Each half — events by name, events by their client's name — is read up to the end of the
        page on its own, so each can use its index (events' or clients' name), and an event
        matching both is listed once.
        """
        query = sql.SQL(
            "WITH page AS (SELECT id, created_at FROM ("
            " (SELECT id, created_at FROM events"
            "   WHERE f_unaccent(name) ILIKE f_search_pattern(%(text)s)"
            "   ORDER BY created_at DESC, id DESC LIMIT %(end)s)"
            " UNION"
            " (SELECT e.id, e.created_at FROM events e"
            "   JOIN contracts c ON c.id = e.contract_id JOIN clients cl ON cl.id = c.client_id"
            "   WHERE f_unaccent(cl.full_name) ILIKE f_search_pattern(%(text)s)"
            "   ORDER BY e.created_at DESC, e.id DESC LIMIT %(end)s)) matches"
            " ORDER BY created_at DESC, id DESC OFFSET %(offset)s LIMIT %(limit)s)"
            " {select} JOIN page ON page.id = e.id ORDER BY page.created_at DESC, page.id DESC"
        ).format(select=_EVENT_SELECT)
        # Never a prepared statement: a generic plan cannot see the pattern and would not use the
        # trigram indexes.
        params = {"text": text, "offset": offset, "limit": limit, "end": offset + limit}
        return self._events(query, params, prepare=False)

    def contract_for_event(self, contract_id: int, *, lock: bool = False) -> ContractForEvent | None:
        """A contract's signed state, its client's sales contact and its event, if any.

        lock=True keeps the contract and its client from changing until the transaction ends.
        """
        query = sql.SQL(
            "SELECT c.id, cl.id AS client_id, cl.full_name AS client_name, cl.email AS client_email,"
            " cl.phone AS client_phone, cl.sales_contact_id, c.total_amount, c.is_signed,"
            " e.id AS event_id"
            " FROM contracts c JOIN clients cl ON cl.id = c.client_id"
            " LEFT JOIN events e ON e.contract_id = c.id"
            " WHERE c.id = %s{}"
        ).format(sql.SQL(" FOR SHARE OF c, cl") if lock else sql.SQL(""))
        with self.conn.cursor(row_factory=class_row(ContractForEvent)) as cur:
            return cur.execute(query, (contract_id,)).fetchone()

    def contracts_awaiting_event(self, sales_id: int, limit: int = 50) -> list[ContractForEvent]:
        """Signed contracts of a sales employee's clients that have no event yet, newest first."""
        query = (
            "SELECT c.id, cl.id AS client_id, cl.full_name AS client_name, cl.email AS client_email,"
            " cl.phone AS client_phone, cl.sales_contact_id, c.total_amount, c.is_signed,"
            " NULL::bigint AS event_id"
            " FROM contracts c JOIN clients cl ON cl.id = c.client_id"
            " WHERE cl.sales_contact_id = %s AND c.is_signed"
            " AND NOT EXISTS (SELECT 1 FROM events e WHERE e.contract_id = c.id)"
            " ORDER BY c.signed_at DESC, c.id DESC LIMIT %s"
        )
        with self.conn.cursor(row_factory=class_row(ContractForEvent)) as cur:
            return cur.execute(query, (sales_id, limit)).fetchall()

    # Writes ------------------------------------------------------------------------------------

    def insert(self, contract_id: int, fields: EventFields) -> int:
        """Create an event (no support contact yet); return its id."""
        cur = self.conn.execute(
            "INSERT INTO events (name, contract_id, client_contact, starts_at, ends_at, location,"
            " attendees, notes) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (
                fields.name,
                contract_id,
                fields.client_contact,
                fields.starts_at,
                fields.ends_at,
                fields.location,
                fields.attendees,
                fields.notes,
            ),
        )
        row = one_row(cur)
        return row[0]

    def update(self, event_id: int, version: int, fields: EventFields) -> bool:
        """Save an event's editable fields if it is still at `version`; False when it is not."""
        cur = self.conn.execute(
            "UPDATE events SET name = %s, client_contact = %s, starts_at = %s, ends_at = %s,"
            " location = %s, attendees = %s, notes = %s, updated_at = now(), version = version + 1"
            " WHERE id = %s AND version = %s",
            (
                fields.name,
                fields.client_contact,
                fields.starts_at,
                fields.ends_at,
                fields.location,
                fields.attendees,
                fields.notes,
                event_id,
                version,
            ),
        )
        return cur.rowcount == 1

    def set_support(self, event_id: int, version: int, support_id: int) -> bool:
        """Assign a support employee if the event is still at `version`; False when it is not."""
        cur = self.conn.execute(
            "UPDATE events SET support_contact_id = %s, updated_at = now(), version = version + 1"
            " WHERE id = %s AND version = %s",
            (support_id, event_id, version),
        )
        return cur.rowcount == 1

    # Handing over a support employee's events (crm/services/employees.py hand_over) -------------

    def ahead_versions(self, support_id: int, now: datetime, *, lock: bool = False) -> list[tuple[int, int]]:
        """(id, version) of the support employee's open events that have not ended at now, by id;
        lock=True: locked FOR UPDATE (in id order) until the transaction ends."""
        query = (
            sql.SQL("SELECT id, version FROM events WHERE support_contact_id = %s AND ends_at >= %s AND ")
            + OPEN
            + sql.SQL(" ORDER BY id FOR UPDATE" if lock else " ORDER BY id")
        )
        rows = self.conn.execute(query, (support_id, now)).fetchall()
        return [(r[0], r[1]) for r in rows]

    def hand_over(self, records: list[tuple[int, int]], from_id: int, to_id: int) -> int:
        """Give the events listed as (id, version) to another support employee in one statement,
        each only if it is still from_id's at that version; how many were."""
        cur = self.conn.execute(
            "UPDATE events e SET support_contact_id = %s, updated_at = now(), version = e.version + 1"
            " FROM unnest(%s::bigint[], %s::integer[]) AS v(id, version)"
            " WHERE e.id = v.id AND e.version = v.version AND e.support_contact_id = %s",
            (to_id, [r[0] for r in records], [r[1] for r in records], from_id),
        )
        return cur.rowcount

    def set_status(self, event_id: int, version: int, status: str, reason: str | None) -> bool:
        """Move an event to `status` (with the reason of a cancellation) if it is still at
        `version`; False when it is not. The database refuses a move it does not allow."""
        cur = self.conn.execute(
            "UPDATE events SET status = %s, cancel_reason = %s, updated_at = now(), version = version + 1"
            " WHERE id = %s AND version = %s",
            (status, reason, event_id, version),
        )
        return cur.rowcount == 1
