"""SQL for the login digest (crm/services/digest.py): each line is ONE statement that returns the
first few records and, on every row, how many there are in all; each reads an index
(sql/0014_daily.sql), so the digest costs a few milliseconds at 100,000 clients (tests/bench.py).

Rows are crm.models.DigestItem columns plus `total`, how many there are counted up to `cap` (a
count that reaches it means "at least that many": counting 100,000 overdue contracts would cost
more than the whole digest); `now` is the caller's clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from crm.models import DigestItem
from crm.repositories.events import OPEN, OPEN_E
from crm.repositories.rows import one_row

# Sales: my clients neither saved nor noted since %(since)s, read from (sales_contact_id, updated_at).
_QUIET = sql.SQL(
    "FROM clients cl WHERE cl.sales_contact_id = %(me)s AND cl.updated_at < %(since)s"
    " AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.client_id = cl.id AND n.created_at >= %(since)s)"
)


def _items(rows: list[dict[str, Any]]) -> tuple[int, list[DigestItem]]:
    total = rows[0]["total"] if rows else 0
    return total, [DigestItem(r["kind"], r["id"], r["name"], r["at"], r["detail"]) for r in rows]


class DigestRepository:
    """The digest's reads, and the employee's digest settings (enabled, "seen up to" mark)."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def _rows(self, query: str | sql.Composed, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self.conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(query, params).fetchall()

    # Settings ------------------------------------------------------------------------------------

    def settings(self, employee_id: int) -> tuple[bool, int | None, int]:
        """(enabled, seen mark or None before the first digest, newest audit id now)."""
        row = self.conn.execute(
            "SELECT coalesce(d.enabled, true), d.seen_audit_id,"
            " (SELECT coalesce(max(id), 0) FROM audit_log)"
            " FROM (VALUES (1)) AS one LEFT JOIN employee_digest d ON d.employee_id = %s",
            (employee_id,),
        )
        enabled, seen, newest = one_row(row)
        return bool(enabled), seen, int(newest)

    def mark_seen(self, employee_id: int, audit_id: int) -> None:
        """Move the employee's "seen up to" mark to audit_id (the database never moves it back)."""
        self.conn.execute(
            "INSERT INTO employee_digest (employee_id, seen_audit_id) VALUES (%s, %s)"
            " ON CONFLICT (employee_id) DO UPDATE SET seen_audit_id = EXCLUDED.seen_audit_id",
            (employee_id, audit_id),
        )

    def set_enabled(self, employee_id: int, enabled: bool) -> None:
        """Turn the employee's digest at login on or off."""
        self.conn.execute(
            "INSERT INTO employee_digest (employee_id, enabled, seen_audit_id)"
            " VALUES (%s, %s, (SELECT coalesce(max(id), 0) FROM audit_log))"
            " ON CONFLICT (employee_id) DO UPDATE SET enabled = EXCLUDED.enabled",
            (employee_id, enabled),
        )

    # Support -------------------------------------------------------------------------------------

    def upcoming_events(
        self, support_id: int, now: datetime, days: int, limit: int, cap: int
    ) -> tuple[int, list[DigestItem]]:
        """The support employee's events starting within `days` of now, soonest first."""
        rows = self._rows(
            sql.SQL(
                "SELECT 'event' AS kind, e.id, e.name, e.starts_at AS at,"
                " concat_ws(', ', nullif(e.location, ''), e.attendees || ' attendees') AS detail,"
                " (SELECT count(*) FROM (SELECT 1 FROM events WHERE support_contact_id = %(me)s"
                "   AND starts_at >= %(now)s AND starts_at < %(until)s AND "
            )
            + OPEN
            + sql.SQL(
                " LIMIT %(cap)s) n)::int AS total FROM events e WHERE e.support_contact_id = %(me)s"
                " AND e.starts_at >= %(now)s AND e.starts_at < %(until)s AND "
            )
            + OPEN_E
            + sql.SQL(" ORDER BY e.starts_at, e.id LIMIT %(limit)s"),
            {"me": support_id, "now": now, "until": now + timedelta(days=days), "limit": limit, "cap": cap},
        )
        return _items(rows)

    def changed_events(
        self, support_id: int, after_audit_id: int, upto_audit_id: int, limit: int, cap: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """The support employee's events that someone else changed in the audit rows after
        after_audit_id up to upto_audit_id, latest change first: id, name, at (the latest change),
        fields (changed field names) and who (their names); and how many events changed."""
        # Which events changed, and how many, from the audit rows after the mark (their own index);
        # the fields and who changed them only for the few shown.
        rows = self._rows(
            "WITH changed AS ("
            " SELECT a.record_id, max(a.id) AS last_id FROM audit_log a JOIN events e ON e.id = a.record_id"
            " WHERE a.table_name = 'events' AND a.action = 'update'"
            "   AND a.id > %(after)s AND a.id <= %(upto)s"
            "   AND a.employee_id IS DISTINCT FROM %(me)s AND e.support_contact_id = %(me)s"
            " GROUP BY a.record_id),"
            " shown AS (SELECT * FROM changed ORDER BY last_id DESC LIMIT %(limit)s)"
            " SELECT e.id, e.name, last.at, f.fields, f.who,"
            " (SELECT count(*) FROM (SELECT 1 FROM changed LIMIT %(cap)s) n)::int AS total"
            " FROM shown JOIN events e ON e.id = shown.record_id"
            " JOIN audit_log last ON last.id = shown.last_id"
            " CROSS JOIN LATERAL ("
            "   SELECT array_agg(DISTINCT k.key ORDER BY k.key) AS fields,"
            "     array_agg(DISTINCT coalesce(w.full_name, 'system')) AS who"
            "   FROM audit_log a CROSS JOIN LATERAL jsonb_object_keys(a.changes) AS k(key)"
            "   LEFT JOIN employees w ON w.id = a.employee_id"
            # On audit_log_record_idx, one event's rows ("<> 'insert'": not the mark's index).
            "   WHERE a.table_name = 'events' AND a.record_id = shown.record_id AND a.action <> 'insert'"
            "     AND a.id > %(after)s AND a.id <= %(upto)s AND a.employee_id IS DISTINCT FROM %(me)s) f"
            " ORDER BY shown.last_id DESC",
            {"me": support_id, "after": after_audit_id, "upto": upto_audit_id, "limit": limit, "cap": cap},
        )
        return (rows[0]["total"] if rows else 0), rows

    # Sales ---------------------------------------------------------------------------------------

    def unsigned_contracts(self, sales_id: int, limit: int, cap: int) -> tuple[int, list[DigestItem]]:
        """Contracts of the sales employee's clients not signed yet, oldest first."""
        rows = self._rows(
            "SELECT 'contract' AS kind, c.id, cl.full_name AS name, c.created_at AS at,"
            " 'total ' || c.total_amount AS detail,"
            " (SELECT count(*) FROM (SELECT 1 FROM contracts c2 JOIN clients k ON k.id = c2.client_id"
            "   WHERE k.sales_contact_id = %(me)s AND NOT c2.is_signed LIMIT %(cap)s) n)::int AS total"
            " FROM contracts c JOIN clients cl ON cl.id = c.client_id"
            " WHERE cl.sales_contact_id = %(me)s AND NOT c.is_signed"
            " ORDER BY c.created_at, c.id LIMIT %(limit)s",
            {"me": sales_id, "limit": limit, "cap": cap},
        )
        return _items(rows)

    def unpaid_contracts(self, sales_id: int, limit: int, cap: int) -> tuple[int, list[DigestItem]]:
        """Contracts of the sales employee's clients not fully paid, oldest first."""
        rows = self._rows(
            "SELECT 'contract' AS kind, c.id, cl.full_name AS name, c.created_at AS at,"
            " c.remaining_amount || ' of ' || c.total_amount || ' to pay' AS detail,"
            " (SELECT count(*) FROM (SELECT 1 FROM contracts c2 JOIN clients k ON k.id = c2.client_id"
            "   WHERE k.sales_contact_id = %(me)s AND c2.remaining_amount > 0 LIMIT %(cap)s) n)::int AS total"
            " FROM contracts c JOIN clients cl ON cl.id = c.client_id"
            " WHERE cl.sales_contact_id = %(me)s AND c.remaining_amount > 0"
            " ORDER BY c.created_at, c.id LIMIT %(limit)s",
            {"me": sales_id, "limit": limit, "cap": cap},
        )
        return _items(rows)

    def quiet_clients(
        self, sales_id: int, since: datetime, limit: int, cap: int
    ) -> tuple[int, list[DigestItem]]:
        """The sales employee's clients last contacted before `since` — contacted: the client was
        saved (created, updated, reassigned: updated_at) or got a note — oldest save first."""
        rows = self._rows(
            sql.SQL(
                "SELECT 'client' AS kind, cl.id, cl.full_name AS name, greatest(cl.updated_at,"
                " (SELECT max(created_at) FROM notes n WHERE n.client_id = cl.id)) AS at,"
                " cl.company_name AS detail,"
                " (SELECT count(*) FROM (SELECT 1 {quiet} LIMIT %(cap)s) n)::int AS total"
                " {quiet} ORDER BY cl.updated_at, cl.id LIMIT %(limit)s"
            ).format(quiet=_QUIET),
            {"me": sales_id, "since": since, "limit": limit, "cap": cap},
        )
        return _items(rows)

    # Management ----------------------------------------------------------------------------------

    def unstaffed_events(
        self, now: datetime, days: int, limit: int, cap: int
    ) -> tuple[int, list[DigestItem]]:
        """Events starting within `days` of now that no support employee is assigned to, soonest first."""
        rows = self._rows(
            sql.SQL(
                "SELECT 'event' AS kind, e.id, e.name, e.starts_at AS at, cl.full_name AS detail,"
                " (SELECT count(*) FROM (SELECT 1 FROM events WHERE support_contact_id IS NULL"
                "   AND starts_at >= %(now)s AND starts_at < %(until)s AND "
            )
            + OPEN
            + sql.SQL(
                " LIMIT %(cap)s) n)::int AS total"
                " FROM events e JOIN contracts c ON c.id = e.contract_id"
                " JOIN clients cl ON cl.id = c.client_id"
                " WHERE e.support_contact_id IS NULL AND e.starts_at >= %(now)s AND e.starts_at < %(until)s"
                " AND "
            )
            + OPEN_E
            + sql.SQL(" ORDER BY e.starts_at, e.id LIMIT %(limit)s"),
            {"now": now, "until": now + timedelta(days=days), "limit": limit, "cap": cap},
        )
        return _items(rows)

    def overdue_contracts(
        self, signed_before: datetime, limit: int, cap: int
    ) -> tuple[int, list[DigestItem]]:
        """Contracts signed before `signed_before` and still not fully paid, oldest signature first."""
        rows = self._rows(
            "SELECT 'contract' AS kind, c.id, cl.full_name AS name, c.signed_at AS at,"
            " c.remaining_amount || ' of ' || c.total_amount || ' to pay' AS detail,"
            " (SELECT count(*) FROM (SELECT 1 FROM contracts WHERE is_signed AND remaining_amount > 0"
            "   AND signed_at < %(before)s LIMIT %(cap)s) n)::int AS total"
            " FROM contracts c JOIN clients cl ON cl.id = c.client_id"
            " WHERE c.is_signed AND c.remaining_amount > 0 AND c.signed_at < %(before)s"
            " ORDER BY c.signed_at, c.id LIMIT %(limit)s",
            {"before": signed_before, "limit": limit, "cap": cap},
        )
        return _items(rows)

    def deactivated_owners(self, now: datetime, limit: int, cap: int) -> tuple[int, list[DigestItem]]:
        """Deactivated employees who still are the sales contact of clients or the support contact
        of events that have not ended, by name."""
        rows = self._rows(
            sql.SQL(
                "WITH owners AS ("
                " SELECT e.id, e.full_name, e.team,"
                "   (SELECT count(*) FROM clients WHERE sales_contact_id = e.id) AS clients,"
                "   (SELECT count(*) FROM events"
                "     WHERE support_contact_id = e.id AND ends_at >= %(now)s AND "
            )
            + OPEN
            + sql.SQL(
                ") AS events"
                " FROM employees e WHERE NOT e.is_active)"
                " SELECT 'employee' AS kind, id, full_name AS name, NULL::timestamptz AS at,"
                " concat_ws(', ', team, CASE WHEN clients > 0 THEN clients || ' clients' END,"
                "   CASE WHEN events > 0 THEN events || ' events' END) AS detail,"
                " (SELECT count(*) FROM (SELECT 1 FROM owners WHERE clients > 0 OR events > 0"
                "   LIMIT %(cap)s) n)::int AS total"
                " FROM owners WHERE clients > 0 OR events > 0"
                " ORDER BY lower(full_name), id LIMIT %(limit)s"
            ),
            {"now": now, "limit": limit, "cap": cap},
        )
        return _items(rows)
