"""SQL for the audit trail: reading a record's history.

Audit rows are written only by the database trigger of sql/0005_audit.sql (the application role
may read them, nothing else).
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from functools import partial
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import class_row

from crm.models import HistoryLine
from crm.repositories.rows import scalar

# The tables whose history can be read, and the ones the audit trigger covers.
HISTORY_TABLES = ("clients", "contracts", "events", "employees")

# Amounts keep their cents: JSON numbers are read as Decimal, never float.
_json_loads = partial(json.loads, parse_float=Decimal)


def _json(text: str | None) -> Any:
    return None if text is None else _json_loads(text)


class AuditRepository:
    """Reads the audit trail."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def record_exists(self, table: str, record_id: int) -> bool:
        """Whether a record of one of HISTORY_TABLES exists."""
        if table not in HISTORY_TABLES:
            raise ValueError(f"no history for {table!r}")
        query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE id = %s)").format(sql.Identifier(table))
        return bool(scalar(self.conn.execute(query, (record_id,))))

    def history(self, table: str, record_id: int, offset: int, limit: int) -> list[HistoryLine]:
        """A page of a record's changes, one line per field, newest first (one statement)."""
        with self.conn.cursor(row_factory=class_row(HistoryLine)) as cur:
            lines = cur.execute(
                "SELECT a.id AS audit_id, a.at, a.employee_id, e.full_name AS employee_name, a.action,"
                " a.table_name AS source, a.record_id AS source_id, c.key AS field,"
                # JSON text, read below: amounts keep their cents
                " (CASE WHEN jsonb_typeof(c.value) = 'array' THEN c.value -> 0 END)::text AS old,"
                " (CASE WHEN jsonb_typeof(c.value) = 'array' THEN c.value -> 1 ELSE c.value END)::text AS new"
                " FROM ("
                "   (SELECT * FROM audit_log WHERE table_name = %(table)s AND record_id = %(id)s)"
                "   UNION ALL"
                "   (SELECT * FROM audit_log WHERE %(table)s = 'contracts' AND table_name = 'payments'"
                "     AND ((changes -> 'contract_id') ->> 1)::bigint = %(id)s)"
                # A client's or an event's notes (sql/0014_daily.sql): each its own line, action "note".
                "   UNION ALL"
                "   (SELECT n.id, n.created_at, n.author_id, 'notes', n.id, 'note',"
                "     jsonb_build_object('note', jsonb_build_array(NULL, n.body)) FROM notes n"
                "     WHERE %(table)s = 'clients' AND n.client_id = %(id)s)"
                "   UNION ALL"
                "   (SELECT n.id, n.created_at, n.author_id, 'notes', n.id, 'note',"
                "     jsonb_build_object('note', jsonb_build_array(NULL, n.body)) FROM notes n"
                "     WHERE %(table)s = 'events' AND n.event_id = %(id)s)"
                " ) a"
                " LEFT JOIN employees e ON e.id = a.employee_id"
                " CROSS JOIN LATERAL jsonb_each(a.changes) AS c"
                # A creation lists the fields it set, not the empty ones; a payment its amount and date
                # (and, for a correction, the payment it cancels). A password is a plain note ("set",
                # "changed", "rehashed": never a value nor a hash), always shown.
                " WHERE NOT (a.action = 'insert' AND jsonb_typeof(c.value) = 'array'"
                "            AND c.value -> 1 IN ('null'::jsonb, '\"\"'::jsonb))"
                "   AND (a.table_name <> 'payments' OR c.key IN ('amount', 'paid_at', 'corrects_payment_id'))"
                " ORDER BY a.at DESC, a.id DESC, c.key"
                " OFFSET %(offset)s LIMIT %(limit)s",
                {"table": table, "id": record_id, "offset": offset, "limit": limit},
            ).fetchall()
        return [replace(line, old=_json(line.old), new=_json(line.new)) for line in lines]

    def employee_names(self, ids: set[int]) -> dict[int, str]:
        """Full names of employees by id (to show who a *_contact_id change points at)."""
        if not ids:
            return {}
        rows = self.conn.execute(
            "SELECT id, full_name FROM employees WHERE id = ANY(%s)", (sorted(ids),)
        ).fetchall()
        return dict(rows)
