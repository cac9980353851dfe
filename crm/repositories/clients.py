"""SQL for clients, with the name of their sales contact.

Every list is one statement (clients joined with their sales contact), paged with offset/limit,
newest first. Writes carry the version the caller read: an UPDATE that finds another version
touches no row, and the caller reports a stale record.
"""

from __future__ import annotations

import psycopg
from psycopg import sql
from psycopg.rows import class_row

from crm.models import Client, ClientFields
from crm.repositories.paging import newest_page
from crm.repositories.rows import one_row

# The columns of crm.models.Client, from clients cl and employees sc (the sales contact).
_CLIENT_SELECT = sql.SQL(
    "SELECT cl.id, cl.full_name, cl.email, cl.phone, cl.company_name, cl.sales_contact_id,"
    " sc.full_name AS sales_contact_name, cl.created_at, cl.updated_at, cl.version"
    " FROM clients cl JOIN employees sc ON sc.id = cl.sales_contact_id"
)
_NEWEST_FIRST = sql.SQL(" ORDER BY cl.created_at DESC, cl.id DESC")
_PAGE = sql.SQL(" OFFSET %(offset)s LIMIT %(limit)s")


class ClientRepository:
    """Reads and writes clients."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def _clients(self, query: sql.Composed, params: dict, *, prepare: bool | None = None) -> list[Client]:
        with self.conn.cursor(row_factory=class_row(Client)) as cur:
            return cur.execute(query, params, prepare=prepare).fetchall()

    # Reads -------------------------------------------------------------------------------------

    def get(self, client_id: int) -> Client | None:
        """One client by id, or None."""
        rows = self._clients(_CLIENT_SELECT + sql.SQL(" WHERE cl.id = %(id)s"), {"id": client_id})
        return rows[0] if rows else None

    def list_newest(self, offset: int, limit: int) -> list[Client]:
        """A page of all clients, newest first."""
        return self._clients(newest_page("clients", "cl", _CLIENT_SELECT), {"offset": offset, "limit": limit})

    def list_for_sales(self, sales_id: int, offset: int, limit: int) -> list[Client]:
        """A page of one sales employee's clients, newest first."""
        query = newest_page("clients", "cl", _CLIENT_SELECT, sql.SQL(" WHERE sales_contact_id = %(sales)s"))
        return self._clients(query, {"sales": sales_id, "offset": offset, "limit": limit})

    def search(self, text: str, offset: int, limit: int) -> list[Client]:
        """A page of the clients whose name or company contains `text`, newest first.

        Any case, any accents: "lefevre" finds "Lefèvre" and "ZOÉ" finds "Zoe" (sql/0008_search.sql).
        """
        query = (
            _CLIENT_SELECT
            + sql.SQL(
                " WHERE f_unaccent(cl.full_name) ILIKE f_search_pattern(%(text)s)"
                " OR f_unaccent(cl.company_name) ILIKE f_search_pattern(%(text)s)"
            )
            + _NEWEST_FIRST
            + _PAGE
        )
        # Never a prepared statement: a generic plan cannot see the pattern, and would scan every
        # client where the trigram indexes find the few matching rows at once.
        params = {"text": text, "offset": offset, "limit": limit}
        return self._clients(query, params, prepare=False)

    def email_in_use(self, email: str, except_id: int | None = None) -> bool:
        """Whether another client has this e-mail address (case-insensitively)."""
        cur = self.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM clients WHERE lower(email) = lower(%s) AND id IS DISTINCT FROM %s)",
            (email, except_id),
        )
        row = one_row(cur)
        return bool(row[0])

    # Writes ------------------------------------------------------------------------------------

    def insert(self, sales_id: int, fields: ClientFields) -> int:
        """Create a client whose sales contact is sales_id; return its id."""
        cur = self.conn.execute(
            "INSERT INTO clients (full_name, email, phone, company_name, sales_contact_id)"
            " VALUES (%s, %s, %s, %s, %s) RETURNING id",
            (fields.full_name, fields.email, fields.phone, fields.company_name, sales_id),
        )
        row = one_row(cur)
        return row[0]

    def update(self, client_id: int, version: int, fields: ClientFields) -> bool:
        """Save a client's fields if it is still at `version`; False when it is not."""
        cur = self.conn.execute(
            "UPDATE clients SET full_name = %s, email = %s, phone = %s, company_name = %s,"
            " updated_at = now(), version = version + 1 WHERE id = %s AND version = %s",
            (fields.full_name, fields.email, fields.phone, fields.company_name, client_id, version),
        )
        return cur.rowcount == 1

    def set_sales_contact(self, client_id: int, version: int, sales_id: int) -> bool:
        """Give the client another sales contact if it is still at `version`; False when it is not."""
        cur = self.conn.execute(
            "UPDATE clients SET sales_contact_id = %s, updated_at = now(), version = version + 1"
            " WHERE id = %s AND version = %s",
            (sales_id, client_id, version),
        )
        return cur.rowcount == 1

    # Handing over a sales employee's clients (crm/services/employees.py hand_over) --------------

    def owned_versions(self, sales_id: int, *, lock: bool = False) -> list[tuple[int, int]]:
        """(id, version) of every client of a sales employee, by id; lock=True: locked FOR UPDATE
        (in id order) until the transaction ends."""
        query = "SELECT id, version FROM clients WHERE sales_contact_id = %s ORDER BY id"
        rows = self.conn.execute(query + (" FOR UPDATE" if lock else ""), (sales_id,)).fetchall()
        return [(r[0], r[1]) for r in rows]

    def hand_over(self, records: list[tuple[int, int]], from_id: int, to_id: int) -> int:
        """Give the clients listed as (id, version) to another sales contact in one statement, each
        only if it is still from_id's at that version; how many were."""
        cur = self.conn.execute(
            "UPDATE clients c SET sales_contact_id = %s, updated_at = now(), version = c.version + 1"
            " FROM unnest(%s::bigint[], %s::integer[]) AS v(id, version)"
            " WHERE c.id = v.id AND c.version = v.version AND c.sales_contact_id = %s",
            (to_id, [r[0] for r in records], [r[1] for r in records], from_id),
        )
        return cur.rowcount
