"""SQL for contracts and their payments.

A contract's sales contact is read through its client, so every read joins the client and the
client's sales contact. Every list is one statement, paged with offset/limit, newest first.
Amount and signature saves carry the version the caller read; a payment lowers the remaining
amount with a guarded UPDATE (never below zero, whatever runs at the same time) and is recorded
in the same transaction.
"""

from __future__ import annotations

from decimal import Decimal

import psycopg
from psycopg import sql
from psycopg.rows import class_row

from crm.models import Contract, Payment
from crm.repositories.paging import newest_page
from crm.repositories.rows import one_row

# The columns of crm.models.Contract, from contracts c, clients cl and employees sc.
_CONTRACT_SELECT = sql.SQL(
    "SELECT c.id, c.client_id, cl.full_name AS client_name, cl.sales_contact_id,"
    " sc.full_name AS sales_contact_name, c.total_amount, c.remaining_amount, c.is_signed,"
    " c.signed_at, c.created_at, c.updated_at, c.version"
    " FROM contracts c"
    " JOIN clients cl ON cl.id = c.client_id"
    " JOIN employees sc ON sc.id = cl.sales_contact_id"
)
_NEWEST_FIRST = sql.SQL(" ORDER BY c.created_at DESC, c.id DESC")
_PAGE = sql.SQL(" OFFSET %(offset)s LIMIT %(limit)s")


def _of_sales(sales_id: int | None) -> sql.Composable:
    """Only the contracts of one sales employee's clients (all when sales_id is None)."""
    return sql.SQL("") if sales_id is None else sql.SQL(" AND cl.sales_contact_id = %(sales)s")


# A payment, who recorded it, what it corrects and what corrects it; then the count and sum of the
# rows the WHERE keeps (window functions: one statement for a contract's history).
_PAYMENT_SELECT = sql.SQL(
    "SELECT p.id, p.contract_id, p.amount, p.paid_at, p.recorded_by, e.full_name AS recorded_by_name,"
    " p.corrects_payment_id, fix.id AS corrected_by_id,"
    " count(*) OVER () AS how_many, sum(p.amount) OVER () AS paid"
    " FROM payments p JOIN employees e ON e.id = p.recorded_by"
    " LEFT JOIN payments fix ON fix.corrects_payment_id = p.id"
)


class ContractRepository:
    """Reads and writes contracts and payments."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def _contracts(self, query: sql.Composed, params: dict) -> list[Contract]:
        with self.conn.cursor(row_factory=class_row(Contract)) as cur:
            return cur.execute(query, params).fetchall()

    # Reads -------------------------------------------------------------------------------------

    def get(self, contract_id: int, *, lock: bool = False) -> Contract | None:
        """One contract by id, or None.

        lock=True keeps the contract from changing, and its client from being reassigned, until
        the transaction ends.
        """
        query = _CONTRACT_SELECT + sql.SQL(" WHERE c.id = %(id)s")
        if lock:
            query += sql.SQL(" FOR UPDATE OF c FOR SHARE OF cl")
        rows = self._contracts(query, {"id": contract_id})
        return rows[0] if rows else None

    def list_newest(self, offset: int, limit: int) -> list[Contract]:
        """A page of all contracts, newest first."""
        query = newest_page("contracts", "c", _CONTRACT_SELECT)
        return self._contracts(query, {"offset": offset, "limit": limit})

    def list_for_client(self, client_id: int, offset: int, limit: int) -> list[Contract]:
        """A page of one client's contracts, newest first."""
        query = _CONTRACT_SELECT + sql.SQL(" WHERE c.client_id = %(client)s") + _NEWEST_FIRST + _PAGE
        return self._contracts(query, {"client": client_id, "offset": offset, "limit": limit})

    def list_not_signed(self, sales_id: int | None, offset: int, limit: int) -> list[Contract]:
        """A page of the contracts not signed yet (of sales_id's clients if given)."""
        query = (
            _CONTRACT_SELECT + sql.SQL(" WHERE NOT c.is_signed") + _of_sales(sales_id) + _NEWEST_FIRST + _PAGE
        )
        return self._contracts(query, {"sales": sales_id, "offset": offset, "limit": limit})

    def list_not_fully_paid(self, sales_id: int | None, offset: int, limit: int) -> list[Contract]:
        """A page of the contracts with something left to pay (of sales_id's clients if given)."""
        query = (
            _CONTRACT_SELECT
            + sql.SQL(" WHERE c.remaining_amount > 0")
            + _of_sales(sales_id)
            + _NEWEST_FIRST
            + _PAGE
        )
        return self._contracts(query, {"sales": sales_id, "offset": offset, "limit": limit})

    def list_signed_without_event(self, sales_id: int | None, offset: int, limit: int) -> list[Contract]:
        """A page of the signed contracts that have no event yet (of sales_id's clients if given),
        latest signed first: the events still to create."""
        query = (
            _CONTRACT_SELECT
            + sql.SQL(" WHERE c.is_signed AND NOT EXISTS (SELECT 1 FROM events e WHERE e.contract_id = c.id)")
            + _of_sales(sales_id)
            + sql.SQL(" ORDER BY c.signed_at DESC, c.id DESC")
            + _PAGE
        )
        return self._contracts(query, {"sales": sales_id, "offset": offset, "limit": limit})

    def search(self, text: str, offset: int, limit: int) -> list[Contract]:
        """A page of the contracts whose client's name or company contains `text`, newest first.

        Any case, any accents, as the client search (sql/0008_search.sql), on the same indexes.
        """
        query = (
            _CONTRACT_SELECT
            + sql.SQL(
                " WHERE f_unaccent(cl.full_name) ILIKE f_search_pattern(%(text)s)"
                " OR f_unaccent(cl.company_name) ILIKE f_search_pattern(%(text)s)"
            )
            + _NEWEST_FIRST
            + _PAGE
        )
        # Never a prepared statement: a generic plan cannot see the pattern (as ClientRepository.search).
        with self.conn.cursor(row_factory=class_row(Contract)) as cur:
            return cur.execute(
                query, {"text": text, "offset": offset, "limit": limit}, prepare=False
            ).fetchall()

    def payments(self, contract_id: int, limit: int) -> tuple[list[Payment], int, Decimal]:
        """A contract's latest payments (newest first, who recorded each), how many it has in all
        and their sum — one statement."""
        rows = self.conn.execute(
            _PAYMENT_SELECT
            + sql.SQL(" WHERE p.contract_id = %s ORDER BY p.paid_at DESC, p.id DESC LIMIT %s"),
            (contract_id, limit),
        ).fetchall()
        if not rows:
            return [], 0, Decimal("0.00")
        return [Payment(*row[:8]) for row in rows], rows[0][8], rows[0][9]

    def payment(self, payment_id: int) -> Payment | None:
        """One payment, with who recorded it and what corrects it (or what it corrects)."""
        row = self.conn.execute(_PAYMENT_SELECT + sql.SQL(" WHERE p.id = %s"), (payment_id,)).fetchone()
        return Payment(*row[:8]) if row else None

    # Writes ------------------------------------------------------------------------------------

    def insert(self, client_id: int, total: Decimal, remaining: Decimal, signed: bool) -> int:
        """Create a contract for a client; return its id."""
        cur = self.conn.execute(
            "INSERT INTO contracts (client_id, total_amount, remaining_amount, is_signed, signed_at)"
            " VALUES (%s, %s, %s, %s, CASE WHEN %s THEN now() END) RETURNING id",
            (client_id, total, remaining, signed, signed),
        )
        row = one_row(cur)
        return row[0]

    def update(
        self, contract_id: int, version: int, total: Decimal, remaining: Decimal, signed: bool
    ) -> bool:
        """Save amounts and signed state if the contract is still at `version`; False when it is not.

        Signing records when; keeping it signed keeps that moment.
        """
        cur = self.conn.execute(
            "UPDATE contracts SET total_amount = %(total)s, remaining_amount = %(remaining)s,"
            " is_signed = %(signed)s,"
            " signed_at = CASE WHEN NOT %(signed)s THEN NULL ELSE coalesce(signed_at, now()) END,"
            " updated_at = now(), version = version + 1"
            " WHERE id = %(id)s AND version = %(version)s",
            {
                "total": total,
                "remaining": remaining,
                "signed": signed,
                "id": contract_id,
                "version": version,
            },
        )
        return cur.rowcount == 1

    def take_payment(self, contract_id: int, amount: Decimal) -> Decimal | None:
        """Take a payment row's amount off the remaining amount (a correction's negative amount
        gives it back); the new remaining, or None if it would leave 0 to the total.

        The version moves too, so an edit of the amounts started before the payment is refused.
        """
        row = self.conn.execute(
            "UPDATE contracts SET remaining_amount = remaining_amount - %(amount)s,"
            " updated_at = now(), version = version + 1"
            " WHERE id = %(id)s AND remaining_amount - %(amount)s BETWEEN 0 AND total_amount"
            " RETURNING remaining_amount",
            {"amount": amount, "id": contract_id},
        ).fetchone()
        return row[0] if row else None

    def insert_payment(
        self, contract_id: int, amount: Decimal, recorded_by: int, corrects: int | None = None
    ) -> int:
        """Record a payment row (a correction when `corrects` names the payment it cancels, with
        the opposite amount); return its id."""
        cur = self.conn.execute(
            "INSERT INTO payments (contract_id, amount, recorded_by, corrects_payment_id)"
            " VALUES (%s, %s, %s, %s) RETURNING id",
            (contract_id, amount, recorded_by, corrects),
        )
        row = one_row(cur)
        return row[0]
