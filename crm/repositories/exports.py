"""SQL for CSV exports: every row of a list through a server-side cursor, and the export's trace.

A list is read by one DECLAREd cursor inside the export's transaction, a batch of rows at a time
(FETCH), so memory stays flat however long the list is and every row comes from the statement's
one snapshot. The SELECTs are the lists' own (crm/repositories/clients.py, contracts.py,
events.py): the same columns, the same records. Filters are bound parameters; the only composed
parts are this module's own fragments.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import class_row

from crm.models import Client, ContractExport, Event, Payment
from crm.repositories.clients import _CLIENT_SELECT
from crm.repositories.events import _EVENT_SELECT
from crm.repositories.rows import scalar

BATCH = 2000

_CONTRACT_EXPORT_SELECT = sql.SQL(
    "SELECT c.id, c.client_id, cl.full_name AS client_name, cl.sales_contact_id,"
    " sc.full_name AS sales_contact_name, c.total_amount,"
    " c.total_amount - c.remaining_amount AS paid_amount, c.remaining_amount, c.is_signed,"
    " c.signed_at, c.created_at, c.updated_at, c.version"
    " FROM contracts c"
    " JOIN clients cl ON cl.id = c.client_id"
    " JOIN employees sc ON sc.id = cl.sales_contact_id"
)
_PAYMENT_EXPORT_SELECT = sql.SQL(
    "SELECT p.id, p.contract_id, p.amount, p.paid_at, p.recorded_by, e.full_name AS recorded_by_name,"
    " p.corrects_payment_id, fix.id AS corrected_by_id"
    " FROM payments p JOIN employees e ON e.id = p.recorded_by"
    " LEFT JOIN payments fix ON fix.corrects_payment_id = p.id"
)
_SEARCH = sql.SQL("f_unaccent({}) ILIKE f_search_pattern(%(search)s)")
# Events of one support employee (or of none): upcoming soonest first, then past ones, as the lists.
_UPCOMING_THEN_PAST = sql.SQL(
    " ORDER BY e.starts_at < %(now)s, CASE WHEN e.starts_at >= %(now)s THEN e.starts_at END ASC,"
    " e.starts_at DESC, e.id DESC"
)


def _where(conditions: list[sql.Composable]) -> sql.Composable:
    return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("")


class ExportRepository:
    """Reads whole lists for export, and records each export."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    # The lists ----------------------------------------------------------------------------------

    def clients(
        self, *, sales_id: int | None = None, search: str | None = None
    ) -> tuple[sql.Composable, sql.Composable, dict, type]:
        """Clients (of one sales contact, or matching a search), newest first."""
        where: list[sql.Composable] = []
        if sales_id is not None:
            where.append(sql.SQL("cl.sales_contact_id = %(sales)s"))
        if search is not None:
            where.append(
                sql.SQL("({} OR {})").format(
                    _SEARCH.format(sql.SQL("cl.full_name")), _SEARCH.format(sql.SQL("cl.company_name"))
                )
            )
        order = sql.SQL(" ORDER BY cl.created_at DESC, cl.id DESC")
        return _CLIENT_SELECT, _where(where) + order, {"sales": sales_id, "search": search}, Client

    def contracts(
        self,
        *,
        sales_id: int | None = None,
        client_id: int | None = None,
        unsigned: bool = False,
        unpaid: bool = False,
    ) -> tuple[sql.Composable, sql.Composable, dict, type]:
        """Contracts with what has been paid and what remains, newest first."""
        where: list[sql.Composable] = []
        if sales_id is not None:
            where.append(sql.SQL("cl.sales_contact_id = %(sales)s"))
        if client_id is not None:
            where.append(sql.SQL("c.client_id = %(client)s"))
        if unsigned:
            where.append(sql.SQL("NOT c.is_signed"))
        if unpaid:
            where.append(sql.SQL("c.remaining_amount > 0"))
        order = sql.SQL(" ORDER BY c.created_at DESC, c.id DESC")
        params = {"sales": sales_id, "client": client_id}
        return _CONTRACT_EXPORT_SELECT, _where(where) + order, params, ContractExport

    def events(
        self,
        now: datetime,
        *,
        support_id: int | None = None,
        no_support: bool = False,
        search: str | None = None,
    ) -> tuple[sql.Composable, sql.Composable, dict, type]:
        """Events: of one support employee or without support upcoming first, else newest first."""
        where: list[sql.Composable] = []
        if support_id is not None:
            where.append(sql.SQL("e.support_contact_id = %(support)s"))
        if no_support:
            where.append(sql.SQL("e.support_contact_id IS NULL"))
        if search is not None:
            where.append(
                sql.SQL("({} OR {})").format(
                    _SEARCH.format(sql.SQL("e.name")), _SEARCH.format(sql.SQL("cl.full_name"))
                )
            )
        if support_id is not None or no_support:
            order: sql.Composable = _UPCOMING_THEN_PAST
        else:
            order = sql.SQL(" ORDER BY e.created_at DESC, e.id DESC")
        params = {"support": support_id, "search": search, "now": now}
        return _EVENT_SELECT, _where(where) + order, params, Event

    def payments(
        self, *, contract_id: int | None = None, recorded_by: int | None = None
    ) -> tuple[sql.Composable, sql.Composable, dict, type]:
        """Payments (and corrections), newest first."""
        where: list[sql.Composable] = []
        if contract_id is not None:
            where.append(sql.SQL("p.contract_id = %(contract)s"))
        if recorded_by is not None:
            where.append(sql.SQL("p.recorded_by = %(recorded_by)s"))
        order = sql.SQL(" ORDER BY p.paid_at DESC, p.id DESC")
        params = {"contract": contract_id, "recorded_by": recorded_by}
        return _PAYMENT_EXPORT_SELECT, _where(where) + order, params, Payment

    # Reading one ----------------------------------------------------------------------------------

    def count(self, query: tuple[sql.Composable, sql.Composable, dict, type]) -> int:
        """How many rows the list has now (for the progress shown while exporting)."""
        select, rest, params, _ = query
        counted = sql.SQL("SELECT count(*) FROM ({}) listed").format(select + rest)
        return scalar(self.conn.execute(counted, params, prepare=False))

    def stream(
        self, query: tuple[sql.Composable, sql.Composable, dict, type], batch: int = BATCH
    ) -> Iterator[Any]:
        """Every row of the list as its record, read through a server-side cursor `batch` rows at
        a time; only inside a transaction (the cursor ends with it)."""
        select, rest, params, kind = query
        cursor: psycopg.ServerCursor[Any] = self.conn.cursor(name="crm_export", row_factory=class_row(kind))
        try:
            # Never a prepared statement: a search's generic plan would not use the trigram indexes.
            cursor.execute(select + rest, params)
            while rows := cursor.fetchmany(batch):
                yield from rows
        finally:
            cursor.close()

    # The trace ---------------------------------------------------------------------------------------

    def record(self, kind: str, filters: dict, row_count: int, excel: bool, face: str) -> int:
        """Write the export's trace (the database sets who and when); its id."""
        row = self.conn.execute(
            "INSERT INTO exports (employee_id, kind, filters, row_count, excel, face)"
            " VALUES (crm_actor(),"
            " %s, %s::jsonb, %s, %s, %s)"
            " RETURNING id",
            (kind, json.dumps(filters, ensure_ascii=False), row_count, excel, face),
        )
        return scalar(row)
