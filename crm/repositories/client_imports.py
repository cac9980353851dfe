"""SQL for importing clients from a CSV file: a staging table, then set-based writes.

The checked rows are COPYed into a temporary table that lives only in the import's transaction
(client_import_staging(), sql/0016_exports.sql), then written by one INSERT … SELECT (and one
UPDATE … FROM for the duplicates chosen to be updated), so 50,000 rows take two statements and
the audit trail's statement triggers see them as two statements too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import psycopg

from crm.models import ImportDuplicate, ImportedClient

_COPY = (
    "COPY pg_temp.client_import (line, full_name, email, phone, company_name, sales_contact_id) FROM STDIN"
)


class ClientImportRepository:
    """The staging table of one import, and what it finds and writes."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    # Before the import: what the checks need ---------------------------------------------------

    def existing_emails(self, emails: Sequence[str]) -> dict[str, tuple[int, int]]:
        """lower(e-mail) → (client id, sales contact id) of the existing clients among `emails`."""
        rows = self.conn.execute(
            "SELECT lower(email), id, sales_contact_id FROM clients WHERE lower(email) = ANY (%s)",
            ([e.lower() for e in emails],),
            prepare=False,
        ).fetchall()
        return {email: (client_id, sales_id) for email, client_id, sales_id in rows}

    def active_sales_ids(self) -> set[int]:
        """The ids of the active sales employees (who may own clients)."""
        rows = self.conn.execute("SELECT id FROM employees WHERE team = 'sales' AND is_active").fetchall()
        return {r[0] for r in rows}

    # Inside the import's transaction -------------------------------------------------------------

    def stage(self, rows: Iterable[ImportedClient]) -> None:
        """Create the staging table and COPY the rows into it."""
        self.conn.execute("SELECT client_import_staging()")
        with self.conn.cursor() as cur, cur.copy(_COPY) as copy:
            for r in rows:
                copy.write_row((r.line, r.full_name, r.email, r.phone, r.company_name, r.sales_contact_id))

    def staged_duplicates(self) -> list[ImportDuplicate]:
        """The staged rows whose e-mail an existing client has (locked until the transaction ends)."""
        rows = self.conn.execute(
            "SELECT s.line, s.email, cl.id, cl.sales_contact_id FROM pg_temp.client_import s"
            " JOIN clients cl ON lower(cl.email) = lower(s.email) ORDER BY s.line FOR UPDATE OF cl"
        ).fetchall()
        return [ImportDuplicate(*row) for row in rows]

    def insert_new(self) -> int:
        """Create a client for every staged row no existing client has the e-mail of; how many."""
        cur = self.conn.execute(
            "INSERT INTO clients (full_name, email, phone, company_name, sales_contact_id)"
            " SELECT s.full_name, s.email, s.phone, s.company_name, s.sales_contact_id"
            " FROM pg_temp.client_import s"
            " WHERE NOT EXISTS (SELECT 1 FROM clients cl WHERE lower(cl.email) = lower(s.email))"
            " ORDER BY s.line"
        )
        return cur.rowcount

    def update_existing(self, lines: Sequence[int]) -> int:
        """Give the existing clients of the staged `lines` the staged name, e-mail, phone and
        company (never another sales contact); rows already equal are left as they are. How many
        changed."""
        cur = self.conn.execute(
            "UPDATE clients cl SET full_name = s.full_name, email = s.email, phone = s.phone,"
            " company_name = s.company_name, updated_at = now(), version = cl.version + 1"
            " FROM pg_temp.client_import s"
            " WHERE s.line = ANY (%(lines)s) AND lower(cl.email) = lower(s.email)"
            " AND (cl.full_name, cl.email, cl.phone, cl.company_name)"
            "     IS DISTINCT FROM (s.full_name, s.email, s.phone, s.company_name)",
            {"lines": list(lines)},
        )
        return cur.rowcount
